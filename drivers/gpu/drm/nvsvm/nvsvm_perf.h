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

/** define NVSVM_PERF_MAX_ADVICE - Most advised ranges per SVMM and attribute. */
#define NVSVM_PERF_MAX_ADVICE	64

/**
 * struct nvsvm_perf_advice - Ranges of one advice attribute.
 * @range: The ranges, each with its value; none overlap.
 * @range.start: Start of the range.
 * @range.end: End of the range.
 * @range.value: The attribute's value there, never its default.
 * @n: Number of entries in @range.
 */
struct nvsvm_perf_advice {
	struct {
		u64 start;
		u64 end;
		u32 value;
	} range[NVSVM_PERF_MAX_ADVICE];
	unsigned int n;
};

/**
 * struct nvsvm_perf - Placement-policy state of one SVMM.
 * @lock: Protects the page state of every block of @blocks, @accessed_by
 *	and @atomic; see DOC: Thrashing in nvsvm_perf.c.
 * @blocks: Thrashing and residency state of 2 MiB blocks, by block index
 *	(address >> 21), allocated at a block's first event, freed with the
 *	SVMM.
 * @accessed_by: Ranges advised accessed by this device.
 * @atomic: Ranges advised an atomic policy other than grants.
 */
struct nvsvm_perf {
	spinlock_t lock; /* protects blocks' pages, accessed_by, atomic */
	struct xarray blocks;
	struct nvsvm_perf_advice accessed_by;
	struct nvsvm_perf_advice atomic;
};

void nvsvm_perf_init(struct nvsvm_perf *perf);
void nvsvm_perf_fini(struct nvsvm_perf *perf);

void nvsvm_perf_migrated(struct nvsvm_svmm *svmm, u64 start,
			 unsigned long npages, bool to_vram);
void nvsvm_perf_migrating(struct nvsvm_svmm *svmm, u64 start,
			  const unsigned long *dst, unsigned long npages,
			  bool to_vram);
void nvsvm_perf_place(struct nvsvm_svmm *svmm, u64 from, u64 to, u32 flags);
int nvsvm_perf_advise(struct nvsvm_svmm *svmm, u64 start, u64 end, u32 attr,
		      u32 value);
void nvsvm_perf_invalidate(struct nvsvm_svmm *svmm, u64 start, u64 end,
			   bool unmap);
u32 nvsvm_perf_atomic_policy(struct nvsvm_svmm *svmm, u64 va);
void nvsvm_perf_granted(struct nvsvm_svmm *svmm, u64 va);
void nvsvm_perf_revoking(struct nvsvm_svmm *svmm, u64 start, u64 end);

#endif /* __NVSVM_PERF_H__ */
