/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the nvsvm IGT tests.
 *
 * Copyright 2026 The nvsvm authors
 */
#ifndef NVSVM_IGT_H_
#define NVSVM_IGT_H_

#include <stdlib.h>
#include <unistd.h>

#include "igt.h"
#include "nvsvm.h"

/**
 * nvsvm_igt_dev_first() - The device that index 0 of a test names.
 *
 * NVSVM_IGT_DEV=N in the environment shifts every device index of a test
 * by N, so that two runs can share a machine on different devices.
 *
 * Return: N, or 0 when unset.
 */
static inline unsigned int nvsvm_igt_dev_first(void)
{
	const char *env = getenv("NVSVM_IGT_DEV");

	return env ? (unsigned int)strtoul(env, NULL, 0) : 0;
}

/**
 * nvsvm_igt_require_devices() - Skip unless the test has @count devices.
 * @count: Device indices the test uses, from 0.
 */
static inline void nvsvm_igt_require_devices(unsigned int count)
{
	igt_require_f(nvsvm_count_devices() >=
		      (int)(nvsvm_igt_dev_first() + count),
		      "%u nvsvm devices needed from device %u: load nvsvm with more num_devices\n",
		      count, nvsvm_igt_dev_first());
}

/**
 * nvsvm_igt_open() - Open nvsvm device @index, or skip the test.
 * @index: Device index, from nvsvm_igt_dev_first().
 *
 * The test skips when the nvsvm module is not loaded, and fails when it is
 * loaded but the device cannot be opened: a missing device must never turn
 * a whole run into skips.
 *
 * Return: An open file descriptor.
 */
static inline int nvsvm_igt_open(unsigned int index)
{
	int fd;

	igt_require_f(access("/sys/module/nvsvm", F_OK) == 0,
		      "the nvsvm module is not loaded\n");
	index += nvsvm_igt_dev_first();
	fd = nvsvm_open_index(index);
	igt_assert_f(fd >= 0, "nvsvm device %u: %s\n", index,
		     nvsvm_strerror(fd));
	return fd;
}

#endif /* NVSVM_IGT_H_ */
