// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/dma-fence.h>
#include <linux/highmem.h>
#include <linux/mempool.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "nvsvm_emu.h"

/**
 * DOC: Emulated copy engine
 *
 * A batch runs on an ordered workqueue, so batches complete in submission
 * order, like the single copy engine of the GPU. Copies work on VRAM
 * offsets and system DMA addresses; the latter go through the GPU's IOMMU,
 * which must allow a read of the source and a write of the destination. A
 * system address is accessed one page at a time through kmap_local_page(),
 * with the IOMMU's lock held, so that an unmap waits for the page's copy.
 *
 * Like a ring, the engine takes work without memory to spare: when a
 * batch's descriptors cannot be allocated, they go to the one reserved
 * array, waiting until the batch before has run if it holds it. A copy
 * therefore never fails for want of memory, which is what lets eviction at
 * unload, and a CPU fault on VRAM, go on when memory is short.
 */

/**
 * struct nvsvm_emu_ce_batch - A batch of copies in flight.
 * @fence: Signalled at the end of the batch.
 * @lock: The fence's lock.
 * @work: Runs the batch.
 * @emu: The GPU.
 * @count: Number of @copies.
 * @copies: The copies: @inline_copies, or &nvsvm_emu.ce_reserve's array
 *	until the batch has run.
 * @inline_copies: The copies, when memory allowed.
 */
struct nvsvm_emu_ce_batch {
	struct dma_fence fence;
	spinlock_t lock; /* the fence's */
	struct work_struct work;
	struct nvsvm_emu *emu;
	unsigned int count;
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

/* Inside nvsvm_emu_iommu_lock(). */
static void *nvsvm_emu_ce_map(struct nvsvm_emu *emu, u32 aperture, u64 addr,
			      u64 len, bool write)
{
	unsigned long pfn;

	if (!nvsvm_emu_aperture_is_sys(aperture))
		return nvsvm_emu_vram_ptr(emu, addr, len);

	if (nvsvm_emu_iommu_translate(emu, addr, write, &pfn))
		return NULL;
	return kmap_local_page(pfn_to_page(pfn)) + offset_in_page(addr);
}

static void nvsvm_emu_ce_unmap(u32 aperture, void *ptr)
{
	if (nvsvm_emu_aperture_is_sys(aperture))
		kunmap_local(ptr);
}

/*
 * Move bytes as the engine does, wide words at a time: whole pages with
 * copy_page(). The kernel's memmove() uses "rep movsb" on CPUs that
 * advertise it fast, and under TCG that runs a byte at a time, several
 * times slower. Two aligned pages are the same page or do not overlap.
 */
static void nvsvm_emu_ce_move(void *d, const void *s, u64 len)
{
	if (len == PAGE_SIZE && PAGE_ALIGNED(d) && PAGE_ALIGNED(s))
		copy_page(d, (void *)s);
	else
		memmove(d, s, len);
}

static int nvsvm_emu_ce_run(struct nvsvm_emu *emu, const struct nvsvm_hw_copy *c)
{
	u64 done = 0;

	while (done < c->len) {
		u64 src = c->src + done, dst = c->dst + done, len;
		void *s, *d;

		len = nvsvm_emu_ce_span(c->src_aperture, src, c->len - done);
		len = nvsvm_emu_ce_span(c->dst_aperture, dst, len);

		nvsvm_emu_iommu_lock(emu);
		s = nvsvm_emu_ce_map(emu, c->src_aperture, src, len, false);
		d = s ? nvsvm_emu_ce_map(emu, c->dst_aperture, dst, len, true) :
			NULL;
		if (d)
			nvsvm_emu_ce_move(d, s, len);
		/* Local mappings unwind in reverse order. */
		if (d)
			nvsvm_emu_ce_unmap(c->dst_aperture, d);
		if (s)
			nvsvm_emu_ce_unmap(c->src_aperture, s);
		nvsvm_emu_iommu_unlock(emu);
		if (!d)
			return -EIO;
		done += len;
		cond_resched();
	}
	return 0;
}

static void nvsvm_emu_ce_work(struct work_struct *work)
{
	struct nvsvm_emu_ce_batch *batch =
		container_of(work, struct nvsvm_emu_ce_batch, work);
	unsigned int i;
	int ret = 0;

	for (i = 0; i < batch->count && !ret; i++)
		ret = nvsvm_emu_ce_run(batch->emu, &batch->copies[i]);
	if (batch->copies != batch->inline_copies)
		mempool_free(batch->copies, batch->emu->ce_reserve);
	batch->copies = NULL;
	if (ret)
		dma_fence_set_error(&batch->fence, ret);
	dma_fence_signal(&batch->fence);
	dma_fence_put(&batch->fence);
}

/**
 * nvsvm_emu_ce_copy() - The ce_copy operation.
 * @hw: The GPU.
 * @copies: The copies.
 * @count: Number of @copies.
 *
 * Context: Process context, may sleep; when memory is short, until the
 * batch before has run.
 * Return: The batch's fence, or an ERR_PTR(-EINVAL).
 */
struct dma_fence *nvsvm_emu_ce_copy(struct nvsvm_hw *hw,
				    const struct nvsvm_hw_copy *copies,
				    unsigned int count)
{
	struct nvsvm_emu *emu = to_nvsvm_emu(hw);
	struct nvsvm_emu_ce_batch *batch;
	int ret;

	ret = nvsvm_hw_copies_validate(hw, copies, count);
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
	batch->emu = emu;
	batch->count = count;
	memcpy(batch->copies, copies, array_size(count, sizeof(*copies)));
	spin_lock_init(&batch->lock);
	INIT_WORK(&batch->work, nvsvm_emu_ce_work);

	/* One reference for the caller, one for the work. */
	spin_lock(&emu->ce_submit_lock);
	dma_fence_init(&batch->fence, &nvsvm_emu_ce_fence_ops, &batch->lock,
		       emu->ce_context, ++emu->ce_seqno);
	dma_fence_get(&batch->fence);
	queue_work(emu->ce_wq, &batch->work);
	spin_unlock(&emu->ce_submit_lock);
	return &batch->fence;
}

/**
 * nvsvm_emu_ce_init() - Set up the copy engine.
 * @emu: The GPU.
 *
 * Context: Process context, may sleep.
 * Return: 0, or -ENOMEM.
 */
int nvsvm_emu_ce_init(struct nvsvm_emu *emu)
{
	size_t reserve = NVSVM_HW_COPY_MAX_BATCH * sizeof(struct nvsvm_hw_copy);

	spin_lock_init(&emu->ce_submit_lock);
	emu->ce_context = dma_fence_context_alloc(1);

	emu->ce_reserve = mempool_create_kmalloc_pool(1, reserve);
	if (!emu->ce_reserve)
		return -ENOMEM;
	emu->ce_wq = alloc_ordered_workqueue("nvsvm-ce", WQ_MEM_RECLAIM);
	if (!emu->ce_wq) {
		mempool_destroy(emu->ce_reserve);
		return -ENOMEM;
	}
	return 0;
}

/**
 * nvsvm_emu_ce_fini() - Stop the copy engine, once every batch is done.
 * @emu: The GPU.
 *
 * Context: Process context, may sleep.
 */
void nvsvm_emu_ce_fini(struct nvsvm_emu *emu)
{
	destroy_workqueue(emu->ce_wq);
	mempool_destroy(emu->ce_reserve);
}
