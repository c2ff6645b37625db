/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Copyright 2026 The nvsvm authors
 */
#ifndef __NVSVM_DRV_H__
#define __NVSVM_DRV_H__

#include <linux/types.h>
#include <drm/drm_device.h>

struct drm_nvsvm_getparam;
struct platform_device;

#define NVSVM_DRIVER_NAME	"nvsvm"
#define NVSVM_DRIVER_DESC	"NVIDIA GP100 shared virtual memory (emulated)"
#define NVSVM_DRIVER_DATE	"20261121"
#define NVSVM_DRIVER_MAJOR	0
#define NVSVM_DRIVER_MINOR	1
#define NVSVM_DRIVER_PATCHLEVEL	0

/** define NVSVM_CHIPSET_GP100 - PMC_BOOT_0 implementation of GP100. */
#define NVSVM_CHIPSET_GP100	0x130
/** define NVSVM_CHIPSET_NAME - Name of the emulated chipset. */
#define NVSVM_CHIPSET_NAME	"gp100-emu"

/** define NVSVM_MAX_DEVICES - Upper bound of the num_devices parameter. */
#define NVSVM_MAX_DEVICES	8

/**
 * struct nvsvm_device - One nvsvm GPU.
 * @drm: The DRM device; nvsvm_device is allocated around it.
 * @pdev: The virtual platform device the DRM device hangs off.
 * @index: Index of this device among the registered ones, from 0.
 * @vram_size: Size of the device's VRAM in bytes.
 */
struct nvsvm_device {
	struct drm_device drm;
	struct platform_device *pdev;
	unsigned int index;
	u64 vram_size;
};

/**
 * to_nvsvm_device() - Downcast a DRM device to its nvsvm device.
 * @drm: A DRM device that nvsvm registered.
 *
 * Return: The nvsvm device that embeds @drm.
 */
static inline struct nvsvm_device *to_nvsvm_device(struct drm_device *drm)
{
	return container_of(drm, struct nvsvm_device, drm);
}

int nvsvm_getparam(struct nvsvm_device *ndev, struct drm_nvsvm_getparam *args);

#endif /* __NVSVM_DRV_H__ */
