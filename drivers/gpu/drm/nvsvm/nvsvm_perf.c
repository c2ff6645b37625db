// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include <uapi/drm/nvsvm_drm.h>

#include "nvsvm_dmem.h"
#include "nvsvm_drv.h"
#include "nvsvm_perf.h"
#include "nvsvm_svm.h"
#include "nvsvm_trace.h"

/**
 * DOC: Thrashing
 *
 * Placement that moves a page at every access of the other side is the
 * performance cliff of shared virtual memory. Like NVIDIA's UVM
 * (uvm_perf_thrashing), nvsvm watches, per 2 MiB block and per page, two
 * kinds of events in a time window of thrash_lapse_us from the first one:
 *
 * - migrations of the pages of ranges advised to VRAM, either way (a GPU
 *   fault moving a page to VRAM, a CPU fault bringing it back);
 * - exclusive grants of system pages for GPU atomics: each grant after the
 *   first one follows a revocation by the CPU.
 *
 * A page with thrash_threshold events in its window is thrashing (STATS
 * thrash_detections). It stays so until a whole window passes with fewer
 * events. Then:
 *
 * - A GPU fault that would migrate a thrashing page to VRAM is first
 *   throttled: the fault work sleeps thrash_throttle_us before it migrates
 *   (STATS throttles), which lets the CPU side finish with the page. After
 *   thrash_pin_threshold throttles the page is pinned for thrash_pin_ms
 *   (STATS pins): GPU faults map it where it is, in system memory, and no
 *   longer migrate it, so the CPU keeps it too. When the lapse is over,
 *   the page starts afresh.
 * - A thrashing page that the GPU holds for atomics keeps its grant for
 *   thrash_throttle_us from the grant: a CPU access that would revoke it
 *   earlier waits, in the notifier, for the rest of that time (STATS
 *   throttles), so that the GPU's replayed atomics make progress however
 *   hard the CPU hammers the page. The wait is bounded, and the CPU's
 *   access then proceeds and sees every GPU update.
 *
 * thrash_enable=0 switches all of it off: nothing is tracked, throttled or
 * pinned. The defaults are UVM's: 3 events in 500 us, a 500 us throttle,
 * a pin after 10 throttles for 150 ms. An emulated GPU is slower: tests
 * raise the times.
 *
 * Locking: &nvsvm_perf.lock, a spinlock, protects the page state of every
 * block of the SVMM; nothing sleeps or allocates under it, and no other
 * lock is taken under it. The xarray's own lock orders the insertion of a
 * block against its lookups; blocks are only freed with the SVMM. The
 * hooks that may allocate a block (GFP_KERNEL) or sleep are never called
 * with the svmm lock held: they run before or after the svmm lock's
 * sections, in the fault work (nvsvm_perf_throttle(), nvsvm_perf_granted()),
 * in a migration (nvsvm_perf_migrated(), with the mmap lock held for
 * reading), and in the notifier of an exclusive revocation, which holds the
 * page lock and the mmap lock (nvsvm_perf_revoking()).
 */

/**
 * DOC: Density prefetch
 *
 * A GPU fault in a range advised to VRAM migrates its fault window
 * (fault_window_kb); with a small window, a GPU sweep would grow the
 * VRAM copy of a range a window at a time, a fault each. Like UVM
 * (uvm_perf_prefetch), nvsvm looks instead at the subregions of the
 * fault's 2 MiB block that hold the window, from the block down, in
 * powers of two: the largest one whose pages are resident in VRAM or
 * faulting now for at least prefetch_threshold percent is migrated
 * whole, clamped to the advised range and to the window's VMA. A sweep
 * then takes a fault for the first page, and one for each doubling of
 * what is resident: about 10 faults for a block instead of 512 (STATS
 * prefetched counts the pages moved beyond the windows). Pinned pages
 * stay where they are.
 *
 * Residency is a bitmap of each block of &nvsvm_perf.blocks, set and
 * cleared where the driver migrates advised pages, and cleared by the
 * notifier's unmaps and clears (an eviction, a zap), under
 * &nvsvm_perf.lock. It is a hint: a page moved before its range was
 * advised is not seen, and may only make a prefetch smaller. An unmap
 * also ends the thrashing state and the pins of its pages.
 * prefetch_enable=0 switches prefetch off.
 */

static bool prefetch_enable = true;
module_param(prefetch_enable, bool, 0644);
MODULE_PARM_DESC(prefetch_enable,
		 "A GPU fault in a range advised to VRAM also migrates the dense part of its 2 MiB block: see prefetch_threshold (default 1)");

static unsigned int prefetch_threshold = 51;
module_param(prefetch_threshold, uint, 0644);
MODULE_PARM_DESC(prefetch_threshold,
		 "Percentage of a subregion of a 2 MiB block, resident in VRAM or faulting, from which a GPU fault migrates it whole, 1 to 100 (default 51)");

static bool thrash_enable = true;
module_param(thrash_enable, bool, 0644);
MODULE_PARM_DESC(thrash_enable,
		 "Detect pages that thrash between the CPU and the GPU and mitigate: throttle, then pin, or hold an atomic grant; 0 switches it off (default 1)");

static unsigned int thrash_threshold = 3;
module_param(thrash_threshold, uint, 0644);
MODULE_PARM_DESC(thrash_threshold,
		 "Migrations or exclusive grants of a page within thrash_lapse_us that make it thrashing, 1 to 255 (default 3)");

static unsigned int thrash_lapse_us = 500;
module_param(thrash_lapse_us, uint, 0644);
MODULE_PARM_DESC(thrash_lapse_us,
		 "Window of the thrashing events of a page, in microseconds (default 500)");

static unsigned int thrash_throttle_us = 500;
module_param(thrash_throttle_us, uint, 0644);
MODULE_PARM_DESC(thrash_throttle_us,
		 "Delay of a GPU fault that would migrate a thrashing page, and hold time of an atomic grant of one, in microseconds, at most 1 s (default 500)");

static unsigned int thrash_pin_threshold = 10;
module_param(thrash_pin_threshold, uint, 0644);
MODULE_PARM_DESC(thrash_pin_threshold,
		 "Throttles of a thrashing page after which it is pinned where it is, 1 to 255 (default 10)");

static unsigned int thrash_pin_ms = 150;
module_param(thrash_pin_ms, uint, 0644);
MODULE_PARM_DESC(thrash_pin_ms,
		 "How long a pinned page stays where it is, in milliseconds (default 150)");

#define NVSVM_PERF_BLOCK_SHIFT	21
#define NVSVM_PERF_BLOCK_PAGES	(SZ_2M >> PAGE_SHIFT)

/* Ops of the nvsvm_thrash trace event. */
enum {
	NVSVM_PERF_TRACE_DETECT,
	NVSVM_PERF_TRACE_THROTTLE,
	NVSVM_PERF_TRACE_PIN,
};

/* Flags of a page. */
#define NVSVM_PERF_THRASHING	BIT(0)
#define NVSVM_PERF_PINNED	BIT(1)

/*
 * The state of one page: @events since @first_ns; @until_ns, the end of a
 * pin or of an atomic grant's hold.
 */
struct nvsvm_perf_page {
	u64 first_ns;
	u64 until_ns;
	u8 events;
	u8 throttles;
	u8 flags;
};

/* @resident: the pages known to be in VRAM (DOC: Density prefetch). */
struct nvsvm_perf_block {
	struct nvsvm_perf_page page[NVSVM_PERF_BLOCK_PAGES];
	DECLARE_BITMAP(resident, NVSVM_PERF_BLOCK_PAGES);
};

/**
 * nvsvm_perf_init() - Set up the placement-policy state of an SVMM.
 * @perf: The state, in the SVMM.
 *
 * Context: Any context.
 */
void nvsvm_perf_init(struct nvsvm_perf *perf)
{
	spin_lock_init(&perf->lock);
	xa_init(&perf->blocks);
}

/**
 * nvsvm_perf_fini() - Free the placement-policy state of an SVMM.
 * @perf: The state; nothing may use it any more.
 *
 * Context: Process context.
 */
void nvsvm_perf_fini(struct nvsvm_perf *perf)
{
	struct nvsvm_perf_block *block;
	unsigned long index;

	xa_for_each(&perf->blocks, index, block)
		kvfree(block);
	xa_destroy(&perf->blocks);
}

static u64 nvsvm_perf_throttle_ns(void)
{
	return (u64)min(READ_ONCE(thrash_throttle_us), USEC_PER_SEC) *
	       NSEC_PER_USEC;
}

/* The block of @va, allocated if @create and it has none. */
static struct nvsvm_perf_block *nvsvm_perf_block(struct nvsvm_svmm *svmm,
						 u64 va, bool create)
{
	unsigned long index = va >> NVSVM_PERF_BLOCK_SHIFT;
	struct nvsvm_perf *perf = &svmm->perf;
	struct nvsvm_perf_block *block, *old;

	block = xa_load(&perf->blocks, index);
	if (block || !create)
		return block;

	lockdep_assert_not_held(&svmm->mutex);
	block = kvzalloc(sizeof(*block), GFP_KERNEL);
	if (!block)
		return NULL;
	old = xa_cmpxchg(&perf->blocks, index, NULL, block, GFP_KERNEL);
	if (!old)
		return block;
	kvfree(block);
	return xa_is_err(old) ? NULL : old;
}

static struct nvsvm_perf_page *nvsvm_perf_page(struct nvsvm_perf_block *block,
					       u64 va)
{
	return &block->page[(va >> PAGE_SHIFT) % NVSVM_PERF_BLOCK_PAGES];
}

/* End a pin whose lapse is over: the page starts afresh. */
static void nvsvm_perf_unpin(struct nvsvm_perf *perf,
			     struct nvsvm_perf_page *p, u64 now)
{
	lockdep_assert_held(&perf->lock);

	if ((p->flags & NVSVM_PERF_PINNED) && now >= p->until_ns) {
		p->flags = 0;
		p->events = 0;
		p->throttles = 0;
	}
}

/*
 * Count an event of a page at @now. Returns true if the page just became
 * thrashing. A window that ends with fewer events than the threshold ends
 * the thrashing, and its throttles.
 */
static bool nvsvm_perf_event(struct nvsvm_perf *perf,
			     struct nvsvm_perf_page *p, u64 now)
{
	unsigned int threshold = clamp(READ_ONCE(thrash_threshold), 1u, 255u);
	u64 lapse = (u64)READ_ONCE(thrash_lapse_us) * NSEC_PER_USEC;

	lockdep_assert_held(&perf->lock);

	nvsvm_perf_unpin(perf, p, now);
	if (!p->events || now - p->first_ns > lapse) {
		if (p->events < threshold) {
			p->flags &= ~NVSVM_PERF_THRASHING;
			p->throttles = 0;
		}
		p->events = 0;
		p->first_ns = now;
	}
	if (p->events < U8_MAX)
		p->events++;
	if (p->events < threshold || (p->flags & NVSVM_PERF_THRASHING))
		return false;
	p->flags |= NVSVM_PERF_THRASHING;
	return true;
}

/* Does advice put any of [@start, @end) in VRAM? */
static bool nvsvm_perf_advised(struct nvsvm_svmm *svmm, u64 start, u64 end)
{
	bool advised = false;
	unsigned int i;

	spin_lock(&svmm->advice_lock);
	for (i = 0; i < svmm->nadvice && !advised; i++)
		advised = svmm->advice[i].start < end &&
			  svmm->advice[i].end > start;
	spin_unlock(&svmm->advice_lock);
	return advised;
}

/**
 * nvsvm_perf_migrated() - Count migrations of pages, for thrashing.
 * @svmm: An SVMM that mirrors the pages.
 * @start: Address of the first page.
 * @npages: Number of pages, all of which moved.
 * @to_vram: Their direction.
 *
 * Only pages of ranges advised to VRAM count: see DOC: Thrashing. Their
 * residency is noted for DOC: Density prefetch.
 *
 * Context: Process context, with the mmap lock held for reading and the
 * svmm lock not held; may allocate.
 */
void nvsvm_perf_migrated(struct nvsvm_svmm *svmm, u64 start,
			 unsigned long npages, bool to_vram)
{
	struct nvsvm_perf *perf = &svmm->perf;
	struct nvsvm_device *ndev = svmm->ndev;
	u64 va, end = start + ((u64)npages << PAGE_SHIFT), now;
	bool thrash = READ_ONCE(thrash_enable);
	u64 detected = 0;

	if (!npages || !nvsvm_perf_advised(svmm, start, end))
		return;

	for (va = start; va < end;) {
		u64 next = min(ALIGN_DOWN(va, SZ_2M) + SZ_2M, end);
		struct nvsvm_perf_block *block;

		block = nvsvm_perf_block(svmm, va, true);
		if (!block)
			return;
		now = ktime_get_ns();
		spin_lock(&perf->lock);
		for (; va < next; va += PAGE_SIZE) {
			unsigned long bit = (va >> PAGE_SHIFT) %
					    NVSVM_PERF_BLOCK_PAGES;

			if (to_vram)
				__set_bit(bit, block->resident);
			else
				__clear_bit(bit, block->resident);
			if (!thrash ||
			    !nvsvm_perf_event(perf, nvsvm_perf_page(block, va),
					      now))
				continue;
			detected++;
			trace_nvsvm_thrash(ndev->index, NVSVM_PERF_TRACE_DETECT,
					   va, 0);
		}
		spin_unlock(&perf->lock);
	}
	nvsvm_stat_add(ndev, &svmm->stats, NVSVM_STAT_THRASH_DETECTIONS,
		       detected);
}

/*
 * Throttle a GPU fault that would migrate thrashing pages: sleep
 * thrash_throttle_us if a page of [@start, @end) is thrashing and not
 * pinned, and pin the pages throttled often enough (DOC: Thrashing).
 */
static void nvsvm_perf_throttle(struct nvsvm_svmm *svmm, u64 start, u64 end)
{
	struct nvsvm_perf *perf = &svmm->perf;
	struct nvsvm_device *ndev = svmm->ndev;
	unsigned int pin_threshold;
	u64 va, now, pins = 0, delay;
	bool throttle = false;

	lockdep_assert_not_held(&svmm->mutex);
	if (!READ_ONCE(thrash_enable))
		return;

	pin_threshold = clamp(READ_ONCE(thrash_pin_threshold), 1u, 255u);
	for (va = start; va < end;) {
		u64 next = min(ALIGN_DOWN(va, SZ_2M) + SZ_2M, end);
		struct nvsvm_perf_block *block;

		block = nvsvm_perf_block(svmm, va, false);
		if (!block) {
			va = next;
			continue;
		}
		now = ktime_get_ns();
		spin_lock(&perf->lock);
		for (; va < next; va += PAGE_SIZE) {
			struct nvsvm_perf_page *p = nvsvm_perf_page(block, va);

			nvsvm_perf_unpin(perf, p, now);
			if ((p->flags & (NVSVM_PERF_THRASHING |
					 NVSVM_PERF_PINNED)) !=
			    NVSVM_PERF_THRASHING)
				continue;
			if (++p->throttles < pin_threshold) {
				throttle = true;
				continue;
			}
			p->flags |= NVSVM_PERF_PINNED;
			p->until_ns = now + (u64)READ_ONCE(thrash_pin_ms) *
					    NSEC_PER_MSEC;
			pins++;
			trace_nvsvm_thrash(ndev->index, NVSVM_PERF_TRACE_PIN,
					   va, 0);
		}
		spin_unlock(&perf->lock);
	}
	nvsvm_stat_add(ndev, &svmm->stats, NVSVM_STAT_PINS, pins);
	if (!throttle)
		return;

	delay = nvsvm_perf_throttle_ns();
	fsleep(div_u64(delay, NSEC_PER_USEC));
	nvsvm_stat_add(ndev, &svmm->stats, NVSVM_STAT_THROTTLES, 1);
	trace_nvsvm_thrash(ndev->index, NVSVM_PERF_TRACE_THROTTLE, start,
			   delay);
}

/* Is the page at @va pinned, at @now? */
static bool nvsvm_perf_page_pinned(struct nvsvm_svmm *svmm, u64 va, u64 now)
{
	struct nvsvm_perf *perf = &svmm->perf;
	struct nvsvm_perf_block *block;
	struct nvsvm_perf_page *p;
	bool pinned;

	block = nvsvm_perf_block(svmm, va, false);
	if (!block)
		return false;
	spin_lock(&perf->lock);
	p = nvsvm_perf_page(block, va);
	nvsvm_perf_unpin(perf, p, now);
	pinned = p->flags & NVSVM_PERF_PINNED;
	spin_unlock(&perf->lock);
	return pinned;
}

/*
 * Is the page at @va pinned where it is? *@run_end is the end of the run
 * of pages from @va, up to @end, that are pinned, or not, like it.
 */
static bool nvsvm_perf_pinned(struct nvsvm_svmm *svmm, u64 va, u64 end,
			      u64 *run_end)
{
	u64 now = ktime_get_ns();
	bool pinned;

	*run_end = end;
	if (!READ_ONCE(thrash_enable))
		return false;

	pinned = nvsvm_perf_page_pinned(svmm, va, now);
	for (va += PAGE_SIZE; va < end; va += PAGE_SIZE) {
		if (nvsvm_perf_page_pinned(svmm, va, now) != pinned) {
			*run_end = va;
			break;
		}
	}
	return pinned;
}

/**
 * nvsvm_perf_migrating() - Count the pages of a migration step, for thrashing.
 * @svmm: An SVMM that mirrors the pages.
 * @start: Address of the first page.
 * @dst: migrate_vma destination entries: a page migrates if it has one.
 * @npages: Number of entries.
 * @to_vram: The direction of the step.
 *
 * Context: As nvsvm_perf_migrated().
 */
void nvsvm_perf_migrating(struct nvsvm_svmm *svmm, u64 start,
			  const unsigned long *dst, unsigned long npages,
			  bool to_vram)
{
	unsigned long i, j;

	for (i = 0; i < npages; i = j) {
		for (; i < npages && !dst[i]; i++)
			;
		for (j = i; j < npages && dst[j]; j++)
			;
		if (i < j)
			nvsvm_perf_migrated(svmm, start + ((u64)i << PAGE_SHIFT),
					    j - i, to_vram);
	}
}

/**
 * nvsvm_perf_invalidate() - Forget what an invalidation makes stale.
 * @svmm: The SVMM.
 * @start: Start of the invalidated range.
 * @end: Its end.
 * @unmap: The range is unmapped (munmap): its pages are gone, and the
 *	pages mapped there next start afresh.
 *
 * Residency (DOC: Density prefetch) is cleared either way: a zap or an
 * eviction may take the pages out of VRAM without a migration of this
 * SVMM. With @unmap, thrashing state and pins go too.
 *
 * Context: The notifier, blockable or not: takes &nvsvm_perf.lock only.
 */
void nvsvm_perf_invalidate(struct nvsvm_svmm *svmm, u64 start, u64 end,
			   bool unmap)
{
	struct nvsvm_perf *perf = &svmm->perf;
	struct nvsvm_perf_block *block;
	unsigned long index, first, n;
	u64 bs, s, e;

	if (start >= end)
		return;
	spin_lock(&perf->lock);
	xa_for_each_range(&perf->blocks, index, block,
			  start >> NVSVM_PERF_BLOCK_SHIFT,
			  (end - 1) >> NVSVM_PERF_BLOCK_SHIFT) {
		bs = (u64)index << NVSVM_PERF_BLOCK_SHIFT;
		s = max(start, bs);
		e = min(end, bs + SZ_2M);
		first = (s - bs) >> PAGE_SHIFT;
		n = (e - s) >> PAGE_SHIFT;
		bitmap_clear(block->resident, first, n);
		if (unmap)
			memset(&block->page[first], 0, n * sizeof(*block->page));
	}
	spin_unlock(&perf->lock);
}

/**
 * nvsvm_perf_granted() - Count an exclusive grant of a page, for thrashing.
 * @svmm: The SVMM.
 * @va: Address of the page the GPU now holds for atomics.
 *
 * A thrashing page keeps the grant for thrash_throttle_us: see DOC:
 * Thrashing.
 *
 * Context: Process context, svmm lock not held; may allocate.
 */
void nvsvm_perf_granted(struct nvsvm_svmm *svmm, u64 va)
{
	struct nvsvm_perf *perf = &svmm->perf;
	struct nvsvm_perf_block *block;
	struct nvsvm_perf_page *p;
	bool detected;
	u64 now;

	if (!READ_ONCE(thrash_enable))
		return;
	block = nvsvm_perf_block(svmm, va, true);
	if (!block)
		return;
	now = ktime_get_ns();
	spin_lock(&perf->lock);
	p = nvsvm_perf_page(block, va);
	detected = nvsvm_perf_event(perf, p, now);
	if (p->flags & NVSVM_PERF_THRASHING)
		p->until_ns = now + nvsvm_perf_throttle_ns();
	spin_unlock(&perf->lock);
	if (!detected)
		return;
	nvsvm_stat_add(svmm->ndev, &svmm->stats, NVSVM_STAT_THRASH_DETECTIONS,
		       1);
	trace_nvsvm_thrash(svmm->ndev->index, NVSVM_PERF_TRACE_DETECT, va, 0);
}

/**
 * nvsvm_perf_revoking() - Hold an atomic grant that the CPU takes back.
 * @svmm: The SVMM.
 * @start: Start of the range of the revocation, page aligned.
 * @end: Its end.
 *
 * If a page of the range is thrashing and its grant is younger than
 * thrash_throttle_us, waits for the rest of that time: see DOC: Thrashing.
 *
 * Context: Process context: a blockable %MMU_NOTIFY_EXCLUSIVE invalidation
 * by another owner, with the page locked and the svmm lock not held; may
 * sleep.
 */
void nvsvm_perf_revoking(struct nvsvm_svmm *svmm, u64 start, u64 end)
{
	struct nvsvm_perf *perf = &svmm->perf;
	u64 va, now, until = 0, wait;

	lockdep_assert_not_held(&svmm->mutex);
	if (!READ_ONCE(thrash_enable))
		return;

	now = ktime_get_ns();
	/* A revocation is one page; a larger range is no grant to hold. */
	end = min(end, start + PAGE_SIZE);
	for (va = start; va < end; va += PAGE_SIZE) {
		struct nvsvm_perf_block *block;
		struct nvsvm_perf_page *p;

		block = nvsvm_perf_block(svmm, va, false);
		if (!block)
			continue;
		spin_lock(&perf->lock);
		p = nvsvm_perf_page(block, va);
		if (p->flags & NVSVM_PERF_THRASHING)
			until = max(until, p->until_ns);
		spin_unlock(&perf->lock);
	}
	if (until <= now)
		return;

	wait = min(until - now, nvsvm_perf_throttle_ns());
	fsleep(div_u64(wait, NSEC_PER_USEC));
	nvsvm_stat_add(svmm->ndev, &svmm->stats, NVSVM_STAT_THROTTLES, 1);
	trace_nvsvm_thrash(svmm->ndev->index, NVSVM_PERF_TRACE_THROTTLE, start,
			   wait);
}

/*
 * The subregion of the block of [@from, @to) to migrate for a GPU fault on
 * that window, in [*@start, *@end): DOC: Density prefetch. @lo and @hi
 * bound it: the advised range and the window's VMA.
 */
static void nvsvm_perf_prefetch(struct nvsvm_svmm *svmm, u64 from, u64 to,
				u64 lo, u64 hi, u64 *start, u64 *end)
{
	unsigned int threshold = clamp(READ_ONCE(prefetch_threshold), 1u, 100u);
	u64 block_va = ALIGN_DOWN(from, SZ_2M), size, s, va;
	struct nvsvm_perf *perf = &svmm->perf;
	struct nvsvm_perf_block *block;
	unsigned long dense;

	*start = from;
	*end = to;
	if (!READ_ONCE(prefetch_enable) || to > block_va + SZ_2M)
		return;
	block = nvsvm_perf_block(svmm, from, true);
	if (!block)
		return;

	spin_lock(&perf->lock);
	for (size = SZ_2M; size > to - from; size >>= 1) {
		s = ALIGN_DOWN(from, size);
		if (s + size < to)
			continue;
		for (dense = 0, va = s; va < s + size; va += PAGE_SIZE)
			if ((va >= from && va < to) ||
			    test_bit((va - block_va) >> PAGE_SHIFT,
				     block->resident))
				dense++;
		if (dense * 100 >= (u64)threshold * (size >> PAGE_SHIFT)) {
			*start = max(s, lo);
			*end = min(s + size, hi);
			break;
		}
	}
	spin_unlock(&perf->lock);
}

/*
 * The value of @advice at @va, 0 (the default) outside its ranges.
 * *@run_end is the end of the run of pages from @va, up to @end, that
 * have the same value.
 */
static u32 nvsvm_perf_advice_at(struct nvsvm_perf *perf,
				const struct nvsvm_perf_advice *advice, u64 va,
				u64 end, u64 *run_end)
{
	u32 value = 0;
	unsigned int i;

	lockdep_assert_held(&perf->lock);

	*run_end = end;
	for (i = 0; i < advice->n; i++) {
		if (advice->range[i].start <= va && advice->range[i].end > va) {
			value = advice->range[i].value;
			*run_end = min(end, advice->range[i].end);
			break;
		}
		if (advice->range[i].start > va)
			*run_end = min(*run_end, advice->range[i].start);
	}
	return value;
}

/*
 * Migrate the pages of [@start, @end) to VRAM but those pinned and those
 * accessed by this device, which stay where they are, with the
 * nvsvm_dmem_migrate() @flags of the fault.
 */
static u64 nvsvm_perf_migrate(struct nvsvm_svmm *svmm, u64 start, u64 end,
			      u32 flags)
{
	struct nvsvm_perf *perf = &svmm->perf;
	u64 migrated = 0, run_end, pin_end, va;
	bool accessed;

	for (; start < end; start = run_end) {
		spin_lock(&perf->lock);
		accessed = nvsvm_perf_advice_at(perf, &perf->accessed_by, start,
						end, &run_end);
		spin_unlock(&perf->lock);
		if (accessed)
			continue;
		for (va = start; va < run_end; va = pin_end)
			if (!nvsvm_perf_pinned(svmm, va, run_end, &pin_end))
				nvsvm_dmem_migrate(svmm, va, pin_end,
						   NVSVM_DMEM_TO_VRAM | flags,
						   &migrated);
	}
	return migrated;
}

/*
 * The bounds of a prefetch around [@from, @to): the advised range that
 * holds it, within the VMA of @from. False if there is none.
 */
static bool nvsvm_perf_bounds(struct nvsvm_svmm *svmm, u64 from, u64 to,
			      u64 *lo, u64 *hi)
{
	struct mm_struct *mm = svmm->mm;
	struct vm_area_struct *vma;
	unsigned int i;

	*lo = 0;
	*hi = 0;
	spin_lock(&svmm->advice_lock);
	for (i = 0; i < svmm->nadvice; i++) {
		if (svmm->advice[i].start <= from && svmm->advice[i].end >= to) {
			*lo = svmm->advice[i].start;
			*hi = svmm->advice[i].end;
			break;
		}
	}
	spin_unlock(&svmm->advice_lock);
	if (*lo >= *hi || !mmget_not_zero(mm))
		return false;
	mmap_read_lock(mm);
	vma = vma_lookup(mm, from);
	if (vma) {
		*lo = max_t(u64, *lo, vma->vm_start);
		*hi = min_t(u64, *hi, vma->vm_end);
	}
	mmap_read_unlock(mm);
	mmput(mm);
	return vma;
}

/* Pages known resident in [@start, @end) of one block, but [@from, @to). */
static unsigned long nvsvm_perf_resident(struct nvsvm_svmm *svmm, u64 start,
					 u64 end, u64 from, u64 to)
{
	u64 block_va = ALIGN_DOWN(start, SZ_2M), va;
	struct nvsvm_perf *perf = &svmm->perf;
	struct nvsvm_perf_block *block;
	unsigned long n = 0;

	block = nvsvm_perf_block(svmm, start, false);
	if (!block)
		return 0;
	spin_lock(&perf->lock);
	for (va = start; va < end; va += PAGE_SIZE)
		if ((va < from || va >= to) &&
		    test_bit((va - block_va) >> PAGE_SHIFT, block->resident))
			n++;
	spin_unlock(&perf->lock);
	return n;
}

/**
 * nvsvm_perf_place() - Migrate to VRAM for a GPU fault, by the policy.
 * @svmm: The SVMM.
 * @from: Start of the part of a fault window advised to VRAM.
 * @to: Its end.
 * @flags: nvsvm_dmem_migrate() flags of the fault: %NVSVM_DMEM_BLOCKING
 *	or 0.
 *
 * Throttles a fault on thrashing pages, leaves pinned pages and those
 * accessed by this device where they are (DOC: Thrashing, DOC: Advice),
 * and migrates the window with what DOC: Density prefetch adds around it,
 * in one migration.
 *
 * Context: Process context, svmm lock and mmap lock not held; may sleep.
 */
void nvsvm_perf_place(struct nvsvm_svmm *svmm, u64 from, u64 to, u32 flags)
{
	u64 lo, hi, start = from, end = to;
	unsigned long before, after;

	lockdep_assert_not_held(&svmm->mutex);

	nvsvm_perf_throttle(svmm, from, to);
	if (READ_ONCE(prefetch_enable) &&
	    nvsvm_perf_bounds(svmm, from, to, &lo, &hi))
		nvsvm_perf_prefetch(svmm, from, to, lo, hi, &start, &end);
	if (start == from && end == to) {
		nvsvm_perf_migrate(svmm, from, to, flags);
		return;
	}

	before = nvsvm_perf_resident(svmm, start, end, from, to);
	nvsvm_perf_migrate(svmm, start, end, flags);
	after = nvsvm_perf_resident(svmm, start, end, from, to);
	if (after > before)
		nvsvm_stat_add(svmm->ndev, &svmm->stats, NVSVM_STAT_PREFETCHED,
			       after - before);
}

/**
 * DOC: Advice
 *
 * Besides the preferred location (&nvsvm_svmm.advice), ADVISE sets two
 * attributes that the placement policy keeps, in &nvsvm_perf.accessed_by
 * and &nvsvm_perf.atomic, under &nvsvm_perf.lock:
 *
 * - accessed by this device: GPU faults map the pages where they are and
 *   never migrate them, even in a range that prefers VRAM;
 * - the atomic policy: %DRM_NVSVM_ATOMIC_GRANT (the default) takes system
 *   pages exclusive for device atomics (DOC: Atomics in nvsvm_svm.c),
 *   %DRM_NVSVM_ATOMIC_VRAM migrates the page of an atomic fault to VRAM,
 *   where atomics are native, and falls back to a grant when it cannot
 *   move, %DRM_NVSVM_ATOMIC_NONE fails the job of an atomic fault with
 *   -EFAULT. Pages in VRAM take atomics without faulting whatever the
 *   policy.
 *
 * Each attribute keeps ranges that do not overlap: an advice replaces, in
 * full, every range of its attribute that it overlaps, and an advice of
 * the default value only does that.
 */

/**
 * nvsvm_perf_advise() - Set accessed-by or the atomic policy of a range.
 * @svmm: The SVMM.
 * @start: Start of the range.
 * @end: End of the range.
 * @attr: %DRM_NVSVM_ADVISE_ACCESSED_BY or %DRM_NVSVM_ADVISE_ATOMIC.
 * @value: The attribute's value, checked by the caller.
 *
 * See DOC: Advice.
 *
 * Context: Any context but under &nvsvm_perf.lock.
 * Return: 0, or -ENOSPC with %NVSVM_PERF_MAX_ADVICE ranges of @attr
 * already, none of which the range overlaps; nothing changes then.
 */
int nvsvm_perf_advise(struct nvsvm_svmm *svmm, u64 start, u64 end, u32 attr,
		      u32 value)
{
	struct nvsvm_perf *perf = &svmm->perf;
	struct nvsvm_perf_advice *advice;
	unsigned int i, overlaps = 0;
	int ret = 0;

	advice = attr == DRM_NVSVM_ADVISE_ACCESSED_BY ? &perf->accessed_by :
							  &perf->atomic;
	spin_lock(&perf->lock);
	for (i = 0; i < advice->n; i++)
		if (advice->range[i].start < end && advice->range[i].end > start)
			overlaps++;
	if (value && advice->n - overlaps == NVSVM_PERF_MAX_ADVICE) {
		ret = -ENOSPC;
		goto out;
	}
	for (i = 0; i < advice->n;) {
		if (advice->range[i].start < end && advice->range[i].end > start)
			advice->range[i] = advice->range[--advice->n];
		else
			i++;
	}
	if (value) {
		advice->range[advice->n].start = start;
		advice->range[advice->n].end = end;
		advice->range[advice->n].value = value;
		advice->n++;
	}
out:
	spin_unlock(&perf->lock);
	return ret;
}

/**
 * nvsvm_perf_atomic_policy() - The atomic policy of a page.
 * @svmm: The SVMM.
 * @va: Address of the page.
 *
 * Context: Any context but under &nvsvm_perf.lock.
 * Return: A %DRM_NVSVM_ATOMIC_* value: see DOC: Advice.
 */
u32 nvsvm_perf_atomic_policy(struct nvsvm_svmm *svmm, u64 va)
{
	struct nvsvm_perf *perf = &svmm->perf;
	u64 run_end;
	u32 policy;

	spin_lock(&perf->lock);
	policy = nvsvm_perf_advice_at(perf, &perf->atomic, va, va + PAGE_SIZE,
				      &run_end);
	spin_unlock(&perf->lock);
	return policy;
}
