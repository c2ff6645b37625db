// SPDX-License-Identifier: MIT
/*
 * libnvsvm: a small C library over the nvsvm uAPI.
 *
 * Copyright 2026 The nvsvm authors
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <xf86drm.h>

#include "nvsvm.h"

#define NVSVM_MAX_DRM_DEVICES	64

int nvsvm_ioctl(int fd, unsigned long request, void *arg)
{
	return drmIoctl(fd, request, arg) ? -errno : 0;
}

static int is_nvsvm(int fd)
{
	drmVersionPtr version = drmGetVersion(fd);
	int ret;

	if (!version)
		return 0;
	ret = !strcmp(version->name, "nvsvm");
	drmFreeVersion(version);
	return ret;
}

int nvsvm_open_path(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (!is_nvsvm(fd)) {
		close(fd);
		return -ENODEV;
	}
	return fd;
}

/*
 * Walk the render nodes that libdrm knows of. @fn is called with each nvsvm
 * node opened and its device index; a nonzero return stops the walk and is
 * returned, with the fd left open for the caller.
 */
static int for_each_nvsvm(int (*fn)(int fd, uint64_t index, void *data),
			  void *data)
{
	drmDevicePtr devices[NVSVM_MAX_DRM_DEVICES];
	int count, i, ret = 0;

	count = drmGetDevices2(0, devices, NVSVM_MAX_DRM_DEVICES);
	if (count == -ENOENT)	/* no /dev/dri: no DRM device at all */
		return 0;
	if (count < 0)
		return count;

	for (i = 0; i < count && !ret; i++) {
		uint64_t index = 0;
		int fd;

		if (!(devices[i]->available_nodes & (1 << DRM_NODE_RENDER)))
			continue;
		fd = nvsvm_open_path(devices[i]->nodes[DRM_NODE_RENDER]);
		if (fd < 0)
			continue;
		if (nvsvm_getparam(fd, DRM_NVSVM_PARAM_DEVICE_INDEX, &index)) {
			close(fd);
			continue;
		}
		ret = fn(fd, index, data);
		if (ret <= 0)
			close(fd);
	}

	drmFreeDevices(devices, count);
	return ret;
}

static int count_one(int fd, uint64_t index, void *data)
{
	(void)fd;
	(void)index;
	++*(int *)data;
	return 0;
}

int nvsvm_count_devices(void)
{
	int count = 0, ret;

	ret = for_each_nvsvm(count_one, &count);
	return ret < 0 ? ret : count;
}

static int match_index(int fd, uint64_t index, void *data)
{
	return index == *(unsigned int *)data ? fd : 0;
}

int nvsvm_open_index(unsigned int index)
{
	int fd = for_each_nvsvm(match_index, &index);

	return fd > 0 ? fd : fd < 0 ? fd : -ENODEV;
}

int nvsvm_getparam(int fd, uint32_t param, uint64_t *value)
{
	struct drm_nvsvm_getparam args = { .param = param };

	int ret = nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &args);

	if (!ret)
		*value = args.value;
	return ret;
}

int nvsvm_query_device(int fd, struct nvsvm_device_info *info)
{
	struct drm_nvsvm_getparam name = {
		.param = DRM_NVSVM_PARAM_CHIPSET_NAME,
		.ptr = (uintptr_t)info->chipset_name,
		.size = sizeof(info->chipset_name),
	};
	uint64_t index = 0;
	int ret;

	memset(info, 0, sizeof(*info));
	ret = nvsvm_getparam(fd, DRM_NVSVM_PARAM_DEVICE_INDEX, &index);
	if (!ret)
		ret = nvsvm_getparam(fd, DRM_NVSVM_PARAM_DRIVER_VERSION,
				     &info->driver_version);
	if (!ret)
		ret = nvsvm_getparam(fd, DRM_NVSVM_PARAM_UAPI_VERSION,
				     &info->uapi_version);
	if (!ret)
		ret = nvsvm_getparam(fd, DRM_NVSVM_PARAM_CHIPSET, &info->chipset);
	if (!ret)
		ret = nvsvm_getparam(fd, DRM_NVSVM_PARAM_VRAM_SIZE,
				     &info->vram_size);
	if (!ret)
		ret = nvsvm_getparam(fd, DRM_NVSVM_PARAM_PAGE_SIZES,
				     &info->page_sizes);
	if (!ret)
		ret = nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &name);
	if (!ret)
		info->index = index;
	return ret;
}

int nvsvm_svm_init(int fd)
{
	struct drm_nvsvm_svm_init args = { 0 };

	return nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_SVM_INIT, &args);
}

int nvsvm_channel_create(int fd, uint32_t *handle)
{
	struct drm_nvsvm_channel_create args = { 0 };
	int ret = nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_CHANNEL_CREATE, &args);

	if (!ret)
		*handle = args.handle;
	return ret;
}

int nvsvm_channel_destroy(int fd, uint32_t handle)
{
	struct drm_nvsvm_channel_destroy args = { .handle = handle };

	return nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_CHANNEL_DESTROY, &args);
}

int nvsvm_job_submit(int fd, uint32_t channel,
		     const struct drm_nvsvm_op *ops, unsigned int count,
		     uint64_t *job)
{
	struct drm_nvsvm_job_submit args = {
		.channel = channel,
		.ops = (uintptr_t)ops,
		.op_count = count,
		.op_stride = sizeof(*ops),
	};
	int ret = nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_JOB_SUBMIT, &args);

	if (!ret)
		*job = args.job;
	return ret;
}

int nvsvm_job_wait(int fd, uint64_t job, uint64_t timeout_ns, int *status)
{
	struct drm_nvsvm_job_wait args = {
		.job = job,
		.timeout_ns = timeout_ns,
	};
	int ret = nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_JOB_WAIT, &args);

	if (!ret && status)
		*status = args.status;
	return ret;
}

int nvsvm_run(int fd, uint32_t channel, const struct drm_nvsvm_op *ops,
	      unsigned int count)
{
	uint64_t job = 0;
	int ret, status = 0;

	ret = nvsvm_job_submit(fd, channel, ops, count, &job);
	if (!ret)
		ret = nvsvm_job_wait(fd, job, NVSVM_RUN_TIMEOUT_NS, &status);
	return ret ? ret : status;
}

int nvsvm_stats(int fd, uint32_t flags, struct drm_nvsvm_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->flags = flags;
	return nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_STATS, stats);
}

int nvsvm_migrate(int fd, void *addr, size_t size, uint32_t target,
		  uint64_t *migrated, uint64_t *skipped)
{
	struct drm_nvsvm_migrate args = {
		.addr = (uintptr_t)addr,
		.size = size,
		.target = target,
	};
	int ret = nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_MIGRATE, &args);

	if (ret)
		return ret;
	if (migrated)
		*migrated = args.migrated;
	if (skipped)
		*skipped = args.skipped;
	return 0;
}

int nvsvm_prefetch(int fd, void *addr, size_t size)
{
	return nvsvm_migrate(fd, addr, size, DRM_NVSVM_MIGRATE_TO_VRAM, NULL,
			     NULL);
}

int nvsvm_advise(int fd, void *addr, size_t size, uint32_t attr,
		 uint32_t value)
{
	struct drm_nvsvm_advise args = {
		.addr = (uintptr_t)addr,
		.size = size,
		.attr = attr,
		.value = value,
	};

	return nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_ADVISE, &args);
}

int nvsvm_advise_accessed_by(int fd, void *addr, size_t size, int on)
{
	return nvsvm_advise(fd, addr, size, DRM_NVSVM_ADVISE_ACCESSED_BY, !!on);
}

int nvsvm_advise_atomic(int fd, void *addr, size_t size, uint32_t policy)
{
	return nvsvm_advise(fd, addr, size, DRM_NVSVM_ADVISE_ATOMIC, policy);
}

uint64_t nvsvm_checksum(const void *buf, size_t len)
{
	const uint64_t *words = buf;
	uint64_t h = NVSVM_CHECKSUM_BASIS;
	size_t i;

	for (i = 0; i < len / sizeof(*words); i++)
		h = (h ^ words[i]) * NVSVM_CHECKSUM_PRIME;
	return h;
}

const char *nvsvm_strerror(int err)
{
	switch (-err) {
	case ENODEV:
		return "no such nvsvm device";
	case EINVAL:
		return "invalid argument (unknown parameter or flag, nonzero padding, or a value out of range)";
	case ENOSPC:
		return "buffer too small, or too many channels or advised ranges";
	case EFAULT:
		return "GPU access faulted and could not be serviced";
	case ETIME:
		return "timed out waiting for the GPU job";
	case EBUSY:
		return "busy (SVM already initialised on this file, or too many jobs not waited for)";
	case ENOENT:
		return "no such channel or job, or SVM not initialised";
	case ECANCELED:
		return "GPU job cancelled: its channel was destroyed";
	case E2BIG:
		return "too many operations for one job";
	case ENOTTY:
		return "not an ioctl of this device";
	default:
		return strerror(-err);
	}
}
