/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Copyright 2026 The nvsvm authors
 */
#ifndef __NVSVM_VMM_H__
#define __NVSVM_VMM_H__

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/types.h>

#include "nvsvm_gp100_mmu.h"

struct nvsvm_hw;
struct nvsvm_vram;
struct nvsvm_vmm_pt;

/**
 * DOC: PFN map input
 *
 * nvsvm_vmm_pfn_map() takes one u64 per 4 KiB page of the range, much like
 * nouveau's NVIF_VMM_PFNMAP_V0 entries or HMM's hmm_pfns:
 *
 * - %NVSVM_VMM_PFN_VALID: map this page. An entry without it is skipped and
 *   its PTE left exactly as it was (possibly mapping an older page), while
 *   the writer still moves on to the next PTE.
 * - %NVSVM_VMM_PFN_WRITE: map it writable; read-only otherwise.
 * - %NVSVM_VMM_PFN_ATOMIC: allow GPU atomics; they fault otherwise.
 * - %NVSVM_VMM_PFN_VRAM: the address is a VRAM offset; otherwise it is a
 *   system page (mapped system-coherent and volatile).
 * - %NVSVM_VMM_PFN_ADDR: the 4 KiB-aligned VRAM offset, or the system
 *   page's frame number shifted left by 12, in place.
 *
 * Build entries with nvsvm_vmm_pfn_sys() and nvsvm_vmm_pfn_vram(). The
 * vmm maps a system page for the GPU's DMA itself when it writes the PTE,
 * and unmaps it once the PTE is gone and the TLB flushed (DOC: DMA
 * mappings in nvsvm_vmm.c).
 */
#define NVSVM_VMM_PFN_VALID		BIT_ULL(0)
#define NVSVM_VMM_PFN_WRITE		BIT_ULL(1)
#define NVSVM_VMM_PFN_ATOMIC		BIT_ULL(2)
#define NVSVM_VMM_PFN_VRAM		BIT_ULL(3)
#define NVSVM_VMM_PFN_FLAGS		GENMASK_ULL(3, 0)
#define NVSVM_VMM_PFN_ADDR		GENMASK_ULL(63, 12)

/** define NVSVM_VMM_VA_END - End of the GPU virtual address space. */
#define NVSVM_VMM_VA_END		BIT_ULL(NVSVM_GP100_VA_BITS)

/**
 * nvsvm_vmm_pfn_sys() - PFN-map entry of a system page.
 * @page: The page.
 * @flags: NVSVM_VMM_PFN_WRITE and NVSVM_VMM_PFN_ATOMIC, or 0.
 *
 * Return: A valid entry.
 */
static inline u64 nvsvm_vmm_pfn_sys(struct page *page, u64 flags)
{
	return ((u64)page_to_pfn(page) << NVSVM_GP100_PAGE_SHIFT_4K) | flags |
	       NVSVM_VMM_PFN_VALID;
}

/**
 * nvsvm_vmm_pfn_vram() - PFN-map entry of a VRAM page.
 * @offset: VRAM offset of the page, 4 KiB aligned.
 * @flags: NVSVM_VMM_PFN_WRITE and NVSVM_VMM_PFN_ATOMIC, or 0.
 *
 * Return: A valid entry.
 */
static inline u64 nvsvm_vmm_pfn_vram(u64 offset, u64 flags)
{
	return (offset & NVSVM_VMM_PFN_ADDR) | flags | NVSVM_VMM_PFN_VRAM |
	       NVSVM_VMM_PFN_VALID;
}

/**
 * enum nvsvm_vmm_level_id - Levels of the page-table tree, root first.
 * @NVSVM_VMM_PD3: Page directory 3, the root.
 * @NVSVM_VMM_PD2: Page directory 2.
 * @NVSVM_VMM_PD1: Page directory 1.
 * @NVSVM_VMM_PD0: Page directory 0, of dual PDEs or 2 MiB PTEs.
 * @NVSVM_VMM_SPT: Small page table, of 4 KiB PTEs.
 * @NVSVM_VMM_LPT: Big page table, of 64 KiB PTEs: the other half of a dual
 *	PDE, beside the small page table of the same 2 MiB.
 * @NVSVM_VMM_LEVELS: Number of levels.
 */
enum nvsvm_vmm_level_id {
	NVSVM_VMM_PD3,
	NVSVM_VMM_PD2,
	NVSVM_VMM_PD1,
	NVSVM_VMM_PD0,
	NVSVM_VMM_SPT,
	NVSVM_VMM_LPT,
	NVSVM_VMM_LEVELS,
};

/** define NVSVM_VMM_GATHER - DMA unmaps a vmm batches behind one flush. */
#define NVSVM_VMM_GATHER		64
/** define NVSVM_VMM_GATHER_2M - A gathered DMA mapping is 2 MiB. */
#define NVSVM_VMM_GATHER_2M		BIT_ULL(0)
/** define NVSVM_VMM_GATHER_RO - A gathered DMA mapping is DMA_TO_DEVICE. */
#define NVSVM_VMM_GATHER_RO		BIT_ULL(1)

/**
 * struct nvsvm_vmm - A GPU virtual address space.
 * @hw: The GPU.
 * @vram: Where page tables are allocated.
 * @mutex: Protects the page tables, in VRAM and in @pd; see DOC: Locking.
 * @pd: The page directory (PD3) and, below it, the tables in use.
 * @tables: Number of tables allocated, @pd included.
 * @huge_mapped: Number of 2 MiB PTEs ever written.
 * @huge_vram_mapped: Of them, those of VRAM.
 * @big_mapped: Number of 64 KiB PTEs ever written.
 * @spare: Per level, a table allocated ahead by nvsvm_vmm_reserve().
 * @dead: Tables out of the tree whose VRAM waits for the next TLB flush.
 * @dma_maps: DMA mappings of system pages made for PTEs, ever.
 * @dma_unmaps: Of them, unmapped, ever.
 * @gather: DMA mappings whose PTEs are gone, to unmap after the TLB flush:
 *	the DMA address, %NVSVM_VMM_GATHER_2M for a 2 MiB mapping,
 *	%NVSVM_VMM_GATHER_RO for a read-only one.
 * @gather_nr: Entries in @gather.
 * @gather_start: Lowest virtual address of their PTEs.
 * @gather_end: End of the highest.
 */
struct nvsvm_vmm {
	struct nvsvm_hw *hw;
	struct nvsvm_vram *vram;
	struct mutex mutex; /* protects the page tables */
	struct nvsvm_vmm_pt *pd;
	unsigned int tables;
	u64 huge_mapped;
	u64 huge_vram_mapped;
	u64 big_mapped;
	struct nvsvm_vmm_pt *spare[NVSVM_VMM_LEVELS];
	struct list_head dead;
	u64 dma_maps;
	u64 dma_unmaps;
	u64 gather[NVSVM_VMM_GATHER];
	unsigned int gather_nr;
	u64 gather_start;
	u64 gather_end;
};

struct nvsvm_vmm *nvsvm_vmm_create(struct nvsvm_hw *hw, struct nvsvm_vram *vram);
void nvsvm_vmm_destroy(struct nvsvm_vmm *vmm);
int nvsvm_vmm_reserve(struct nvsvm_vmm *vmm);
u64 nvsvm_vmm_pdb(const struct nvsvm_vmm *vmm);
int nvsvm_vmm_pfn_map(struct nvsvm_vmm *vmm, u64 va, u64 npages,
		      const u64 *pfns);
void nvsvm_vmm_unmap(struct nvsvm_vmm *vmm, u64 va, u64 size);
void nvsvm_vmm_flush(struct nvsvm_vmm *vmm, u64 va, u64 size);
void nvsvm_vmm_flush_all(struct nvsvm_vmm *vmm);
unsigned int nvsvm_vmm_tables(struct nvsvm_vmm *vmm);

/**
 * struct nvsvm_vmm_counts - What an address space did, ever.
 * @dma_maps: DMA mappings of system pages made for PTEs.
 * @dma_unmaps: Of them, unmapped.
 * @big_mapped: 64 KiB PTEs written.
 * @huge_vram_mapped: 2 MiB PTEs of VRAM written.
 */
struct nvsvm_vmm_counts {
	u64 dma_maps;
	u64 dma_unmaps;
	u64 big_mapped;
	u64 huge_vram_mapped;
};

void nvsvm_vmm_counts(struct nvsvm_vmm *vmm, struct nvsvm_vmm_counts *counts);

/* The GP100 format, nvsvm_vmm_gp100.c. */

/**
 * struct nvsvm_vmm_level - Geometry of one level.
 * @shift: Lowest VA bit the level indexes.
 * @bits: Number of VA bits the level indexes.
 * @entry_size: Bytes per entry.
 */
struct nvsvm_vmm_level {
	u8 shift;
	u8 bits;
	u8 entry_size;
};

extern const struct nvsvm_vmm_level nvsvm_vmm_gp100_levels[NVSVM_VMM_LEVELS];

u64 nvsvm_vmm_gp100_pte(u64 pfn);
u64 nvsvm_vmm_gp100_pte_split(u64 huge_pte, unsigned int index);
u64 nvsvm_vmm_gp100_pde(u64 table);
void nvsvm_vmm_gp100_dual_pde(bool big, u64 big_table, bool small,
			      u64 small_table, u64 data[2]);

#endif /* __NVSVM_VMM_H__ */
