// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <kunit/visibility.h>
#include <linux/dma-fence.h>
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "nvsvm_emu.h"

/**
 * DOC: Emulated copy engine
 *
 * The GPU has several copy engines, as Pascal boards have asynchronous
 * copy engines beside the graphics one; ce_engines of them take work. A
 * batch goes to an idle engine, or to the one with the fewest batches
 * pending, as a driver's channel pool would spread them: batches on one
 * engine run and complete in submission order, on an ordered workqueue of
 * its own; batches on different engines, in any order. Copies work on VRAM
 * offsets, system DMA addresses and offsets into peers' VRAM (DOC:
 * Emulated peer-to-peer). System addresses go through the GPU's IOMMU,
 * which must allow a read of the source and a write of the destination. A
 * system address is accessed one page at a time through kmap_local_page(),
 * with the IOMMU's lock held, so that an unmap waits for the page's copy.
 *
 * Like a ring, an engine takes work without memory to spare: when a
 * batch's descriptors cannot be allocated, they go to the one reserved
 * array, waiting until the batch that holds it has run. A copy therefore
 * never fails for want of memory, which is what lets eviction at unload,
 * and a CPU fault on VRAM, go on when memory is short.
 *
 * An idle engine starts a copy at once, where the emulation would wait for
 * a work item on another CPU: a batch of up to ce_inline_kb submitted to
 * an engine with no batch queued or running runs in the submitter's
 * context, through the same copy path, and ce_copy returns its fence
 * signalled. A batch runs only with its engine's &nvsvm_emu_ce.run_lock
 * held, and one queued behind an inline batch waits for it there, so an
 * engine's batches still run and signal in order. With as many engines as
 * CPUs submitting, copies of several CPUs run side by side, each on the
 * CPU that asked for it.
 */

/* Not static: the KUnit tests set them. */
unsigned int nvsvm_emu_ce_inline_kb = 2048;
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_ce_inline_kb);
module_param_named(ce_inline_kb, nvsvm_emu_ce_inline_kb, uint, 0644);
MODULE_PARM_DESC(ce_inline_kb,
		 "The emulated copy engine runs a batch of up to this many KiB in the submitter's context when it is idle, rather than on its work item (default 2048; 0 = never)");

unsigned int nvsvm_emu_ce_engines = 2;
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_ce_engines);
module_param_named(ce_engines, nvsvm_emu_ce_engines, uint, 0644);
MODULE_PARM_DESC(ce_engines,
		 "Copy engines of the emulated GPU that take batches, 1 to 4 (default 2)");

/* Not static: the KUnit tests set it. */
unsigned int nvsvm_emu_debug_peer_delay_us;
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_debug_peer_delay_us);
module_param_named(debug_peer_delay_us, nvsvm_emu_debug_peer_delay_us, uint,
		   0600);
MODULE_PARM_DESC(debug_peer_delay_us,
		 "Debug: sleep this long in each chunk of a peer copy without a system operand, between finding the peer and touching its VRAM: widens the race of a disconnect, or a GPU's removal, with the peer copy in flight (default 0)");

/**
 * struct nvsvm_emu_ce_batch - A batch of copies in flight.
 * @fence: Signalled at the end of the batch.
 * @lock: The fence's lock.
 * @work: Runs the batch.
 * @ce: The engine it runs on.
 * @count: Number of @copies.
 * @peer_gens: &nvsvm_emu_peer.gen of each peer index when the batch was
 *	checked: a copy runs only through the connection it was checked
 *	against.
 * @copies: The copies: @inline_copies, or &nvsvm_emu.ce_reserve's array
 *	until the batch has run.
 * @inline_copies: The copies, when memory allowed.
 */
struct nvsvm_emu_ce_batch {
	struct dma_fence fence;
	spinlock_t lock; /* the fence's */
	struct work_struct work;
	struct nvsvm_emu_ce *ce;
	unsigned int count;
	u32 peer_gens[NVSVM_HW_MAX_PEERS];
	struct nvsvm_hw_copy *copies;
	struct nvsvm_hw_copy inline_copies[];
};

static const char *nvsvm_emu_ce_driver_name(struct dma_fence *fence)
{
	return "nvsvm";
}

static const char *nvsvm_emu_ce_timeline_name(struct dma_fence *fence)
{
	return "nvsvm-ce";
}

static void nvsvm_emu_ce_release(struct dma_fence *fence)
{
	struct nvsvm_emu_ce_batch *batch =
		container_of(fence, struct nvsvm_emu_ce_batch, fence);

	kfree_rcu(batch, fence.rcu);
}

static const struct dma_fence_ops nvsvm_emu_ce_fence_ops = {
	.get_driver_name = nvsvm_emu_ce_driver_name,
	.get_timeline_name = nvsvm_emu_ce_timeline_name,
	.release = nvsvm_emu_ce_release,
};

static bool nvsvm_emu_aperture_is_sys(u32 aperture)
{
	return aperture == NVSVM_HW_APERTURE_SYS_COHERENT ||
	       aperture == NVSVM_HW_APERTURE_SYS_NONCOHERENT;
}

/* Bytes from @addr to the end of what one mapping of it can cover. */
static u64 nvsvm_emu_ce_span(u32 aperture, u64 addr, u64 len)
{
	if (nvsvm_emu_aperture_is_sys(aperture))
		return min_t(u64, len, PAGE_SIZE - offset_in_page(addr));
	return len;
}

/*
 * For a system operand inside nvsvm_emu_iommu_lock(), for a peer operand
 * with &nvsvm_emu.peer_sem held for reading. A peer's VRAM is reached through
 * the peer's own accessor, bounds-checked against its own size.
 */
static void *nvsvm_emu_ce_map(struct nvsvm_emu_ce_batch *batch, u32 aperture,
			      u16 peer_index, u64 addr, u64 len, bool write)
{
	struct nvsvm_emu *emu = batch->ce->emu, *peer;
	unsigned long pfn;

	if (aperture == NVSVM_HW_APERTURE_PEER) {
		peer = nvsvm_emu_peer_get(emu, peer_index, batch->peer_gens);
		return peer ? nvsvm_emu_vram_ptr(peer, addr, len) : NULL;
	}
	if (!nvsvm_emu_aperture_is_sys(aperture))
		return nvsvm_emu_vram_ptr(emu, addr, len);

	if (nvsvm_emu_iommu_translate(emu, addr, write, &pfn))
		return NULL;
	return kmap_local_page(pfn_to_page(pfn)) + offset_in_page(addr);
}

/* Count the bytes of a chunk that crossed the link, by where they went. */
static void nvsvm_emu_ce_count(struct nvsvm_emu *emu,
			       const struct nvsvm_hw_copy *c, u64 len)
{
	if (c->src_aperture == NVSVM_HW_APERTURE_PEER)
		atomic_long_add(len, &emu->peer_read);
	else if (nvsvm_emu_aperture_is_sys(c->src_aperture))
		atomic_long_add(len, &emu->ce_sys_read);
	if (c->dst_aperture == NVSVM_HW_APERTURE_PEER)
		atomic_long_add(len, &emu->peer_written);
	else if (nvsvm_emu_aperture_is_sys(c->dst_aperture))
		atomic_long_add(len, &emu->ce_sys_written);
}

static void nvsvm_emu_ce_unmap(u32 aperture, void *ptr)
{
	if (nvsvm_emu_aperture_is_sys(aperture))
		kunmap_local(ptr);
}

/*
 * Move bytes as the engine does, wide words at a time: page-aligned spans a
 * page at a time with copy_page(). The kernel's memmove() uses "rep movsb"
 * on CPUs that advertise it fast, and under TCG that runs a byte at a time,
 * several times slower. Page-aligned spans overlap, if at all, by whole
 * pages: copying away from the overlap moves each page before it is
 * overwritten.
 */
static void nvsvm_emu_ce_move(void *d, const void *s, u64 len)
{
	u64 off;

	if (!PAGE_ALIGNED(d) || !PAGE_ALIGNED(s) || !PAGE_ALIGNED(len)) {
		memmove(d, s, len);
		return;
	}
	if (d > s && d < s + len) {
		for (off = len; off; off -= PAGE_SIZE)
			copy_page(d + off - PAGE_SIZE,
				  (void *)s + off - PAGE_SIZE);
		return;
	}
	for (off = 0; off < len; off += PAGE_SIZE)
		copy_page(d + off, (void *)s + off);
}

static int nvsvm_emu_ce_run(struct nvsvm_emu_ce_batch *batch,
			    const struct nvsvm_hw_copy *c)
{
	struct nvsvm_emu *emu = batch->ce->emu;
	bool peer = c->src_aperture == NVSVM_HW_APERTURE_PEER ||
		    c->dst_aperture == NVSVM_HW_APERTURE_PEER;
	bool sys = nvsvm_emu_aperture_is_sys(c->src_aperture) ||
		   nvsvm_emu_aperture_is_sys(c->dst_aperture);
	unsigned int delay_us;
	u64 done = 0;

	while (done < c->len) {
		u64 src = c->src + done, dst = c->dst + done, len;
		void *s, *d;

		len = nvsvm_emu_ce_span(c->src_aperture, src, c->len - done);
		len = nvsvm_emu_ce_span(c->dst_aperture, dst, len);

		/*
		 * A disconnect waits for the chunk (DOC: Emulated
		 * peer-to-peer); an unmap waits for a system page's.
		 */
		if (peer)
			down_read(&emu->peer_sem);
		if (sys)
			nvsvm_emu_iommu_lock(emu);
		s = nvsvm_emu_ce_map(batch, c->src_aperture, c->src_peer, src,
				     len, false);
		d = s ? nvsvm_emu_ce_map(batch, c->dst_aperture, c->dst_peer,
					 dst, len, true) : NULL;
		delay_us = READ_ONCE(nvsvm_emu_debug_peer_delay_us);
		if (d && peer && !sys && delay_us)
			fsleep(delay_us);
		if (d) {
			nvsvm_emu_ce_move(d, s, len);
			nvsvm_emu_ce_count(emu, c, len);
		}
		/* Local mappings unwind in reverse order. */
		if (d)
			nvsvm_emu_ce_unmap(c->dst_aperture, d);
		if (s)
			nvsvm_emu_ce_unmap(c->src_aperture, s);
		if (sys)
			nvsvm_emu_iommu_unlock(emu);
		if (peer)
			up_read(&emu->peer_sem);
		if (!d)
			return -EIO;
		done += len;
		cond_resched();
	}
	return 0;
}

/*
 * Run a batch and signal its fence, with its engine's run_lock held. Only
 * then is the batch no longer pending: a batch submitted meanwhile queues
 * behind it.
 */
static void nvsvm_emu_ce_batch_run(struct nvsvm_emu_ce_batch *batch)
{
	struct nvsvm_emu_ce *ce = batch->ce;
	struct nvsvm_emu *emu = ce->emu;
	unsigned int i;
	int ret = 0;

	lockdep_assert_held(&ce->run_lock);
	for (i = 0; i < batch->count && !ret; i++)
		ret = nvsvm_emu_ce_run(batch, &batch->copies[i]);
	if (batch->copies != batch->inline_copies)
		mempool_free(batch->copies, emu->ce_reserve);
	batch->copies = NULL;
	if (ret)
		dma_fence_set_error(&batch->fence, ret);
	dma_fence_signal(&batch->fence);

	spin_lock(&ce->submit_lock);
	ce->pending--;
	spin_unlock(&ce->submit_lock);
}

static void nvsvm_emu_ce_work(struct work_struct *work)
{
	struct nvsvm_emu_ce_batch *batch =
		container_of(work, struct nvsvm_emu_ce_batch, work);
	struct nvsvm_emu_ce *ce = batch->ce;

	/* Behind a batch that runs inline, if any. */
	mutex_lock(&ce->run_lock);
	nvsvm_emu_ce_batch_run(batch);
	mutex_unlock(&ce->run_lock);
	atomic_long_inc(&ce->emu->ce_queued);
	dma_fence_put(&batch->fence);
}

/* An idle engine, or the one with the fewest batches pending. */
static struct nvsvm_emu_ce *nvsvm_emu_ce_pick(struct nvsvm_emu *emu)
{
	unsigned int n = clamp(READ_ONCE(nvsvm_emu_ce_engines), 1u,
			       (unsigned int)NVSVM_EMU_CE_MAX);
	unsigned int i, pending, least = UINT_MAX;
	struct nvsvm_emu_ce *best = &emu->ce[0];

	for (i = 0; i < n; i++) {
		/*
		 * Read without submit_lock: a hint only, which may be stale
		 * at once; the engine's own locks order what it runs.
		 */
		pending = data_race(READ_ONCE(emu->ce[i].pending));
		if (pending < least) {
			least = pending;
			best = &emu->ce[i];
		}
		if (!pending)
			break;
	}
	return best;
}

/* Is the batch small enough to run in the submitter's context? */
static bool nvsvm_emu_ce_small(const struct nvsvm_hw_copy *copies,
			       unsigned int count)
{
	u64 max = (u64)READ_ONCE(nvsvm_emu_ce_inline_kb) * SZ_1K, len = 0;
	unsigned int i;

	for (i = 0; i < count && len <= max; i++)
		len += copies[i].len;
	return max && len <= max;
}

/**
 * nvsvm_emu_ce_copy() - The ce_copy operation.
 * @hw: The GPU.
 * @copies: The copies.
 * @count: Number of @copies.
 *
 * Context: Process context, may sleep; when memory is short, until the
 * batch that holds the reserve has run. A small batch on an idle engine
 * runs before the call returns.
 * Return: The batch's fence, or an ERR_PTR() of -EINVAL or -ENXIO.
 */
struct dma_fence *nvsvm_emu_ce_copy(struct nvsvm_hw *hw,
				    const struct nvsvm_hw_copy *copies,
				    unsigned int count)
{
	struct nvsvm_emu *emu = to_nvsvm_emu(hw);
	u32 gens[NVSVM_HW_MAX_PEERS];
	struct nvsvm_emu_ce_batch *batch;
	bool locked, run_inline;
	struct nvsvm_emu_ce *ce;
	unsigned int i;
	int ret;

	/* The peers it was checked against are those it will reach. */
	down_read(&emu->peer_sem);
	ret = nvsvm_hw_copies_validate(hw, copies, count);
	for (i = 0; i < NVSVM_HW_MAX_PEERS; i++)
		gens[i] = emu->peers[i].gen;
	up_read(&emu->peer_sem);
	if (ret)
		return ERR_PTR(ret);

	batch = kzalloc(struct_size(batch, inline_copies, count),
			GFP_KERNEL | __GFP_NOWARN);
	if (batch) {
		batch->copies = batch->inline_copies;
	} else {
		/* A small allocation, and an array that is freed as it runs. */
		batch = kzalloc(sizeof(*batch), GFP_KERNEL | __GFP_NOFAIL);
		batch->copies = mempool_alloc(emu->ce_reserve, GFP_KERNEL);
	}
	ce = nvsvm_emu_ce_pick(emu);
	batch->ce = ce;
	batch->count = count;
	memcpy(batch->peer_gens, gens, sizeof(gens));
	memcpy(batch->copies, copies, array_size(count, sizeof(*copies)));
	spin_lock_init(&batch->lock);
	INIT_WORK(&batch->work, nvsvm_emu_ce_work);

	/*
	 * Inline only if no batch is pending on the engine: one queued
	 * earlier would run after this one, and one running holds run_lock.
	 * Try that lock before the check, so that a batch queued next waits
	 * for this one.
	 */
	locked = nvsvm_emu_ce_small(copies, count) &&
		 mutex_trylock(&ce->run_lock);
	spin_lock(&ce->submit_lock);
	dma_fence_init(&batch->fence, &nvsvm_emu_ce_fence_ops, &batch->lock,
		       ce->context, ++ce->seqno);
	run_inline = locked && !ce->pending;
	ce->pending++;
	/* One reference for the caller, one for the work. */
	if (!run_inline) {
		dma_fence_get(&batch->fence);
		queue_work(ce->wq, &batch->work);
	}
	spin_unlock(&ce->submit_lock);

	if (run_inline) {
		nvsvm_emu_ce_batch_run(batch);
		atomic_long_inc(&emu->ce_inline);
	}
	if (locked)
		mutex_unlock(&ce->run_lock);
	return &batch->fence;
}

/**
 * nvsvm_emu_ce_init() - Set up the copy engines.
 * @emu: The GPU.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int nvsvm_emu_ce_init(struct nvsvm_emu *emu)
{
	size_t reserve = NVSVM_HW_COPY_MAX_BATCH * sizeof(struct nvsvm_hw_copy);
	unsigned int i;

	emu->ce_reserve = mempool_create_kmalloc_pool(1, reserve);
	if (!emu->ce_reserve)
		return -ENOMEM;
	for (i = 0; i < NVSVM_EMU_CE_MAX; i++) {
		struct nvsvm_emu_ce *ce = &emu->ce[i];

		ce->emu = emu;
		spin_lock_init(&ce->submit_lock);
		mutex_init(&ce->run_lock);
		ce->context = dma_fence_context_alloc(1);
		ce->wq = alloc_ordered_workqueue("nvsvm-ce%u", WQ_MEM_RECLAIM,
						 i);
		if (!ce->wq) {
			nvsvm_emu_ce_fini(emu);
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * nvsvm_emu_ce_fini() - Stop the copy engines, once every batch is done.
 * @emu: The GPU.
 *
 * Also undoes a nvsvm_emu_ce_init() that failed part of the way.
 *
 * Context: Process context, may sleep.
 */
void nvsvm_emu_ce_fini(struct nvsvm_emu *emu)
{
	unsigned int i;

	for (i = 0; i < NVSVM_EMU_CE_MAX; i++) {
		struct nvsvm_emu_ce *ce = &emu->ce[i];

		if (!ce->emu)
			break;
		if (ce->wq)
			destroy_workqueue(ce->wq);
		mutex_destroy(&ce->run_lock);
		ce->emu = NULL;
	}
	mempool_destroy(emu->ce_reserve);
	emu->ce_reserve = NULL;
}
