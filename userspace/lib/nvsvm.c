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

	if (drmIoctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &args))
		return -errno;
	*value = args.value;
	return 0;
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
	if (ret)
		return ret;
	if (drmIoctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &name))
		return -errno;
	info->index = index;
	return 0;
}

const char *nvsvm_strerror(int err)
{
	switch (-err) {
	case ENODEV:
		return "no such nvsvm device";
	case EINVAL:
		return "invalid argument (unknown parameter, flag or nonzero padding)";
	case ENOSPC:
		return "buffer too small";
	default:
		return strerror(-err);
	}
}
