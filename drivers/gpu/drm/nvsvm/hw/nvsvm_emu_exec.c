// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/dma-fence.h>
#include <linux/slab.h>

#include "nvsvm_emu.h"

/**
 * DOC: Emulated exec engine
 *
 * Each channel runs its jobs in order from a work item on an unbound
 * workqueue, so a channel stalled on a fault does not hold up the others.
 * Every 64-bit access of an operation translates through the channel's TLB
 * (nvsvm_emu_access()); a fault stalls the channel in
 * nvsvm_emu_fault_stall() until the driver replays (the access is retried) or
 * cancels (the job fails with -EFAULT, and the rest of it is skipped).
 */

/**
 * struct nvsvm_emu_job - A job in flight.
 * @fence: Signalled at the end of the job.
 * @lock: The fence's lock.
 * @node: Entry in &nvsvm_hw_chan.jobs.
 * @count: Number of @ops.
 * @ops: The program.
 */
struct nvsvm_emu_job {
	struct dma_fence fence;
	spinlock_t lock; /* the fence's */
	struct list_head node;
	unsigned int count;
	struct nvsvm_hw_op ops[] __counted_by(count);
};

static const char *nvsvm_emu_exec_driver_name(struct dma_fence *fence)
{
	return "nvsvm";
}

static const char *nvsvm_emu_exec_timeline_name(struct dma_fence *fence)
{
	return "nvsvm-exec";
}

static void nvsvm_emu_exec_release(struct dma_fence *fence)
{
	struct nvsvm_emu_job *job = container_of(fence, struct nvsvm_emu_job,
						 fence);

	kfree_rcu(job, fence.rcu);
}

static const struct dma_fence_ops nvsvm_emu_exec_fence_ops = {
	.get_driver_name = nvsvm_emu_exec_driver_name,
	.get_timeline_name = nvsvm_emu_exec_timeline_name,
	.release = nvsvm_emu_exec_release,
};

static int nvsvm_emu_chan_access(struct nvsvm_hw_chan *chan, u64 va,
				 enum nvsvm_hw_access access, u64 *value)
{
	struct nvsvm_emu *emu = chan->emu;
	struct nvsvm_hw_fault fault;
	u8 reason;
	int ret;

	for (;;) {
		if (READ_ONCE(chan->dead))
			return -ECANCELED;
		ret = nvsvm_emu_access(emu, &emu->hub_tlb, chan->pdb, va, access,
				       value, &reason);
		if (ret != -ENOENT)
			return ret;

		fault = (struct nvsvm_hw_fault) {
			.inst = chan->pdb,
			.va = va & ~(u64)(SZ_4K - 1),
			.access = access,
			.client = NVSVM_HW_CLIENT_EXEC,
			.reason = reason,
			.chid = chan->id,
		};
		ret = nvsvm_emu_fault_stall(emu, &fault, &chan->dead);
		if (ret)
			return ret;
	}
}

static int nvsvm_emu_rd(struct nvsvm_hw_chan *chan, u64 va, u64 *value)
{
	return nvsvm_emu_chan_access(chan, va, NVSVM_HW_ACCESS_READ, value);
}

static int nvsvm_emu_wr(struct nvsvm_hw_chan *chan, u64 va, u64 value)
{
	return nvsvm_emu_chan_access(chan, va, NVSVM_HW_ACCESS_WRITE, &value);
}

static int nvsvm_emu_op_run(struct nvsvm_hw_chan *chan,
			    const struct nvsvm_hw_op *op)
{
	u64 words = op->len / sizeof(u64), i, off, a, b;
	u64 csum = NVSVM_HW_CSUM_BASIS;
	int ret = 0;

	for (i = 0; i < words && !ret; i++) {
		off = i * sizeof(u64);
		switch (op->opcode) {
		case NVSVM_HW_OP_FILL:
			ret = nvsvm_emu_wr(chan, op->dst + off, op->imm);
			break;
		case NVSVM_HW_OP_COPY:
			ret = nvsvm_emu_rd(chan, op->src0 + off, &a);
			if (!ret)
				ret = nvsvm_emu_wr(chan, op->dst + off, a);
			break;
		case NVSVM_HW_OP_CHECKSUM:
			ret = nvsvm_emu_rd(chan, op->src0 + off, &a);
			csum = (csum ^ a) * NVSVM_HW_CSUM_PRIME;
			break;
		case NVSVM_HW_OP_ATOMIC_ADD:
			a = op->imm;
			ret = nvsvm_emu_chan_access(chan, op->dst + off,
						    NVSVM_HW_ACCESS_ATOMIC, &a);
			break;
		case NVSVM_HW_OP_TRIAD:
			ret = nvsvm_emu_rd(chan, op->src0 + off, &a);
			if (!ret)
				ret = nvsvm_emu_rd(chan, op->src1 + off, &b);
			if (!ret)
				ret = nvsvm_emu_wr(chan, op->dst + off,
						   a + op->imm * b);
			break;
		default:
			ret = -EINVAL;
			break;
		}
		if (IS_ALIGNED(off + sizeof(u64), PAGE_SIZE))
			cond_resched();
	}
	if (!ret && op->opcode == NVSVM_HW_OP_CHECKSUM)
		ret = nvsvm_emu_wr(chan, op->dst, csum);
	return ret;
}

static void nvsvm_emu_job_done(struct nvsvm_emu_job *job, int error)
{
	if (error)
		dma_fence_set_error(&job->fence, error);
	dma_fence_signal(&job->fence);
	dma_fence_put(&job->fence);
}

static struct nvsvm_emu_job *nvsvm_emu_job_pop(struct nvsvm_hw_chan *chan)
{
	struct nvsvm_emu_job *job;

	spin_lock(&chan->lock);
	job = list_first_entry_or_null(&chan->jobs, struct nvsvm_emu_job, node);
	if (job)
		list_del(&job->node);
	spin_unlock(&chan->lock);
	return job;
}

static void nvsvm_emu_chan_work(struct work_struct *work)
{
	struct nvsvm_hw_chan *chan = container_of(work, struct nvsvm_hw_chan,
						  work);
	struct nvsvm_emu_job *job;
	unsigned int i;
	int ret;

	while ((job = nvsvm_emu_job_pop(chan))) {
		ret = 0;
		for (i = 0; i < job->count && !ret; i++)
			ret = nvsvm_emu_op_run(chan, &job->ops[i]);
		if (READ_ONCE(chan->dead))
			ret = -ECANCELED;
		nvsvm_emu_job_done(job, ret);
	}
}

/**
 * nvsvm_emu_chan_create() - The chan_create operation.
 * @hw: The GPU.
 * @pdb: VRAM offset of the channel's page directory.
 *
 * Context: Process context.
 * Return: The channel, or ERR_PTR(-ENOMEM).
 */
struct nvsvm_hw_chan *nvsvm_emu_chan_create(struct nvsvm_hw *hw, u64 pdb)
{
	struct nvsvm_emu *emu = to_nvsvm_emu(hw);
	struct nvsvm_hw_chan *chan;

	chan = kzalloc(sizeof(*chan), GFP_KERNEL);
	if (!chan)
		return ERR_PTR(-ENOMEM);
	chan->emu = emu;
	chan->pdb = pdb;
	chan->id = atomic_inc_return(&emu->next_chid);
	spin_lock_init(&chan->lock);
	INIT_LIST_HEAD(&chan->jobs);
	INIT_WORK(&chan->work, nvsvm_emu_chan_work);
	chan->fence_context = dma_fence_context_alloc(1);
	atomic_inc(&emu->chans);
	return chan;
}

/**
 * nvsvm_emu_chan_destroy() - The chan_destroy operation.
 * @chan: The channel.
 *
 * Context: Process context, sleeps until the channel's work is done.
 */
void nvsvm_emu_chan_destroy(struct nvsvm_hw_chan *chan)
{
	struct nvsvm_emu *emu = chan->emu;
	struct nvsvm_emu_job *job;

	WRITE_ONCE(chan->dead, true);
	nvsvm_emu_fault_kick(emu);
	flush_work(&chan->work);
	while ((job = nvsvm_emu_job_pop(chan)))
		nvsvm_emu_job_done(job, -ECANCELED);
	atomic_dec(&emu->chans);
	kfree(chan);
}

/**
 * nvsvm_emu_chan_id() - The chan_id operation.
 * @chan: The channel.
 *
 * Context: Any context.
 * Return: The channel's id.
 */
u32 nvsvm_emu_chan_id(struct nvsvm_hw_chan *chan)
{
	return chan->id;
}

/**
 * nvsvm_emu_job_submit() - The job_submit operation.
 * @chan: The channel.
 * @ops: The program.
 * @count: Number of @ops.
 *
 * Context: Process context.
 * Return: The job's fence, or an ERR_PTR(): -EINVAL for a bad program,
 * -ENOMEM.
 */
struct dma_fence *nvsvm_emu_job_submit(struct nvsvm_hw_chan *chan,
				       const struct nvsvm_hw_op *ops,
				       unsigned int count)
{
	struct nvsvm_emu_job *job;
	int ret;

	ret = nvsvm_hw_ops_validate(ops, count);
	if (ret)
		return ERR_PTR(ret);

	job = kzalloc(struct_size(job, ops, count), GFP_KERNEL);
	if (!job)
		return ERR_PTR(-ENOMEM);
	job->count = count;
	memcpy(job->ops, ops, flex_array_size(job, ops, count));
	spin_lock_init(&job->lock);

	/* One reference for the caller, one for the channel. */
	spin_lock(&chan->lock);
	dma_fence_init(&job->fence, &nvsvm_emu_exec_fence_ops, &job->lock,
		       chan->fence_context, ++chan->seqno);
	dma_fence_get(&job->fence);
	list_add_tail(&job->node, &chan->jobs);
	spin_unlock(&chan->lock);

	queue_work(chan->emu->exec_wq, &chan->work);
	return &job->fence;
}
