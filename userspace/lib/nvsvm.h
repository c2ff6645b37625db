/* SPDX-License-Identifier: MIT */
/*
 * libnvsvm: a small C library over the nvsvm uAPI.
 *
 * Copyright 2026 The nvsvm authors
 *
 * Every function returns 0 (or a non-negative result) on success and a
 * negative errno value on failure; nvsvm_strerror() describes it.
 */
#ifndef LIBNVSVM_H
#define LIBNVSVM_H

#include <stddef.h>
#include <stdint.h>

#include <nvsvm_drm.h>

#ifdef __cplusplus
extern "C" {
#endif

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
int nvsvm_count_devices(void);

/**
 * nvsvm_open_index() - Open the render node of an nvsvm device.
 * @index: Device index, as %DRM_NVSVM_PARAM_DEVICE_INDEX reports it.
 *
 * Return: A file descriptor, or -ENODEV when there is no such device.
 */
int nvsvm_open_index(unsigned int index);

/**
 * nvsvm_open_path() - Open a render node by path and check it is nvsvm's.
 * @path: Path of a DRM render node, e.g. /dev/dri/renderD128.
 *
 * Return: A file descriptor, or a negative errno (-ENODEV when the node
 * belongs to another driver).
 */
int nvsvm_open_path(const char *path);

/**
 * nvsvm_getparam() - Query one scalar device parameter.
 * @fd: An nvsvm file descriptor.
 * @param: One of &enum drm_nvsvm_param.
 * @value: Where the value is stored.
 *
 * Return: 0, or a negative errno.
 */
int nvsvm_getparam(int fd, uint32_t param, uint64_t *value);

/**
 * nvsvm_query_device() - Fill a &struct nvsvm_device_info.
 * @fd: An nvsvm file descriptor.
 * @info: The structure to fill.
 *
 * Return: 0, or a negative errno.
 */
int nvsvm_query_device(int fd, struct nvsvm_device_info *info);

/**
 * nvsvm_strerror() - Describe a negative errno returned by this library.
 * @err: A negative errno.
 *
 * Return: A static string.
 */
const char *nvsvm_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LIBNVSVM_H */
