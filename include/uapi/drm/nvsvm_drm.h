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
#define NVSVM_UAPI_VERSION		1

/**
 * enum drm_nvsvm_ioctl_id - Ioctl numbers, relative to %DRM_COMMAND_BASE.
 *
 * Append-only: never reorder or remove an entry.
 */
enum drm_nvsvm_ioctl_id {
	/** @DRM_NVSVM_GETPARAM: Query a device parameter. */
	DRM_NVSVM_GETPARAM = 0,
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

#if defined(__cplusplus)
}
#endif

#endif /* _NVSVM_DRM_H_ */
