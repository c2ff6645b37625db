/* SPDX-License-Identifier: MIT */
/*
 * libnvsvm: a small C library over the nvsvm uAPI.
 *
 * Copyright 2026 The nvsvm authors
 */
#ifndef LIBNVSVM_H
#define LIBNVSVM_H

#include <stddef.h>
#include <stdint.h>

#include <nvsvm_drm.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * NVSVM_EXPORT marks the functions of the API: libnvsvm.so is built with
 * -fvisibility=hidden, so that these, and nothing else, are its exported
 * symbols. It means nothing to a program that only calls them.
 */
#if defined(__GNUC__) && __GNUC__ >= 4
#define NVSVM_EXPORT __attribute__((visibility("default")))
#else
#define NVSVM_EXPORT
#endif

/**
 * DOC: Overview
 *
 * libnvsvm wraps the nvsvm uAPI (nvsvm_drm.h) through libdrm's drmIoctl(),
 * which restarts a call interrupted by a signal. It opens devices, mirrors
 * the caller's address space (nvsvm_svm_init()), builds and runs jobs on
 * the exec engine (&struct nvsvm_job_builder), moves memory between system
 * memory and VRAM, and reads the driver's counters.
 *
 * Build against it with pkg-config: ``make userspace`` writes
 * build/userspace/libnvsvm.pc, so that
 * ``PKG_CONFIG_PATH=build/userspace pkg-config --cflags --libs libnvsvm``
 * gives the include paths of this header and of the uAPI, the static
 * library, and libdrm, which it requires. ``make install`` installs
 * libnvsvm.so (soname libnvsvm.so.0), libnvsvm.a, this header and the uAPI
 * header (in INCLUDEDIR/nvsvm) and a libnvsvm.pc for them, so that
 * ``pkg-config --cflags --libs libnvsvm`` is all a program needs.
 *
 * Errors: every function that can fail returns 0 (or, where documented, a
 * non-negative result) on success and a negative errno value on failure,
 * never -1 with errno set. The values are those of the kernel where the
 * failure is the kernel's; nvsvm_strerror() describes them in the terms of
 * this driver.
 */

/**
 * nvsvm_ioctl() - Issue an nvsvm ioctl as is.
 * @fd: An nvsvm file descriptor.
 * @request: An ioctl request, e.g. %DRM_IOCTL_NVSVM_GETPARAM.
 * @arg: Its argument, passed to the kernel unchecked.
 *
 * The entry point under every other call of this library, for the calls
 * that need a structure the library would not build: fields that are
 * reserved, malformed or from a newer uAPI, as conformance tests pass
 * them. Like drmIoctl(), it restarts the call on EINTR and EAGAIN.
 *
 * Return: 0, or the negative errno of the ioctl.
 */
NVSVM_EXPORT int nvsvm_ioctl(int fd, unsigned long request, void *arg);

/**
 * struct nvsvm_device_info - What GETPARAM reports about one device.
 * @index: Device index among the nvsvm devices, from 0.
 * @driver_version: (major << 32) | (minor << 16) | patchlevel.
 * @uapi_version: uAPI version the driver implements.
 * @chipset: Chipset identifier (0x130 for GP100).
 * @chipset_name: Chipset name, e.g. "gp100-emu".
 * @vram_size: VRAM size in bytes.
 * @page_sizes: Mask of the supported GPU page sizes.
 */
struct nvsvm_device_info {
	uint32_t index;
	uint64_t driver_version;
	uint64_t uapi_version;
	uint64_t chipset;
	char chipset_name[32];
	uint64_t vram_size;
	uint64_t page_sizes;
};

/**
 * nvsvm_count_devices() - Count the nvsvm render nodes of the system.
 *
 * Return: The number of nvsvm devices, or a negative errno.
 */
NVSVM_EXPORT int nvsvm_count_devices(void);

/**
 * nvsvm_open_index() - Open the render node of an nvsvm device.
 * @index: Device index, as %DRM_NVSVM_PARAM_DEVICE_INDEX reports it.
 *
 * Return: A file descriptor, or -ENODEV when there is no such device.
 */
NVSVM_EXPORT int nvsvm_open_index(unsigned int index);

/**
 * nvsvm_open_path() - Open a render node by path and check it is nvsvm's.
 * @path: Path of a DRM render node, e.g. /dev/dri/renderD128.
 *
 * Return: A file descriptor, or a negative errno (-ENODEV when the node
 * belongs to another driver).
 */
NVSVM_EXPORT int nvsvm_open_path(const char *path);

/**
 * nvsvm_getparam() - Query one scalar device parameter.
 * @fd: An nvsvm file descriptor.
 * @param: One of &enum drm_nvsvm_param.
 * @value: Where the value is stored.
 *
 * Return: 0, or a negative errno.
 */
NVSVM_EXPORT int nvsvm_getparam(int fd, uint32_t param, uint64_t *value);

/**
 * nvsvm_query_device() - Fill a &struct nvsvm_device_info.
 * @fd: An nvsvm file descriptor.
 * @info: The structure to fill.
 *
 * Return: 0, or a negative errno.
 */
NVSVM_EXPORT int nvsvm_query_device(int fd, struct nvsvm_device_info *info);

/**
 * DOC: Shared virtual memory and jobs
 *
 * After nvsvm_svm_init(), a GPU virtual address is the CPU virtual address
 * of the calling process: a job may use any of its memory directly. A job is
 * an array of &struct drm_nvsvm_op, which the nvsvm_op_*() constructors
 * below build from plain pointers.
 */

/**
 * define NVSVM_RUN_TIMEOUT_NS - How long nvsvm_run() waits for its job.
 */
#define NVSVM_RUN_TIMEOUT_NS	(60ull * 1000000000ull)

/**
 * define NVSVM_CHECKSUM_BASIS - Initial value of the job checksum.
 *
 * The offset basis of 64-bit FNV-1a.
 */
#define NVSVM_CHECKSUM_BASIS	0xcbf29ce484222325ull

/**
 * define NVSVM_CHECKSUM_PRIME - Multiplier of the job checksum.
 *
 * The prime of 64-bit FNV-1a.
 */
#define NVSVM_CHECKSUM_PRIME	0x100000001b3ull

/**
 * nvsvm_svm_init() - Let the GPU of @fd see the caller's address space.
 * @fd: An nvsvm file descriptor.
 *
 * A file mirrors one address space, for as long as it is open: call this
 * in the process (after fork, in the child) whose memory the jobs use.
 *
 * Return: 0, -EBUSY when the file already mirrors an address space, or
 * another negative errno.
 */
NVSVM_EXPORT int nvsvm_svm_init(int fd);

/**
 * nvsvm_channel_create() - Create a channel to submit jobs on.
 * @fd: An nvsvm file descriptor, after nvsvm_svm_init().
 * @handle: Where the new channel's handle (never zero) is stored.
 *
 * Return: 0, -ENOENT before nvsvm_svm_init(), -ENOSPC when the file has
 * %NVSVM_MAX_CHANNELS channels already, or another negative errno.
 */
NVSVM_EXPORT int nvsvm_channel_create(int fd, uint32_t *handle);

/**
 * nvsvm_channel_destroy() - Destroy a channel.
 * @fd: An nvsvm file descriptor.
 * @handle: Channel handle from nvsvm_channel_create().
 *
 * Jobs of the channel that have not completed complete with -ECANCELED;
 * they must still be waited for.
 *
 * Return: 0, -ENOENT for an unknown channel, or another negative errno.
 */
NVSVM_EXPORT int nvsvm_channel_destroy(int fd, uint32_t handle);

/**
 * nvsvm_job_submit() - Start a job on a channel.
 * @fd: An nvsvm file descriptor.
 * @channel: Channel handle.
 * @ops: The job's operations, copied before the call returns.
 * @count: Number of operations, 1 to %NVSVM_JOB_MAX_OPS.
 * @job: Where the job id (never zero) is stored.
 *
 * Every submitted job must be waited for with nvsvm_job_wait(), which
 * releases its id.
 *
 * Return: 0, -EINVAL for a malformed operation, -ENOENT for an unknown
 * channel, -EBUSY when %NVSVM_MAX_JOBS jobs are not waited for, or another
 * negative errno.
 */
NVSVM_EXPORT int nvsvm_job_submit(int fd, uint32_t channel,
				  const struct drm_nvsvm_op *ops,
				  unsigned int count, uint64_t *job);

/**
 * nvsvm_job_wait() - Wait for a job and collect its status.
 * @fd: An nvsvm file descriptor.
 * @job: Job id from nvsvm_job_submit().
 * @timeout_ns: Relative timeout, at most one hour; 0 only polls.
 * @status: Where the job's status is stored: 0, -EFAULT (a GPU access
 *          faulted and could not be serviced), -ECANCELED or -EIO. May be
 *          NULL.
 *
 * Once this returned 0, the job id is released.
 *
 * Return: 0 when the job completed (whatever its status), -ETIME when the
 * timeout passed first (the job can be waited for again), -ENOENT for an
 * unknown job, or another negative errno.
 */
NVSVM_EXPORT int nvsvm_job_wait(int fd, uint64_t job, uint64_t timeout_ns,
				int *status);

/**
 * nvsvm_run() - Run a job to completion.
 * @fd: An nvsvm file descriptor.
 * @channel: Channel handle.
 * @ops: The job's operations.
 * @count: Number of operations.
 *
 * Submits the job and waits for it for up to %NVSVM_RUN_TIMEOUT_NS. On a
 * timeout, the job is left behind and its id lost.
 *
 * Return: The job's status (0, -EFAULT, -ECANCELED, -EIO), or the negative
 * errno of the submit or the wait (-ETIME on a timeout).
 */
NVSVM_EXPORT int nvsvm_run(int fd, uint32_t channel,
			   const struct drm_nvsvm_op *ops, unsigned int count);

/**
 * DOC: Job builder
 *
 * A &struct nvsvm_job_builder collects the operations of one job from
 * plain pointers, checks them as the kernel will, and splits an operation
 * on arrays longer than %NVSVM_OP_MAX_LEN into several (every operation
 * but the checksum works word by word, so the split ones compute the same
 * result). It lives wherever the caller puts it, needs no cleanup, and is
 * copied by the kernel at submission, so it can be reset and reused as
 * soon as nvsvm_job_builder_submit() returns::
 *
 *	struct nvsvm_job_builder jb;
 *
 *	nvsvm_job_builder_init(&jb);
 *	nvsvm_job_add_fill(&jb, b, len, 1);
 *	nvsvm_job_add_fill(&jb, c, len, 2);
 *	nvsvm_job_add_triad(&jb, a, b, c, len, 3);
 *	ret = nvsvm_job_builder_run(fd, channel, &jb);
 *
 * The nvsvm_job_add_*() calls need not be checked one by one: the first
 * one that fails leaves the job as it was and is remembered, and the
 * submission then fails with its error without submitting anything.
 */

/**
 * struct nvsvm_job_builder - Operations of one job, being built.
 * @ops: The operations, in order.
 * @count: Number of @ops in use.
 * @error: 0, or the negative errno of the first nvsvm_job_add_*() call
 *         that failed since nvsvm_job_builder_init().
 */
struct nvsvm_job_builder {
	struct drm_nvsvm_op ops[NVSVM_JOB_MAX_OPS];
	unsigned int count;
	int error;
};

/**
 * nvsvm_job_builder_init() - Start an empty job, or empty one for reuse.
 * @jb: The builder.
 */
NVSVM_EXPORT void nvsvm_job_builder_init(struct nvsvm_job_builder *jb);

/**
 * nvsvm_job_add() - Append an operation as is.
 * @jb: The builder.
 * @op: The operation, which is not checked: the kernel will.
 *
 * Return: 0, or -E2BIG when the job has %NVSVM_JOB_MAX_OPS operations.
 */
NVSVM_EXPORT int nvsvm_job_add(struct nvsvm_job_builder *jb,
			       const struct drm_nvsvm_op *op);

/**
 * nvsvm_job_add_fill() - Append a fill: every word of @dst becomes @value.
 * @jb: The builder.
 * @dst: Destination, 8-byte aligned.
 * @len: Length in bytes, a nonzero multiple of 8.
 * @value: Value of each word.
 *
 * Return: 0, -EINVAL for a misaligned pointer or a bad length, or -E2BIG
 * when the operations needed do not fit in the job.
 */
NVSVM_EXPORT int nvsvm_job_add_fill(struct nvsvm_job_builder *jb, void *dst,
				    size_t len, uint64_t value);

/**
 * nvsvm_job_add_copy() - Append a copy of @len bytes from @src to @dst.
 * @jb: The builder.
 * @dst: Destination, 8-byte aligned.
 * @src: Source, 8-byte aligned.
 * @len: Length in bytes, a nonzero multiple of 8.
 *
 * Words are copied in increasing address order, also across the
 * operations a long copy is split into.
 *
 * Return: 0, -EINVAL or -E2BIG, as for nvsvm_job_add_fill().
 */
NVSVM_EXPORT int nvsvm_job_add_copy(struct nvsvm_job_builder *jb, void *dst,
				    const void *src, size_t len);

/**
 * nvsvm_job_add_checksum() - Append a checksum of @src into @result.
 * @jb: The builder.
 * @result: Word the GPU writes the checksum to (see nvsvm_checksum()),
 *          8-byte aligned.
 * @src: Words to checksum, 8-byte aligned.
 * @len: Length of @src in bytes, a nonzero multiple of 8 of at most
 *       %NVSVM_OP_MAX_LEN: a checksum cannot be split.
 *
 * Return: 0, -EINVAL for a misaligned pointer or a bad length, or -E2BIG
 * when the job is full.
 */
NVSVM_EXPORT int nvsvm_job_add_checksum(struct nvsvm_job_builder *jb,
					uint64_t *result, const void *src,
					size_t len);

/**
 * nvsvm_job_add_atomic_add() - Append an atomic add of @addend to each word.
 * @jb: The builder.
 * @dst: Words to add to, 8-byte aligned.
 * @len: Length in bytes, a nonzero multiple of 8.
 * @addend: Value added to each word, modulo 2^64.
 *
 * Return: 0, -EINVAL or -E2BIG, as for nvsvm_job_add_fill().
 */
NVSVM_EXPORT int nvsvm_job_add_atomic_add(struct nvsvm_job_builder *jb,
					  uint64_t *dst, size_t len,
					  uint64_t addend);

/**
 * nvsvm_job_add_triad() - Append a STREAM triad: a[i] = b[i] + @scalar * c[i].
 * @jb: The builder.
 * @a: Destination, 8-byte aligned.
 * @b: First source, 8-byte aligned.
 * @c: Second source, 8-byte aligned.
 * @len: Length of each array in bytes, a nonzero multiple of 8.
 * @scalar: Multiplier of @c; arithmetic wraps modulo 2^64.
 *
 * Return: 0, -EINVAL or -E2BIG, as for nvsvm_job_add_fill().
 */
NVSVM_EXPORT int nvsvm_job_add_triad(struct nvsvm_job_builder *jb, uint64_t *a,
				     const uint64_t *b, const uint64_t *c,
				     size_t len, uint64_t scalar);

/**
 * nvsvm_job_builder_submit() - Start the job built in @jb on a channel.
 * @fd: An nvsvm file descriptor.
 * @channel: Channel handle.
 * @jb: The builder; it may be reused once this returns.
 * @job: Where the job id (never zero) is stored.
 *
 * As nvsvm_job_submit(), which it calls, except that it fails first with
 * the builder's remembered error, or -EINVAL for a job without operations.
 * This is where the corruption hook acts (see nvsvm_debug_corrupt()).
 *
 * Return: 0, or a negative errno.
 */
NVSVM_EXPORT int nvsvm_job_builder_submit(int fd, uint32_t channel,
					  const struct nvsvm_job_builder *jb,
					  uint64_t *job);

/**
 * nvsvm_job_builder_run() - Run the job built in @jb to completion.
 * @fd: An nvsvm file descriptor.
 * @channel: Channel handle.
 * @jb: The builder.
 *
 * nvsvm_job_builder_submit(), then a wait of up to %NVSVM_RUN_TIMEOUT_NS,
 * as nvsvm_run().
 *
 * Return: The job's status (0, -EFAULT, -ECANCELED, -EIO), or the negative
 * errno of the submission or of the wait.
 */
NVSVM_EXPORT int nvsvm_job_builder_run(int fd, uint32_t channel,
				       const struct nvsvm_job_builder *jb);

/**
 * nvsvm_stats() - Read the SVM counters.
 * @fd: An nvsvm file descriptor.
 * @flags: 0 for the counters of this file, or %DRM_NVSVM_STATS_DEVICE for
 *         the device's, summed over every file.
 * @stats: Where the counters are stored.
 *
 * Pages in VRAM belong to the process, not to the file that moved them,
 * so a CPU fault on a VRAM page and an eviction happen on behalf of no
 * file: &drm_nvsvm_stats.cpu_faults and &drm_nvsvm_stats.evictions count
 * in the device's counters only (a file's are always 0), and a file's
 * &drm_nvsvm_stats.migrated_to_sys counts only the pages whose GPU mapping
 * that file lost in the move.
 *
 * Return: 0, or a negative errno.
 */
NVSVM_EXPORT int nvsvm_stats(int fd, uint32_t flags,
			     struct drm_nvsvm_stats *stats);

/**
 * DOC: Device memory
 *
 * Pages of the mirrored address space can live in the device's VRAM. The
 * CPU still maps them there, and a CPU access brings them back to system
 * memory transparently. nvsvm_migrate() moves a range now; nvsvm_advise()
 * sets where GPU faults put the pages of a range.
 */

/**
 * nvsvm_migrate() - Move the pages of a range to VRAM or system memory.
 * @fd: An nvsvm file descriptor, after nvsvm_svm_init().
 * @addr: Start of the range, page aligned.
 * @size: Size of the range in bytes, page aligned, nonzero, at most
 *        %DRM_NVSVM_MIGRATE_MAX_SIZE.
 * @target: %DRM_NVSVM_MIGRATE_TO_VRAM or %DRM_NVSVM_MIGRATE_TO_SYSTEM.
 * @migrated: Where the number of pages moved is stored. May be NULL.
 * @skipped: Where the number of pages of the range not moved (already
 *           there, not mapped, the zero page, unreadable or busy) is
 *           stored. May be NULL.
 *
 * The move is best effort: pages that cannot move count in @skipped, and
 * the call still succeeds.
 *
 * Return: 0, -EINVAL for a malformed range or target, -ENOENT before
 * nvsvm_svm_init(), or another negative errno.
 */
NVSVM_EXPORT int nvsvm_migrate(int fd, void *addr, size_t size, uint32_t target,
			       uint64_t *migrated, uint64_t *skipped);

/**
 * nvsvm_prefetch() - Move the pages of a range to VRAM, best effort.
 * @fd: An nvsvm file descriptor, after nvsvm_svm_init().
 * @addr: Start of the range, page aligned.
 * @size: Size of the range in bytes, page aligned.
 *
 * Same as nvsvm_migrate() with %DRM_NVSVM_MIGRATE_TO_VRAM, without the
 * counts.
 *
 * Return: 0, or a negative errno.
 */
NVSVM_EXPORT int nvsvm_prefetch(int fd, void *addr, size_t size);

/**
 * nvsvm_advise() - Set an attribute of a range.
 * @fd: An nvsvm file descriptor.
 * @addr: Start of the range, page aligned.
 * @size: Size of the range in bytes, page aligned, nonzero.
 * @attr: A %DRM_NVSVM_ADVISE_* attribute.
 * @value: For %DRM_NVSVM_ADVISE_PREFERRED_LOCATION, a migration target:
 *         with %DRM_NVSVM_MIGRATE_TO_VRAM, GPU faults on system pages of
 *         the range migrate them to VRAM first. For
 *         %DRM_NVSVM_ADVISE_ACCESSED_BY and %DRM_NVSVM_ADVISE_ATOMIC, see
 *         nvsvm_advise_accessed_by() and nvsvm_advise_atomic().
 *
 * A later advice on an overlapping range replaces the earlier one of the
 * same attribute there. A file has at most %DRM_NVSVM_ADVISE_MAX_RANGES
 * advised ranges per attribute.
 *
 * Return: 0, -EINVAL for a malformed range, attribute or value, or another
 * negative errno.
 */
NVSVM_EXPORT int nvsvm_advise(int fd, void *addr, size_t size, uint32_t attr,
			      uint32_t value);

/**
 * nvsvm_advise_accessed_by() - Have this device map a range where it is.
 * @fd: An nvsvm file descriptor.
 * @addr: Start of the range, page aligned.
 * @size: Size of the range in bytes, page aligned, nonzero.
 * @on: Nonzero: GPU faults of @fd map the pages where they are and never
 *      migrate them, even where the preferred location is VRAM. Zero:
 *      back to the default.
 *
 * Needs uAPI version 7.
 *
 * Return: As nvsvm_advise().
 */
NVSVM_EXPORT int nvsvm_advise_accessed_by(int fd, void *addr, size_t size,
					  int on);

/**
 * nvsvm_advise_atomic() - Set how device atomics on a range work.
 * @fd: An nvsvm file descriptor.
 * @addr: Start of the range, page aligned.
 * @size: Size of the range in bytes, page aligned, nonzero.
 * @policy: %DRM_NVSVM_ATOMIC_GRANT (the default: system pages are taken
 *          exclusive from the CPU), %DRM_NVSVM_ATOMIC_VRAM (pages move to
 *          VRAM, where atomics are native) or %DRM_NVSVM_ATOMIC_NONE
 *          (device atomics on system pages fail the job with -EFAULT).
 *
 * Needs uAPI version 7.
 *
 * Return: As nvsvm_advise().
 */
NVSVM_EXPORT int nvsvm_advise_atomic(int fd, void *addr, size_t size,
				     uint32_t policy);

/**
 * nvsvm_checksum() - CPU reference of %DRM_NVSVM_OP_CHECKSUM.
 * @buf: Array of 64-bit words, 8-byte aligned.
 * @len: Its length in bytes, a multiple of 8.
 *
 * FNV-1a over 64-bit words: h = (h ^ w) * %NVSVM_CHECKSUM_PRIME for each
 * word w in increasing address order, from h = %NVSVM_CHECKSUM_BASIS.
 *
 * Return: The checksum the GPU computes for the same words.
 */
NVSVM_EXPORT uint64_t nvsvm_checksum(const void *buf, size_t len);

/**
 * nvsvm_op_fill() - Build a fill: every word of @dst becomes @value.
 * @dst: Destination, 8-byte aligned.
 * @len: Length in bytes, a nonzero multiple of 8.
 * @value: Value of each word.
 *
 * Return: The operation.
 */
static inline struct drm_nvsvm_op nvsvm_op_fill(void *dst, size_t len,
						uint64_t value)
{
	struct drm_nvsvm_op op = {
		.opcode = DRM_NVSVM_OP_FILL,
		.dst = (uintptr_t)dst,
		.len = len,
		.imm = value,
	};

	return op;
}

/**
 * nvsvm_op_copy() - Build a copy of @len bytes from @src to @dst.
 * @dst: Destination, 8-byte aligned.
 * @src: Source, 8-byte aligned.
 * @len: Length in bytes, a nonzero multiple of 8.
 *
 * Words are copied in increasing address order.
 *
 * Return: The operation.
 */
static inline struct drm_nvsvm_op nvsvm_op_copy(void *dst, const void *src,
						size_t len)
{
	struct drm_nvsvm_op op = {
		.opcode = DRM_NVSVM_OP_COPY,
		.dst = (uintptr_t)dst,
		.src0 = (uintptr_t)src,
		.len = len,
	};

	return op;
}

/**
 * nvsvm_op_checksum() - Build a checksum of @src into the word @result.
 * @result: Where the GPU writes the checksum (see nvsvm_checksum()).
 * @src: Words to checksum, 8-byte aligned.
 * @len: Length of @src in bytes, a nonzero multiple of 8.
 *
 * Return: The operation.
 */
static inline struct drm_nvsvm_op nvsvm_op_checksum(uint64_t *result,
						    const void *src, size_t len)
{
	struct drm_nvsvm_op op = {
		.opcode = DRM_NVSVM_OP_CHECKSUM,
		.dst = (uintptr_t)result,
		.src0 = (uintptr_t)src,
		.len = len,
	};

	return op;
}

/**
 * nvsvm_op_atomic_add() - Build an atomic add of @addend to each word.
 * @dst: Words to add to, 8-byte aligned.
 * @len: Length in bytes, a nonzero multiple of 8.
 * @addend: Value added to each word, modulo 2^64.
 *
 * Return: The operation.
 */
static inline struct drm_nvsvm_op nvsvm_op_atomic_add(uint64_t *dst,
						      size_t len,
						      uint64_t addend)
{
	struct drm_nvsvm_op op = {
		.opcode = DRM_NVSVM_OP_ATOMIC_ADD,
		.dst = (uintptr_t)dst,
		.len = len,
		.imm = addend,
	};

	return op;
}

/**
 * nvsvm_op_triad() - Build a STREAM triad: a[i] = b[i] + @scalar * c[i].
 * @a: Destination, 8-byte aligned.
 * @b: First source, 8-byte aligned.
 * @c: Second source, 8-byte aligned.
 * @len: Length of each array in bytes, a nonzero multiple of 8.
 * @scalar: Multiplier of @c; arithmetic wraps modulo 2^64.
 *
 * Return: The operation.
 */
static inline struct drm_nvsvm_op nvsvm_op_triad(uint64_t *a,
						 const uint64_t *b,
						 const uint64_t *c, size_t len,
						 uint64_t scalar)
{
	struct drm_nvsvm_op op = {
		.opcode = DRM_NVSVM_OP_TRIAD,
		.dst = (uintptr_t)a,
		.src0 = (uintptr_t)b,
		.src1 = (uintptr_t)c,
		.len = len,
		.imm = scalar,
	};

	return op;
}

/**
 * DOC: Corruption hook
 *
 * To prove that a program checks what the GPU computed, the library can
 * make the GPU compute a wrong result on purpose. Set the environment
 * variable ``NVSVM_DEBUG_CORRUPT`` to a word index N (decimal, or hex with
 * 0x), or call nvsvm_debug_corrupt(N): from then on, every job submitted
 * through nvsvm_job_builder_submit() that holds a triad gets one more
 * operation right after its last triad, which adds 1 to word N of that
 * triad's destination (its last word if N is past the end). The GPU does
 * it, in the same job, with a triad that reads the constant 1 from the
 * library's read-only data: the result is off by exactly one, whatever the
 * data, and no CPU access moves a page. A job that already has
 * %NVSVM_JOB_MAX_OPS operations is submitted unchanged, with a warning.
 * The library says once on stderr that the hook is on.
 */

/**
 * define NVSVM_DEBUG_CORRUPT_ENV - Environment variable of the corruption hook.
 */
#define NVSVM_DEBUG_CORRUPT_ENV	"NVSVM_DEBUG_CORRUPT"

/**
 * nvsvm_debug_corrupt() - Turn the corruption hook on or off.
 * @word: Index of the word to corrupt, or -1 to turn the hook off.
 *
 * Overrides %NVSVM_DEBUG_CORRUPT_ENV. Not thread-safe against concurrent
 * submissions.
 */
NVSVM_EXPORT void nvsvm_debug_corrupt(long long word);

/**
 * nvsvm_debug_corrupt_word() - Where the corruption hook acts.
 *
 * Reads %NVSVM_DEBUG_CORRUPT_ENV on the first call, unless
 * nvsvm_debug_corrupt() was called before.
 *
 * Return: The index of the word the hook corrupts, or -1 when it is off.
 */
NVSVM_EXPORT long long nvsvm_debug_corrupt_word(void);

/**
 * nvsvm_strerror() - Describe a negative errno returned by this library.
 * @err: A negative errno.
 *
 * Return: A static string.
 */
NVSVM_EXPORT const char *nvsvm_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LIBNVSVM_H */
