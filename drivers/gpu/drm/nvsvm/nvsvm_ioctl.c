// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/dma-fence.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_file.h>

#include <uapi/drm/nvsvm_drm.h>

#include "nvsvm_drv.h"
#include "nvsvm_hw.h"

/*
 * The job ops of the uAPI are the exec engine's ops, field for field, so a
 * validated user op is handed to the GPU as is.
 */
static_assert(sizeof(struct drm_nvsvm_op) == sizeof(struct nvsvm_hw_op));
static_assert(offsetof(struct drm_nvsvm_op, imm) ==
	      offsetof(struct nvsvm_hw_op, imm));
static_assert((int)DRM_NVSVM_OP_FILL == (int)NVSVM_HW_OP_FILL);
static_assert((int)DRM_NVSVM_OP_COPY == (int)NVSVM_HW_OP_COPY);
static_assert((int)DRM_NVSVM_OP_CHECKSUM == (int)NVSVM_HW_OP_CHECKSUM);
static_assert((int)DRM_NVSVM_OP_ATOMIC_ADD == (int)NVSVM_HW_OP_ATOMIC_ADD);
static_assert((int)DRM_NVSVM_OP_TRIAD == (int)NVSVM_HW_OP_TRIAD);
static_assert(NVSVM_JOB_MAX_OPS == NVSVM_HW_JOB_MAX_OPS);
static_assert(NVSVM_OP_MAX_LEN == NVSVM_HW_OP_MAX_LEN);
static_assert(DRM_NVSVM_ADVISE_MAX_RANGES == NVSVM_SVM_MAX_ADVICE);
static_assert(DRM_NVSVM_ADVISE_MAX_RANGES == NVSVM_PERF_MAX_ADVICE);

/* The counters of struct drm_nvsvm_stats follow enum nvsvm_stat. */
static_assert(offsetof(struct drm_nvsvm_stats, faults) == 8);
static_assert(sizeof(struct drm_nvsvm_stats) ==
	      8 + NVSVM_STAT_COUNT * sizeof(__u64));

#define NVSVM_WAIT_MAX_NS	(3600ULL * NSEC_PER_SEC)

static struct nvsvm_file *to_nvsvm_file(struct drm_file *file)
{
	return file->driver_priv;
}

/*
 * A file belongs to the process whose address space SVM_INIT bound. Any
 * other process that holds it, inherited over fork() or received over
 * SCM_RIGHTS, would otherwise run jobs on that address space, read and
 * write it, and migrate it, without any of the checks that ptrace or
 * process_vm_readv() make. Every ioctl but GETPARAM refuses such a caller
 * with -EBADF, as amdkfd does.
 */
static int nvsvm_file_check_caller(struct nvsvm_file *nfile)
{
	lockdep_assert_held(&nfile->lock);

	if (nfile->svmm && nfile->svmm->mm != current->mm)
		return -EBADF;
	return 0;
}

/**
 * nvsvm_svm_init_ioctl() - Mirror the caller's address space on this file.
 * @drm: The DRM device.
 * @data: &struct drm_nvsvm_svm_init.
 * @file: The file.
 *
 * Return: 0; -EINVAL for nonzero flags or padding; -EBUSY if the file
 * mirrors the caller's address space already; -EBADF if it mirrors another
 * process's; -ENOMEM.
 */
int nvsvm_svm_init_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	struct drm_nvsvm_svm_init *args = data;
	struct nvsvm_file *nfile = to_nvsvm_file(file);
	struct nvsvm_svmm *svmm;
	int ret = 0;

	if (args->flags || args->pad)
		return -EINVAL;

	mutex_lock(&nfile->lock);
	if (nfile->svmm) {
		ret = nvsvm_file_check_caller(nfile) ?: -EBUSY;
		goto out_unlock;
	}
	svmm = nvsvm_svmm_create(nfile->ndev, current->mm);
	if (IS_ERR(svmm))
		ret = PTR_ERR(svmm);
	else
		nfile->svmm = svmm;
out_unlock:
	mutex_unlock(&nfile->lock);
	return ret;
}

/**
 * nvsvm_channel_create_ioctl() - Create an exec-engine channel.
 * @drm: The DRM device.
 * @data: &struct drm_nvsvm_channel_create.
 * @file: The file.
 *
 * Return: 0; -EINVAL for nonzero flags; -ENOENT before SVM_INIT; -EBADF
 * from a process other than the file's; -ENOSPC past %NVSVM_MAX_CHANNELS;
 * -ENOMEM.
 */
int nvsvm_channel_create_ioctl(struct drm_device *drm, void *data,
			       struct drm_file *file)
{
	struct drm_nvsvm_channel_create *args = data;
	struct nvsvm_file *nfile = to_nvsvm_file(file);
	struct nvsvm_hw_chan *chan;
	u32 handle;
	int ret;

	if (args->flags)
		return -EINVAL;

	mutex_lock(&nfile->lock);
	if (!nfile->svmm) {
		ret = -ENOENT;
		goto out_unlock;
	}
	ret = nvsvm_file_check_caller(nfile);
	if (ret)
		goto out_unlock;
	ret = xa_alloc(&nfile->channels, &handle, XA_ZERO_ENTRY,
		       XA_LIMIT(1, NVSVM_MAX_CHANNELS), GFP_KERNEL);
	if (ret) {
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto out_unlock;
	}
	chan = nvsvm_hw_chan_create(nfile->ndev->hw, nfile->svmm->inst);
	if (IS_ERR(chan)) {
		xa_erase(&nfile->channels, handle);
		ret = PTR_ERR(chan);
		goto out_unlock;
	}
	xa_store(&nfile->channels, handle, chan, GFP_KERNEL);
	args->handle = handle;
out_unlock:
	mutex_unlock(&nfile->lock);
	return ret;
}

/**
 * nvsvm_channel_destroy_ioctl() - Destroy a channel, cancelling its jobs.
 * @drm: The DRM device.
 * @data: &struct drm_nvsvm_channel_destroy.
 * @file: The file.
 *
 * Return: 0; -EINVAL for nonzero padding; -EBADF from a process other than
 * the file's; -ENOENT for an unknown handle.
 */
int nvsvm_channel_destroy_ioctl(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	struct drm_nvsvm_channel_destroy *args = data;
	struct nvsvm_file *nfile = to_nvsvm_file(file);
	struct nvsvm_hw_chan *chan = NULL;
	int ret;

	if (args->pad)
		return -EINVAL;

	mutex_lock(&nfile->lock);
	ret = nvsvm_file_check_caller(nfile);
	if (!ret)
		chan = xa_load(&nfile->channels, args->handle);
	if (chan)
		xa_erase(&nfile->channels, args->handle);
	mutex_unlock(&nfile->lock);
	if (ret)
		return ret;
	if (!chan)
		return -ENOENT;

	nvsvm_hw_chan_destroy(nfile->ndev->hw, chan);
	return 0;
}

static int nvsvm_job_copy_ops(const struct drm_nvsvm_job_submit *args,
			      struct nvsvm_hw_op *ops)
{
	void __user *uops = u64_to_user_ptr(args->ops);
	unsigned int i;
	int ret;

	for (i = 0; i < args->op_count; i++) {
		ret = copy_struct_from_user(&ops[i], sizeof(ops[i]),
					    uops + (size_t)i * args->op_stride,
					    args->op_stride);
		if (ret)
			return ret == -E2BIG ? -EINVAL : ret;
	}
	return nvsvm_hw_ops_validate(ops, args->op_count);
}

/**
 * nvsvm_job_submit_ioctl() - Run a job on a channel.
 * @drm: The DRM device.
 * @data: &struct drm_nvsvm_job_submit.
 * @file: The file.
 *
 * Every operation is copied and validated before the job is queued.
 *
 * Return: 0; -EINVAL for nonzero flags, a bad count, stride or operation;
 * -EFAULT for an unreadable @ops; -EBADF from a process other than the
 * file's; -ENOENT for an unknown channel; -EBUSY with %NVSVM_MAX_JOBS jobs
 * not waited for; -ENOMEM.
 */
int nvsvm_job_submit_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file)
{
	struct drm_nvsvm_job_submit *args = data;
	struct nvsvm_file *nfile = to_nvsvm_file(file);
	struct nvsvm_hw_chan *chan;
	struct nvsvm_hw_op *ops;
	struct dma_fence *fence;
	u32 id;
	int ret;

	if (args->flags || !args->op_count ||
	    args->op_count > NVSVM_JOB_MAX_OPS ||
	    args->op_stride < sizeof(struct drm_nvsvm_op) ||
	    args->op_stride % sizeof(__u64) || args->op_stride > PAGE_SIZE)
		return -EINVAL;

	ops = kmalloc_array(args->op_count, sizeof(*ops), GFP_KERNEL);
	if (!ops)
		return -ENOMEM;
	ret = nvsvm_job_copy_ops(args, ops);
	if (ret)
		goto out_free;

	mutex_lock(&nfile->lock);
	ret = nvsvm_file_check_caller(nfile);
	if (ret)
		goto out_unlock;
	chan = xa_load(&nfile->channels, args->channel);
	if (!chan || xa_is_zero(chan)) {
		ret = -ENOENT;
		goto out_unlock;
	}
	if (nfile->njobs >= NVSVM_MAX_JOBS) {
		ret = -EBUSY;
		goto out_unlock;
	}
	ret = xa_alloc(&nfile->jobs, &id, XA_ZERO_ENTRY, xa_limit_31b,
		       GFP_KERNEL);
	if (ret)
		goto out_unlock;
	fence = nvsvm_hw_job_submit(nfile->ndev->hw, chan, ops, args->op_count);
	if (IS_ERR(fence)) {
		xa_erase(&nfile->jobs, id);
		ret = PTR_ERR(fence);
		goto out_unlock;
	}
	xa_store(&nfile->jobs, id, fence, GFP_KERNEL);
	nfile->njobs++;
	args->job = id;
	nvsvm_stat_add(nfile->ndev, &nfile->svmm->stats, NVSVM_STAT_JOBS, 1);
out_unlock:
	mutex_unlock(&nfile->lock);
out_free:
	kfree(ops);
	return ret;
}

/**
 * nvsvm_job_wait_ioctl() - Wait for a job and collect its status.
 * @drm: The DRM device.
 * @data: &struct drm_nvsvm_job_wait.
 * @file: The file.
 *
 * Return: 0 with the job's status in &drm_nvsvm_job_wait.status; -EINVAL
 * for nonzero flags, job id 0 or a timeout over an hour; -EBADF from a
 * process other than the file's; -ENOENT for an unknown job; -ETIME when
 * the timeout passed; -ERESTARTSYS on a signal.
 */
int nvsvm_job_wait_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file)
{
	struct drm_nvsvm_job_wait *args = data;
	struct nvsvm_file *nfile = to_nvsvm_file(file);
	struct dma_fence *fence;
	long timeout;
	int status, ret;

	if (args->flags || args->timeout_ns > NVSVM_WAIT_MAX_NS || !args->job)
		return -EINVAL;
	if (args->job > U32_MAX)
		return -ENOENT;	/* no such id is ever handed out */

	mutex_lock(&nfile->lock);
	ret = nvsvm_file_check_caller(nfile);
	fence = ret ? NULL : xa_load(&nfile->jobs, args->job);
	if (fence && !xa_is_zero(fence))
		dma_fence_get(fence);
	else
		fence = NULL;
	mutex_unlock(&nfile->lock);
	if (ret)
		return ret;
	if (!fence)
		return -ENOENT;

	timeout = dma_fence_wait_timeout(fence, true,
					 nsecs_to_jiffies64(args->timeout_ns));
	if (timeout <= 0) {
		dma_fence_put(fence);
		return timeout ?: -ETIME;
	}

	status = dma_fence_get_status(fence);
	args->status = status < 0 ? status : 0;
	mutex_lock(&nfile->lock);
	/* A job exists only once SVM_INIT has bound the file. */
	if (status < 0)
		nvsvm_stat_add(nfile->ndev, &nfile->svmm->stats,
			       NVSVM_STAT_JOBS_FAILED, 1);
	if (xa_cmpxchg(&nfile->jobs, args->job, fence, NULL, 0) == fence) {
		nfile->njobs--;
		dma_fence_put(fence);
	}
	mutex_unlock(&nfile->lock);
	dma_fence_put(fence);
	return 0;
}

/**
 * nvsvm_stats_ioctl() - Read the SVM counters of this file or the device.
 * @drm: The DRM device.
 * @data: &struct drm_nvsvm_stats.
 * @file: The file.
 *
 * The file's counters are those of its SVMM, all zero before SVM_INIT.
 *
 * Return: 0; -EINVAL for unknown flags or nonzero padding; -EBADF from a
 * process other than the file's.
 */
int nvsvm_stats_ioctl(struct drm_device *drm, void *data,
		      struct drm_file *file)
{
	struct drm_nvsvm_stats *args = data;
	struct nvsvm_file *nfile = to_nvsvm_file(file);
	struct nvsvm_stats *stats = NULL;
	__u64 *out = &args->faults;
	unsigned int i;
	int ret;

	BUILD_BUG_ON(sizeof(*args) != offsetof(struct drm_nvsvm_stats, faults) +
		     NVSVM_STAT_COUNT * sizeof(*out));

	if (args->flags & ~DRM_NVSVM_STATS_DEVICE || args->pad)
		return -EINVAL;

	mutex_lock(&nfile->lock);
	ret = nvsvm_file_check_caller(nfile);
	if (args->flags & DRM_NVSVM_STATS_DEVICE)
		stats = &nfile->ndev->svm.stats;
	else if (nfile->svmm)
		stats = &nfile->svmm->stats;
	for (i = 0; i < NVSVM_STAT_COUNT && !ret; i++)
		out[i] = stats ? nvsvm_stat_read(nfile->ndev, stats, i) : 0;
	mutex_unlock(&nfile->lock);
	return ret;
}

/* Validate a user range: page aligned, nonempty, inside the user space. */
static int nvsvm_check_range(u64 addr, u64 size, u64 max)
{
	u64 end;

	if (!size || size > max || !PAGE_ALIGNED(addr) || !PAGE_ALIGNED(size) ||
	    check_add_overflow(addr, size, &end) || end > TASK_SIZE)
		return -EINVAL;
	return 0;
}

/* The SVMM of a file for its owner, or ERR_PTR(-ENOENT) or ERR_PTR(-EBADF). */
static struct nvsvm_svmm *nvsvm_file_svmm(struct nvsvm_file *nfile)
{
	struct nvsvm_svmm *svmm;
	int ret;

	mutex_lock(&nfile->lock);
	svmm = nfile->svmm ?: ERR_PTR(-ENOENT);
	ret = nvsvm_file_check_caller(nfile);
	mutex_unlock(&nfile->lock);
	return ret ? ERR_PTR(ret) : svmm;
}

/**
 * nvsvm_migrate_ioctl() - Move a range to VRAM or to system memory.
 * @drm: The DRM device.
 * @data: &struct drm_nvsvm_migrate.
 * @file: The file.
 *
 * Return: 0 with the counts filled in, even when no page moved; -EINVAL
 * for bad flags, target or range; -ENOENT before SVM_INIT; -EBADF from a
 * process other than the file's; -EFAULT for memory no device may touch
 * (see nvsvm_svm_vma_check()); -ESRCH when the mirrored process is gone;
 * -EINTR when the caller is killed; -ENOMEM.
 */
int nvsvm_migrate_ioctl(struct drm_device *drm, void *data,
			struct drm_file *file)
{
	struct drm_nvsvm_migrate *args = data;
	struct nvsvm_svmm *svmm;
	u64 migrated = 0;
	int ret;

	if (args->flags || args->target > DRM_NVSVM_MIGRATE_TO_VRAM ||
	    nvsvm_check_range(args->addr, args->size,
			      DRM_NVSVM_MIGRATE_MAX_SIZE))
		return -EINVAL;
	/* The SVMM lives as long as the file, which this call holds. */
	svmm = nvsvm_file_svmm(to_nvsvm_file(file));
	if (IS_ERR(svmm))
		return PTR_ERR(svmm);

	ret = nvsvm_dmem_migrate(svmm, args->addr, args->addr + args->size,
				 args->target == DRM_NVSVM_MIGRATE_TO_VRAM ?
				 NVSVM_DMEM_TO_VRAM : 0, &migrated);
	if (ret)
		return ret;
	args->migrated = migrated;
	args->skipped = (args->size >> PAGE_SHIFT) - migrated;
	return 0;
}

/**
 * nvsvm_advise_ioctl() - Set an attribute of a range.
 * @drm: The DRM device.
 * @data: &struct drm_nvsvm_advise.
 * @file: The file.
 *
 * Return: 0; -EINVAL for bad flags, padding, attribute, value or range;
 * -ENOENT before SVM_INIT; -EBADF from a process other than the file's;
 * -ENOSPC with too many advised ranges.
 */
int nvsvm_advise_ioctl(struct drm_device *drm, void *data,
		       struct drm_file *file)
{
	struct drm_nvsvm_advise *args = data;
	struct nvsvm_svmm *svmm;
	u32 max;

	switch (args->attr) {
	case DRM_NVSVM_ADVISE_PREFERRED_LOCATION:
		max = DRM_NVSVM_MIGRATE_TO_VRAM;
		break;
	case DRM_NVSVM_ADVISE_ACCESSED_BY:
		max = 1;
		break;
	case DRM_NVSVM_ADVISE_ATOMIC:
		max = DRM_NVSVM_ATOMIC_NONE;
		break;
	default:
		return -EINVAL;
	}
	if (args->flags || args->pad || args->value > max ||
	    nvsvm_check_range(args->addr, args->size, U64_MAX))
		return -EINVAL;
	svmm = nvsvm_file_svmm(to_nvsvm_file(file));
	if (IS_ERR(svmm))
		return PTR_ERR(svmm);

	if (args->attr != DRM_NVSVM_ADVISE_PREFERRED_LOCATION)
		return nvsvm_perf_advise(svmm, args->addr,
					 args->addr + args->size, args->attr,
					 args->value);
	return nvsvm_svmm_advise(svmm, args->addr, args->addr + args->size,
				 args->value == DRM_NVSVM_MIGRATE_TO_VRAM);
}

/**
 * nvsvm_file_open() - Set up the per-file state.
 * @drm: The DRM device.
 * @file: The file being opened.
 *
 * Return: 0 or -ENOMEM.
 */
int nvsvm_file_open(struct drm_device *drm, struct drm_file *file)
{
	struct nvsvm_file *nfile;

	nfile = kzalloc(sizeof(*nfile), GFP_KERNEL);
	if (!nfile)
		return -ENOMEM;
	nfile->ndev = to_nvsvm_device(drm);
	mutex_init(&nfile->lock);
	xa_init_flags(&nfile->channels, XA_FLAGS_ALLOC1);
	xa_init_flags(&nfile->jobs, XA_FLAGS_ALLOC1);
	file->driver_priv = nfile;
	return 0;
}

/**
 * nvsvm_file_close() - Tear down the per-file state.
 * @drm: The DRM device.
 * @file: The file being closed.
 *
 * Channels go first, so that no job is left running or stalled on a fault
 * of the VM; then the jobs' fences, then the mirror.
 */
void nvsvm_file_close(struct drm_device *drm, struct drm_file *file)
{
	struct nvsvm_file *nfile = to_nvsvm_file(file);
	struct nvsvm_hw_chan *chan;
	struct dma_fence *fence;
	unsigned long index;

	xa_for_each(&nfile->channels, index, chan)
		nvsvm_hw_chan_destroy(nfile->ndev->hw, chan);
	xa_destroy(&nfile->channels);

	xa_for_each(&nfile->jobs, index, fence)
		dma_fence_put(fence);
	xa_destroy(&nfile->jobs);

	if (nfile->svmm)
		nvsvm_svmm_destroy(nfile->svmm);
	mutex_destroy(&nfile->lock);
	kfree(nfile);
}
