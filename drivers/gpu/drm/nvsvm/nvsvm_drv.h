/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Copyright 2026 The nvsvm authors
 */
#ifndef __NVSVM_DRV_H__
#define __NVSVM_DRV_H__

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <drm/drm_device.h>

#include "nvsvm_dmem.h"
#include "nvsvm_svm.h"

struct dentry;
struct drm_nvsvm_getparam;
struct nvsvm_hw;
struct nvsvm_vram;
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
 * @hw: The GPU behind its hardware interface.
 * @vram: Allocator of the GPU's VRAM.
 * @svm: State of the svm layer.
 * @dmem: Device-private VRAM.
 */
struct nvsvm_device {
	struct drm_device drm;
	struct platform_device *pdev;
	unsigned int index;
	u64 vram_size;
	struct nvsvm_hw *hw;
	struct nvsvm_vram *vram;
	struct nvsvm_svm_device svm;
	struct nvsvm_dmem dmem;
};

/**
 * struct nvsvm_file - Per-file state.
 * @ndev: The GPU the file was opened on.
 * @lock: Protects @svmm, @channels, @jobs and @njobs.
 * @svmm: The mirrored address space, once SVM_INIT has run.
 * @channels: Exec-engine channels by handle.
 * @jobs: Fences of the jobs not waited for yet, by job id.
 * @njobs: Number of entries in @jobs.
 */
struct nvsvm_file {
	struct nvsvm_device *ndev;
	struct mutex lock; /* protects svmm, channels, jobs, njobs */
	struct nvsvm_svmm *svmm;
	struct xarray channels;
	struct xarray jobs;
	unsigned int njobs;
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
bool nvsvm_debug(const struct nvsvm_device *ndev);
struct nvsvm_device *nvsvm_device_lookup(unsigned int index);
bool nvsvm_device_is_gpu(const void *owner);

struct drm_file;

int nvsvm_file_open(struct drm_device *drm, struct drm_file *file);
void nvsvm_file_close(struct drm_device *drm, struct drm_file *file);
int nvsvm_svm_init_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file);
int nvsvm_channel_create_ioctl(struct drm_device *drm, void *data,
			       struct drm_file *file);
int nvsvm_channel_destroy_ioctl(struct drm_device *drm, void *data,
				struct drm_file *file);
int nvsvm_job_submit_ioctl(struct drm_device *drm, void *data,
			   struct drm_file *file);
int nvsvm_job_wait_ioctl(struct drm_device *drm, void *data,
			 struct drm_file *file);
int nvsvm_stats_ioctl(struct drm_device *drm, void *data,
		      struct drm_file *file);
int nvsvm_migrate_ioctl(struct drm_device *drm, void *data,
			struct drm_file *file);
int nvsvm_advise_ioctl(struct drm_device *drm, void *data,
		       struct drm_file *file);

/* Bench-only references (nvsvm_bench.c), in the `make bench` module alone. */
#ifdef NVSVM_BENCH
void nvsvm_bench_debugfs_init(struct nvsvm_device *ndev, struct dentry *root);
#else
static inline void nvsvm_bench_debugfs_init(struct nvsvm_device *ndev,
					    struct dentry *root)
{
}
#endif

#endif /* __NVSVM_DRV_H__ */
