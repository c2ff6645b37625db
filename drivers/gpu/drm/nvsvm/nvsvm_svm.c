// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/delay.h>
#include <linux/hmm.h>
#include <linux/hugetlb.h>
#include <linux/magic.h>
#include <linux/io.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include <drm/drm_print.h>
#include <uapi/drm/nvsvm_drm.h>

#include "nvsvm_dmem.h"
#include "nvsvm_drv.h"
#include "nvsvm_perf.h"
#include "nvsvm_svm.h"
#include "nvsvm_trace.h"
#include "nvsvm_vmm.h"

/**
 * DOC: Overview
 *
 * The svm layer mirrors a process's address space into a GPU VM: a GPU
 * virtual address is the CPU virtual address. Each file that calls
 * SVM_INIT gets an SVMM: a GPU VM (&struct nvsvm_vmm) and one interval
 * notifier that covers the whole user address space and stays registered
 * for the SVMM's life. Nothing is registered or unregistered per fault.
 *
 * GPU faults arrive in the replayable fault buffer. The GPU's fault
 * interrupt, one work item per GPU, only drains it and hands each fault to
 * the SVMM its instance names. Each SVMM services its faults in a work
 * item of its own, on an unbound workqueue, so that a slow fault of one
 * address space (a FUSE read, a page in swap) never holds up another's.
 * It sorts its faults by address, merges faults on the same page, and
 * groups them into windows of fault_window_kb, clamped to the VMA. Each
 * window is faulted in with one hmm_range_fault(), for write only on the
 * pages that a write faulted on (and, in anonymous memory, on the pages no
 * CPU has touched yet, which would otherwise map the zero page and fault
 * again at the next word), and mapped with one PFN-map call,
 * read-only where the CPU PTE is read-only, with 2 MiB GPU pages where the
 * CPU maps a THP. A window that cannot be faulted as a whole (a hole,
 * PROT_NONE, a page past the end of a file) falls back to its faulting
 * pages alone, and a page that still fails is cancelled: its job fails
 * with -EFAULT and writes nothing there. A fault-in that invalidations
 * kept retrying for HMM_RANGE_DEFAULT_TIMEOUT is not a failure: the one
 * notifier sees every invalidation of the process, so a busy neighbour
 * range can outlast it. Its faults are left stalled, not cancelled, and
 * fault again after the replay. One replay then restarts every stalled
 * access of the batch (and of the GPU: an access whose fault is still
 * being serviced by another SVMM just faults again).
 *
 * The notifier unmaps the GPU PTEs of every invalidated range and flushes
 * the GPU TLB before the CPU change proceeds. It skips two events, both
 * started by this GPU: an %MMU_NOTIFY_MIGRATE, since the driver
 * invalidates exactly the pages that move inside the migration, and an
 * %MMU_NOTIFY_EXCLUSIVE, which hands a page to the GPU (see below). It
 * also skips the migrations that move only another GPU's VRAM pages (DOC:
 * Migration owners).
 */

/**
 * DOC: Migration owners
 *
 * migrate_vma_setup() hands its pgmap_owner to the notifiers, as the owner
 * of the %MMU_NOTIFY_MIGRATE invalidation it raises. A GPU's migrations
 * give one of two owners:
 *
 * - the GPU itself, its pgmap owner, for migrations that select its
 *   device-private pages (%MIGRATE_VMA_SELECT_DEVICE_PRIVATE needs that
 *   owner): back to system memory, or directly into a peer GPU's VRAM
 *   (DOC: Peer migration in nvsvm_dmem.c). Such a migration moves nothing
 *   but that GPU's VRAM pages;
 * - nvsvm_svm_sys_owner() of the GPU, for migrations that select system
 *   pages: into its VRAM, or to split a THP.
 *
 * A GPU's notifier skips the migrations of both its owners: inside them,
 * the driver invalidates the pages that move (nvsvm_svm_migrating()). It
 * acts on another GPU's migrations of system pages, which it may map. It
 * skips another nvsvm GPU's migrations of VRAM pages: no GPU maps another
 * GPU's VRAM (HMM faults such a page back to system memory for it), and
 * nothing else in the range changes. A GPU that pulls pages from a peer's
 * VRAM therefore keeps its own mappings, and its migration sequence, whole;
 * the peer, whose pages leave, is invalidated inside the migration.
 */

/**
 * DOC: Atomics
 *
 * GPU atomics across PCIe are not atomic with respect to the CPU, so system
 * pages are mapped with atomics disabled (the emulated link, like a real
 * one, performs an atomic on system memory as a read and a later write). A
 * GPU atomic on such a page faults with access type atomic. The fault is
 * serviced like nouveau's: make_device_exclusive_range() swaps the CPU PTE
 * for a device-exclusive entry, and the page is mapped atomic-enabled while
 * the page is still locked, inside a notifier sequence. Any CPU access then
 * faults, restores the PTE and notifies with %MMU_NOTIFY_EXCLUSIVE and no
 * owner, which revokes the GPU mapping first; the next GPU atomic faults
 * and takes the page again. The notifier ignores %MMU_NOTIFY_EXCLUSIVE
 * with this GPU as the owner: that is the grant itself, the page does not
 * change, and moving the sequence on would fail the very fault that asked.
 * A CPU that keeps taking back a thrashing page's grant waits, before the
 * svmm lock, until the grant has served the GPU a while (DOC: Thrashing in
 * nvsvm_perf.c).
 *
 * Pages in VRAM take atomics natively and need no grant. Only private
 * anonymous memory can be taken exclusive; an atomic elsewhere (a shared
 * or hugetlb mapping, a read-only one) is cancelled and its job fails with
 * -EFAULT.
 *
 * In Linux 6.12 make_device_exclusive_range() refuses the tail pages of a
 * large folio, and takes a whole folio through its head page. So a page of
 * a PMD-mapped THP is split out first: nothing exported splits a folio,
 * but migrate_vma_setup() splits a PMD-mapped THP as it collects it, and a
 * migration given no destination pages puts every page back. A page of a
 * PTE-mapped large folio (an mTHP, or a THP after a partial mprotect() or
 * mremap()) cannot be split that way, nor migrated to VRAM: its whole
 * folio is taken exclusive through the head page's address, and only the
 * faulting page is mapped. A CPU access to any page of the folio then
 * restores that page alone. A folio whose head is not mapped right before
 * the page, in the same VMA, cannot be taken at all, and the atomic is
 * cancelled at once rather than retried.
 */

/**
 * DOC: Locking
 *
 * - &nvsvm_svmm.mutex, the svmm lock, serialises every change of the
 *   SVMM's GPU page tables: fault servicing writes PTEs under it after
 *   mmu_interval_read_retry() has confirmed that no invalidation ran since
 *   mmu_interval_read_begin(), and the notifier clears PTEs under it. The
 *   notifier can run from memory reclaim, so nothing allocates memory with
 *   __GFP_DIRECT_RECLAIM while holding it; nvsvm_svmm_create() primes
 *   lockdep with that dependency so that a violation is reported at once.
 * - &nvsvm_vmm.mutex, inside the svmm lock, protects the page-table tree.
 * - The mmap lock is taken for reading around hmm_range_fault() only, never
 *   with the svmm lock held: the notifier is called with it held.
 * - An exclusive grant (DOC: Atomics) takes the svmm lock while it holds
 *   the lock of the page that make_device_exclusive_range() returned, as
 *   a migration does with the pages it moves. A CPU fault that revokes a
 *   grant locks the page before it notifies, so the order is the same:
 *   page lock > svmm lock.
 * - &nvsvm_svm_device.svmms' internal lock orders a fault's lookup of an
 *   SVMM against its removal; the lookup takes a reference, and so does a
 *   queued fault work item of an SVMM, until it has run.
 * - &nvsvm_svmm.fault_lock, a spinlock, protects the faults the interrupt
 *   hands an SVMM; nothing is taken under it.
 * - A work item is never run concurrently with itself: the device's fault
 *   interrupt alone uses &nvsvm_svm_device.faults, and an SVMM's fault work
 *   alone uses that SVMM's batch, hmm_pfns and pfns buffers.
 *
 * Order: mmap lock (held by the notifier's caller) > page lock > svmm lock
 * > vmm lock.
 */

static unsigned int fault_window_kb = 2048;
module_param(fault_window_kb, uint, 0644);
MODULE_PARM_DESC(fault_window_kb,
		 "GPU fault window in KiB, a power of two from 4 to 2048; 4 services one page per fault like nouveau (default 2048)");

static bool populate_writes = true;
module_param(populate_writes, bool, 0644);
MODULE_PARM_DESC(populate_writes,
		 "A GPU write fault in anonymous memory also gives the untouched pages of its window a page of their own, instead of the zero page (default 1; 0: only the written pages)");

static bool skip_own_migrate = true;
module_param(skip_own_migrate, bool, 0644);
MODULE_PARM_DESC(skip_own_migrate,
		 "Skip the notifier invalidation of migrations this GPU starts, which invalidate the pages that move themselves, and of migrations of another GPU's VRAM pages, which this GPU cannot map; off invalidates the whole range like any other event (default true)");

static bool debug_skip_invalidate;
module_param(debug_skip_invalidate, bool, 0600);
MODULE_PARM_DESC(debug_skip_invalidate,
		 "Debug: the mmu notifier leaves GPU mappings in place, so the GPU sees stale data (default false)");

static bool debug_atomic_no_exclusive;
module_param(debug_atomic_no_exclusive, bool, 0600);
MODULE_PARM_DESC(debug_atomic_no_exclusive,
		 "Debug: GPU atomic faults map system pages atomic-enabled without making them exclusive, so concurrent CPU updates get lost (default false)");

static unsigned int debug_fault_delay_ms;
module_param(debug_fault_delay_ms, uint, 0600);
MODULE_PARM_DESC(debug_fault_delay_ms,
		 "Debug: sleep this long before servicing each address space's faults, holding it, to widen the window of races with close and exit (default 0)");

static unsigned int debug_invalidate_delay_ms;
module_param(debug_invalidate_delay_ms, uint, 0600);
MODULE_PARM_DESC(debug_invalidate_delay_ms,
		 "Debug: sleep this long between clearing the PTEs of a blockable invalidation and flushing the GPU's TLB, while the GPU may still use the old translations, to widen the window that a DMA unmap before the flush falls into (default 0)");

static unsigned int debug_fault_map_delay_ms;
module_param(debug_fault_map_delay_ms, uint, 0600);
MODULE_PARM_DESC(debug_fault_map_delay_ms,
		 "Debug: sleep this long between hmm_range_fault() and the notifier sequence check of each GPU fault-in, to widen the window that an invalidation must hit to make it retry (default 0)");

static unsigned int fault_block_after = 3;
module_param(fault_block_after, uint, 0644);
MODULE_PARM_DESC(fault_block_after,
		 "Fault-ins of a GPU fault window that may lose the race with migrations, in one fault or in faults again on the same window, before the next one blocks the migrations of its address space (default 3; 0: never, and a window that keeps moving may starve its GPU)");

static unsigned int fault_holdoff_ms = 20;
module_param(fault_holdoff_ms, uint, 0644);
MODULE_PARM_DESC(fault_holdoff_ms,
		 "How long migrations stay held off after a GPU fault-in that had to block them, so that the replayed access reaches the pages, in ms; doubled each time the same window faults again, up to 64 times (default 20)");

/*
 * VRAM that must be free before page tables are allocated: the spares of
 * every level, with room to spare (see nvsvm_dmem_make_room()).
 */
#define NVSVM_SVM_TABLE_ROOM	SZ_64K

#define NVSVM_SVM_WINDOW_MAX	SZ_2M
#define NVSVM_SVM_WINDOW_PAGES	(NVSVM_SVM_WINDOW_MAX >> PAGE_SHIFT)

static struct nvsvm_device *to_ndev(struct nvsvm_svm_device *sdev)
{
	return container_of(sdev, struct nvsvm_device, svm);
}

static u64 nvsvm_svm_window(void)
{
	unsigned int kb = clamp(READ_ONCE(fault_window_kb), 4u, 2048u);

	return (u64)rounddown_pow_of_two(kb) * SZ_1K;
}

/**
 * nvsvm_stat_add() - Count an event for a file and for its device.
 * @ndev: The device.
 * @stats: The file's counters, or %NULL to count for the device only.
 * @stat: The counter.
 * @n: How much to add.
 *
 * Context: Any context.
 */
void nvsvm_stat_add(struct nvsvm_device *ndev, struct nvsvm_stats *stats,
		    enum nvsvm_stat stat, u64 n)
{
	atomic64_add(n, &ndev->svm.stats.count[stat]);
	if (stats)
		atomic64_add(n, &stats->count[stat]);
}

/**
 * nvsvm_stat_read() - Read one counter.
 * @ndev: The device.
 * @stats: The device's counters, or an SVMM's.
 * @stat: Which counter.
 *
 * IOMMU faults are the hardware's count, and the device's only.
 *
 * Context: Any context.
 * Return: The counter's value.
 */
u64 nvsvm_stat_read(struct nvsvm_device *ndev, struct nvsvm_stats *stats,
		    enum nvsvm_stat stat)
{
	if (stat == NVSVM_STAT_IOMMU_FAULTS)
		return stats == &ndev->svm.stats ? nvsvm_hw_dma_faults(ndev->hw) : 0;
	return atomic64_read(&stats->count[stat]);
}

/**
 * DOC: VMA policy
 *
 * Some memory no device may touch, whatever the protection of its mapping
 * says, and hmm_range_fault() and migrate_vma do not refuse all of it the
 * way get_user_pages() does. nvsvm_svm_vma_check() is the one place that
 * decides; every GPU fault-in, exclusive grant and migration asks it about
 * the VMA before it faults, allocates VRAM or evicts anything. It refuses:
 *
 * - memfd_secret() memory: its pages are gone from the kernel's direct map
 *   and are meant for their process's CPU alone;
 * - VM_IO and VM_PFNMAP mappings, which have no struct pages to mirror;
 * - userfaultfd ranges registered for missing or minor faults: a device
 *   fault cannot return VM_FAULT_RETRY to wait for the userspace handler,
 *   so handle_userfault() would only fail it, and warn.
 *
 * A refused GPU access is cancelled and its job fails with -EFAULT; a
 * refused MIGRATE fails with -EFAULT before anything moves.
 */

/**
 * nvsvm_svm_vma_check() - May a device access a VMA at all?
 * @vma: The VMA.
 *
 * See DOC: VMA policy.
 *
 * Context: The VMA's mmap lock held.
 * Return: 0, or -EFAULT for a VMA no device may touch.
 */
int nvsvm_svm_vma_check(struct vm_area_struct *vma)
{
	mmap_assert_locked(vma->vm_mm);

	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return -EFAULT;
	if (vma->vm_flags & (VM_UFFD_MISSING | VM_UFFD_MINOR))
		return -EFAULT;
	/* vma_is_secretmem() is not exported; its file system is known. */
	if (vma->vm_file &&
	    file_inode(vma->vm_file)->i_sb->s_magic == SECRETMEM_MAGIC)
		return -EFAULT;
	return 0;
}

/* Account what the vmm did since the last call, to @stats. */
static void nvsvm_svmm_account(struct nvsvm_svmm *svmm,
			       struct nvsvm_stats *stats)
{
	struct nvsvm_vmm_counts c, *seen = &svmm->seen;
	struct nvsvm_device *ndev = svmm->ndev;

	nvsvm_vmm_counts(svmm->vmm, &c);
	nvsvm_stat_add(ndev, stats, NVSVM_STAT_DMA_MAPS,
		       c.dma_maps - seen->dma_maps);
	nvsvm_stat_add(ndev, stats, NVSVM_STAT_DMA_UNMAPS,
		       c.dma_unmaps - seen->dma_unmaps);
	nvsvm_stat_add(ndev, stats, NVSVM_STAT_BIG_MAPPED,
		       c.big_mapped - seen->big_mapped);
	nvsvm_stat_add(ndev, stats, NVSVM_STAT_HUGE_VRAM_MAPPED,
		       c.huge_vram_mapped - seen->huge_vram_mapped);
	*seen = c;
}

/*
 * Flush the GPU's TLB over a range after PTE changes, and account what the
 * vmm did: the flush, the pages it mapped by size, and the DMA mappings of
 * system pages it made and released (DOC: DMA mappings in nvsvm_vmm.c).
 */
static void nvsvm_svmm_flush(struct nvsvm_svmm *svmm, u64 va, u64 size)
{
	u64 t0 = nvsvm_trace_start(nvsvm_tlb_flush);

	lockdep_assert_held(&svmm->mutex);

	nvsvm_vmm_flush(svmm->vmm, va, size);
	nvsvm_stat_add(svmm->ndev, &svmm->stats, NVSVM_STAT_TLB_FLUSHES, 1);
	trace_nvsvm_tlb_flush(svmm->ndev->index, va, va + size, t0);
	nvsvm_svmm_account(svmm, &svmm->stats);
}

static bool nvsvm_svmm_invalidate(struct mmu_interval_notifier *mni,
				  const struct mmu_notifier_range *range,
				  unsigned long cur_seq)
{
	struct nvsvm_svmm *svmm = container_of(mni, struct nvsvm_svmm, notifier);
	struct nvsvm_device *ndev = svmm->ndev;
	bool migrate = range->event == MMU_NOTIFY_MIGRATE;
	bool own = migrate && (range->owner == ndev ||
			       range->owner == nvsvm_svm_sys_owner(ndev));
	/* Only another GPU's VRAM pages move: DOC: Migration owners. */
	bool peer_vram = migrate && !own && nvsvm_device_is_gpu(range->owner);
	u64 start = range->start;
	u64 end = min_t(u64, range->end, NVSVM_VMM_VA_END);

	/* This GPU taking a page exclusive: see DOC: Atomics. */
	if (range->event == MMU_NOTIFY_EXCLUSIVE && range->owner == ndev)
		return true;
	/* The CPU taking a page back: a thrashing grant is held a while. */
	if (range->event == MMU_NOTIFY_EXCLUSIVE &&
	    mmu_notifier_range_blockable(range))
		nvsvm_perf_revoking(svmm, start, end);
	/* Placement state the change makes stale: DOC: Density prefetch. */
	if (range->event == MMU_NOTIFY_UNMAP || range->event == MMU_NOTIFY_CLEAR)
		nvsvm_perf_invalidate(svmm, start, end,
				      range->event == MMU_NOTIFY_UNMAP);

	if (mmu_notifier_range_blockable(range))
		mutex_lock(&svmm->mutex);
	else if (!mutex_trylock(&svmm->mutex))
		return false;

	/*
	 * Even a skipped invalidation of this GPU's own moves the sequence
	 * on, so that a fault that looked up the pages before the migration
	 * started retries rather than mapping a page that is moving away.
	 * Another GPU's VRAM pages were never looked up: a fault of this GPU
	 * faults them to system memory first.
	 */
	if (!peer_vram)
		mmu_interval_set_seq(mni, cur_seq);
	/* What a migration of this GPU must not miss: nvsvm_svmm_map_pfns(). */
	if (!own && !peer_vram)
		svmm->invalidations++;

	if ((own || peer_vram) && READ_ONCE(skip_own_migrate)) {
		nvsvm_stat_add(ndev, &svmm->stats,
			       NVSVM_STAT_INVALIDATIONS_SKIPPED, 1);
		trace_nvsvm_invalidate(ndev->index, range->event, start, end,
				       true);
		mutex_unlock(&svmm->mutex);
		return true;
	}

	if (start < end &&
	    !(nvsvm_debug(ndev) && READ_ONCE(debug_skip_invalidate))) {
		trace_nvsvm_invalidate(ndev->index, range->event, start, end,
				       false);
		if (range->event == MMU_NOTIFY_EXCLUSIVE)
			trace_nvsvm_exclusive(ndev->index, true, start);
		nvsvm_vmm_unmap(svmm->vmm, start, end - start);
		if (nvsvm_debug(ndev) && READ_ONCE(debug_invalidate_delay_ms) &&
		    mmu_notifier_range_blockable(range))
			msleep(READ_ONCE(debug_invalidate_delay_ms));
		nvsvm_svmm_flush(svmm, start, end - start);
		nvsvm_stat_add(ndev, &svmm->stats, NVSVM_STAT_INVALIDATIONS, 1);
		if (range->event == MMU_NOTIFY_EXCLUSIVE)
			nvsvm_stat_add(ndev, &svmm->stats,
				       NVSVM_STAT_EXCLUSIVE_REVOCATIONS, 1);
	}

	mutex_unlock(&svmm->mutex);
	return true;
}

static const struct mmu_interval_notifier_ops nvsvm_svmm_notifier_ops = {
	.invalidate = nvsvm_svmm_invalidate,
};

/*
 * Write the PTEs of one faulted-in window, and tell how many pages it
 * mapped. Called with the svmm lock held. System pages are mapped with
 * atomics disabled, unless debugging says to let an atomic fault through
 * without exclusivity.
 */
static int nvsvm_svmm_map(struct nvsvm_svmm *svmm, u64 *pfns,
			  const struct hmm_range *range, bool atomic,
			  unsigned long *pages)
{
	unsigned long npages = (range->end - range->start) >> PAGE_SHIFT;
	struct nvsvm_device *ndev = svmm->ndev;
	unsigned long i, mapped = 0;
	u64 huge;
	int ret;

	lockdep_assert_held(&svmm->mutex);

	for (i = 0; i < npages; i++) {
		unsigned long hpfn = range->hmm_pfns[i];
		struct page *page;
		u64 flags = 0;

		pfns[i] = 0;
		if (!(hpfn & HMM_PFN_VALID))
			continue;
		page = hmm_pfn_to_page(hpfn);
		if (hpfn & HMM_PFN_WRITE)
			flags |= NVSVM_VMM_PFN_WRITE;
		/* HMM returns device-private pages of this GPU only. */
		if (nvsvm_dmem_page_is_ours(ndev, page)) {
			/* VRAM takes atomics natively. */
			pfns[i] = nvsvm_vmm_pfn_vram(nvsvm_dmem_page_offset(page),
						     flags | NVSVM_VMM_PFN_ATOMIC);
			mapped++;
			continue;
		}
		if (atomic && (hpfn & HMM_PFN_WRITE) && nvsvm_debug(ndev) &&
		    READ_ONCE(debug_atomic_no_exclusive))
			flags |= NVSVM_VMM_PFN_ATOMIC;
		pfns[i] = nvsvm_vmm_pfn_sys(page, flags);
		mapped++;
	}

	huge = svmm->vmm->huge_mapped;
	ret = nvsvm_vmm_pfn_map(svmm->vmm, range->start, npages, pfns);
	nvsvm_svmm_flush(svmm, range->start, range->end - range->start);
	if (ret)
		return ret;

	nvsvm_stat_add(ndev, &svmm->stats, NVSVM_STAT_PAGES_MAPPED, mapped);
	nvsvm_stat_add(ndev, &svmm->stats, NVSVM_STAT_HUGE_MAPPED,
		       svmm->vmm->huge_mapped - huge);
	*pages = mapped;
	return 0;
}

/**
 * struct nvsvm_svm_window - One hmm_range_fault() worth of faults.
 * @va: A faulting address in the window; the window is taken around it.
 * @size: Window size; clamped to the VMA of @va.
 * @write: The pages to fault in for write, from the window's aligned start:
 *	those of a write or an atomic fault. The others are faulted in for
 *	read, and mapped writable only if the CPU maps them so already, so
 *	that no page is copied on write, or dirtied, that nobody wrote.
 * @atomic: An atomic fault is in it.
 * @vram: Set on success if the page at @va was mapped from this GPU's VRAM.
 * @huge: Set on success if the CPU maps the page at @va with a PMD (a THP).
 */
struct nvsvm_svm_window {
	u64 va;
	u64 size;
	DECLARE_BITMAP(write, NVSVM_SVM_WINDOW_PAGES);
	bool atomic;
	bool vram;
	bool huge;
};

static bool nvsvm_svmm_place(struct nvsvm_svmm *svmm, u64 start, u64 end,
			     bool blocking);
static void nvsvm_svmm_place_peers(struct nvsvm_svmm *svmm, u64 start,
				   u64 end);

/* The strongest access that faulted in @win, as &enum nvsvm_hw_access. */
static unsigned int nvsvm_svm_window_access(const struct nvsvm_svm_window *win)
{
	if (win->atomic)
		return NVSVM_HW_ACCESS_ATOMIC;
	if (!bitmap_empty(win->write, win->size >> PAGE_SHIFT))
		return NVSVM_HW_ACCESS_WRITE;
	return NVSVM_HW_ACCESS_READ;
}

/* Fault the page at @va in for write, with the rest of @win. */
static void nvsvm_svm_window_write(struct nvsvm_svm_window *win, u64 va)
{
	__set_bit((va - ALIGN_DOWN(win->va, win->size)) >> PAGE_SHIFT,
		  win->write);
}

/* A page to write that HMM reports read-only in this GPU's VRAM. */
static bool nvsvm_svm_has_ro_vram(struct nvsvm_device *ndev,
				  const struct hmm_range *range,
				  const unsigned long *write, unsigned long first)
{
	unsigned long i, npages = (range->end - range->start) >> PAGE_SHIFT;

	for (i = 0; i < npages; i++) {
		unsigned long hpfn = range->hmm_pfns[i];

		if (test_bit(first + i, write) &&
		    (hpfn & (HMM_PFN_VALID | HMM_PFN_WRITE)) == HMM_PFN_VALID &&
		    nvsvm_dmem_page_is_ours(ndev, hmm_pfn_to_page(hpfn)))
			return true;
	}
	return false;
}

/*
 * A GPU write into fresh anonymous memory: also write the window's pages
 * that no CPU has touched. Faulted in for read, they would map the zero
 * page, and a GPU that goes on writing (a fill, a first touch) would take
 * a fault, a copy-on-write and an invalidation per page. Given a page of
 * their own now, they are zeroed memory that nobody reads differently, as
 * the huge page of a write fault in a THP VMA would be. Pages the CPU maps
 * already keep to their own faults: copy-on-write stays unbroken for them,
 * and file pages are never written (write-fault-window). A range that
 * userfaultfd write-protects is left alone: its handler would be told of
 * writes that never happened.
 */
static void nvsvm_svmm_populate_writes(struct nvsvm_svmm *svmm,
				       struct nvsvm_svm_window *win)
{
	u64 start = ALIGN_DOWN(win->va, win->size);
	struct mm_struct *mm = svmm->mm;
	struct hmm_range range = {
		.notifier = &svmm->notifier,
		.hmm_pfns = svmm->hmm_pfns,
		.dev_private_owner = svmm->ndev,
	};
	struct vm_area_struct *vma;
	unsigned long i, first, npages;

	if (!READ_ONCE(populate_writes) ||
	    bitmap_empty(win->write, win->size >> PAGE_SHIFT))
		return;

	range.notifier_seq = mmu_interval_read_begin(range.notifier);
	mmap_read_lock(mm);
	vma = vma_lookup(mm, win->va);
	if (!vma || nvsvm_svm_vma_check(vma) || !vma_is_anonymous(vma) ||
	    !(vma->vm_flags & VM_WRITE) || (vma->vm_flags & VM_UFFD_WP)) {
		mmap_read_unlock(mm);
		return;
	}
	range.start = max_t(u64, start, vma->vm_start);
	range.end = min_t(u64, start + win->size, vma->vm_end);
	/* A snapshot: no fault, so nothing changes and no retry matters. */
	if (hmm_range_fault(&range)) {
		mmap_read_unlock(mm);
		return;
	}
	mmap_read_unlock(mm);

	first = (range.start - start) >> PAGE_SHIFT;
	npages = (range.end - range.start) >> PAGE_SHIFT;
	for (i = 0; i < npages; i++)
		if (!(range.hmm_pfns[i] & HMM_PFN_VALID))
			__set_bit(first + i, win->write);
}

/*
 * Fault in for write the pages of a window that a GPU write faulted on,
 * one run of consecutive pages per hmm_range_fault(). HMM faults every page
 * from the first one that needs a fault to the end of its walk with that
 * page's flags, so a window faulted as a whole would be faulted for write
 * from its first written page on. Best effort: the window's own fault-in,
 * which asks for write on the same pages, reports what fails.
 */
static void nvsvm_svmm_fault_writes(struct nvsvm_svmm *svmm,
				    const struct nvsvm_svm_window *win,
				    unsigned long timeout)
{
	u64 start = ALIGN_DOWN(win->va, win->size);
	unsigned long nbits = win->size >> PAGE_SHIFT;
	unsigned long bit = find_first_bit(win->write, nbits), end;
	struct mm_struct *mm = svmm->mm;
	struct hmm_range range = {
		.notifier = &svmm->notifier,
		.hmm_pfns = svmm->hmm_pfns,
		.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
		.dev_private_owner = svmm->ndev,
	};
	struct vm_area_struct *vma;
	int ret;

	while (bit < nbits && time_before(jiffies, timeout)) {
		end = find_next_zero_bit(win->write, nbits, bit);
		range.notifier_seq = mmu_interval_read_begin(range.notifier);
		mmap_read_lock(mm);
		range.start = start + ((u64)bit << PAGE_SHIFT);
		vma = vma_lookup(mm, range.start);
		if (!vma || nvsvm_svm_vma_check(vma)) {
			mmap_read_unlock(mm);
			return;
		}
		range.end = min_t(u64, start + ((u64)end << PAGE_SHIFT),
				  vma->vm_end);
		ret = hmm_range_fault(&range);
		mmap_read_unlock(mm);
		/* A copy-on-write it broke moved the sequence on: again. */
		if (ret == -EBUSY)
			continue;
		if (ret)
			return;
		bit = find_next_bit(win->write, nbits, end);
	}
}

/*
 * Fault in and map one window: the textbook HMM loop. The svmm lock is
 * taken only once hmm_range_fault() has returned, and the PTEs are written
 * only if no invalidation ran in between. A window mapped counts in the
 * tally of the batch (&nvsvm_svmm.batch_windows).
 */
static int nvsvm_svmm_fault_window(struct nvsvm_svmm *svmm,
				   struct nvsvm_svm_window *win)
{
	unsigned long timeout = jiffies +
				msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	struct hmm_range range = {
		.notifier = &svmm->notifier,
		.hmm_pfns = svmm->hmm_pfns,
		.default_flags = HMM_PFN_REQ_FAULT,
		.pfn_flags_mask = HMM_PFN_REQ_WRITE,
		.dev_private_owner = svmm->ndev,
	};
	u64 t0 = nvsvm_trace_start(nvsvm_fault_window);
	u64 t = nvsvm_trace_start(nvsvm_fault_batch);
	struct mm_struct *mm = svmm->mm;
	u64 start = ALIGN_DOWN(win->va, win->size);
	u64 end = start + win->size;
	unsigned long mapped = 0;
	unsigned int retries = 0, limit = READ_ONCE(fault_block_after);
	bool placed = false, blocking = false;
	int ret;

	if (!mmget_not_zero(mm))
		return -EFAULT;

	nvsvm_svmm_place_peers(svmm, start, end);
	nvsvm_svmm_populate_writes(svmm, win);
	nvsvm_svmm_fault_writes(svmm, win, timeout);
	for (;;) {
		unsigned long i, first, npages;
		struct vm_area_struct *vma;

		if (time_after(jiffies, timeout)) {
			ret = -EBUSY;
			break;
		}
		/* Lost to migrations too often: DOC: Peer migration. */
		if (!blocking && limit &&
		    (retries++ >= limit || svmm->refaults >= limit)) {
			nvsvm_dmem_migrations_block(svmm);
			blocking = true;
		}

		range.notifier_seq = mmu_interval_read_begin(range.notifier);
		mmap_read_lock(mm);
		vma = vma_lookup(mm, win->va);
		ret = vma ? nvsvm_svm_vma_check(vma) : -EFAULT;
		if (ret) {
			mmap_read_unlock(mm);
			break;
		}
		range.start = max_t(u64, start, vma->vm_start);
		range.end = min_t(u64, end, vma->vm_end);
		/* Write only where written; HMM overwrites these on return. */
		first = (range.start - start) >> PAGE_SHIFT;
		npages = (range.end - range.start) >> PAGE_SHIFT;
		for (i = 0; i < npages; i++)
			range.hmm_pfns[i] = test_bit(first + i, win->write) ?
					    HMM_PFN_REQ_WRITE : 0;
		ret = hmm_range_fault(&range);
		mmap_read_unlock(mm);
		nvsvm_trace_lap(&t, &svmm->batch_ns.fault);
		if (ret == -EBUSY)
			continue;
		if (ret)
			break;
		if (nvsvm_debug(svmm->ndev) &&
		    READ_ONCE(debug_fault_map_delay_ms))
			msleep(READ_ONCE(debug_fault_map_delay_ms));

		/*
		 * HMM reports this GPU's own VRAM pages without faulting them,
		 * even read-only ones that a write needs: pages shared
		 * copy-on-write since a fork. Bring those back to system
		 * memory, where the retried fault breaks the sharing.
		 */
		if (nvsvm_svm_has_ro_vram(svmm->ndev, &range, win->write,
					  first)) {
			u64 migrated = 0;

			ret = nvsvm_dmem_migrate(svmm, range.start, range.end,
						 blocking ? NVSVM_DMEM_BLOCKING : 0,
						 &migrated);
			nvsvm_trace_lap(&t, &svmm->batch_ns.migrate);
			if (ret)
				break;
			continue;
		}

		/*
		 * Pages preferring VRAM move now, populated or not, once per
		 * fault-in: the migration moves the sequence on, whether any
		 * page moved or not, so the window is looked up again.
		 */
		if (!placed && nvsvm_svmm_place(svmm, range.start, range.end,
						blocking)) {
			nvsvm_trace_lap(&t, &svmm->batch_ns.migrate);
			placed = true;
			continue;
		}

		/*
		 * Page tables are allocated here, not under the svmm lock, and
		 * VRAM is made for them if device-private pages took it all.
		 */
		nvsvm_dmem_make_room(svmm->ndev, NVSVM_SVM_TABLE_ROOM);
		ret = nvsvm_vmm_reserve(svmm->vmm);
		if (ret)
			break;

		mutex_lock(&svmm->mutex);
		if (mmu_interval_read_retry(range.notifier,
					    range.notifier_seq)) {
			mutex_unlock(&svmm->mutex);
			continue;
		}
		ret = nvsvm_svmm_map(svmm, svmm->pfns, &range, win->atomic,
				     &mapped);
		mutex_unlock(&svmm->mutex);
		nvsvm_trace_lap(&t, &svmm->batch_ns.map);
		if (!ret) {
			unsigned long hpfn =
				range.hmm_pfns[(win->va - range.start) >> PAGE_SHIFT];

			win->vram = (hpfn & HMM_PFN_VALID) &&
				    nvsvm_dmem_page_is_ours(svmm->ndev,
							    hmm_pfn_to_page(hpfn));
			win->huge = (hpfn & HMM_PFN_VALID) &&
				    hmm_pfn_to_map_order(hpfn);
			svmm->batch_windows++;
			svmm->batch_pages += mapped;
			if (svmm->refault_va == start)
				svmm->refaults++;
			else
				svmm->refaults = 0;
			svmm->refault_va = start;
			if (trace_nvsvm_fault_window_enabled())
				trace_nvsvm_fault_window(svmm->ndev->index,
							 range.start, range.end,
							 mapped,
							 nvsvm_svm_window_access(win),
							 t0);
		}
		break;
	}
	/*
	 * Let the replay reach the pages before migrations take them again:
	 * for twice as long each time the window faults again, up to 64
	 * times the hold-off.
	 */
	if (blocking)
		nvsvm_dmem_migrations_unblock(svmm,
					      READ_ONCE(fault_holdoff_ms) <<
					      min(svmm->refaults -
						  min(svmm->refaults, limit),
						  6u));

	mmput(mm);
	return ret;
}

/*
 * Split the THP that holds the page at @va, if it is PMD-mapped, by a
 * migration of that page that has no destination (see DOC: Atomics).
 */
static int nvsvm_svm_split_thp(struct nvsvm_svmm *svmm,
			       struct vm_area_struct *vma, u64 va)
{
	unsigned long src = 0, dst = 0;
	struct migrate_vma args = {
		.vma = vma,
		.start = va,
		.end = va + PAGE_SIZE,
		.src = &src,
		.dst = &dst,
		.pgmap_owner = nvsvm_svm_sys_owner(svmm->ndev),
		.flags = MIGRATE_VMA_SELECT_SYSTEM,
	};
	int ret;

	ret = migrate_vma_setup(&args);
	if (ret)
		return ret;
	migrate_vma_finalize(&args);
	return 0;
}

/*
 * Get the page at @va ready for make_device_exclusive_range(). The fault-in
 * for write that just mapped it has made it present, writable and private
 * to this process (breaking COW, and taking back an exclusive entry left by
 * a lost race); what is left is to refuse mappings that cannot be taken
 * exclusive, and to split the THP of a @huge page.
 */
static int nvsvm_svmm_exclusive_prepare(struct nvsvm_svmm *svmm, u64 va,
					bool huge)
{
	struct mm_struct *mm = svmm->mm;
	struct vm_area_struct *vma;
	int ret = 0;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, va);
	if (!vma || nvsvm_svm_vma_check(vma) || !(vma->vm_flags & VM_WRITE) ||
	    (vma->vm_flags & VM_SHARED) || is_vm_hugetlb_page(vma))
		ret = -EFAULT;
	else if (huge)
		ret = nvsvm_svm_split_thp(svmm, vma, va);
	mmap_read_unlock(mm);
	return ret;
}

/* The page HMM sees at @va inside sequence @seq, without faulting. */
static int nvsvm_svmm_peek(struct nvsvm_svmm *svmm, u64 va,
			   unsigned long seq, unsigned long *hpfn)
{
	struct hmm_range range = {
		.notifier = &svmm->notifier,
		.notifier_seq = seq,
		.start = va,
		.end = va + PAGE_SIZE,
		.hmm_pfns = svmm->hmm_pfns,
		.dev_private_owner = svmm->ndev,
	};
	int ret;

	ret = hmm_range_fault(&range);
	*hpfn = svmm->hmm_pfns[0];
	return ret == -EBUSY ? -EAGAIN : ret;
}

/*
 * Find where to take the page at @va exclusive from, and the page itself
 * (unreferenced: it is only compared, under @seq, once the grant holds its
 * folio's lock). make_device_exclusive_range() in 6.12 refuses a tail page
 * of a large folio, and takes a whole folio through its head page, so a
 * page of a PTE-mapped large folio is taken through the head's address.
 * Called with the mmap lock held.
 */
static int nvsvm_svmm_exclusive_va(struct nvsvm_svmm *svmm,
				   struct vm_area_struct *vma, u64 va,
				   unsigned long seq, struct page **page,
				   u64 *head_va)
{
	unsigned long hpfn, idx;
	struct folio *folio;
	int ret;

	ret = nvsvm_svmm_peek(svmm, va, seq, &hpfn);
	if (ret)
		return ret;
	/*
	 * Gone, read-only, in VRAM or mapped by a PMD again since the
	 * fault-in: start again from there.
	 */
	if ((hpfn & (HMM_PFN_VALID | HMM_PFN_WRITE)) !=
	    (HMM_PFN_VALID | HMM_PFN_WRITE) || hmm_pfn_to_map_order(hpfn) ||
	    is_zone_device_page(hmm_pfn_to_page(hpfn)))
		return -EAGAIN;

	*page = hmm_pfn_to_page(hpfn);
	folio = page_folio(*page);
	idx = folio_page_idx(folio, *page);
	*head_va = va - ((u64)idx << PAGE_SHIFT);
	if (!idx)
		return 0;

	/*
	 * A folio whose head is not mapped just before it, in the same VMA,
	 * cannot be taken exclusive at all.
	 */
	if (*head_va < vma->vm_start)
		return -EFAULT;
	ret = nvsvm_svmm_peek(svmm, *head_va, seq, &hpfn);
	if (ret)
		return ret;
	if (!(hpfn & HMM_PFN_VALID) ||
	    hmm_pfn_to_page(hpfn) != folio_page(folio, 0))
		return -EFAULT;
	return 0;
}

/*
 * Give the GPU atomic access to the system page at @va: take the page
 * exclusive, then map it atomic-enabled before unlocking it, as
 * make_device_exclusive_range() asks. From then on a CPU access revokes
 * the mapping through the notifier before it proceeds. A page of a large
 * folio takes its whole folio exclusive; only the page is mapped. One
 * attempt: -EAGAIN when something raced with it.
 */
static int nvsvm_svmm_grant_exclusive(struct nvsvm_svmm *svmm, u64 va,
				      bool huge)
{
	struct nvsvm_device *ndev = svmm->ndev;
	struct mm_struct *mm = svmm->mm;
	struct page *page, *target = NULL;
	struct vm_area_struct *vma;
	unsigned long seq;
	u64 pfn, head_va;
	int ret;

	ret = nvsvm_svmm_exclusive_prepare(svmm, va, huge);
	if (!ret) {
		nvsvm_dmem_make_room(ndev, NVSVM_SVM_TABLE_ROOM);
		ret = nvsvm_vmm_reserve(svmm->vmm);
	}
	if (ret)
		return ret;

	seq = mmu_interval_read_begin(&svmm->notifier);
	mmap_read_lock(mm);
	vma = vma_lookup(mm, va);
	ret = vma ? nvsvm_svm_vma_check(vma) : -EFAULT;
	if (!ret)
		ret = nvsvm_svmm_exclusive_va(svmm, vma, va, seq, &target,
					      &head_va);
	if (!ret)
		ret = make_device_exclusive_range(mm, head_va,
						  head_va + PAGE_SIZE, &page,
						  ndev);
	mmap_read_unlock(mm);
	if (ret < 0)
		return ret;
	/* Lost a race for the page: its lock, its mapping, a new THP. */
	if (ret != 1 || !page)
		return -EAGAIN;

	mutex_lock(&svmm->mutex);
	/*
	 * No invalidation since @seq: @va still maps @target, and the folio
	 * whose lock the grant holds is @target's only if nothing moved.
	 */
	if (mmu_interval_read_retry(&svmm->notifier, seq) ||
	    page_folio(target) != page_folio(page)) {
		ret = -EAGAIN;
	} else {
		pfn = nvsvm_vmm_pfn_sys(target, NVSVM_VMM_PFN_WRITE |
					NVSVM_VMM_PFN_ATOMIC);
		ret = nvsvm_vmm_pfn_map(svmm->vmm, va, 1, &pfn);
		nvsvm_svmm_flush(svmm, va, PAGE_SIZE);
		if (!ret) {
			nvsvm_stat_add(ndev, &svmm->stats,
				       NVSVM_STAT_EXCLUSIVE_GRANTS, 1);
			trace_nvsvm_exclusive(ndev->index, false, va);
		}
	}
	mutex_unlock(&svmm->mutex);
	unlock_page(page);
	put_page(page);
	return ret;
}

/*
 * Service an atomic fault: map the page, and if it is a system page, take
 * it exclusive so that atomics on it are safe (see DOC: Atomics). A grant
 * that lost a race starts again from the fault-in, since the page may
 * have moved meanwhile, to VRAM for instance, where it needs no grant.
 */
static int nvsvm_svmm_fault_atomic(struct nvsvm_svmm *svmm, u64 va)
{
	unsigned long timeout = jiffies +
				msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	u32 policy = nvsvm_perf_atomic_policy(svmm, va);
	struct mm_struct *mm = svmm->mm;
	u64 migrated = 0;
	int ret;

	/* The atomic policy of the range: DOC: Advice in nvsvm_perf.c. */
	if (policy == DRM_NVSVM_ATOMIC_NONE)
		return -EFAULT;
	if (!mmget_not_zero(mm))
		return -EFAULT;
	if (policy == DRM_NVSVM_ATOMIC_VRAM)
		nvsvm_dmem_migrate(svmm, va, va + PAGE_SIZE, NVSVM_DMEM_TO_VRAM,
				   &migrated);
	do {
		struct nvsvm_svm_window page = {
			.va = va,
			.size = PAGE_SIZE,
			.atomic = true,
		};

		nvsvm_svm_window_write(&page, va);
		ret = nvsvm_svmm_fault_window(svmm, &page);
		if (ret || page.vram || (nvsvm_debug(svmm->ndev) &&
					 READ_ONCE(debug_atomic_no_exclusive)))
			break;
		ret = nvsvm_svmm_grant_exclusive(svmm, va, page.huge);
		if (!ret)
			nvsvm_perf_granted(svmm, va);
	} while (ret == -EAGAIN && time_before(jiffies, timeout));
	mmput(mm);
	return ret == -EAGAIN ? -EBUSY : ret;
}

/*
 * The part [*from, *to) of [start, end) whose preferred location is VRAM,
 * if any: an advised range overlaps it.
 */
static bool nvsvm_svmm_prefers_vram(struct nvsvm_svmm *svmm, u64 start,
				    u64 end, u64 *from, u64 *to)
{
	unsigned int i;

	*from = 0;
	*to = 0;
	spin_lock(&svmm->advice_lock);
	for (i = 0; i < svmm->nadvice; i++) {
		if (svmm->advice[i].start < end && svmm->advice[i].end > start) {
			*from = max(start, svmm->advice[i].start);
			*to = min(end, svmm->advice[i].end);
			break;
		}
	}
	spin_unlock(&svmm->advice_lock);
	return *from < *to;
}

/*
 * Migrate the part of a faulted-in window whose preferred location is VRAM
 * there, so that it gets mapped from VRAM. Returns true if the window has
 * such a part, moved or not: the migration's own invalidation has moved
 * the notifier sequence on either way.
 */
static bool nvsvm_svmm_place(struct nvsvm_svmm *svmm, u64 start, u64 end,
			     bool blocking)
{
	u64 from, to;

	if (!nvsvm_svmm_prefers_vram(svmm, start, end, &from, &to))
		return false;
	/* DOC: Thrashing and DOC: Density prefetch in nvsvm_perf.c. */
	nvsvm_perf_place(svmm, from, to, blocking ? NVSVM_DMEM_BLOCKING : 0);
	return true;
}

/*
 * Before a window preferring VRAM is faulted in, take its pages in peer
 * GPUs' VRAM directly: hmm_range_fault() would bring them back to system
 * memory first (DOC: Peer migration in nvsvm_dmem.c).
 */
static void nvsvm_svmm_place_peers(struct nvsvm_svmm *svmm, u64 start,
				   u64 end)
{
	u64 from, to, migrated = 0;

	if (nvsvm_svmm_prefers_vram(svmm, start, end, &from, &to))
		nvsvm_dmem_migrate(svmm, from, to, NVSVM_DMEM_TO_VRAM |
				   NVSVM_DMEM_PEERS_ONLY, &migrated);
}

/**
 * nvsvm_svmm_advise() - Set the preferred location of a range.
 * @svmm: The SVMM.
 * @start: Start of the range.
 * @end: End of the range.
 * @vram: Prefer VRAM, or system memory (the default).
 *
 * The range replaces the advice of any range it overlaps, in full.
 *
 * Context: Any context.
 * Return: 0, or -ENOSPC with %NVSVM_SVM_MAX_ADVICE ranges already.
 */
int nvsvm_svmm_advise(struct nvsvm_svmm *svmm, u64 start, u64 end, bool vram)
{
	unsigned int i;
	int ret = 0;

	spin_lock(&svmm->advice_lock);
	for (i = 0; i < svmm->nadvice;) {
		if (svmm->advice[i].start < end && svmm->advice[i].end > start)
			svmm->advice[i] = svmm->advice[--svmm->nadvice];
		else
			i++;
	}
	if (vram) {
		if (svmm->nadvice == NVSVM_SVM_MAX_ADVICE)
			ret = -ENOSPC;
		else
			svmm->advice[svmm->nadvice++] =
				(struct nvsvm_svm_advice){ start, end };
	}
	spin_unlock(&svmm->advice_lock);
	return ret;
}

static int nvsvm_svm_fault_cmp(const void *a, const void *b)
{
	const struct nvsvm_hw_fault *fa = a, *fb = b;

	if (fa->inst != fb->inst)
		return fa->inst < fb->inst ? -1 : 1;
	if (fa->va != fb->va)
		return fa->va < fb->va ? -1 : 1;
	return 0;
}

static struct nvsvm_svmm *nvsvm_svmm_lookup(struct nvsvm_svm_device *sdev,
					    u64 inst)
{
	struct nvsvm_svmm *svmm;

	xa_lock(&sdev->svmms);
	svmm = xa_load(&sdev->svmms, inst >> PAGE_SHIFT);
	if (svmm && !kref_get_unless_zero(&svmm->kref))
		svmm = NULL;
	xa_unlock(&sdev->svmms);
	return svmm;
}

static void nvsvm_svmm_release(struct kref *kref);

static void nvsvm_svmm_put(struct nvsvm_svmm *svmm)
{
	kref_put(&svmm->kref, nvsvm_svmm_release);
}

/*
 * Service a batch of faults of one SVMM, sorted by address and merged per
 * page. A cancel is counted before it is issued: it ends the job at once,
 * and whoever waited for the job may read the counters next.
 */
static void nvsvm_svmm_service(struct nvsvm_svmm *svmm,
			       struct nvsvm_hw_fault *faults, unsigned int n)
{
	struct nvsvm_hw *hw = svmm->ndev->hw;
	u64 window = nvsvm_svm_window();
	unsigned int i = 0, j;

	while (i < n) {
		struct nvsvm_svm_window win = { .size = window };
		u64 base = ALIGN_DOWN(faults[i].va, window);
		bool plain = false;
		int wret = 0;

		/*
		 * Atomic faults are serviced page by page: a window would
		 * fault back, and so revoke, the pages of the window that the
		 * GPU holds exclusive already.
		 */
		for (j = i; j < n && ALIGN_DOWN(faults[j].va, window) == base;
		     j++) {
			enum nvsvm_hw_access access = faults[j].access;

			if (access == NVSVM_HW_ACCESS_ATOMIC)
				continue;
			if (!plain)
				win.va = faults[j].va;
			plain = true;
			if (access == NVSVM_HW_ACCESS_WRITE)
				nvsvm_svm_window_write(&win, faults[j].va);
		}

		if (plain)
			wret = nvsvm_svmm_fault_window(svmm, &win);

		for (; i < j; i++) {
			struct nvsvm_hw_fault *f = &faults[i];
			struct nvsvm_svm_window page = {
				.va = f->va,
				.size = PAGE_SIZE,
			};
			int ret;

			if (f->access == NVSVM_HW_ACCESS_WRITE)
				nvsvm_svm_window_write(&page, f->va);
			if (f->access == NVSVM_HW_ACCESS_ATOMIC)
				ret = nvsvm_svmm_fault_atomic(svmm, f->va);
			else if (!wret || wret == -EBUSY)
				ret = wret;
			else	/* The window failed: try the page alone. */
				ret = nvsvm_svmm_fault_window(svmm, &page);
			/*
			 * Invalidations kept the fault-in from finishing: the
			 * address is fine, so the access stays stalled, and
			 * the replay makes it fault again.
			 */
			if (!ret || ret == -EBUSY)
				continue;
			drm_dbg_driver(&svmm->ndev->drm,
				       "fault at 0x%llx (access %u) cancelled: %d\n",
				       f->va, f->access, ret);
			nvsvm_stat_add(svmm->ndev, &svmm->stats,
				       NVSVM_STAT_CANCELS, 1);
			/*
			 * Only accesses as strong as the refused one fail: a
			 * read stalled on a page whose write was refused
			 * faults again after the replay, as a read.
			 */
			nvsvm_hw_fault_cancel(hw, f->inst, f->va, f->access);
		}
	}
}

/*
 * The fault work of an SVMM: service what the interrupt handed it, then
 * replay. It runs on the device's fault workqueue, alongside the work of
 * every other SVMM, and holds a reference that the interrupt took.
 */
static void nvsvm_svmm_fault_work(struct work_struct *work)
{
	struct nvsvm_svmm *svmm = container_of(work, struct nvsvm_svmm,
					       fault_work);
	u64 t0 = nvsvm_trace_start(nvsvm_fault_batch), queued = U64_MAX;
	struct nvsvm_hw_fault *faults = svmm->batch;
	struct nvsvm_device *ndev = svmm->ndev;
	unsigned int n, i, out, atomics = 0;

	spin_lock(&svmm->fault_lock);
	n = svmm->npending;
	memcpy(faults, svmm->pending, n * sizeof(*faults));
	svmm->npending = 0;
	spin_unlock(&svmm->fault_lock);

	if (n) {
		sort(faults, n, sizeof(*faults), nvsvm_svm_fault_cmp, NULL);

		/* Merge the faults of one page, keeping the strongest access. */
		for (i = 0, out = 0; i < n; i++) {
			trace_nvsvm_gpu_fault(ndev->index, faults[i].va,
					      faults[i].access);
			queued = min(queued, faults[i].timestamp);
			if (faults[i].access == NVSVM_HW_ACCESS_ATOMIC)
				atomics++;
			if (out && faults[out - 1].va == faults[i].va) {
				faults[out - 1].access = max(faults[out - 1].access,
							     faults[i].access);
				continue;
			}
			faults[out++] = faults[i];
		}

		nvsvm_stat_add(ndev, &svmm->stats, NVSVM_STAT_FAULTS, n);
		nvsvm_stat_add(ndev, &svmm->stats, NVSVM_STAT_ATOMIC_FAULTS,
			       atomics);
		if (nvsvm_debug(ndev) && READ_ONCE(debug_fault_delay_ms))
			msleep(READ_ONCE(debug_fault_delay_ms));
		svmm->batch_windows = 0;
		svmm->batch_pages = 0;
		memset(&svmm->batch_ns, 0, sizeof(svmm->batch_ns));
		nvsvm_svmm_service(svmm, faults, out);
		nvsvm_stat_add(ndev, &svmm->stats, NVSVM_STAT_FAULT_BATCHES, 1);
		nvsvm_stat_add(ndev, &svmm->stats, NVSVM_STAT_REPLAYS, 1);
		/* The GPU stamps its entries with the same clock. */
		trace_nvsvm_fault_batch(ndev->index, n, svmm->batch_windows,
					svmm->batch_pages,
					t0 && t0 > queued ? t0 - queued : 0,
					svmm->batch_ns.fault,
					svmm->batch_ns.migrate,
					svmm->batch_ns.map, t0);
	}

	/*
	 * A replay restarts every stalled access of the GPU, this SVMM's
	 * and others': one whose fault is still being serviced elsewhere
	 * faults again and waits for that service's replay. It also brings
	 * back the faults that found the SVMM's queue full.
	 */
	nvsvm_hw_fault_replay(ndev->hw);
	nvsvm_svmm_put(svmm);
}

/* Hand faults to their SVMM's fault work; the caller holds a reference. */
static void nvsvm_svmm_queue_faults(struct nvsvm_svm_device *sdev,
				    struct nvsvm_svmm *svmm,
				    const struct nvsvm_hw_fault *faults,
				    unsigned int n)
{
	unsigned int room;

	spin_lock(&svmm->fault_lock);
	/* Faults that find the queue full fault again after the replay. */
	room = min(n, NVSVM_HW_FAULT_ENTRIES - svmm->npending);
	memcpy(&svmm->pending[svmm->npending], faults, room * sizeof(*faults));
	svmm->npending += room;
	spin_unlock(&svmm->fault_lock);

	kref_get(&svmm->kref);
	if (!queue_work(sdev->fault_wq, &svmm->fault_work))
		nvsvm_svmm_put(svmm);
}

static unsigned int nvsvm_svm_fault_drain(struct nvsvm_svm_device *sdev)
{
	struct nvsvm_hw *hw = to_ndev(sdev)->hw;
	struct nvsvm_hw_fault *ring = nvsvm_hw_fault_buffer(hw);
	u32 get = nvsvm_hw_fault_get(hw);
	u32 put = nvsvm_hw_fault_put(hw);
	unsigned int n = 0;

	while (get != put && n < NVSVM_HW_FAULT_ENTRIES) {
		struct nvsvm_hw_fault *entry = &ring[get];

		if (!READ_ONCE(entry->valid))
			break;
		sdev->faults[n++] = *entry;
		WRITE_ONCE(entry->valid, 0);
		get = (get + 1) % NVSVM_HW_FAULT_ENTRIES;
	}
	nvsvm_hw_fault_set_get(hw, get);
	return n;
}

/*
 * The GPU's fault interrupt: drain the fault buffer and hand each fault to
 * its SVMM. It services nothing itself, so that no address space's fault
 * waits for another's.
 */
static void nvsvm_svm_fault_work(struct work_struct *work)
{
	struct nvsvm_svm_device *sdev =
		container_of(work, struct nvsvm_svm_device, fault_work);
	struct nvsvm_device *ndev = to_ndev(sdev);
	bool overflow, queued = false;
	unsigned int n, i, j, k;

	n = nvsvm_svm_fault_drain(sdev);
	overflow = nvsvm_hw_fault_overflow(ndev->hw);

	for (i = 0; i < n; i = j) {
		u64 inst = sdev->faults[i].inst;
		struct nvsvm_svmm *svmm;

		/* A run of one instance's faults: one lookup, one queueing. */
		for (j = i + 1; j < n && sdev->faults[j].inst == inst; j++)
			;
		svmm = nvsvm_svmm_lookup(sdev, inst);
		if (svmm) {
			nvsvm_svmm_queue_faults(sdev, svmm, &sdev->faults[i],
						j - i);
			nvsvm_svmm_put(svmm);
			queued = true;
			continue;
		}
		/* The address space is gone: nothing can map the pages. */
		nvsvm_stat_add(ndev, NULL, NVSVM_STAT_FAULTS, j - i);
		nvsvm_stat_add(ndev, NULL, NVSVM_STAT_CANCELS, j - i);
		for (k = i; k < j; k++) {
			trace_nvsvm_gpu_fault(ndev->index, sdev->faults[k].va,
					      sdev->faults[k].access);
			nvsvm_hw_fault_cancel(ndev->hw, inst, sdev->faults[k].va,
					      NVSVM_HW_ACCESS_READ);
		}
	}

	/* Faults dropped by a full buffer come back with the next replay. */
	if (overflow && !queued)
		nvsvm_hw_fault_replay(ndev->hw);
}

/* Take a reference on the next SVMM of @mm from *@index on, or NULL. */
static struct nvsvm_svmm *nvsvm_svmm_next(struct nvsvm_svm_device *sdev,
					  struct mm_struct *mm,
					  unsigned long *index)
{
	struct nvsvm_svmm *svmm;

	xa_lock(&sdev->svmms);
	for (svmm = xa_find(&sdev->svmms, index, ULONG_MAX, XA_PRESENT); svmm;
	     svmm = xa_find_after(&sdev->svmms, index, ULONG_MAX, XA_PRESENT)) {
		if (svmm->mm == mm && kref_get_unless_zero(&svmm->kref))
			break;
	}
	xa_unlock(&sdev->svmms);
	return svmm;
}

/**
 * nvsvm_svm_sys_owner() - Owner of a GPU's migrations of system pages.
 * @ndev: The GPU.
 *
 * Context: Any context.
 * Return: The pgmap_owner that @ndev gives migrate_vma_setup() when it
 * selects system pages; see DOC: Migration owners.
 */
void *nvsvm_svm_sys_owner(struct nvsvm_device *ndev)
{
	return &ndev->svm;
}

/**
 * nvsvm_svm_migrating() - Invalidate the GPU mappings of migrating pages.
 * @ndev: The GPU doing the migration.
 * @mm: The address space the pages belong to.
 * @start: Address of the first page.
 * @dst: migrate_vma destination entries: a page migrates if it has one.
 * @npages: Number of entries.
 * @to_vram: The direction, for the counters.
 *
 * The notifier skips the migrations this GPU starts; this is where their
 * pages lose their GPU mappings instead, in every SVMM of this GPU that
 * mirrors @mm, before they are copied. Pages that do not migrate keep
 * their mappings.
 *
 * Context: Process context, with @mm's mmap lock held for reading.
 */
void nvsvm_svm_migrating(struct nvsvm_device *ndev, struct mm_struct *mm,
			 u64 start, const unsigned long *dst,
			 unsigned long npages, bool to_vram)
{
	unsigned long index = 0, i, j, n;
	struct nvsvm_svmm *svmm;

	while ((svmm = nvsvm_svmm_next(&ndev->svm, mm, &index))) {
		mutex_lock(&svmm->mutex);
		for (i = 0, n = 0; i < npages; i = j) {
			for (; i < npages && !dst[i]; i++)
				;
			for (j = i; j < npages && dst[j]; j++)
				;
			if (i == j)
				break;
			nvsvm_vmm_unmap(svmm->vmm, start + (i << PAGE_SHIFT),
					(j - i) << PAGE_SHIFT);
			nvsvm_svmm_flush(svmm, start + (i << PAGE_SHIFT),
					 (j - i) << PAGE_SHIFT);
			n += j - i;
		}
		mutex_unlock(&svmm->mutex);
		nvsvm_perf_migrating(svmm, start, dst, npages, to_vram);
		nvsvm_stat_add(ndev, &svmm->stats,
			       NVSVM_STAT_MIGRATION_INVALIDATIONS, n);
		if (!to_vram)
			atomic64_add(n, &svmm->stats.count[NVSVM_STAT_MIGRATED_TO_SYS]);
		nvsvm_svmm_put(svmm);
		index++;
	}
}

/**
 * nvsvm_svmm_invalidations() - Where a migration of this GPU starts from.
 * @svmm: The SVMM.
 *
 * Context: Process context; takes the svmm lock.
 * Return: The count of invalidations that nvsvm_svmm_map_pfns() compares.
 */
u64 nvsvm_svmm_invalidations(struct nvsvm_svmm *svmm)
{
	u64 n;

	mutex_lock(&svmm->mutex);
	n = svmm->invalidations;
	mutex_unlock(&svmm->mutex);
	return n;
}

/**
 * nvsvm_svmm_map_pfns() - Map a migration's VRAM pages for the GPU.
 * @svmm: The SVMM.
 * @start: Address of the first page.
 * @npages: Number of entries in @pfns.
 * @pfns: PFN-map entries; invalid ones leave their PTEs as they are.
 * @invalidations: nvsvm_svmm_invalidations() before migrate_vma_setup().
 *
 * Locked pages do not keep their CPU page table entries in place: a
 * migration's entries can be zapped (MADV_DONTNEED takes only the mmap
 * read lock) and its new pages freed at migrate_vma_finalize(). So the
 * PTEs are written only if no invalidation ran since before the setup but
 * this GPU's own migrations; otherwise nothing is mapped and the pages
 * fault in later. @invalidations counts exactly those. The notifier
 * sequence would not do: every own migration moves it on, anywhere in the
 * address space, and with the steps of a migration running side by side
 * (DOC: Migration workers in nvsvm_dmem.c) nearly every step would find
 * it moved. Own migrations need no check: they cannot take the pages of
 * the step, which it holds locked from the setup to the finalize.
 *
 * Context: Process context; takes the svmm lock.
 */
void nvsvm_svmm_map_pfns(struct nvsvm_svmm *svmm, u64 start,
			 unsigned long npages, const u64 *pfns,
			 u64 invalidations)
{
	/* Without a table the page simply faults in later. */
	if (nvsvm_vmm_reserve(svmm->vmm))
		return;
	mutex_lock(&svmm->mutex);
	if (svmm->invalidations == invalidations) {
		nvsvm_vmm_pfn_map(svmm->vmm, start, npages, pfns);
		nvsvm_svmm_flush(svmm, start, npages << PAGE_SHIFT);
	}
	mutex_unlock(&svmm->mutex);
}

static void nvsvm_svmm_free(struct nvsvm_svmm *svmm)
{
	kvfree(svmm->pending);
	kvfree(svmm->batch);
	kvfree(svmm->hmm_pfns);
	kvfree(svmm->pfns);
	nvsvm_perf_fini(&svmm->perf);
	mutex_destroy(&svmm->mutex);
	kfree(svmm);
}

/**
 * nvsvm_svmm_create() - Mirror an address space into a new GPU VM.
 * @ndev: The GPU.
 * @mm: The address space, normally current->mm.
 *
 * Context: Process context; takes the mmap lock for writing.
 * Return: The SVMM, or an ERR_PTR().
 */
struct nvsvm_svmm *nvsvm_svmm_create(struct nvsvm_device *ndev,
				     struct mm_struct *mm)
{
	struct nvsvm_svmm *svmm;
	int ret;

	svmm = kzalloc(sizeof(*svmm), GFP_KERNEL);
	if (!svmm)
		return ERR_PTR(-ENOMEM);
	svmm->ndev = ndev;
	mutex_init(&svmm->mutex);
	kref_init(&svmm->kref);
	spin_lock_init(&svmm->advice_lock);
	spin_lock_init(&svmm->fault_lock);
	nvsvm_perf_init(&svmm->perf);
	INIT_WORK(&svmm->fault_work, nvsvm_svmm_fault_work);
	svmm->pending = kvcalloc(NVSVM_HW_FAULT_ENTRIES, sizeof(*svmm->pending),
				 GFP_KERNEL);
	svmm->batch = kvcalloc(NVSVM_HW_FAULT_ENTRIES, sizeof(*svmm->batch),
			       GFP_KERNEL);
	svmm->hmm_pfns = kvcalloc(NVSVM_SVM_WINDOW_PAGES,
				  sizeof(*svmm->hmm_pfns), GFP_KERNEL);
	svmm->pfns = kvcalloc(NVSVM_SVM_WINDOW_PAGES, sizeof(*svmm->pfns),
			      GFP_KERNEL);
	if (!svmm->pending || !svmm->batch || !svmm->hmm_pfns || !svmm->pfns) {
		ret = -ENOMEM;
		goto err_free;
	}

	/* The notifier takes the svmm lock from reclaim: tell lockdep. */
	fs_reclaim_acquire(GFP_KERNEL);
	might_lock(&svmm->mutex);
	fs_reclaim_release(GFP_KERNEL);

	nvsvm_dmem_make_room(ndev, NVSVM_SVM_TABLE_ROOM);
	svmm->vmm = nvsvm_vmm_create(ndev->hw, ndev->vram);
	if (IS_ERR(svmm->vmm)) {
		ret = PTR_ERR(svmm->vmm);
		goto err_free;
	}
	svmm->inst = nvsvm_vmm_pdb(svmm->vmm);

	mmgrab(mm);
	svmm->mm = mm;
	svmm->dmm = nvsvm_dmem_mm_get(mm);
	if (IS_ERR(svmm->dmm)) {
		ret = PTR_ERR(svmm->dmm);
		goto err_mmdrop;
	}
	ret = mmu_interval_notifier_insert(&svmm->notifier, mm, 0,
					   min_t(u64, mm->task_size,
						 NVSVM_VMM_VA_END),
					   &nvsvm_svmm_notifier_ops);
	if (ret)
		goto err_dmm_put;

	ret = xa_insert(&ndev->svm.svmms, svmm->inst >> PAGE_SHIFT, svmm,
			GFP_KERNEL);
	if (ret)
		goto err_remove_notifier;

	return svmm;

err_remove_notifier:
	mmu_interval_notifier_remove(&svmm->notifier);
err_dmm_put:
	nvsvm_dmem_mm_put(svmm->dmm);
err_mmdrop:
	mmdrop(mm);
	nvsvm_vmm_destroy(svmm->vmm);
err_free:
	nvsvm_svmm_free(svmm);
	return ERR_PTR(ret);
}

static void nvsvm_svmm_release(struct kref *kref)
{
	struct nvsvm_svmm *svmm = container_of(kref, struct nvsvm_svmm, kref);

	mmu_interval_notifier_remove(&svmm->notifier);
	/* nvsvm_vmm_destroy() unmaps every DMA mapping the vmm still holds. */
	nvsvm_svmm_account(svmm, NULL);
	nvsvm_stat_add(svmm->ndev, NULL, NVSVM_STAT_DMA_UNMAPS,
		       svmm->seen.dma_maps - svmm->seen.dma_unmaps);
	nvsvm_vmm_destroy(svmm->vmm);
	/* Out of the table before the mm's address can be another's. */
	nvsvm_dmem_mm_put(svmm->dmm);
	mmdrop(svmm->mm);
	nvsvm_svmm_free(svmm);
}

/**
 * nvsvm_svmm_destroy() - Stop mirroring and drop the owner's reference.
 * @svmm: The SVMM; its channels must be destroyed already.
 *
 * Faults still in the buffer for it are cancelled once it is gone. They
 * are all drained before this returns: the page directory, whose VRAM
 * offset names the SVMM in the buffer, may be reused by the next SVMM
 * once the last reference goes, and a stale fault must not reach it.
 *
 * Context: Process context.
 */
void nvsvm_svmm_destroy(struct nvsvm_svmm *svmm)
{
	struct nvsvm_svm_device *sdev = &svmm->ndev->svm;

	xa_erase(&sdev->svmms, svmm->inst >> PAGE_SHIFT);
	/* Its channels are gone: no new fault names it. */
	flush_work(&sdev->fault_work);
	nvsvm_svmm_put(svmm);
}

/**
 * nvsvm_svm_device_init() - Set up the svm layer of a GPU.
 * @ndev: The GPU; its hw must be created.
 *
 * Context: Process context.
 * Return: 0 or -ENOMEM.
 */
int nvsvm_svm_device_init(struct nvsvm_device *ndev)
{
	struct nvsvm_svm_device *sdev = &ndev->svm;

	xa_init(&sdev->svmms);
	INIT_WORK(&sdev->fault_work, nvsvm_svm_fault_work);
	/* Unbound: one SVMM's servicing must not wait for another's. */
	sdev->fault_wq = alloc_workqueue("nvsvm-fault", WQ_UNBOUND, 0);
	if (!sdev->fault_wq)
		return -ENOMEM;
	nvsvm_hw_fault_intr_set(ndev->hw, &sdev->fault_work);
	return 0;
}

/**
 * nvsvm_svm_device_fini() - Tear down the svm layer of a GPU.
 * @ndev: The GPU; every file must be closed.
 *
 * Context: Process context.
 */
void nvsvm_svm_device_fini(struct nvsvm_device *ndev)
{
	struct nvsvm_svm_device *sdev = &ndev->svm;

	nvsvm_hw_fault_intr_set(ndev->hw, NULL);
	cancel_work_sync(&sdev->fault_work);
	destroy_workqueue(sdev->fault_wq);
	WARN_ON(!xa_empty(&sdev->svmms));
	xa_destroy(&sdev->svmms);
}
