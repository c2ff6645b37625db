// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The nvsvm authors
 *
 * nvsvm-fuzz: a structured ioctl fuzzer of nvsvm, with an oracle.
 *
 * The fuzzer knows the argument layout of every nvsvm ioctl. Each call
 * starts from a valid argument and either keeps it or mutates one thing:
 * a flag bit, a pad or reserved field, a count, a stride, a length, an
 * opcode, an unused operand, or an address (NULL, kernel, unaligned, huge,
 * wrapping, unmapped, PROT_NONE, read-only, memfd_secret, a file mapping
 * past its end, the top of the user address space); or it issues a raw
 * ioctl number with the wrong size, direction, type or number.
 *
 * The oracle: every call has one expected result, taken from the DOC of
 * include/uapi/drm/nvsvm_drm.h and the checks of nvsvm_ioctl.c. A mutation
 * the uAPI refuses must fail with the documented errno and have no effect
 * (output fields untouched, no job counted, no page moved, no string
 * copied, the channel or the job still there); a valid call must succeed
 * and be right: the data of a valid job is checked word for word against
 * a CPU model of the operations, a checksum against the CPU's, MIGRATE
 * counts add up and agree with /proc/self/pagemap, counters only grow and
 * a file's job counter is exact. An unexpected success or a wrong errno
 * fails the run.
 *
 * Several threads (FUZZ_THREADS, 4) call at once. Each has a "quiet" file
 * per device that only it uses, for the exact checks; all share one file
 * per device that any thread may close and reopen in the middle of the
 * others' calls (a call that then fails with -EBADF is counted as raced).
 * Threads also munmap and mmap shared buffers that jobs use, and fork: the
 * child's ioctls on the inherited files must fail with -EBADF (GETPARAM
 * and what is refused before the file is looked at aside), and a device
 * the child opens itself must work for it.
 *
 * At the end, a verified GPU job (fill and checksum, checked by the CPU)
 * on every device shows that the devices still work, and the kernel log
 * since the start must hold no report.
 *
 * Usage: build/tools/nvsvm-fuzz      (in the test VM)
 *
 * Environment:
 *   FUZZ_N        calls in total (100000)
 *   FUZZ_SEED     seed, decimal or 0x hex (default: from the clock);
 *                 printed first
 *   FUZZ_THREADS  threads (4, at most 16)
 *   NVSVM_TOOL_DEV the first device to use (0), and those after it
 *   FUZZ_ONLY     run only the call of this number (for replay)
 *   FUZZ_VERBOSE  1: print every call
 *
 * Exit status: 0 passed, 1 failed, 77 skipped (no nvsvm device).
 *
 * Replay: a failure prints the seed, the call number, the thread, the
 * ioctl, the device and file, and the mutated field. What a call does
 * depends only on FUZZ_SEED and its number, not on the thread that runs
 * it, so FUZZ_SEED=<seed> FUZZ_ONLY=<call> replays that one call;
 * FUZZ_SEED=<seed> FUZZ_THREADS=1 with the same FUZZ_N replays the whole
 * sequence in order (the interleaving of threads is not reproducible).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nvsvm.h"
#include "nvsvm-tools.h"

#ifndef SYS_memfd_secret
#define SYS_memfd_secret	447
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE	0x100000
#endif

#define PAGE		4096ull
#define MAX_DEV		2
#define MAX_THREADS	16
#define NR_CHAN		4	/* channels of every shared file */
#define MAX_REOPEN	2048	/* reopens of a shared file, at most */
#define FD_BASE		256	/* shared files live at FD_BASE.. */
#define FD_SPREAD	512	/* ..FD_BASE + FD_SPREAD: see slot_reopen() */

#define PRIV_PAGES	64	/* a thread's data-checked memory */
#define PRIV_BYTES	(PRIV_PAGES * PAGE)
#define PRIV_WORDS	(PRIV_BYTES / 8)
#define SECRET_PAGES	4	/* right after it: memfd_secret */
#define SCRATCH_BYTES	(4 * PAGE)
#define OPS_BYTES	(NVSVM_JOB_MAX_OPS * PAGE)
#define RAW_BYTES	(16 * 1024)
#define NR_RACY		8	/* buffers munmapped and mmapped under jobs */
#define RACY_BYTES	(16 * PAGE)
#define HUGE_BYTES	DRM_NVSVM_MIGRATE_MAX_SIZE

#define WAIT_NS		(30ull * 1000000000ull)
#define WAIT_MAX_NS	(3600ull * 1000000000ull)
#define GPU_VA_END	(1ull << 49)	/* 49-bit GPU VA (GP100) */
#define KERNEL_ADDR	0xffff888000000000ull
#define CHIPSET_NAME	"gp100-emu"
#define PAGE_SIZES	(0x1000ull | 0x10000ull | 0x200000ull)
#define SENTINEL	0x5e5e5e5e5e5e5e5eull

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define PICK(r, ...) ({							\
	const uint64_t _v[] = { __VA_ARGS__ };				\
	_v[rng_below((r), ARRAY_SIZE(_v))];				\
})

/* What the histogram counts calls by. */
enum fz_ioc {
	FZ_GETPARAM,
	FZ_SVM_INIT,
	FZ_CH_CREATE,
	FZ_CH_DESTROY,
	FZ_SUBMIT,
	FZ_WAIT,
	FZ_STATS,
	FZ_MIGRATE,
	FZ_ADVISE,
	FZ_RAW,
	FZ_NR,
};

static const char *const ioc_names[FZ_NR] = {
	"GETPARAM", "SVM_INIT", "CHANNEL_CREATE", "CHANNEL_DESTROY",
	"JOB_SUBMIT", "JOB_WAIT", "STATS", "MIGRATE", "ADVISE", "RAW",
};

#define NERR	134	/* errnos counted one by one; the rest as "other" */

/*
 * A shared file. The fd and the channels it was set up with form an
 * incarnation, published whole; a reopen publishes a new one, then closes
 * the old fd under whoever is using it.
 */
struct incarnation {
	int fd;
	uint32_t chan[NR_CHAN];
};

struct slot {
	int dev;
	pthread_mutex_t lock;		/* one reopen at a time */
	struct incarnation *cur;	/* atomic */
	unsigned int reopens;
	struct incarnation inc[MAX_REOPEN];
};

struct worker {
	unsigned int id;
	pthread_t thread;
	int qfd[MAX_DEV];		/* quiet files: this thread's only */
	uint32_t qchan[MAX_DEV];
	uint64_t qjobs[MAX_DEV];	/* jobs the quiet file accepted */
	struct drm_nvsvm_stats qstats[MAX_DEV];
	struct drm_nvsvm_stats dstats[MAX_DEV];
	uint64_t *priv;			/* PRIV_BYTES, then the secret pages */
	char *secret;			/* memfd_secret, or PROT_NONE */
	uint64_t *shadow;		/* what priv must hold */
	uint64_t *scratch;		/* for jobs whose data is not checked */
	char *ops;			/* OPS_BYTES, then a PROT_NONE page */
	char *raw;			/* raw ioctl arguments */
	uint64_t calls;
};

/* One call: its number, generator, target and expected result. */
struct call {
	struct worker *w;
	uint64_t no;
	struct rng r;
	int dev;
	bool quiet;
	bool child;
	struct slot *slot;		/* shared file, or NULL */
	struct incarnation *inc;
	int fd;
	const char *field;		/* what was mutated */
	int expect;			/* 0 or -errno */
	int alt[2];			/* other acceptable results */
	unsigned int nalt;
	bool early;			/* refused before the file is looked at */
	bool raced;
	bool bad;
};

static struct {
	char *pnone;			/* PROT_NONE */
	char *ronly;			/* read-only, holds a pattern */
	uint64_t ronly_sum;
	char *pastend;			/* 4 pages of a 1-page file */
	char *huge;			/* HUGE_BYTES, PROT_NONE, no reserve */
	char *racy[NR_RACY];
	pthread_mutex_t racy_lock[NR_RACY];
	int racy_memfd;
	int secret_fd;			/* memfd_secret, or -1 */
	char *devmap;			/* an mmap of the render node, or NULL */
	int pagemap;
	uint64_t user_end;		/* TASK_SIZE */
} zoo;

static uint64_t seed, ncalls, only = UINT64_MAX;
static unsigned int nthreads = 4, ndev;
static bool verbose;
static char dev_path[MAX_DEV][64];
static uint64_t dev_vram[MAX_DEV];
static struct slot *slots[MAX_DEV];
static struct worker workers[MAX_THREADS];
static uint64_t next_call;
static volatile int failures;
static uint64_t hist[FZ_NR][NERR + 1], hist_ns[FZ_NR];
static uint64_t n_raced, n_reopen, n_remap, n_fork, n_child_calls,
		n_jobs_checked, n_words_checked, n_moved_by_others;
static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

/* Where the time goes, by action; the last three split JOB_SUBMIT's. */
static const char *const act_names[] = {
	"getparam", "svm_init", "channel", "destroy", "submit", "wait",
	"stats", "migrate", "advise", "raw", "reopen", "remap", "fork",
	"(quiet job", "shared job", "faulting job)",
};
static uint64_t act_n[ARRAY_SIZE(act_names)], act_ns[ARRAY_SIZE(act_names)];

static void act_time(unsigned int a, uint64_t t0)
{
	__atomic_fetch_add(&act_n[a], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&act_ns[a], now_ns() - t0, __ATOMIC_RELAXED);
}

static void count(uint64_t *p)
{
	__atomic_fetch_add(p, 1, __ATOMIC_RELAXED);
}

static const char *res_name(int ret, char *buf, size_t size)
{
	const char *name;

	if (!ret)
		return "0";
	name = ret < 0 ? strerrorname_np(-ret) : NULL;
	if (name)
		snprintf(buf, size, "-%s", name);
	else
		snprintf(buf, size, "%d", ret);
	return buf;
}

static const char *file_name(const struct call *c)
{
	if (c->child)
		return c->slot ? "inherited shared" : "inherited quiet";
	return c->slot ? "shared" : c->quiet ? "quiet" : "fresh";
}

/* What is mapped below 64 KiB, where "unmapped" addresses are taken. */
static void dump_low_maps(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/maps", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strtoull(line, NULL, 16) < 0x10000)
			fprintf(stderr, "nvsvm-fuzz: low mapping: %s", line);
	if (f)
		fclose(f);
}

/*
 * A failure: print what replays it. In a fork child, with write(2) only,
 * and the parent fails the run on the child's exit status.
 */
static void __attribute__((format(printf, 3, 4)))
fz_fail(struct call *c, int ioc, const char *fmt, ...)
{
	char msg[512], line[1024];
	va_list ap;
	int n;

	c->bad = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(line, sizeof(line),
		     "nvsvm-fuzz: FAIL seed=0x%" PRIx64 " call=%" PRIu64
		     " thread=%u%s ioctl=%s dev=%d file=%s field=%s: %s\n",
		     seed, c->no, c->w ? c->w->id : 0,
		     c->child ? " (fork child)" : "", ioc_names[ioc], c->dev,
		     file_name(c), c->field ? c->field : "valid", msg);
	if (c->child) {
		if (write(2, line, n) < 0)
			_exit(TOOL_FAIL);
		return;
	}
	pthread_mutex_lock(&report_lock);
	if (__atomic_fetch_add(&failures, 1, __ATOMIC_RELAXED) < 10) {
		fputs(line, stderr);
		dump_low_maps();
		fprintf(stderr, "nvsvm-fuzz: replay: FUZZ_SEED=0x%" PRIx64
			" FUZZ_ONLY=%" PRIu64 " build/tools/nvsvm-fuzz\n",
			seed, c->no);
	}
	pthread_mutex_unlock(&report_lock);
}

static bool stop(void)
{
	return __atomic_load_n(&failures, __ATOMIC_RELAXED) > 0;
}

/* The call's expectation: @expect, or one of the alternatives after it. */
static void expect(struct call *c, const char *field, int ret, bool early)
{
	c->field = field;
	c->expect = ret;
	c->nalt = 0;
	c->early = early;
}

static void also(struct call *c, int ret)
{
	if (c->nalt < ARRAY_SIZE(c->alt))
		c->alt[c->nalt++] = ret;
}

/*
 * Issue one ioctl and judge its result. A fork child's call is refused
 * with -EBADF unless the check it breaks comes before the file's owner is
 * looked at. On a shared file, -EBADF after another thread reopened it is
 * a race the call lost, not a failure.
 */
static int fz_call(struct call *c, int ioc, unsigned long req, void *arg)
{
	char b1[32], b2[32];
	int exp = c->expect, ret;
	unsigned int i, nalt = c->nalt;
	uint64_t t0;

	if (c->child && !c->early) {
		exp = -EBADF;
		nalt = 0;
	}
	t0 = now_ns();
	ret = nvsvm_ioctl(c->fd, req, arg);
	t0 = now_ns() - t0;
	__atomic_fetch_add(&hist_ns[ioc], t0, __ATOMIC_RELAXED);
	if (t0 > 2000000000ull && !c->child)
		fprintf(stderr, "nvsvm-fuzz: slow: call %" PRIu64 " %s %s took %.1f s\n",
			c->no, ioc_names[ioc], c->field ? c->field : "valid",
			t0 / 1e9);
	count(&hist[ioc][ret <= 0 && -ret < NERR ? -ret : NERR]);
	c->raced = false;
	if (verbose && !c->child)
		fprintf(stderr, "call %" PRIu64 " t%u %s dev%d %s %s: %s\n",
			c->no, c->w ? c->w->id : 0, ioc_names[ioc], c->dev,
			file_name(c), c->field ? c->field : "valid",
			res_name(ret, b1, sizeof(b1)));
	if (ret == exp)
		return ret;
	for (i = 0; i < nalt; i++)
		if (ret == c->alt[i])
			return ret;
	if (c->slot && ret == -EBADF &&
	    __atomic_load_n(&c->slot->cur, __ATOMIC_ACQUIRE) != c->inc) {
		c->raced = true;
		count(&n_raced);
		return ret;
	}
	fz_fail(c, ioc, "got %s, expected %s%s", res_name(ret, b1, sizeof(b1)),
		res_name(exp, b2, sizeof(b2)), nalt ? " (or an alternative)" : "");
	return ret;
}

/* --- memory -------------------------------------------------------------- */

static void *map(void *addr, size_t len, int prot, int flags, int fd)
{
	void *p = mmap(addr, len, prot, flags, fd, 0);

	if (p == MAP_FAILED)
		tool_fail("nvsvm-fuzz: mmap of %zu bytes: %s\n", len,
			  strerror(errno));
	return p;
}

static void *map_anon(size_t len, int prot)
{
	return map(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1);
}

/*
 * Which of @pages pages at @addr are in device memory: a device-private
 * page shows in /proc/self/pagemap as a swap entry, of type
 * SWP_DEVICE_WRITE or SWP_DEVICE_READ (27 and 28 with MAX_SWAPFILES_SHIFT
 * 5, 4 device types and the PTE marker above them; the type is shown to
 * CAP_SYS_ADMIN only): 1 in @out. Migration entries and device-exclusive
 * entries (GPU atomics) are swap entries too: 2, a page in flux, which an
 * eviction may be taking out of VRAM or failing to, and which tells
 * nothing about where it was. 0 for any other page. False if pagemap
 * cannot be read, and then nothing is checked against it.
 */
#define SWP_TYPE_DEVICE_WRITE	27
#define SWP_TYPE_DEVICE_READ	28

static bool in_vram(const void *addr, unsigned int pages, uint8_t *out)
{
	uint64_t e[PRIV_PAGES + SECRET_PAGES];
	off_t off = (uintptr_t)addr / PAGE * sizeof(uint64_t);

	if (zoo.pagemap < 0 || pages > ARRAY_SIZE(e) ||
	    pread(zoo.pagemap, e, pages * sizeof(e[0]), off) !=
	    (ssize_t)(pages * sizeof(e[0])))
		return false;
	for (unsigned int i = 0; i < pages; i++) {
		unsigned int type = e[i] & 0x1f;

		if (!(e[i] >> 62 & 1) || (e[i] >> 63 & 1))
			out[i] = 0;
		else if (type == SWP_TYPE_DEVICE_WRITE ||
			 type == SWP_TYPE_DEVICE_READ)
			out[i] = 1;
		else
			out[i] = 2;
	}
	return true;
}

/* Compare priv with the model over [from, to) words; false on a mismatch. */
static bool check_priv(struct call *c, int ioc, uint64_t from, uint64_t to,
		       const char *after)
{
	struct worker *w = c->w;

	for (uint64_t i = from; i < to; i++) {
		if (w->priv[i] != w->shadow[i]) {
			fz_fail(c, ioc, "after %s: word %p is 0x%" PRIx64
				", expected 0x%" PRIx64, after,
				(void *)&w->priv[i], w->priv[i], w->shadow[i]);
			/* Resynchronise, so that one error is one report. */
			memcpy(w->shadow, w->priv, PRIV_BYTES);
			return false;
		}
	}
	__atomic_fetch_add(&n_words_checked, to - from, __ATOMIC_RELAXED);
	return true;
}

/* --- files --------------------------------------------------------------- */

/*
 * Open a shared file on @dev, bind it and give it its channels. The fd is
 * moved to FD_BASE + @spread or above, so that a closed fd number comes
 * back only after FD_SPREAD reopens: a call that still holds the old number
 * then fails with -EBADF, rather than reach another file.
 */
static int shared_open(struct slot *s, struct incarnation *inc,
		       unsigned int spread)
{
	int fd = open(dev_path[s->dev], O_RDWR | O_CLOEXEC), hi, ret;

	if (fd < 0)
		return -errno;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, FD_BASE + spread % FD_SPREAD);
	close(fd);
	if (hi < 0)
		return -errno;
	/* A stale call may have bound it first: it is bound to us anyway. */
	ret = nvsvm_svm_init(hi);
	if (ret && ret != -EBUSY)
		goto err;
	for (unsigned int i = 0; i < NR_CHAN; i++) {
		ret = nvsvm_channel_create(hi, &inc->chan[i]);
		if (ret)
			goto err;
	}
	inc->fd = hi;
	return 0;
err:
	close(hi);
	return ret;
}

/* Reopen a shared file under the calls of the other threads. */
static void slot_reopen(struct call *c, struct slot *s)
{
	static unsigned int spread;
	struct incarnation *old, *inc;
	int ret;

	if (pthread_mutex_trylock(&s->lock))
		return;
	if (s->reopens + 1 >= MAX_REOPEN)
		goto out;
	inc = &s->inc[s->reopens + 1];
	ret = shared_open(s, inc,
			  __atomic_add_fetch(&spread, 7, __ATOMIC_RELAXED));
	if (ret) {
		c->field = "reopen";
		fz_fail(c, FZ_SVM_INIT, "reopening the shared file: %d", ret);
		goto out;
	}
	s->reopens++;
	old = s->cur;
	__atomic_store_n(&s->cur, inc, __ATOMIC_RELEASE);
	/* The racing close: other threads may be in an ioctl on it. */
	close(old->fd);
	count(&n_reopen);
out:
	pthread_mutex_unlock(&s->lock);
}

/* Point @c at a file of @dev: the thread's quiet one, or the shared one. */
static void pick_file(struct call *c, bool quiet)
{
	c->dev = rng_below(&c->r, ndev);
	c->quiet = quiet;
	if (quiet) {
		c->slot = NULL;
		c->inc = NULL;
		c->fd = c->w->qfd[c->dev];
	} else {
		c->slot = slots[c->dev];
		c->inc = __atomic_load_n(&c->slot->cur, __ATOMIC_ACQUIRE);
		c->fd = c->inc->fd;
	}
}

/*
 * Scratch memory for jobs whose data is not checked: half of it per
 * device, so that the two GPUs do not take its pages from each other.
 */
static uint64_t *scratch_of(struct call *c)
{
	return c->w->scratch + c->dev * (SCRATCH_BYTES / 16);
}

static uint32_t chan_of(struct call *c)
{
	return c->quiet ? c->w->qchan[c->dev] :
			  c->inc->chan[rng_below(&c->r, NR_CHAN)];
}

/* Wait for a job that must complete; its status, or 1 if the wait failed. */
static int wait_job(struct call *c, uint64_t job, const char *what)
{
	struct drm_nvsvm_job_wait a = {
		.job = job,
		.timeout_ns = WAIT_NS,
		.status = 0x5e5e5e5e,
	};
	const char *field = c->field;

	expect(c, what, 0, false);
	if (fz_call(c, FZ_WAIT, DRM_IOCTL_NVSVM_JOB_WAIT, &a)) {
		c->field = field;
		return 1;
	}
	c->field = field;
	return a.status;
}

/*
 * A job on memory any CPU access would succeed on failed. A GPU fault that
 * invalidations kept retrying is not cancelled, only delayed, so there is
 * no excuse: it fails the run.
 */
static void job_failed(struct call *c, int status, uint64_t t_submit,
		       const char *what)
{
	uint64_t took = now_ns() - t_submit;

	fz_fail(c, FZ_WAIT, "valid job on %s: status %d after %.3f s", what,
		status, took / 1e9);
}

/* The quiet file's job counter is exact: no refused call counted a job. */
static void check_quiet_jobs(struct call *c, int ioc)
{
	struct drm_nvsvm_stats st;
	int ret;

	if (!c->quiet)
		return;
	ret = nvsvm_stats(c->fd, 0, &st);
	if (ret) {
		fz_fail(c, ioc, "STATS of the quiet file: %d", ret);
		return;
	}
	if (st.jobs != c->w->qjobs[c->dev])
		fz_fail(c, ioc, "the file counts %" PRIu64 " jobs, it accepted %"
			PRIu64, (uint64_t)st.jobs, c->w->qjobs[c->dev]);
}

/* --- GETPARAM ------------------------------------------------------------ */

/* A user pointer the kernel cannot write at all. */
static uint64_t bad_wptr(struct call *c, const char **what)
{
	switch (rng_below(&c->r, 8)) {
	case 0:
		*what = "ptr NULL-ish (unmapped low page)";
		return PAGE * (1 + rng_below(&c->r, 14));
	case 1:
		*what = "ptr kernel address";
		return KERNEL_ADDR + 8 * rng_below(&c->r, 1 << 20);
	case 2:
		*what = "ptr PROT_NONE";
		return (uintptr_t)zoo.pnone + rng_below(&c->r, PAGE);
	case 3:
		*what = "ptr read-only";
		return (uintptr_t)zoo.ronly + rng_below(&c->r, PAGE);
	case 4:
		*what = "ptr file mapping past its end";
		return (uintptr_t)zoo.pastend + PAGE * (1 + rng_below(&c->r, 3));
	case 5:
		*what = "ptr wrapping";
		return ~0ull - rng_below(&c->r, 8);
	case 6:
		*what = "ptr non-canonical";
		return 1ull << (47 + rng_below(&c->r, 16));
	default:
		*what = "ptr beyond the user address space";
		return zoo.user_end + rng_below(&c->r, PAGE);
	}
}

static void fz_getparam(struct call *c)
{
	struct drm_nvsvm_getparam a = { .value = SENTINEL };
	char name[64], *buf = name;
	const char *what = NULL;
	int ret;

	pick_file(c, rng_below(&c->r, 2));
	memset(name, 0x5a, sizeof(name));
	a.param = 1 + rng_below(&c->r, DRM_NVSVM_PARAM_DEVICE_INDEX);
	if (a.param == DRM_NVSVM_PARAM_CHIPSET_NAME) {
		a.ptr = (uintptr_t)name;
		a.size = sizeof(name);
	}
	expect(c, NULL, 0, true);

	switch (rng_below(&c->r, 10)) {
	case 0:
		a.pad = 1u << rng_below(&c->r, 32);
		expect(c, "pad", -EINVAL, true);
		break;
	case 1:
		a.param = PICK(&c->r, 0, DRM_NVSVM_PARAM_DEVICE_INDEX + 1,
			       DRM_NVSVM_PARAM_DEVICE_INDEX + 2, 0x80000001,
			       ~0u, 0x100 + rng_below(&c->r, 1 << 20));
		a.ptr = a.size = 0;
		expect(c, "param unknown", -EINVAL, true);
		break;
	case 2:
		if (a.param == DRM_NVSVM_PARAM_CHIPSET_NAME)
			break;
		if (rng_below(&c->r, 2))
			a.ptr = (uintptr_t)name;
		else
			a.size = 1 + rng_below(&c->r, 64);
		expect(c, a.ptr ? "ptr for a parameter with no buffer" :
			"size for a parameter with no buffer", -EINVAL, true);
		break;
	case 3:
		a.param = DRM_NVSVM_PARAM_CHIPSET_NAME;
		a.ptr = 0;
		a.size = 1 + rng_below(&c->r, 64);
		expect(c, "size with ptr 0", -EINVAL, true);
		break;
	case 4:
		a.param = DRM_NVSVM_PARAM_CHIPSET_NAME;
		a.ptr = (uintptr_t)name;
		a.size = 1 + rng_below(&c->r, sizeof(CHIPSET_NAME) - 1);
		expect(c, "size too small", -ENOSPC, true);
		break;
	case 5:
		a.param = DRM_NVSVM_PARAM_CHIPSET_NAME;
		a.ptr = bad_wptr(c, &what);
		a.size = sizeof(CHIPSET_NAME) + rng_below(&c->r, 1 << 16);
		expect(c, what, -EFAULT, true);
		break;
	case 6:
		/* The kernel writes secret memory as its process would. */
		if (zoo.secret_fd < 0)
			break;
		a.param = DRM_NVSVM_PARAM_CHIPSET_NAME;
		buf = c->w->secret;
		a.ptr = (uintptr_t)buf;
		a.size = sizeof(CHIPSET_NAME);
		expect(c, "ptr memfd_secret", 0, true);
		break;
	case 7:
		/* A zero size only queries the size; ptr is not looked at. */
		a.param = DRM_NVSVM_PARAM_CHIPSET_NAME;
		a.size = 0;
		a.ptr = rng_below(&c->r, 2) ? 0 : bad_wptr(c, &what);
		expect(c, "size 0 (query)", 0, true);
		break;
	default:
		break;
	}

	ret = fz_call(c, FZ_GETPARAM, DRM_IOCTL_NVSVM_GETPARAM, &a);
	if (ret || c->bad) {
		if (c->raced || c->bad)
			return;
		if (a.value != SENTINEL)
			fz_fail(c, FZ_GETPARAM, "refused, but value changed");
		if (buf == name && name[0] != 0x5a)
			fz_fail(c, FZ_GETPARAM, "refused, but the string was copied");
		return;
	}

	switch (a.param) {
	case DRM_NVSVM_PARAM_DRIVER_VERSION:
		if (!a.value)
			fz_fail(c, FZ_GETPARAM, "driver version 0");
		break;
	case DRM_NVSVM_PARAM_UAPI_VERSION:
		if (a.value != NVSVM_UAPI_VERSION)
			fz_fail(c, FZ_GETPARAM, "uAPI version %" PRIu64,
				(uint64_t)a.value);
		break;
	case DRM_NVSVM_PARAM_CHIPSET:
		if (a.value != 0x130)
			fz_fail(c, FZ_GETPARAM, "chipset 0x%" PRIx64,
				(uint64_t)a.value);
		break;
	case DRM_NVSVM_PARAM_CHIPSET_NAME:
		if (a.value != sizeof(CHIPSET_NAME))
			fz_fail(c, FZ_GETPARAM, "name size %" PRIu64,
				(uint64_t)a.value);
		else if (a.size && memcmp(buf, CHIPSET_NAME, sizeof(CHIPSET_NAME)))
			fz_fail(c, FZ_GETPARAM, "name \"%.16s\"", buf);
		else if (!a.size && buf == name && name[0] != 0x5a)
			fz_fail(c, FZ_GETPARAM, "a size query copied the name");
		break;
	case DRM_NVSVM_PARAM_VRAM_SIZE:
		if (a.value != dev_vram[c->dev])
			fz_fail(c, FZ_GETPARAM, "VRAM size %" PRIu64,
				(uint64_t)a.value);
		break;
	case DRM_NVSVM_PARAM_PAGE_SIZES:
		if (a.value != PAGE_SIZES)
			fz_fail(c, FZ_GETPARAM, "page sizes 0x%" PRIx64,
				(uint64_t)a.value);
		break;
	case DRM_NVSVM_PARAM_DEVICE_INDEX:
		if (a.value != (uint64_t)c->dev + tool_dev_first())
			fz_fail(c, FZ_GETPARAM, "device index %" PRIu64,
				(uint64_t)a.value);
		break;
	}
}

/* --- SVM_INIT, and a file's life before it ------------------------------- */

/*
 * A fresh file: everything but GETPARAM and STATS needs SVM_INIT first
 * (-ENOENT), STATS reads zeros, then SVM_INIT binds it once.
 */
static void fresh_file(struct call *c)
{
	uint64_t *buf = c->w->scratch;
	struct drm_nvsvm_op op = nvsvm_op_fill(buf, 8, 1);
	struct drm_nvsvm_channel_create cc = { .handle = 0x5e5e };
	struct drm_nvsvm_channel_destroy cd = { .handle = 1 };
	struct drm_nvsvm_job_submit js = {
		.channel = 1,
		.ops = (uintptr_t)&op,
		.op_count = 1,
		.op_stride = sizeof(op),
	};
	struct drm_nvsvm_job_wait jw = { .job = 1 };
	struct drm_nvsvm_migrate mg = {
		.addr = (uintptr_t)c->w->priv,
		.size = PAGE,
		.target = DRM_NVSVM_MIGRATE_TO_VRAM,
	};
	struct drm_nvsvm_advise ad = {
		.addr = (uintptr_t)c->w->priv,
		.size = PAGE,
		.attr = DRM_NVSVM_ADVISE_PREFERRED_LOCATION,
	};
	struct drm_nvsvm_stats st;
	struct drm_nvsvm_svm_init si = { 0 };

	c->dev = rng_below(&c->r, ndev);
	c->quiet = false;
	c->slot = NULL;
	c->fd = open(dev_path[c->dev], O_RDWR | O_CLOEXEC);
	if (c->fd < 0) {
		fz_fail(c, FZ_SVM_INIT, "open %s: %s", dev_path[c->dev],
			strerror(errno));
		return;
	}
	expect(c, "before SVM_INIT", -ENOENT, false);
	fz_call(c, FZ_CH_CREATE, DRM_IOCTL_NVSVM_CHANNEL_CREATE, &cc);
	fz_call(c, FZ_CH_DESTROY, DRM_IOCTL_NVSVM_CHANNEL_DESTROY, &cd);
	fz_call(c, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &js);
	fz_call(c, FZ_WAIT, DRM_IOCTL_NVSVM_JOB_WAIT, &jw);
	fz_call(c, FZ_MIGRATE, DRM_IOCTL_NVSVM_MIGRATE, &mg);
	fz_call(c, FZ_ADVISE, DRM_IOCTL_NVSVM_ADVISE, &ad);
	memset(&st, 0xa5, sizeof(st));
	st.flags = st.pad = 0;
	expect(c, "before SVM_INIT", 0, false);
	if (!fz_call(c, FZ_STATS, DRM_IOCTL_NVSVM_STATS, &st)) {
		const __u64 *v = &st.faults;

		for (unsigned int i = 0; i < (sizeof(st) - 8) / 8; i++)
			if (v[i])
				fz_fail(c, FZ_STATS, "counter %u of an unbound file is 0x%"
					PRIx64, i, (uint64_t)v[i]);
	}
	if (cc.handle != 0x5e5e)
		fz_fail(c, FZ_CH_CREATE, "refused, but handle written");
	fz_call(c, FZ_SVM_INIT, DRM_IOCTL_NVSVM_SVM_INIT, &si);
	expect(c, "second SVM_INIT", -EBUSY, false);
	fz_call(c, FZ_SVM_INIT, DRM_IOCTL_NVSVM_SVM_INIT, &si);
	close(c->fd);
}

static void fz_svm_init(struct call *c)
{
	struct drm_nvsvm_svm_init a = { 0 };

	if (!rng_below(&c->r, 8)) {
		fresh_file(c);
		return;
	}
	pick_file(c, rng_below(&c->r, 2));
	expect(c, "bound already", -EBUSY, false);
	switch (rng_below(&c->r, 3)) {
	case 0:
		a.flags = 1u << rng_below(&c->r, 32);
		expect(c, "flags", -EINVAL, true);
		break;
	case 1:
		a.pad = 1u << rng_below(&c->r, 32);
		expect(c, "pad", -EINVAL, true);
		break;
	}
	fz_call(c, FZ_SVM_INIT, DRM_IOCTL_NVSVM_SVM_INIT, &a);
}

/* --- jobs ---------------------------------------------------------------- */

/* A random valid operation on priv, whose operands do not overlap its dst. */
static struct drm_nvsvm_op priv_op(struct call *c, uint64_t max_words)
{
	struct rng *r = &c->r;
	uint64_t *p = c->w->priv;
	const uint64_t q = PRIV_WORDS / 4;
	uint64_t words = 1 + rng_below(r, rng_below(r, 32) ?
					  PICK(r, 1, 16, 64, 256) : q);
	unsigned int dq = rng_below(r, 4);
	unsigned int s0 = (dq + 1 + rng_below(r, 3)) % 4;
	unsigned int s1 = (dq + 1 + rng_below(r, 3)) % 4;
	uint64_t *dst, *src0, *src1, imm = rng_next(r);

	if (words > max_words)
		words = max_words;
	dst = p + dq * q + rng_below(r, q - words + 1);
	src0 = p + s0 * q + rng_below(r, q - words + 1);
	src1 = p + s1 * q + rng_below(r, q - words + 1);

	switch (rng_below(r, 5)) {
	case 0:
		return nvsvm_op_fill(dst, words * 8, imm);
	case 1:
		return nvsvm_op_copy(dst, src0, words * 8);
	case 2:
		return nvsvm_op_checksum(p + dq * q + rng_below(r, q), src0,
					 words * 8);
	case 3:
		return nvsvm_op_atomic_add(dst, words * 8, imm);
	default:
		return nvsvm_op_triad(dst, src0, src1, words * 8, imm);
	}
}

/* What an operation on priv does, applied to the model. */
static void shadow_apply(struct worker *w, const struct drm_nvsvm_op *op,
			 uint64_t *lo, uint64_t *hi)
{
	uint64_t *s = w->shadow, n = op->len / 8;
	uint64_t d = (op->dst - (uintptr_t)w->priv) / 8;
	uint64_t a = (op->src0 - (uintptr_t)w->priv) / 8;
	uint64_t b = (op->src1 - (uintptr_t)w->priv) / 8;

	switch (op->opcode) {
	case DRM_NVSVM_OP_FILL:
		for (uint64_t i = 0; i < n; i++)
			s[d + i] = op->imm;
		break;
	case DRM_NVSVM_OP_COPY:
		for (uint64_t i = 0; i < n; i++)
			s[d + i] = s[a + i];
		break;
	case DRM_NVSVM_OP_CHECKSUM:
		s[d] = nvsvm_checksum(s + a, op->len);
		n = 1;
		break;
	case DRM_NVSVM_OP_ATOMIC_ADD:
		for (uint64_t i = 0; i < n; i++)
			s[d + i] += op->imm;
		break;
	case DRM_NVSVM_OP_TRIAD:
		for (uint64_t i = 0; i < n; i++)
			s[d + i] = s[a + i] + op->imm * s[b + i];
		break;
	}
	if (d < *lo)
		*lo = d;
	if (d + n > *hi)
		*hi = d + n;
}

/* Lay @n ops out at @base, @stride bytes apart, the bytes between zero. */
static void lay_ops(char *base, const struct drm_nvsvm_op *ops, unsigned int n,
		    unsigned int stride)
{
	for (unsigned int i = 0; i < n; i++) {
		memset(base + (size_t)i * stride, 0, stride);
		memcpy(base + (size_t)i * stride, &ops[i], sizeof(ops[i]));
	}
}

/* A GPU VA that passes validation, but that no CPU could access either. */
static uint64_t faulting_va(struct call *c, uint64_t len, const char **what)
{
	switch (rng_below(&c->r, 9)) {
	case 0:
		*what = "va NULL";
		return 0;
	case 1:
		*what = "va unmapped low page";
		return PAGE * (1 + rng_below(&c->r, 14));
	case 2:
		*what = "va above the user address space";
		return 1ull << 48;
	case 3:
		*what = "va ending at the end of the GPU VA space";
		return GPU_VA_END - len;
	case 4:
		*what = "va PROT_NONE";
		return (uintptr_t)zoo.pnone;
	case 5:
		*what = "va file mapping past its end";
		return (uintptr_t)zoo.pastend + PAGE;
	case 6:
		*what = "va read-only (written)";
		return (uintptr_t)zoo.ronly;
	case 7:
		if (zoo.secret_fd >= 0) {
			*what = "va memfd_secret";
			return (uintptr_t)c->w->secret;
		}
		/* fall through */
	default:
		*what = "va 4 GiB PROT_NONE";
		return (uintptr_t)zoo.huge + PAGE * rng_below(&c->r, 1 << 16);
	}
}

/* A valid job on priv on the quiet file, checked word for word. */
static void quiet_job(struct call *c, unsigned int stride, char *where,
		      const char *field)
{
	struct worker *w = c->w;
	struct drm_nvsvm_op ops[NVSVM_JOB_MAX_OPS];
	unsigned int n = 1 + rng_below(&c->r, rng_below(&c->r, 16) ?
					4 : NVSVM_JOB_MAX_OPS);
	struct drm_nvsvm_job_submit a = {
		.channel = c->w->qchan[c->dev],
		.op_count = n,
		.op_stride = stride,
		.job = SENTINEL,
	};
	uint64_t lo = PRIV_WORDS, hi = 0, t0;
	int status;

	for (unsigned int i = 0; i < n; i++)
		ops[i] = priv_op(c, n > 4 ? 16 : PRIV_WORDS);
	if (!where || (size_t)n * stride > SECRET_PAGES * PAGE)
		where = w->ops;
	lay_ops(where, ops, n, stride);
	a.ops = (uintptr_t)where;
	expect(c, field, 0, false);
	t0 = now_ns();
	if (fz_call(c, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &a))
		return;
	w->qjobs[c->dev]++;
	if (!a.job || a.job > UINT32_MAX) {
		fz_fail(c, FZ_SUBMIT, "job id %" PRIu64, (uint64_t)a.job);
		return;
	}
	status = wait_job(c, a.job, "wait for a valid job");
	if (status) {
		if (status != 1)
			job_failed(c, status, t0, "its own memory");
		/* What ran of it is unknown: take the memory as it is. */
		memcpy(w->shadow, w->priv, PRIV_BYTES);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		shadow_apply(w, &ops[i], &lo, &hi);
	if (check_priv(c, FZ_SUBMIT, lo, hi, "a valid job"))
		count(&n_jobs_checked);
}

/*
 * A valid job on the shared file: on scratch, on a buffer another thread
 * remaps, or on a bad address. Only its status is checked; sometimes it is
 * never waited for, and the file's close has to clean up after it.
 */
static void shared_job(struct call *c)
{
	struct drm_nvsvm_op op;
	struct drm_nvsvm_job_submit a = {
		.channel = chan_of(c),
		.ops = (uintptr_t)c->w->ops,
		.op_count = 1,
		.op_stride = sizeof(op),
		.job = SENTINEL,
	};
	uint64_t len = 8 * (1 + rng_below(&c->r, PICK(&c->r, 8, 64, 512)));
	unsigned int k = rng_below(&c->r, NR_RACY);
	bool racy = rng_below(&c->r, 2);
	uint64_t *dst = racy ? (uint64_t *)zoo.racy[k] : scratch_of(c);
	uint64_t t0 = now_ns();
	int status;

	if (racy && rng_below(&c->r, 2))
		op = nvsvm_op_checksum(scratch_of(c), dst, len);
	else
		op = nvsvm_op_atomic_add(dst, len, 1);
	memcpy(c->w->ops, &op, sizeof(op));
	expect(c, racy ? "job on a remapped buffer" : "job on scratch", 0,
	       false);
	also(c, -EBUSY);	/* jobs nobody waited for pile up */
	if (fz_call(c, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &a) ||
	    !rng_below(&c->r, 4))
		return;
	status = wait_job(c, a.job, "wait on the shared file");
	if (status == 1 || c->raced)
		return;
	if (status && !(racy && status == -EFAULT))
		job_failed(c, status, t0, "scratch");
}

/* A job whose one operation faults: the job fails, nothing else changes. */
static void faulting_job(struct call *c)
{
	struct worker *w = c->w;
	uint64_t len = 8 * (1 + rng_below(&c->r, 512)), *sum;
	struct drm_nvsvm_op op;
	struct drm_nvsvm_job_submit a = {
		.channel = w->qchan[c->dev],
		.ops = (uintptr_t)w->ops,
		.op_count = 1,
		.op_stride = sizeof(op),
	};
	const char *what;
	uint64_t va = faulting_va(c, len, &what);
	int status;

	if (!rng_below(&c->r, 16) && va == (uintptr_t)zoo.huge)
		len = NVSVM_OP_MAX_LEN;	/* the longest op there is */
	sum = w->priv + rng_below(&c->r, PRIV_WORDS);
	switch (rng_below(&c->r, 3)) {
	case 0:
		op = nvsvm_op_fill((void *)(uintptr_t)va, len, rng_next(&c->r));
		break;
	case 1:
		op = nvsvm_op_copy((void *)(uintptr_t)va, w->priv, len);
		break;
	default:
		/* Read-only memory can be read: that one is checked. */
		op = nvsvm_op_checksum(sum, (void *)(uintptr_t)va, len);
		break;
	}
	memcpy(w->ops, &op, sizeof(op));
	expect(c, what, 0, false);
	if (fz_call(c, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &a))
		return;
	w->qjobs[c->dev]++;
	status = wait_job(c, a.job, what);
	if (status == 1)
		return;
	if (op.opcode == DRM_NVSVM_OP_CHECKSUM && va == (uintptr_t)zoo.ronly) {
		if (status)
			fz_fail(c, FZ_WAIT, "checksum of read-only memory: status %d",
				status);
		else
			w->shadow[sum - w->priv] = nvsvm_checksum(zoo.ronly, len);
	} else if (status != -EFAULT) {
		fz_fail(c, FZ_WAIT, "job on %s: status %d, expected %d", what,
			status, -EFAULT);
	}
	check_priv(c, FZ_SUBMIT, sum - w->priv, sum - w->priv + 1,
		   "a faulting job");
}

/* A user pointer from which the kernel cannot read an op array. */
static uint64_t bad_rptr(struct call *c, unsigned int n, unsigned int stride,
			 const char **what)
{
	switch (rng_below(&c->r, 8)) {
	case 0:
		*what = "ops NULL";
		return 0;
	case 1:
		*what = "ops kernel address";
		return KERNEL_ADDR + 8 * rng_below(&c->r, 1 << 20);
	case 2:
		*what = "ops unmapped";
		return PAGE * (1 + rng_below(&c->r, 14));
	case 3:
		*what = "ops PROT_NONE";
		return (uintptr_t)zoo.pnone + 8 * rng_below(&c->r, 64);
	case 4:
		*what = "ops file mapping past its end";
		return (uintptr_t)zoo.pastend + PAGE;
	case 5:
		*what = "ops wrapping";
		return ~0ull - 8 * rng_below(&c->r, 4);
	case 6:
		*what = "ops non-canonical";
		return 1ull << (47 + rng_below(&c->r, 16));
	default:
		/* The last op runs into the guard page. */
		*what = "ops array running into PROT_NONE";
		return (uintptr_t)c->w->ops + OPS_BYTES -
		       (uint64_t)n * stride + 8 * (1 + rng_below(&c->r, 5));
	}
}

/* Break op @op, so that the uAPI must refuse it with -EINVAL. */
static const char *break_op(struct call *c, struct drm_nvsvm_op *op)
{
	struct rng *r = &c->r;

	switch (rng_below(r, 12)) {
	case 0:
		op->opcode = PICK(r, 0, DRM_NVSVM_OP_TRIAD + 1,
				  DRM_NVSVM_OP_TRIAD + 2, 0x80000001, ~0u);
		return "op.opcode";
	case 1:
		op->flags = 1u << rng_below(r, 32);
		return "op.flags";
	case 2:
		op->len = 0;
		return "op.len 0";
	case 3:
		op->len = (op->len & ~7ull) + 1 + rng_below(r, 7);
		return "op.len not a multiple of 8";
	case 4:
		op->len = PICK(r, NVSVM_OP_MAX_LEN + 8, NVSVM_OP_MAX_LEN * 2,
			       1ull << 63, ~7ull);
		return "op.len over the limit";
	case 5:
		op->dst += 1 + rng_below(r, 7);
		return "op.dst unaligned";
	case 6:
		op->dst = PICK(r, GPU_VA_END, KERNEL_ADDR, ~7ull, 1ull << 63);
		return op->dst > GPU_VA_END ? "op.dst kernel/wrapping" :
					      "op.dst at the end of the GPU VA space";
	case 7:
		/* dst + len wraps around 2^64. */
		op->dst = ~7ull - 8 * rng_below(r, 4);
		op->len = 64;
		return "op.dst + op.len wraps";
	case 8:
		if (op->opcode == DRM_NVSVM_OP_COPY ||
		    op->opcode == DRM_NVSVM_OP_TRIAD ||
		    op->opcode == DRM_NVSVM_OP_CHECKSUM) {
			op->src0 = PICK(r, op->src0 + 4, GPU_VA_END, KERNEL_ADDR,
					~7ull);
			return "op.src0 unaligned or out of the VA space";
		}
		op->src0 = 8 * (1 + rng_below(r, 1 << 20));
		return "op.src0 unused but set";
	case 9:
		if (op->opcode == DRM_NVSVM_OP_TRIAD) {
			op->src1 = ~7ull - 8 * rng_below(r, 2);
			return "op.src1 + op.len wraps";
		}
		op->src1 = 8 * (1 + rng_below(r, 1 << 20));
		return "op.src1 unused but set";
	case 10:
		if (op->opcode == DRM_NVSVM_OP_COPY ||
		    op->opcode == DRM_NVSVM_OP_CHECKSUM) {
			op->imm = 1 + rng_below(r, 1000);
			return "op.imm unused but set";
		}
		op->opcode = DRM_NVSVM_OP_COPY;
		op->src0 = op->dst;
		op->imm = 1;
		return "op.imm unused but set";
	default:
		if (op->opcode == DRM_NVSVM_OP_CHECKSUM) {
			op->dst += 4;
			return "op.dst (checksum) unaligned";
		}
		op->dst = GPU_VA_END - op->len + 8;
		return "op.dst + op.len past the GPU VA space";
	}
}

static void fz_submit(struct call *c)
{
	struct worker *w = c->w;
	struct drm_nvsvm_op ops[NVSVM_JOB_MAX_OPS];
	struct drm_nvsvm_job_submit a = { .job = SENTINEL };
	unsigned int n, stride = sizeof(struct drm_nvsvm_op), k;
	unsigned int kind = rng_below(&c->r, 20);
	const char *what = NULL;
	char *base = w->ops;
	uint64_t t0 = now_ns();

	/* Jobs are slow in the emulator: about one call in six runs one. */
	if (kind >= 15)
		kind = 4 + (kind - 15) * 2;
	if (kind == 1 && rng_below(&c->r, 2))
		kind = 9;
	pick_file(c, kind == 2 ? false : rng_below(&c->r, 4) != 0);
	if (kind < 2 && c->quiet) {
		/* Valid: the op array anywhere the kernel can read it. */
		stride = rng_below(&c->r, 2) ? sizeof(struct drm_nvsvm_op) :
			 8 * PICK(&c->r, 7, 8, 16, 64, 512);
		if (rng_below(&c->r, 4) == 0 && zoo.secret_fd >= 0)
			quiet_job(c, stride, w->secret, "ops in memfd_secret");
		else
			quiet_job(c, stride, NULL, stride ==
				  sizeof(struct drm_nvsvm_op) ? NULL :
				  "op_stride larger, zero tail");
		act_time(13, t0);
		return;
	}
	if (kind < 3) {
		shared_job(c);
		act_time(14, t0);
		return;
	}
	if (kind == 3 && c->quiet) {
		faulting_job(c);
		act_time(15, t0);
		return;
	}

	n = 1 + rng_below(&c->r, rng_below(&c->r, 4) ? 4 : NVSVM_JOB_MAX_OPS);
	for (unsigned int i = 0; i < n; i++)
		ops[i] = priv_op(c, 64);
	a.channel = chan_of(c);
	a.op_count = n;
	a.op_stride = stride;
	expect(c, NULL, -EINVAL, true);

	switch (kind) {
	case 3:
	case 4:
		a.flags = 1u << rng_below(&c->r, 32);
		c->field = "flags";
		break;
	case 5:
	case 12:
		a.op_count = PICK(&c->r, 0, NVSVM_JOB_MAX_OPS + 1,
				  NVSVM_JOB_MAX_OPS * 2, 0x80000000u, ~0u);
		c->field = a.op_count ? "op_count over the limit" : "op_count 0";
		break;
	case 6:
	case 13:
		a.op_stride = PICK(&c->r, 0, 8, 40, sizeof(ops[0]) - 1,
				   sizeof(ops[0]) + 4, PAGE + 8, 2 * PAGE,
				   0x80000000u, ~0u);
		c->field = "op_stride";
		break;
	case 7:
		/* Bytes past the kernel's op must be zero. */
		a.op_stride = 8 * PICK(&c->r, 7, 8, 64, 512);
		k = rng_below(&c->r, n);
		lay_ops(base, ops, n, a.op_stride);
		base[(size_t)k * a.op_stride + sizeof(ops[0]) +
		     rng_below(&c->r, a.op_stride - sizeof(ops[0]))] =
			1 + rng_below(&c->r, 255);
		c->field = "op tail byte nonzero";
		break;
	case 8:
		a.ops = bad_rptr(c, n, stride, &what);
		expect(c, what, -EFAULT, true);
		base = NULL;
		break;
	case 9:
	case 10:
	case 14:
		k = rng_below(&c->r, n);
		c->field = break_op(c, &ops[k]);
		break;
	default:
		a.channel = PICK(&c->r, 0, NVSVM_MAX_CHANNELS + 1, 0x7fffffff,
				 ~0u);
		expect(c, "channel unknown", -ENOENT, false);
		break;
	}
	if (base) {
		if (kind != 7)
			lay_ops(base, ops, n, stride);
		a.ops = (uintptr_t)base;
	}
	fz_call(c, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &a);
	if (c->raced)
		return;
	if (c->bad)
		fprintf(stderr, "nvsvm-fuzz: call %" PRIu64 ": channel %u flags 0x%x"
			" ops 0x%" PRIx64 " op_count %u op_stride %u\n", c->no,
			a.channel, a.flags, (uint64_t)a.ops, a.op_count,
			a.op_stride);
	if (a.job != SENTINEL)
		fz_fail(c, FZ_SUBMIT, "refused, but job id written");
	check_quiet_jobs(c, FZ_SUBMIT);
}

/* --- JOB_WAIT ------------------------------------------------------------ */

static void fz_wait(struct call *c)
{
	struct worker *w = c->w;
	struct drm_nvsvm_op op;
	struct drm_nvsvm_job_submit js = {
		.ops = (uintptr_t)&op,
		.op_count = 1,
		.op_stride = sizeof(op),
	};
	struct drm_nvsvm_job_wait a = { .timeout_ns = WAIT_NS,
					.status = 0x5e5e5e5e };
	int status;

	pick_file(c, true);
	op = nvsvm_op_atomic_add(scratch_of(c) + rng_below(&c->r, 64), 8, 1);
	js.channel = w->qchan[c->dev];
	expect(c, "submit before wait", 0, false);
	if (fz_call(c, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &js))
		return;
	w->qjobs[c->dev]++;
	a.job = js.job;

	switch (rng_below(&c->r, 8)) {
	case 0:
		a.flags = 1u << rng_below(&c->r, 32);
		expect(c, "flags", -EINVAL, true);
		break;
	case 1:
		a.timeout_ns = PICK(&c->r, WAIT_MAX_NS + 1, WAIT_MAX_NS * 2,
				    1ull << 63, ~0ull);
		expect(c, "timeout_ns over an hour", -EINVAL, true);
		break;
	case 2:
		a.job = 0;
		expect(c, "job 0", -EINVAL, true);
		break;
	case 3:
		a.job = PICK(&c->r, 1ull << 32, js.job | 1ull << 32,
			     1ull << 63, ~0ull);
		expect(c, "job over U32_MAX", -ENOENT, true);
		break;
	case 4:
		a.job = 0x7fffff00 + rng_below(&c->r, 0xff);
		expect(c, "job unknown", -ENOENT, false);
		break;
	case 5:
		/* Job ids are per file: the other device's does not have it. */
		if (ndev < 2)
			goto poll;
		c->fd = w->qfd[!c->dev];
		expect(c, "job of the other device's file", -ENOENT, false);
		break;
	case 6:
poll:
		a.timeout_ns = 0;
		expect(c, "timeout 0 (poll)", 0, false);
		also(c, -ETIME);
		break;
	default:
		expect(c, NULL, 0, false);
		break;
	}
	fz_call(c, FZ_WAIT, DRM_IOCTL_NVSVM_JOB_WAIT, &a);
	c->fd = w->qfd[c->dev];
	if (c->bad)
		return;
	if (c->expect) {
		/* Refused: the job is still there, its status untouched. */
		if (a.status != 0x5e5e5e5e)
			fz_fail(c, FZ_WAIT, "refused, but status written");
		status = wait_job(c, js.job, "wait after a refused wait");
	} else if (a.status == 0x5e5e5e5e) {
		/* -ETIME from a poll: the job is still there. */
		status = wait_job(c, js.job, "wait after a poll");
	} else {
		status = a.status;
	}
	if (status && status != 1)
		fz_fail(c, FZ_WAIT, "job status %d", status);
	/* Collected: the id is released. */
	a = (struct drm_nvsvm_job_wait){ .job = js.job, .timeout_ns = WAIT_NS };
	expect(c, "wait on a collected job", -ENOENT, false);
	fz_call(c, FZ_WAIT, DRM_IOCTL_NVSVM_JOB_WAIT, &a);
}

/* --- channels ------------------------------------------------------------ */

/*
 * Create a channel, run a job on it, and destroy it under the job: the job
 * completes or is cancelled, and can be waited for either way.
 */
static void fz_channel_create(struct call *c)
{
	struct drm_nvsvm_channel_create a = { .handle = 0x5e5e5e5e };
	struct drm_nvsvm_channel_destroy d = { 0 };
	struct drm_nvsvm_op op;
	struct drm_nvsvm_job_submit js = {
		.ops = (uintptr_t)&op,
		.op_count = 1,
		.op_stride = sizeof(op),
	};
	int status;

	pick_file(c, rng_below(&c->r, 2));
	op = nvsvm_op_atomic_add(scratch_of(c), 64, 1);
	if (rng_below(&c->r, 3) == 0) {
		a.flags = 1u << rng_below(&c->r, 32);
		expect(c, "flags", -EINVAL, true);
		fz_call(c, FZ_CH_CREATE, DRM_IOCTL_NVSVM_CHANNEL_CREATE, &a);
		if (!c->raced && !c->bad && a.handle != 0x5e5e5e5e)
			fz_fail(c, FZ_CH_CREATE, "refused, but handle written");
		return;
	}
	expect(c, NULL, 0, false);
	if (!c->quiet)
		also(c, -ENOSPC);
	if (fz_call(c, FZ_CH_CREATE, DRM_IOCTL_NVSVM_CHANNEL_CREATE, &a))
		return;
	if (!a.handle || a.handle > NVSVM_MAX_CHANNELS) {
		fz_fail(c, FZ_CH_CREATE, "handle %u", a.handle);
		return;
	}
	d.handle = a.handle;

	if (c->quiet && ndev > 1 && rng_below(&c->r, 2)) {
		/* Handles are per file: the other device's does not know it. */
		struct call o = *c;

		o.dev = !c->dev;
		o.fd = c->w->qfd[o.dev];
		js.channel = a.handle;
		expect(&o, "channel of the other device's file", -ENOENT, false);
		fz_call(&o, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &js);
		check_quiet_jobs(&o, FZ_SUBMIT);
	}

	js.channel = a.handle;
	expect(c, "job on a new channel", 0, false);
	if (!c->quiet)
		also(c, -EBUSY);
	if (fz_call(c, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &js))
		js.job = 0;
	else if (c->quiet)
		c->w->qjobs[c->dev]++;

	if (rng_below(&c->r, 2)) {
		/* A nonzero pad is refused, and the channel lives on. */
		d.pad = 1u << rng_below(&c->r, 32);
		expect(c, "pad", -EINVAL, true);
		fz_call(c, FZ_CH_DESTROY, DRM_IOCTL_NVSVM_CHANNEL_DESTROY, &d);
		d.pad = 0;
	}
	expect(c, "destroy a channel with a job", 0, false);
	fz_call(c, FZ_CH_DESTROY, DRM_IOCTL_NVSVM_CHANNEL_DESTROY, &d);
	/* On the shared file, another thread may have the handle by now. */
	if (c->quiet) {
		expect(c, "destroy twice", -ENOENT, false);
		fz_call(c, FZ_CH_DESTROY, DRM_IOCTL_NVSVM_CHANNEL_DESTROY, &d);
	}
	if (js.job) {
		status = wait_job(c, js.job, "wait for a job of a destroyed channel");
		if (status != 1 && status && status != -ECANCELED && !c->raced)
			fz_fail(c, FZ_WAIT, "job of a destroyed channel: status %d",
				status);
	}
}

static void fz_channel_destroy(struct call *c)
{
	struct drm_nvsvm_channel_destroy a = { 0 };

	if (rng_below(&c->r, 2)) {
		/* The pad check on a live channel: fz_channel_create(). */
		fz_channel_create(c);
		return;
	}
	pick_file(c, rng_below(&c->r, 2));
	a.handle = PICK(&c->r, 0, NVSVM_MAX_CHANNELS + 1, 0x80000000u, ~0u);
	expect(c, "handle unknown", -ENOENT, false);
	if (rng_below(&c->r, 2)) {
		a.pad = 1u << rng_below(&c->r, 32);
		expect(c, "pad", -EINVAL, true);
	}
	fz_call(c, FZ_CH_DESTROY, DRM_IOCTL_NVSVM_CHANNEL_DESTROY, &a);
}

/* --- STATS --------------------------------------------------------------- */

static void check_grow(struct call *c, const struct drm_nvsvm_stats *old,
		       const struct drm_nvsvm_stats *now)
{
	const __u64 *o = &old->faults, *n = &now->faults;
	const unsigned int gauge = offsetof(struct drm_nvsvm_stats,
					    vram_in_use) / 8 - 1;

	for (unsigned int i = 0; i < (sizeof(*now) - 8) / 8; i++) {
		if (i == gauge)
			continue;
		if (n[i] < o[i]) {
			fz_fail(c, FZ_STATS, "counter %u went back from %" PRIu64
				" to %" PRIu64, i, (uint64_t)o[i], (uint64_t)n[i]);
			return;
		}
	}
}

static void fz_stats(struct call *c)
{
	struct drm_nvsvm_stats a, ref;
	bool device = rng_below(&c->r, 2);

	pick_file(c, rng_below(&c->r, 2));
	memset(&a, 0xa5, sizeof(a));
	a.flags = device ? DRM_NVSVM_STATS_DEVICE : 0;
	a.pad = 0;
	expect(c, NULL, 0, false);
	switch (rng_below(&c->r, 3)) {
	case 0:
		a.flags |= 2u << rng_below(&c->r, 31);
		expect(c, "flags unknown", -EINVAL, true);
		break;
	case 1:
		a.pad = 1u << rng_below(&c->r, 32);
		expect(c, "pad", -EINVAL, true);
		break;
	}
	memcpy(&ref, &a, sizeof(a));
	fz_call(c, FZ_STATS, DRM_IOCTL_NVSVM_STATS, &a);
	if (c->raced || c->bad)
		return;
	if (c->expect) {
		if (memcmp(&a, &ref, sizeof(a)))
			fz_fail(c, FZ_STATS, "refused, but counters written");
		return;
	}
	if (device) {
		check_grow(c, &c->w->dstats[c->dev], &a);
		if (a.vram_in_use > dev_vram[c->dev])
			fz_fail(c, FZ_STATS, "vram_in_use %" PRIu64 " > VRAM",
				(uint64_t)a.vram_in_use);
		c->w->dstats[c->dev] = a;
	} else if (c->quiet) {
		check_grow(c, &c->w->qstats[c->dev], &a);
		if (a.jobs != c->w->qjobs[c->dev])
			fz_fail(c, FZ_STATS, "the file counts %" PRIu64
				" jobs, it accepted %" PRIu64, (uint64_t)a.jobs,
				c->w->qjobs[c->dev]);
		c->w->qstats[c->dev] = a;
	}
}

/* --- MIGRATE and ADVISE -------------------------------------------------- */

/* Break a page-aligned range so that the range check must refuse it. */
static const char *break_range(struct call *c, __u64 *addr, __u64 *size,
			       uint64_t max)
{
	struct rng *r = &c->r;

	switch (rng_below(r, 9)) {
	case 0:
		*addr += 1 + rng_below(r, PAGE - 1);
		return "addr unaligned";
	case 1:
		*size = 0;
		return "size 0";
	case 2:
		*size += PICK(r, 1, 8, PAGE / 2, PAGE - 1);
		return "size unaligned";
	case 3:
		if (max == DRM_NVSVM_MIGRATE_MAX_SIZE) {
			*size = max + PAGE * (1 + rng_below(r, 16));
			return "size over the limit";
		}
		/* fall through */
	case 4:
		*addr = -(HUGE_BYTES / 2);
		*size = HUGE_BYTES;
		return "addr + size wraps";
	case 5:
		*size = ~(PAGE - 1);
		return "size ~0 (wraps)";
	case 6:
		*addr = zoo.user_end - PAGE;
		*size = 2 * PAGE;
		return "range ending past the user address space";
	case 7:
		*addr = PICK(r, zoo.user_end, 1ull << 47, GPU_VA_END);
		if (*addr < zoo.user_end)
			*addr = zoo.user_end;
		return "addr beyond the user address space";
	default:
		*addr = KERNEL_ADDR;
		return "addr kernel";
	}
}

enum zone { Z_PRIV, Z_SECRET, Z_CANNOT_MOVE, Z_ANY };

/* A valid range, and what MIGRATE must do with it. */
static enum zone pick_range(struct call *c, __u64 *addr, __u64 *size,
			    const char **what)
{
	struct worker *w = c->w;
	struct rng *r = &c->r;
	uint64_t first, pages;

	switch (rng_below(r, 16)) {
	case 0:
		*what = "PROT_NONE";
		*addr = (uintptr_t)zoo.pnone;
		*size = PAGE * (1 + rng_below(r, 16));
		return Z_CANNOT_MOVE;
	case 1:
		*what = "unmapped";
		*addr = PAGE * (1 + rng_below(r, 8));
		*size = PAGE * (1 + rng_below(r, 6));
		return Z_CANNOT_MOVE;
	case 2:
		*what = "file mapping past its end";
		*addr = (uintptr_t)zoo.pastend;
		*size = PAGE * (1 + rng_below(r, 4));
		return Z_CANNOT_MOVE;
	case 3:
		*what = "read-only";
		*addr = (uintptr_t)zoo.ronly;
		*size = PAGE * (1 + rng_below(r, 16));
		return Z_ANY;
	case 4:
		*what = "remapped buffer";
		*addr = (uintptr_t)zoo.racy[rng_below(r, NR_RACY)];
		*size = RACY_BYTES;
		return Z_ANY;
	case 5:
		if (rng_below(r, 8) == 0) {
			/* It takes seconds: the whole of it in long runs only. */
			*what = ncalls >= 100000 && rng_below(r, 4) == 0 ?
				"4 GiB, the largest range" : "256 MiB PROT_NONE";
			*addr = (uintptr_t)zoo.huge;
			*size = *what[0] == '4' ? HUGE_BYTES : 256ull << 20;
			return Z_CANNOT_MOVE;
		}
		*what = "the top page of the user address space";
		*addr = zoo.user_end - PAGE;
		*size = PAGE;
		return Z_ANY;
	case 6:
	case 7:
		/* The tail of priv and the secret pages after it. */
		*what = zoo.secret_fd >= 0 ? "priv and memfd_secret" :
					     "priv and PROT_NONE";
		first = PRIV_PAGES - 1 - rng_below(r, 8);
		*addr = (uintptr_t)w->priv + first * PAGE;
		*size = (PRIV_PAGES - first + 1 + rng_below(r, SECRET_PAGES)) *
			PAGE;
		return zoo.secret_fd >= 0 ? Z_SECRET : Z_PRIV;
	default:
		*what = "priv";
		first = rng_below(r, PRIV_PAGES);
		pages = 1 + rng_below(r, rng_below(r, 8) ? 4 : PRIV_PAGES - first);
		if (first + pages > PRIV_PAGES)
			pages = PRIV_PAGES - first;
		*addr = (uintptr_t)w->priv + first * PAGE;
		*size = pages * PAGE;
		return Z_PRIV;
	}
}

/*
 * Which pages of priv went to VRAM between @before and @after (from
 * in_vram()). A page outside [@addr, @addr + @size) that did says that
 * something else moves this thread's pages: the faults left of an earlier
 * job that was cancelled, still serviced, and placing an advised window.
 * Then the pages in the range may be its doing too, and a check of them
 * proves nothing: false, counted. Otherwise true, with the number of pages
 * of the range that went in *@inside, the last of them in *@last.
 */
static bool moved_only_inside(const struct worker *w, const uint8_t *before,
			      const uint8_t *after, uint64_t addr,
			      uint64_t size, unsigned int *inside,
			      unsigned int *last)
{
	unsigned int moved = 0;

	*inside = 0;
	*last = 0;
	for (unsigned int i = 0; i < PRIV_PAGES; i++) {
		uint64_t at = (uintptr_t)w->priv + (uint64_t)i * PAGE;

		if (after[i] != 1 || before[i])
			continue;
		moved++;
		if (at - addr < size) {
			(*inside)++;
			*last = i;
		}
	}
	if (moved > *inside) {
		count(&n_moved_by_others);
		return false;
	}
	return true;
}

static void fz_migrate(struct call *c)
{
	struct worker *w = c->w;
	struct drm_nvsvm_migrate a = {
		.target = rng_below(&c->r, 2),
		.migrated = SENTINEL,
		.skipped = SENTINEL,
	};
	uint8_t before[PRIV_PAGES + SECRET_PAGES], after[PRIV_PAGES + SECRET_PAGES];
	const char *what;
	enum zone z;
	bool map;
	int ret;

	pick_file(c, rng_below(&c->r, 3) != 0);
	z = pick_range(c, &a.addr, &a.size, &what);
	expect(c, what, z == Z_SECRET ? -EFAULT : 0, false);
	switch (rng_below(&c->r, 6)) {
	case 0:
		a.flags = 1u << rng_below(&c->r, 32);
		expect(c, "flags", -EINVAL, true);
		break;
	case 1:
		a.target = PICK(&c->r, 2, 3, 0x80000000u, ~0u);
		expect(c, "target", -EINVAL, true);
		break;
	case 2:
		expect(c, break_range(c, &a.addr, &a.size,
				      DRM_NVSVM_MIGRATE_MAX_SIZE), -EINVAL, true);
		break;
	}
	map = in_vram(w->priv, PRIV_PAGES + SECRET_PAGES, before);
	ret = fz_call(c, FZ_MIGRATE, DRM_IOCTL_NVSVM_MIGRATE, &a);
	if (c->raced || c->bad)
		return;
	if (map && c->expect && in_vram(w->priv, PRIV_PAGES + SECRET_PAGES,
					after)) {
		/*
		 * Refused: no page of the range moved, before or after the
		 * bad part.
		 */
		unsigned int inside, last;

		if (moved_only_inside(w, before, after, a.addr, a.size, &inside,
				      &last) && inside) {
			fz_fail(c, FZ_MIGRATE, "refused, but page %u of priv"
				" moved to VRAM", last);
			return;
		}
	}
	if (ret) {
		if (a.migrated != SENTINEL || a.skipped != SENTINEL)
			fz_fail(c, FZ_MIGRATE, "refused, but counts written");
		return;
	}
	if (a.migrated + a.skipped != a.size / PAGE) {
		fz_fail(c, FZ_MIGRATE, "migrated %" PRIu64 " + skipped %" PRIu64
			" != %" PRIu64 " pages", (uint64_t)a.migrated,
			(uint64_t)a.skipped, (uint64_t)(a.size / PAGE));
		return;
	}
	if (z == Z_CANNOT_MOVE && a.migrated) {
		fz_fail(c, FZ_MIGRATE, "%" PRIu64 " pages of %s moved",
			(uint64_t)a.migrated, what);
		return;
	}
	if (z != Z_PRIV)
		return;
	if (map && a.target == DRM_NVSVM_MIGRATE_TO_VRAM &&
	    in_vram(w->priv, PRIV_PAGES, after)) {
		unsigned int inside, last;

		if (moved_only_inside(w, before, after, a.addr, a.size, &inside,
				      &last) && inside > a.migrated)
			fz_fail(c, FZ_MIGRATE, "%u pages of the range went to "
				"VRAM, MIGRATE says %" PRIu64, inside,
				(uint64_t)a.migrated);
	}
	/* The data moved with the pages; reading it brings half of them back. */
	if (rng_below(&c->r, 2)) {
		uint64_t from = (a.addr - (uintptr_t)w->priv) / 8;
		uint64_t to = from + a.size / 8;

		check_priv(c, FZ_MIGRATE, from, to < PRIV_WORDS ? to : PRIV_WORDS,
			   "MIGRATE");
	}
}

/* The largest value ADVISE takes for @attr; 0 for no attribute. */
static uint32_t advise_max(uint32_t attr)
{
	switch (attr) {
	case DRM_NVSVM_ADVISE_PREFERRED_LOCATION:
	case DRM_NVSVM_ADVISE_ACCESSED_BY:
		return 1;
	case DRM_NVSVM_ADVISE_ATOMIC:
		return DRM_NVSVM_ATOMIC_NONE;
	}
	return 0;
}

static bool advise_attr_valid(uint32_t attr)
{
	return attr >= DRM_NVSVM_ADVISE_PREFERRED_LOCATION &&
	       attr <= DRM_NVSVM_ADVISE_ATOMIC;
}

static void fz_advise(struct call *c)
{
	struct drm_nvsvm_advise a = {
		.attr = DRM_NVSVM_ADVISE_PREFERRED_LOCATION +
			rng_below(&c->r, 3),
	};
	const char *what;
	enum zone z;

	a.value = rng_below(&c->r, advise_max(a.attr) + 1);
	pick_file(c, rng_below(&c->r, 2));
	z = pick_range(c, &a.addr, &a.size, &what);
	/*
	 * A GPU fault places the advised part of its whole window: another
	 * thread's job through the shared file would move this thread's
	 * pages, which its MIGRATE checks must see move only on its own.
	 * Jobs on this thread's own pages must succeed, and their atomics
	 * leave the pages where they are: no atomic policy but grants there.
	 */
	if (!c->quiet && (z == Z_PRIV || z == Z_SECRET) &&
	    a.attr == DRM_NVSVM_ADVISE_PREFERRED_LOCATION)
		a.value = DRM_NVSVM_MIGRATE_TO_SYSTEM;
	if ((z == Z_PRIV || z == Z_SECRET) && a.attr == DRM_NVSVM_ADVISE_ATOMIC)
		a.value = DRM_NVSVM_ATOMIC_GRANT;
	expect(c, what, 0, false);
	also(c, -ENOSPC);
	switch (rng_below(&c->r, 8)) {
	case 0:
		a.flags = 1u << rng_below(&c->r, 32);
		expect(c, "flags", -EINVAL, true);
		break;
	case 1:
		a.pad = 1u << rng_below(&c->r, 32);
		expect(c, "pad", -EINVAL, true);
		break;
	case 2:
		a.attr = PICK(&c->r, 0, DRM_NVSVM_ADVISE_ATOMIC + 1,
			      0x80000000u, ~0u);
		expect(c, "attr", -EINVAL, true);
		break;
	case 3:
		a.value = PICK(&c->r, advise_max(a.attr) + 1,
			       advise_max(a.attr) + 2, 0x80000000u, ~0u);
		expect(c, "value", -EINVAL, true);
		break;
	case 4:
		expect(c, break_range(c, &a.addr, &a.size, ~0ull), -EINVAL, true);
		break;
	case 5:
		/* All of the user address space: replaces every advice. */
		a.addr = PAGE;
		a.size = zoo.user_end - PAGE;
		a.value = DRM_NVSVM_MIGRATE_TO_SYSTEM;
		expect(c, "the whole user address space", 0, false);
		if (!c->quiet)
			also(c, -ENOSPC);
		break;
	}
	fz_call(c, FZ_ADVISE, DRM_IOCTL_NVSVM_ADVISE, &a);
}

/* --- raw ioctl numbers --------------------------------------------------- */

/*
 * What the kernel must answer to the argument it sees: the DRM core copies
 * in min(size, its own size) bytes if both sides say IN, and zero-fills the
 * rest. A model of the checks of each ioctl, independent of the code.
 */
static int raw_model(struct call *c, unsigned int nr, const void *kv)
{
	switch (nr) {
	case DRM_NVSVM_GETPARAM: {
		const struct drm_nvsvm_getparam *a = kv;

		if (a->pad)
			return -EINVAL;
		if (a->param == DRM_NVSVM_PARAM_CHIPSET_NAME) {
			if (a->size && !a->ptr)
				return -EINVAL;
			if (a->size && a->size < sizeof(CHIPSET_NAME))
				return -ENOSPC;
			return 0;
		}
		if (a->ptr || a->size)
			return -EINVAL;
		return a->param >= 1 && a->param <= DRM_NVSVM_PARAM_DEVICE_INDEX ?
		       0 : -EINVAL;
	}
	case DRM_NVSVM_SVM_INIT: {
		const struct drm_nvsvm_svm_init *a = kv;

		c->early = a->flags || a->pad;
		return c->early ? -EINVAL : -EBUSY;
	}
	case DRM_NVSVM_CHANNEL_DESTROY: {
		const struct drm_nvsvm_channel_destroy *a = kv;

		c->early = a->pad;
		return c->early ? -EINVAL : -ENOENT;
	}
	case DRM_NVSVM_JOB_SUBMIT: {
		const struct drm_nvsvm_job_submit *a = kv;

		/* Only ever sent cut short: no ops reach the kernel. */
		return !a->op_count || a->flags ? -EINVAL : -EFAULT;
	}
	case DRM_NVSVM_JOB_WAIT: {
		const struct drm_nvsvm_job_wait *a = kv;

		c->early = true;
		if (a->flags || a->timeout_ns > WAIT_MAX_NS || !a->job)
			return -EINVAL;
		if (a->job > UINT32_MAX)
			return -ENOENT;
		c->early = false;
		return -ENOENT;
	}
	case DRM_NVSVM_STATS: {
		const struct drm_nvsvm_stats *a = kv;

		c->early = a->flags & ~DRM_NVSVM_STATS_DEVICE || a->pad;
		return c->early ? -EINVAL : 0;
	}
	case DRM_NVSVM_MIGRATE: {
		const struct drm_nvsvm_migrate *a = kv;

		c->early = a->flags || a->target > 1 || !a->size ||
			   a->size % PAGE || a->size > HUGE_BYTES ||
			   a->addr % PAGE || a->addr + a->size < a->addr ||
			   a->addr + a->size > zoo.user_end;
		return c->early ? -EINVAL : 0;
	}
	case DRM_NVSVM_ADVISE: {
		const struct drm_nvsvm_advise *a = kv;

		c->early = a->flags || a->pad ||
			   !advise_attr_valid(a->attr) ||
			   a->value > advise_max(a->attr) || !a->size || a->size % PAGE ||
			   a->addr % PAGE || a->addr + a->size < a->addr ||
			   a->addr + a->size > zoo.user_end;
		if (!c->early)
			also(c, -ENOSPC);
		return c->early ? -EINVAL : 0;
	}
	}
	return -EINVAL;
}

static const struct {
	unsigned long cmd;
	unsigned int size;
	const char *name;
} raw_ioctls[] = {
	[DRM_NVSVM_GETPARAM] = { DRM_IOCTL_NVSVM_GETPARAM,
		sizeof(struct drm_nvsvm_getparam), "GETPARAM" },
	[DRM_NVSVM_SVM_INIT] = { DRM_IOCTL_NVSVM_SVM_INIT,
		sizeof(struct drm_nvsvm_svm_init), "SVM_INIT" },
	[DRM_NVSVM_CHANNEL_CREATE] = { DRM_IOCTL_NVSVM_CHANNEL_CREATE,
		sizeof(struct drm_nvsvm_channel_create), "CHANNEL_CREATE" },
	[DRM_NVSVM_CHANNEL_DESTROY] = { DRM_IOCTL_NVSVM_CHANNEL_DESTROY,
		sizeof(struct drm_nvsvm_channel_destroy), "CHANNEL_DESTROY" },
	[DRM_NVSVM_JOB_SUBMIT] = { DRM_IOCTL_NVSVM_JOB_SUBMIT,
		sizeof(struct drm_nvsvm_job_submit), "JOB_SUBMIT" },
	[DRM_NVSVM_JOB_WAIT] = { DRM_IOCTL_NVSVM_JOB_WAIT,
		sizeof(struct drm_nvsvm_job_wait), "JOB_WAIT" },
	[DRM_NVSVM_STATS] = { DRM_IOCTL_NVSVM_STATS,
		sizeof(struct drm_nvsvm_stats), "STATS" },
	[DRM_NVSVM_MIGRATE] = { DRM_IOCTL_NVSVM_MIGRATE,
		sizeof(struct drm_nvsvm_migrate), "MIGRATE" },
	[DRM_NVSVM_ADVISE] = { DRM_IOCTL_NVSVM_ADVISE,
		sizeof(struct drm_nvsvm_advise), "ADVISE" },
};

/* A valid argument of ioctl @nr in @buf, its bytes that may be mutated. */
static unsigned int raw_template(struct call *c, unsigned int nr, char *buf,
				 char *name, unsigned int *lo)
{
	uint64_t *p = c->w->scratch;

	switch (nr) {
	case DRM_NVSVM_GETPARAM: {
		struct drm_nvsvm_getparam *a = (void *)buf;

		a->param = 1 + rng_below(&c->r, DRM_NVSVM_PARAM_DEVICE_INDEX);
		if (a->param == DRM_NVSVM_PARAM_CHIPSET_NAME) {
			a->ptr = (uintptr_t)name;
			a->size = 64;
		}
		return 8;	/* param, pad */
	}
	case DRM_NVSVM_SVM_INIT:
		return 8;
	case DRM_NVSVM_CHANNEL_DESTROY: {
		struct drm_nvsvm_channel_destroy *a = (void *)buf;

		/* Never a live handle: the mutations must not destroy one. */
		a->handle = 0x7fff0000 + rng_below(&c->r, 0xffff);
		return 8;	/* no byte makes it a live handle: pad */
	}
	case DRM_NVSVM_JOB_SUBMIT: {
		struct drm_nvsvm_job_submit *a = (void *)buf;

		a->channel = 1;
		a->ops = KERNEL_ADDR;	/* never submits */
		a->op_count = 1;
		a->op_stride = sizeof(struct drm_nvsvm_op);
		return 0;
	}
	case DRM_NVSVM_JOB_WAIT: {
		struct drm_nvsvm_job_wait *a = (void *)buf;

		a->job = 0x7fffff00;
		a->timeout_ns = 1;
		return 24;	/* job, timeout, flags */
	}
	case DRM_NVSVM_STATS:
		return 8;
	case DRM_NVSVM_MIGRATE: {
		struct drm_nvsvm_migrate *a = (void *)buf;

		a->addr = (uintptr_t)p;
		a->size = PAGE;
		a->target = rng_below(&c->r, 2);
		/* target, flags: never the range, others' memory */
		*lo = 16;
		return 24;
	}
	case DRM_NVSVM_ADVISE: {
		struct drm_nvsvm_advise *a = (void *)buf;

		a->addr = (uintptr_t)p;
		a->size = PAGE;
		a->attr = DRM_NVSVM_ADVISE_PREFERRED_LOCATION;
		*lo = 16;
		return 32;	/* attr, value, flags, pad */
	}
	}
	return 0;
}

static void fz_raw(struct call *c)
{
	static const unsigned int dirs[] = {
		_IOC_NONE, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE,
	};
	char *buf = c->w->raw, kv[256], name[64];
	unsigned int nr, size, dir, in, mutable, drv, lo = 0;
	unsigned long cmd;
	int ret;

	pick_file(c, rng_below(&c->r, 2));
	memset(buf, 0, RAW_BYTES);
	switch (rng_below(&c->r, 8)) {
	case 0:
		/* Past the driver's table, or another type of ioctl. */
		if (rng_below(&c->r, 2)) {
			nr = DRM_COMMAND_BASE + ARRAY_SIZE(raw_ioctls) +
			     rng_below(&c->r, DRM_COMMAND_END - DRM_COMMAND_BASE -
				       ARRAY_SIZE(raw_ioctls));
			cmd = _IOC(dirs[rng_below(&c->r, 4)], DRM_IOCTL_BASE, nr,
				   rng_below(&c->r, 256));
			expect(c, "ioctl number past the driver's", -EINVAL, true);
		} else {
			nr = DRM_COMMAND_BASE + rng_below(&c->r, ARRAY_SIZE(raw_ioctls));
			cmd = _IOC(dirs[rng_below(&c->r, 4)],
				   PICK(&c->r, 'D', 'e', 'n', 0),
				   nr, rng_below(&c->r, 256));
			expect(c, "ioctl type not DRM's", -ENOTTY, true);
		}
		fz_call(c, FZ_RAW, cmd, buf);
		return;
	default:
		break;
	}

	/* A driver ioctl with its size or direction wrong. */
	do {
		nr = rng_below(&c->r, ARRAY_SIZE(raw_ioctls));
	} while (nr == DRM_NVSVM_CHANNEL_CREATE);	/* would leak channels */
	drv = raw_ioctls[nr].size;
	memset(name, 0x5a, sizeof(name));
	mutable = raw_template(c, nr, buf, name, &lo);
	if (mutable && rng_below(&c->r, 2))
		buf[lo + rng_below(&c->r, mutable - lo)] = rng_next(&c->r);
	dir = dirs[rng_below(&c->r, 4)];
	size = PICK(&c->r, 0, 4, 8, drv - 8, drv, drv + 8, 128, 129, 4096,
		    RAW_BYTES - 1);
	if (nr == DRM_NVSVM_JOB_SUBMIT && size > 16)
		size = PICK(&c->r, 0, 4, 8, 16);
	else if (nr == DRM_NVSVM_JOB_SUBMIT)
		dir = PICK(&c->r, _IOC_READ, _IOC_WRITE, _IOC_READ | _IOC_WRITE);
	if (nr == DRM_NVSVM_JOB_SUBMIT && !(dir & _IOC_WRITE))
		size = 0;
	cmd = _IOC(dir, DRM_IOCTL_BASE, DRM_COMMAND_BASE + nr, size);
	in = (dir & _IOC_DIR(raw_ioctls[nr].cmd) & _IOC_WRITE) ? size : 0;
	memset(kv, 0, sizeof(kv));
	memcpy(kv, buf, in < drv ? in : drv);
	expect(c, NULL, 0, true);
	c->expect = raw_model(c, nr, kv);
	{
		static __thread char field[96];

		snprintf(field, sizeof(field), "raw %s dir %u size %u",
			 raw_ioctls[nr].name, dir, size);
		c->field = field;
	}
	ret = fz_call(c, FZ_RAW, cmd, buf);
	(void)ret;
}

/* --- chaos: reopen, remap, fork ------------------------------------------ */

/* munmap a buffer jobs use, then mmap something else in its place. */
static void remap_racy(struct call *c)
{
	unsigned int k = rng_below(&c->r, NR_RACY);
	char *p = zoo.racy[k], *q;
	int kind = rng_below(&c->r, 5), prot = PROT_READ | PROT_WRITE;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, fd = -1;

	if (pthread_mutex_trylock(&zoo.racy_lock[k]))
		return;
	munmap(p, RACY_BYTES);
	if (kind == 1)
		prot = PROT_NONE;
	else if (kind == 2)
		prot = PROT_READ;
	else if (kind == 3) {
		flags = MAP_SHARED | MAP_FIXED_NOREPLACE;
		fd = zoo.racy_memfd;
	}
	q = mmap(p, RACY_BYTES, prot, flags, fd, fd < 0 ? 0 : k * RACY_BYTES);
	if (q != p) {
		/* Nothing else maps memory while the threads run. */
		fz_fail(c, FZ_MIGRATE, "remapping buffer %u: %s", k,
			q == MAP_FAILED ? strerror(errno) : "moved");
	} else if (kind == 0 || kind == 3) {
		memset(p, k, RACY_BYTES);
	}
	count(&n_remap);
	pthread_mutex_unlock(&zoo.racy_lock[k]);
}

/*
 * In the child: whatever it tries on the files it inherited is refused
 * with -EBADF, bar GETPARAM and the checks before the file is looked at.
 */
static int child_main(struct call *parent)
{
	struct call c = *parent;
	struct worker *w = c.w;
	struct drm_nvsvm_op op = nvsvm_op_fill(w->priv, PAGE, 0xbad);
	struct drm_nvsvm_getparam gp = { .param = DRM_NVSVM_PARAM_CHIPSET };
	struct drm_nvsvm_svm_init si = { 0 };
	struct drm_nvsvm_channel_create cc = { 0 };
	struct drm_nvsvm_channel_destroy cd = { .handle = 1 };
	struct drm_nvsvm_job_submit js = {
		.channel = 1,
		.ops = (uintptr_t)&op,
		.op_count = 1,
		.op_stride = sizeof(op),
	};
	struct drm_nvsvm_job_wait jw = { .job = 1, .timeout_ns = WAIT_NS };
	struct drm_nvsvm_stats st = { 0 };
	struct drm_nvsvm_migrate mg = {
		.addr = (uintptr_t)w->priv,
		.size = PRIV_BYTES,
		.target = DRM_NVSVM_MIGRATE_TO_VRAM,
	};
	struct drm_nvsvm_advise ad = {
		.addr = (uintptr_t)w->priv,
		.size = PRIV_BYTES,
		.attr = DRM_NVSVM_ADVISE_PREFERRED_LOCATION,
		.value = DRM_NVSVM_MIGRATE_TO_VRAM,
	};
	unsigned int i;

	alarm(120);
	c.child = true;
	for (i = 0; i < 6; i++) {
		struct worker *o = &workers[rng_below(&c.r, nthreads)];

		c.dev = rng_below(&c.r, ndev);
		if (rng_below(&c.r, 2)) {
			c.slot = slots[c.dev];
			c.inc = c.slot->cur;
			c.fd = c.inc->fd;
		} else {
			c.slot = NULL;
			c.fd = o->qfd[c.dev];
		}
		/*
		 * fork() copies the fd table before the memory: a reopen in
		 * between published an fd the child does not have.
		 */
		if (fcntl(c.fd, F_GETFD) < 0)
			continue;
		expect(&c, NULL, 0, false);
		switch (rng_below(&c.r, 12)) {
		case 0:
			expect(&c, "GETPARAM is allowed", 0, true);
			fz_call(&c, FZ_GETPARAM, DRM_IOCTL_NVSVM_GETPARAM, &gp);
			break;
		case 1:
			fz_call(&c, FZ_SVM_INIT, DRM_IOCTL_NVSVM_SVM_INIT, &si);
			break;
		case 2:
			fz_call(&c, FZ_CH_CREATE, DRM_IOCTL_NVSVM_CHANNEL_CREATE,
				&cc);
			break;
		case 3:
			fz_call(&c, FZ_CH_DESTROY, DRM_IOCTL_NVSVM_CHANNEL_DESTROY,
				&cd);
			break;
		case 4:
			fz_call(&c, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &js);
			break;
		case 5:
			js.flags = 1;
			expect(&c, "flags, in a child", -EINVAL, true);
			fz_call(&c, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &js);
			js.flags = 0;
			break;
		case 6:
			fz_call(&c, FZ_WAIT, DRM_IOCTL_NVSVM_JOB_WAIT, &jw);
			break;
		case 7:
			st.flags = rng_below(&c.r, 2);
			fz_call(&c, FZ_STATS, DRM_IOCTL_NVSVM_STATS, &st);
			break;
		case 8:
			fz_call(&c, FZ_MIGRATE, DRM_IOCTL_NVSVM_MIGRATE, &mg);
			break;
		case 9:
			mg.target = 7;
			expect(&c, "target, in a child", -EINVAL, true);
			fz_call(&c, FZ_MIGRATE, DRM_IOCTL_NVSVM_MIGRATE, &mg);
			mg.target = 1;
			break;
		case 10:
			fz_call(&c, FZ_ADVISE, DRM_IOCTL_NVSVM_ADVISE, &ad);
			break;
		default:
			if (zoo.secret_fd < 0)
				break;
			mg.addr = (uintptr_t)w->secret;
			mg.size = PAGE;
			fz_call(&c, FZ_MIGRATE, DRM_IOCTL_NVSVM_MIGRATE, &mg);
			mg.addr = (uintptr_t)w->priv;
			mg.size = PRIV_BYTES;
			break;
		}
		if (c.bad)
			return TOOL_FAIL;
	}

	/* A device the child opens itself is the child's. */
	if (rng_below(&c.r, 3) == 0) {
		uint64_t *buf = w->scratch, sum = 0;
		struct drm_nvsvm_op ops[2];
		uint32_t chan;
		int fd = open(dev_path[c.dev], O_RDWR | O_CLOEXEC), ret;

		ops[0] = nvsvm_op_fill(buf, SCRATCH_BYTES, 0xc41d);
		ops[1] = nvsvm_op_checksum(&sum, buf, SCRATCH_BYTES);
		ret = fd < 0 ? -errno : nvsvm_svm_init(fd);
		if (!ret)
			ret = nvsvm_channel_create(fd, &chan);
		if (!ret)
			ret = nvsvm_run(fd, chan, ops, 2);
		if (ret || buf[SCRATCH_BYTES / 8 - 1] != 0xc41d ||
		    sum != nvsvm_checksum(buf, SCRATCH_BYTES)) {
			c.field = "own file";
			fz_fail(&c, FZ_SUBMIT, "a job on the child's own file: %d",
				ret);
			return TOOL_FAIL;
		}
		close(fd);
	}
	return TOOL_PASS;
}

static void fork_child(struct call *c)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		fz_fail(c, FZ_GETPARAM, "fork: %s", strerror(errno));
		return;
	}
	if (!pid)
		_exit(child_main(c));
	count(&n_fork);
	if (waitpid(pid, &status, 0) != pid) {
		fz_fail(c, FZ_GETPARAM, "waitpid: %s", strerror(errno));
		return;
	}
	__atomic_fetch_add(&n_child_calls, 6, __ATOMIC_RELAXED);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != TOOL_PASS) {
		c->field = "fork child";
		fz_fail(c, FZ_GETPARAM, "the child %s %d (its report above)",
			WIFEXITED(status) ? "exited with" : "died of signal",
			WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
}

/* --- the loop ------------------------------------------------------------ */


static void fuzz_one(struct call *c)
{
	/* Weights, per thousand calls. */
	uint64_t x = rng_below(&c->r, 1000), t0 = now_ns();
	static const unsigned int bounds[] = {
		110, 140, 165, 190, 490, 515, 585, 665, 775, 970, 980, 998, 1000,
	};
	unsigned int a = 0;

	while (x >= bounds[a])
		a++;

	switch (a) {
	case 0:
		fz_getparam(c);
		break;
	case 1:
		fz_svm_init(c);
		break;
	case 2:
		fz_channel_create(c);
		break;
	case 3:
		fz_channel_destroy(c);
		break;
	case 4:
		fz_submit(c);
		break;
	case 5:
		fz_wait(c);
		break;
	case 6:
		fz_stats(c);
		break;
	case 7:
		fz_migrate(c);
		break;
	case 8:
		fz_advise(c);
		break;
	case 9:
		fz_raw(c);
		break;
	case 10:
		slot_reopen(c, slots[rng_below(&c->r, ndev)]);
		break;
	case 11:
		remap_racy(c);
		break;
	default:
		fork_child(c);
		break;
	}
	act_time(a, t0);
}

static struct rng call_rng(uint64_t no)
{
	struct rng r = { seed ^ (no * 0xd1342543de82ef95ull) };

	rng_next(&r);
	return r;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (;;) {
		uint64_t no = __atomic_fetch_add(&next_call, 1, __ATOMIC_RELAXED);
		struct call c = { .w = w, .no = no, .r = call_rng(no) };

		if (no >= ncalls || stop())
			break;
		if (only != UINT64_MAX && no != only)
			continue;
		fuzz_one(&c);
		w->calls++;
	}
	return NULL;
}

/* --- setup --------------------------------------------------------------- */

static void find_devices(void)
{
	unsigned int first = tool_dev_first();
	int n = nvsvm_count_devices() - (int)first;

	if (n <= 0) {
		printf("nvsvm-fuzz: SKIP: no nvsvm device from device %u on\n",
		       first);
		exit(TOOL_SKIP);
	}
	for (int minor = 128; minor < 192 && ndev < (unsigned int)n &&
	     ndev < MAX_DEV; minor++) {
		char path[64];
		uint64_t index;
		int fd;

		snprintf(path, sizeof(path), "/dev/dri/renderD%d", minor);
		fd = nvsvm_open_path(path);
		if (fd < 0)
			continue;
		if (!nvsvm_getparam(fd, DRM_NVSVM_PARAM_DEVICE_INDEX, &index) &&
		    index >= first && index - first < MAX_DEV) {
			index -= first;
			snprintf(dev_path[index], sizeof(dev_path[index]), "%s", path);
			nvsvm_getparam(fd, DRM_NVSVM_PARAM_VRAM_SIZE,
				       &dev_vram[index]);
			ndev++;
		}
		close(fd);
	}
	for (unsigned int i = 0; i < ndev; i++)
		if (!dev_path[i][0])
			tool_fail("nvsvm-fuzz: device %u not found\n", i);
}

static void setup_zoo(void)
{
	int fd;

	/* Swap types in pagemap need CAP_SYS_ADMIN: root in the test VM. */
	zoo.pagemap = geteuid() ? -1 :
		      open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	/* TASK_SIZE: 4-level paging unless a hint above 2^47 is honoured. */
	zoo.user_end = 0x7ffffffff000ull;
	{
		void *p = mmap((void *)(1ull << 50), PAGE, PROT_NONE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
			       -1, 0);

		if (p != MAP_FAILED) {
			munmap(p, PAGE);
			zoo.user_end = 0x00fffffffffff000ull;
		}
	}

	zoo.pnone = map_anon(16 * PAGE, PROT_NONE);
	zoo.ronly = map_anon(16 * PAGE, PROT_READ | PROT_WRITE);
	for (unsigned int i = 0; i < 16 * PAGE / 8; i++)
		((uint64_t *)zoo.ronly)[i] = 0x40000000ull + i;
	mprotect(zoo.ronly, 16 * PAGE, PROT_READ);
	zoo.huge = map(NULL, HUGE_BYTES, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1);

	fd = memfd_create("nvsvm-fuzz-pastend", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, PAGE))
		tool_fail("nvsvm-fuzz: memfd: %s\n", strerror(errno));
	zoo.pastend = map(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
	zoo.pastend[0] = 1;
	close(fd);

	zoo.racy_memfd = memfd_create("nvsvm-fuzz-racy", MFD_CLOEXEC);
	if (zoo.racy_memfd < 0 ||
	    ftruncate(zoo.racy_memfd, NR_RACY * RACY_BYTES))
		tool_fail("nvsvm-fuzz: memfd: %s\n", strerror(errno));
	for (unsigned int k = 0; k < NR_RACY; k++) {
		zoo.racy[k] = map_anon(RACY_BYTES, PROT_READ | PROT_WRITE);
		memset(zoo.racy[k], k, RACY_BYTES);
		pthread_mutex_init(&zoo.racy_lock[k], NULL);
	}

	zoo.secret_fd = syscall(SYS_memfd_secret, O_CLOEXEC);
	if (zoo.secret_fd >= 0 &&
	    ftruncate(zoo.secret_fd, MAX_THREADS * SECRET_PAGES * PAGE)) {
		close(zoo.secret_fd);
		zoo.secret_fd = -1;
	}
	if (zoo.secret_fd < 0)
		printf("nvsvm-fuzz: memfd_secret unavailable (%s): its cases skipped\n",
		       strerror(errno));

	/* The render node has nothing to mmap; if it had, it is VM_PFNMAP. */
	fd = open(dev_path[0], O_RDWR | O_CLOEXEC);
	zoo.devmap = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	printf("nvsvm-fuzz: mmap of the render node: %s\n",
	       zoo.devmap == MAP_FAILED ? strerror(errno) : "mapped");
	if (zoo.devmap == MAP_FAILED)
		zoo.devmap = NULL;
	close(fd);
}

static void setup_worker(struct worker *w, unsigned int id)
{
	char *p;
	int ret;

	w->id = id;
	/* priv, then the secret pages right after it. */
	p = map_anon(PRIV_BYTES + SECRET_PAGES * PAGE, PROT_READ | PROT_WRITE);
	w->priv = (uint64_t *)p;
	w->secret = p + PRIV_BYTES;
	if (zoo.secret_fd < 0) {
		mprotect(w->secret, SECRET_PAGES * PAGE, PROT_NONE);
	} else {
		/* Each thread its own pages of the memfd_secret. */
		if (mmap(w->secret, SECRET_PAGES * PAGE, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_FIXED, zoo.secret_fd,
			 id * SECRET_PAGES * PAGE) != w->secret)
			tool_fail("nvsvm-fuzz: memfd_secret mmap: %s\n",
				  strerror(errno));
		memset(w->secret, 0x53, SECRET_PAGES * PAGE);
	}
	w->shadow = malloc(PRIV_BYTES);
	if (!w->shadow)
		tool_fail("nvsvm-fuzz: out of memory\n");
	for (uint64_t i = 0; i < PRIV_WORDS; i++)
		w->priv[i] = w->shadow[i] = (uint64_t)id << 48 | i;
	w->scratch = map_anon(SCRATCH_BYTES, PROT_READ | PROT_WRITE);
	memset(w->scratch, 0, SCRATCH_BYTES);
	w->ops = map_anon(OPS_BYTES + PAGE, PROT_READ | PROT_WRITE);
	mprotect(w->ops + OPS_BYTES, PAGE, PROT_NONE);
	w->raw = map_anon(RAW_BYTES, PROT_READ | PROT_WRITE);

	for (unsigned int d = 0; d < ndev; d++) {
		w->qfd[d] = open(dev_path[d], O_RDWR | O_CLOEXEC);
		if (w->qfd[d] < 0)
			tool_fail("nvsvm-fuzz: open %s: %s\n", dev_path[d],
				  strerror(errno));
		ret = nvsvm_svm_init(w->qfd[d]);
		if (!ret)
			ret = nvsvm_channel_create(w->qfd[d], &w->qchan[d]);
		if (ret)
			tool_fail("nvsvm-fuzz: quiet file: %d\n", ret);
	}
}

/*
 * The limits, once, before the threads: NVSVM_MAX_CHANNELS channels,
 * NVSVM_MAX_JOBS jobs not waited for, DRM_NVSVM_ADVISE_MAX_RANGES ranges.
 */
static void limits(void)
{
	struct worker *w = &workers[0];
	struct call c = { .w = w, .no = UINT64_MAX, .r = call_rng(~0ull) };
	struct drm_nvsvm_op op = nvsvm_op_atomic_add(w->scratch, 8, 1);
	struct drm_nvsvm_job_submit js = {
		.ops = (uintptr_t)&op,
		.op_count = 1,
		.op_stride = sizeof(op),
	};
	struct drm_nvsvm_channel_create cc = { 0 };
	struct drm_nvsvm_advise ad = {
		.size = PAGE,
		.attr = DRM_NVSVM_ADVISE_PREFERRED_LOCATION,
		.value = DRM_NVSVM_MIGRATE_TO_VRAM,
	};
	unsigned int i;

	c.fd = open(dev_path[0], O_RDWR | O_CLOEXEC);
	if (c.fd < 0 || nvsvm_svm_init(c.fd))
		tool_fail("nvsvm-fuzz: limits: open\n");
	expect(&c, "limit: channels", 0, false);
	for (i = 0; i < NVSVM_MAX_CHANNELS && !c.bad; i++)
		fz_call(&c, FZ_CH_CREATE, DRM_IOCTL_NVSVM_CHANNEL_CREATE, &cc);
	expect(&c, "limit: one channel too many", -ENOSPC, false);
	fz_call(&c, FZ_CH_CREATE, DRM_IOCTL_NVSVM_CHANNEL_CREATE, &cc);

	js.channel = 1;
	expect(&c, "limit: jobs not waited for", 0, false);
	for (i = 0; i < NVSVM_MAX_JOBS && !c.bad; i++)
		fz_call(&c, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &js);
	expect(&c, "limit: one job too many", -EBUSY, false);
	fz_call(&c, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &js);
	if (!c.bad && wait_job(&c, 1, "limit: wait for one") == 0) {
		expect(&c, "limit: room for one job", 0, false);
		fz_call(&c, FZ_SUBMIT, DRM_IOCTL_NVSVM_JOB_SUBMIT, &js);
	}

	expect(&c, "limit: advised ranges", 0, false);
	for (i = 0; i < DRM_NVSVM_ADVISE_MAX_RANGES && !c.bad; i++) {
		ad.addr = (uintptr_t)zoo.huge + 2 * i * PAGE;
		fz_call(&c, FZ_ADVISE, DRM_IOCTL_NVSVM_ADVISE, &ad);
	}
	ad.addr = (uintptr_t)zoo.huge + 2 * i * PAGE;
	expect(&c, "limit: one advised range too many", -ENOSPC, false);
	fz_call(&c, FZ_ADVISE, DRM_IOCTL_NVSVM_ADVISE, &ad);
	/* Closed with its channels full of jobs. */
	close(c.fd);
}

/* A verified job on every device: they still work. */
static bool devices_work(void)
{
	size_t len = 64 * PAGE;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE), sum = 0;
	bool ok = true;

	for (unsigned int d = 0; d < ndev; d++) {
		uint64_t value = 0xf00d0000ull + d;
		struct drm_nvsvm_op ops[2] = {
			nvsvm_op_fill(buf, len, value),
			nvsvm_op_checksum(&sum, buf, len),
		};
		uint32_t chan;
		int fd = open(dev_path[d], O_RDWR | O_CLOEXEC), ret;

		ret = fd < 0 ? -errno : nvsvm_svm_init(fd);
		if (!ret)
			ret = nvsvm_channel_create(fd, &chan);
		if (!ret)
			ret = nvsvm_run(fd, chan, ops, 2);
		for (size_t i = 0; !ret && i < len / 8; i++)
			if (buf[i] != value)
				ret = -EIO;
		if (!ret && sum != nvsvm_checksum(buf, len))
			ret = -EILSEQ;
		if (ret) {
			fprintf(stderr, "nvsvm-fuzz: FAIL seed=0x%" PRIx64
				": device %u does not work after the run: %d\n",
				seed, d, ret);
			ok = false;
		}
		if (fd >= 0)
			close(fd);
	}
	munmap(buf, len);
	return ok;
}

static void report(double secs)
{
	uint64_t total = 0;

	printf("nvsvm-fuzz: calls by ioctl and result:\n");
	for (unsigned int i = 0; i < FZ_NR; i++) {
		uint64_t n = 0;
		char line[2048] = "";
		int len = 0;

		for (unsigned int e = 0; e <= NERR; e++) {
			char b[32];

			if (!hist[i][e])
				continue;
			n += hist[i][e];
			len += snprintf(line + len, sizeof(line) - len, " %s:%" PRIu64,
					e == NERR ? "other" : res_name(-(int)e, b, sizeof(b)),
					hist[i][e]);
		}
		total += n;
		printf("  %-16s %8" PRIu64 " %7.2f s %s\n", ioc_names[i], n,
		       hist_ns[i] / 1e9, line);
	}
	printf("nvsvm-fuzz: time by action (thread time):");
	for (unsigned int a = 0; a < ARRAY_SIZE(act_names); a++)
		printf(" %s %" PRIu64 "/%.1fs", act_names[a], act_n[a],
		       act_ns[a] / 1e9);
	printf("\n");
	printf("nvsvm-fuzz: %" PRIu64 " ioctls (%" PRIu64 " fuzz calls) in %.1f s,"
	       " %.0f ioctls/s; %" PRIu64 " jobs and %" PRIu64
	       " words checked; %" PRIu64 " reopens, %" PRIu64 " remaps, %"
	       PRIu64 " forks, %" PRIu64 " calls lost to a racing close, %"
	       PRIu64 " MIGRATE checks skipped (other pages moved)\n",
	       total, ncalls, secs, total / (secs > 0 ? secs : 1), n_jobs_checked,
	       n_words_checked, n_reopen, n_remap, n_fork, n_raced,
	       n_moved_by_others);
}

int main(void)
{
	static char msg[8192];
	uint64_t start;
	int kmsg;

	setvbuf(stdout, NULL, _IOLBF, 0);
	seed = tool_seed("FUZZ_SEED");
	ncalls = tool_env("FUZZ_N", 100000);
	nthreads = tool_env("FUZZ_THREADS", 4);
	only = tool_env("FUZZ_ONLY", UINT64_MAX);
	verbose = tool_env("FUZZ_VERBOSE", 0);
	if (nthreads < 1 || nthreads > MAX_THREADS)
		nthreads = 4;
	printf("nvsvm-fuzz: FUZZ_SEED=0x%" PRIx64 " FUZZ_N=%" PRIu64
	       " FUZZ_THREADS=%u\n", seed, ncalls, nthreads);

	kmsg = kmsg_mark();
	start = now_ns();
	find_devices();
	printf("nvsvm-fuzz: %u device(s)\n", ndev);
	{
		struct rlimit rl;

		/* The shared files live at FD_BASE..FD_BASE + FD_SPREAD. */
		if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	setup_zoo();
	for (unsigned int d = 0; d < ndev; d++) {
		struct slot *s = calloc(1, sizeof(*s));

		if (!s)
			tool_fail("nvsvm-fuzz: out of memory\n");
		s->dev = d;
		pthread_mutex_init(&s->lock, NULL);
		if (shared_open(s, &s->inc[0], d * 100))
			tool_fail("nvsvm-fuzz: cannot open device %u\n", d);
		s->cur = &s->inc[0];
		slots[d] = s;
	}
	for (unsigned int i = 0; i < nthreads; i++)
		setup_worker(&workers[i], i);
	if (only == UINT64_MAX)
		limits();
	printf("nvsvm-fuzz: setup and limits: %.1f s\n", (now_ns() - start) / 1e9);

	for (unsigned int i = 0; i < nthreads; i++)
		if (pthread_create(&workers[i].thread, NULL, worker_main,
				   &workers[i]))
			tool_fail("nvsvm-fuzz: pthread_create\n");
	for (unsigned int i = 0; i < nthreads; i++)
		pthread_join(workers[i].thread, NULL);

	if (!devices_work())
		failures++;
	report((now_ns() - start) / 1e9);
	if (kmsg_report(kmsg, msg, sizeof(msg))) {
		fprintf(stderr, "nvsvm-fuzz: FAIL seed=0x%" PRIx64
			": kernel report: %s\n", seed, msg);
		failures++;
	}
	if (failures) {
		printf("nvsvm-fuzz: FAIL (%d failures) seed=0x%" PRIx64 "\n",
		       failures, seed);
		return TOOL_FAIL;
	}
	printf("nvsvm-fuzz: PASS seed=0x%" PRIx64 "\n", seed);
	return TOOL_PASS;
}
