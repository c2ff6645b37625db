// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/export.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/lockdep.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "nvsvm_gp100_mmu.h"
#include "nvsvm_hw.h"
#include "nvsvm_vmm.h"
#include "nvsvm_vram.h"

/**
 * DOC: Overview
 *
 * A vmm is one GPU virtual address space: GP100 page tables in VRAM,
 * rooted at a page directory whose VRAM offset (nvsvm_vmm_pdb()) is the
 * instance that channels and faults name. The vmm keeps a shadow tree of
 * &struct nvsvm_vmm_pt, one per table, that records where each table is
 * and how many live entries it has; tables are allocated when a mapping
 * first needs them and freed when their last entry goes.
 *
 * - nvsvm_vmm_pfn_map() writes PTEs from an array of PFN-map entries (see
 *   DOC: PFN map input). A 2 MiB-aligned run of 512 valid entries with the
 *   same flags and contiguous, 2 MiB-aligned addresses becomes one PTE in
 *   PD0; everything else is mapped with 4 KiB PTEs. An invalid entry is
 *   skipped and its PTE stays as it was; the next entry still goes to the
 *   next PTE. A 2 MiB PTE of VRAM that a 4 KiB write or unmap lands in is
 *   first split into 512 PTEs that map exactly what it mapped; one of
 *   system memory is dropped whole instead (DOC: DMA mappings).
 * - nvsvm_vmm_unmap() clears PTEs and frees tables that become empty.
 * - Neither touches the GPU's TLBs: the caller batches its changes, then
 *   calls nvsvm_vmm_flush(). Until then the GPU may use the old PTEs.
 * - A table that leaves the tree keeps its VRAM until the next
 *   nvsvm_vmm_flush() has returned: a walk that read the entry pointing to
 *   it before it was cleared may still read it, and must not find another
 *   address space's table there.
 */

/**
 * DOC: DMA mappings
 *
 * A PTE of system memory holds a DMA address, and the vmm owns the DMA
 * mapping behind it, as nouveau's gp100_vmm_pgt_pfn() does:
 *
 * - nvsvm_vmm_pfn_map() maps each system page with dma_map_page() as it
 *   writes its PTE: %DMA_BIDIRECTIONAL for a writable PTE, %DMA_TO_DEVICE
 *   for a read-only one. A 2 MiB PTE is one 2 MiB mapping. A failed mapping
 *   stops the writer with -ENOMEM, as a missing table does.
 * - A PTE that is cleared or overwritten keeps its mapping until the TLB
 *   invalidate of its address has returned, since until then the GPU may
 *   still reach the page through a cached translation; unmapping first
 *   would let it touch a page the CPU may already have freed. The mapping
 *   is gathered in &nvsvm_vmm.gather and unmapped by nvsvm_vmm_flush(), or
 *   by the vmm itself, after an invalidate of the gathered range, when
 *   %NVSVM_VMM_GATHER mappings wait.
 * - A 2 MiB mapping cannot be unmapped in part, so a 2 MiB PTE of system
 *   memory that an unmap or a 4 KiB write covers in part is not split: it
 *   is dropped whole, and the pages around fault in again.
 */

/**
 * DOC: Locking
 *
 * &nvsvm_vmm.mutex protects the page tables of the vmm, both the words in
 * VRAM and the shadow tree. Every exported function takes it itself; the
 * helpers that walk or change the tree assert that it is held. It is a
 * leaf lock in the driver, except for the VRAM allocator's spinlock taken
 * under it, so callers (svm) may hold their own locks around these calls.
 * The GPU reads the tables without any lock, which is why the vmm fills a
 * new table before it writes the entry that points to it.
 *
 * Callers hold locks that the mmu notifier takes, and the notifier runs
 * from memory reclaim, so nothing that can enter reclaim is allocated
 * under the mutex: tables come from the per-level spares that
 * nvsvm_vmm_reserve() allocates beforehand without any lock, and only
 * when a spare is missing from a %GFP_NOWAIT allocation.
 */

/**
 * struct nvsvm_vmm_pt - Shadow of one table in VRAM.
 * @addr: VRAM offset of the table.
 * @refs: Live entries: valid PTEs, or entries pointing to a table.
 * @dead: In &nvsvm_vmm.dead once out of the tree, until the TLB flush.
 * @child: For page directories, the table each entry points to.
 * @pfn: For small page tables, the PFN-map entry that each valid system
 *	PTE was written from, so that a PTE that already maps a page, with
 *	the same rights, is neither written again nor DMA-mapped again; zero
 *	for other PTEs.
 */
struct nvsvm_vmm_pt {
	u64 addr;
	unsigned int refs;
	struct list_head dead;
	union {
		DECLARE_FLEX_ARRAY(struct nvsvm_vmm_pt *, child);
		DECLARE_FLEX_ARRAY(u64, pfn);
	};
};

#define NVSVM_VMM_PAGE_4K	BIT_ULL(NVSVM_GP100_PAGE_SHIFT_4K)
#define NVSVM_VMM_PAGE_64K	BIT_ULL(NVSVM_GP100_PAGE_SHIFT_64K)
#define NVSVM_VMM_PAGE_2M	BIT_ULL(NVSVM_GP100_PAGE_SHIFT_2M)
#define NVSVM_VMM_PTES_PER_64K	(NVSVM_VMM_PAGE_64K / NVSVM_VMM_PAGE_4K)
#define NVSVM_VMM_PTES_PER_2M	(NVSVM_VMM_PAGE_2M / NVSVM_VMM_PAGE_4K)

static bool vram_large_pages = true;
module_param(vram_large_pages, bool, 0644);
MODULE_PARM_DESC(vram_large_pages,
		 "Map contiguous VRAM with 64 KiB and 2 MiB GPU pages where it fits; off maps all VRAM with 4 KiB pages, for comparison (default true)");

static const struct nvsvm_vmm_level *nvsvm_vmm_level(unsigned int level)
{
	return &nvsvm_vmm_gp100_levels[level];
}

static unsigned int nvsvm_vmm_entries(unsigned int level)
{
	return 1u << nvsvm_vmm_level(level)->bits;
}

static unsigned int nvsvm_vmm_index(unsigned int level, u64 va)
{
	const struct nvsvm_vmm_level *l = nvsvm_vmm_level(level);

	return (va >> l->shift) & (BIT(l->bits) - 1);
}

static u64 nvsvm_vmm_entry(struct nvsvm_vmm_pt *pt, unsigned int level,
			   unsigned int index)
{
	return pt->addr + (u64)index * nvsvm_vmm_level(level)->entry_size;
}

/*
 * Children of a table at @level: one per entry for PD3 to PD1, two per
 * entry for PD0 (its small page tables, then its big ones), none below.
 */
static unsigned int nvsvm_vmm_children(unsigned int level)
{
	if (level > NVSVM_VMM_PD0)
		return 0;
	return nvsvm_vmm_entries(level) * (level == NVSVM_VMM_PD0 ? 2 : 1);
}

/* Bytes of the shadow of a table at @level. */
static size_t nvsvm_vmm_pt_size(unsigned int level)
{
	struct nvsvm_vmm_pt *pt;

	if (level == NVSVM_VMM_SPT)
		return struct_size(pt, pfn, nvsvm_vmm_entries(level));
	return struct_size(pt, child, nvsvm_vmm_children(level));
}

static struct nvsvm_vmm_pt *nvsvm_vmm_pt_alloc(struct nvsvm_vmm *vmm,
					       unsigned int level)
{
	struct nvsvm_vmm_pt *pt;
	u64 off;
	int ret;

	lockdep_assert_held(&vmm->mutex);

	pt = vmm->spare[level];
	vmm->spare[level] = NULL;
	if (!pt)
		pt = kzalloc(nvsvm_vmm_pt_size(level), GFP_NOWAIT | __GFP_NOWARN);
	if (!pt)
		return NULL;
	ret = nvsvm_vram_alloc(vmm->vram, NVSVM_GP100_TABLE_SIZE, &pt->addr);
	if (ret) {
		vmm->spare[level] = pt;
		return NULL;
	}
	for (off = 0; off < NVSVM_GP100_TABLE_SIZE; off += sizeof(u64))
		nvsvm_hw_vram_wr64(vmm->hw, pt->addr + off, 0);
	vmm->tables++;
	return pt;
}

/* Take @pt out of use; its VRAM goes at the next flush (DOC: Overview). */
static void nvsvm_vmm_pt_free(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *pt)
{
	lockdep_assert_held(&vmm->mutex);

	list_add_tail(&pt->dead, &vmm->dead);
	vmm->tables--;
}

/* Free the tables taken out of use, once no walk can be reading them. */
static void nvsvm_vmm_reap(struct nvsvm_vmm *vmm)
{
	struct nvsvm_vmm_pt *pt, *tmp;

	lockdep_assert_held(&vmm->mutex);

	list_for_each_entry_safe(pt, tmp, &vmm->dead, dead) {
		list_del(&pt->dead);
		nvsvm_vram_free(vmm->vram, pt->addr, NVSVM_GP100_TABLE_SIZE);
		kfree(pt);
	}
}

/* Unmap the gathered DMA mappings: their PTEs are gone and flushed. */
static void nvsvm_vmm_dma_release(struct nvsvm_vmm *vmm)
{
	unsigned int i;

	lockdep_assert_held(&vmm->mutex);

	for (i = 0; i < vmm->gather_nr; i++) {
		u64 g = vmm->gather[i];

		dma_unmap_page(vmm->hw->dev, g & PAGE_MASK,
			       g & NVSVM_VMM_GATHER_2M ? NVSVM_VMM_PAGE_2M :
							 NVSVM_VMM_PAGE_4K,
			       g & NVSVM_VMM_GATHER_RO ? DMA_TO_DEVICE :
							 DMA_BIDIRECTIONAL);
	}
	vmm->dma_unmaps += vmm->gather_nr;
	vmm->gather_nr = 0;
}

/* Invalidate the TLB over the gathered PTEs, then unmap their pages. */
static void nvsvm_vmm_gather_flush(struct nvsvm_vmm *vmm)
{
	lockdep_assert_held(&vmm->mutex);

	if (!vmm->gather_nr)
		return;
	nvsvm_hw_tlb_invalidate(vmm->hw, nvsvm_vmm_pdb(vmm), vmm->gather_start,
				vmm->gather_end - vmm->gather_start);
	nvsvm_vmm_dma_release(vmm);
}

/*
 * The PTE @pte, of @size bytes at @va, was cleared or overwritten: if it
 * mapped system memory, unmap its DMA after the next TLB flush.
 */
static void nvsvm_vmm_gather(struct nvsvm_vmm *vmm, u64 va, u64 size, u64 pte)
{
	struct nvsvm_gp100_pte p;

	lockdep_assert_held(&vmm->mutex);

	nvsvm_gp100_pte_decode(pte, &p);
	if (!p.valid || p.aperture == NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY)
		return;
	if (vmm->gather_nr == NVSVM_VMM_GATHER)
		nvsvm_vmm_gather_flush(vmm);
	if (!vmm->gather_nr) {
		vmm->gather_start = va;
		vmm->gather_end = va + size;
	} else {
		vmm->gather_start = min(vmm->gather_start, va);
		vmm->gather_end = max(vmm->gather_end, va + size);
	}
	vmm->gather[vmm->gather_nr++] =
		p.addr | (size == NVSVM_VMM_PAGE_2M ? NVSVM_VMM_GATHER_2M : 0) |
		(p.read_only ? NVSVM_VMM_GATHER_RO : 0);
}

/*
 * The PTE of PFN-map entry @pfn, a page of @size bytes: a system page is
 * mapped for the GPU's DMA first.
 */
static int nvsvm_vmm_pte(struct nvsvm_vmm *vmm, u64 pfn, u64 size, u64 *pte)
{
	enum dma_data_direction dir = pfn & NVSVM_VMM_PFN_WRITE ?
				      DMA_BIDIRECTIONAL : DMA_TO_DEVICE;
	struct device *dev = vmm->hw->dev;
	dma_addr_t dma;

	lockdep_assert_held(&vmm->mutex);

	if (pfn & NVSVM_VMM_PFN_VRAM) {
		*pte = nvsvm_vmm_gp100_pte(pfn);
		return 0;
	}
	dma = dma_map_page(dev, pfn_to_page((pfn & NVSVM_VMM_PFN_ADDR) >>
					    NVSVM_GP100_PAGE_SHIFT_4K),
			   0, size, dir);
	if (dma_mapping_error(dev, dma))
		return -ENOMEM;
	/* A PTE maps an aligned page; an IOMMU aligns IOVAs to their size. */
	if (!IS_ALIGNED(dma, size)) {
		dma_unmap_page(dev, dma, size, dir);
		return -EAGAIN;
	}
	vmm->dma_maps++;
	*pte = nvsvm_vmm_gp100_pte((dma & NVSVM_VMM_PFN_ADDR) |
				   (pfn & NVSVM_VMM_PFN_FLAGS));
	return 0;
}

/* Free @pt and every table below it, without touching entries above. */
static void nvsvm_vmm_pt_free_tree(struct nvsvm_vmm *vmm,
				   struct nvsvm_vmm_pt *pt, unsigned int level)
{
	unsigned int i, n = nvsvm_vmm_entries(level);

	for (i = 0; i < nvsvm_vmm_children(level); i++) {
		if (!pt->child[i])
			continue;
		nvsvm_vmm_pt_free_tree(vmm, pt->child[i],
				       level != NVSVM_VMM_PD0 ? level + 1 :
				       i < n ? NVSVM_VMM_SPT : NVSVM_VMM_LPT);
	}
	nvsvm_vmm_pt_free(vmm, pt);
}

static void nvsvm_vmm_pd0_write(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *pd0,
				unsigned int index, u64 lo, u64 hi)
{
	u64 entry = nvsvm_vmm_entry(pd0, NVSVM_VMM_PD0, index);

	lockdep_assert_held(&vmm->mutex);

	/* The low word says what the entry is; the walker reads it first. */
	nvsvm_hw_vram_wr64(vmm->hw, entry + sizeof(u64), hi);
	nvsvm_hw_vram_wr64(vmm->hw, entry, lo);
}

static u64 nvsvm_vmm_pd0_lo(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *pd0,
			    unsigned int index)
{
	return nvsvm_hw_vram_rd64(vmm->hw,
				  nvsvm_vmm_entry(pd0, NVSVM_VMM_PD0, index));
}

/* Whether a PD0 entry is a 2 MiB PTE of system memory. */
static bool nvsvm_vmm_huge_is_sys(u64 lo)
{
	struct nvsvm_gp100_pte pte;

	if (!(lo & NV_MMU_VER2_DUAL_PDE_IS_PTE))
		return false;
	nvsvm_gp100_pte_decode(lo, &pte);
	return pte.valid && pte.aperture != NV_MMU_VER2_PTE_APERTURE_VIDEO_MEMORY;
}

/* Return the PD0 covering @va, allocating the directories on the way. */
static struct nvsvm_vmm_pt *nvsvm_vmm_get_pd0(struct nvsvm_vmm *vmm, u64 va,
					      bool alloc)
{
	struct nvsvm_vmm_pt *pt = vmm->pd, *child;
	unsigned int level, index;

	lockdep_assert_held(&vmm->mutex);

	for (level = NVSVM_VMM_PD3; level < NVSVM_VMM_PD0; level++) {
		index = nvsvm_vmm_index(level, va);
		child = pt->child[index];
		if (!child) {
			if (!alloc)
				return NULL;
			child = nvsvm_vmm_pt_alloc(vmm, level + 1);
			if (!child)
				return NULL;
			nvsvm_hw_vram_wr64(vmm->hw,
					   nvsvm_vmm_entry(pt, level, index),
					   nvsvm_vmm_gp100_pde(child->addr));
			pt->child[index] = child;
			pt->refs++;
		}
		pt = child;
	}
	return pt;
}

/* Where PD0 entry @index keeps its big page table. */
static struct nvsvm_vmm_pt **nvsvm_vmm_lpt(struct nvsvm_vmm_pt *pd0,
					   unsigned int index)
{
	return &pd0->child[nvsvm_vmm_entries(NVSVM_VMM_PD0) + index];
}

/*
 * Point dual PDE @index at its page tables, after one came or went; an
 * entry with neither is cleared and gives up its reference on @pd0. Each
 * half is a word of its own, so the walker sees either the old or the new
 * pointer of a half, never a mix.
 */
static void nvsvm_vmm_pd0_tables(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *pd0,
				 unsigned int index)
{
	struct nvsvm_vmm_pt *spt = pd0->child[index];
	struct nvsvm_vmm_pt *lpt = *nvsvm_vmm_lpt(pd0, index);
	u64 data[2] = { 0, 0 };

	lockdep_assert_held(&vmm->mutex);

	if (spt || lpt)
		nvsvm_vmm_gp100_dual_pde(lpt, lpt ? lpt->addr : 0, spt,
					 spt ? spt->addr : 0, data);
	nvsvm_vmm_pd0_write(vmm, pd0, index, data[0], data[1]);
	if (!spt && !lpt)
		pd0->refs--;
}

/*
 * Return the small page table of PD0 entry @index, which maps from @base,
 * creating it. A 2 MiB PTE of VRAM in the entry is split into the new table
 * first; one of system memory is dropped (DOC: DMA mappings).
 */
static struct nvsvm_vmm_pt *nvsvm_vmm_get_spt(struct nvsvm_vmm *vmm,
					      struct nvsvm_vmm_pt *pd0,
					      unsigned int index, u64 base)
{
	struct nvsvm_vmm_pt *spt = pd0->child[index];
	unsigned int i;
	u64 lo;

	lockdep_assert_held(&vmm->mutex);

	if (spt)
		return spt;
	spt = nvsvm_vmm_pt_alloc(vmm, NVSVM_VMM_SPT);
	if (!spt)
		return NULL;

	lo = nvsvm_vmm_pd0_lo(vmm, pd0, index);
	if (nvsvm_vmm_huge_is_sys(lo)) {
		/* The table takes over the PD0 reference of the 2 MiB PTE. */
		nvsvm_vmm_gather(vmm, base, NVSVM_VMM_PAGE_2M, lo);
	} else if (lo & NV_MMU_VER2_DUAL_PDE_IS_PTE) {
		for (i = 0; i < NVSVM_VMM_PTES_PER_2M; i++)
			nvsvm_hw_vram_wr64(vmm->hw,
					   nvsvm_vmm_entry(spt, NVSVM_VMM_SPT, i),
					   nvsvm_vmm_gp100_pte_split(lo, i));
		spt->refs = NVSVM_VMM_PTES_PER_2M;
	} else if (!*nvsvm_vmm_lpt(pd0, index)) {
		pd0->refs++;
	}

	pd0->child[index] = spt;
	nvsvm_vmm_pd0_tables(vmm, pd0, index);
	return spt;
}

/*
 * Whether the first of @npages entries at @va start a run that one PTE of
 * @size bytes can map: @va and the address aligned to @size, and the
 * entries valid, with the same flags and contiguous addresses.
 */
static bool nvsvm_vmm_pfns_run(u64 va, const u64 *pfns, u64 npages, u64 size)
{
	u64 first = pfns[0], n = size / NVSVM_VMM_PAGE_4K, i;

	if (!IS_ALIGNED(va, size) || npages < n)
		return false;
	if (!(first & NVSVM_VMM_PFN_VALID) ||
	    !IS_ALIGNED(first & NVSVM_VMM_PFN_ADDR, size))
		return false;
	for (i = 1; i < n; i++) {
		if (pfns[i] != first + i * NVSVM_VMM_PAGE_4K)
			return false;
	}
	return true;
}

/* Whether pfns[0..511] can be one 2 MiB PTE at @va. */
static bool nvsvm_vmm_pfns_huge(u64 va, const u64 *pfns, u64 npages)
{
	if ((pfns[0] & NVSVM_VMM_PFN_VRAM) && !READ_ONCE(vram_large_pages))
		return false;
	return nvsvm_vmm_pfns_run(va, pfns, npages, NVSVM_VMM_PAGE_2M);
}

/* Whether pfns[0..15] can be one 64 KiB PTE at @va: VRAM only. */
static bool nvsvm_vmm_pfns_big(u64 va, const u64 *pfns, u64 npages)
{
	if (!(pfns[0] & NVSVM_VMM_PFN_VRAM) || !READ_ONCE(vram_large_pages))
		return false;
	return nvsvm_vmm_pfns_run(va, pfns, npages, NVSVM_VMM_PAGE_64K);
}

static void nvsvm_vmm_unmap_spt(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *spt,
				u64 base, u64 start, u64 end);

static int nvsvm_vmm_map_huge(struct nvsvm_vmm *vmm, u64 va, u64 pfn)
{
	unsigned int index = nvsvm_vmm_index(NVSVM_VMM_PD0, va);
	struct nvsvm_vmm_pt *pd0, *spt, *lpt;
	u64 lo, pte;
	int ret;

	lockdep_assert_held(&vmm->mutex);

	pd0 = nvsvm_vmm_get_pd0(vmm, va, true);
	if (!pd0)
		return -ENOMEM;
	ret = nvsvm_vmm_pte(vmm, pfn, NVSVM_VMM_PAGE_2M, &pte);
	if (ret)
		return ret;

	lo = nvsvm_vmm_pd0_lo(vmm, pd0, index);
	nvsvm_vmm_pd0_write(vmm, pd0, index, pte, 0);
	vmm->huge_mapped++;
	if (pfn & NVSVM_VMM_PFN_VRAM)
		vmm->huge_vram_mapped++;
	/* The one PTE replaces both tables. */
	spt = pd0->child[index];
	lpt = *nvsvm_vmm_lpt(pd0, index);
	if (spt) {
		nvsvm_vmm_unmap_spt(vmm, spt, va, va, va + NVSVM_VMM_PAGE_2M);
		nvsvm_vmm_pt_free(vmm, spt);
		pd0->child[index] = NULL;
	}
	if (lpt) {
		/* 64 KiB PTEs map VRAM only: no DMA mapping to give back. */
		nvsvm_vmm_pt_free(vmm, lpt);
		*nvsvm_vmm_lpt(pd0, index) = NULL;
	}
	if (spt || lpt)
		return 0;
	if (lo & NV_MMU_VER2_DUAL_PDE_IS_PTE)
		nvsvm_vmm_gather(vmm, va, NVSVM_VMM_PAGE_2M, lo);
	else
		pd0->refs++;
	return 0;
}

/*
 * Split the 64 KiB PTE @bidx of PD0 entry @index, if valid, into the 16
 * PTEs of its small page table @spt that map what it mapped; then clear
 * it. The small PTEs are written first: the big one wins while it is valid.
 */
static void nvsvm_vmm_big_split(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *pd0,
				unsigned int index, struct nvsvm_vmm_pt *spt,
				unsigned int bidx)
{
	struct nvsvm_vmm_pt *lpt = *nvsvm_vmm_lpt(pd0, index);
	u64 entry, big, sentry;
	unsigned int i;

	lockdep_assert_held(&vmm->mutex);

	entry = nvsvm_vmm_entry(lpt, NVSVM_VMM_LPT, bidx);
	big = nvsvm_hw_vram_rd64(vmm->hw, entry);
	if (!(big & NV_MMU_VER2_PTE_VALID))
		return;
	for (i = 0; i < NVSVM_VMM_PTES_PER_64K; i++) {
		sentry = nvsvm_vmm_entry(spt, NVSVM_VMM_SPT,
					 bidx * NVSVM_VMM_PTES_PER_64K + i);
		/* Cleared when the big PTE was written; VRAM if not. */
		if (!(nvsvm_hw_vram_rd64(vmm->hw, sentry) & NV_MMU_VER2_PTE_VALID))
			spt->refs++;
		nvsvm_hw_vram_wr64(vmm->hw, sentry,
				   nvsvm_vmm_gp100_pte_split(big, i));
		spt->pfn[bidx * NVSVM_VMM_PTES_PER_64K + i] = 0;
	}
	nvsvm_hw_vram_wr64(vmm->hw, entry, 0);
	lpt->refs--;
}

/* Free the big page table of PD0 entry @index once it maps nothing. */
static void nvsvm_vmm_lpt_put(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *pd0,
			      unsigned int index)
{
	struct nvsvm_vmm_pt *lpt = *nvsvm_vmm_lpt(pd0, index);

	lockdep_assert_held(&vmm->mutex);

	if (!lpt || lpt->refs)
		return;
	*nvsvm_vmm_lpt(pd0, index) = NULL;
	nvsvm_vmm_pd0_tables(vmm, pd0, index);
	nvsvm_vmm_pt_free(vmm, lpt);
}

/* Free the small page table of PD0 entry @index once it maps nothing. */
static void nvsvm_vmm_spt_put(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *pd0,
			      unsigned int index)
{
	struct nvsvm_vmm_pt *spt = pd0->child[index];

	lockdep_assert_held(&vmm->mutex);

	if (!spt || spt->refs)
		return;
	pd0->child[index] = NULL;
	nvsvm_vmm_pd0_tables(vmm, pd0, index);
	nvsvm_vmm_pt_free(vmm, spt);
}

/*
 * Map one 64 KiB page of VRAM at @va in PD0 entry @index, which holds no
 * 2 MiB PTE. The small PTEs under it are cleared after it is written.
 */
static int nvsvm_vmm_map_big(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *pd0,
			     unsigned int index, u64 va, u64 pfn)
{
	struct nvsvm_vmm_pt *lpt = *nvsvm_vmm_lpt(pd0, index);
	u64 base = ALIGN_DOWN(va, NVSVM_VMM_PAGE_2M), entry, old;

	lockdep_assert_held(&vmm->mutex);

	if (!lpt) {
		lpt = nvsvm_vmm_pt_alloc(vmm, NVSVM_VMM_LPT);
		if (!lpt)
			return -ENOMEM;
		if (!pd0->child[index])
			pd0->refs++;
		*nvsvm_vmm_lpt(pd0, index) = lpt;
		nvsvm_vmm_pd0_tables(vmm, pd0, index);
	}

	entry = nvsvm_vmm_entry(lpt, NVSVM_VMM_LPT,
				nvsvm_vmm_index(NVSVM_VMM_LPT, va));
	old = nvsvm_hw_vram_rd64(vmm->hw, entry);
	if (!(old & NV_MMU_VER2_PTE_VALID))
		lpt->refs++;
	nvsvm_hw_vram_wr64(vmm->hw, entry, nvsvm_vmm_gp100_pte(pfn));
	vmm->big_mapped++;

	if (pd0->child[index]) {
		nvsvm_vmm_unmap_spt(vmm, pd0->child[index], base, va,
				    va + NVSVM_VMM_PAGE_64K);
		nvsvm_vmm_spt_put(vmm, pd0, index);
	}
	return 0;
}

/*
 * Map one 4 KiB page at @va in PD0 entry @index, splitting the 64 KiB PTE
 * that covers it, if any.
 */
static int nvsvm_vmm_map_4k(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *pd0,
			    unsigned int index, u64 va, u64 pfn)
{
	u64 base = ALIGN_DOWN(va, NVSVM_VMM_PAGE_2M), entry, old, pte;
	struct nvsvm_vmm_pt *spt;
	unsigned int pti;
	int ret;

	lockdep_assert_held(&vmm->mutex);

	spt = nvsvm_vmm_get_spt(vmm, pd0, index, base);
	if (!spt)
		return -ENOMEM;
	if (*nvsvm_vmm_lpt(pd0, index)) {
		nvsvm_vmm_big_split(vmm, pd0, index, spt,
				    nvsvm_vmm_index(NVSVM_VMM_LPT, va));
		nvsvm_vmm_lpt_put(vmm, pd0, index);
	}

	pti = nvsvm_vmm_index(NVSVM_VMM_SPT, va);
	entry = nvsvm_vmm_entry(spt, NVSVM_VMM_SPT, pti);
	old = nvsvm_hw_vram_rd64(vmm->hw, entry);
	/* It maps this very page so already: keep it, and its DMA mapping. */
	if ((old & NV_MMU_VER2_PTE_VALID) && !(pfn & NVSVM_VMM_PFN_VRAM) &&
	    spt->pfn[pti] == pfn)
		return 0;

	ret = nvsvm_vmm_pte(vmm, pfn, NVSVM_VMM_PAGE_4K, &pte);
	if (ret)
		return ret;
	if (!(old & NV_MMU_VER2_PTE_VALID))
		spt->refs++;
	nvsvm_hw_vram_wr64(vmm->hw, entry, pte);
	spt->pfn[pti] = pfn & NVSVM_VMM_PFN_VRAM ? 0 : pfn;
	nvsvm_vmm_gather(vmm, va, NVSVM_VMM_PAGE_4K, old);
	return 0;
}

/*
 * Map up to the end of one PD0 entry (2 MiB); return the pages consumed. A
 * 64 KiB-aligned run of 16 contiguous VRAM pages becomes one 64 KiB PTE.
 */
static int nvsvm_vmm_map_small(struct nvsvm_vmm *vmm, u64 va, const u64 *pfns,
			       u64 npages, u64 *done)
{
	unsigned int index = nvsvm_vmm_index(NVSVM_VMM_PD0, va);
	struct nvsvm_vmm_pt *pd0;
	u64 n, i;
	int ret;

	lockdep_assert_held(&vmm->mutex);

	n = min_t(u64, npages, nvsvm_vmm_entries(NVSVM_VMM_SPT) -
			       nvsvm_vmm_index(NVSVM_VMM_SPT, va));
	*done = n;
	for (i = 0; i < n; i++)
		if (pfns[i] & NVSVM_VMM_PFN_VALID)
			break;
	if (i == n)
		return 0;

	pd0 = nvsvm_vmm_get_pd0(vmm, va, true);
	if (!pd0)
		return -ENOMEM;
	/* A 2 MiB PTE is split, or dropped, before anything is written. */
	if ((nvsvm_vmm_pd0_lo(vmm, pd0, index) & NV_MMU_VER2_DUAL_PDE_IS_PTE) &&
	    !nvsvm_vmm_get_spt(vmm, pd0, index, ALIGN_DOWN(va, NVSVM_VMM_PAGE_2M)))
		return -ENOMEM;

	for (i = 0; i < n;) {
		u64 cur = va + i * NVSVM_VMM_PAGE_4K;

		/* Not valid: this page keeps whatever its PTE maps now. */
		if (!(pfns[i] & NVSVM_VMM_PFN_VALID)) {
			i++;
			continue;
		}
		if (nvsvm_vmm_pfns_big(cur, &pfns[i], n - i)) {
			ret = nvsvm_vmm_map_big(vmm, pd0, index, cur, pfns[i]);
			i += NVSVM_VMM_PTES_PER_64K;
		} else {
			ret = nvsvm_vmm_map_4k(vmm, pd0, index, cur, pfns[i]);
			i++;
		}
		if (ret)
			return ret;
	}
	return 0;
}

static bool nvsvm_vmm_range_ok(u64 va, u64 size)
{
	u64 end;

	if (!IS_ALIGNED(va, NVSVM_VMM_PAGE_4K) ||
	    !IS_ALIGNED(size, NVSVM_VMM_PAGE_4K) || !size)
		return false;
	return !check_add_overflow(va, size, &end) && end <= NVSVM_VMM_VA_END;
}

/**
 * nvsvm_vmm_pfn_map() - Map pages from a PFN-map array.
 * @vmm: The address space.
 * @va: First virtual address, 4 KiB aligned.
 * @npages: Number of 4 KiB pages, and of entries in @pfns.
 * @pfns: One entry per page, see DOC: PFN map input.
 *
 * Entries without %NVSVM_VMM_PFN_VALID leave their PTE untouched. The GPU
 * may keep using old translations until nvsvm_vmm_flush().
 *
 * Context: Process context; takes &nvsvm_vmm.mutex.
 * Return: 0; -EINVAL for a bad range, or a VRAM entry beyond VRAM (nothing
 * is written then); -ENOMEM if a table could not be allocated (the pages
 * before it are mapped).
 */
int nvsvm_vmm_pfn_map(struct nvsvm_vmm *vmm, u64 va, u64 npages,
		      const u64 *pfns)
{
	u64 i, done, size;
	int ret = 0;

	if (check_mul_overflow(npages, NVSVM_VMM_PAGE_4K, &size) ||
	    !nvsvm_vmm_range_ok(va, size))
		return -EINVAL;
	for (i = 0; i < npages; i++) {
		if ((pfns[i] & (NVSVM_VMM_PFN_VALID | NVSVM_VMM_PFN_VRAM)) ==
		    (NVSVM_VMM_PFN_VALID | NVSVM_VMM_PFN_VRAM) &&
		    (pfns[i] & NVSVM_VMM_PFN_ADDR) >= vmm->hw->vram_size)
			return -EINVAL;
	}

	mutex_lock(&vmm->mutex);
	for (i = 0; i < npages && !ret; i += done) {
		u64 cur = va + i * NVSVM_VMM_PAGE_4K;

		ret = -EAGAIN;
		if (nvsvm_vmm_pfns_huge(cur, &pfns[i], npages - i)) {
			ret = nvsvm_vmm_map_huge(vmm, cur, pfns[i]);
			done = NVSVM_VMM_PTES_PER_2M;
		}
		/* Or an IOVA that cannot back a 2 MiB PTE: 4 KiB PTEs then. */
		if (ret == -EAGAIN)
			ret = nvsvm_vmm_map_small(vmm, cur, &pfns[i], npages - i,
						  &done);
	}
	mutex_unlock(&vmm->mutex);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vmm_pfn_map);

static void nvsvm_vmm_unmap_spt(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *spt,
				u64 base, u64 start, u64 end)
{
	unsigned int first = (start - base) >> NVSVM_GP100_SPT_SHIFT;
	unsigned int last = (end - 1 - base) >> NVSVM_GP100_SPT_SHIFT;
	unsigned int i;
	u64 entry, old;

	lockdep_assert_held(&vmm->mutex);

	for (i = first; i <= last; i++) {
		entry = nvsvm_vmm_entry(spt, NVSVM_VMM_SPT, i);
		old = nvsvm_hw_vram_rd64(vmm->hw, entry);
		if (!(old & NV_MMU_VER2_PTE_VALID))
			continue;
		nvsvm_hw_vram_wr64(vmm->hw, entry, 0);
		spt->refs--;
		spt->pfn[i] = 0;
		nvsvm_vmm_gather(vmm, base + ((u64)i << NVSVM_GP100_SPT_SHIFT),
				 NVSVM_VMM_PAGE_4K, old);
	}
}

/*
 * Unmap the 64 KiB PTEs of PD0 entry @index in [start, end); one that the
 * range covers in part is split first, so that the rest stays mapped (or,
 * without memory for a small page table, unmapped whole).
 */
static void nvsvm_vmm_unmap_lpt(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *pd0,
				unsigned int index, u64 base, u64 start, u64 end)
{
	struct nvsvm_vmm_pt *lpt = *nvsvm_vmm_lpt(pd0, index), *spt;
	unsigned int first = (start - base) >> NVSVM_GP100_LPT_SHIFT;
	unsigned int last = (end - 1 - base) >> NVSVM_GP100_LPT_SHIFT;
	unsigned int i;
	u64 entry, bva;

	lockdep_assert_held(&vmm->mutex);

	for (i = first; i <= last; i++) {
		entry = nvsvm_vmm_entry(lpt, NVSVM_VMM_LPT, i);
		if (!(nvsvm_hw_vram_rd64(vmm->hw, entry) & NV_MMU_VER2_PTE_VALID))
			continue;
		bva = base + ((u64)i << NVSVM_GP100_LPT_SHIFT);
		if (start > bva || end < bva + NVSVM_VMM_PAGE_64K) {
			spt = nvsvm_vmm_get_spt(vmm, pd0, index, base);
			if (spt) {
				nvsvm_vmm_big_split(vmm, pd0, index, spt, i);
				continue;
			}
		}
		nvsvm_hw_vram_wr64(vmm->hw, entry, 0);
		lpt->refs--;
	}
	nvsvm_vmm_lpt_put(vmm, pd0, index);
}

static void nvsvm_vmm_unmap_pd0(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *pd0,
				unsigned int index, u64 base, u64 start, u64 end)
{
	bool whole = start == base && end == base + NVSVM_VMM_PAGE_2M;
	struct nvsvm_vmm_pt *spt = NULL;
	u64 lo;

	lockdep_assert_held(&vmm->mutex);

	lo = nvsvm_vmm_pd0_lo(vmm, pd0, index);
	if (lo & NV_MMU_VER2_DUAL_PDE_IS_PTE) {
		if (!whole && !nvsvm_vmm_huge_is_sys(lo))
			spt = nvsvm_vmm_get_spt(vmm, pd0, index, base);
		if (!spt) {
			/*
			 * Whole, system memory (DOC: DMA mappings), or no
			 * memory to split: unmap all 2 MiB.
			 */
			nvsvm_vmm_pd0_write(vmm, pd0, index, 0, 0);
			pd0->refs--;
			nvsvm_vmm_gather(vmm, base, NVSVM_VMM_PAGE_2M, lo);
			return;
		}
	}

	/* Big PTEs first: splitting one fills the small page table. */
	if (*nvsvm_vmm_lpt(pd0, index))
		nvsvm_vmm_unmap_lpt(vmm, pd0, index, base, start, end);
	spt = pd0->child[index];
	if (spt) {
		nvsvm_vmm_unmap_spt(vmm, spt, base, start, end);
		nvsvm_vmm_spt_put(vmm, pd0, index);
	}
}

/* Unmap [start, end) below @pt, the table at @level that starts at @base. */
static void nvsvm_vmm_unmap_level(struct nvsvm_vmm *vmm, struct nvsvm_vmm_pt *pt,
				  unsigned int level, u64 base, u64 start,
				  u64 end)
{
	const struct nvsvm_vmm_level *l = nvsvm_vmm_level(level);
	unsigned int first = (start - base) >> l->shift;
	unsigned int last = (end - 1 - base) >> l->shift;
	unsigned int i;

	lockdep_assert_held(&vmm->mutex);

	for (i = first; i <= last; i++) {
		u64 e_base = base + ((u64)i << l->shift);
		u64 e_start = max(start, e_base);
		u64 e_end = min(end, e_base + BIT_ULL(l->shift));
		struct nvsvm_vmm_pt *child = pt->child[i];

		if (level == NVSVM_VMM_PD0) {
			nvsvm_vmm_unmap_pd0(vmm, pt, i, e_base, e_start, e_end);
			continue;
		}
		if (!child)
			continue;
		nvsvm_vmm_unmap_level(vmm, child, level + 1, e_base, e_start,
				      e_end);
		if (child->refs)
			continue;
		nvsvm_hw_vram_wr64(vmm->hw, nvsvm_vmm_entry(pt, level, i), 0);
		pt->child[i] = NULL;
		pt->refs--;
		nvsvm_vmm_pt_free(vmm, child);
	}
}

/**
 * nvsvm_vmm_unmap() - Unmap a range and free the tables that empty.
 * @vmm: The address space.
 * @va: Start, 4 KiB aligned.
 * @size: Bytes, a multiple of 4 KiB.
 *
 * A 2 MiB page the range covers in part is split first, so that the rest of
 * it stays mapped (or, if memory is short, unmapped whole). The GPU may keep
 * using old translations until nvsvm_vmm_flush().
 *
 * Context: Process context; takes &nvsvm_vmm.mutex.
 */
void nvsvm_vmm_unmap(struct nvsvm_vmm *vmm, u64 va, u64 size)
{
	if (WARN_ON(!nvsvm_vmm_range_ok(va, size)))
		return;

	mutex_lock(&vmm->mutex);
	nvsvm_vmm_unmap_level(vmm, vmm->pd, NVSVM_VMM_PD3, 0, va, va + size);
	mutex_unlock(&vmm->mutex);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vmm_unmap);

/**
 * nvsvm_vmm_flush() - Make the GPU see the current PTEs of a range.
 * @vmm: The address space.
 * @va: Start of the range.
 * @size: Bytes.
 *
 * Tables that left the tree before the call are freed once the GPU's
 * invalidate has returned, since no walk can read them any more, and the
 * DMA mappings of system PTEs that went are unmapped (DOC: DMA mappings).
 *
 * Context: Process context; takes &nvsvm_vmm.mutex.
 */
void nvsvm_vmm_flush(struct nvsvm_vmm *vmm, u64 va, u64 size)
{
	mutex_lock(&vmm->mutex);
	nvsvm_hw_tlb_invalidate(vmm->hw, nvsvm_vmm_pdb(vmm), va, size);
	/* Pages whose PTEs were outside the range need their own flush. */
	if (vmm->gather_start < va || vmm->gather_end - va > size)
		nvsvm_vmm_gather_flush(vmm);
	else
		nvsvm_vmm_dma_release(vmm);
	nvsvm_vmm_reap(vmm);
	mutex_unlock(&vmm->mutex);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vmm_flush);

/**
 * nvsvm_vmm_flush_all() - Make the GPU see all current PTEs.
 * @vmm: The address space.
 *
 * Context: Process context; takes &nvsvm_vmm.mutex.
 */
void nvsvm_vmm_flush_all(struct nvsvm_vmm *vmm)
{
	nvsvm_vmm_flush(vmm, 0, NVSVM_VMM_VA_END);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vmm_flush_all);

/**
 * nvsvm_vmm_pdb() - The instance of the address space.
 * @vmm: The address space.
 *
 * Context: Any context.
 * Return: VRAM offset of its page directory (PD3).
 */
u64 nvsvm_vmm_pdb(const struct nvsvm_vmm *vmm)
{
	return vmm->pd->addr;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vmm_pdb);

/**
 * nvsvm_vmm_counts() - What the address space did, ever.
 * @vmm: The address space.
 * @counts: Where the counts go.
 *
 * Context: Process context; takes &nvsvm_vmm.mutex.
 */
void nvsvm_vmm_counts(struct nvsvm_vmm *vmm, struct nvsvm_vmm_counts *counts)
{
	mutex_lock(&vmm->mutex);
	counts->dma_maps = vmm->dma_maps;
	counts->dma_unmaps = vmm->dma_unmaps;
	counts->big_mapped = vmm->big_mapped;
	counts->huge_vram_mapped = vmm->huge_vram_mapped;
	mutex_unlock(&vmm->mutex);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vmm_counts);

/**
 * nvsvm_vmm_tables() - Number of tables the address space holds.
 * @vmm: The address space.
 *
 * Context: Process context; takes &nvsvm_vmm.mutex.
 * Return: Tables allocated, the page directory included.
 */
unsigned int nvsvm_vmm_tables(struct nvsvm_vmm *vmm)
{
	unsigned int tables;

	mutex_lock(&vmm->mutex);
	tables = vmm->tables;
	mutex_unlock(&vmm->mutex);
	return tables;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vmm_tables);

static void nvsvm_vmm_free_spares(struct nvsvm_vmm *vmm)
{
	unsigned int level;

	for (level = 0; level < NVSVM_VMM_LEVELS; level++) {
		kfree(vmm->spare[level]);
		vmm->spare[level] = NULL;
	}
}

/**
 * nvsvm_vmm_create() - Create an empty GPU address space.
 * @hw: The GPU.
 * @vram: The VRAM allocator for its tables.
 *
 * Context: Process context.
 * Return: The address space, or ERR_PTR(-ENOMEM).
 */
struct nvsvm_vmm *nvsvm_vmm_create(struct nvsvm_hw *hw, struct nvsvm_vram *vram)
{
	struct nvsvm_vmm *vmm;

	vmm = kzalloc(sizeof(*vmm), GFP_KERNEL);
	if (!vmm)
		return ERR_PTR(-ENOMEM);
	vmm->hw = hw;
	vmm->vram = vram;
	mutex_init(&vmm->mutex);
	INIT_LIST_HEAD(&vmm->dead);

	if (nvsvm_vmm_reserve(vmm)) {
		nvsvm_vmm_free_spares(vmm);
		mutex_destroy(&vmm->mutex);
		kfree(vmm);
		return ERR_PTR(-ENOMEM);
	}
	mutex_lock(&vmm->mutex);
	vmm->pd = nvsvm_vmm_pt_alloc(vmm, NVSVM_VMM_PD3);
	mutex_unlock(&vmm->mutex);
	if (!vmm->pd) {
		nvsvm_vmm_free_spares(vmm);
		mutex_destroy(&vmm->mutex);
		kfree(vmm);
		return ERR_PTR(-ENOMEM);
	}
	return vmm;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vmm_create);

/**
 * nvsvm_vmm_reserve() - Allocate a spare table for every level that lacks one.
 * @vmm: The address space.
 *
 * One spare per level covers any mapping within one 2 MiB-aligned block.
 * Call it before taking locks that the mmu notifier takes, then map.
 *
 * Context: Process context, may sleep and enter reclaim; takes
 * &nvsvm_vmm.mutex briefly, never across an allocation.
 * Return: 0 or -ENOMEM.
 */
int nvsvm_vmm_reserve(struct nvsvm_vmm *vmm)
{
	unsigned int level;

	for (level = 0; level < NVSVM_VMM_LEVELS; level++) {
		struct nvsvm_vmm_pt *pt;
		bool have;

		mutex_lock(&vmm->mutex);
		have = vmm->spare[level];
		mutex_unlock(&vmm->mutex);
		if (have)
			continue;

		pt = kzalloc(nvsvm_vmm_pt_size(level), GFP_KERNEL);
		if (!pt)
			return -ENOMEM;
		mutex_lock(&vmm->mutex);
		if (!vmm->spare[level]) {
			vmm->spare[level] = pt;
			pt = NULL;
		}
		mutex_unlock(&vmm->mutex);
		kfree(pt);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vmm_reserve);

/**
 * nvsvm_vmm_destroy() - Free an address space and all its tables.
 * @vmm: The address space; no channel may use it any more.
 *
 * Drops the GPU's cached translations of it, so that a later address space
 * whose page directory lands at the same VRAM offset starts clean.
 *
 * Context: Process context.
 */
void nvsvm_vmm_destroy(struct nvsvm_vmm *vmm)
{
	mutex_lock(&vmm->mutex);
	nvsvm_vmm_unmap_level(vmm, vmm->pd, NVSVM_VMM_PD3, 0, 0,
			      NVSVM_VMM_VA_END);
	nvsvm_hw_tlb_invalidate(vmm->hw, nvsvm_vmm_pdb(vmm), 0,
				NVSVM_VMM_VA_END);
	nvsvm_vmm_dma_release(vmm);
	nvsvm_vmm_pt_free_tree(vmm, vmm->pd, NVSVM_VMM_PD3);
	WARN_ON(vmm->tables);
	/* No channel uses the address space: nothing walks it any more. */
	nvsvm_vmm_reap(vmm);
	mutex_unlock(&vmm->mutex);
	nvsvm_vmm_free_spares(vmm);
	mutex_destroy(&vmm->mutex);
	kfree(vmm);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vmm_destroy);
