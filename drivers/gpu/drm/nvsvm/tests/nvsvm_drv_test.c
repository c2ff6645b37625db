// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * KUnit tests for the ioctl validation of nvsvm_drv.c.
 *
 * Copyright 2026 The nvsvm authors
 */

#include <kunit/test.h>
#include <linux/sizes.h>

#include <uapi/drm/nvsvm_drm.h>

#include "nvsvm_drv.h"

struct nvsvm_getparam_case {
	const char *name;
	struct drm_nvsvm_getparam in;
	int ret;
	u64 value;
};

static const struct nvsvm_getparam_case nvsvm_getparam_cases[] = {
	{ "driver-version", { .param = DRM_NVSVM_PARAM_DRIVER_VERSION }, 0,
	  (u64)NVSVM_DRIVER_MAJOR << 32 | NVSVM_DRIVER_MINOR << 16 |
	  NVSVM_DRIVER_PATCHLEVEL },
	{ "uapi-version", { .param = DRM_NVSVM_PARAM_UAPI_VERSION }, 0,
	  NVSVM_UAPI_VERSION },
	{ "chipset", { .param = DRM_NVSVM_PARAM_CHIPSET }, 0, 0x130 },
	{ "chipset-name-size", { .param = DRM_NVSVM_PARAM_CHIPSET_NAME }, 0,
	  sizeof("gp100-emu") },
	{ "vram-size", { .param = DRM_NVSVM_PARAM_VRAM_SIZE }, 0, SZ_32M },
	{ "page-sizes", { .param = DRM_NVSVM_PARAM_PAGE_SIZES }, 0,
	  SZ_4K | SZ_64K | SZ_2M },
	{ "device-index", { .param = DRM_NVSVM_PARAM_DEVICE_INDEX }, 0, 3 },
	{ "param-zero", { .param = 0 }, -EINVAL, 0 },
	{ "param-unknown", { .param = DRM_NVSVM_PARAM_DEVICE_INDEX + 1 },
	  -EINVAL, 0 },
	{ "param-huge", { .param = ~0u }, -EINVAL, 0 },
	{ "pad", { .param = DRM_NVSVM_PARAM_CHIPSET, .pad = 1 }, -EINVAL, 0 },
	{ "pad-string", { .param = DRM_NVSVM_PARAM_CHIPSET_NAME, .pad = 1 },
	  -EINVAL, 0 },
	{ "ptr-on-scalar", { .param = DRM_NVSVM_PARAM_CHIPSET, .ptr = 8 },
	  -EINVAL, 0 },
	{ "size-on-scalar", { .param = DRM_NVSVM_PARAM_CHIPSET, .size = 8 },
	  -EINVAL, 0 },
	{ "string-size-no-ptr", { .param = DRM_NVSVM_PARAM_CHIPSET_NAME,
				  .size = 64 }, -EINVAL, 0 },
	{ "string-too-small", { .param = DRM_NVSVM_PARAM_CHIPSET_NAME,
				.ptr = 8, .size = 4 }, -ENOSPC, 0 },
};

static void nvsvm_getparam_case_desc(const struct nvsvm_getparam_case *c,
				     char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nvsvm_getparam, nvsvm_getparam_cases,
		  nvsvm_getparam_case_desc);

/*
 * Each case runs against a device whose index and VRAM size differ from the
 * module defaults, so that a parameter answered from the wrong place fails.
 */
static void nvsvm_test_getparam(struct kunit *test)
{
	const struct nvsvm_getparam_case *c = test->param_value;
	struct nvsvm_device *ndev;
	struct drm_nvsvm_getparam args = c->in;

	ndev = kunit_kzalloc(test, sizeof(*ndev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ndev);
	ndev->index = 3;
	ndev->vram_size = SZ_32M;
	args.value = 0xdeadbeef;

	KUNIT_EXPECT_EQ(test, nvsvm_getparam(ndev, &args), c->ret);
	if (!c->ret)
		KUNIT_EXPECT_EQ(test, args.value, c->value);
	else
		KUNIT_EXPECT_EQ(test, args.value, 0xdeadbeef);
}

static struct kunit_case nvsvm_drv_test_cases[] = {
	KUNIT_CASE_PARAM(nvsvm_test_getparam, nvsvm_getparam_gen_params),
	{}
};

static struct kunit_suite nvsvm_drv_test_suite = {
	.name = "nvsvm_drv",
	.test_cases = nvsvm_drv_test_cases,
};

kunit_test_suite(nvsvm_drv_test_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_DESCRIPTION("KUnit tests for nvsvm");
MODULE_LICENSE("Dual MIT/GPL");
