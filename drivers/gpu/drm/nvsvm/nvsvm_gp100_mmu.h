/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Copyright 2026 The nvsvm authors
 */
#ifndef __NVSVM_GP100_MMU_H__
#define __NVSVM_GP100_MMU_H__

#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/sizes.h>
#include <linux/types.h>

/**
 * DOC: GP100 MMU format
 *
 * The page-table format of NVIDIA's Pascal GPUs ("MMU version 2"), as the
 * vmm writes it and the GPU's walker reads it. Field names are NVIDIA's own,
 * from open-gpu-doc ``manuals/pascal/gp100/dev_mmu.ref.txt`` and the
 * published ``dev_mmu.h``, so that each can be looked up there; nouveau's
 * ``nvkm/subdev/mmu/vmmgp100.c`` writes the same format.
 *
 * A 49-bit virtual address is split over five levels::
 *
 *   48:47  PD3  4 entries of 8 bytes
 *   46:38  PD2  512 entries of 8 bytes
 *   37:29  PD1  512 entries of 8 bytes
 *   28:21  PD0  256 dual entries of 16 bytes (big and small page table),
 *               or a PTE that maps a 2 MiB page by itself
 *   20:16  LPT  32 PTEs of 8 bytes, 64 KiB pages (big page table)
 *   20:12  SPT  512 PTEs of 8 bytes, 4 KiB pages (small page table)
 *
 * A PDE (PD3 to PD1) has no valid bit: an aperture of
 * %NV_MMU_VER2_PDE_APERTURE_INVALID marks it empty. A PD0 entry is a PTE when
 * its bit %NV_MMU_VER2_DUAL_PDE_IS_PTE (which is %NV_MMU_VER2_PTE_VALID) is
 * set, and a dual PDE otherwise. The big half of a dual PDE is the low 64
 * bits and addresses its table in units of 256 bytes
 * (%NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_SHIFT); the small half is the high 64
 * bits and uses the single-PDE layout. The fields of the high half are
 * defined here relative to bit 64.
 *
 * Every table in this driver lives in video memory.
 */

/** define NVSVM_GP100_VA_BITS - Width of a GPU virtual address. */
#define NVSVM_GP100_VA_BITS		49

/* Level geometry: shift of the VA bits a level indexes, and their count. */
#define NVSVM_GP100_PD3_SHIFT		47
#define NVSVM_GP100_PD3_BITS		2
#define NVSVM_GP100_PD2_SHIFT		38
#define NVSVM_GP100_PD2_BITS		9
#define NVSVM_GP100_PD1_SHIFT		29
#define NVSVM_GP100_PD1_BITS		9
#define NVSVM_GP100_PD0_SHIFT		21
#define NVSVM_GP100_PD0_BITS		8
#define NVSVM_GP100_LPT_SHIFT		16
#define NVSVM_GP100_LPT_BITS		5
#define NVSVM_GP100_SPT_SHIFT		12
#define NVSVM_GP100_SPT_BITS		9

/* Page sizes: small (SPT), big (LPT) and huge (PTE at PD0). */
#define NVSVM_GP100_PAGE_SHIFT_4K	NVSVM_GP100_SPT_SHIFT
#define NVSVM_GP100_PAGE_SHIFT_64K	NVSVM_GP100_LPT_SHIFT
#define NVSVM_GP100_PAGE_SHIFT_2M	NVSVM_GP100_PD0_SHIFT

/** define NVSVM_GP100_TABLE_SIZE - Bytes of VRAM each table is given. */
#define NVSVM_GP100_TABLE_SIZE		SZ_4K

/* Entry sizes in bytes. */
#define NV_MMU_VER2_PDE__SIZE			8
#define NV_MMU_VER2_DUAL_PDE__SIZE		16
#define NV_MMU_VER2_PTE__SIZE			8

/* PDE, PD3 to PD1, and the small half of a dual PDE. */
#define NV_MMU_VER2_PDE_APERTURE		GENMASK_ULL(2, 1)
#define NV_MMU_VER2_PDE_APERTURE_INVALID			0x0
#define NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY			0x1
#define NV_MMU_VER2_PDE_APERTURE_SYSTEM_COHERENT_MEMORY		0x2
#define NV_MMU_VER2_PDE_APERTURE_SYSTEM_NON_COHERENT_MEMORY	0x3
#define NV_MMU_VER2_PDE_VOL			BIT_ULL(3)
#define NV_MMU_VER2_PDE_ADDRESS_SYS		GENMASK_ULL(53, 8)
#define NV_MMU_VER2_PDE_ADDRESS_VID		GENMASK_ULL(35 - 3, 8)
#define NV_MMU_VER2_PDE_ADDRESS_SHIFT		12

/* Dual PDE (PD0), low 64 bits: the big page table. */
#define NV_MMU_VER2_DUAL_PDE_IS_PTE		BIT_ULL(0)
#define NV_MMU_VER2_DUAL_PDE_APERTURE_BIG	GENMASK_ULL(2, 1)
#define NV_MMU_VER2_DUAL_PDE_VOL_BIG		BIT_ULL(3)
#define NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_SYS	GENMASK_ULL(53, 8 - 4)
#define NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_VID	GENMASK_ULL(35 - 3, 8 - 4)
#define NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_SHIFT	8

/* Dual PDE (PD0), high 64 bits (bit 64 is bit 0 here): the small table. */
#define NV_MMU_VER2_DUAL_PDE_APERTURE_SMALL	GENMASK_ULL(66 - 64, 65 - 64)
#define NV_MMU_VER2_DUAL_PDE_VOL_SMALL		BIT_ULL(67 - 64)
#define NV_MMU_VER2_DUAL_PDE_ADDRESS_SMALL_SYS	GENMASK_ULL(117 - 64, 72 - 64)
#define NV_MMU_VER2_DUAL_PDE_ADDRESS_SMALL_VID	GENMASK_ULL(99 - 3 - 64, 72 - 64)
#define NV_MMU_VER2_DUAL_PDE_ADDRESS_SHIFT	12

/* PTE: SPT, LPT, and a PD0 entry that maps a 2 MiB page. */
#define NV_MMU_VER2_PTE_VALID			BIT_ULL(0)
#define NV_MMU_VER2_PTE_APERTURE		GENMASK_ULL(2, 1)
#define NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY			0x0
#define NV_MMU_VER2_PTE_APERTURE_PEER_MEMORY			0x1
#define NV_MMU_VER2_PTE_APERTURE_SYSTEM_COHERENT_MEMORY		0x2
#define NV_MMU_VER2_PTE_APERTURE_SYSTEM_NON_COHERENT_MEMORY	0x3
#define NV_MMU_VER2_PTE_VOL			BIT_ULL(3)
#define NV_MMU_VER2_PTE_ENCRYPTED		BIT_ULL(4)
#define NV_MMU_VER2_PTE_PRIVILEGE		BIT_ULL(5)
#define NV_MMU_VER2_PTE_READ_ONLY		BIT_ULL(6)
#define NV_MMU_VER2_PTE_ATOMIC_DISABLE		BIT_ULL(7)
#define NV_MMU_VER2_PTE_ADDRESS_SYS		GENMASK_ULL(53, 8)
#define NV_MMU_VER2_PTE_ADDRESS_VID		GENMASK_ULL(35 - 3, 8)
#define NV_MMU_VER2_PTE_KIND			GENMASK_ULL(63, 56)
#define NV_MMU_VER2_PTE_ADDRESS_SHIFT		12

/* The small half of a dual PDE has the layout of a PDE. */
static_assert(NV_MMU_VER2_DUAL_PDE_APERTURE_SMALL == NV_MMU_VER2_PDE_APERTURE);
static_assert(NV_MMU_VER2_DUAL_PDE_VOL_SMALL == NV_MMU_VER2_PDE_VOL);
static_assert(NV_MMU_VER2_DUAL_PDE_ADDRESS_SMALL_SYS == NV_MMU_VER2_PDE_ADDRESS_SYS);
static_assert(NV_MMU_VER2_DUAL_PDE_ADDRESS_SMALL_VID == NV_MMU_VER2_PDE_ADDRESS_VID);
static_assert(NV_MMU_VER2_DUAL_PDE_ADDRESS_SHIFT == NV_MMU_VER2_PDE_ADDRESS_SHIFT);
/* A PD0 entry is a PTE exactly when the PTE's valid bit is set. */
static_assert(NV_MMU_VER2_DUAL_PDE_IS_PTE == NV_MMU_VER2_PTE_VALID);

/** define NV_MMU_PTE_KIND_PITCH - Kind of plain, uncompressed memory. */
#define NV_MMU_PTE_KIND_PITCH			0x00

/**
 * struct nvsvm_gp100_pte - A decoded PTE.
 * @addr: Byte address of the page: a VRAM offset, or a system DMA address.
 * @aperture: One of NV_MMU_VER2_PTE_APERTURE_*.
 * @kind: Memory kind, NV_MMU_PTE_KIND_PITCH here.
 * @valid: NV_MMU_VER2_PTE_VALID.
 * @vol: NV_MMU_VER2_PTE_VOL, not cached in the GPU's L2.
 * @encrypted: NV_MMU_VER2_PTE_ENCRYPTED.
 * @privilege: NV_MMU_VER2_PTE_PRIVILEGE.
 * @read_only: NV_MMU_VER2_PTE_READ_ONLY, writes fault.
 * @atomic_disable: NV_MMU_VER2_PTE_ATOMIC_DISABLE, atomics fault.
 */
struct nvsvm_gp100_pte {
	u64 addr;
	u8 aperture;
	u8 kind;
	bool valid;
	bool vol;
	bool encrypted;
	bool privilege;
	bool read_only;
	bool atomic_disable;
};

/**
 * struct nvsvm_gp100_pde - A decoded PDE, or one half of a dual PDE.
 * @addr: Byte address of the table the entry points to.
 * @aperture: One of NV_MMU_VER2_PDE_APERTURE_*; INVALID for no table.
 * @vol: The VOL bit of the entry (or of its half).
 */
struct nvsvm_gp100_pde {
	u64 addr;
	u8 aperture;
	bool vol;
};

static inline bool nvsvm_gp100_aperture_is_vid(u8 pte_aperture)
{
	return pte_aperture == NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY ||
	       pte_aperture == NV_MMU_VER2_PTE_APERTURE_PEER_MEMORY;
}

/**
 * nvsvm_gp100_pte_encode() - Build the 64-bit value of a PTE.
 * @pte: The fields; @pte->addr must be 4 KiB aligned.
 *
 * Context: Any context.
 * Return: The PTE.
 */
static inline u64 nvsvm_gp100_pte_encode(const struct nvsvm_gp100_pte *pte)
{
	u64 frame = pte->addr >> NV_MMU_VER2_PTE_ADDRESS_SHIFT;
	u64 data;

	data = FIELD_PREP(NV_MMU_VER2_PTE_APERTURE, pte->aperture) |
	       FIELD_PREP(NV_MMU_VER2_PTE_KIND, pte->kind);
	if (nvsvm_gp100_aperture_is_vid(pte->aperture))
		data |= FIELD_PREP(NV_MMU_VER2_PTE_ADDRESS_VID, frame);
	else
		data |= FIELD_PREP(NV_MMU_VER2_PTE_ADDRESS_SYS, frame);
	if (pte->valid)
		data |= NV_MMU_VER2_PTE_VALID;
	if (pte->vol)
		data |= NV_MMU_VER2_PTE_VOL;
	if (pte->encrypted)
		data |= NV_MMU_VER2_PTE_ENCRYPTED;
	if (pte->privilege)
		data |= NV_MMU_VER2_PTE_PRIVILEGE;
	if (pte->read_only)
		data |= NV_MMU_VER2_PTE_READ_ONLY;
	if (pte->atomic_disable)
		data |= NV_MMU_VER2_PTE_ATOMIC_DISABLE;
	return data;
}

/**
 * nvsvm_gp100_pte_decode() - Split a 64-bit PTE into its fields.
 * @data: The PTE.
 * @pte: Where the fields go.
 *
 * Context: Any context.
 */
static inline void nvsvm_gp100_pte_decode(u64 data, struct nvsvm_gp100_pte *pte)
{
	pte->aperture = FIELD_GET(NV_MMU_VER2_PTE_APERTURE, data);
	pte->kind = FIELD_GET(NV_MMU_VER2_PTE_KIND, data);
	if (nvsvm_gp100_aperture_is_vid(pte->aperture))
		pte->addr = FIELD_GET(NV_MMU_VER2_PTE_ADDRESS_VID, data);
	else
		pte->addr = FIELD_GET(NV_MMU_VER2_PTE_ADDRESS_SYS, data);
	pte->addr <<= NV_MMU_VER2_PTE_ADDRESS_SHIFT;
	pte->valid = data & NV_MMU_VER2_PTE_VALID;
	pte->vol = data & NV_MMU_VER2_PTE_VOL;
	pte->encrypted = data & NV_MMU_VER2_PTE_ENCRYPTED;
	pte->privilege = data & NV_MMU_VER2_PTE_PRIVILEGE;
	pte->read_only = data & NV_MMU_VER2_PTE_READ_ONLY;
	pte->atomic_disable = data & NV_MMU_VER2_PTE_ATOMIC_DISABLE;
}

/**
 * nvsvm_gp100_pde_encode() - Build a PDE of PD3, PD2 or PD1.
 * @pde: The fields; @pde->addr must be 4 KiB aligned.
 *
 * Context: Any context.
 * Return: The PDE.
 */
static inline u64 nvsvm_gp100_pde_encode(const struct nvsvm_gp100_pde *pde)
{
	u64 frame = pde->addr >> NV_MMU_VER2_PDE_ADDRESS_SHIFT;
	u64 data = FIELD_PREP(NV_MMU_VER2_PDE_APERTURE, pde->aperture);

	if (pde->aperture == NV_MMU_VER2_PDE_APERTURE_INVALID)
		return data;
	if (pde->aperture == NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY)
		data |= FIELD_PREP(NV_MMU_VER2_PDE_ADDRESS_VID, frame);
	else
		data |= FIELD_PREP(NV_MMU_VER2_PDE_ADDRESS_SYS, frame);
	if (pde->vol)
		data |= NV_MMU_VER2_PDE_VOL;
	return data;
}

/**
 * nvsvm_gp100_pde_decode() - Split a PDE of PD3, PD2 or PD1.
 * @data: The PDE.
 * @pde: Where the fields go.
 *
 * Context: Any context.
 */
static inline void nvsvm_gp100_pde_decode(u64 data, struct nvsvm_gp100_pde *pde)
{
	pde->aperture = FIELD_GET(NV_MMU_VER2_PDE_APERTURE, data);
	pde->vol = data & NV_MMU_VER2_PDE_VOL;
	if (pde->aperture == NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY)
		pde->addr = FIELD_GET(NV_MMU_VER2_PDE_ADDRESS_VID, data);
	else
		pde->addr = FIELD_GET(NV_MMU_VER2_PDE_ADDRESS_SYS, data);
	pde->addr <<= NV_MMU_VER2_PDE_ADDRESS_SHIFT;
}

/**
 * nvsvm_gp100_dual_pde_encode() - Build a dual PDE of PD0.
 * @big: The big page table half; @big->addr must be 256-byte aligned.
 * @small: The small page table half; @small->addr must be 4 KiB aligned.
 * @data: The two 64-bit words: [0] at the lower address, [1] above it.
 *
 * Context: Any context.
 */
static inline void nvsvm_gp100_dual_pde_encode(const struct nvsvm_gp100_pde *big,
					       const struct nvsvm_gp100_pde *small,
					       u64 data[2])
{
	u64 frame;

	/* The small half is laid out like a PDE, bit 64 up. */
	data[1] = nvsvm_gp100_pde_encode(small);

	frame = big->addr >> NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_SHIFT;
	data[0] = FIELD_PREP(NV_MMU_VER2_DUAL_PDE_APERTURE_BIG, big->aperture);
	if (big->aperture == NV_MMU_VER2_PDE_APERTURE_INVALID)
		return;
	if (big->aperture == NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY)
		data[0] |= FIELD_PREP(NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_VID, frame);
	else
		data[0] |= FIELD_PREP(NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_SYS, frame);
	if (big->vol)
		data[0] |= NV_MMU_VER2_DUAL_PDE_VOL_BIG;
}

/**
 * nvsvm_gp100_dual_pde_decode() - Split a dual PDE of PD0.
 * @data: The two 64-bit words, as nvsvm_gp100_dual_pde_encode() builds them.
 * @big: Where the big page table half goes.
 * @small: Where the small page table half goes.
 *
 * Only meaningful when %NV_MMU_VER2_DUAL_PDE_IS_PTE is clear in @data[0].
 *
 * Context: Any context.
 */
static inline void nvsvm_gp100_dual_pde_decode(const u64 data[2],
					       struct nvsvm_gp100_pde *big,
					       struct nvsvm_gp100_pde *small)
{
	nvsvm_gp100_pde_decode(data[1], small);

	big->aperture = FIELD_GET(NV_MMU_VER2_DUAL_PDE_APERTURE_BIG, data[0]);
	big->vol = data[0] & NV_MMU_VER2_DUAL_PDE_VOL_BIG;
	if (big->aperture == NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY)
		big->addr = FIELD_GET(NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_VID, data[0]);
	else
		big->addr = FIELD_GET(NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_SYS, data[0]);
	big->addr <<= NV_MMU_VER2_DUAL_PDE_ADDRESS_BIG_SHIFT;
}

#endif /* __NVSVM_GP100_MMU_H__ */
