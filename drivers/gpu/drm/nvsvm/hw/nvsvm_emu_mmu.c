// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/export.h>
#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/lockdep.h>
#include <linux/mm.h>

#include <kunit/visibility.h>

#include "../nvsvm_gp100_mmu.h"
#include "nvsvm_emu.h"

/**
 * DOC: Emulated MMU
 *
 * nvsvm_emu_walk() reads the GP100 page tables out of VRAM, from the page
 * directory base (PDB) down: PD3, PD2 and PD1 entries must point at tables
 * in video memory. A PD0 entry with %NV_MMU_VER2_DUAL_PDE_IS_PTE set maps a
 * 2 MiB page; otherwise its big half is looked up first, and a valid 64 KiB
 * PTE there wins over the small page table, whose 4 KiB PTE is used
 * otherwise. Any table pointer outside VRAM, or outside video memory, is a
 * hardware error (-EIO), never an access elsewhere.
 *
 * Every channel translates through one TLB of valid translations, the hub
 * TLB, whose entries are tagged by page directory (PDB), as on GP100. A
 * walk fills it, nothing but nvsvm_emu_tlb_invalidate() empties it, and a
 * permission fault leaves the entry in place: a driver that upgrades a PTE
 * and forgets the invalidate keeps faulting, and one that moves a page and
 * forgets it keeps reading the old page. A translation outlives its channel
 * and its address space: one that frees an address space without an
 * invalidate hands its translations to the next address space whose page
 * directory lands at the same VRAM offset.
 *
 * An access holds its TLB's lock from the lookup (or the walk that fills
 * it) to the memory access itself, and an invalidate takes the lock of
 * every TLB. So, as with a real invalidate that waits for its ack, once
 * nvsvm_emu_tlb_invalidate() returns no access through a dropped
 * translation is still in flight, and no walk that read the old PTE can
 * still fill a TLB with it.
 *
 * An atomic on system memory crosses the link as a read and, a round trip
 * later, a write; the CPU runs in between. If an invalidate drops any
 * translation of the TLB in between, the write is not issued and the whole
 * atomic starts again from the lookup. A CPU store in between that no
 * invalidate announced is lost, overwritten by the write.
 */

/**
 * nvsvm_emu_tlb_init() - Create an empty TLB and make invalidates reach it.
 * @emu: The GPU.
 * @tlb: The TLB.
 *
 * Context: Any context.
 */
void nvsvm_emu_tlb_init(struct nvsvm_emu *emu, struct nvsvm_emu_tlb *tlb)
{
	spin_lock_init(&tlb->lock);
	bitmap_zero(tlb->used, NVSVM_EMU_TLB_ENTRIES);
	tlb->next = 0;
	tlb->gen = 0;
	tlb->hits = 0;
	tlb->misses = 0;

	spin_lock(&emu->tlb_lock);
	list_add_tail(&tlb->node, &emu->tlbs);
	spin_unlock(&emu->tlb_lock);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_tlb_init);

/**
 * nvsvm_emu_tlb_fini() - Detach a TLB from the GPU.
 * @emu: The GPU.
 * @tlb: The TLB.
 *
 * Context: Any context.
 */
void nvsvm_emu_tlb_fini(struct nvsvm_emu *emu, struct nvsvm_emu_tlb *tlb)
{
	spin_lock(&emu->tlb_lock);
	list_del(&tlb->node);
	spin_unlock(&emu->tlb_lock);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_tlb_fini);

/**
 * nvsvm_emu_tlb_invalidate() - The tlb_invalidate operation.
 * @hw: The GPU.
 * @pdb: Page directory whose translations to drop.
 * @va: Start of the range.
 * @size: Size of the range in bytes; everything from @va up if it wraps.
 *
 * Context: Any context.
 */
void nvsvm_emu_tlb_invalidate(struct nvsvm_hw *hw, u64 pdb, u64 va, u64 size)
{
	struct nvsvm_emu *emu = to_nvsvm_emu(hw);
	struct nvsvm_emu_tlb *tlb;
	u64 last = va + size - 1;
	unsigned int i;

	if (!size)
		return;
	if (last < va)
		last = U64_MAX;

	spin_lock(&emu->tlb_lock);
	list_for_each_entry(tlb, &emu->tlbs, node) {
		bool dropped = false;

		spin_lock(&tlb->lock);
		for_each_set_bit(i, tlb->used, NVSVM_EMU_TLB_ENTRIES) {
			const struct nvsvm_emu_xlat *e = &tlb->entries[i];
			u64 e_last = e->va + BIT_ULL(e->shift) - 1;

			if (e->pdb != pdb || e_last < va || e->va > last)
				continue;
			__clear_bit(i, tlb->used);
			dropped = true;
		}
		if (dropped)
			tlb->gen++;
		spin_unlock(&tlb->lock);
	}
	spin_unlock(&emu->tlb_lock);
}

static int nvsvm_emu_walk_pde(struct nvsvm_emu *emu, u64 table,
			      unsigned int shift, unsigned int bits, u64 va,
			      u64 *next, u8 *reason)
{
	u64 index = (va >> shift) & GENMASK_ULL(bits - 1, 0);
	struct nvsvm_gp100_pde pde;
	u64 data;
	int ret;

	ret = nvsvm_emu_vram_read(emu, table + index * NV_MMU_VER2_PDE__SIZE,
				  &data);
	if (ret)
		return ret;
	nvsvm_gp100_pde_decode(data, &pde);
	if (pde.aperture == NV_MMU_VER2_PDE_APERTURE_INVALID) {
		*reason = NVSVM_HW_FAULT_PDE;
		return -ENOENT;
	}
	if (pde.aperture != NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY)
		return -EIO;
	*next = pde.addr;
	return 0;
}

static int nvsvm_emu_walk_pte(struct nvsvm_emu *emu, u64 data, u64 va,
			      unsigned int shift, struct nvsvm_emu_xlat *xlat)
{
	struct nvsvm_gp100_pte pte;

	nvsvm_gp100_pte_decode(data, &pte);
	if (!pte.valid)
		return -ENOENT;
	if (pte.aperture == NV_MMU_VER2_PTE_APERTURE_PEER_MEMORY)
		return -EIO;

	xlat->va = va & ~(BIT_ULL(shift) - 1);
	xlat->addr = pte.addr & ~(BIT_ULL(shift) - 1);
	xlat->shift = shift;
	xlat->aperture = pte.aperture;
	xlat->read_only = pte.read_only;
	xlat->atomic_disable = pte.atomic_disable;
	return 0;
}

static int nvsvm_emu_walk_pt(struct nvsvm_emu *emu,
			     const struct nvsvm_gp100_pde *pde,
			     unsigned int shift, unsigned int bits, u64 va,
			     struct nvsvm_emu_xlat *xlat)
{
	u64 index = (va >> shift) & GENMASK_ULL(bits - 1, 0);
	u64 data;
	int ret;

	if (pde->aperture != NV_MMU_VER2_PDE_APERTURE_VIDEO_MEMORY)
		return -EIO;
	ret = nvsvm_emu_vram_read(emu, pde->addr + index * NV_MMU_VER2_PTE__SIZE,
				  &data);
	if (ret)
		return ret;
	return nvsvm_emu_walk_pte(emu, data, va, shift, xlat);
}

/**
 * nvsvm_emu_walk() - Translate a virtual address by walking the page tables.
 * @emu: The GPU.
 * @pdb: VRAM offset of the page directory (PD3).
 * @va: The virtual address.
 * @xlat: Where the translation goes; @xlat->pdb is set too.
 * @reason: Where the &enum nvsvm_hw_fault_reason of a fault goes.
 *
 * Permissions are not checked here, see nvsvm_emu_translate().
 *
 * Context: Any context.
 * Return: 0; -ENOENT if the address is not mapped (a fault); -EIO if the
 * tables point outside video memory.
 */
int nvsvm_emu_walk(struct nvsvm_emu *emu, u64 pdb, u64 va,
		   struct nvsvm_emu_xlat *xlat, u8 *reason)
{
	static const u8 pd_geometry[][2] = {
		{ NVSVM_GP100_PD3_SHIFT, NVSVM_GP100_PD3_BITS },
		{ NVSVM_GP100_PD2_SHIFT, NVSVM_GP100_PD2_BITS },
		{ NVSVM_GP100_PD1_SHIFT, NVSVM_GP100_PD1_BITS },
	};
	struct nvsvm_gp100_pde big, small;
	u64 table = pdb, index, data[2];
	unsigned int level;
	int ret;

	xlat->pdb = pdb;
	if (va >= BIT_ULL(NVSVM_GP100_VA_BITS)) {
		*reason = NVSVM_HW_FAULT_VA_LIMIT;
		return -ENOENT;
	}

	for (level = 0; level < ARRAY_SIZE(pd_geometry); level++) {
		ret = nvsvm_emu_walk_pde(emu, table, pd_geometry[level][0],
					 pd_geometry[level][1], va, &table,
					 reason);
		if (ret)
			return ret;
	}

	index = (va >> NVSVM_GP100_PD0_SHIFT) &
		GENMASK_ULL(NVSVM_GP100_PD0_BITS - 1, 0);
	table += index * NV_MMU_VER2_DUAL_PDE__SIZE;
	ret = nvsvm_emu_vram_read(emu, table, &data[0]);
	if (!ret)
		ret = nvsvm_emu_vram_read(emu, table + sizeof(u64), &data[1]);
	if (ret)
		return ret;

	*reason = NVSVM_HW_FAULT_PTE;
	if (data[0] & NV_MMU_VER2_DUAL_PDE_IS_PTE)
		return nvsvm_emu_walk_pte(emu, data[0], va,
					  NVSVM_GP100_PAGE_SHIFT_2M, xlat);

	nvsvm_gp100_dual_pde_decode(data, &big, &small);
	if (big.aperture == NV_MMU_VER2_PDE_APERTURE_INVALID &&
	    small.aperture == NV_MMU_VER2_PDE_APERTURE_INVALID) {
		*reason = NVSVM_HW_FAULT_PDE;
		return -ENOENT;
	}
	if (big.aperture != NV_MMU_VER2_PDE_APERTURE_INVALID) {
		ret = nvsvm_emu_walk_pt(emu, &big, NVSVM_GP100_LPT_SHIFT,
					NVSVM_GP100_LPT_BITS, va, xlat);
		if (ret != -ENOENT)
			return ret;
	}
	if (small.aperture == NV_MMU_VER2_PDE_APERTURE_INVALID)
		return -ENOENT;
	return nvsvm_emu_walk_pt(emu, &small, NVSVM_GP100_SPT_SHIFT,
				 NVSVM_GP100_SPT_BITS, va, xlat);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_walk);

static bool nvsvm_emu_tlb_lookup(struct nvsvm_emu_tlb *tlb, u64 pdb, u64 va,
				 struct nvsvm_emu_xlat *xlat)
{
	unsigned int i;

	for_each_set_bit(i, tlb->used, NVSVM_EMU_TLB_ENTRIES) {
		const struct nvsvm_emu_xlat *e = &tlb->entries[i];

		if (e->pdb == pdb && (va >> e->shift) == (e->va >> e->shift)) {
			*xlat = *e;
			return true;
		}
	}
	return false;
}

static int nvsvm_emu_translate_locked(struct nvsvm_emu *emu,
				      struct nvsvm_emu_tlb *tlb, u64 pdb, u64 va,
				      enum nvsvm_hw_access access,
				      struct nvsvm_emu_xlat *xlat, u8 *reason)
{
	int ret;

	lockdep_assert_held(&tlb->lock);

	if (nvsvm_emu_tlb_lookup(tlb, pdb, va, xlat)) {
		tlb->hits++;
	} else {
		tlb->misses++;
		ret = nvsvm_emu_walk(emu, pdb, va, xlat, reason);
		if (ret)
			return ret;
		tlb->entries[tlb->next] = *xlat;
		__set_bit(tlb->next, tlb->used);
		tlb->next = (tlb->next + 1) % NVSVM_EMU_TLB_ENTRIES;
	}

	if (access != NVSVM_HW_ACCESS_READ && xlat->read_only) {
		*reason = NVSVM_HW_FAULT_RO;
		return -ENOENT;
	}
	if (access == NVSVM_HW_ACCESS_ATOMIC && xlat->atomic_disable) {
		*reason = NVSVM_HW_FAULT_ATOMIC;
		return -ENOENT;
	}
	return 0;
}

/**
 * nvsvm_emu_translate() - Translate an access through a TLB.
 * @emu: The GPU.
 * @tlb: The engine's TLB.
 * @pdb: VRAM offset of the page directory.
 * @va: The virtual address.
 * @access: What the engine wants to do at @va.
 * @xlat: Where the translation goes.
 * @reason: Where the &enum nvsvm_hw_fault_reason of a fault goes.
 *
 * A TLB hit is used as is, however the page tables have changed since.
 * A miss walks the tables and caches a valid translation.
 *
 * Context: Any context; takes the TLB's lock.
 * Return: 0; -ENOENT for a fault (not mapped, or @access not allowed);
 * -EIO if the tables point outside video memory.
 */
int nvsvm_emu_translate(struct nvsvm_emu *emu, struct nvsvm_emu_tlb *tlb,
			u64 pdb, u64 va, enum nvsvm_hw_access access,
			struct nvsvm_emu_xlat *xlat, u8 *reason)
{
	int ret;

	spin_lock(&tlb->lock);
	ret = nvsvm_emu_translate_locked(emu, tlb, pdb, va, access, xlat,
					 reason);
	spin_unlock(&tlb->lock);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_translate);

/**
 * nvsvm_emu_access() - Translate and perform one 64-bit access.
 * @emu: The GPU.
 * @tlb: The engine's TLB.
 * @pdb: VRAM offset of the page directory.
 * @va: The virtual address, 8-byte aligned.
 * @access: Read, write, or atomic add.
 * @value: As for nvsvm_emu_phys_access().
 * @reason: Where the &enum nvsvm_hw_fault_reason of a fault goes.
 *
 * The TLB's lock is held from the lookup to the end of the access, so that
 * a TLB invalidate waits for the access to complete. An atomic on system
 * memory lets a link round trip pass between its read and its write,
 * without the lock and at a point where the scheduler can run the CPU's
 * threads, and starts again if the TLB was invalidated meanwhile.
 *
 * Context: Process context for an atomic, else any context; takes the
 * TLB's lock.
 * Return: As nvsvm_emu_translate(), or the error of the access.
 */
int nvsvm_emu_access(struct nvsvm_emu *emu, struct nvsvm_emu_tlb *tlb,
		     u64 pdb, u64 va, enum nvsvm_hw_access access, u64 *value,
		     u8 *reason)
{
	struct nvsvm_emu_xlat xlat;
	u64 gen, old, new;
	int ret;

	for (;;) {
		spin_lock(&tlb->lock);
		ret = nvsvm_emu_translate_locked(emu, tlb, pdb, va, access,
						 &xlat, reason);
		if (ret || access != NVSVM_HW_ACCESS_ATOMIC ||
		    xlat.aperture == NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY) {
			if (!ret)
				ret = nvsvm_emu_phys_access(emu, &xlat, va,
							    access, value);
			spin_unlock(&tlb->lock);
			return ret;
		}

		ret = nvsvm_emu_phys_access(emu, &xlat, va,
					    NVSVM_HW_ACCESS_READ, &old);
		gen = tlb->gen;
		spin_unlock(&tlb->lock);
		if (ret)
			return ret;

		/* The link round trip; the CPU runs meanwhile. */
		ndelay(NVSVM_EMU_LINK_RTT_NS);
		cond_resched();

		spin_lock(&tlb->lock);
		if (tlb->gen == gen) {
			new = old + *value;
			ret = nvsvm_emu_phys_access(emu, &xlat, va,
						    NVSVM_HW_ACCESS_WRITE, &new);
			spin_unlock(&tlb->lock);
			if (!ret)
				*value = old;
			return ret;
		}
		spin_unlock(&tlb->lock);
	}
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_access);

/* One word: an atomic is a real one only if @atomic, else a read and a write. */
static void nvsvm_emu_word_access(u64 *p, enum nvsvm_hw_access access,
				  u64 *value, bool atomic)
{
	u64 old;

	switch (access) {
	case NVSVM_HW_ACCESS_READ:
		*value = READ_ONCE(*p);
		break;
	case NVSVM_HW_ACCESS_WRITE:
		WRITE_ONCE(*p, *value);
		break;
	case NVSVM_HW_ACCESS_ATOMIC:
		if (atomic) {
			*value = atomic64_fetch_add(*value, (atomic64_t *)p);
			break;
		}
		old = READ_ONCE(*p);
		WRITE_ONCE(*p, old + *value);
		*value = old;
		break;
	}
}

/**
 * nvsvm_emu_phys_access() - Perform a translated 64-bit access.
 * @emu: The GPU.
 * @xlat: Translation of the page that holds @va.
 * @va: The virtual address, 8-byte aligned.
 * @access: Read, write, or atomic add.
 * @value: For a read, receives the word. For a write, the word to store.
 *	For an atomic, the addend in, the old value out.
 *
 * An atomic on VRAM is atomic. An atomic on system memory is a read and a
 * write, not atomic with respect to the CPU (nvsvm_emu_access() puts a link
 * round trip between them). That is why the driver maps system memory with
 * atomics disabled, and enables them only on a page it has made exclusive
 * to the GPU, where the CPU cannot store without a fault that revokes the
 * mapping first.
 *
 * System memory is reached through the IOMMU: the PTE holds a DMA address.
 *
 * Context: Any context.
 * Return: 0, or -EIO if the address is outside VRAM or the IOMMU refuses
 * the access.
 */
int nvsvm_emu_phys_access(struct nvsvm_emu *emu,
			  const struct nvsvm_emu_xlat *xlat, u64 va,
			  enum nvsvm_hw_access access, u64 *value)
{
	u64 addr = xlat->addr + (va & (BIT_ULL(xlat->shift) - 1));
	unsigned long pfn;
	void *kaddr;
	int ret;

	if (!IS_ALIGNED(addr, sizeof(u64)))
		return -EIO;

	if (xlat->aperture == NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY) {
		u64 *p = nvsvm_emu_vram_ptr(emu, addr, sizeof(u64));

		if (!p)
			return -EIO;
		nvsvm_emu_word_access(p, access, value, true);
		return 0;
	}

	nvsvm_emu_iommu_lock(emu);
	ret = nvsvm_emu_iommu_translate(emu, addr,
					access != NVSVM_HW_ACCESS_READ, &pfn);
	if (!ret) {
		kaddr = kmap_local_page(pfn_to_page(pfn));
		nvsvm_emu_word_access(kaddr + offset_in_page(addr), access,
				      value, false);
		kunmap_local(kaddr);
	}
	nvsvm_emu_iommu_unlock(emu);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_phys_access);
