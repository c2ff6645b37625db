// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/export.h>
#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/log2.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "nvsvm_vram.h"

/**
 * DOC: VRAM allocator
 *
 * The driver decides what lives where in VRAM: page tables now, and
 * device-private data pages later. VRAM is handed out in naturally aligned,
 * power-of-two runs of 4 KiB blocks from a bitmap.
 */

#define NVSVM_VRAM_BLOCK_SHIFT	12

/**
 * nvsvm_vram_create() - Create an allocator for a VRAM of @size bytes.
 * @size: VRAM size, a nonzero multiple of 4 KiB.
 *
 * Context: Process context.
 * Return: The allocator, or an ERR_PTR(): -EINVAL, -ENOMEM.
 */
struct nvsvm_vram *nvsvm_vram_create(u64 size)
{
	struct nvsvm_vram *vram;

	if (!size || !IS_ALIGNED(size, SZ_4K))
		return ERR_PTR(-EINVAL);

	vram = kzalloc(sizeof(*vram), GFP_KERNEL);
	if (!vram)
		return ERR_PTR(-ENOMEM);
	vram->blocks = size >> NVSVM_VRAM_BLOCK_SHIFT;
	vram->map = bitmap_zalloc(vram->blocks, GFP_KERNEL);
	if (!vram->map) {
		kfree(vram);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_init(&vram->lock);
	return vram;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vram_create);

/**
 * nvsvm_vram_destroy() - Free the allocator.
 * @vram: The allocator; everything allocated must have been freed.
 *
 * Context: Process context.
 */
void nvsvm_vram_destroy(struct nvsvm_vram *vram)
{
	WARN_ON(vram->used);
	bitmap_free(vram->map);
	kfree(vram);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vram_destroy);

/**
 * nvsvm_vram_alloc() - Allocate a naturally aligned run of VRAM.
 * @vram: The allocator.
 * @size: Bytes, a power of two of at least 4 KiB.
 * @offset: Where the VRAM offset of the run goes.
 *
 * The content of the run is undefined.
 *
 * Context: Any context.
 * Return: 0, -EINVAL for a bad @size, or -ENOSPC when VRAM is full.
 */
int nvsvm_vram_alloc(struct nvsvm_vram *vram, u64 size, u64 *offset)
{
	unsigned long nr, start;

	if (size < SZ_4K || !is_power_of_2(size))
		return -EINVAL;
	nr = size >> NVSVM_VRAM_BLOCK_SHIFT;
	if (nr > vram->blocks)
		return -ENOSPC;

	spin_lock(&vram->lock);
	start = bitmap_find_next_zero_area(vram->map, vram->blocks, 0, nr,
					   nr - 1);
	if (start >= vram->blocks) {
		spin_unlock(&vram->lock);
		return -ENOSPC;
	}
	bitmap_set(vram->map, start, nr);
	vram->used += nr;
	spin_unlock(&vram->lock);

	*offset = (u64)start << NVSVM_VRAM_BLOCK_SHIFT;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vram_alloc);

/**
 * nvsvm_vram_free() - Free a run from nvsvm_vram_alloc().
 * @vram: The allocator.
 * @offset: The run's offset.
 * @size: The run's size, as allocated.
 *
 * Context: Any context.
 */
void nvsvm_vram_free(struct nvsvm_vram *vram, u64 offset, u64 size)
{
	unsigned long start = offset >> NVSVM_VRAM_BLOCK_SHIFT;
	unsigned long nr = size >> NVSVM_VRAM_BLOCK_SHIFT;

	spin_lock(&vram->lock);
	if (!WARN_ON(start + nr > vram->blocks)) {
		bitmap_clear(vram->map, start, nr);
		vram->used -= nr;
	}
	spin_unlock(&vram->lock);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vram_free);

/**
 * nvsvm_vram_used() - Bytes of VRAM allocated.
 * @vram: The allocator.
 *
 * Context: Any context.
 * Return: The number of bytes.
 */
u64 nvsvm_vram_used(struct nvsvm_vram *vram)
{
	return (u64)READ_ONCE(vram->used) << NVSVM_VRAM_BLOCK_SHIFT;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_vram_used);
