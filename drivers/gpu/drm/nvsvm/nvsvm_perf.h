/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Copyright 2026 The nvsvm authors
 */
#ifndef __NVSVM_PERF_H__
#define __NVSVM_PERF_H__

#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/xarray.h>

struct nvsvm_svmm;

/**
 * struct nvsvm_perf - Placement-policy state of one SVMM.
 * @lock: Protects the page state of every block of @blocks; see DOC:
 *	Thrashing in nvsvm_perf.c.
 * @blocks: Thrashing and residency state of 2 MiB blocks, by block index (address >> 21),
 *	allocated at a block's first event, freed with the SVMM.
 */
struct nvsvm_perf {
	spinlock_t lock; /* protects the pages of every block */
	struct xarray blocks;
};

void nvsvm_perf_init(struct nvsvm_perf *perf);
void nvsvm_perf_fini(struct nvsvm_perf *perf);

void nvsvm_perf_migrated(struct nvsvm_svmm *svmm, u64 start,
			 unsigned long npages, bool to_vram);
void nvsvm_perf_migrating(struct nvsvm_svmm *svmm, u64 start,
			  const unsigned long *dst, unsigned long npages,
			  bool to_vram);
void nvsvm_perf_place(struct nvsvm_svmm *svmm, u64 from, u64 to, u32 flags);
void nvsvm_perf_granted(struct nvsvm_svmm *svmm, u64 va);
void nvsvm_perf_revoking(struct nvsvm_svmm *svmm, u64 start, u64 end);

#endif /* __NVSVM_PERF_H__ */
