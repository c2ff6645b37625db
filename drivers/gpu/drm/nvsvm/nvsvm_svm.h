/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Copyright 2026 The nvsvm authors
 */
#ifndef __NVSVM_SVM_H__
#define __NVSVM_SVM_H__

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "nvsvm_hw.h"
#include "nvsvm_perf.h"
#include "nvsvm_vmm.h"

struct mm_struct;
struct nvsvm_device;
struct nvsvm_dmem_mm;
struct vm_area_struct;

/** define NVSVM_SVM_MAX_ADVICE - Most advised ranges per SVMM. */
#define NVSVM_SVM_MAX_ADVICE	64
struct nvsvm_vmm;

/**
 * enum nvsvm_stat - SVM counters, in the order of &struct drm_nvsvm_stats.
 * @NVSVM_STAT_FAULTS: GPU faults read from the fault buffer.
 * @NVSVM_STAT_FAULT_BATCHES: Batches they were serviced in.
 * @NVSVM_STAT_REPLAYS: Replays issued.
 * @NVSVM_STAT_CANCELS: Faults cancelled.
 * @NVSVM_STAT_PAGES_MAPPED: 4 KiB pages mapped by fault servicing.
 * @NVSVM_STAT_HUGE_MAPPED: 2 MiB GPU pages among them.
 * @NVSVM_STAT_INVALIDATIONS: Notifier invalidations that unmapped.
 * @NVSVM_STAT_INVALIDATIONS_SKIPPED: Own-migration invalidations skipped.
 * @NVSVM_STAT_TLB_FLUSHES: GPU TLB invalidations issued.
 * @NVSVM_STAT_JOBS: Jobs submitted.
 * @NVSVM_STAT_JOBS_FAILED: Jobs waited for that had failed.
 * @NVSVM_STAT_MIGRATED_TO_VRAM: Pages moved to VRAM.
 * @NVSVM_STAT_MIGRATED_TO_SYS: Pages moved to system memory.
 * @NVSVM_STAT_MIGRATION_INVALIDATIONS: Pages whose GPU mapping a migration
 *	invalidated.
 * @NVSVM_STAT_CPU_FAULTS: CPU faults on VRAM pages.
 * @NVSVM_STAT_EVICTIONS: Pages evicted from VRAM.
 * @NVSVM_STAT_VRAM_IN_USE: Bytes of VRAM holding pages; a gauge.
 * @NVSVM_STAT_ATOMIC_FAULTS: GPU faults of atomic accesses.
 * @NVSVM_STAT_EXCLUSIVE_GRANTS: System pages made exclusive to the GPU and
 *	mapped with atomics enabled.
 * @NVSVM_STAT_EXCLUSIVE_REVOCATIONS: Invalidations that took a page back
 *	from device-exclusive access.
 * @NVSVM_STAT_DMA_MAPS: System pages (or 2 MiB runs) DMA-mapped for PTEs
 *	and copies.
 * @NVSVM_STAT_DMA_UNMAPS: Of them, unmapped.
 * @NVSVM_STAT_IOMMU_FAULTS: GPU accesses the IOMMU refused; read from the
 *	hardware, see nvsvm_stat_read().
 * @NVSVM_STAT_BIG_MAPPED: 64 KiB GPU pages of VRAM mapped.
 * @NVSVM_STAT_HUGE_VRAM_MAPPED: 2 MiB GPU pages of VRAM mapped.
 * @NVSVM_STAT_PEER_MIGRATED: Pages moved into VRAM directly from a peer
 *	GPU's VRAM.
 * @NVSVM_STAT_PEER_BOUNCED: Pages moved from a peer GPU's VRAM to system
 *	memory on their way into this GPU's VRAM, for want of a peer path.
 * @NVSVM_STAT_THRASH_DETECTIONS: Pages found thrashing.
 * @NVSVM_STAT_THROTTLES: GPU faults or CPU revocations delayed because of
 *	thrashing.
 * @NVSVM_STAT_PINS: Thrashing pages pinned where they are.
 * @NVSVM_STAT_PREFETCHED: Pages GPU faults moved to VRAM beyond their
 *	windows, by density prefetch.
 * @NVSVM_STAT_COUNT: Number of counters.
 */
enum nvsvm_stat {
	NVSVM_STAT_FAULTS,
	NVSVM_STAT_FAULT_BATCHES,
	NVSVM_STAT_REPLAYS,
	NVSVM_STAT_CANCELS,
	NVSVM_STAT_PAGES_MAPPED,
	NVSVM_STAT_HUGE_MAPPED,
	NVSVM_STAT_INVALIDATIONS,
	NVSVM_STAT_INVALIDATIONS_SKIPPED,
	NVSVM_STAT_TLB_FLUSHES,
	NVSVM_STAT_JOBS,
	NVSVM_STAT_JOBS_FAILED,
	NVSVM_STAT_MIGRATED_TO_VRAM,
	NVSVM_STAT_MIGRATED_TO_SYS,
	NVSVM_STAT_MIGRATION_INVALIDATIONS,
	NVSVM_STAT_CPU_FAULTS,
	NVSVM_STAT_EVICTIONS,
	NVSVM_STAT_VRAM_IN_USE,
	NVSVM_STAT_ATOMIC_FAULTS,
	NVSVM_STAT_EXCLUSIVE_GRANTS,
	NVSVM_STAT_EXCLUSIVE_REVOCATIONS,
	NVSVM_STAT_DMA_MAPS,
	NVSVM_STAT_DMA_UNMAPS,
	NVSVM_STAT_IOMMU_FAULTS,
	NVSVM_STAT_BIG_MAPPED,
	NVSVM_STAT_HUGE_VRAM_MAPPED,
	NVSVM_STAT_PEER_MIGRATED,
	NVSVM_STAT_PEER_BOUNCED,
	NVSVM_STAT_THRASH_DETECTIONS,
	NVSVM_STAT_THROTTLES,
	NVSVM_STAT_PINS,
	NVSVM_STAT_PREFETCHED,
	NVSVM_STAT_COUNT,
};

/**
 * struct nvsvm_stats - A set of SVM counters.
 * @count: One counter per &enum nvsvm_stat.
 */
struct nvsvm_stats {
	atomic64_t count[NVSVM_STAT_COUNT];
};

/**
 * struct nvsvm_svm_device - Per-GPU state of the svm layer.
 * @fault_work: The GPU's fault interrupt: drains the fault buffer and hands
 *	each fault to its SVMM's fault work.
 * @fault_wq: Runs the fault work of every SVMM, unbound and concurrently.
 * @svmms: Live SVMMs by instance (page directory VRAM offset >> 12).
 *	Its lock also orders a lookup against the final put of an SVMM.
 * @faults: What @fault_work drained; used by @fault_work only.
 * @stats: Counters of the device, summed over all files.
 */
struct nvsvm_svm_device {
	struct work_struct fault_work;
	struct workqueue_struct *fault_wq;
	struct xarray svmms;
	struct nvsvm_hw_fault faults[NVSVM_HW_FAULT_ENTRIES];
	struct nvsvm_stats stats;
};

/**
 * struct nvsvm_svmm - A process address space mirrored into a GPU VM.
 * @ndev: The GPU.
 * @mm: The mirrored address space; a mmgrab() reference.
 * @dmm: What the migrations of @mm by every GPU share: its migration rwsem
 *	and block locks (DOC: Peer migration in nvsvm_dmem.c).
 * @vmm: The GPU VM; GPU virtual addresses are CPU virtual addresses.
 * @notifier: Interval notifier over the whole user address space.
 * @mutex: The svmm lock; see DOC: Locking in nvsvm_svm.c.
 * @invalidations: Invalidations of the address space other than this GPU's
 *	own migrations; protected by @mutex. See nvsvm_svmm_map_pfns().
 * @kref: References: the file's, one per queued @fault_work, and those
 *	of lookups by instance or by mm while they use it.
 * @inst: Instance of @vmm, as the fault buffer reports it.
 * @stats: Counters of the file that owns this SVMM. They live here, not in
 *	the file: the fault worker, a migration and the notifier may still
 *	count through an SVMM after the file is closed.
 * @advice_lock: Protects @advice and @nadvice.
 * @advice: Ranges whose preferred location is VRAM.
 * @nadvice: Number of entries in @advice.
 * @fault_work: Services the SVMM's faults, then replays.
 * @fault_lock: Protects @pending and @npending.
 * @pending: Faults the interrupt handed over, %NVSVM_HW_FAULT_ENTRIES.
 * @npending: Number of entries in @pending.
 * @batch: The faults being serviced; used by @fault_work only.
 * @hmm_pfns: HMM's output for one window; used by @fault_work only.
 * @pfns: PFN-map input for one window; used by @fault_work only.
 * @batch_windows: Windows the batch being serviced has mapped so far, for
 *	its trace event; used by @fault_work only.
 * @batch_pages: Pages those windows mapped; used by @fault_work only.
 * @refault_va: The window the last fault-in mapped; used by @fault_work
 *	and the atomic path, serialised by it.
 * @refaults: How many fault-ins in a row mapped @refault_va, each for an
 *	access that invalidations took back before the GPU replayed it.
 * @batch_ns: Where the batch's time went, for its trace event, while the
 *	event is enabled: faulting pages in, migrating them, mapping them;
 *	used by @fault_work only.
 * @batch_ns.fault: In hmm_range_fault() and the fault-ins before it.
 * @batch_ns.migrate: In migrations of the batch's windows.
 * @batch_ns.map: Reserving page tables, writing PTEs and flushing.
 * @seen: The vmm's counts, as last accounted; under @mutex.
 * @perf: Placement-policy state: DOC: Thrashing in nvsvm_perf.c.
 */
struct nvsvm_svmm {
	struct nvsvm_device *ndev;
	struct mm_struct *mm;
	struct nvsvm_dmem_mm *dmm;
	struct nvsvm_vmm *vmm;
	struct mmu_interval_notifier notifier;
	struct mutex mutex; /* see DOC: Locking */
	u64 invalidations;
	struct kref kref;
	u64 inst;
	struct nvsvm_stats stats;
	spinlock_t advice_lock; /* protects advice, nadvice */
	struct nvsvm_svm_advice {
		u64 start;
		u64 end;
	} advice[NVSVM_SVM_MAX_ADVICE];
	unsigned int nadvice;
	struct work_struct fault_work;
	spinlock_t fault_lock; /* protects pending, npending */
	struct nvsvm_hw_fault *pending;
	unsigned int npending;
	struct nvsvm_hw_fault *batch;
	unsigned long *hmm_pfns;
	u64 *pfns;
	unsigned int batch_windows;
	u64 batch_pages;
	u64 refault_va;
	unsigned int refaults;
	struct {
		u64 fault;
		u64 migrate;
		u64 map;
	} batch_ns;
	struct nvsvm_vmm_counts seen;
	struct nvsvm_perf perf;
};

int nvsvm_svm_device_init(struct nvsvm_device *ndev);
void nvsvm_svm_device_fini(struct nvsvm_device *ndev);

struct nvsvm_svmm *nvsvm_svmm_create(struct nvsvm_device *ndev,
				     struct mm_struct *mm);
void nvsvm_svmm_destroy(struct nvsvm_svmm *svmm);

void *nvsvm_svm_sys_owner(struct nvsvm_device *ndev);
void nvsvm_svm_migrating(struct nvsvm_device *ndev, struct mm_struct *mm,
			 u64 start, const unsigned long *dst,
			 unsigned long npages, bool to_vram);
u64 nvsvm_svmm_invalidations(struct nvsvm_svmm *svmm);
void nvsvm_svmm_map_pfns(struct nvsvm_svmm *svmm, u64 start,
			 unsigned long npages, const u64 *pfns,
			 u64 invalidations);
int nvsvm_svmm_advise(struct nvsvm_svmm *svmm, u64 start, u64 end,
		      bool vram);

int nvsvm_svm_vma_check(struct vm_area_struct *vma);

void nvsvm_stat_add(struct nvsvm_device *ndev, struct nvsvm_stats *stats,
		    enum nvsvm_stat stat, u64 n);
u64 nvsvm_stat_read(struct nvsvm_device *ndev, struct nvsvm_stats *stats,
		    enum nvsvm_stat stat);

#endif /* __NVSVM_SVM_H__ */
