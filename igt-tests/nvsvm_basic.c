// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The nvsvm authors
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xf86drm.h>

#include "nvsvm_igt.h"

IGT_TEST_DESCRIPTION("Basic checks of the nvsvm DRM devices and GETPARAM");

static void test_bad_param(int fd, uint32_t param)
{
	struct drm_nvsvm_getparam args = { .param = param, .value = 0xdead };

	igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &args), -EINVAL);
	igt_assert_eq_u64(args.value, 0xdead);
}

igt_main
{
	static int fd = -1;

	igt_fixture {
		fd = nvsvm_igt_open(0);
	}

	igt_describe("Device 0 is a DRM render node of the nvsvm driver.");
	igt_subtest("open-render-node") {
		drmVersionPtr version = drmGetVersion(fd);

		igt_assert(version);
		igt_assert(!strcmp(version->name, "nvsvm"));
		drmFreeVersion(version);
		igt_assert_eq(drmGetNodeTypeFromFd(fd), DRM_NODE_RENDER);
	}

	igt_describe("Every parameter answers, with the values the driver documents.");
	igt_subtest("getparam") {
		struct nvsvm_device_info info;

		igt_assert_eq(nvsvm_query_device(fd, &info), 0);
		igt_assert_eq(info.index, 0);
		igt_assert_eq_u64(info.uapi_version, NVSVM_UAPI_VERSION);
		igt_assert_eq_u64(info.chipset, 0x130);
		igt_assert(!strcmp(info.chipset_name, "gp100-emu"));
		igt_assert(info.vram_size >= 2 << 20);
		igt_assert_eq_u64(info.vram_size % (2 << 20), 0);
		igt_assert_eq_u64(info.page_sizes,
				  (4 << 10) | (64 << 10) | (2 << 20));
		igt_assert(info.driver_version >> 32 ||
			   info.driver_version & 0xffffffff);
	}

	igt_describe("The chipset name honours the size of the user's buffer.");
	igt_subtest("getparam-chipset-name") {
		char buf[4] = "xyz";
		struct drm_nvsvm_getparam args = {
			.param = DRM_NVSVM_PARAM_CHIPSET_NAME,
		};

		igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &args), 0);
		igt_assert_eq_u64(args.value, sizeof("gp100-emu"));

		args.ptr = (uintptr_t)buf;
		args.size = sizeof(buf);
		igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &args), -ENOSPC);
		igt_assert(!strcmp(buf, "xyz"));

		args.ptr = 8;
		args.size = 64;
		igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &args), -EFAULT);
	}

	igt_describe("Unknown parameters fail with EINVAL and change nothing.");
	igt_subtest("getparam-bad-param") {
		test_bad_param(fd, 0);
		test_bad_param(fd, DRM_NVSVM_PARAM_DEVICE_INDEX + 1);
		test_bad_param(fd, 0x80000000u);
		test_bad_param(fd, ~0u);
	}

	igt_describe("Nonzero padding, or a buffer on a scalar parameter, fails with EINVAL.");
	igt_subtest("getparam-bad-pad") {
		struct drm_nvsvm_getparam args = {
			.param = DRM_NVSVM_PARAM_CHIPSET,
			.pad = 1,
		};

		igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &args), -EINVAL);
		args.pad = 0x80000000u;
		igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &args), -EINVAL);
		args.pad = 0;
		args.ptr = 8;
		igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &args), -EINVAL);
		args.ptr = 0;
		args.size = 8;
		igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &args), -EINVAL);
		args.size = 0;
		igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_GETPARAM, &args), 0);
		igt_assert_eq_u64(args.value, 0x130);
	}

	igt_describe("Two devices are two distinct render nodes with their own index.");
	igt_subtest("two-devices") {
		struct stat st0, st1;
		uint64_t index;
		int fd1;

		igt_require_f(nvsvm_count_devices() >= 2,
			      "load nvsvm with num_devices=2\n");
		fd1 = nvsvm_open_index(1);
		igt_assert_f(fd1 >= 0, "%s\n", nvsvm_strerror(fd1));
		igt_assert_eq(fstat(fd, &st0), 0);
		igt_assert_eq(fstat(fd1, &st1), 0);
		igt_assert(st0.st_rdev != st1.st_rdev);
		igt_assert_eq(nvsvm_getparam(fd1, DRM_NVSVM_PARAM_DEVICE_INDEX,
					     &index), 0);
		igt_assert_eq_u64(index, 1);
		igt_assert_eq(drmGetNodeTypeFromFd(fd1), DRM_NODE_RENDER);
		close(fd1);
	}

	igt_fixture
		close(fd);
}
