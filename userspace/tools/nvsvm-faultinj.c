// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The nvsvm authors
 *
 * nvsvm-faultinj: fail each kernel allocation of a call in turn.
 *
 *   nvsvm-faultinj migrate     MIGRATE both ways, eviction, the CPU fault-back
 *   nvsvm-faultinj all         those, and every other ioctl
 *
 * For each path, the 1st, 2nd, ... nth allocation of the call fails
 * (/proc/thread-self/fail-nth, with failslab and fail_page_alloc set to
 * fail any allocation that may sleep), until the call runs with no failure
 * left to inject: every allocation up to the 48th, then every 64th (see
 * DENSE_NTH). Each point must end in success or a clean -ENOMEM, with
 * no word of the buffers lost or replaced, as the CPU and the GPU see
 * them, and with the file still working. Leaks and kernel reports fail the
 * VM run (scripts/dmesg-check.sh); this tool checks the kernel log too.
 *
 * It needs root, debugfs, and a kernel with CONFIG_FAULT_INJECTION,
 * FAILSLAB, FAIL_PAGE_ALLOC and FAULT_INJECTION_DEBUG_FS; it exits 77
 * (skip) without them. Run it in the test VM: make faultinj, or
 * scripts/guest-tools.sh faultinj@migrate. It is deterministic: a failure
 * names the path and the allocation, and running it again replays it;
 * FAULTINJ_VERBOSE=1 prints each point before it runs. NVSVM_TOOL_DEV=N
 * runs on device N instead of device 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nvsvm.h"
#include "nvsvm-tools.h"

#define PAGE_SZ		4096ul
#define BUF_PAGES	8
#define BUF_LEN		(BUF_PAGES * PAGE_SZ)
#define STEP		0x9e3779b97f4a7c15ull
/*
 * Every allocation up to DENSE_NTH fails in turn. Past it, a call is
 * repeating one site (eviction allocates a page for each of the 512 pages
 * of a chunk, and each point costs a chunk's round trip), so only every
 * STRIDE_NTH-th. No call of ours makes MAX_NTH allocations: a bound on a
 * runaway sweep.
 */
#define DENSE_NTH	48
#define STRIDE_NTH	64
#define MAX_NTH		4096

#define TO_SYS		DRM_NVSVM_MIGRATE_TO_SYSTEM
#define TO_VRAM		DRM_NVSVM_MIGRATE_TO_VRAM

#define FI_DIR		"/sys/kernel/debug/"

enum path {
	P_TO_VRAM, P_TO_SYS, P_EVICT, P_CPU_FAULT,	/* "migrate" */
	P_PREFETCH, P_ADVISE, P_SVM_INIT, P_CHANNEL_CREATE, P_CHANNEL_DESTROY,
	P_JOB_SUBMIT, P_JOB_WAIT, P_STATS, P_GETPARAM,
	P_COUNT
};

#define P_MIGRATE_LAST	P_CPU_FAULT

static const char *const path_names[P_COUNT] = {
	[P_TO_VRAM] = "MIGRATE to VRAM",
	[P_TO_SYS] = "MIGRATE to system",
	[P_EVICT] = "eviction",
	[P_CPU_FAULT] = "CPU fault-back",
	[P_PREFETCH] = "prefetch",
	[P_ADVISE] = "ADVISE",
	[P_SVM_INIT] = "SVM_INIT",
	[P_CHANNEL_CREATE] = "CHANNEL_CREATE",
	[P_CHANNEL_DESTROY] = "CHANNEL_DESTROY",
	[P_JOB_SUBMIT] = "JOB_SUBMIT",
	[P_JOB_WAIT] = "JOB_WAIT",
	[P_STATS] = "STATS",
	[P_GETPARAM] = "GETPARAM",
};

/* A file bound to this process, with a channel, and VRAM to fill. */
struct ctx {
	int fd;
	uint32_t chan;
	uint64_t *hog;
	size_t hog_len;
	int fail_nth;
};

static void write_knob(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, value, strlen(value)) != (ssize_t)strlen(value))
		tool_fail("%s <- %s: %s\n", path, value, strerror(errno));
	close(fd);
}

static void fail_nth_arm(struct ctx *c, int nth)
{
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%d", nth);

	if (pwrite(c->fail_nth, buf, n, 0) != n)
		tool_fail("fail-nth <- %d: %s\n", nth, strerror(errno));
}

/* Disarm; true if the armed failure was injected. */
static bool fail_nth_disarm(struct ctx *c)
{
	char buf[16] = { 0 };

	if (pread(c->fail_nth, buf, sizeof(buf) - 1, 0) <= 0)
		tool_fail("fail-nth: %s\n", strerror(errno));
	fail_nth_arm(c, 0);
	return atoi(buf) == 0;
}

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		tool_fail("mmap: %s\n", strerror(errno));
	return p;
}

static void fill(uint64_t *buf, size_t len, uint64_t first)
{
	for (size_t i = 0; i < len / 8; i++)
		buf[i] = first + i * STEP;
}

/*
 * Every word as written, first + i * @step, by the CPU and by the GPU;
 * @what names the point.
 */
static void check(struct ctx *c, const uint64_t *buf, size_t len,
		  uint64_t first, uint64_t step, const char *what)
{
	uint64_t sum = ~0ull;
	struct drm_nvsvm_op op = nvsvm_op_checksum(&sum, buf, len);
	int ret = nvsvm_run(c->fd, c->chan, &op, 1);

	if (ret || sum != nvsvm_checksum(buf, len))
		tool_fail("%s: the GPU reads checksum %#" PRIx64 " (job %s), the CPU %#" PRIx64 "\n",
			  what, sum, nvsvm_strerror(ret),
			  nvsvm_checksum(buf, len));
	for (size_t i = 0; i < len / 8; i++) {
		if (buf[i] != first + i * step)
			tool_fail("%s: word %zu is %#" PRIx64 ", expected %#" PRIx64 "\n",
				  what, i, buf[i], first + i * step);
	}
}

static void ctx_open(struct ctx *c)
{
	int ret;

	c->fd = nvsvm_open_index(tool_dev_first());
	if (c->fd < 0)
		tool_fail("open: %s\n", nvsvm_strerror(c->fd));
	ret = nvsvm_svm_init(c->fd);
	if (!ret)
		ret = nvsvm_channel_create(c->fd, &c->chan);
	if (ret)
		tool_fail("SVM_INIT or CHANNEL_CREATE: %s\n",
			  nvsvm_strerror(ret));
}

/* A clean result: success, or a clean lack of memory. */
static void expect_clean(int ret, enum path p, int nth)
{
	if (ret && ret != -ENOMEM)
		tool_fail("%s, allocation %d failing: %s\n", path_names[p],
			  nth, nvsvm_strerror(ret));
}

/* The call of a setup path, on @fd. */
static int setup_call(int fd, enum path p, uint32_t *chan,
		      struct drm_nvsvm_getparam *gp)
{
	switch (p) {
	case P_SVM_INIT:
		return nvsvm_svm_init(fd);
	case P_CHANNEL_CREATE:
		return nvsvm_channel_create(fd, chan);
	case P_CHANNEL_DESTROY:
		return nvsvm_channel_destroy(fd, *chan);
	case P_GETPARAM:
		return nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_GETPARAM, gp);
	default:
		tool_fail("%s is not a setup path\n", path_names[p]);
	}
}

/* A fresh file, bound, failing the nth allocation of one call on it. */
static bool run_setup_path(struct ctx *c, enum path p, int nth)
{
	struct drm_nvsvm_getparam gp = { .param = DRM_NVSVM_PARAM_VRAM_SIZE };
	uint32_t chan = 0;
	bool injected;
	int fd, ret;

	fd = nvsvm_open_index(tool_dev_first());
	if (fd < 0)
		tool_fail("open: %s\n", nvsvm_strerror(fd));
	if (p != P_SVM_INIT && p != P_GETPARAM && (ret = nvsvm_svm_init(fd)))
		tool_fail("SVM_INIT: %s\n", nvsvm_strerror(ret));
	if (p == P_CHANNEL_DESTROY && (ret = nvsvm_channel_create(fd, &chan)))
		tool_fail("CHANNEL_CREATE: %s\n", nvsvm_strerror(ret));

	fail_nth_arm(c, nth);
	ret = setup_call(fd, p, &chan, &gp);
	injected = fail_nth_disarm(c);
	expect_clean(ret, p, nth);

	/* What failed left nothing behind: doing it again works. */
	if (ret) {
		ret = setup_call(fd, p, &chan, &gp);
		if (ret)
			tool_fail("%s again after allocation %d failed: %s\n",
				  path_names[p], nth, nvsvm_strerror(ret));
	}
	close(fd);
	return injected;
}

/* Fail the nth allocation of @p on @c; returns whether it was injected. */
static bool run_path(struct ctx *c, enum path p, int nth)
{
	uint64_t first = 0x100000ull * nth + ((uint64_t)p << 40);
	uint64_t *buf, migrated, skipped, step = STEP, job = 0;
	volatile uint64_t *w;
	struct drm_nvsvm_stats st;
	struct drm_nvsvm_op op;
	char what[96];
	bool injected;
	int ret = 0, status = 0;

	if (p == P_SVM_INIT || p == P_CHANNEL_CREATE ||
	    p == P_CHANNEL_DESTROY || p == P_GETPARAM)
		return run_setup_path(c, p, nth);

	buf = map_anon(BUF_LEN);
	w = buf;
	fill(buf, BUF_LEN, first);
	/* Eviction: VRAM is full of the hog, so the migration must evict. */
	if (p == P_EVICT)
		ret = nvsvm_migrate(c->fd, c->hog, c->hog_len, TO_VRAM,
				    &migrated, &skipped);
	if (p == P_TO_SYS || p == P_CPU_FAULT)
		ret = nvsvm_migrate(c->fd, buf, BUF_LEN, TO_VRAM, &migrated,
				    &skipped);
	if (ret)
		tool_fail("%s setup: %s\n", path_names[p], nvsvm_strerror(ret));
	/* The job of JOB_SUBMIT and JOB_WAIT: the GPU fills @buf with ~first. */
	op = nvsvm_op_fill(buf, BUF_LEN, ~first);
	if (p == P_JOB_WAIT &&
	    (ret = nvsvm_job_submit(c->fd, c->chan, &op, 1, &job)))
		tool_fail("JOB_SUBMIT: %s\n", nvsvm_strerror(ret));

	fail_nth_arm(c, nth);
	switch (p) {
	case P_TO_VRAM:
	case P_EVICT:
		ret = nvsvm_migrate(c->fd, buf, BUF_LEN, TO_VRAM, &migrated,
				    &skipped);
		break;
	case P_TO_SYS:
		ret = nvsvm_migrate(c->fd, buf, BUF_LEN, TO_SYS, &migrated,
				    &skipped);
		break;
	case P_CPU_FAULT:
		/* A read that faults the page back: it must not SIGBUS. */
		(void)w[PAGE_SZ / 8 * 3 + 1];
		break;
	case P_PREFETCH:
		ret = nvsvm_prefetch(c->fd, buf, BUF_LEN);
		break;
	case P_ADVISE:
		ret = nvsvm_advise(c->fd, buf, BUF_LEN,
				   DRM_NVSVM_ADVISE_PREFERRED_LOCATION, TO_VRAM);
		break;
	case P_JOB_SUBMIT:
		ret = nvsvm_job_submit(c->fd, c->chan, &op, 1, &job);
		break;
	case P_JOB_WAIT:
		ret = nvsvm_job_wait(c->fd, job, 10ull * 1000000000, &status);
		break;
	case P_STATS:
		ret = nvsvm_stats(c->fd, 0, &st);
		break;
	default:
		break;
	}
	injected = fail_nth_disarm(c);
	expect_clean(ret, p, nth);

	/*
	 * A job runs if and only if its submission succeeded, and a job whose
	 * wait failed is still there to wait for.
	 */
	if ((p == P_JOB_SUBMIT && !ret) || (p == P_JOB_WAIT && ret))
		ret = nvsvm_job_wait(c->fd, job, 10ull * 1000000000, &status);
	else if (p != P_JOB_WAIT)
		job = 0;
	if (job) {
		if (ret || status)
			tool_fail("%s, allocation %d failing: the job: %s, status %s\n",
				  path_names[p], nth, nvsvm_strerror(ret),
				  nvsvm_strerror(status));
		first = ~first;
		step = 0;
	}

	/* Not a word lost or replaced, seen by the GPU and by the CPU. */
	snprintf(what, sizeof(what), "%s, allocation %d failing",
		 path_names[p], nth);
	check(c, buf, BUF_LEN, first, step, what);
	if (p == P_ADVISE)
		nvsvm_advise(c->fd, buf, BUF_LEN,
			     DRM_NVSVM_ADVISE_PREFERRED_LOCATION, TO_SYS);
	munmap(buf, BUF_LEN);
	return injected;
}

static void setup_injection(struct ctx *c)
{
	static const char *const knobs[][2] = {
		{ FI_DIR "failslab/ignore-gfp-wait", "N" },
		{ FI_DIR "failslab/verbose", "0" },
		{ FI_DIR "fail_page_alloc/ignore-gfp-wait", "N" },
		{ FI_DIR "fail_page_alloc/ignore-gfp-highmem", "N" },
		{ FI_DIR "fail_page_alloc/min-order", "0" },
		{ FI_DIR "fail_page_alloc/verbose", "0" },
	};

	c->fail_nth = open("/proc/thread-self/fail-nth", O_RDWR);
	if (c->fail_nth < 0 || access(FI_DIR "failslab", F_OK)) {
		printf("SKIP: no fault injection (CONFIG_FAULT_INJECTION, FAILSLAB, debugfs)\n");
		exit(TOOL_SKIP);
	}
	for (size_t i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++)
		write_knob(knobs[i][0], knobs[i][1]);
}

int main(int argc, char **argv)
{
	bool all = argc > 1 && !strcmp(argv[1], "all");
	bool verbose = tool_env("FAULTINJ_VERBOSE", 0);
	enum path last = all ? P_COUNT - 1 : P_MIGRATE_LAST;
	struct ctx c = { .fd = -1 };
	unsigned int total = 0, points;
	uint64_t vram, t0 = now_ns();
	char report[8192];
	int kmsg, ret;

	if (argc != 2 || (!all && strcmp(argv[1], "migrate"))) {
		fprintf(stderr, "usage: %s migrate|all\n", argv[0]);
		return 2;
	}
	setbuf(stdout, NULL);
	if (nvsvm_count_devices() <= (int)tool_dev_first()) {
		printf("SKIP: no nvsvm device %u\n", tool_dev_first());
		return TOOL_SKIP;
	}
	ctx_open(&c);
	ret = nvsvm_getparam(c.fd, DRM_NVSVM_PARAM_VRAM_SIZE, &vram);
	if (ret)
		tool_fail("GETPARAM: %s\n", nvsvm_strerror(ret));
	/* As much as VRAM holds: eviction moves some of it out each time. */
	c.hog_len = vram;
	c.hog = map_anon(c.hog_len);
	fill(c.hog, c.hog_len, 0xe0000000ull);

	kmsg = kmsg_mark();
	setup_injection(&c);
	/* scripts/dmesg-check.sh tolerates allocation-failure traces here. */
	kmsg_note("nvsvm-fault-inject: begin\n");
	for (enum path p = 0; p <= last; p++) {
		int nth;

		points = 0;
		for (nth = 1; nth <= MAX_NTH;
		     nth += nth < DENSE_NTH ? 1 : STRIDE_NTH) {
			if (verbose)
				printf("%s: allocation %d\n", path_names[p], nth);
			if (!run_path(&c, p, nth))
				break;
			points++;
		}
		if (nth > MAX_NTH)
			tool_fail("%s: still failing after %d allocations\n",
				  path_names[p], MAX_NTH);
		/* Calls with no allocation of their own are fine too. */
		printf("%-18s %3u points failed, of %d allocations\n",
		       path_names[p], points, nth - 1);
		total += points;
	}
	kmsg_note("nvsvm-fault-inject: end\n");

	/* Every eviction under injection kept the hog's data too. */
	check(&c, c.hog, c.hog_len, 0xe0000000ull, STEP,
	      "the hog, after every path");
	close(c.fd);
	if (kmsg_report(kmsg, report, sizeof(report)))
		tool_fail("kernel report: %s", report);
	printf("faultinj %s: %u points on %d paths, no word lost, in %.1f s\n",
	       argv[1], total, (int)last + 1, (now_ns() - t0) / 1e9);
	return TOOL_PASS;
}
