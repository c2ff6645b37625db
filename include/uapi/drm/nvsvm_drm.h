/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The nvsvm authors
 */
#ifndef _NVSVM_DRM_H_
#define _NVSVM_DRM_H_

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: Introduction
 *
 * nvsvm is a shared-virtual-memory (SVM) driver for an NVIDIA Pascal-class
 * (GP100) GPU. This header is its userspace API. It follows the rules of the
 * panthor and xe uAPIs:
 *
 * - Every structure is 8-byte aligned and its size is a multiple of 8 bytes.
 *   Holes are filled with explicit padding fields, which must be zero.
 * - Pointers and sizes are passed as __u64, so that 32-bit and 64-bit
 *   userspace see the same layout.
 * - Flags are only ever added. Bits that are not defined must be zero, and
 *   the kernel rejects a call that sets one with -EINVAL.
 * - New fields are only appended to a structure, and zero means the old
 *   behaviour: the DRM core zero-extends a shorter structure from older
 *   userspace. Each new field or flag comes with a bump of
 *   %NVSVM_UAPI_VERSION, which %DRM_NVSVM_PARAM_UAPI_VERSION reports.
 * - Ioctl numbers are only ever appended to &enum drm_nvsvm_ioctl_id.
 * - There are no unions.
 *
 * Every ioctl validates all of its input before it has any side effect, and
 * fails with -EINVAL on an unknown flag, a nonzero padding or reserved field,
 * or a value out of range.
 */

/**
 * define NVSVM_UAPI_VERSION - Version of this uAPI.
 *
 * Bumped whenever an ioctl, a structure field, a flag or a parameter is
 * added.
 */
#define NVSVM_UAPI_VERSION		7

/**
 * enum drm_nvsvm_ioctl_id - Ioctl numbers, relative to %DRM_COMMAND_BASE.
 *
 * Append-only: never reorder or remove an entry.
 */
enum drm_nvsvm_ioctl_id {
	/** @DRM_NVSVM_GETPARAM: Query a device parameter. */
	DRM_NVSVM_GETPARAM = 0,
	/** @DRM_NVSVM_SVM_INIT: Mirror the caller's address space. */
	DRM_NVSVM_SVM_INIT,
	/** @DRM_NVSVM_CHANNEL_CREATE: Create an exec-engine channel. */
	DRM_NVSVM_CHANNEL_CREATE,
	/** @DRM_NVSVM_CHANNEL_DESTROY: Destroy a channel. */
	DRM_NVSVM_CHANNEL_DESTROY,
	/** @DRM_NVSVM_JOB_SUBMIT: Run a job on a channel. */
	DRM_NVSVM_JOB_SUBMIT,
	/** @DRM_NVSVM_JOB_WAIT: Wait for a job and collect its status. */
	DRM_NVSVM_JOB_WAIT,
	/** @DRM_NVSVM_STATS: Read the SVM counters. */
	DRM_NVSVM_STATS,
	/** @DRM_NVSVM_MIGRATE: Move a range to VRAM or to system memory. */
	DRM_NVSVM_MIGRATE,
	/** @DRM_NVSVM_ADVISE: Set an attribute of a range. */
	DRM_NVSVM_ADVISE,
};

/**
 * enum drm_nvsvm_param - Parameters that %DRM_IOCTL_NVSVM_GETPARAM reports.
 *
 * Zero is not a valid parameter, so that a zero-initialised query fails.
 */
enum drm_nvsvm_param {
	/**
	 * @DRM_NVSVM_PARAM_DRIVER_VERSION: Driver version, encoded as
	 * (major << 32) | (minor << 16) | patchlevel.
	 */
	DRM_NVSVM_PARAM_DRIVER_VERSION = 1,
	/** @DRM_NVSVM_PARAM_UAPI_VERSION: %NVSVM_UAPI_VERSION of the driver. */
	DRM_NVSVM_PARAM_UAPI_VERSION,
	/**
	 * @DRM_NVSVM_PARAM_CHIPSET: Chipset identifier, as in NVIDIA's
	 * PMC_BOOT_0 implementation field: 0x130 for GP100.
	 */
	DRM_NVSVM_PARAM_CHIPSET,
	/**
	 * @DRM_NVSVM_PARAM_CHIPSET_NAME: Chipset name as a NUL-terminated
	 * string, "gp100-emu" for the emulated GP100. The string is copied to
	 * the buffer that &drm_nvsvm_getparam.ptr and &drm_nvsvm_getparam.size
	 * describe, and &drm_nvsvm_getparam.value returns its size including
	 * the NUL. A zero @size only queries that size. A buffer that is too
	 * small fails with -ENOSPC and copies nothing.
	 */
	DRM_NVSVM_PARAM_CHIPSET_NAME,
	/** @DRM_NVSVM_PARAM_VRAM_SIZE: Size of the device's VRAM in bytes. */
	DRM_NVSVM_PARAM_VRAM_SIZE,
	/**
	 * @DRM_NVSVM_PARAM_PAGE_SIZES: GPU page sizes the MMU supports, as a
	 * mask in which each supported size sets the bit of its own value
	 * (4 KiB, 64 KiB and 2 MiB on GP100).
	 */
	DRM_NVSVM_PARAM_PAGE_SIZES,
	/**
	 * @DRM_NVSVM_PARAM_DEVICE_INDEX: Index of this device among the
	 * devices the driver registered, from 0.
	 */
	DRM_NVSVM_PARAM_DEVICE_INDEX,
};

/**
 * struct drm_nvsvm_getparam - Argument of %DRM_IOCTL_NVSVM_GETPARAM.
 */
struct drm_nvsvm_getparam {
	/** @param: Parameter to query, one of &enum drm_nvsvm_param. */
	__u32 param;
	/** @pad: Must be zero. */
	__u32 pad;
	/** @value: Returned value of the parameter. */
	__u64 value;
	/**
	 * @ptr: User pointer to a buffer for parameters that return a
	 * string or an array. Must be zero for the other parameters.
	 */
	__u64 ptr;
	/**
	 * @size: Size in bytes of the buffer at @ptr. Must be zero for the
	 * parameters that do not take a buffer.
	 */
	__u64 size;
};

/**
 * define DRM_IOCTL_NVSVM_GETPARAM - Query a device parameter.
 *
 * Fails with -EINVAL for an unknown parameter or a nonzero padding field.
 */
#define DRM_IOCTL_NVSVM_GETPARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVSVM_GETPARAM, struct drm_nvsvm_getparam)

/**
 * DOC: Shared virtual memory
 *
 * After %DRM_IOCTL_NVSVM_SVM_INIT, the GPU sees the calling process's
 * address space: a GPU virtual address is the CPU virtual address, and any
 * memory of the process (malloc, mmap of anonymous memory or of a file,
 * stack, static data) can be used by a job without being registered. The
 * GPU faults on first touch, the kernel mirrors the CPU page tables, and
 * every later change of the CPU mapping (munmap, mprotect, fork's
 * copy-on-write, migration, reclaim) is reflected before the GPU can see
 * stale data. An access the CPU could not make either (no mapping,
 * PROT_NONE, a write to read-only memory) fails the job with -EFAULT.
 *
 * Jobs are programs of &struct drm_nvsvm_op run by the exec engine on a
 * channel. Jobs of one channel run in order; channels run concurrently.
 *
 * A file belongs to the process whose address space it mirrors. A process
 * that holds the file without being that process, a child that inherited
 * it over fork() or a process that received it over SCM_RIGHTS, can only
 * query %DRM_IOCTL_NVSVM_GETPARAM: every other ioctl fails with -EBADF,
 * and never reads, writes or moves the owner's memory. A child that wants
 * the GPU opens the device itself.
 *
 * Some memory no device may touch, whatever its protection says. A job
 * access to it fails the job with -EFAULT, and %DRM_IOCTL_NVSVM_MIGRATE of
 * a range that includes it fails with -EFAULT before anything moves:
 *
 * - memfd_secret() memory, which is reserved to its process's CPU;
 * - VM_IO and VM_PFNMAP mappings, which have no pages to mirror;
 * - ranges registered with userfaultfd for missing or minor faults, since
 *   a device fault cannot wait for the userspace handler.
 */

/**
 * struct drm_nvsvm_svm_init - Argument of %DRM_IOCTL_NVSVM_SVM_INIT.
 *
 * Binds the calling process's address space to a new GPU VM of this file.
 * A file mirrors one address space; a second call fails with -EBUSY, or
 * with -EBADF from another process. The binding lasts until the file is
 * closed, and makes the file the calling process's (see DOC: Shared
 * virtual memory).
 */
struct drm_nvsvm_svm_init {
	/** @flags: Must be zero. */
	__u32 flags;
	/** @pad: Must be zero. */
	__u32 pad;
};

/**
 * struct drm_nvsvm_channel_create - Argument of
 * %DRM_IOCTL_NVSVM_CHANNEL_CREATE.
 *
 * Needs %DRM_IOCTL_NVSVM_SVM_INIT first (-ENOENT otherwise). A file has at
 * most %NVSVM_MAX_CHANNELS channels (-ENOSPC beyond).
 */
struct drm_nvsvm_channel_create {
	/** @flags: Must be zero. */
	__u32 flags;
	/** @handle: Returned channel handle, never zero. */
	__u32 handle;
};

/** define NVSVM_MAX_CHANNELS - Most channels one file may have. */
#define NVSVM_MAX_CHANNELS		64

/**
 * struct drm_nvsvm_channel_destroy - Argument of
 * %DRM_IOCTL_NVSVM_CHANNEL_DESTROY.
 *
 * Jobs of the channel that have not completed are cancelled: they complete
 * with -ECANCELED, and can still be waited for.
 */
struct drm_nvsvm_channel_destroy {
	/** @handle: Channel handle. */
	__u32 handle;
	/** @pad: Must be zero. */
	__u32 pad;
};

/**
 * enum drm_nvsvm_opcode - Operations of a job.
 *
 * Operands are GPU virtual addresses of arrays of 64-bit words, 8-byte
 * aligned, and &drm_nvsvm_op.len is their length in bytes, a nonzero
 * multiple of 8 of at most %NVSVM_OP_MAX_LEN. Arithmetic wraps modulo 2^64.
 * Fields an operation does not use must be zero.
 */
enum drm_nvsvm_opcode {
	/** @DRM_NVSVM_OP_FILL: dst[i] = imm. */
	DRM_NVSVM_OP_FILL = 1,
	/** @DRM_NVSVM_OP_COPY: dst[i] = src0[i], in increasing order of i. */
	DRM_NVSVM_OP_COPY,
	/**
	 * @DRM_NVSVM_OP_CHECKSUM: Write the FNV-1a checksum of src0[] over
	 * 64-bit words, h = (h ^ src0[i]) * 0x100000001b3 from
	 * 0xcbf29ce484222325, to the word at dst.
	 */
	DRM_NVSVM_OP_CHECKSUM,
	/** @DRM_NVSVM_OP_ATOMIC_ADD: dst[i] += imm, each an atomic access. */
	DRM_NVSVM_OP_ATOMIC_ADD,
	/** @DRM_NVSVM_OP_TRIAD: dst[i] = src0[i] + imm * src1[i]. */
	DRM_NVSVM_OP_TRIAD,
};

/** define NVSVM_OP_MAX_LEN - Longest array one operation may cover. */
#define NVSVM_OP_MAX_LEN		(16ull << 20)
/** define NVSVM_JOB_MAX_OPS - Most operations in one job. */
#define NVSVM_JOB_MAX_OPS		64

/**
 * struct drm_nvsvm_op - One operation of a job.
 */
struct drm_nvsvm_op {
	/** @opcode: One of &enum drm_nvsvm_opcode. */
	__u32 opcode;
	/** @flags: Must be zero. */
	__u32 flags;
	/** @dst: Destination GPU virtual address. */
	__u64 dst;
	/** @src0: First source GPU virtual address. */
	__u64 src0;
	/** @src1: Second source GPU virtual address. */
	__u64 src1;
	/** @len: Length of each array in bytes. */
	__u64 len;
	/** @imm: Fill value, addend or triad scalar. */
	__u64 imm;
};

/**
 * struct drm_nvsvm_job_submit - Argument of %DRM_IOCTL_NVSVM_JOB_SUBMIT.
 *
 * The operations are copied before the call returns. A file has at most
 * %NVSVM_MAX_JOBS jobs that have not been waited for (-EBUSY beyond).
 */
struct drm_nvsvm_job_submit {
	/** @channel: Channel handle. */
	__u32 channel;
	/** @flags: Must be zero. */
	__u32 flags;
	/** @ops: User pointer to an array of @op_count &struct drm_nvsvm_op. */
	__u64 ops;
	/** @op_count: Number of operations, 1 to %NVSVM_JOB_MAX_OPS. */
	__u32 op_count;
	/**
	 * @op_stride: Size of one element of @ops, at least the size of
	 * the first version of &struct drm_nvsvm_op; bytes beyond what the
	 * kernel knows must be zero.
	 */
	__u32 op_stride;
	/** @job: Returned job id, never zero. */
	__u64 job;
};

/** define NVSVM_MAX_JOBS - Most jobs a file may have that are not waited for. */
#define NVSVM_MAX_JOBS			1024

/**
 * struct drm_nvsvm_job_wait - Argument of %DRM_IOCTL_NVSVM_JOB_WAIT.
 *
 * Waits until the job completes or the timeout passes (-ETIME). A zero
 * timeout only polls. Once a wait has returned a job's status, the job id
 * is released and a later wait on it fails with -ENOENT.
 */
struct drm_nvsvm_job_wait {
	/** @job: Job id from &drm_nvsvm_job_submit.job. */
	__u64 job;
	/** @timeout_ns: Relative timeout in nanoseconds, at most 1 hour. */
	__u64 timeout_ns;
	/** @flags: Must be zero. */
	__u32 flags;
	/**
	 * @status: Returned status of the job: 0 on success, -EFAULT when
	 * an access faulted and could not be serviced, -ECANCELED when the
	 * channel was destroyed first, -EIO on a GPU error.
	 */
	__s32 status;
};

/**
 * define DRM_NVSVM_STATS_DEVICE - Read the device's counters, summed over
 * every file, instead of this file's.
 */
#define DRM_NVSVM_STATS_DEVICE		(1 << 0)

/**
 * struct drm_nvsvm_stats - Argument of %DRM_IOCTL_NVSVM_STATS.
 *
 * Counters only grow. New counters are appended.
 */
struct drm_nvsvm_stats {
	/** @flags: 0 for this file's counters, or %DRM_NVSVM_STATS_DEVICE. */
	__u32 flags;
	/** @pad: Must be zero. */
	__u32 pad;
	/** @faults: GPU faults read from the fault buffer. */
	__u64 faults;
	/** @fault_batches: Batches the faults were serviced in. */
	__u64 fault_batches;
	/** @replays: Replays issued, one per batch at most. */
	__u64 replays;
	/** @cancels: Faults cancelled: their jobs failed with -EFAULT. */
	__u64 cancels;
	/** @pages_mapped: 4 KiB pages mapped for the GPU by fault servicing. */
	__u64 pages_mapped;
	/** @huge_mapped: 2 MiB GPU pages among them. */
	__u64 huge_mapped;
	/** @invalidations: mmu notifier invalidations that unmapped. */
	__u64 invalidations;
	/**
	 * @invalidations_skipped: MMU_NOTIFY_MIGRATE invalidations skipped
	 * because this device started the migration, or because it moves
	 * only another device's VRAM pages, which this one never maps.
	 */
	__u64 invalidations_skipped;
	/** @tlb_flushes: GPU TLB invalidations issued. */
	__u64 tlb_flushes;
	/** @jobs: Jobs submitted. */
	__u64 jobs;
	/** @jobs_failed: Jobs waited for that had failed. */
	__u64 jobs_failed;
	/** @migrated_to_vram: Pages moved from system memory to VRAM. */
	__u64 migrated_to_vram;
	/** @migrated_to_sys: Pages moved from VRAM to system memory. */
	__u64 migrated_to_sys;
	/**
	 * @migration_invalidations: GPU mappings of migrating pages that the
	 * driver invalidated inside its own migrations, in pages.
	 */
	__u64 migration_invalidations;
	/** @cpu_faults: CPU faults on VRAM pages (migrate_to_ram calls). */
	__u64 cpu_faults;
	/** @evictions: Pages evicted from VRAM to make room. */
	__u64 evictions;
	/**
	 * @vram_in_use: Bytes of VRAM holding migrated pages now. Unlike
	 * the other fields, a gauge; with %DRM_NVSVM_STATS_DEVICE only.
	 */
	__u64 vram_in_use;
	/** @atomic_faults: GPU faults of atomic accesses. */
	__u64 atomic_faults;
	/**
	 * @exclusive_grants: System pages the GPU took exclusive for atomics
	 * (make_device_exclusive) and mapped atomic-enabled.
	 */
	__u64 exclusive_grants;
	/**
	 * @exclusive_revocations: Invalidations that took a device-exclusive
	 * page back, because the CPU or another device touched it.
	 */
	__u64 exclusive_revocations;
	/** @dma_maps: System pages (or 2 MiB runs) DMA-mapped for GPU PTEs. */
	__u64 dma_maps;
	/** @dma_unmaps: Of them, unmapped once their PTEs were flushed. */
	__u64 dma_unmaps;
	/**
	 * @iommu_faults: GPU accesses to system memory that the IOMMU
	 * refused: a driver bug. With %DRM_NVSVM_STATS_DEVICE only.
	 */
	__u64 iommu_faults;
	/** @big_mapped: 64 KiB GPU pages of VRAM mapped. */
	__u64 big_mapped;
	/** @huge_vram_mapped: 2 MiB GPU pages of VRAM mapped. */
	__u64 huge_vram_mapped;
	/**
	 * @peer_migrated: Pages moved into this GPU's VRAM directly from
	 * another GPU's VRAM, through its copy engine's peer-to-peer path;
	 * also counted in @migrated_to_vram.
	 */
	__u64 peer_migrated;
	/**
	 * @peer_bounced: Pages that another GPU's VRAM gave back to system
	 * memory on their way into this GPU's VRAM, for want of a peer path.
	 */
	__u64 peer_bounced;
	/**
	 * @thrash_detections: Pages found thrashing: migrated to and from
	 * VRAM, or granted to the GPU for atomics and revoked, too often in
	 * too short a time (DOC: Thrashing). Since version 5.
	 */
	__u64 thrash_detections;
	/**
	 * @throttles: GPU faults, or CPU accesses that revoke a grant,
	 * delayed because their page was thrashing. Since version 5.
	 */
	__u64 throttles;
	/**
	 * @pins: Thrashing pages pinned where they are for a while: the GPU
	 * maps them in system memory instead of migrating them. Since
	 * version 5.
	 */
	__u64 pins;
	/**
	 * @prefetched: Pages that GPU faults moved to VRAM beyond the pages
	 * they faulted on, because the part of the 2 MiB block around them
	 * was dense enough (see DOC: Device memory). Since version 6.
	 */
	__u64 prefetched;
};

/**
 * DOC: Device memory
 *
 * Pages of a mirrored address space can live in the GPU's VRAM, as
 * device-private pages: the CPU still maps the addresses, and a CPU access
 * to such a page faults it back to system memory transparently, together
 * with a window of its neighbours. %DRM_IOCTL_NVSVM_MIGRATE moves a range
 * either way now; %DRM_IOCTL_NVSVM_ADVISE sets where GPU faults should put
 * the pages of a range. When VRAM is full, the least recently filled VRAM
 * is evicted to system memory; a migration to VRAM that finds no room
 * leaves pages where they are rather than failing. No data is ever lost.
 * Pages in VRAM belong to the process, not to the file that moved them:
 * they stay there after the file is closed, and come back on CPU access,
 * on eviction, or when the driver is unloaded, which first brings every
 * page of a live process back to system memory.
 *
 * A GPU fault in a range advised to VRAM moves more than the pages it
 * faulted on when much of the 2 MiB block around them is in VRAM already
 * or faulting: the largest aligned part of the block, within the advised
 * range, that is mostly there moves whole
 * (&drm_nvsvm_stats.prefetched). A sweep of a range thus takes a few
 * faults per 2 MiB, not one per page.
 *
 * Only private anonymous memory moves; shared and file-backed pages, and
 * pages never populated, stay where they are.
 */

/**
 * DOC: Thrashing
 *
 * A page that the CPU and the GPU take turns on would move at every turn:
 * to VRAM at each GPU fault of a range advised there, back at each CPU
 * access; and a system page that the GPU holds for atomics would be taken
 * back at each CPU access. The driver counts, per page, these migrations
 * and exclusive grants in a short window. A page with too many is
 * thrashing (&drm_nvsvm_stats.thrash_detections). A GPU fault that would
 * migrate it is then delayed (&drm_nvsvm_stats.throttles), and after
 * several delays the page is pinned where it is for a while
 * (&drm_nvsvm_stats.pins): the GPU maps it in system memory instead of
 * moving it. A CPU access that takes back a thrashing page's atomic grant
 * waits until the grant is a little older, so that the GPU's atomics make
 * progress. Placement changes, data never does. The thresholds and times
 * are module parameters (thrash_*), and thrash_enable=0 switches it off.
 */

/** define DRM_NVSVM_MIGRATE_TO_SYSTEM - Target: system memory. */
#define DRM_NVSVM_MIGRATE_TO_SYSTEM	0
/** define DRM_NVSVM_MIGRATE_TO_VRAM - Target: this device's VRAM. */
#define DRM_NVSVM_MIGRATE_TO_VRAM	1

/**
 * struct drm_nvsvm_migrate - Argument of %DRM_IOCTL_NVSVM_MIGRATE.
 *
 * Moves the pages of [@addr, @addr + @size) that can move to @target, and
 * reports how many did. A page that is already there, is not mapped, is
 * the zero page or not populated, cannot be read, is shared, or is busy
 * stays where it is and counts in @skipped. The range must lie in the user
 * address space (-EINVAL). Needs %DRM_IOCTL_NVSVM_SVM_INIT first (-ENOENT
 * otherwise).
 */
struct drm_nvsvm_migrate {
	/** @addr: Start of the range, page aligned. */
	__u64 addr;
	/** @size: Size of the range, page aligned, nonzero, at most 4 GiB. */
	__u64 size;
	/** @target: %DRM_NVSVM_MIGRATE_TO_SYSTEM or %DRM_NVSVM_MIGRATE_TO_VRAM. */
	__u32 target;
	/** @flags: Must be zero. */
	__u32 flags;
	/** @migrated: Returned number of pages moved. */
	__u64 migrated;
	/** @skipped: Returned number of pages of the range not moved. */
	__u64 skipped;
};

/** define DRM_NVSVM_MIGRATE_MAX_SIZE - Largest range one migrate covers. */
#define DRM_NVSVM_MIGRATE_MAX_SIZE	(4ull << 30)

/** define DRM_NVSVM_ADVISE_PREFERRED_LOCATION - Attribute: where GPU faults put pages. */
#define DRM_NVSVM_ADVISE_PREFERRED_LOCATION	1
/**
 * define DRM_NVSVM_ADVISE_ACCESSED_BY - Attribute of the ranges this
 * device maps where they are, never migrating them. Since version 7.
 */
#define DRM_NVSVM_ADVISE_ACCESSED_BY		2
/**
 * define DRM_NVSVM_ADVISE_ATOMIC - Attribute of how device atomics on the
 * range's system pages work, a %DRM_NVSVM_ATOMIC_* value. Since version 7.
 */
#define DRM_NVSVM_ADVISE_ATOMIC			3

/**
 * define DRM_NVSVM_ATOMIC_GRANT - Atomic policy that takes a system page
 * exclusive from the CPU for the device's atomics (the default).
 */
#define DRM_NVSVM_ATOMIC_GRANT			0
/**
 * define DRM_NVSVM_ATOMIC_VRAM - Atomic policy that moves the page to
 * VRAM, where atomics are native; a page that cannot move is granted
 * instead.
 */
#define DRM_NVSVM_ATOMIC_VRAM			1
/**
 * define DRM_NVSVM_ATOMIC_NONE - Atomic policy that refuses device
 * atomics on system pages, failing their job with -EFAULT.
 */
#define DRM_NVSVM_ATOMIC_NONE			2

/**
 * struct drm_nvsvm_advise - Argument of %DRM_IOCTL_NVSVM_ADVISE.
 *
 * Advice is per file: it is about this device's accesses. The attributes:
 *
 * - %DRM_NVSVM_ADVISE_PREFERRED_LOCATION: with %DRM_NVSVM_MIGRATE_TO_VRAM,
 *   a GPU fault on a system page of the range migrates it to VRAM before
 *   mapping it. With %DRM_NVSVM_MIGRATE_TO_SYSTEM (the default
 *   everywhere), pages stay where they are. A GPU fault on a page never
 *   populated populates it, then moves it.
 * - %DRM_NVSVM_ADVISE_ACCESSED_BY: with 1, GPU faults of this device map
 *   the pages of the range where they are, in system memory or VRAM, and
 *   never migrate them, even where the preferred location is VRAM; its
 *   mappings of system pages then last across the CPU's accesses. With 0
 *   (the default), they do not.
 * - %DRM_NVSVM_ADVISE_ATOMIC: a %DRM_NVSVM_ATOMIC_* policy for the device
 *   atomics of this file on the range's system pages, as in Xe's madvise:
 *   through exclusive grants (%DRM_NVSVM_ATOMIC_GRANT, the default),
 *   through VRAM (%DRM_NVSVM_ATOMIC_VRAM), or refused
 *   (%DRM_NVSVM_ATOMIC_NONE). Pages in VRAM take atomics natively whatever
 *   the policy.
 *
 * A later advice of an attribute replaces every earlier one of the same
 * attribute it overlaps, in full. At most %DRM_NVSVM_ADVISE_MAX_RANGES
 * ranges per file and attribute (-ENOSPC beyond). Needs
 * %DRM_IOCTL_NVSVM_SVM_INIT first (-ENOENT otherwise).
 */
struct drm_nvsvm_advise {
	/** @addr: Start of the range, page aligned. */
	__u64 addr;
	/** @size: Size of the range, page aligned, nonzero. */
	__u64 size;
	/** @attr: A %DRM_NVSVM_ADVISE_* attribute. */
	__u32 attr;
	/**
	 * @value: For %DRM_NVSVM_ADVISE_PREFERRED_LOCATION a migration
	 * target, as in &drm_nvsvm_migrate.target; for
	 * %DRM_NVSVM_ADVISE_ACCESSED_BY 0 or 1; for %DRM_NVSVM_ADVISE_ATOMIC
	 * a %DRM_NVSVM_ATOMIC_* policy.
	 */
	__u32 value;
	/** @flags: Must be zero. */
	__u32 flags;
	/** @pad: Must be zero. */
	__u32 pad;
};

/** define DRM_NVSVM_ADVISE_MAX_RANGES - Most advised ranges per file and attribute. */
#define DRM_NVSVM_ADVISE_MAX_RANGES	64

/**
 * define DRM_IOCTL_NVSVM_SVM_INIT - Mirror the caller's address space.
 */
#define DRM_IOCTL_NVSVM_SVM_INIT \
	DRM_IOW(DRM_COMMAND_BASE + DRM_NVSVM_SVM_INIT, struct drm_nvsvm_svm_init)

/**
 * define DRM_IOCTL_NVSVM_CHANNEL_CREATE - Create a channel.
 */
#define DRM_IOCTL_NVSVM_CHANNEL_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVSVM_CHANNEL_CREATE, \
		 struct drm_nvsvm_channel_create)

/**
 * define DRM_IOCTL_NVSVM_CHANNEL_DESTROY - Destroy a channel.
 */
#define DRM_IOCTL_NVSVM_CHANNEL_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_NVSVM_CHANNEL_DESTROY, \
		struct drm_nvsvm_channel_destroy)

/**
 * define DRM_IOCTL_NVSVM_JOB_SUBMIT - Run a job on a channel.
 */
#define DRM_IOCTL_NVSVM_JOB_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVSVM_JOB_SUBMIT, \
		 struct drm_nvsvm_job_submit)

/**
 * define DRM_IOCTL_NVSVM_JOB_WAIT - Wait for a job and collect its status.
 */
#define DRM_IOCTL_NVSVM_JOB_WAIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVSVM_JOB_WAIT, struct drm_nvsvm_job_wait)

/**
 * define DRM_IOCTL_NVSVM_STATS - Read the SVM counters.
 */
#define DRM_IOCTL_NVSVM_STATS \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVSVM_STATS, struct drm_nvsvm_stats)

/**
 * define DRM_IOCTL_NVSVM_MIGRATE - Move a range to VRAM or system memory.
 */
#define DRM_IOCTL_NVSVM_MIGRATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_NVSVM_MIGRATE, struct drm_nvsvm_migrate)

/**
 * define DRM_IOCTL_NVSVM_ADVISE - Set an attribute of a range.
 */
#define DRM_IOCTL_NVSVM_ADVISE \
	DRM_IOW(DRM_COMMAND_BASE + DRM_NVSVM_ADVISE, struct drm_nvsvm_advise)

#if defined(__cplusplus)
}
#endif

#endif /* _NVSVM_DRM_H_ */
