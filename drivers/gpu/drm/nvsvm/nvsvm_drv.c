// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/bits.h>
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <drm/drm_debugfs.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_ioctl.h>
#include <kunit/visibility.h>

#include <uapi/drm/nvsvm_drm.h>

#include "nvsvm_drv.h"
#include "nvsvm_hw.h"
#include "nvsvm_vram.h"

/**
 * DOC: Overview
 *
 * nvsvm registers one or more virtual GPUs, each a DRM device with a render
 * node only. A device is a platform device created by the module itself,
 * since there is no hardware to probe: the GPU behind it is emulated in the
 * module (see hw/).
 *
 * The driver is split into layers that call each other through typed C
 * functions: drv (this file: devices, ioctls, per-file state), svm (process
 * address-space mirroring), dmem (device-private VRAM and migration), vmm
 * (GPU page tables) and hw (the GPU behind one ops table).
 */

static unsigned int num_devices = 1;
module_param(num_devices, uint, 0444);
MODULE_PARM_DESC(num_devices,
		 "Number of GPUs to register (1-" __stringify(NVSVM_MAX_DEVICES) ", default 1)");

static unsigned int vram_size_mb = 64;
module_param(vram_size_mb, uint, 0444);
MODULE_PARM_DESC(vram_size_mb, "VRAM size of each GPU in MiB (2-4096, multiple of 2, default 64)");

static unsigned int debug_devices = ~0u;
module_param(debug_devices, uint, 0600);
MODULE_PARM_DESC(debug_devices,
		 "Debug: the GPUs the driver's other debug_* parameters act on, a mask of device indexes (default: every GPU), so that a test run whose lanes use different GPUs keeps one lane's debug windows off the other's GPUs; the emulator's debug_peer_delay_us acts on every GPU");

static bool debug_inject_warn;
module_param(debug_inject_warn, bool, 0600);
MODULE_PARM_DESC(debug_inject_warn,
		 "Debug: GETPARAM raises a WARN while set, to prove that the test harness catches kernel splats (default false)");

/**
 * nvsvm_debug() - Whether the debug_* parameters act on a GPU.
 * @ndev: The GPU.
 *
 * Context: Any context.
 * Return: True if @ndev's index is in the mask debug_devices.
 */
bool nvsvm_debug(const struct nvsvm_device *ndev)
{
	return READ_ONCE(debug_devices) & BIT(ndev->index);
}

/* Every GPU, by index: set once it is registered, cleared at unload. */
static struct nvsvm_device *nvsvm_devices[NVSVM_MAX_DEVICES];

/**
 * nvsvm_device_lookup() - Find a GPU by index.
 * @index: The GPU's index, &nvsvm_device.index.
 *
 * A GPU lives until the module is unloaded, which no open file allows: a
 * caller that has a file of any GPU open may use the result as long as it
 * keeps that file.
 *
 * Context: Any context.
 * Return: The GPU, or NULL if there is none at @index.
 */
struct nvsvm_device *nvsvm_device_lookup(unsigned int index)
{
	if (index >= ARRAY_SIZE(nvsvm_devices))
		return NULL;
	return READ_ONCE(nvsvm_devices[index]);
}

/**
 * nvsvm_device_is_gpu() - Tell whether a pointer is one of the GPUs.
 * @owner: Any pointer, such as the owner of an mmu notifier range.
 *
 * Context: Any context.
 * Return: True if @owner is a registered &struct nvsvm_device.
 */
bool nvsvm_device_is_gpu(const void *owner)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(nvsvm_devices); i++)
		if (owner && READ_ONCE(nvsvm_devices[i]) == owner)
			return true;
	return false;
}

static int nvsvm_getparam_string(const char *str,
				 struct drm_nvsvm_getparam *args)
{
	size_t len = strlen(str) + 1;

	if (args->size && !args->ptr)
		return -EINVAL;
	if (args->size && args->size < len)
		return -ENOSPC;
	if (args->size && copy_to_user(u64_to_user_ptr(args->ptr), str, len))
		return -EFAULT;

	args->value = len;
	return 0;
}

/**
 * nvsvm_getparam() - Validate a parameter query and answer it.
 * @ndev: The device queried.
 * @args: The query, as copied in from userspace; @args->value is set.
 *
 * Context: Process context; may fault in the user buffer of string
 * parameters.
 *
 * Return: 0 on success; -EINVAL for an unknown parameter, nonzero padding,
 * or a buffer given to a parameter that takes none; -ENOSPC when a string
 * does not fit the user's buffer; -EFAULT when the buffer cannot be written.
 */
VISIBLE_IF_KUNIT int nvsvm_getparam(struct nvsvm_device *ndev,
				    struct drm_nvsvm_getparam *args)
{
	if (args->pad)
		return -EINVAL;

	if (args->param == DRM_NVSVM_PARAM_CHIPSET_NAME)
		return nvsvm_getparam_string(NVSVM_CHIPSET_NAME, args);

	if (args->ptr || args->size)
		return -EINVAL;

	switch (args->param) {
	case DRM_NVSVM_PARAM_DRIVER_VERSION:
		args->value = (u64)NVSVM_DRIVER_MAJOR << 32 |
			      NVSVM_DRIVER_MINOR << 16 | NVSVM_DRIVER_PATCHLEVEL;
		break;
	case DRM_NVSVM_PARAM_UAPI_VERSION:
		args->value = NVSVM_UAPI_VERSION;
		break;
	case DRM_NVSVM_PARAM_CHIPSET:
		args->value = NVSVM_CHIPSET_GP100;
		break;
	case DRM_NVSVM_PARAM_VRAM_SIZE:
		args->value = ndev->vram_size;
		break;
	case DRM_NVSVM_PARAM_PAGE_SIZES:
		args->value = SZ_4K | SZ_64K | SZ_2M;
		break;
	case DRM_NVSVM_PARAM_DEVICE_INDEX:
		args->value = ndev->index;
		break;
	default:
		return -EINVAL;
	}

	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_getparam);

static int nvsvm_getparam_ioctl(struct drm_device *drm, void *data,
				struct drm_file *file)
{
	struct nvsvm_device *ndev = to_nvsvm_device(drm);

	WARN(nvsvm_debug(ndev) && READ_ONCE(debug_inject_warn),
	     "nvsvm: debug_inject_warn is set\n");

	return nvsvm_getparam(ndev, data);
}

static const struct drm_ioctl_desc nvsvm_ioctls[] = {
	DRM_IOCTL_DEF_DRV(NVSVM_GETPARAM, nvsvm_getparam_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(NVSVM_SVM_INIT, nvsvm_svm_init_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(NVSVM_CHANNEL_CREATE, nvsvm_channel_create_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(NVSVM_CHANNEL_DESTROY, nvsvm_channel_destroy_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(NVSVM_JOB_SUBMIT, nvsvm_job_submit_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(NVSVM_JOB_WAIT, nvsvm_job_wait_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(NVSVM_STATS, nvsvm_stats_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(NVSVM_MIGRATE, nvsvm_migrate_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(NVSVM_ADVISE, nvsvm_advise_ioctl, DRM_RENDER_ALLOW),
};

static const char *const nvsvm_stat_names[NVSVM_STAT_COUNT] = {
	[NVSVM_STAT_FAULTS]			= "faults",
	[NVSVM_STAT_FAULT_BATCHES]		= "fault_batches",
	[NVSVM_STAT_REPLAYS]			= "replays",
	[NVSVM_STAT_CANCELS]			= "cancels",
	[NVSVM_STAT_PAGES_MAPPED]		= "pages_mapped",
	[NVSVM_STAT_HUGE_MAPPED]		= "huge_mapped",
	[NVSVM_STAT_INVALIDATIONS]		= "invalidations",
	[NVSVM_STAT_INVALIDATIONS_SKIPPED]	= "invalidations_skipped",
	[NVSVM_STAT_TLB_FLUSHES]		= "tlb_flushes",
	[NVSVM_STAT_JOBS]			= "jobs",
	[NVSVM_STAT_JOBS_FAILED]		= "jobs_failed",
	[NVSVM_STAT_MIGRATED_TO_VRAM]		= "migrated_to_vram",
	[NVSVM_STAT_MIGRATED_TO_SYS]		= "migrated_to_sys",
	[NVSVM_STAT_MIGRATION_INVALIDATIONS]	= "migration_invalidations",
	[NVSVM_STAT_CPU_FAULTS]			= "cpu_faults",
	[NVSVM_STAT_EVICTIONS]			= "evictions",
	[NVSVM_STAT_VRAM_IN_USE]		= "vram_in_use",
	[NVSVM_STAT_ATOMIC_FAULTS]		= "atomic_faults",
	[NVSVM_STAT_EXCLUSIVE_GRANTS]		= "exclusive_grants",
	[NVSVM_STAT_EXCLUSIVE_REVOCATIONS]	= "exclusive_revocations",
	[NVSVM_STAT_DMA_MAPS]			= "dma_maps",
	[NVSVM_STAT_DMA_UNMAPS]			= "dma_unmaps",
	[NVSVM_STAT_IOMMU_FAULTS]		= "iommu_faults",
	[NVSVM_STAT_BIG_MAPPED]			= "big_mapped",
	[NVSVM_STAT_HUGE_VRAM_MAPPED]		= "huge_vram_mapped",
	[NVSVM_STAT_PEER_MIGRATED]		= "peer_migrated",
	[NVSVM_STAT_PEER_BOUNCED]		= "peer_bounced",
	[NVSVM_STAT_THRASH_DETECTIONS]		= "thrash_detections",
	[NVSVM_STAT_THROTTLES]			= "throttles",
	[NVSVM_STAT_PINS]			= "pins",
	[NVSVM_STAT_PREFETCHED]			= "prefetched",
};

static int nvsvm_debugfs_stats(struct seq_file *m, void *data)
{
	struct drm_debugfs_entry *entry = m->private;
	struct nvsvm_device *ndev = to_nvsvm_device(entry->dev);
	unsigned int i;

	for (i = 0; i < NVSVM_STAT_COUNT; i++)
		seq_printf(m, "%s %llu\n", nvsvm_stat_names[i],
			   nvsvm_stat_read(ndev, &ndev->svm.stats, i));
	return 0;
}

static const struct file_operations nvsvm_fops = {
	.owner		= THIS_MODULE,
	.open		= drm_open,
	.release	= drm_release,
	.unlocked_ioctl	= drm_ioctl,
	.compat_ioctl	= drm_compat_ioctl,
	.poll		= drm_poll,
	.read		= drm_read,
	.llseek		= noop_llseek,
	.fop_flags	= FOP_UNSIGNED_OFFSET,
};

static const struct drm_driver nvsvm_drm_driver = {
	.driver_features	= DRIVER_RENDER,
	.open			= nvsvm_file_open,
	.postclose		= nvsvm_file_close,
	.ioctls			= nvsvm_ioctls,
	.num_ioctls		= ARRAY_SIZE(nvsvm_ioctls),
	.fops			= &nvsvm_fops,
	.name			= NVSVM_DRIVER_NAME,
	.desc			= NVSVM_DRIVER_DESC,
	.date			= NVSVM_DRIVER_DATE,
	.major			= NVSVM_DRIVER_MAJOR,
	.minor			= NVSVM_DRIVER_MINOR,
	.patchlevel		= NVSVM_DRIVER_PATCHLEVEL,
};

static struct nvsvm_device *nvsvm_device_create(unsigned int index)
{
	struct platform_device *pdev;
	struct nvsvm_device *ndev;
	char name[16];
	int ret;

	/*
	 * One platform device name per GPU: libdrm tells devices apart by
	 * their modalias ("platform:<name>"), so "nvsvm.0" and "nvsvm.1"
	 * would be merged into one device by drmGetDevices2().
	 */
	snprintf(name, sizeof(name), NVSVM_DRIVER_NAME "%u", index);
	pdev = platform_device_register_simple(name, PLATFORM_DEVID_NONE,
					       NULL, 0);
	if (IS_ERR(pdev))
		return ERR_CAST(pdev);

	/*
	 * The GPU reaches system memory by DMA address, 47 bits of it like
	 * nouveau's Pascal: more than any machine has, so nothing bounces.
	 */
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(47));
	if (ret)
		goto err_unregister_pdev;

	if (!devres_open_group(&pdev->dev, NULL, GFP_KERNEL)) {
		ret = -ENOMEM;
		goto err_unregister_pdev;
	}

	ndev = devm_drm_dev_alloc(&pdev->dev, &nvsvm_drm_driver,
				  struct nvsvm_device, drm);
	if (IS_ERR(ndev)) {
		ret = PTR_ERR(ndev);
		goto err_release_devres;
	}
	ndev->pdev = pdev;
	ndev->index = index;
	ndev->vram_size = (u64)vram_size_mb * SZ_1M;

	ndev->hw = nvsvm_hw_emu_create(&pdev->dev, ndev->vram_size);
	if (IS_ERR(ndev->hw)) {
		ret = PTR_ERR(ndev->hw);
		goto err_release_devres;
	}
	ndev->vram = nvsvm_vram_create(ndev->vram_size);
	if (IS_ERR(ndev->vram)) {
		ret = PTR_ERR(ndev->vram);
		goto err_destroy_hw;
	}
	ret = nvsvm_svm_device_init(ndev);
	if (ret)
		goto err_destroy_vram;
	ret = nvsvm_dmem_init(ndev);
	if (ret)
		goto err_fini_svm_only;

	drm_debugfs_add_file(&ndev->drm, "nvsvm_stats", nvsvm_debugfs_stats,
			     NULL);
	nvsvm_dmem_debugfs_init(ndev);

	ret = drm_dev_register(&ndev->drm, 0);
	if (ret)
		goto err_fini_svm;
	/* drm_dev_unregister() removes them, before the GPU goes. */
	nvsvm_hw_debugfs_init(ndev->hw, ndev->drm.debugfs_root);
	nvsvm_bench_debugfs_init(ndev, ndev->drm.debugfs_root);

	return ndev;

err_fini_svm:
	nvsvm_dmem_fini(ndev);
err_fini_svm_only:
	nvsvm_svm_device_fini(ndev);
err_destroy_vram:
	nvsvm_vram_destroy(ndev->vram);
err_destroy_hw:
	nvsvm_hw_destroy(ndev->hw);
err_release_devres:
	devres_release_group(&pdev->dev, NULL);
err_unregister_pdev:
	platform_device_unregister(pdev);
	return ERR_PTR(ret);
}

static void nvsvm_device_destroy(struct nvsvm_device *ndev)
{
	struct platform_device *pdev = ndev->pdev;

	drm_dev_unregister(&ndev->drm);
	nvsvm_dmem_fini(ndev);
	nvsvm_svm_device_fini(ndev);
	nvsvm_vram_destroy(ndev->vram);
	nvsvm_hw_destroy(ndev->hw);
	devres_release_group(&pdev->dev, NULL);
	platform_device_unregister(pdev);
}

static void nvsvm_devices_destroy(void)
{
	unsigned int i;

	for (i = ARRAY_SIZE(nvsvm_devices); i-- > 0;) {
		struct nvsvm_device *ndev = nvsvm_devices[i];

		WRITE_ONCE(nvsvm_devices[i], NULL);
		if (ndev)
			nvsvm_device_destroy(ndev);
	}
}

static int __init nvsvm_init(void)
{
	unsigned int i;

	if (!num_devices || num_devices > NVSVM_MAX_DEVICES) {
		pr_err("nvsvm: num_devices=%u is out of range 1-%u\n",
		       num_devices, NVSVM_MAX_DEVICES);
		return -EINVAL;
	}
	if (vram_size_mb < 2 || vram_size_mb > 4096 || vram_size_mb % 2) {
		pr_err("nvsvm: vram_size_mb=%u must be an even number in 2-4096\n",
		       vram_size_mb);
		return -EINVAL;
	}

	for (i = 0; i < num_devices; i++) {
		struct nvsvm_device *ndev = nvsvm_device_create(i);

		if (IS_ERR(ndev)) {
			nvsvm_devices_destroy();
			return PTR_ERR(ndev);
		}
		WRITE_ONCE(nvsvm_devices[i], ndev);
	}

	return 0;
}

static void __exit nvsvm_exit(void)
{
	nvsvm_devices_destroy();
}

module_init(nvsvm_init);
module_exit(nvsvm_exit);

MODULE_DESCRIPTION(NVSVM_DRIVER_DESC);
MODULE_LICENSE("Dual MIT/GPL");
