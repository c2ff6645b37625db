/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the nvsvm IGT tests.
 *
 * Copyright 2026 The nvsvm authors
 */
#ifndef NVSVM_IGT_H_
#define NVSVM_IGT_H_

#include <unistd.h>

#include "igt.h"
#include "nvsvm.h"

/**
 * nvsvm_igt_open() - Open nvsvm device @index, or skip the test.
 * @index: Device index.
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
	fd = nvsvm_open_index(index);
	igt_assert_f(fd >= 0, "nvsvm device %u: %s\n", index,
		     nvsvm_strerror(fd));
	return fd;
}

#endif /* NVSVM_IGT_H_ */
