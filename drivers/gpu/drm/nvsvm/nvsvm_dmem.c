// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <kunit/visibility.h>
#include <linux/delay.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/kref.h>
#include <linux/memremap.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include <drm/drm_debugfs.h>

#include "nvsvm_dmem.h"
#include "nvsvm_drv.h"
#include "nvsvm_hw.h"
#include "nvsvm_svm.h"
#include "nvsvm_trace.h"
#include "nvsvm_vmm.h"
#include "nvsvm_vram.h"

/**
 * DOC: Overview
 *
 * VRAM that holds process pages is device-private memory: chunks of
 * 2 MiB of VRAM, each registered with memremap_pages() as
 * %MEMORY_DEVICE_PRIVATE over a free physical range, with the GPU as the
 * pgmap owner. A chunk is registered when the first page of it is needed,
 * as long as VRAM has room beyond a reserve for page tables (an eighth of
 * VRAM, 1 MiB at least), and stays until the GPU goes away, or until page
 * tables need its VRAM back (nvsvm_dmem_make_room()).
 *
 * An allocated page's zone_device_data points at a &struct nvsvm_dmem_zdd,
 * a refcounted object that stands for one migration's allocation and holds
 * nothing of the process or file that asked for it. A CPU fault on the
 * page (migrate_to_ram) therefore works the same once the file that
 * migrated it is closed: nothing it reaches can have been freed.
 */

/**
 * DOC: Migration
 *
 * Both directions follow the same sequence, one 2 MiB-aligned step of a
 * VMA at a time:
 *
 * 1. migrate_vma_setup() with this GPU as pgmap owner. The %MMU_NOTIFY_MIGRATE
 *    invalidation it triggers is skipped by this GPU's notifiers and acted
 *    on by every other GPU's.
 * 2. Allocate destination pages. A page without room stays where it is.
 * 3. Invalidate the GPU mappings of exactly the pages that move, in every
 *    SVMM of this GPU that mirrors the address space: the duty the skipped
 *    notifier leaves to the driver. Pages that do not move keep theirs.
 * 4. Copy through the copy engine, contiguous runs coalesced into single
 *    copies, then migrate_vma_pages().
 * 5. To VRAM: write VRAM PTEs for the pages that moved, through the PFN-map
 *    writer, which skips the invalid entries of the others, and only if no
 *    invalidation but this GPU's own migrations ran since before step 1
 *    (MADV_DONTNEED can zap the migration entries of locked pages, even
 *    during migrate_vma_setup()). Then migrate_vma_finalize(). The destination
 *    pages stay locked until then, so a CPU fault cannot take them back
 *    before they are mapped.
 *
 * When no chunk has a free page and VRAM has no room for another chunk,
 * the least recently filled chunk is evicted with migrate_device_range():
 * its pages go back to system memory through the copy engine, and the
 * notifiers invalidate their GPU mappings (try_to_migrate() raises
 * %MMU_NOTIFY_CLEAR, which no GPU skips). Eviction never drops data: a
 * page it cannot give a system page to stays in VRAM. At unload, where a
 * page cannot stay, eviction waits for memory instead (nvsvm_dmem_fini()).
 */

/**
 * DOC: Migration workers
 *
 * The work of a migration is CPU work: migrate_vma_setup() unmaps the
 * CPU's PTEs, destinations are allocated and DMA-mapped, the copy engine
 * copies (on the submitting CPU when it is idle), migrate_vma_finalize()
 * maps the new pages. One thread doing it all leaves the other CPUs idle,
 * so nvsvm_dmem_migrate() splits a range into its 2 MiB blocks and has up
 * to migrate_workers work items on the GPU's unbound migration workqueue
 * take them, one block at a time, in address order, while the caller
 * sleeps. With one worker, the caller does it all itself.
 *
 * The caller does not take blocks beside the workers, though it could:
 * the migration unmaps the CPU's PTEs, and a CPU that runs the address
 * space must then take a TLB shootdown IPI from every other CPU's step.
 * A sleeping caller leaves its CPU to a worker, in lazy TLB mode, which
 * x86 spares the IPIs. Under TCG, where an IPI waits for the target vCPU's
 * thread, a caller working beside one worker made each step's page walk
 * five to ten times as long.
 *
 * Each worker has its own step arrays and takes the mmap lock for reading
 * per block, on its own; the caller holds no lock while it waits, and a
 * writer waiting for the lock only waits for the blocks in progress. The
 * workqueue has a rescuer (%WQ_MEM_RECLAIM), so a migration never waits
 * for memory to start a worker.
 *
 * Blocks are independent: a step holds its pages locked from the setup to
 * the finalize, so no other migration, of this GPU or another, can take
 * them in between (migrate_vma_setup() only trylocks), and the GPU
 * invalidation and mapping of each step cover its own pages only (see
 * nvsvm_svmm_map_pfns() for why the notifier sequence is not used). The
 * first error stops every worker at the end of its block; so does a fatal
 * signal to the caller, which then waits for the blocks in progress.
 */

/**
 * DOC: Peer migration
 *
 * A migration to VRAM takes the range's pages in other GPUs' VRAM too.
 * Where this GPU's copy engine reaches a peer's VRAM (nvsvm_hw_peer_connect(),
 * asked at each migration), a step selects the peer's device-private pages
 * (%MIGRATE_VMA_SELECT_DEVICE_PRIVATE, the peer as owner), allocates this
 * GPU's VRAM for them, invalidates the peer's GPU mappings of exactly the
 * pages that move (the peer's notifier skips its own pages' migrations,
 * see DOC: Migration owners in nvsvm_svm.c), copies VRAM to VRAM through
 * the peer aperture, and maps the new pages for this GPU: one copy, and no
 * page in system memory on the way. Where the copy engine does not reach
 * the peer, the pages bounce: the peer's own migration to system memory,
 * then this GPU's from it. The system pages of the step go last, as ever.
 * A GPU fault in a range that prefers VRAM takes the peers' pages directly
 * first (%NVSVM_DMEM_PEERS_ONLY): hmm_range_fault() would fault
 * them back to system memory for this GPU, which cannot map them.
 *
 * No livelock. Three rules, each of which the race of opposing migrations
 * (IGT peer-migrate-race) was seen to need:
 *
 * - Migrations of one 2 MiB block take turns: a migration holds the
 *   block's lock, one of its address space's, over its steps in the
 *   block, each from its setup to its finalize. Without it,
 *   two migrations that reach a block together take its pages
 *   (migrate_vma_setup() only trylocks them), and its large folio (each
 *   holds a reference that fails the other's split), from each other's
 *   hands: both return, having moved nothing, again and again.
 *   (debug_no_block_lock=1 shows it.) A step takes no other block's lock,
 *   and nothing it waits for takes one: CPU faults and evictions do not.
 * - A migration makes one pass over its range, and skips what it cannot
 *   take (a page a CPU fault holds); it never waits for a page while
 *   holding others, nor retries until the range is complete.
 * - GPU faults come first. A window that keeps losing its fault-in to
 *   migrations (fault_block_after times, in one fault or in faults again
 *   on it) blocks the migrations of its address space between blocks,
 *   through a migration rwsem (migrations hold it for reading per block;
 *   the fault, for writing, like Xe's), and then holds them off for a
 *   while (fault_holdoff_ms, doubled at each new fault on the window) so
 *   that the replayed access reaches its pages. Without it, two migrations
 *   in a loop keep invalidating the window between its mapping and the
 *   replay, and the GPU job never ends.
 *
 * CPU faults on a page in flight wait on its migration entry, for one
 * step.
 */

/**
 * DOC: Locking
 *
 * - &nvsvm_dmem.lock, a spinlock, protects the chunk list and the
 *   allocation bitmap of every chunk; page_free() takes it, in any context.
 * - &nvsvm_dmem.evict_mutex serialises chunk registration and eviction.
 *   It is taken with the mmap lock of the migrating process held, and it
 *   is never held while taking an mmap lock.
 * - The migration rwsem, then the mmap lock, then a block lock (DOC: Peer
 *   migration), both of the address space (&struct nvsvm_dmem_mm, one per
 *   address space, shared by every GPU's SVMMs of it): a migration holds
 *   the rwsem for reading and one block lock per block; a GPU fault that
 *   blocks migrations holds the rwsem for writing, with no mmap lock, and
 *   its own migrations then take no rwsem. Page locks (trylocked), the
 *   svmm locks and &nvsvm_dmem.evict_mutex nest inside a block lock. CPU
 *   faults and evictions take neither.
 * - nvsvm_dmem_mms_lock, a mutex, protects the table of those objects and
 *   their users; it is taken when an SVMM is created or released, with no
 *   other lock held, and nothing is taken under it.
 * - migrate_to_ram() takes no driver lock of its own but the svmm locks of
 *   the SVMMs whose GPU mappings it invalidates, in the order mmap lock >
 *   svmm lock that the svm layer documents.
 */

static unsigned int cpu_fault_window_kb = 2048;
module_param(cpu_fault_window_kb, uint, 0644);
MODULE_PARM_DESC(cpu_fault_window_kb,
		 "Pages a CPU fault on VRAM brings back, in KiB: a power of two from 4 (one page, like nouveau) to 2048 (default 2048)");

static unsigned int migrate_workers;
module_param(migrate_workers, uint, 0644);
MODULE_PARM_DESC(migrate_workers,
		 "Workers of one migration, each on its own 2 MiB blocks, on as many CPUs (default 0: one per online CPU; 1: the caller alone)");

static unsigned int debug_migrate_delay_ms;
module_param(debug_migrate_delay_ms, uint, 0600);
MODULE_PARM_DESC(debug_migrate_delay_ms,
		 "Debug: sleep this long in each step of a migration to VRAM, between migrate_vma_pages() and the GPU mapping, to widen the window of races with the CPU's page-table changes (default 0)");

static unsigned int debug_migrate_setup_delay_ms;
module_param(debug_migrate_setup_delay_ms, uint, 0600);
MODULE_PARM_DESC(debug_migrate_setup_delay_ms,
		 "Debug: sleep this long in each step of a migration to VRAM, right after migrate_vma_setup(), to widen the window of races with the CPU's page-table changes (default 0)");

static bool debug_no_block_lock;
module_param(debug_no_block_lock, bool, 0600);
MODULE_PARM_DESC(debug_no_block_lock,
		 "Debug: migrations of one 2 MiB block no longer take turns, to show what opposing migrations then do: take pages and large folios from each other's hands, and move nothing (default false)");

static unsigned int debug_page_free_delay_us;
module_param(debug_page_free_delay_us, uint, 0600);
MODULE_PARM_DESC(debug_page_free_delay_us,
		 "Debug: busy-wait this long in page_free() once the page is free, to widen the window of races with its reallocation (default 0)");

#define NVSVM_DMEM_CHUNK_SIZE	SZ_2M
#define NVSVM_DMEM_CHUNK_PAGES	(NVSVM_DMEM_CHUNK_SIZE >> PAGE_SHIFT)
#define NVSVM_DMEM_STEP		SZ_2M
#define NVSVM_DMEM_STEP_PAGES	(NVSVM_DMEM_STEP >> PAGE_SHIFT)
/* Copies per copy-engine batch: a page of descriptors. */
#define NVSVM_DMEM_COPY_BATCH	min_t(unsigned long, NVSVM_HW_COPY_MAX_BATCH, \
				      PAGE_SIZE / sizeof(struct nvsvm_hw_copy))

/**
 * struct nvsvm_dmem_chunk - 2 MiB of VRAM registered as device-private.
 * @pagemap: The device-private pagemap of the chunk.
 * @dmem: Where it belongs.
 * @res: The physical range the pages are named by.
 * @vram_base: VRAM offset of the chunk.
 * @used: Allocated pages; protected by &nvsvm_dmem.lock.
 * @nused: Number of bits set in @used.
 * @link: In &nvsvm_dmem.chunks.
 */
struct nvsvm_dmem_chunk {
	struct dev_pagemap pagemap;
	struct nvsvm_dmem *dmem;
	struct resource *res;
	u64 vram_base;
	DECLARE_BITMAP(used, NVSVM_DMEM_CHUNK_PAGES);
	unsigned int nused;
	struct list_head link;
};

/**
 * struct nvsvm_dmem_zdd - zone_device_data of an allocated VRAM page.
 * @ref: One reference per page of the allocation, plus the migrating
 *	step's until it is done.
 * @dmem: The VRAM the pages are in.
 *
 * It stands for the VRAM of one migration step. It deliberately holds no
 * pointer to a process, file or SVMM, whose lifetimes are unrelated to the
 * pages'.
 */
struct nvsvm_dmem_zdd {
	struct kref ref;
	struct nvsvm_dmem *dmem;
};

static struct nvsvm_dmem_chunk *to_chunk(struct page *page)
{
	return container_of(page->pgmap, struct nvsvm_dmem_chunk, pagemap);
}

static struct nvsvm_dmem *to_dmem(struct nvsvm_device *ndev)
{
	return &ndev->dmem;
}

/**
 * nvsvm_dmem_page_is_ours() - Tell whether a page is this GPU's VRAM.
 * @ndev: The GPU.
 * @page: Any page.
 *
 * Return: True for a device-private page of @ndev.
 */
bool nvsvm_dmem_page_is_ours(struct nvsvm_device *ndev, struct page *page)
{
	return is_device_private_page(page) && page->pgmap->owner == ndev;
}

/**
 * nvsvm_dmem_page_offset() - VRAM offset of a device-private page.
 * @page: A page for which nvsvm_dmem_page_is_ours() is true.
 *
 * Return: The page's VRAM offset.
 */
u64 nvsvm_dmem_page_offset(struct page *page)
{
	struct nvsvm_dmem_chunk *chunk = to_chunk(page);
	unsigned long first = PHYS_PFN(chunk->pagemap.range.start);

	return chunk->vram_base + ((u64)(page_to_pfn(page) - first) << PAGE_SHIFT);
}

static void nvsvm_dmem_zdd_release(struct kref *ref)
{
	kfree(container_of(ref, struct nvsvm_dmem_zdd, ref));
}

static void nvsvm_dmem_page_free(struct page *page)
{
	struct nvsvm_dmem_zdd *zdd = page->zone_device_data;
	struct nvsvm_dmem_chunk *chunk = to_chunk(page);
	struct nvsvm_dmem *dmem = chunk->dmem;
	unsigned long first = PHYS_PFN(chunk->pagemap.range.start);

	/*
	 * Clear the page's data before it is marked free: from then on
	 * nvsvm_dmem_alloc() may hand it out again and set its own.
	 */
	page->zone_device_data = NULL;
	spin_lock(&dmem->lock);
	__clear_bit(page_to_pfn(page) - first, chunk->used);
	chunk->nused--;
	spin_unlock(&dmem->lock);
	if (nvsvm_debug(dmem->ndev) && READ_ONCE(debug_page_free_delay_us))
		udelay(READ_ONCE(debug_page_free_delay_us));

	nvsvm_stat_add(dmem->ndev, NULL, NVSVM_STAT_VRAM_IN_USE, -PAGE_SIZE);
	kref_put(&zdd->ref, nvsvm_dmem_zdd_release);
}

static vm_fault_t nvsvm_dmem_migrate_to_ram(struct vm_fault *vmf);

static const struct dev_pagemap_ops nvsvm_dmem_pagemap_ops = {
	.page_free	= nvsvm_dmem_page_free,
	.migrate_to_ram	= nvsvm_dmem_migrate_to_ram,
};

/*
 * VRAM that chunks never take: every SVMM's page tables come from it once
 * chunks hold the rest, so that a process that fills VRAM with its pages
 * cannot keep another from SVM_INIT, or from mapping its faults.
 */
static u64 nvsvm_dmem_reserve(struct nvsvm_device *ndev)
{
	return max_t(u64, ndev->vram_size / 8, SZ_1M);
}

/* Register one more chunk, if VRAM has room beyond the reserve. */
static int nvsvm_dmem_chunk_add(struct nvsvm_dmem *dmem)
{
	struct nvsvm_device *ndev = dmem->ndev;
	struct nvsvm_dmem_chunk *chunk;
	void *ptr;
	int ret;

	lockdep_assert_held(&dmem->evict_mutex);

	if (nvsvm_vram_used(ndev->vram) + NVSVM_DMEM_CHUNK_SIZE +
	    nvsvm_dmem_reserve(ndev) > ndev->vram_size)
		return -ENOSPC;

	chunk = kzalloc(sizeof(*chunk), GFP_KERNEL);
	if (!chunk)
		return -ENOMEM;
	chunk->dmem = dmem;

	ret = nvsvm_vram_alloc(ndev->vram, NVSVM_DMEM_CHUNK_SIZE,
			       &chunk->vram_base);
	if (ret)
		goto err_free;

	chunk->res = request_free_mem_region(&iomem_resource,
					     NVSVM_DMEM_CHUNK_SIZE, "nvsvm");
	if (IS_ERR(chunk->res)) {
		ret = PTR_ERR(chunk->res);
		goto err_free_vram;
	}

	chunk->pagemap.type = MEMORY_DEVICE_PRIVATE;
	chunk->pagemap.range.start = chunk->res->start;
	chunk->pagemap.range.end = chunk->res->end;
	chunk->pagemap.nr_range = 1;
	chunk->pagemap.ops = &nvsvm_dmem_pagemap_ops;
	chunk->pagemap.owner = ndev;
	ptr = memremap_pages(&chunk->pagemap, numa_node_id());
	if (IS_ERR(ptr)) {
		ret = PTR_ERR(ptr);
		goto err_release_region;
	}

	spin_lock(&dmem->lock);
	list_add(&chunk->link, &dmem->chunks);
	dmem->nchunks++;
	spin_unlock(&dmem->lock);
	return 0;

err_release_region:
	release_mem_region(chunk->res->start, resource_size(chunk->res));
err_free_vram:
	nvsvm_vram_free(ndev->vram, chunk->vram_base, NVSVM_DMEM_CHUNK_SIZE);
err_free:
	kfree(chunk);
	return ret;
}

/*
 * Take a free page. A migration step asks for the page at @slot of a chunk,
 * its address's offset in its 2 MiB, in *@step, the chunk of its first
 * page: a step that gets every page it asks for is contiguous in VRAM and
 * aligned as its addresses are, so the GPU maps it with 64 KiB and 2 MiB
 * pages. The first page of a step goes to an empty chunk if there is one.
 */
static struct page *nvsvm_dmem_alloc_locked(struct nvsvm_dmem *dmem,
					    unsigned long slot,
					    struct nvsvm_dmem_chunk **step)
{
	struct nvsvm_dmem_chunk *chunk, *some = NULL;
	unsigned long index = slot;

	lockdep_assert_held(&dmem->lock);

	chunk = *step;
	if (chunk && !test_bit(slot, chunk->used))
		goto take;
	list_for_each_entry(chunk, &dmem->chunks, link) {
		if (!chunk->nused && !*step) {
			*step = chunk;
			goto take;
		}
		if (!some && chunk->nused < NVSVM_DMEM_CHUNK_PAGES)
			some = chunk;
	}
	/* No room where the step wanted it: any free page. */
	chunk = some;
	if (!chunk)
		return NULL;
	if (test_bit(slot, chunk->used))
		index = find_first_zero_bit(chunk->used, NVSVM_DMEM_CHUNK_PAGES);

take:
	__set_bit(index, chunk->used);
	chunk->nused++;
	/* Most recently filled last: eviction takes the first. */
	list_move_tail(&chunk->link, &dmem->chunks);
	return pfn_to_page(PHYS_PFN(chunk->pagemap.range.start) + index);
}

/* Copy a page, in the run of the last copy if it continues it. */
static void nvsvm_dmem_copy_add(struct nvsvm_hw_copy *copies,
				unsigned int *count,
				const struct nvsvm_hw_copy *page)
{
	struct nvsvm_hw_copy *last = *count ? &copies[*count - 1] : NULL;

	if (last && last->src + last->len == page->src &&
	    last->dst + last->len == page->dst &&
	    last->src_aperture == page->src_aperture &&
	    last->dst_aperture == page->dst_aperture &&
	    last->src_peer == page->src_peer &&
	    last->dst_peer == page->dst_peer &&
	    last->len + PAGE_SIZE <= NVSVM_HW_COPY_MAX_LEN) {
		last->len += PAGE_SIZE;
		return;
	}
	copies[(*count)++] = *page;
}

/*
 * The copy-engine address of @page: its VRAM offset, the offset in the
 * VRAM of the peer at index @peer for a page of another GPU (a migration
 * from a peer gives it, see DOC: Peer migration), or the DMA address of a
 * system page, mapped for the copy in direction @dir.
 */
static int nvsvm_dmem_addr(struct nvsvm_dmem *dmem, struct page *page,
			   enum dma_data_direction dir, int peer, u64 *addr,
			   u16 *aperture, u16 *peer_index)
{
	struct device *dev = dmem->ndev->hw->dev;
	dma_addr_t dma;

	*peer_index = 0;
	if (is_device_private_page(page)) {
		*addr = nvsvm_dmem_page_offset(page);
		*aperture = NVSVM_HW_APERTURE_VRAM;
		if (nvsvm_dmem_page_is_ours(dmem->ndev, page))
			return 0;
		if (WARN_ON_ONCE(peer < 0))
			return -EINVAL;
		*aperture = NVSVM_HW_APERTURE_PEER;
		*peer_index = peer;
		return 0;
	}
	dma = dma_map_page(dev, page, 0, PAGE_SIZE, dir);
	if (dma_mapping_error(dev, dma))
		return -ENOMEM;
	nvsvm_stat_add(dmem->ndev, NULL, NVSVM_STAT_DMA_MAPS, 1);
	*aperture = NVSVM_HW_APERTURE_SYS_COHERENT;
	*addr = dma;
	return 0;
}

/* Unmap @len bytes of system pages that nvsvm_dmem_addr() mapped at @addr. */
static void nvsvm_dmem_addr_put(struct nvsvm_dmem *dmem, u64 addr, u16 aperture,
				u64 len, enum dma_data_direction dir)
{
	u64 off;

	if (aperture != NVSVM_HW_APERTURE_SYS_COHERENT)
		return;
	/* One mapping per page: a run is one copy only where they abut. */
	for (off = 0; off < len; off += PAGE_SIZE)
		dma_unmap_page(dmem->ndev->hw->dev, addr + off, PAGE_SIZE, dir);
	nvsvm_stat_add(dmem->ndev, NULL, NVSVM_STAT_DMA_UNMAPS, len >> PAGE_SHIFT);
}

/* Give back the DMA mappings of copies that are done, or were never run. */
static void nvsvm_dmem_copies_put(struct nvsvm_dmem *dmem,
				  const struct nvsvm_hw_copy *copies,
				  unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		nvsvm_dmem_addr_put(dmem, copies[i].src, copies[i].src_aperture,
				    copies[i].len, DMA_TO_DEVICE);
		nvsvm_dmem_addr_put(dmem, copies[i].dst, copies[i].dst_aperture,
				    copies[i].len, DMA_FROM_DEVICE);
	}
}

/*
 * Run a batch of copies, wait for it, and unmap its system pages. The time
 * until then went to DMA mapping; the engine's goes to @phase->copy, the
 * unmapping's to @phase->dma (see nvsvm_trace_lap()).
 */
static int nvsvm_dmem_copies_run(struct nvsvm_dmem *dmem,
				 const struct nvsvm_hw_copy *copies,
				 unsigned int count,
				 struct nvsvm_trace_migrate_ns *phase, u64 *t)
{
	struct dma_fence *fence;
	int ret;

	nvsvm_trace_lap(t, &phase->dma);
	fence = nvsvm_hw_ce_copy(dmem->ndev->hw, copies, count);
	if (IS_ERR(fence)) {
		ret = PTR_ERR(fence);
	} else {
		dma_fence_wait(fence, false);
		ret = fence->error;
		dma_fence_put(fence);
	}
	nvsvm_trace_lap(t, &phase->copy);
	/* The engine is done with the pages: the CPU may have them back. */
	nvsvm_dmem_copies_put(dmem, copies, count);
	nvsvm_trace_lap(t, &phase->dma);
	return ret;
}

/* Give up on every destination page: the sources stay where they are. */
static void nvsvm_dmem_abort(unsigned long *dst, unsigned long npages)
{
	unsigned long i;

	for (i = 0; i < npages; i++) {
		struct page *dpage = migrate_pfn_to_page(dst[i]);

		if (!dpage)
			continue;
		unlock_page(dpage);
		put_page(dpage);
		dst[i] = 0;
	}
}

/*
 * Copy every page with a destination: src[i] to dst[i], migrate-pfn
 * encoded. Sources in another GPU's VRAM are read through the peer
 * aperture at index @peer. Contiguous runs become one copy each. If
 * anything fails, every destination is given up, so that no page moves
 * with partial data or none: a caller always goes on to migrate_*_pages()
 * with what is left. @gfp is for the copy descriptors: a page of them at
 * most, so that they never need vmalloc(), whose page tables __GFP_NOFAIL
 * does not cover.
 */
static int nvsvm_dmem_copy(struct nvsvm_dmem *dmem, const unsigned long *src,
			   unsigned long *dst, unsigned long npages, int peer,
			   gfp_t gfp, struct nvsvm_trace_migrate_ns *phase,
			   u64 *t)
{
	struct nvsvm_hw_copy *copies;
	unsigned int count = 0;
	unsigned long i;
	int ret = 0;

	copies = kmalloc_array(min_t(unsigned long, npages,
				     NVSVM_DMEM_COPY_BATCH),
			       sizeof(*copies), gfp);
	if (!copies) {
		nvsvm_dmem_abort(dst, npages);
		return -ENOMEM;
	}

	for (i = 0; i <= npages; i++) {
		struct nvsvm_hw_copy c = { .len = PAGE_SIZE };
		struct page *spage, *dpage;

		if (i == npages || count == NVSVM_DMEM_COPY_BATCH) {
			if (count)
				ret = nvsvm_dmem_copies_run(dmem, copies, count,
							    phase, t);
			count = 0;
			if (ret || i == npages)
				break;
		}
		dpage = migrate_pfn_to_page(dst[i]);
		spage = migrate_pfn_to_page(src[i]);
		if (!dpage || !spage)
			continue;
		ret = nvsvm_dmem_addr(dmem, spage, DMA_TO_DEVICE, peer, &c.src,
				      &c.src_aperture, &c.src_peer);
		if (ret)
			break;
		ret = nvsvm_dmem_addr(dmem, dpage, DMA_FROM_DEVICE, peer, &c.dst,
				      &c.dst_aperture, &c.dst_peer);
		if (ret) {
			nvsvm_dmem_addr_put(dmem, c.src, c.src_aperture,
					    PAGE_SIZE, DMA_TO_DEVICE);
			break;
		}
		nvsvm_dmem_copy_add(copies, &count, &c);
	}
	/* A page that could not be mapped: the batch so far never ran. */
	nvsvm_dmem_copies_put(dmem, copies, count);

	kfree(copies);
	if (ret)
		nvsvm_dmem_abort(dst, npages);
	return ret;
}

/* Pages that moved: a destination, and still MIGRATE after *_pages(). */
static unsigned long nvsvm_dmem_count(const unsigned long *src,
				      const unsigned long *dst,
				      unsigned long npages)
{
	unsigned long i, n = 0;

	for (i = 0; i < npages; i++)
		n += dst[i] && (src[i] & MIGRATE_PFN_MIGRATE);
	return n;
}

static int nvsvm_dmem_evict_chunk(struct nvsvm_dmem *dmem,
				  struct nvsvm_dmem_chunk *chunk, gfp_t gfp);

/*
 * Allocate a VRAM page for the page at user address @va of a migration
 * step, evicting if VRAM is full; see nvsvm_dmem_alloc_locked() for @step.
 */
static struct page *nvsvm_dmem_alloc(struct nvsvm_dmem *dmem,
				     struct nvsvm_dmem_zdd *zdd, u64 va,
				     struct nvsvm_dmem_chunk **step)
{
	unsigned long slot = (va >> PAGE_SHIFT) % NVSVM_DMEM_CHUNK_PAGES;
	struct nvsvm_dmem_chunk *victim;
	struct page *page;

	for (;;) {
		spin_lock(&dmem->lock);
		page = nvsvm_dmem_alloc_locked(dmem, slot, step);
		spin_unlock(&dmem->lock);
		if (page)
			break;

		mutex_lock(&dmem->evict_mutex);
		if (nvsvm_dmem_chunk_add(dmem)) {
			spin_lock(&dmem->lock);
			victim = list_first_entry_or_null(&dmem->chunks,
							  struct nvsvm_dmem_chunk,
							  link);
			spin_unlock(&dmem->lock);
			if (!victim ||
			    nvsvm_dmem_evict_chunk(dmem, victim, GFP_KERNEL) <= 0) {
				mutex_unlock(&dmem->evict_mutex);
				return NULL;
			}
		}
		mutex_unlock(&dmem->evict_mutex);
	}

	kref_get(&zdd->ref);
	page->zone_device_data = zdd;
	zone_device_page_init(page);
	nvsvm_stat_add(dmem->ndev, NULL, NVSVM_STAT_VRAM_IN_USE, PAGE_SIZE);
	return page;
}

/*
 * Evict what a chunk holds to system memory. Returns the number of pages
 * evicted, or a negative errno. The GPU mappings of the pages go through
 * the notifiers: try_to_migrate() raises MMU_NOTIFY_CLEAR. With @gfp
 * GFP_KERNEL, a page that gets no system page stays in VRAM; with
 * __GFP_NOFAIL too, every allocation waits until it succeeds.
 */
static int nvsvm_dmem_evict_chunk(struct nvsvm_dmem *dmem,
				  struct nvsvm_dmem_chunk *chunk, gfp_t gfp)
{
	u64 t0 = nvsvm_trace_start(nvsvm_evict), untimed = 0;
	struct nvsvm_trace_migrate_ns phase = { 0 };
	gfp_t dgfp = GFP_HIGHUSER_MOVABLE |
		     (gfp & __GFP_NOFAIL ? __GFP_NOFAIL : __GFP_NOWARN);
	unsigned long npages = NVSVM_DMEM_CHUNK_PAGES, i, moved;
	unsigned long *src, *dst;
	int ret;

	lockdep_assert_held(&dmem->evict_mutex);

	src = kvcalloc(npages, sizeof(*src), gfp);
	dst = kvcalloc(npages, sizeof(*dst), gfp);
	if (!src || !dst) {
		ret = -ENOMEM;
		goto out_free;
	}

	ret = migrate_device_range(src, PHYS_PFN(chunk->pagemap.range.start),
				   npages);
	if (ret)
		goto out_free;

	for (i = 0; i < npages; i++) {
		struct page *dpage;

		if (!(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		dpage = alloc_page(dgfp);
		if (!dpage)
			continue;	/* stays in VRAM; nothing is lost */
		lock_page(dpage);
		dst[i] = migrate_pfn(page_to_pfn(dpage));
	}

	ret = nvsvm_dmem_copy(dmem, src, dst, npages, -1, gfp, &phase,
			      &untimed);
	migrate_device_pages(src, dst, npages);
	moved = nvsvm_dmem_count(src, dst, npages);
	migrate_device_finalize(src, dst, npages);
	if (!ret) {
		nvsvm_stat_add(dmem->ndev, NULL, NVSVM_STAT_EVICTIONS, moved);
		nvsvm_stat_add(dmem->ndev, NULL, NVSVM_STAT_MIGRATED_TO_SYS,
			       moved);
		trace_nvsvm_evict(dmem->ndev->index, moved, t0);
		ret = moved;
	}
out_free:
	kvfree(src);
	kvfree(dst);
	return ret;
}

/*
 * One step of a migration to VRAM, within one VMA and one 2 MiB block: of
 * the system pages, or with @from, of the pages in the VRAM of that peer
 * GPU, which the copy engine reads through the peer aperture at index
 * @peer (DOC: Peer migration). Called with the mmap lock held for reading.
 */
static int nvsvm_dmem_step_to_vram(struct nvsvm_svmm *svmm,
				   struct nvsvm_device *from, int peer,
				   struct vm_area_struct *vma, u64 start,
				   u64 end, unsigned long *src,
				   unsigned long *dst, u64 *pfns,
				   u64 *migrated)
{
	u64 t0 = nvsvm_trace_start(nvsvm_migrate), t = t0;
	struct nvsvm_trace_migrate_ns phase = { 0 };
	struct nvsvm_device *ndev = svmm->ndev;
	struct nvsvm_dmem *dmem = to_dmem(ndev);
	struct migrate_vma args = {
		.vma = vma,
		.start = start,
		.end = end,
		.src = src,
		.dst = dst,
		/* See DOC: Migration owners in nvsvm_svm.c. */
		.pgmap_owner = from ?: nvsvm_svm_sys_owner(ndev),
		.flags = from ? MIGRATE_VMA_SELECT_DEVICE_PRIVATE :
				MIGRATE_VMA_SELECT_SYSTEM,
	};
	unsigned long i, npages = (end - start) >> PAGE_SHIFT, moved;
	struct nvsvm_dmem_chunk *step = NULL;
	u64 invalidations;
	struct nvsvm_dmem_zdd *zdd;
	int ret;

	zdd = kzalloc(sizeof(*zdd), GFP_KERNEL);
	if (!zdd)
		return -ENOMEM;
	kref_init(&zdd->ref);
	zdd->dmem = dmem;

	memset(dst, 0, npages * sizeof(*dst));
	/*
	 * The CPU page table entries of the pages are migration entries from
	 * the setup on, but MADV_DONTNEED can still zap them: see
	 * nvsvm_svmm_map_pfns().
	 */
	invalidations = nvsvm_svmm_invalidations(svmm);
	ret = migrate_vma_setup(&args);
	if (ret)
		goto out_put;
	if (nvsvm_debug(ndev) && READ_ONCE(debug_migrate_setup_delay_ms))
		msleep(READ_ONCE(debug_migrate_setup_delay_ms));

	for (i = 0; i < args.npages; i++) {
		struct page *spage = migrate_pfn_to_page(src[i]), *dpage;

		/*
		 * Unpopulated pages stay so: no VRAM for zeroes. Only anonymous
		 * pages can move to device-private memory; migrate_vma_pages()
		 * would refuse the others, so give them no VRAM.
		 */
		if (!(src[i] & MIGRATE_PFN_MIGRATE) || !spage || !PageAnon(spage))
			continue;
		dpage = nvsvm_dmem_alloc(dmem, zdd, start + (i << PAGE_SHIFT),
					 &step);
		if (!dpage)
			break;	/* best effort: the rest stays in system memory */
		dst[i] = migrate_pfn(page_to_pfn(dpage));
	}

	nvsvm_trace_lap(&t, &phase.setup);

	/*
	 * Pages from a peer's VRAM are mapped by that GPU alone, and its
	 * notifier skipped this migration of its pages.
	 */
	nvsvm_svm_migrating(from ?: ndev, vma->vm_mm, start, dst, args.npages,
			    true);
	nvsvm_trace_lap(&t, &phase.unmap);

	ret = nvsvm_dmem_copy(dmem, src, dst, args.npages, peer, GFP_KERNEL,
			      &phase, &t);

	migrate_vma_pages(&args);
	nvsvm_trace_lap(&t, &phase.pages);
	if (nvsvm_debug(ndev) && READ_ONCE(debug_migrate_delay_ms))
		msleep(READ_ONCE(debug_migrate_delay_ms));

	for (i = 0, moved = 0; i < args.npages; i++) {
		struct page *dpage = migrate_pfn_to_page(dst[i]);

		pfns[i] = 0;
		if (!dpage || !(src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		pfns[i] = nvsvm_vmm_pfn_vram(nvsvm_dmem_page_offset(dpage),
					     (src[i] & MIGRATE_PFN_WRITE ?
					      NVSVM_VMM_PFN_WRITE : 0) |
					     NVSVM_VMM_PFN_ATOMIC);
		moved++;
	}
	/* Pages that did not move keep their PTEs: their entries are invalid. */
	if (moved)
		nvsvm_svmm_map_pfns(svmm, start, args.npages, pfns,
				    invalidations);
	nvsvm_trace_lap(&t, &phase.map);

	migrate_vma_finalize(&args);
	nvsvm_trace_lap(&t, &phase.finalize);
	*migrated += moved;
	nvsvm_stat_add(ndev, &svmm->stats, NVSVM_STAT_MIGRATED_TO_VRAM, moved);
	if (from)
		nvsvm_stat_add(ndev, &svmm->stats, NVSVM_STAT_PEER_MIGRATED,
			       moved);
	trace_nvsvm_migrate(ndev->index, true, start, end, moved,
			    args.npages - moved, &phase, t0);
out_put:
	kref_put(&zdd->ref, nvsvm_dmem_zdd_release);
	return ret;
}

/*
 * Bring the VRAM pages of [start, end) of @vma back to system memory. The
 * callers count what moved in STATS migrated_to_sys. Called with the mmap
 * lock held for reading.
 */
static int nvsvm_dmem_step_to_sys(struct nvsvm_device *ndev,
				  struct vm_area_struct *vma, u64 start,
				  u64 end, struct page *fault_page,
				  unsigned long *src, unsigned long *dst,
				  u64 *migrated)
{
	struct migrate_vma args = {
		.vma = vma,
		.start = start,
		.end = end,
		.src = src,
		.dst = dst,
		.pgmap_owner = ndev,
		.flags = MIGRATE_VMA_SELECT_DEVICE_PRIVATE,
		.fault_page = fault_page,
	};
	u64 t0 = nvsvm_trace_start(nvsvm_migrate), t = t0;
	struct nvsvm_trace_migrate_ns phase = { 0 };
	unsigned long i, moved;
	bool fault_oom = false;
	int ret;

	memset(dst, 0, ((end - start) >> PAGE_SHIFT) * sizeof(*dst));
	ret = migrate_vma_setup(&args);
	if (ret)
		return ret;

	for (i = 0; i < args.npages; i++) {
		struct page *dpage;

		if (!(src[i] & MIGRATE_PFN_MIGRATE) || !migrate_pfn_to_page(src[i]))
			continue;
		dpage = alloc_page_vma(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, vma,
				       start + (i << PAGE_SHIFT));
		/*
		 * Without a page for the faulting page itself the fault would
		 * only come back: fail it as out of memory.
		 */
		if (!dpage && migrate_pfn_to_page(src[i]) == fault_page)
			fault_oom = true;
		if (!dpage)
			continue;
		lock_page(dpage);
		dst[i] = migrate_pfn(page_to_pfn(dpage));
	}

	nvsvm_trace_lap(&t, &phase.setup);

	nvsvm_svm_migrating(ndev, vma->vm_mm, start, dst, args.npages, false);
	nvsvm_trace_lap(&t, &phase.unmap);

	ret = nvsvm_dmem_copy(to_dmem(ndev), src, dst, args.npages, -1,
			      GFP_KERNEL, &phase, &t);

	migrate_vma_pages(&args);
	nvsvm_trace_lap(&t, &phase.pages);
	moved = nvsvm_dmem_count(src, dst, args.npages);
	migrate_vma_finalize(&args);
	nvsvm_trace_lap(&t, &phase.finalize);
	*migrated += moved;
	trace_nvsvm_migrate(ndev->index, false, start, end, moved,
			    args.npages - moved, &phase, t0);
	return ret ?: fault_oom ? -ENOMEM : 0;
}

static vm_fault_t nvsvm_dmem_migrate_to_ram(struct vm_fault *vmf)
{
	u64 t0 = nvsvm_trace_start(nvsvm_cpu_fault);
	struct nvsvm_dmem_chunk *chunk = to_chunk(vmf->page);
	struct nvsvm_device *ndev = chunk->dmem->ndev;
	struct vm_area_struct *vma = vmf->vma;
	unsigned int kb = clamp(READ_ONCE(cpu_fault_window_kb), 4u, 2048u);
	u64 window = (u64)rounddown_pow_of_two(kb) * SZ_1K;
	u64 start = max_t(u64, ALIGN_DOWN(vmf->address, window), vma->vm_start);
	u64 end = min_t(u64, ALIGN_DOWN(vmf->address, window) + window,
			vma->vm_end);
	unsigned long npages = (end - start) >> PAGE_SHIFT;
	unsigned long *src, *dst;
	u64 migrated = 0;
	vm_fault_t ret = 0;

	src = kvcalloc(npages, sizeof(*src), GFP_KERNEL);
	dst = kvcalloc(npages, sizeof(*dst), GFP_KERNEL);
	if (!src || !dst) {
		ret = VM_FAULT_OOM;
		goto out_free;
	}

	switch (nvsvm_dmem_step_to_sys(ndev, vma, start, end, vmf->page, src,
				       dst, &migrated)) {
	case 0:
		break;
	case -ENOMEM:
		/* Nothing was lost: the pages stay in VRAM until memory frees up. */
		ret = VM_FAULT_OOM;
		break;
	default:
		ret = VM_FAULT_SIGBUS;
		break;
	}
	nvsvm_stat_add(ndev, NULL, NVSVM_STAT_CPU_FAULTS, 1);
	nvsvm_stat_add(ndev, NULL, NVSVM_STAT_MIGRATED_TO_SYS, migrated);
	trace_nvsvm_cpu_fault(ndev->index, vmf->address, migrated, t0);
out_free:
	kvfree(src);
	kvfree(dst);
	return ret;
}

/* Refuse a whole range if any of it is memory no device may touch. */
static int nvsvm_dmem_check_range(struct mm_struct *mm, u64 start, u64 end)
{
	struct vm_area_struct *vma;
	int ret;

	for (vma = find_vma(mm, start); vma && vma->vm_start < end;
	     vma = find_vma(mm, vma->vm_end)) {
		ret = nvsvm_svm_vma_check(vma);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Whether migrate_vma can move any page of @vma: it refuses the first
 * three itself, and a shared mapping holds no anonymous page. Asked before
 * any VRAM is allocated, or evicted, for the VMA.
 */
static bool nvsvm_dmem_vma_migratable(struct vm_area_struct *vma)
{
	return !is_vm_hugetlb_page(vma) && !vma_is_dax(vma) &&
	       !(vma->vm_flags & (VM_SPECIAL | VM_SHARED));
}

/* The address spaces that have an SVMM on any GPU. */
static DEFINE_MUTEX(nvsvm_dmem_mms_lock);
static DEFINE_HASHTABLE(nvsvm_dmem_mms, 6);

/**
 * nvsvm_dmem_mm_get() - Find or make the migration state of an address space.
 * @mm: The address space; the caller holds a mmgrab() reference until
 *	nvsvm_dmem_mm_put().
 *
 * Every GPU's SVMM of @mm gets the same object: migrations of @mm by any
 * GPU take turns through it, and those of other address spaces never wait
 * for it.
 *
 * Context: Process context; takes nvsvm_dmem_mms_lock.
 * Return: The state, or ERR_PTR(-ENOMEM).
 */
struct nvsvm_dmem_mm *nvsvm_dmem_mm_get(struct mm_struct *mm)
{
	struct nvsvm_dmem_mm *dmm;
	unsigned int i;

	mutex_lock(&nvsvm_dmem_mms_lock);
	hash_for_each_possible(nvsvm_dmem_mms, dmm, node, (unsigned long)mm) {
		if (dmm->mm == mm) {
			dmm->users++;
			goto out;
		}
	}
	dmm = kzalloc(sizeof(*dmm), GFP_KERNEL);
	if (!dmm) {
		dmm = ERR_PTR(-ENOMEM);
		goto out;
	}
	dmm->mm = mm;
	dmm->users = 1;
	init_rwsem(&dmm->gate);
	dmm->holdoff_until = jiffies;
	for (i = 0; i < ARRAY_SIZE(dmm->block_locks); i++)
		mutex_init(&dmm->block_locks[i]);
	hash_add(nvsvm_dmem_mms, &dmm->node, (unsigned long)mm);
out:
	mutex_unlock(&nvsvm_dmem_mms_lock);
	return dmm;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_dmem_mm_get);

/**
 * nvsvm_dmem_mm_put() - Drop an SVMM's use of its address space's state.
 * @dmm: From nvsvm_dmem_mm_get(); no migration of that SVMM runs.
 *
 * Context: Process context; takes nvsvm_dmem_mms_lock.
 */
void nvsvm_dmem_mm_put(struct nvsvm_dmem_mm *dmm)
{
	unsigned int i;
	bool last;

	mutex_lock(&nvsvm_dmem_mms_lock);
	last = !--dmm->users;
	if (last)
		hash_del(&dmm->node);
	mutex_unlock(&nvsvm_dmem_mms_lock);
	if (!last)
		return;
	for (i = 0; i < ARRAY_SIZE(dmm->block_locks); i++)
		mutex_destroy(&dmm->block_locks[i]);
	kfree(dmm);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_dmem_mm_put);

static struct mutex *nvsvm_dmem_block_lock(struct nvsvm_dmem_mm *dmm,
					   u64 addr)
{
	return &dmm->block_locks[hash_long(addr / NVSVM_DMEM_STEP,
					   NVSVM_DMEM_BLOCK_LOCK_BITS)];
}

/**
 * struct nvsvm_dmem_migration - A migration of a range, shared by its workers.
 * @svmm: The SVMM whose address space migrates.
 * @start: Start of the range.
 * @end: End of the range.
 * @to_vram: The direction.
 * @peers_only: To VRAM, only the pages in peers' VRAM that can come
 *	directly (a GPU fault's, before HMM takes them to system memory).
 * @blocking: The caller holds nvsvm_dmem_migrations_block(): the workers
 *	must not take the migration rwsem.
 * @peers: To VRAM, per GPU index, the peer index through which this GPU's
 *	copy engine reads that GPU's VRAM; a negative errno if it cannot, and
 *	the pages bounce through system memory; %NVSVM_DMEM_NO_PEER where
 *	there is nothing to take (no GPU, this one, or no VRAM in use).
 * @next: The next 2 MiB block that no worker has taken yet.
 * @moved: Pages moved so far, by every worker.
 * @ret: The first error of any worker; the others stop at it.
 * @running: Workers that have not finished (the caller, when alone).
 * @done: Completed when the last of them finishes.
 */
struct nvsvm_dmem_migration {
	struct nvsvm_svmm *svmm;
	u64 start;
	u64 end;
	bool to_vram;
	bool peers_only;
	bool blocking;
	int peers[NVSVM_MAX_DEVICES];
	atomic64_t next;
	atomic64_t moved;
	atomic_t ret;
	atomic_t running;
	struct completion done;
};

/**
 * struct nvsvm_dmem_migration_work - A worker of a migration.
 * @work: Runs nvsvm_dmem_migration_run() on a CPU of the unbound pool.
 * @mig: The migration.
 */
struct nvsvm_dmem_migration_work {
	struct work_struct work;
	struct nvsvm_dmem_migration *mig;
};

/* &nvsvm_dmem_migration.peers: nothing to take from that GPU. */
#define NVSVM_DMEM_NO_PEER	(-ENODEV)

/*
 * Bring the pages of [start, end) of @vma into VRAM: first those in the
 * VRAM of other GPUs, directly or by way of system memory (DOC: Peer
 * migration), then the system pages, those included. Called with the mmap
 * lock held for reading.
 */
static int nvsvm_dmem_step_in(struct nvsvm_dmem_migration *mig,
			      struct vm_area_struct *vma, u64 start, u64 end,
			      unsigned long *src, unsigned long *dst,
			      u64 *pfns, u64 *moved)
{
	struct nvsvm_svmm *svmm = mig->svmm;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(mig->peers); i++) {
		struct nvsvm_device *peer = nvsvm_device_lookup(i);
		u64 bounced = 0;

		if (mig->peers[i] == NVSVM_DMEM_NO_PEER || !peer)
			continue;
		if (mig->peers[i] >= 0) {
			ret = nvsvm_dmem_step_to_vram(svmm, peer, mig->peers[i],
						      vma, start, end, src,
						      dst, pfns, moved);
		} else {
			/* The peer's own migration, on its own copy engine. */
			ret = nvsvm_dmem_step_to_sys(peer, vma, start, end,
						     NULL, src, dst, &bounced);
			nvsvm_stat_add(peer, NULL, NVSVM_STAT_MIGRATED_TO_SYS,
				       bounced);
			nvsvm_stat_add(svmm->ndev, &svmm->stats,
				       NVSVM_STAT_PEER_BOUNCED, bounced);
		}
		if (ret)
			return ret;
	}
	if (mig->peers_only)
		return 0;
	return nvsvm_dmem_step_to_vram(svmm, NULL, -1, vma, start, end, src,
				       dst, pfns, moved);
}

/*
 * Migrate the part of one 2 MiB block in [addr, end), a step per VMA in
 * it. Called with the mmap lock held for reading.
 */
static int nvsvm_dmem_migrate_block(struct nvsvm_dmem_migration *mig,
				    u64 addr, u64 end, unsigned long *src,
				    unsigned long *dst, u64 *pfns)
{
	struct mutex *lock = nvsvm_dmem_block_lock(mig->svmm->dmm, addr);
	struct nvsvm_svmm *svmm = mig->svmm;
	/* Read once: the parameter may change before the unlock. */
	bool turns = !(nvsvm_debug(svmm->ndev) && READ_ONCE(debug_no_block_lock));
	struct vm_area_struct *vma;
	u64 moved = 0, next;
	int ret = 0;

	mmap_assert_locked(svmm->mm);
	/* Migrations of one block take turns: DOC: Peer migration. */
	if (turns)
		mutex_lock(lock);

	for (; addr < end && !ret; addr = next) {
		vma = find_vma(svmm->mm, addr);
		if (!vma || vma->vm_start >= end)
			break;
		addr = max_t(u64, addr, vma->vm_start);
		next = min_t(u64, vma->vm_end, end);
		/* The VMA may have changed while the lock was let go. */
		ret = nvsvm_svm_vma_check(vma);
		if (!ret && nvsvm_dmem_vma_migratable(vma))
			ret = mig->to_vram ?
			      nvsvm_dmem_step_in(mig, vma, addr, next, src,
						 dst, pfns, &moved) :
			      nvsvm_dmem_step_to_sys(svmm->ndev, vma, addr,
						     next, NULL, src, dst,
						     &moved);
		/* A VMA migrate_vma cannot handle just does not move. */
		if (ret == -EINVAL)
			ret = 0;
	}
	if (turns)
		mutex_unlock(lock);
	atomic64_add(moved, &mig->moved);
	return ret;
}

/**
 * nvsvm_dmem_migrations_block() - Stop the migrations of an address space.
 * @svmm: An SVMM of the address space.
 *
 * Waits for the blocks in progress of the address space's migrations, by
 * every GPU; until nvsvm_dmem_migrations_unblock(), no other block starts.
 * For a GPU fault that has lost the race with migrations too often: it then
 * gets one fault-in with no migration moving its pages, or its notifier
 * sequence. CPU faults on VRAM pages and evictions go on, and so do other
 * address spaces' migrations. The caller's own migrations pass
 * %NVSVM_DMEM_BLOCKING.
 *
 * Context: Process context, no mmap lock held; sleeps.
 */
void nvsvm_dmem_migrations_block(struct nvsvm_svmm *svmm)
{
	down_write(&svmm->dmm->gate);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_dmem_migrations_block);

/**
 * nvsvm_dmem_migrations_unblock() - Let migrations go on, after a while.
 * @svmm: The SVMM of nvsvm_dmem_migrations_block().
 * @holdoff_ms: How long they wait still, before their next block.
 *
 * The GPU fault that blocked migrations has mapped its pages, but the
 * access that faulted only replays after its batch: it needs them mapped
 * until then.
 *
 * Context: Process context, after nvsvm_dmem_migrations_block().
 */
void nvsvm_dmem_migrations_unblock(struct nvsvm_svmm *svmm,
				   unsigned int holdoff_ms)
{
	struct nvsvm_dmem_mm *dmm = svmm->dmm;

	lockdep_assert_held_write(&dmm->gate);
	WRITE_ONCE(dmm->holdoff_until, jiffies + msecs_to_jiffies(holdoff_ms));
	up_write(&dmm->gate);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_dmem_migrations_unblock);

/*
 * Pass the gate before a block: its rwsem, then the end of a hold-off. The
 * caller's wait is killable; a worker stops waiting when the migration
 * stops (its caller killed, or another worker's error).
 */
static int nvsvm_dmem_migration_lock(struct nvsvm_dmem_migration *mig,
				     bool caller)
{
	struct nvsvm_dmem_mm *dmm = mig->svmm->dmm;
	unsigned long slice = msecs_to_jiffies(10) + 1;
	long left;

	if (mig->blocking)
		return 0;
	for (;;) {
		if (!caller)
			down_read(&dmm->gate);
		else if (down_read_killable(&dmm->gate))
			return -EINTR;
		/* Read once: jiffies may pass it between two reads. */
		left = (long)(READ_ONCE(dmm->holdoff_until) - jiffies);
		if (left <= 0)
			return 0;
		up_read(&dmm->gate);
		if (caller) {
			if (schedule_timeout_killable(left) &&
			    fatal_signal_pending(current))
				return -EINTR;
		} else {
			schedule_timeout_uninterruptible(min_t(long, left,
							       slice));
			if (atomic_read(&mig->ret))
				return -EINTR;
		}
	}
}

static void nvsvm_dmem_migration_unlock(struct nvsvm_dmem_migration *mig)
{
	if (!mig->blocking)
		up_read(&mig->svmm->dmm->gate);
}

/*
 * Take 2 MiB blocks of the migration and migrate them, until none is left
 * or the migration stopped (an error, or the caller was killed). The mmap
 * lock is taken for each block, and let go between blocks. The @caller,
 * when it works alone, can be killed itself.
 */
static void nvsvm_dmem_migration_run(struct nvsvm_dmem_migration *mig,
				     bool caller)
{
	struct nvsvm_dmem *dmem = to_dmem(mig->svmm->ndev);
	struct mm_struct *mm = mig->svmm->mm;
	unsigned long *src, *dst;
	u64 block, *pfns;
	int ret = 0;

	src = kvcalloc(NVSVM_DMEM_STEP_PAGES, sizeof(*src), GFP_KERNEL);
	dst = kvcalloc(NVSVM_DMEM_STEP_PAGES, sizeof(*dst), GFP_KERNEL);
	pfns = kvcalloc(NVSVM_DMEM_STEP_PAGES, sizeof(*pfns), GFP_KERNEL);
	if (!src || !dst || !pfns) {
		ret = -ENOMEM;
		goto out;
	}

	while (!atomic_read(&mig->ret)) {
		block = atomic64_fetch_add(NVSVM_DMEM_STEP, &mig->next);
		if (block >= mig->end)
			break;
		if (caller) {
			if (fatal_signal_pending(current) ||
			    nvsvm_dmem_migration_lock(mig, true)) {
				ret = -EINTR;
				break;
			}
			if (mmap_read_lock_killable(mm)) {
				nvsvm_dmem_migration_unlock(mig);
				ret = -EINTR;
				break;
			}
		} else {
			if (nvsvm_dmem_migration_lock(mig, false))
				break;
			mmap_read_lock(mm);
		}
		ret = nvsvm_dmem_migrate_block(mig, max(block, mig->start),
					       min(block + NVSVM_DMEM_STEP,
						   mig->end),
					       src, dst, pfns);
		mmap_read_unlock(mm);
		nvsvm_dmem_migration_unlock(mig);
		atomic64_inc(&dmem->blocks);
		if (!caller)
			atomic64_inc(&dmem->worker_blocks);
		if (ret)
			break;
	}
out:
	if (ret)
		atomic_cmpxchg(&mig->ret, 0, ret);
	kvfree(src);
	kvfree(dst);
	kvfree(pfns);
	if (atomic_dec_and_test(&mig->running))
		complete(&mig->done);
}

static void nvsvm_dmem_migration_work(struct work_struct *work)
{
	struct nvsvm_dmem_migration_work *w =
		container_of(work, struct nvsvm_dmem_migration_work, work);

	nvsvm_dmem_migration_run(w->mig, false);
}

/* How many workers a migration of @blocks blocks gets. */
static unsigned int nvsvm_dmem_migration_workers(u64 blocks)
{
	unsigned int n = READ_ONCE(migrate_workers) ?: num_online_cpus();

	return clamp_t(u64, blocks, 1, n);
}

/*
 * Whose VRAM a migration to this GPU takes pages from, and how: see
 * &nvsvm_dmem_migration.peers. The connection is asked for at every
 * migration: it costs a mutex, and a GPU that loses its peer path (with
 * the emulated GPU, peer_access=0) bounces from the next migration on.
 */
static void nvsvm_dmem_migration_peers(struct nvsvm_dmem_migration *mig)
{
	struct nvsvm_device *ndev = mig->svmm->ndev, *peer;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(mig->peers); i++) {
		peer = nvsvm_device_lookup(i);
		mig->peers[i] = NVSVM_DMEM_NO_PEER;
		if (!mig->to_vram || !peer || peer == ndev ||
		    !nvsvm_stat_read(peer, &peer->svm.stats,
				     NVSVM_STAT_VRAM_IN_USE))
			continue;
		mig->peers[i] = nvsvm_hw_peer_connect(ndev->hw, peer->hw);
		/* A GPU fault leaves the bounce to HMM. */
		if (mig->peers[i] < 0 && mig->peers_only)
			mig->peers[i] = NVSVM_DMEM_NO_PEER;
	}
}

/**
 * nvsvm_dmem_migrate() - Migrate a range of an SVMM's address space.
 * @svmm: The SVMM; its GPU is the VRAM side.
 * @start: Start of the range, page aligned.
 * @end: End of the range, page aligned.
 * @flags: %NVSVM_DMEM_TO_VRAM, or to system memory; with it,
 *	%NVSVM_DMEM_PEERS_ONLY to take only the pages in the VRAM of peers
 *	that this GPU reaches directly (a GPU fault asks for that before it
 *	faults a range in: HMM would take them to system memory first).
 *	%NVSVM_DMEM_BLOCKING: the caller holds nvsvm_dmem_migrations_block().
 * @migrated: Incremented by the number of pages moved.
 *
 * To VRAM, pages in other GPUs' VRAM move too, directly where this GPU
 * reaches their VRAM, by way of system memory where it does not (DOC: Peer
 * migration). Pages that cannot move stay where they are; that is not an
 * error. The range is refused as a whole if any of it is memory no device
 * may touch (DOC: VMA policy in nvsvm_svm.c). The range goes in blocks of
 * 2 MiB to the workers of DOC: Migration workers. The mmap lock is let go
 * between blocks, and a fatal signal ends the migration there, once the
 * blocks in progress are done.
 *
 * Context: Process context; takes the SVMM's mmap lock for reading, and,
 * unless %NVSVM_DMEM_BLOCKING, the migration rwsem for reading.
 * Return: 0; -ESRCH when the address space is gone; -EFAULT for memory no
 * device may touch; -EINTR on a fatal signal; -ENOMEM.
 */
int nvsvm_dmem_migrate(struct nvsvm_svmm *svmm, u64 start, u64 end,
		       unsigned int flags, u64 *migrated)
{
	struct nvsvm_dmem_migration mig = {
		.svmm = svmm,
		.start = start,
		.end = end,
		.to_vram = flags & NVSVM_DMEM_TO_VRAM,
		.peers_only = flags & NVSVM_DMEM_PEERS_ONLY,
		.blocking = flags & NVSVM_DMEM_BLOCKING,
		.next = ATOMIC64_INIT(ALIGN_DOWN(start, NVSVM_DMEM_STEP)),
		.moved = ATOMIC64_INIT(0),
		.ret = ATOMIC_INIT(0),
	};
	struct nvsvm_dmem_migration_work *works = NULL;
	struct mm_struct *mm = svmm->mm;
	unsigned int i, n;
	u64 moved;
	int ret;

	if (start >= end)
		return 0;
	nvsvm_dmem_migration_peers(&mig);
	if (mig.peers_only) {
		for (i = 0; i < ARRAY_SIZE(mig.peers); i++)
			if (mig.peers[i] != NVSVM_DMEM_NO_PEER)
				break;
		if (i == ARRAY_SIZE(mig.peers))
			return 0;
	}
	if (!mmget_not_zero(mm))
		return -ESRCH;

	if (mmap_read_lock_killable(mm)) {
		ret = -EINTR;
		goto out_put;
	}
	ret = nvsvm_dmem_check_range(mm, start, end);
	mmap_read_unlock(mm);
	if (ret)
		goto out_put;

	n = nvsvm_dmem_migration_workers(DIV_ROUND_UP_ULL(end -
				ALIGN_DOWN(start, NVSVM_DMEM_STEP),
				NVSVM_DMEM_STEP));
	/* Without memory for workers, the caller does it all. */
	if (n > 1)
		works = kcalloc(n, sizeof(*works), GFP_KERNEL | __GFP_NOWARN);
	init_completion(&mig.done);
	if (!works) {
		atomic_set(&mig.running, 1);
		nvsvm_dmem_migration_run(&mig, true);
	} else {
		atomic_set(&mig.running, n);
		for (i = 0; i < n; i++) {
			works[i].mig = &mig;
			INIT_WORK(&works[i].work, nvsvm_dmem_migration_work);
			queue_work(to_dmem(svmm->ndev)->wq, &works[i].work);
		}
		/*
		 * Killed: the workers stop at the end of their block. They
		 * use @mig, on this stack, until they are done.
		 */
		if (wait_for_completion_killable(&mig.done)) {
			atomic_cmpxchg(&mig.ret, 0, -EINTR);
			wait_for_completion(&mig.done);
		}
	}
	kfree(works);
	ret = atomic_read(&mig.ret);

	moved = atomic64_read(&mig.moved);
	/* Per file, nvsvm_svm_migrating() counted the pages it unmapped. */
	if (!mig.to_vram)
		nvsvm_stat_add(svmm->ndev, NULL, NVSVM_STAT_MIGRATED_TO_SYS,
			       moved);
	*migrated += moved;
out_put:
	mmput(mm);
	return ret;
}

static int nvsvm_dmem_debugfs_show(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct nvsvm_dmem *dmem = to_dmem(to_nvsvm_device(entry->dev));

	seq_printf(m, "blocks %lld\nworker_blocks %lld\n",
		   atomic64_read(&dmem->blocks),
		   atomic64_read(&dmem->worker_blocks));
	return 0;
}

/**
 * nvsvm_dmem_debugfs_init() - Add the "migrate" debugfs file of a GPU.
 * @ndev: The GPU, before its DRM device is registered.
 *
 * "migrate" counts the 2 MiB blocks migrated (MIGRATE and GPU faults; not
 * CPU faults or evictions), and those of them that a worker took rather
 * than the caller (DOC: Migration workers).
 *
 * Context: Process context.
 */
void nvsvm_dmem_debugfs_init(struct nvsvm_device *ndev)
{
	drm_debugfs_add_file(&ndev->drm, "migrate", nvsvm_dmem_debugfs_show,
			     NULL);
}

/* Unregister a chunk none of whose pages is in use, and free its VRAM. */
static void nvsvm_dmem_chunk_remove(struct nvsvm_dmem *dmem,
				    struct nvsvm_dmem_chunk *chunk)
{
	lockdep_assert_held(&dmem->evict_mutex);

	memunmap_pages(&chunk->pagemap);
	release_mem_region(chunk->res->start, resource_size(chunk->res));
	nvsvm_vram_free(dmem->ndev->vram, chunk->vram_base,
			NVSVM_DMEM_CHUNK_SIZE);
	kfree(chunk);
}

/* Evict what a chunk holds, trying a busy page again a few times. */
static void nvsvm_dmem_empty_chunk(struct nvsvm_dmem *dmem,
				   struct nvsvm_dmem_chunk *chunk,
				   unsigned int tries)
{
	while (READ_ONCE(chunk->nused) && tries--) {
		if (nvsvm_dmem_evict_chunk(dmem, chunk, GFP_KERNEL) <= 0)
			msleep(20);
	}
}

/**
 * nvsvm_dmem_make_room() - Give VRAM back from device-private memory.
 * @ndev: The GPU.
 * @bytes: VRAM that must be free afterwards.
 *
 * Page tables come from the VRAM that chunks leave, a reserve at least.
 * When that runs out all the same (one process's page tables grew past
 * the reserve), the least recently filled chunk is evicted and handed
 * back, so that no process's data in VRAM keeps another from mapping its
 * memory at all. The chunk leaves the list first, so that nothing is
 * allocated from it while it empties.
 *
 * Context: Process context, with no lock held that the mmu notifiers or
 * a migration take: it evicts.
 * Return: 0 once @bytes are free; -ENOMEM if no chunk could be emptied.
 */
int nvsvm_dmem_make_room(struct nvsvm_device *ndev, u64 bytes)
{
	struct nvsvm_dmem *dmem = to_dmem(ndev);
	struct nvsvm_dmem_chunk *chunk;
	int ret = 0;

	if (ndev->vram_size - nvsvm_vram_used(ndev->vram) >= bytes)
		return 0;

	mutex_lock(&dmem->evict_mutex);
	while (!ret && ndev->vram_size - nvsvm_vram_used(ndev->vram) < bytes) {
		spin_lock(&dmem->lock);
		chunk = list_first_entry_or_null(&dmem->chunks,
						 struct nvsvm_dmem_chunk, link);
		if (chunk) {
			list_del(&chunk->link);
			dmem->nchunks--;
		}
		spin_unlock(&dmem->lock);
		if (!chunk) {
			ret = -ENOMEM;
			break;
		}

		nvsvm_dmem_empty_chunk(dmem, chunk, 5);
		if (!READ_ONCE(chunk->nused)) {
			nvsvm_dmem_chunk_remove(dmem, chunk);
			continue;
		}
		/* A page that would not move: keep the chunk, and fail. */
		spin_lock(&dmem->lock);
		list_add_tail(&chunk->link, &dmem->chunks);
		dmem->nchunks++;
		spin_unlock(&dmem->lock);
		ret = -ENOMEM;
	}
	mutex_unlock(&dmem->evict_mutex);
	return ret;
}

/**
 * nvsvm_dmem_init() - Set up the device-private VRAM of a GPU.
 * @ndev: The GPU.
 *
 * Chunks are registered when first needed.
 *
 * Return: 0, or -ENOMEM.
 */
int nvsvm_dmem_init(struct nvsvm_device *ndev)
{
	struct nvsvm_dmem *dmem = to_dmem(ndev);

	dmem->ndev = ndev;
	spin_lock_init(&dmem->lock);
	INIT_LIST_HEAD(&dmem->chunks);
	mutex_init(&dmem->evict_mutex);
	atomic64_set(&dmem->blocks, 0);
	atomic64_set(&dmem->worker_blocks, 0);
	dmem->wq = alloc_workqueue("nvsvm-migrate%u",
				   WQ_UNBOUND | WQ_MEM_RECLAIM, 0, ndev->index);
	if (!dmem->wq) {
		mutex_destroy(&dmem->evict_mutex);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Evict everything a chunk holds, whatever it takes: the pages hold the
 * only copy of their data, and memunmap_pages() waits for every one of
 * them. Every allocation waits rather than fails, as in nouveau, and so
 * does the copy engine. A page that a CPU fault or a migration has locked
 * is only held for a while: try it again until it is free.
 */
static void nvsvm_dmem_drain_chunk(struct nvsvm_dmem *dmem,
				   struct nvsvm_dmem_chunk *chunk)
{
	unsigned long start = jiffies;
	bool told = false;

	lockdep_assert_held(&dmem->evict_mutex);

	while (READ_ONCE(chunk->nused)) {
		if (nvsvm_dmem_evict_chunk(dmem, chunk,
					   GFP_KERNEL | __GFP_NOFAIL) > 0)
			continue;
		if (!told && time_after(jiffies, start + 10 * HZ)) {
			pr_warn("nvsvm: %u VRAM pages busy for 10 s; waiting for them\n",
				READ_ONCE(chunk->nused));
			told = true;
		}
		msleep(20);
	}
}

/**
 * nvsvm_dmem_fini() - Bring every page back to system memory and free VRAM.
 * @ndev: The GPU; no file may be open.
 *
 * Pages of live processes are evicted, so their data survives the driver,
 * even when memory is short: the eviction waits for memory rather than
 * give up on a page (and then wait for it forever in memunmap_pages()).
 *
 * Context: Process context; may wait for memory, and for pages that CPU
 * faults hold.
 */
void nvsvm_dmem_fini(struct nvsvm_device *ndev)
{
	struct nvsvm_dmem *dmem = to_dmem(ndev);
	struct nvsvm_dmem_chunk *chunk, *tmp;

	mutex_lock(&dmem->evict_mutex);
	list_for_each_entry_safe(chunk, tmp, &dmem->chunks, link) {
		nvsvm_dmem_drain_chunk(dmem, chunk);
		list_del(&chunk->link);
		nvsvm_dmem_chunk_remove(dmem, chunk);
	}
	mutex_unlock(&dmem->evict_mutex);
	mutex_destroy(&dmem->evict_mutex);
	destroy_workqueue(dmem->wq);
}
