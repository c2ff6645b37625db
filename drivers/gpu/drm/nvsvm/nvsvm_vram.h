/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Copyright 2026 The nvsvm authors
 */
#ifndef __NVSVM_VRAM_H__
#define __NVSVM_VRAM_H__

#include <linux/spinlock.h>
#include <linux/types.h>

/**
 * struct nvsvm_vram - Allocator of VRAM, in 4 KiB blocks.
 * @lock: Protects @map and @used.
 * @map: One bit per block, set when allocated.
 * @blocks: Number of blocks.
 * @used: Number of blocks allocated.
 */
struct nvsvm_vram {
	spinlock_t lock; /* protects map and used */
	unsigned long *map;
	unsigned long blocks;
	unsigned long used;
};

struct nvsvm_vram *nvsvm_vram_create(u64 size);
void nvsvm_vram_destroy(struct nvsvm_vram *vram);
int nvsvm_vram_alloc(struct nvsvm_vram *vram, u64 size, u64 *offset);
void nvsvm_vram_free(struct nvsvm_vram *vram, u64 offset, u64 size);
u64 nvsvm_vram_used(struct nvsvm_vram *vram);

#endif /* __NVSVM_VRAM_H__ */
