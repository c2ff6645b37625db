// SPDX-License-Identifier: MIT
/*
 * nvsvm-demo: find the nvsvm GPUs and show what they report.
 *
 * Copyright 2026 The nvsvm authors
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <xf86drm.h>

#include "nvsvm.h"

static void print_page_sizes(uint64_t mask)
{
	static const struct { uint64_t size; const char *name; } sizes[] = {
		{ 4096, "4K" }, { 65536, "64K" }, { 2 << 20, "2M" },
	};
	const char *sep = "";
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (mask & sizes[i].size) {
			printf("%s%s", sep, sizes[i].name);
			sep = " ";
		}
	}
	printf("\n");
}

int main(void)
{
	int count, i;

	count = nvsvm_count_devices();
	if (count < 0) {
		fprintf(stderr, "nvsvm-demo: %s\n", nvsvm_strerror(count));
		return 1;
	}
	if (!count) {
		fprintf(stderr, "nvsvm-demo: no nvsvm device found (is nvsvm.ko loaded?)\n");
		return 1;
	}

	printf("%d nvsvm device(s)\n", count);
	for (i = 0; i < count; i++) {
		struct nvsvm_device_info info;
		drmVersionPtr version;
		char *node;
		int fd, ret;

		fd = nvsvm_open_index(i);
		if (fd < 0) {
			fprintf(stderr, "nvsvm-demo: device %d: %s\n", i,
				nvsvm_strerror(fd));
			return 1;
		}
		ret = nvsvm_query_device(fd, &info);
		if (ret) {
			fprintf(stderr, "nvsvm-demo: device %d: %s\n", i,
				nvsvm_strerror(ret));
			close(fd);
			return 1;
		}
		version = drmGetVersion(fd);
		printf("device %u: %s\n", info.index,
		       version ? version->desc : "?");
		node = drmGetDeviceNameFromFd2(fd);
		printf("  node:     %s\n", node ? node : "?");
		free(node);
		printf("  driver:   %s %llu.%llu.%llu, uAPI %llu\n",
		       version ? version->name : "?",
		       (unsigned long long)(info.driver_version >> 32),
		       (unsigned long long)(info.driver_version >> 16 & 0xffff),
		       (unsigned long long)(info.driver_version & 0xffff),
		       (unsigned long long)info.uapi_version);
		printf("  chipset:  %s (0x%llx)\n", info.chipset_name,
		       (unsigned long long)info.chipset);
		printf("  VRAM:     %llu MiB\n",
		       (unsigned long long)(info.vram_size >> 20));
		printf("  pages:    ");
		print_page_sizes(info.page_sizes);
		drmFreeVersion(version);
		close(fd);
	}
	return 0;
}
