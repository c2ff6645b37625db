/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The nvsvm authors
 *
 * Kernel reports in /dev/kmsg, for the tools and the IGT tests alike: one
 * list of what counts as a report.
 */
#ifndef NVSVM_KMSG_H_
#define NVSVM_KMSG_H_

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The first kernel report since @fd was opened at the end of /dev/kmsg, copied to @buf; or false. */
static inline bool kmsg_report(int fd, char *buf, size_t size)
{
	static const char *const reports[] = {
		"KASAN", "BUG:", "Oops", "WARNING:", "general protection fault",
		"kernel BUG", "possible circular locking", "INFO: task",
		"UBSAN", "suspicious RCU usage", "inconsistent lock state",
		"IOMMU fault", "DMA mappings leaked",
	};
	char rec[8192];
	ssize_t n;

	if (fd < 0)
		return false;
	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: go on */
		if (n <= 0)
			return false;
		rec[n] = 0;
		for (size_t i = 0; i < sizeof(reports) / sizeof(reports[0]); i++) {
			if (strstr(rec, reports[i])) {
				snprintf(buf, size, "%s", rec);
				return true;
			}
		}
	}
}

#endif /* NVSVM_KMSG_H_ */
