// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/align.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/overflow.h>
#include <linux/string.h>

#include <kunit/visibility.h>

#include "nvsvm_gp100_mmu.h"
#include "nvsvm_hw.h"

/**
 * nvsvm_hw_init() - Bind a backend's operations to a GPU.
 * @hw: The GPU, embedded in the backend's structure.
 * @ops: The backend's operations; every member is required.
 * @dev: The device the GPU belongs to, or %NULL.
 * @vram_size: VRAM size in bytes, a nonzero multiple of 4 KiB.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL if @ops misses a member or @vram_size is invalid.
 */
int nvsvm_hw_init(struct nvsvm_hw *hw, const struct nvsvm_hw_ops *ops,
		  struct device *dev, u64 vram_size)
{
	if (!ops->destroy || !ops->vram_rd64 || !ops->vram_wr64 ||
	    !ops->tlb_invalidate || !ops->fault_buffer || !ops->fault_get ||
	    !ops->fault_put || !ops->fault_set_get || !ops->fault_overflow ||
	    !ops->fault_intr_set || !ops->fault_replay || !ops->fault_cancel ||
	    !ops->ce_copy || !ops->chan_create || !ops->chan_destroy ||
	    !ops->chan_id || !ops->job_submit || !ops->dma_faults ||
	    !ops->peer_connect || !ops->peer_disconnect || !ops->debugfs_init)
		return -EINVAL;
	if (!vram_size || !IS_ALIGNED(vram_size, SZ_4K))
		return -EINVAL;

	hw->ops = ops;
	hw->dev = dev;
	hw->vram_size = vram_size;
	memset(hw->peer_vram_size, 0, sizeof(hw->peer_vram_size));
	return 0;
}

static bool nvsvm_hw_va_range_ok(u64 va, u64 len)
{
	u64 end;

	if (!IS_ALIGNED(va, sizeof(u64)))
		return false;
	if (check_add_overflow(va, len, &end))
		return false;
	return end <= BIT_ULL(NVSVM_GP100_VA_BITS);
}

static int nvsvm_hw_op_validate(const struct nvsvm_hw_op *op)
{
	bool dst = true, src0 = false, src1 = false, imm = false;
	u64 len = op->len;

	if (op->flags)
		return -EINVAL;
	if (!len || len > NVSVM_HW_OP_MAX_LEN || !IS_ALIGNED(len, sizeof(u64)))
		return -EINVAL;

	switch (op->opcode) {
	case NVSVM_HW_OP_FILL:
	case NVSVM_HW_OP_ATOMIC_ADD:
		imm = true;
		break;
	case NVSVM_HW_OP_COPY:
		src0 = true;
		break;
	case NVSVM_HW_OP_CHECKSUM:
		src0 = true;
		if (!nvsvm_hw_va_range_ok(op->dst, sizeof(u64)))
			return -EINVAL;
		dst = false;
		break;
	case NVSVM_HW_OP_TRIAD:
		src0 = true;
		src1 = true;
		imm = true;
		break;
	default:
		return -EINVAL;
	}

	if (dst && !nvsvm_hw_va_range_ok(op->dst, len))
		return -EINVAL;
	if (src0 ? !nvsvm_hw_va_range_ok(op->src0, len) : op->src0)
		return -EINVAL;
	if (src1 ? !nvsvm_hw_va_range_ok(op->src1, len) : op->src1)
		return -EINVAL;
	if (!imm && op->imm)
		return -EINVAL;
	return 0;
}

/**
 * nvsvm_hw_ops_validate() - Check a job's program before it is submitted.
 * @ops: The operations.
 * @count: How many, 1 to %NVSVM_HW_JOB_MAX_OPS.
 *
 * Checks opcodes, that flags and unused fields are zero, lengths and
 * alignment, and that every array lies inside the 49-bit VA space, so that
 * the engine's work is bounded.
 *
 * Context: Any context.
 * Return: 0, or -EINVAL.
 */
int nvsvm_hw_ops_validate(const struct nvsvm_hw_op *ops, unsigned int count)
{
	unsigned int i;
	int ret;

	if (!count || count > NVSVM_HW_JOB_MAX_OPS)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		ret = nvsvm_hw_op_validate(&ops[i]);
		if (ret)
			return ret;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_hw_ops_validate);

/* Check one operand of a copy: 0, -EINVAL, or -ENXIO for a missing peer. */
static int nvsvm_hw_phys_range_check(const struct nvsvm_hw *hw, u16 aperture,
				     u16 peer, u64 addr, u64 len)
{
	u64 end, size;

	if (aperture != NVSVM_HW_APERTURE_PEER && peer)
		return -EINVAL;
	if (check_add_overflow(addr, len, &end))
		return -EINVAL;
	switch (aperture) {
	case NVSVM_HW_APERTURE_VRAM:
		return end <= hw->vram_size ? 0 : -EINVAL;
	case NVSVM_HW_APERTURE_SYS_COHERENT:
	case NVSVM_HW_APERTURE_SYS_NONCOHERENT:
		return 0;
	case NVSVM_HW_APERTURE_PEER:
		if (peer >= NVSVM_HW_MAX_PEERS)
			return -EINVAL;
		size = READ_ONCE(hw->peer_vram_size[peer]);
		if (!size)
			return -ENXIO;
		return end <= size ? 0 : -EINVAL;
	default:
		return -EINVAL;
	}
}

/**
 * nvsvm_hw_copies_validate() - Check a copy-engine batch.
 * @hw: The GPU.
 * @copies: The copies.
 * @count: How many, 1 to %NVSVM_HW_COPY_MAX_BATCH.
 *
 * Checks apertures, lengths, that VRAM ranges lie inside VRAM, that peer
 * indices are connected and peer ranges inside the peer's VRAM, and that
 * the peer index of an operand outside the peer aperture is zero. Whether
 * system addresses are backed by memory is checked when the copy runs. A
 * backend that lets peers be disconnected at any time calls this under the
 * lock that keeps &nvsvm_hw.peer_vram_size from changing.
 *
 * Context: Any context.
 * Return: 0; -ENXIO if a copy names a peer index that is not connected;
 * -EINVAL for any other bad descriptor, or a bad @count.
 */
int nvsvm_hw_copies_validate(const struct nvsvm_hw *hw,
			     const struct nvsvm_hw_copy *copies,
			     unsigned int count)
{
	unsigned int i;
	int ret;

	if (!count || count > NVSVM_HW_COPY_MAX_BATCH)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		const struct nvsvm_hw_copy *c = &copies[i];

		if (!c->len || c->len > NVSVM_HW_COPY_MAX_LEN)
			return -EINVAL;
		ret = nvsvm_hw_phys_range_check(hw, c->src_aperture,
						c->src_peer, c->src, c->len);
		if (!ret)
			ret = nvsvm_hw_phys_range_check(hw, c->dst_aperture,
							c->dst_peer, c->dst,
							c->len);
		if (ret)
			return ret;
	}
	return 0;
}
