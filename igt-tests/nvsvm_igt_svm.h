/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the nvsvm SVM tests (nvsvm_svm, nvsvm_migrate): a GPU
 * fixture (a file with SVM on and one channel), CPU patterns and their
 * checks, and parent/child handshakes.
 *
 * Copyright 2026 The nvsvm authors
 */
#ifndef NVSVM_IGT_SVM_H_
#define NVSVM_IGT_SVM_H_

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "nvsvm_igt.h"
#include "nvsvm-kmsg.h"

#define PAGE_SZ		4096ul
#define SEC_NS		1000000000ull

/* Guard and "never written" value. */
#define POISON		0x5a5a5a5a5a5a5a5aull
/* Step of the CPU patterns: word i of pattern s is s + i * STEP. */
#define STEP		0x9e3779b97f4a7c15ull

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* How much a counter of struct drm_nvsvm_stats grew, for printing. */
#define DELTA(after, before, field) \
	((unsigned long long)((after).field - (before).field))

/* A copy of @base with one member changed, for the malformed-argument checks. */
#define WITH(base, member, value) \
	({ __auto_type __w = (base); __w.member = (value); __w; })

/* Issue an ioctl on a copy of @args and assert its exact result. */
#define EXPECT_IOCTL(fd, request, args, err) \
	do { \
		__auto_type __args = (args); \
		int __ret = nvsvm_ioctl((fd), (request), &__args); \
		igt_assert_eq(__ret, (err)); \
	} while (0)

/* An nvsvm file with SVM on and one channel. */
struct gpu {
	int fd;
	uint32_t chan;
};

static inline struct gpu gpu_open(unsigned int index)
{
	struct gpu g = { .fd = nvsvm_igt_open(index) };
	int ret;

	ret = nvsvm_svm_init(g.fd);
	igt_assert_f(!ret, "SVM_INIT: %s\n", nvsvm_strerror(ret));
	ret = nvsvm_channel_create(g.fd, &g.chan);
	igt_assert_f(!ret, "CHANNEL_CREATE: %s\n", nvsvm_strerror(ret));
	igt_assert(g.chan);
	return g;
}

static inline int gpu_run(const struct gpu *g, struct drm_nvsvm_op op)
{
	return nvsvm_run(g->fd, g->chan, &op, 1);
}

static inline void gpu_ok(const struct gpu *g, struct drm_nvsvm_op op)
{
	int ret = gpu_run(g, op);

	igt_assert_f(!ret, "job: %d (%s)\n", ret, nvsvm_strerror(ret));
}

static inline struct drm_nvsvm_stats gpu_stats(const struct gpu *g)
{
	struct drm_nvsvm_stats s;

	igt_assert_eq(nvsvm_stats(g->fd, 0, &s), 0);
	return s;
}

static inline uint64_t gpu_checksum(const struct gpu *g, const void *src,
				    size_t len)
{
	uint64_t result = POISON;

	gpu_ok(g, nvsvm_op_checksum(&result, src, len));
	return result;
}

/* The GPU's checksum of @buf equals the CPU's. */
static inline void assert_gpu_sees(const struct gpu *g, const void *buf,
				   size_t len)
{
	igt_assert_eq_u64(gpu_checksum(g, buf, len), nvsvm_checksum(buf, len));
}

/* Word i of @buf becomes @first + i * @step: @step 0 is a plain fill. */
static inline void cpu_fill(void *buf, size_t len, uint64_t first,
			    uint64_t step)
{
	uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = first + i * step;
}

static inline void assert_buf(const void *buf, size_t len, uint64_t first,
			      uint64_t step)
{
	const uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		igt_assert_f(w[i] == first + i * step,
			     "word %zu at %p: %#llx, expected %#llx\n", i,
			     (void *)&w[i], (unsigned long long)w[i],
			     (unsigned long long)(first + i * step));
}

/* Read a one-line file, such as a module parameter, without its newline. */
static inline bool read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return true;
}

/* Write @value to a file, such as a module parameter, or fail the test. */
static inline void write_file(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);

	igt_assert_f(fd >= 0, "%s: %s\n", path, strerror(errno));
	igt_assert_f(write(fd, value, strlen(value)) == (ssize_t)strlen(value),
		     "%s <- %s: %s\n", path, value, strerror(errno));
	close(fd);
}

/* nvsvm's module parameters, such as its debug windows. */
#define NVSVM_PARAM_DIR	"/sys/module/nvsvm/parameters/"

static inline bool param_read(const char *name, char *buf, size_t size)
{
	char path[128];

	snprintf(path, sizeof(path), NVSVM_PARAM_DIR "%s", name);
	return read_file(path, buf, size);
}

static inline void param_write(const char *name, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), NVSVM_PARAM_DIR "%s", name);
	write_file(path, value);
}

/*
 * A debug window: set a delay parameter, or skip if the module lacks it,
 * or if debug_devices keeps the driver's debug parameters off the first
 * device of the test (the emulator's, debug_peer_delay_us, act on all).
 */
static inline void param_require_set(const char *name, const char *value)
{
	unsigned int dev = nvsvm_igt_dev_first();
	char old[32];

	igt_require_f(param_read(name, old, sizeof(old)),
		      "nvsvm has no %s parameter\n", name);
	if (param_read("debug_devices", old, sizeof(old)))
		igt_require_f(dev >= 32 ||
			      (strtoul(old, NULL, 0) >> dev & 1),
			      "debug_devices=%s leaves out device %u\n", old,
			      dev);
	param_write(name, value);
}

/*
 * The thrashing-mitigation times (DOC: Thrashing in nvsvm_perf.c). Their
 * defaults are UVM's, for hardware; the emulated GPU is some 50 times
 * slower, so the tests stretch them, and restore them after.
 */
#define THRASH_NPARAMS	4
#define THRASH_VALUE_LEN 24

static inline const char *thrash_param(unsigned int i)
{
	static const char *const names[THRASH_NPARAMS] = {
		"thrash_lapse_us", "thrash_throttle_us",
		"thrash_pin_threshold", "thrash_pin_ms",
	};

	return names[i];
}

/* Set lapse, throttle, pin threshold and pin time; @saved keeps the old. */
static inline void thrash_params_set(char saved[][THRASH_VALUE_LEN],
				     const char *const values[THRASH_NPARAMS])
{
	char enable[8];

	igt_require_f(param_read("thrash_enable", enable, sizeof(enable)),
		      "nvsvm has no thrashing mitigation\n");
	for (unsigned int i = 0; i < THRASH_NPARAMS; i++) {
		if (!saved[i][0])
			igt_assert(param_read(thrash_param(i), saved[i],
					      THRASH_VALUE_LEN));
		param_write(thrash_param(i), values[i]);
	}
}

static inline void thrash_params_restore(char saved[][THRASH_VALUE_LEN])
{
	for (unsigned int i = 0; i < THRASH_NPARAMS; i++) {
		if (saved[i][0])
			param_write(thrash_param(i), saved[i]);
		saved[i][0] = 0;
	}
}

/*
 * The kernel log. The run as a whole fails on any kernel report
 * (scripts/dmesg-check.sh), but a subtest that provokes one should fail
 * itself, and name the report: read /dev/kmsg from a mark set when the
 * subtest starts.
 */
static inline int kmsg_mark(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	igt_assert_f(fd >= 0, "/dev/kmsg: %s\n", strerror(errno));
	igt_assert(lseek(fd, 0, SEEK_END) >= 0);
	return fd;
}

/* Fail on the first kernel report logged since kmsg_mark(). */
static inline void kmsg_assert_clean(int fd)
{
	char report[8192];

	igt_assert_f(!kmsg_report(fd, report, sizeof(report)),
		     "kernel report: %s", report);
	close(fd);
}

static inline void kmsg_note(const char *msg)
{
	int fd = open("/dev/kmsg", O_WRONLY);

	if (fd >= 0) {
		igt_assert(write(fd, msg, strlen(msg)) > 0);
		close(fd);
	}
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * SEC_NS + ts.tv_nsec;
}

static inline void *map_anon(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);

	igt_assert(p != MAP_FAILED);
	return p;
}

/*
 * Parent/child handshakes over pipes. A side that dies closes its ends, so
 * the other one fails on EOF instead of hanging.
 */
struct sync_pipe {
	int down[2];	/* parent -> child */
	int up[2];	/* child -> parent */
};

static inline void sync_open(struct sync_pipe *s, int n)
{
	for (int i = 0; i < n; i++) {
		igt_assert_eq(pipe(s[i].down), 0);
		igt_assert_eq(pipe(s[i].up), 0);
	}
}

/* In child @me: keep only the ends of its own pipes that it uses. */
static inline void sync_as_child(struct sync_pipe *s, int n, int me)
{
	for (int i = 0; i < n; i++) {
		close(s[i].down[1]);
		close(s[i].up[0]);
		if (i != me) {
			close(s[i].down[0]);
			close(s[i].up[1]);
		}
	}
}

static inline void sync_as_parent(struct sync_pipe *s, int n)
{
	for (int i = 0; i < n; i++) {
		close(s[i].down[0]);
		close(s[i].up[1]);
	}
}

static inline void sync_close_parent(struct sync_pipe *s, int n)
{
	for (int i = 0; i < n; i++) {
		close(s[i].down[1]);
		close(s[i].up[0]);
	}
}

static inline void sync_post(int fd)
{
	char c = 1;

	igt_assert_eq(write(fd, &c, 1), 1);
}

static inline void sync_await(int fd)
{
	ssize_t ret;
	char c;

	do
		ret = read(fd, &c, 1);
	while (ret < 0 && errno == EINTR);
	igt_assert_f(ret == 1, "the other process is gone\n");
}

#endif /* NVSVM_IGT_SVM_H_ */
