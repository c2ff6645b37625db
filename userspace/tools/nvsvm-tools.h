/* SPDX-License-Identifier: MIT */
/*
 * Copyright 2026 The nvsvm authors
 *
 * What the stress, fuzz and fault-injection tools share: a seeded random
 * generator, a clock, failure reports and the kernel log.
 */
#ifndef NVSVM_TOOLS_H_
#define NVSVM_TOOLS_H_

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nvsvm-kmsg.h"

/* Exit statuses: scripts/results.py passes 0 and skips 77. */
#define TOOL_PASS	0
#define TOOL_FAIL	1
#define TOOL_SKIP	77

/* splitmix64: small, fast, and the same sequence on every machine. */
struct rng {
	uint64_t state;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* A generator of its own for each thread or process, from one seed. */
static inline struct rng rng_fork(struct rng *r)
{
	struct rng child = { rng_next(r) ^ 0x5851f42d4c957f2dull };

	return child;
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* The seed: $name if set (decimal or 0x hex), else from the clock. */
static inline uint64_t tool_seed(const char *name)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : now_ns();
}

/* A bound from the environment, or @def. */
static inline uint64_t tool_env(const char *name, uint64_t def)
{
	const char *s = getenv(name);

	return s && *s ? strtoull(s, NULL, 0) : def;
}

/*
 * The first nvsvm device a tool may use: $NVSVM_TOOL_DEV, default 0. It
 * uses that device and the ones after it, and leaves those before it to
 * whatever else runs, such as the IGT tests next to the short runs.
 */
static inline unsigned int tool_dev_first(void)
{
	return tool_env("NVSVM_TOOL_DEV", 0);
}

/* Print to stderr and exit with TOOL_FAIL. */
static inline void __attribute__((noreturn, format(printf, 1, 2)))
tool_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(NULL);
	exit(TOOL_FAIL);
}

/*
 * The kernel log, read from a mark. The VM run as a whole fails on any
 * report (scripts/dmesg-check.sh); a tool checks too, so that its own
 * result line fails and names the report.
 */
static inline int kmsg_mark(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Write @msg to the kernel log, as a mark that scripts/dmesg-check.sh reads. */
static inline void kmsg_note(const char *msg)
{
	int fd = open("/dev/kmsg", O_WRONLY);

	if (fd >= 0) {
		if (write(fd, msg, strlen(msg)) < 0)
			perror("/dev/kmsg");
		close(fd);
	}
}

#endif /* NVSVM_TOOLS_H_ */
