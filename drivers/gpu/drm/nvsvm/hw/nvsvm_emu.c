// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/export.h>
#include <linux/debugfs.h>
#include <linux/dma-fence.h>
#include <linux/err.h>
#include <linux/kmemleak.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <kunit/visibility.h>

#include "nvsvm_emu.h"

/**
 * DOC: Emulated GPU
 *
 * hw/ is a GP100 in software, behind &struct nvsvm_hw_ops. It is meant to
 * be strict rather than forgiving, so that a driver bug shows up as wrong
 * data or a visible fault:
 *
 * - VRAM is a vmalloc() arena; every VRAM access is bounds-checked.
 * - Engines translate through TLBs that hold only what
 *   nvsvm_emu_tlb_invalidate() has not dropped, so a missing invalidate
 *   reads stale data.
 * - System memory is reached through the GPU's own IOMMU (DOC: Emulated
 *   IOMMU): only what the driver mapped with the DMA API, in the direction
 *   it mapped it, and only until it unmaps it. Anything else fails the job
 *   or batch with -EIO instead of touching memory.
 * - Programs and batches are bounded (nvsvm_hw_ops_validate(),
 *   nvsvm_hw_copies_validate()).
 * - A peer's VRAM is reached only through a connection that is open, and
 *   only inside the peer's VRAM (DOC: Emulated peer-to-peer).
 */

/**
 * nvsvm_emu_vram_ptr() - Map a VRAM range for the CPU side of the emulator.
 * @emu: The GPU.
 * @offset: VRAM offset.
 * @len: Length of the range in bytes.
 *
 * Context: Any context.
 * Return: The kernel address of @offset, or %NULL if the range is not
 * entirely inside VRAM.
 */
void *nvsvm_emu_vram_ptr(struct nvsvm_emu *emu, u64 offset, u64 len)
{
	u64 end;

	if (check_add_overflow(offset, len, &end) || end > emu->hw.vram_size)
		return NULL;
	return emu->vram + offset;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_vram_ptr);

/**
 * nvsvm_emu_vram_read() - Read a VRAM word, as the MMU does.
 * @emu: The GPU.
 * @offset: VRAM offset.
 * @value: Where the word goes.
 *
 * Context: Any context.
 * Return: 0, or -EIO if @offset is misaligned or outside VRAM.
 */
int nvsvm_emu_vram_read(struct nvsvm_emu *emu, u64 offset, u64 *value)
{
	u64 *p;

	if (!IS_ALIGNED(offset, sizeof(u64)))
		return -EIO;
	p = nvsvm_emu_vram_ptr(emu, offset, sizeof(u64));
	if (!p)
		return -EIO;
	*value = READ_ONCE(*p);
	return 0;
}

static u64 nvsvm_emu_vram_rd64(struct nvsvm_hw *hw, u64 offset)
{
	u64 value;

	if (WARN_ON_ONCE(nvsvm_emu_vram_read(to_nvsvm_emu(hw), offset, &value)))
		return 0;
	return value;
}

static void nvsvm_emu_vram_wr64(struct nvsvm_hw *hw, u64 offset, u64 value)
{
	struct nvsvm_emu *emu = to_nvsvm_emu(hw);
	u64 *p;

	if (WARN_ON_ONCE(!IS_ALIGNED(offset, sizeof(u64))))
		return;
	p = nvsvm_emu_vram_ptr(emu, offset, sizeof(u64));
	if (WARN_ON_ONCE(!p))
		return;
	WRITE_ONCE(*p, value);
}

static u64 nvsvm_emu_dma_faults(struct nvsvm_hw *hw)
{
	return atomic_long_read(&to_nvsvm_emu(hw)->iommu.faults);
}

static int nvsvm_emu_tlb_show(struct seq_file *m, void *data)
{
	struct nvsvm_emu_tlb *tlb = m->private;
	u64 hits, misses;

	spin_lock(&tlb->lock);
	hits = tlb->hits;
	misses = tlb->misses;
	spin_unlock(&tlb->lock);
	seq_printf(m, "hits %llu\nmisses %llu\n", hits, misses);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nvsvm_emu_tlb);

static int nvsvm_emu_ce_show(struct seq_file *m, void *data)
{
	struct nvsvm_emu *emu = m->private;
	unsigned int i;

	seq_printf(m, "inline %ld\nqueued %ld\n",
		   atomic_long_read(&emu->ce_inline),
		   atomic_long_read(&emu->ce_queued));
	for (i = 0; i < NVSVM_EMU_CE_MAX; i++)
		seq_printf(m, "engine%u seqno %llu\n", i,
			   READ_ONCE(emu->ce[i].seqno));
	seq_printf(m, "sys_read_bytes %ld\nsys_written_bytes %ld\n",
		   atomic_long_read(&emu->ce_sys_read),
		   atomic_long_read(&emu->ce_sys_written));
	seq_printf(m, "peer_read_bytes %ld\npeer_written_bytes %ld\n",
		   atomic_long_read(&emu->peer_read),
		   atomic_long_read(&emu->peer_written));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nvsvm_emu_ce);

/*
 * Debugfs, in the "emu" directory of the DRM device: the IOMMU's files
 * (DOC: Emulated IOMMU), "peers" (DOC: Emulated peer-to-peer), "tlb", the
 * hub TLB's lookups so far, and "ce", the copy-engine batches run inline
 * and on the workqueues, the last fence seqno of each engine, and the
 * bytes the engines read from and wrote to system memory and to peers'
 * VRAM.
 */
static void nvsvm_emu_debugfs_init(struct nvsvm_hw *hw, struct dentry *root)
{
	struct nvsvm_emu *emu = to_nvsvm_emu(hw);
	struct dentry *dir = debugfs_create_dir("emu", root);

	debugfs_create_file("tlb", 0400, dir, &emu->hub_tlb, &nvsvm_emu_tlb_fops);
	debugfs_create_file("ce", 0400, dir, emu, &nvsvm_emu_ce_fops);
	nvsvm_emu_iommu_debugfs_init(emu, dir);
	nvsvm_emu_peer_debugfs_init(emu, dir);
}

static void nvsvm_emu_destroy(struct nvsvm_hw *hw)
{
	struct nvsvm_emu *emu = to_nvsvm_emu(hw);

	WARN_ON(atomic_read(&emu->chans));
	nvsvm_emu_fault_fini(emu);
	/* Its own batches run to the end, then no peer reaches its VRAM. */
	nvsvm_emu_ce_fini(emu);
	nvsvm_emu_peer_fini(emu);
	destroy_workqueue(emu->exec_wq);
	nvsvm_emu_tlb_fini(emu, &emu->hub_tlb);
	WARN_ON(!list_empty(&emu->tlbs));
	nvsvm_emu_iommu_fini(emu);
	vfree(emu->vram);
	kfree(emu);
}

static const struct nvsvm_hw_ops nvsvm_emu_ops = {
	.destroy	= nvsvm_emu_destroy,
	.vram_rd64	= nvsvm_emu_vram_rd64,
	.vram_wr64	= nvsvm_emu_vram_wr64,
	.tlb_invalidate	= nvsvm_emu_tlb_invalidate,
	.fault_buffer	= nvsvm_emu_fault_buffer,
	.fault_get	= nvsvm_emu_fault_get,
	.fault_put	= nvsvm_emu_fault_put,
	.fault_set_get	= nvsvm_emu_fault_set_get,
	.fault_overflow	= nvsvm_emu_fault_overflow,
	.fault_intr_set	= nvsvm_emu_fault_intr_set,
	.fault_replay	= nvsvm_emu_fault_replay,
	.fault_cancel	= nvsvm_emu_fault_cancel,
	.ce_copy	= nvsvm_emu_ce_copy,
	.chan_create	= nvsvm_emu_chan_create,
	.chan_destroy	= nvsvm_emu_chan_destroy,
	.chan_id	= nvsvm_emu_chan_id,
	.job_submit	= nvsvm_emu_job_submit,
	.dma_faults	= nvsvm_emu_dma_faults,
	.peer_connect	= nvsvm_emu_peer_connect,
	.peer_disconnect = nvsvm_emu_peer_disconnect,
	.debugfs_init	= nvsvm_emu_debugfs_init,
};

/**
 * nvsvm_hw_emu_create() - Create an emulated GP100.
 * @dev: The device the GPU belongs to. Its DMA goes through the GPU's
 *	IOMMU until nvsvm_hw_destroy().
 * @vram_size: VRAM size in bytes, a nonzero multiple of 4 KiB.
 *
 * VRAM starts zeroed. Free the GPU with nvsvm_hw_destroy().
 *
 * Context: Process context, may sleep.
 * Return: The GPU, or an ERR_PTR(): -EINVAL for a bad size, -ENOMEM.
 */
struct nvsvm_hw *nvsvm_hw_emu_create(struct device *dev, u64 vram_size)
{
	struct nvsvm_emu *emu;
	int ret;

	emu = kzalloc(sizeof(*emu), GFP_KERNEL);
	if (!emu)
		return ERR_PTR(-ENOMEM);

	ret = nvsvm_hw_init(&emu->hw, &nvsvm_emu_ops, dev, vram_size);
	if (!ret && !dev)
		ret = -EINVAL;
	if (ret)
		goto err_free_emu;

	ret = -ENOMEM;
	emu->vram = vzalloc(vram_size);
	if (!emu->vram)
		goto err_free_emu;
	/*
	 * VRAM holds user data and GPU page tables, never a kernel pointer:
	 * kmemleak must not scan it, or a word of user data that looks like
	 * the address of a leaked object would hide the leak.
	 */
	kmemleak_no_scan(emu->vram);

	spin_lock_init(&emu->tlb_lock);
	INIT_LIST_HEAD(&emu->tlbs);
	nvsvm_emu_tlb_init(emu, &emu->hub_tlb);
	atomic_set(&emu->next_chid, 0);
	atomic_set(&emu->chans, 0);

	emu->exec_wq = alloc_workqueue("nvsvm-exec", WQ_UNBOUND, 0);
	if (!emu->exec_wq)
		goto err_free_vram;
	ret = nvsvm_emu_ce_init(emu);
	if (ret)
		goto err_destroy_exec_wq;

	ret = nvsvm_emu_fault_init(emu);
	if (ret)
		goto err_fini_ce;

	ret = nvsvm_emu_iommu_init(emu);
	if (ret)
		goto err_fini_fault;

	nvsvm_emu_peer_init(emu);
	return &emu->hw;

err_fini_fault:
	nvsvm_emu_fault_fini(emu);
err_fini_ce:
	nvsvm_emu_ce_fini(emu);
err_destroy_exec_wq:
	destroy_workqueue(emu->exec_wq);
err_free_vram:
	vfree(emu->vram);
err_free_emu:
	kfree(emu);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_hw_emu_create);
