// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The nvsvm authors
 *
 * nvsvm-stress: a shadow-checked, multi-process stress of nvsvm.
 *
 * Several processes, each with a few threads, work on their own memory with
 * everything that can move, remap or rewrite it: CPU reads and writes, GPU
 * jobs of every operation on either device, MIGRATE both ways, prefetch and
 * ADVISE, munmap and mmap, mprotect, MADV_DONTNEED, mremap, fork with a
 * child writing its copy, SIGKILL of a helper in the middle of its ioctls,
 * and files closed and reopened. The working sets of all processes
 * together are larger than the VRAM of both devices, so VRAM is evicted.
 *
 * Every thread owns a range of its process's memory that nothing else
 * writes, and keeps a model of it: word i of page p must be
 * model[p].a + model[p].b * i. Every operation the tool uses maps such a
 * pattern onto another (fill: b = 0; copy: the source's; atomic add: a
 * grows by the exact sum of the addends; triad: the same affine combination
 * of a and of b; munmap, MADV_DONTNEED: 0), so the model stays exact with
 * 16 bytes a page. After every operation that defines data, the range it
 * touched is checked by the CPU and by a GPU checksum on a random device,
 * in random order. The emulated GPU translates every word and is slow, so
 * data operations take short ranges; migrations take long ones, up to the
 * whole region, and are followed by a GPU check of a window of them (and
 * now and then a CPU check of all of it). GPU atomics stay in the last
 * pages of each region, which have no huge pages (see zone_nohuge()).
 * At the end, each thread checks its whole region by the CPU.
 *
 * Usage: build/tools/nvsvm-stress    (in the test VM, as root)
 *
 * Environment:
 *   STRESS_S        run time in seconds, setup and final checks included
 *                   (600); the run ends within STRESS_S + 30 s
 *   STRESS_SEED     seed, decimal or 0x hex (default: from the clock);
 *                   printed at the start
 *   STRESS_PROCS    worker processes (4)
 *   STRESS_THREADS  threads per process (2)
 *   STRESS_MB       memory of each process in MiB (0, the default: enough
 *                   for the processes to hold 1.25 times the VRAM of all
 *                   devices together)
 *   STRESS_OPS      comma-separated operation names to run, e.g.
 *                   "gpu-copy,migrate-vram" (default: all)
 *   STRESS_MUTANT   "skip_invalidate": set the module's
 *                   debug_skip_invalidate for the run, to show that the
 *                   tool catches stale GPU mappings (the run must fail)
 *   STRESS_VERBOSE  1: print every operation
 *   NVSVM_TOOL_DEV  the first device to use (0), and the next one
 *
 * Exit status: 0 passed, 1 failed (a mismatch, an unexpected error, a hang
 * or a kernel report since the start), 77 skipped (no nvsvm device).
 *
 * A failure prints the seed, the process and thread, the operation and the
 * few before it, and the first wrong word: its address, the value the
 * model expects and the one the CPU or the GPU saw. To replay, run again
 * with the same STRESS_SEED, STRESS_PROCS, STRESS_THREADS, STRESS_MB and
 * STRESS_OPS: every thread runs the same sequence of operations on the
 * same ranges with the same values again, but the interleaving of threads
 * and processes is not reproducible. STRESS_PROCS=1 STRESS_THREADS=1 and
 * STRESS_OPS narrowed to the operations of the report often help.
 */
#define _GNU_SOURCE

#include <dirent.h>
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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nvsvm.h"
#include "nvsvm-tools.h"

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP	4
#endif

#define PAGE_SZ		4096ul
#define PAGE_WORDS	(PAGE_SZ / 8)
#define SZ_2M		(2ul << 20)
#define SEC_NS		1000000000ull

#define MAX_PROCS	16
#define MAX_THREADS	8
#define MAX_DEVS	2
/* Largest region of one thread: one GPU operation covers it. */
#define MAX_THREAD_PAGES	(NVSVM_OP_MAX_LEN / PAGE_SZ)

/* Operations remembered for a failure report, and their length. */
#define HIST		6
#define HIST_LEN	200

/*
 * A job that takes longer has hung: even under TCG with every worker
 * busy, the largest job of the tool takes a few seconds.
 */
#define JOB_TIMEOUT_NS	(40 * SEC_NS)
/* After STRESS_S, how long the parent waits before it kills the workers. */
#define GRACE_S		25

#define POISON		0x5a5a5a5a5a5a5a5aull

/* Functions, not macros: some arguments are random draws. */
static inline uint64_t MIN(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t MAX(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* The operations: name and weight of the random choice. */
#define STRESS_OPS(X) \
	X(CPU_WRITE,	"cpu-write",	10) \
	X(CPU_READ,	"cpu-read",	4) \
	X(GPU_FILL,	"gpu-fill",	8) \
	X(GPU_COPY,	"gpu-copy",	8) \
	X(GPU_CHECKSUM,	"gpu-checksum",	4) \
	X(GPU_ATOMIC,	"gpu-atomic",	8) \
	X(GPU_TRIAD,	"gpu-triad",	8) \
	X(MIGRATE_VRAM,	"migrate-vram",	14) \
	X(MIGRATE_SYS,	"migrate-sys",	4) \
	X(PREFETCH,	"prefetch",	6) \
	X(ADVISE,	"advise",	4) \
	X(REMAP,	"munmap-mmap",	4) \
	X(MPROTECT,	"mprotect",	4) \
	X(DONTNEED,	"dontneed",	3) \
	X(MREMAP,	"mremap",	3) \
	X(FORK,		"fork",		2) \
	X(KILL,		"kill",		2) \
	X(REOPEN,	"reopen",	2)

#define OP_ENUM(id, name, weight)	OP_##id,
enum op_kind { STRESS_OPS(OP_ENUM) NR_OPS };

#define OP_NAME(id, name, weight)	name,
static const char *const op_names[NR_OPS] = { STRESS_OPS(OP_NAME) };

#define OP_WEIGHT(id, name, weight)	weight,
static unsigned int op_weights[NR_OPS] = { STRESS_OPS(OP_WEIGHT) };

/*
 * What each thread reports, in memory shared by every process of the run:
 * the parent sums the counters, and names the operation of a thread that
 * hangs.
 */
struct tstat {
	uint64_t ops[NR_OPS];
	uint64_t ns[NR_OPS];
	uint64_t cpu_words;
	uint64_t gpu_words;
	uint64_t mismatches;
	uint64_t op_start_ns;
	unsigned int hist_pos;
	char cur[HIST_LEN];
	char hist[HIST][HIST_LEN];
};

struct shared {
	int failed;
	struct tstat t[MAX_PROCS][MAX_THREADS];
};

/* The run's parameters, set before the workers are forked. */
static struct {
	uint64_t seed;
	uint64_t secs;
	unsigned int procs;
	unsigned int threads;
	unsigned int ndev;
	unsigned int dev_first;	/* device index of our device 0 */
	uint64_t mb;
	uint64_t start_ns;
	uint64_t ops_end_ns;	/* no operation starts after this */
	bool verbose;
	const char *ops_env;
	struct shared *shared;
} cfg;

/* Word i of a page is a + b * i. */
struct pat {
	uint64_t a;
	uint64_t b;
};

struct worker {
	unsigned int proc;
	unsigned int thread;
	pid_t child;		/* nonzero in a fork child or kill helper */
	struct rng rng;
	struct tstat *st;
	uint64_t seq;

	int fd[MAX_DEVS];
	uint32_t chan[MAX_DEVS];

	uint64_t *base;		/* the region this thread owns */
	size_t npages;
	size_t atomic_start;	/* the atomic zone: pages from here on */
	struct pat *model;
	struct pat *tmp;	/* model of data that mremap moved away */
	uint64_t *scratch;	/* the GPU's view of a range, on a mismatch */
	uint64_t *sums;		/* checksum results, one per operation */
	uint64_t *orphan_sum;	/* result of a job left running at close */
	uint64_t *spare;	/* where mremap moves a range, PROT_NONE */
	uint64_t *spare_hole;	/* the part of @spare mremap took, or NULL */
	size_t spare_hole_len;
};

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static inline uint64_t *page_addr(struct worker *w, size_t p)
{
	return w->base + p * PAGE_WORDS;
}

static inline uint64_t pat_word(const struct pat *m, size_t i)
{
	return m->a + m->b * i;
}

/* --- reports ------------------------------------------------------------- */

static void who(const struct worker *w, char *buf, size_t size)
{
	if (w->child)
		snprintf(buf, size, "process %u thread %u, in its child %d",
			 w->proc, w->thread, (int)w->child);
	else
		snprintf(buf, size, "process %u thread %u", w->proc, w->thread);
}

/*
 * Say what went wrong, with the operation, the ones before it and how to
 * replay, in one write so that reports of two processes do not mix; then
 * end the process. The parent sees the status and stops the others.
 */
static void __attribute__((noreturn, format(printf, 2, 3)))
worker_fail(struct worker *w, const char *fmt, ...)
{
	static char buf[16384];
	struct tstat *st = w->st;
	char name[96];
	size_t len = 0;
	va_list ap;

	pthread_mutex_lock(&print_lock);
	who(w, name, sizeof(name));
	len += snprintf(buf + len, sizeof(buf) - len,
			"nvsvm-stress: FAIL: seed %#" PRIx64 ", %s, %.1f s into the run\n"
			"  operation (for %.2f s): %s\n  ", cfg.seed, name,
			(now_ns() - cfg.start_ns) / 1e9,
			st->op_start_ns ? (now_ns() - st->op_start_ns) / 1e9 : 0.0,
			st->cur);
	va_start(ap, fmt);
	len += vsnprintf(buf + len, sizeof(buf) - len, fmt, ap);
	va_end(ap);
	len = MIN(len, sizeof(buf) - 1);
	len += snprintf(buf + len, sizeof(buf) - len,
			"\n  previous operations of this thread, oldest first:\n");
	for (unsigned int i = 0; i < HIST && len < sizeof(buf); i++) {
		const char *h = st->hist[(st->hist_pos + i) % HIST];

		if (*h)
			len += snprintf(buf + len, sizeof(buf) - len,
					"    %s\n", h);
	}
	if (len < sizeof(buf))
		len += snprintf(buf + len, sizeof(buf) - len,
				"  replay: STRESS_SEED=%#" PRIx64
				" STRESS_PROCS=%u STRESS_THREADS=%u STRESS_MB=%" PRIu64
				"%s%s (same operations per thread; the interleaving differs)\n",
				cfg.seed, cfg.procs, cfg.threads, cfg.mb,
				cfg.ops_env ? " STRESS_OPS=" : "",
				cfg.ops_env ? cfg.ops_env : "");
	len = MIN(len, sizeof(buf) - 1);
	if (write(2, buf, len) < 0)
		len = 0;
	__atomic_store_n(&cfg.shared->failed, 1, __ATOMIC_SEQ_CST);
	_exit(TOOL_FAIL);
}

/* Start an operation: remember it, for a report and for the parent. */
static void __attribute__((format(printf, 3, 4)))
op_begin(struct worker *w, enum op_kind kind, const char *fmt, ...)
{
	struct tstat *st = w->st;
	size_t len;
	va_list ap;

	if (st->cur[0]) {
		memcpy(st->hist[st->hist_pos], st->cur, HIST_LEN);
		st->hist_pos = (st->hist_pos + 1) % HIST;
	}
	len = snprintf(st->cur, HIST_LEN, "#%" PRIu64 " %s ", ++w->seq,
		       op_names[kind]);
	va_start(ap, fmt);
	vsnprintf(st->cur + len, HIST_LEN - MIN(len, HIST_LEN), fmt, ap);
	va_end(ap);
	st->op_start_ns = now_ns();
	if (cfg.verbose)
		fprintf(stderr, "[%u.%u] %s\n", w->proc, w->thread, st->cur);
}

static void op_end(struct worker *w, enum op_kind kind)
{
	w->st->ops[kind]++;
	w->st->ns[kind] += now_ns() - w->st->op_start_ns;
	w->st->op_start_ns = 0;
}

/* Add to the current operation's description what it found out. */
static void __attribute__((format(printf, 2, 3)))
op_note(struct worker *w, const char *fmt, ...)
{
	size_t len = strlen(w->st->cur);
	va_list ap;

	if (len >= HIST_LEN - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(w->st->cur + len, HIST_LEN - len, fmt, ap);
	va_end(ap);
}

/* --- GPU ------------------------------------------------------------------ */

static int gpu_open_dev(struct worker *w, unsigned int dev)
{
	int fd = nvsvm_open_index(cfg.dev_first + dev), ret;

	if (fd < 0)
		worker_fail(w, "open device %u: %s", cfg.dev_first + dev,
			    nvsvm_strerror(fd));
	ret = nvsvm_svm_init(fd);
	if (ret)
		worker_fail(w, "device %u: SVM_INIT: %s", dev,
			    nvsvm_strerror(ret));
	ret = nvsvm_channel_create(fd, &w->chan[dev]);
	if (ret)
		worker_fail(w, "device %u: CHANNEL_CREATE: %s", dev,
			    nvsvm_strerror(ret));
	w->fd[dev] = fd;
	return fd;
}

static uint64_t job_submit(struct worker *w, unsigned int dev,
			   const struct drm_nvsvm_op *ops, unsigned int n)
{
	uint64_t job;
	int ret = nvsvm_job_submit(w->fd[dev], w->chan[dev], ops, n, &job);

	if (ret) {
		char desc[1024];
		size_t len = 0;

		for (unsigned int k = 0; k < n && len < sizeof(desc) - 1; k++)
			len += snprintf(desc + len, sizeof(desc) - len,
					"\n    op %u: opcode %u flags %u dst %#llx src0 %#llx src1 %#llx len %#llx imm %#llx",
					k, ops[k].opcode, ops[k].flags,
					(unsigned long long)ops[k].dst,
					(unsigned long long)ops[k].src0,
					(unsigned long long)ops[k].src1,
					(unsigned long long)ops[k].len,
					(unsigned long long)ops[k].imm);
		worker_fail(w, "device %u: JOB_SUBMIT of %u operations on fd %d channel %u: %s%s",
			    dev, n, w->fd[dev], w->chan[dev],
			    nvsvm_strerror(ret), desc);
	}
	return job;
}

/*
 * Print the kernel stack of every task that is in nvsvm or HMM code: the
 * fault workers, the migrations, the ioctls. Guest kernels without sysrq
 * have no other way to show them.
 */
static void print_driver_stacks(void)
{
	DIR *procs = opendir("/proc"), *tasks;
	struct dirent *p, *t;
	char path[96], stack[4096], comm[32];

	if (!procs)
		return;
	while ((p = readdir(procs))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/task", p->d_name);
		tasks = opendir(path);
		if (!tasks)
			continue;
		while ((t = readdir(tasks))) {
			ssize_t n;
			int fd;

			if (t->d_name[0] < '0' || t->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%.16s/task/%.16s/stack",
				 p->d_name, t->d_name);
			fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			n = read(fd, stack, sizeof(stack) - 1);
			close(fd);
			if (n <= 0)
				continue;
			stack[n] = 0;
			if (!strstr(stack, "nvsvm") && !strstr(stack, "hmm_") &&
			    !strstr(stack, "migrate"))
				continue;
			snprintf(path, sizeof(path), "/proc/%.16s/task/%.16s/comm",
				 p->d_name, t->d_name);
			fd = open(path, O_RDONLY);
			n = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : 0;
			if (fd >= 0)
				close(fd);
			comm[n > 0 ? n - 1 : 0] = 0;
			fprintf(stderr, "  task %s (%s):\n%s", t->d_name, comm,
				stack);
		}
		closedir(tasks);
	}
	closedir(procs);
}

/*
 * A job that does not complete has hung. Say whether the driver still
 * works for it (its file's faults and migrations grow: a livelock) or not
 * (a deadlock), and have the kernel log the blocked tasks.
 */
static void __attribute__((noreturn))
job_hung(struct worker *w, unsigned int dev, uint64_t job)
{
	struct drm_nvsvm_stats f0 = { 0 }, f1 = { 0 }, d0 = { 0 }, d1 = { 0 };
	int ret, status = 0, fd;

	nvsvm_stats(w->fd[dev], 0, &f0);
	nvsvm_stats(w->fd[dev], DRM_NVSVM_STATS_DEVICE, &d0);
	fprintf(stderr, "nvsvm-stress: device %u: job %" PRIu64 " not done after %llu s; the driver's tasks:\n",
		dev, job, JOB_TIMEOUT_NS / SEC_NS);
	print_driver_stacks();
	ret = nvsvm_job_wait(w->fd[dev], job, 5 * SEC_NS, &status);
	nvsvm_stats(w->fd[dev], 0, &f1);
	nvsvm_stats(w->fd[dev], DRM_NVSVM_STATS_DEVICE, &d1);
	/* Best effort: the blocked tasks' stacks, in the kernel log. */
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (fd >= 0) {
		ssize_t __attribute__((unused)) n = write(fd, "w", 1);

		close(fd);
	}
#define F(f)	((unsigned long long)(f1.f - f0.f))
#define D(f)	((unsigned long long)(d1.f - d0.f))
	worker_fail(w, "device %u: job %" PRIu64 " hung: not done after %llu s%s\n"
		    "  in 5 more seconds, its file: %llu GPU faults, %llu replays, %llu cancels, %llu pages mapped, %llu to VRAM, %llu to system, %llu invalidations;\n"
		    "  the device: %llu pages to VRAM, %llu to system, %llu evicted, %llu in VRAM now (blocked tasks: above, and sysrq-w in dmesg if the kernel has it)",
		    dev, job, JOB_TIMEOUT_NS / SEC_NS,
		    ret ? "" : ", done 5 s later",
		    F(faults), F(replays), F(cancels), F(pages_mapped),
		    F(migrated_to_vram), F(migrated_to_sys), F(invalidations),
		    D(migrated_to_vram), D(migrated_to_sys), D(evictions),
		    (unsigned long long)d1.vram_in_use >> 12);
#undef F
#undef D
}

/* The job's status. */
static int job_wait(struct worker *w, unsigned int dev, uint64_t job)
{
	int ret, status = 0;

	ret = nvsvm_job_wait(w->fd[dev], job, JOB_TIMEOUT_NS, &status);
	if (ret == -ETIME)
		job_hung(w, dev, job);
	if (ret)
		worker_fail(w, "device %u: JOB_WAIT: %s", dev,
			    nvsvm_strerror(ret));
	return status;
}

static int job_run(struct worker *w, unsigned int dev,
		   const struct drm_nvsvm_op *ops, unsigned int n)
{
	return job_wait(w, dev, job_submit(w, dev, ops, n));
}

static void job_ok(struct worker *w, unsigned int dev,
		   const struct drm_nvsvm_op *ops, unsigned int n)
{
	int status = job_run(w, dev, ops, n);

	if (status)
		worker_fail(w, "device %u: job of %u operations failed: %s",
			    dev, n, nvsvm_strerror(status));
}

static unsigned int pick_dev(struct worker *w)
{
	return rng_below(&w->rng, cfg.ndev);
}

static void migrate(struct worker *w, unsigned int dev, uint64_t *addr,
		    size_t n, uint32_t target)
{
	uint64_t migrated = 0, skipped = 0;
	int ret;

	ret = nvsvm_migrate(w->fd[dev], addr, n * PAGE_SZ, target, &migrated,
			    &skipped);
	if (ret)
		worker_fail(w, "device %u: MIGRATE %p + %zu pages to %s: %s",
			    dev, (void *)addr, n,
			    target ? "VRAM" : "system", nvsvm_strerror(ret));
	/* Every page of the range either moved or was skipped. */
	if (migrated + skipped != n)
		worker_fail(w, "device %u: MIGRATE of %zu pages reports %" PRIu64
			    " migrated + %" PRIu64 " skipped",
			    dev, n, migrated, skipped);
	op_note(w, " [%s dev%u: %" PRIu64 " moved]", target ? "vram" : "sys",
		dev, migrated);
}

/* --- checks --------------------------------------------------------------- */

static uint64_t model_checksum(const struct pat *m, size_t n)
{
	uint64_t h = NVSVM_CHECKSUM_BASIS;

	for (size_t p = 0; p < n; p++)
		for (size_t i = 0; i < PAGE_WORDS; i++)
			h = (h ^ pat_word(&m[p], i)) * NVSVM_CHECKSUM_PRIME;
	return h;
}

/*
 * Report a range whose words, as @view holds them (the CPU's own view, or
 * the GPU's copied out), differ from the model. @addr is where they live.
 */
static void __attribute__((noreturn))
mismatch(struct worker *w, const char *seen_by, const uint64_t *addr,
	 const uint64_t *view, const struct pat *m, size_t n, const char *extra)
{
	size_t bad = 0, first = SIZE_MAX;
	uint64_t first_val = 0;

	for (size_t j = 0; j < n * PAGE_WORDS; j++) {
		uint64_t v = view[j];

		if (v != pat_word(&m[j / PAGE_WORDS], j % PAGE_WORDS)) {
			if (!bad++) {
				first = j;
				first_val = v;
			}
		}
	}
	w->st->mismatches += bad ? bad : 1;
	if (!bad)
		worker_fail(w, "%s: %s, but every word of the %zu pages at %p is right when read again",
			    seen_by, extra, n, (void *)addr);
	worker_fail(w, "%s: %zu of %zu words wrong%s%s\n"
		    "  first wrong word: %p (page %zu word %zu of the range at %p)\n"
		    "    expected %#018" PRIx64 ", actual %#018" PRIx64
		    " (page pattern a=%#" PRIx64 " b=%#" PRIx64 ")",
		    seen_by, bad, n * PAGE_WORDS, extra ? "; " : "",
		    extra ? extra : "", (void *)&addr[first],
		    first / PAGE_WORDS, first % PAGE_WORDS, (void *)addr,
		    pat_word(&m[first / PAGE_WORDS], first % PAGE_WORDS),
		    first_val, m[first / PAGE_WORDS].a,
		    m[first / PAGE_WORDS].b);
}

static void cpu_check(struct worker *w, const uint64_t *addr,
		      const struct pat *m, size_t n)
{
	for (size_t p = 0; p < n; p++) {
		const uint64_t *page = addr + p * PAGE_WORDS;

		for (size_t i = 0; i < PAGE_WORDS; i++)
			if (page[i] != pat_word(&m[p], i))
				mismatch(w, "CPU read", addr, addr, m, n, NULL);
	}
	w->st->cpu_words += n * PAGE_WORDS;
}

/*
 * A checksum of each of up to 64 chunks of the range, in one job. On a
 * wrong checksum, the GPU copies the chunk out, so that the report names
 * the first word the GPU sees wrong.
 */
static void gpu_check(struct worker *w, unsigned int dev, uint64_t *addr,
		      const struct pat *m, size_t n)
{
	struct drm_nvsvm_op ops[NVSVM_JOB_MAX_OPS] = { { 0 } };
	size_t per = (n + NVSVM_JOB_MAX_OPS - 1) / NVSVM_JOB_MAX_OPS;
	unsigned int nops = 0;
	int status;

	for (size_t p = 0; p < n; p += per) {
		w->sums[nops] = POISON;
		ops[nops] = nvsvm_op_checksum(&w->sums[nops],
					      addr + p * PAGE_WORDS,
					      MIN(per, n - p) * PAGE_SZ);
		nops++;
	}
	status = job_run(w, dev, ops, nops);
	if (status)
		worker_fail(w, "device %u: checksum job of %p + %zu pages failed: %s",
			    dev, (void *)addr, n, nvsvm_strerror(status));
	w->st->gpu_words += n * PAGE_WORDS;

	for (unsigned int k = 0; k < nops; k++) {
		size_t p = k * per, c = MIN(per, n - p);
		uint64_t want = model_checksum(m + p, c), got = w->sums[k];
		struct drm_nvsvm_op op;
		char seen[64], extra[128];

		if (got == want)
			continue;
		snprintf(seen, sizeof(seen), "GPU of device %u", dev);
		snprintf(extra, sizeof(extra),
			 "checksum %#" PRIx64 ", expected %#" PRIx64, got, want);
		memset(w->scratch, 0xa5, c * PAGE_SZ);
		op = nvsvm_op_copy(w->scratch, addr + p * PAGE_WORDS,
				   c * PAGE_SZ);
		status = job_run(w, dev, &op, 1);
		if (status)
			worker_fail(w, "%s: %s, and copying the range out failed: %s",
				    seen, extra, nvsvm_strerror(status));
		mismatch(w, seen, addr + p * PAGE_WORDS, w->scratch, m + p,
			 c, extra);
	}
}

/* Check pages by the CPU and by a GPU, in random order. */
static void check_at(struct worker *w, uint64_t *addr, const struct pat *m,
		     size_t n, bool cpu, bool gpu)
{
	unsigned int dev = pick_dev(w);
	bool gpu_first = rng_below(&w->rng, 2);

	if (gpu && gpu_first)
		gpu_check(w, dev, addr, m, n);
	if (cpu)
		cpu_check(w, addr, m, n);
	if (gpu && !gpu_first)
		gpu_check(w, dev, addr, m, n);
}

static void check(struct worker *w, size_t p0, size_t n, bool cpu, bool gpu)
{
	check_at(w, page_addr(w, p0), w->model + p0, n, cpu, gpu);
}

/*
 * After an operation that moved a long range without changing it: the
 * GPU checks a window of up to 16 pages of it, and the CPU the whole
 * range if @cpu (which brings it back from VRAM).
 */
static void check_moved(struct worker *w, size_t p0, size_t n, bool cpu)
{
	size_t wn = MIN(n, 1 + rng_below(&w->rng, 16));
	size_t wp = p0 + rng_below(&w->rng, n - wn + 1);

	if (cpu)
		check(w, p0, n, true, false);
	check(w, wp, wn, false, true);
}

/* --- ranges and patterns -------------------------------------------------- */

/*
 * The emulated GPU translates every word it touches, and is slow: data
 * operations and their checks take short ranges, mostly a few pages.
 */
static size_t pick_small(struct worker *w, size_t max)
{
	uint64_t r = rng_below(&w->rng, 100);
	size_t n;

	if (r < 70)
		n = 1 + rng_below(&w->rng, 8);
	else if (r < 95)
		n = 1 + rng_below(&w->rng, 32);
	else
		n = 1 + rng_below(&w->rng, 128);
	return MIN(n, max);
}

/*
 * Migrations go through the copy engine, a page at a time, and take long
 * ranges, up to the whole region: together they fill the VRAM.
 */
static size_t pick_big(struct worker *w)
{
	uint64_t r = rng_below(&w->rng, 100);
	size_t n;

	if (r < 30)
		n = 1 + rng_below(&w->rng, 64);
	else if (r < 60)
		n = 1 + rng_below(&w->rng, 512);
	else
		n = w->npages;
	return MIN(n, w->npages);
}

/* A start for @n pages, 2 MiB aligned now and then, for huge pages. */
static size_t pick_start(struct worker *w, size_t n)
{
	size_t p = rng_below(&w->rng, w->npages - n + 1);

	if (rng_below(&w->rng, 4) == 0)
		p &= ~(SZ_2M / PAGE_SZ - 1);
	return p;
}

/*
 * A start for @n pages that do not overlap [@d, @d + @n), or SIZE_MAX if
 * there is none.
 */
static size_t pick_disjoint(struct worker *w, size_t d, size_t n)
{
	size_t lo = d >= n ? d - n + 1 : 0;			/* [0, lo) */
	size_t hi = w->npages >= d + 2 * n ?
		    w->npages - (d + 2 * n) + 1 : 0;		/* [d + n, ...) */
	size_t r;

	if (!lo && !hi)
		return SIZE_MAX;
	r = rng_below(&w->rng, lo + hi);
	return r < lo ? r : d + n + (r - lo);
}

static void cpu_write(struct worker *w, size_t p0, size_t n)
{
	for (size_t p = p0; p < p0 + n; p++) {
		struct pat *m = &w->model[p];
		uint64_t *page = page_addr(w, p);

		m->a = rng_next(&w->rng);
		m->b = rng_next(&w->rng) | 1;
		for (size_t i = 0; i < PAGE_WORDS; i++)
			page[i] = pat_word(m, i);
	}
}

static void model_zero(struct worker *w, size_t p0, size_t n)
{
	memset(&w->model[p0], 0, n * sizeof(*w->model));
}

/*
 * The atomic zone, the last pages of the region, has no huge pages:
 * the driver cannot take every page of a large folio exclusive for a GPU
 * atomic (DOC: Atomics in nvsvm_svm.c: after a partial munmap, mremap or
 * MADV_DONTNEED of a THP, a page whose folio's head is gone fails the job
 * with EFAULT), so GPU atomics stay there, where the model stays exact.
 * A new mapping there gets the advice again.
 */
static void zone_nohuge(struct worker *w, size_t p0, size_t n)
{
	size_t end = p0 + n;

	p0 = MAX(p0, w->atomic_start);
	if (p0 < end && madvise(page_addr(w, p0), (end - p0) * PAGE_SZ,
				MADV_NOHUGEPAGE))
		worker_fail(w, "madvise(MADV_NOHUGEPAGE): %s", strerror(errno));
}

/* Move a range while a job may use it: data must not change. */
static void race_migrate(struct worker *w, size_t p0, size_t n)
{
	unsigned int dev = pick_dev(w);
	uint32_t target = rng_below(&w->rng, 2);

	migrate(w, dev, page_addr(w, p0), n, target);
}

/* --- operations ----------------------------------------------------------- */

static void op_cpu_write(struct worker *w)
{
	size_t n = pick_small(w, w->npages), p0 = pick_start(w, n);

	op_begin(w, OP_CPU_WRITE, "%p + %zu pages", (void *)page_addr(w, p0), n);
	cpu_write(w, p0, n);
	check(w, p0, n, true, true);
	op_end(w, OP_CPU_WRITE);
}

static void op_cpu_read(struct worker *w)
{
	size_t n = pick_big(w), p0 = pick_start(w, n);

	op_begin(w, OP_CPU_READ, "%p + %zu pages", (void *)page_addr(w, p0), n);
	check(w, p0, n, true, false);
	op_end(w, OP_CPU_READ);
}

/*
 * A job of a few operations of one kind (fill, copy or triad), applied to
 * the model in order, as the GPU runs them. Now and then, one of the
 * ranges migrates while the job runs.
 */
static void op_gpu_write(struct worker *w, enum op_kind kind)
{
	struct drm_nvsvm_op ops[3];
	size_t dst[3], len[3];
	unsigned int dev = pick_dev(w), nops = 1 + rng_below(&w->rng, 3);
	bool race = rng_below(&w->rng, 4) == 0;
	size_t race_p = 0, race_n = 0;
	char desc[HIST_LEN] = "";
	size_t dlen = 0;
	uint64_t job;
	int status;

	for (unsigned int k = 0; k < nops; k++) {
		size_t n = pick_small(w, kind == OP_GPU_FILL ? w->npages :
				       MAX(w->npages / 3, 1));
		size_t d = pick_start(w, n), s0 = d, s1 = d;
		uint64_t imm = rng_next(&w->rng);
		enum op_kind this = kind;
		size_t room = sizeof(desc) - MIN(dlen, sizeof(desc));

		if (this != OP_GPU_FILL) {
			s0 = pick_disjoint(w, d, n);
			s1 = pick_disjoint(w, d, n);
			if (s0 == SIZE_MAX || s1 == SIZE_MAX)
				this = OP_GPU_FILL;	/* no room: a fill */
			/* A triad may also run in place: dst = src0. */
			else if (this == OP_GPU_TRIAD &&
				 rng_below(&w->rng, 4) == 0)
				s0 = d;
		}
		if (this == OP_GPU_TRIAD && rng_below(&w->rng, 2))
			imm = rng_below(&w->rng, 8);

		switch (this) {
		case OP_GPU_FILL:
			ops[k] = nvsvm_op_fill(page_addr(w, d), n * PAGE_SZ,
					       imm);
			for (size_t p = d; p < d + n; p++)
				w->model[p] = (struct pat){ imm, 0 };
			dlen += snprintf(desc + dlen, room, "fill %zu+%zu; ",
					 d, n);
			break;
		case OP_GPU_COPY:
			ops[k] = nvsvm_op_copy(page_addr(w, d),
					       page_addr(w, s0), n * PAGE_SZ);
			memmove(&w->model[d], &w->model[s0],
				n * sizeof(*w->model));
			dlen += snprintf(desc + dlen, room,
					 "copy %zu+%zu<-%zu; ", d, n, s0);
			break;
		default:
			ops[k] = nvsvm_op_triad(page_addr(w, d),
						page_addr(w, s0),
						page_addr(w, s1), n * PAGE_SZ,
						imm);
			/* src1 never overlaps dst, src0 is dst or apart. */
			for (size_t p = 0; p < n; p++) {
				const struct pat a = w->model[s0 + p];
				const struct pat b = w->model[s1 + p];

				w->model[d + p].a = a.a + imm * b.a;
				w->model[d + p].b = a.b + imm * b.b;
			}
			dlen += snprintf(desc + dlen, room,
					 "triad %zu+%zu<-%zu,%zu*%#" PRIx64 "; ",
					 d, n, s0, s1, imm);
			break;
		}
		dst[k] = d;
		len[k] = n;
		if (race && rng_below(&w->rng, 2)) {
			race_p = this == OP_GPU_FILL ? d : s0;
			race_n = n;
		}
	}

	op_begin(w, kind, "dev%u, pages of %p: %s%s", dev, (void *)w->base,
		 desc, race_n ? "racing a migration" : "");
	job = job_submit(w, dev, ops, nops);
	if (race_n)
		race_migrate(w, race_p, race_n);
	status = job_wait(w, dev, job);
	if (status)
		worker_fail(w, "device %u: job failed: %s", dev,
			    nvsvm_strerror(status));
	for (unsigned int k = 0; k < nops; k++)
		check(w, dst[k], len[k], true, true);
	op_end(w, kind);
}

static void op_gpu_checksum(struct worker *w)
{
	size_t n = pick_small(w, w->npages), p0 = pick_start(w, n);

	op_begin(w, OP_GPU_CHECKSUM, "%p + %zu pages", (void *)page_addr(w, p0), n);
	check(w, p0, n, false, true);
	op_end(w, OP_GPU_CHECKSUM);
}

/*
 * GPU atomic adds on one or both devices at once, while the CPU adds to
 * the first pages of the range atomically too, and now and then while the
 * range migrates: the sum must be exact.
 */
static void op_gpu_atomic(struct worker *w)
{
	size_t zone = w->npages - w->atomic_start;
	size_t n = pick_small(w, zone);
	size_t p0 = w->atomic_start + rng_below(&w->rng, zone - n + 1);
	size_t cpu_n = MIN(n, 1 + rng_below(&w->rng, 16));
	unsigned int cpu_reps = rng_below(&w->rng, 3);
	uint64_t cpu_add = rng_below(&w->rng, 2) ? 1 : rng_next(&w->rng);
	unsigned int first = pick_dev(w), reps[MAX_DEVS] = { 0 };
	uint64_t add[MAX_DEVS] = { 0 }, job[MAX_DEVS] = { 0 }, gpu_total = 0;
	bool race = rng_below(&w->rng, 4) == 0;
	uint64_t *addr = page_addr(w, p0);

	for (unsigned int d = 0; d < cfg.ndev; d++) {
		bool use = d == first || rng_below(&w->rng, 2);

		reps[d] = use ? 1 + rng_below(&w->rng, 3) : 0;
		add[d] = rng_below(&w->rng, 2) ? 1 : rng_next(&w->rng);
		gpu_total += reps[d] * add[d];
	}
	op_begin(w, OP_GPU_ATOMIC,
		 "%p + %zu pages: dev0 %u x %#" PRIx64 ", dev1 %u x %#" PRIx64
		 ", cpu %u x %#" PRIx64 " on %zu pages%s",
		 (void *)addr, n, reps[0], add[0], reps[1],
		 cfg.ndev > 1 ? add[1] : 0, cpu_reps, cpu_add, cpu_n,
		 race ? ", racing a migration" : "");
	for (unsigned int d = 0; d < cfg.ndev; d++) {
		struct drm_nvsvm_op ops[3];

		if (!reps[d])
			continue;
		for (unsigned int r = 0; r < reps[d]; r++)
			ops[r] = nvsvm_op_atomic_add(addr, n * PAGE_SZ, add[d]);
		job[d] = job_submit(w, d, ops, reps[d]);
	}
	for (unsigned int r = 0; r < cpu_reps; r++)
		for (size_t j = 0; j < cpu_n * PAGE_WORDS; j++)
			__atomic_fetch_add(&addr[j], cpu_add, __ATOMIC_RELAXED);
	if (race)
		race_migrate(w, p0, n);
	for (unsigned int d = 0; d < cfg.ndev; d++) {
		int status;

		if (!job[d])
			continue;
		status = job_wait(w, d, job[d]);
		if (status)
			worker_fail(w, "device %u: atomic job failed: %s", d,
				    nvsvm_strerror(status));
	}
	for (size_t p = 0; p < n; p++)
		w->model[p0 + p].a += gpu_total +
				      (p < cpu_n ? cpu_reps * cpu_add : 0);
	check(w, p0, n, true, true);
	op_end(w, OP_GPU_ATOMIC);
}

static void op_migrate(struct worker *w, enum op_kind kind)
{
	size_t n = pick_big(w), p0 = pick_start(w, n);
	unsigned int dev = pick_dev(w);
	bool cpu = rng_below(&w->rng, 8) == 0;
	uint32_t target = kind == OP_MIGRATE_SYS ? DRM_NVSVM_MIGRATE_TO_SYSTEM :
			  DRM_NVSVM_MIGRATE_TO_VRAM;
	int ret;

	op_begin(w, kind, "dev%u %p + %zu pages", dev, (void *)page_addr(w, p0), n);
	if (kind == OP_PREFETCH) {
		ret = nvsvm_prefetch(w->fd[dev], page_addr(w, p0), n * PAGE_SZ);
		if (ret)
			worker_fail(w, "device %u: prefetch: %s", dev,
				    nvsvm_strerror(ret));
	} else {
		migrate(w, dev, page_addr(w, p0), n, target);
	}
	/* The data did not change; a CPU check would bring it back. */
	check_moved(w, p0, n, cpu);
	op_end(w, kind);
}

/*
 * Preferred location, then GPU accesses on the same file, whose faults
 * follow the advice. A file has only so many advised ranges: when they
 * run out, one advice for the whole region replaces them all.
 */
static void op_advise(struct worker *w)
{
	size_t n = pick_big(w), p0 = pick_start(w, n);
	size_t wn = MIN(n, 1 + rng_below(&w->rng, 16));
	size_t wp = p0 + rng_below(&w->rng, n - wn + 1);
	unsigned int dev = pick_dev(w);
	uint32_t value = rng_below(&w->rng, 3) ? DRM_NVSVM_MIGRATE_TO_VRAM :
			 DRM_NVSVM_MIGRATE_TO_SYSTEM;
	bool cpu = rng_below(&w->rng, 4) == 0;
	int ret;

	op_begin(w, OP_ADVISE, "dev%u %p + %zu pages to %s", dev,
		 (void *)page_addr(w, p0), n, value ? "VRAM" : "system");
	ret = nvsvm_advise(w->fd[dev], page_addr(w, p0), n * PAGE_SZ,
			   DRM_NVSVM_ADVISE_PREFERRED_LOCATION, value);
	if (ret == -ENOSPC) {
		ret = nvsvm_advise(w->fd[dev], w->base, w->npages * PAGE_SZ,
				   DRM_NVSVM_ADVISE_PREFERRED_LOCATION,
				   DRM_NVSVM_MIGRATE_TO_SYSTEM);
		if (!ret)
			ret = nvsvm_advise(w->fd[dev], page_addr(w, p0),
					   n * PAGE_SZ,
					   DRM_NVSVM_ADVISE_PREFERRED_LOCATION,
					   value);
	}
	if (ret)
		worker_fail(w, "device %u: ADVISE: %s", dev, nvsvm_strerror(ret));
	gpu_check(w, dev, page_addr(w, wp), w->model + wp, wn);
	check_moved(w, p0, n, cpu);
	op_end(w, OP_ADVISE);
}

/*
 * New memory where the range was: munmap and mmap, or one mmap over it.
 * The GPU must see the zeros of the new pages, or the CPU's writes to
 * them, never the old pages.
 */
static void op_remap(struct worker *w)
{
	size_t n = pick_small(w, w->npages), p0 = pick_start(w, n);
	bool unmap = rng_below(&w->rng, 2), write = rng_below(&w->rng, 2);
	uint64_t *addr = page_addr(w, p0);

	op_begin(w, OP_REMAP, "%p + %zu pages%s%s", (void *)addr, n,
		 unmap ? ", munmap first" : "", write ? ", then CPU writes" : "");
	if (unmap) {
		struct drm_nvsvm_op op;
		unsigned int dev = pick_dev(w);
		uint64_t sum;
		int status;

		if (munmap(addr, n * PAGE_SZ))
			worker_fail(w, "munmap: %s", strerror(errno));
		/* Nothing is mapped there now, for the GPU either. */
		op = nvsvm_op_checksum(&sum, addr, n * PAGE_SZ);
		status = job_run(w, dev, &op, 1);
		if (status != -EFAULT) {
			w->st->mismatches++;
			worker_fail(w, "device %u: a GPU read of unmapped %p + %zu pages ended with %s, not EFAULT",
				    dev, (void *)addr, n,
				    status ? nvsvm_strerror(status) : "success");
		}
	}
	/*
	 * After a munmap, another thread's mmap may have taken the place in
	 * between: never map over it.
	 */
	if (mmap(addr, n * PAGE_SZ, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS |
		 (unmap ? MAP_FIXED_NOREPLACE : MAP_FIXED), -1, 0) != addr)
		worker_fail(w, "mmap at %p: %s%s", (void *)addr, strerror(errno),
			    errno == EEXIST ? " (a race of the tool with another mmap, not a kernel bug)" : "");
	zone_nohuge(w, p0, n);
	model_zero(w, p0, n);
	if (write)
		cpu_write(w, p0, n);
	check(w, p0, n, true, true);
	op_end(w, OP_REMAP);
}

static void op_dontneed(struct worker *w)
{
	size_t n = pick_small(w, w->npages), p0 = pick_start(w, n);
	bool write = rng_below(&w->rng, 2);
	uint64_t *addr = page_addr(w, p0);

	op_begin(w, OP_DONTNEED, "%p + %zu pages%s", (void *)addr, n,
		 write ? ", then CPU writes" : "");
	if (madvise(addr, n * PAGE_SZ, MADV_DONTNEED))
		worker_fail(w, "madvise: %s", strerror(errno));
	model_zero(w, p0, n);
	if (write)
		cpu_write(w, p0, n);
	check(w, p0, n, true, true);
	op_end(w, OP_DONTNEED);
}

/*
 * Read-only memory: the GPU reads it, a GPU write fails with EFAULT and
 * changes nothing, even when the GPU had it mapped writable before;
 * PROT_NONE memory the GPU cannot even read.
 */
static void op_mprotect(struct worker *w)
{
	size_t n = pick_small(w, w->npages), p0 = pick_start(w, n);
	unsigned int rdev = pick_dev(w), wdev = pick_dev(w);
	bool pre_migrate = rng_below(&w->rng, 3) == 0;
	bool none = rng_below(&w->rng, 3) == 0;
	unsigned int how = rng_below(&w->rng, 3);
	size_t src = pick_disjoint(w, p0, n);
	uint64_t *addr = page_addr(w, p0), imm = rng_next(&w->rng);
	struct drm_nvsvm_op op, fill;
	int status;

	if (how == 0 || src == SIZE_MAX)
		op = nvsvm_op_fill(addr, n * PAGE_SZ, POISON);
	else if (how == 1)
		op = nvsvm_op_atomic_add(addr, n * PAGE_SZ, 1);
	else
		op = nvsvm_op_copy(addr, page_addr(w, src), n * PAGE_SZ);
	op_begin(w, OP_MPROTECT, "%p + %zu pages: read dev%u, %s dev%u%s%s",
		 (void *)addr, n, rdev,
		 op.opcode == DRM_NVSVM_OP_FILL ? "fill" :
		 op.opcode == DRM_NVSVM_OP_COPY ? "copy" : "atomic", wdev,
		 pre_migrate ? ", migrated first" : "",
		 none ? ", then PROT_NONE" : "");

	/*
	 * The GPU that will write maps the range writable first, so that
	 * mprotect must take that back.
	 */
	fill = nvsvm_op_fill(addr, n * PAGE_SZ, imm);
	job_ok(w, wdev, &fill, 1);
	for (size_t p = p0; p < p0 + n; p++)
		w->model[p] = (struct pat){ imm, 0 };
	if (mprotect(addr, n * PAGE_SZ, PROT_READ))
		worker_fail(w, "mprotect(PROT_READ): %s", strerror(errno));
	if (pre_migrate)
		migrate(w, rdev, addr, n, DRM_NVSVM_MIGRATE_TO_VRAM);
	gpu_check(w, rdev, addr, w->model + p0, n);
	status = job_run(w, wdev, &op, 1);
	if (status != -EFAULT) {
		w->st->mismatches++;
		worker_fail(w, "device %u: a GPU write to read-only memory %p + %zu pages ended with %s, not EFAULT",
			    wdev, (void *)addr, n,
			    status ? nvsvm_strerror(status) : "success");
	}
	check(w, p0, n, true, true);
	if (none) {
		uint64_t sum;

		if (mprotect(addr, n * PAGE_SZ, PROT_NONE))
			worker_fail(w, "mprotect(PROT_NONE): %s", strerror(errno));
		op = nvsvm_op_checksum(&sum, addr, n * PAGE_SZ);
		status = job_run(w, rdev, &op, 1);
		if (status != -EFAULT)
			worker_fail(w, "device %u: a GPU read of PROT_NONE memory %p + %zu pages ended with %s, not EFAULT",
				    rdev, (void *)addr, n,
				    status ? nvsvm_strerror(status) : "success");
	}
	if (mprotect(addr, n * PAGE_SZ, PROT_READ | PROT_WRITE))
		worker_fail(w, "mprotect(PROT_READ | PROT_WRITE): %s",
			    strerror(errno));
	check(w, p0, n, true, true);
	op_end(w, OP_MPROTECT);
}

/*
 * Our PROT_NONE reservation for mremap: fill the hole the last mremap
 * left in it, or, if some other mmap of the process took the place
 * meanwhile, reserve anew elsewhere.
 */
static void spare_reserve(struct worker *w)
{
	size_t len = w->npages * PAGE_SZ;
	void *p;

	if (!w->spare_hole)
		return;
	p = mmap(w->spare_hole, w->spare_hole_len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)w->spare_hole) {
		if (p != MAP_FAILED)
			munmap(p, w->spare_hole_len);
		p = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		if (p == MAP_FAILED)
			worker_fail(w, "mmap of the mremap spare: %s",
				    strerror(errno));
		w->spare = p;
	}
	w->spare_hole = NULL;
}

/*
 * mremap a range away and back. MREMAP_DONTUNMAP leaves the old place
 * mapped and empty, so that nothing else of the process lands there: the
 * GPU must see zeros there, and the data at the new place; then again at
 * the old place once it moved back.
 */
static void op_mremap(struct worker *w)
{
	size_t n = pick_small(w, w->npages), p0 = pick_start(w, n);
	size_t off = rng_below(&w->rng, w->npages - n + 1);
	bool write = rng_below(&w->rng, 2);
	uint64_t *addr = page_addr(w, p0), *to;
	size_t len = n * PAGE_SZ;

	spare_reserve(w);
	to = w->spare + off * PAGE_WORDS;
	op_begin(w, OP_MREMAP, "%p + %zu pages to %p and back%s", (void *)addr,
		 n, (void *)to, write ? ", CPU writes there" : "");
	if (mremap(addr, len, len,
		   MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, to) != to) {
		/*
		 * The range spans two VMAs, which earlier mremaps, forks and
		 * mprotects can leave unmerged: mremap refuses it before
		 * moving anything.
		 */
		if (errno == EFAULT) {
			op_note(w, " [spans two VMAs: not moved]");
			check(w, p0, n, true, true);
			op_end(w, OP_MREMAP);
			return;
		}
		worker_fail(w, "mremap to %p: %s", (void *)to, strerror(errno));
	}
	memcpy(w->tmp, w->model + p0, n * sizeof(*w->tmp));
	model_zero(w, p0, n);
	check_at(w, to, w->tmp, n, true, true);
	check(w, p0, n, false, true);
	if (write) {
		for (size_t p = 0; p < n; p++) {
			w->tmp[p].a = rng_next(&w->rng);
			w->tmp[p].b = rng_next(&w->rng) | 1;
			for (size_t i = 0; i < PAGE_WORDS; i++)
				to[p * PAGE_WORDS + i] = pat_word(&w->tmp[p], i);
		}
	}
	if (mremap(to, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, addr) != addr)
		worker_fail(w, "mremap back to %p: %s", (void *)addr,
			    strerror(errno));
	memcpy(w->model + p0, w->tmp, n * sizeof(*w->tmp));
	w->spare_hole = to;
	w->spare_hole_len = len;
	check(w, p0, n, true, true);
	op_end(w, OP_MREMAP);
}

/*
 * In a child: its own status area, so that a report still has the history,
 * and its own files, since the parent's mirror the parent.
 */
static void child_setup(struct worker *w, struct rng r)
{
	static struct tstat child_st;
	pid_t ppid = getppid();

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != ppid)
		_exit(TOOL_FAIL);
	w->child = getpid();
	memcpy(&child_st, w->st, sizeof(child_st));
	w->st = &child_st;
	w->rng = r;
}

static void child_open(struct worker *w)
{
	for (unsigned int d = 0; d < cfg.ndev; d++)
		gpu_open_dev(w, d);
}

/*
 * The fork child: its copy is the parent's data at the fork, whatever the
 * parent does to its own meanwhile; it writes its copy, by the CPU and by
 * a GPU of its own, and exits.
 */
static void __attribute__((noreturn)) fork_child(struct worker *w, struct rng r)
{
	size_t n, p0;

	child_setup(w, r);
	cpu_check(w, w->base, w->model, w->npages);
	n = pick_small(w, w->npages);
	p0 = pick_start(w, n);
	cpu_write(w, p0, n);
	if (rng_below(&w->rng, 2)) {
		struct drm_nvsvm_op op;
		uint64_t imm = rng_next(&w->rng);
		unsigned int dev = pick_dev(w);

		child_open(w);
		n = pick_small(w, w->npages);
		p0 = pick_start(w, n);
		if (rng_below(&w->rng, 2))
			migrate(w, pick_dev(w), w->base, w->npages,
				DRM_NVSVM_MIGRATE_TO_VRAM);
		op = nvsvm_op_fill(page_addr(w, p0), n * PAGE_SZ, imm);
		job_ok(w, dev, &op, 1);
		for (size_t p = p0; p < p0 + n; p++)
			w->model[p] = (struct pat){ imm, 0 };
		check(w, p0, n, false, true);
	}
	cpu_check(w, w->base, w->model, w->npages);
	_exit(0);
}

static void describe_status(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, size, "wait status %#x", status);
}

static int wait_child(struct worker *w, pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			worker_fail(w, "waitpid %d: %s", (int)pid,
				    strerror(errno));
	return status;
}

static void op_fork(struct worker *w)
{
	struct rng cr = rng_fork(&w->rng);
	size_t n = pick_small(w, w->npages), p0 = pick_start(w, n);
	unsigned int action = rng_below(&w->rng, 3), dev = pick_dev(w);
	uint64_t imm = rng_next(&w->rng);
	char desc[96];
	int status;
	pid_t pid;

	op_begin(w, OP_FORK, "parent then %s %p + %zu pages",
		 action == 0 ? "waits," : action == 1 ? "CPU writes" : "GPU fills",
		 (void *)page_addr(w, p0), n);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		worker_fail(w, "fork: %s", strerror(errno));
	if (!pid)
		fork_child(w, cr);
	if (action == 1) {
		cpu_write(w, p0, n);
	} else if (action == 2) {
		struct drm_nvsvm_op op = nvsvm_op_fill(page_addr(w, p0),
						       n * PAGE_SZ, imm);

		job_ok(w, dev, &op, 1);
		for (size_t p = p0; p < p0 + n; p++)
			w->model[p] = (struct pat){ imm, 0 };
	}
	status = wait_child(w, pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		describe_status(status, desc, sizeof(desc));
		worker_fail(w, "fork child %d failed: %s (its report is above)",
			    (int)pid, desc);
	}
	check(w, p0, n, true, true);
	check_moved(w, 0, w->npages, true);
	op_end(w, OP_FORK);
}

/*
 * The kill helper: a process of its own with its own files, which moves
 * a few MiB of its own memory to VRAM and back, and its copy of the
 * region, and runs GPU jobs on them, until its parent kills it.
 */
static void __attribute__((noreturn))
kill_helper(struct worker *w, struct rng r, int ready_fd, size_t mb)
{
	size_t len = mb << 20, words = len / 8;
	uint64_t *buf;

	child_setup(w, r);
	child_open(w);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		worker_fail(w, "mmap %zu MiB: %s", mb, strerror(errno));
	for (size_t j = 0; j < words; j++)
		buf[j] = j;
	if (write(ready_fd, "x", 1) != 1)
		_exit(TOOL_FAIL);
	for (;;) {
		struct drm_nvsvm_op op = nvsvm_op_atomic_add(buf, 16 * PAGE_SZ, 1);
		unsigned int dev = pick_dev(w);
		int ret;

		ret = nvsvm_migrate(w->fd[dev], buf, len,
				    DRM_NVSVM_MIGRATE_TO_VRAM, NULL, NULL);
		if (!ret)
			ret = nvsvm_migrate(w->fd[pick_dev(w)], w->base,
					    w->npages * PAGE_SZ,
					    DRM_NVSVM_MIGRATE_TO_VRAM, NULL,
					    NULL);
		if (ret)
			worker_fail(w, "kill helper: MIGRATE: %s",
				    nvsvm_strerror(ret));
		job_ok(w, pick_dev(w), &op, 1);
		ret = nvsvm_migrate(w->fd[pick_dev(w)], buf, len,
				    DRM_NVSVM_MIGRATE_TO_SYSTEM, NULL, NULL);
		if (ret)
			worker_fail(w, "kill helper: MIGRATE: %s",
				    nvsvm_strerror(ret));
	}
}

/*
 * SIGKILL a helper in the middle of its ioctls (mostly a migration of
 * megabytes). Nothing of ours may change.
 */
static void op_kill(struct worker *w)
{
	struct rng cr = rng_fork(&w->rng);
	uint64_t delay_us = rng_below(&w->rng, 30000);
	size_t mb = 4 + rng_below(&w->rng, 9);
	int pipefd[2], status;
	char c, desc[96];
	pid_t pid;
	ssize_t ret;

	op_begin(w, OP_KILL, "helper migrating %zu MiB, killed after %" PRIu64
		 " us", mb, delay_us);
	if (pipe(pipefd))
		worker_fail(w, "pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		worker_fail(w, "fork: %s", strerror(errno));
	if (!pid) {
		close(pipefd[0]);
		kill_helper(w, cr, pipefd[1], mb);
	}
	close(pipefd[1]);
	do
		ret = read(pipefd[0], &c, 1);
	while (ret < 0 && errno == EINTR);
	close(pipefd[0]);
	if (ret == 1) {
		usleep(delay_us);
		kill(pid, SIGKILL);
	}
	status = wait_child(w, pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
		describe_status(status, desc, sizeof(desc));
		worker_fail(w, "kill helper %d: %s, not killed (its report is above)",
			    (int)pid, desc);
	}
	check_moved(w, 0, w->npages, rng_below(&w->rng, 2));
	op_end(w, OP_KILL);
}

/*
 * Close a file and open the device again, now and then with a job still
 * running on it. Pages in VRAM belong to the process and stay.
 */
static void op_reopen(struct worker *w)
{
	size_t n = pick_small(w, w->npages), p0 = pick_start(w, n);
	unsigned int dev = pick_dev(w);
	bool orphan = rng_below(&w->rng, 2);

	op_begin(w, OP_REOPEN, "dev%u%s, then checks %p + %zu pages", dev,
		 orphan ? " with a checksum job running" : "",
		 (void *)page_addr(w, p0), n);
	if (orphan) {
		/* Its own result word: the job may still write it later. */
		struct drm_nvsvm_op op = nvsvm_op_checksum(w->orphan_sum,
							   page_addr(w, p0),
							   n * PAGE_SZ);

		job_submit(w, dev, &op, 1);
	}
	if (close(w->fd[dev]))
		worker_fail(w, "close: %s", strerror(errno));
	gpu_open_dev(w, dev);
	gpu_check(w, dev, page_addr(w, p0), w->model + p0, n);
	check(w, p0, n, rng_below(&w->rng, 2), false);
	op_end(w, OP_REOPEN);
}

/* --- workers -------------------------------------------------------------- */

static void *map_or_fail(struct worker *w, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		worker_fail(w, "mmap %zu bytes: %s", len, strerror(errno));
	return p;
}

/* The region, 2 MiB aligned so that it can have huge pages. */
static uint64_t *map_region(struct worker *w, size_t len)
{
	uint8_t *p = map_or_fail(w, len + SZ_2M);
	uint8_t *a = (uint8_t *)(((uintptr_t)p + SZ_2M - 1) & ~(SZ_2M - 1));

	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + SZ_2M - a);
	return (uint64_t *)a;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	unsigned int total = 0;

	w->st->cur[0] = 0;
	op_begin(w, OP_CPU_WRITE, "setup: open, map and write %zu pages",
		 w->npages);
	for (unsigned int d = 0; d < cfg.ndev; d++)
		gpu_open_dev(w, d);
	w->base = map_region(w, w->npages * PAGE_SZ);
	w->model = calloc(w->npages, sizeof(*w->model));
	w->tmp = calloc(w->npages, sizeof(*w->tmp));
	if (!w->model || !w->tmp)
		worker_fail(w, "out of memory");
	w->scratch = map_or_fail(w, w->npages * PAGE_SZ);
	w->sums = map_or_fail(w, PAGE_SZ);
	w->orphan_sum = map_or_fail(w, PAGE_SZ);
	w->spare = mmap(NULL, w->npages * PAGE_SZ, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->spare == MAP_FAILED)
		worker_fail(w, "mmap of the mremap spare: %s", strerror(errno));
	w->atomic_start = w->npages - MIN(w->npages / 4, 128);
	zone_nohuge(w, w->atomic_start, w->npages - w->atomic_start);
	cpu_write(w, 0, w->npages);
	check_moved(w, 0, w->npages, true);
	op_end(w, OP_CPU_WRITE);

	for (unsigned int k = 0; k < NR_OPS; k++)
		total += op_weights[k];
	while (now_ns() < cfg.ops_end_ns &&
	       !__atomic_load_n(&cfg.shared->failed, __ATOMIC_RELAXED)) {
		uint64_t r = rng_below(&w->rng, total);
		enum op_kind kind = 0;

		while (r >= op_weights[kind])
			r -= op_weights[kind++];
		switch (kind) {
		case OP_CPU_WRITE:
			op_cpu_write(w);
			break;
		case OP_CPU_READ:
			op_cpu_read(w);
			break;
		case OP_GPU_FILL:
		case OP_GPU_COPY:
		case OP_GPU_TRIAD:
			op_gpu_write(w, kind);
			break;
		case OP_GPU_CHECKSUM:
			op_gpu_checksum(w);
			break;
		case OP_GPU_ATOMIC:
			op_gpu_atomic(w);
			break;
		case OP_MIGRATE_VRAM:
		case OP_MIGRATE_SYS:
		case OP_PREFETCH:
			op_migrate(w, kind);
			break;
		case OP_ADVISE:
			op_advise(w);
			break;
		case OP_REMAP:
			op_remap(w);
			break;
		case OP_MPROTECT:
			op_mprotect(w);
			break;
		case OP_DONTNEED:
			op_dontneed(w);
			break;
		case OP_MREMAP:
			op_mremap(w);
			break;
		case OP_FORK:
			op_fork(w);
			break;
		case OP_KILL:
			op_kill(w);
			break;
		case OP_REOPEN:
			op_reopen(w);
			break;
		case NR_OPS:
			break;
		}
	}

	/*
	 * The last word: the whole region by the CPU, which brings back
	 * whatever is in VRAM, and a window of it by every GPU.
	 */
	op_begin(w, OP_CPU_READ, "final check of %zu pages", w->npages);
	for (unsigned int d = 0; d < cfg.ndev; d++) {
		size_t p0 = rng_below(&w->rng, w->npages - MIN(w->npages, 16) + 1);

		gpu_check(w, d, page_addr(w, p0), w->model + p0,
			  MIN(w->npages, 16));
	}
	cpu_check(w, w->base, w->model, w->npages);
	op_end(w, OP_CPU_READ);
	return NULL;
}

static int proc_main(unsigned int proc, struct rng rng, pid_t parent)
{
	struct worker workers[MAX_THREADS];
	pthread_t tids[MAX_THREADS];
	size_t pages = (cfg.mb << 20) / PAGE_SZ / cfg.threads;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		return TOOL_FAIL;
	pages = MIN(MAX(pages, 16), MAX_THREAD_PAGES);
	memset(workers, 0, sizeof(workers));
	for (unsigned int t = 0; t < cfg.threads; t++) {
		struct worker *w = &workers[t];

		w->proc = proc;
		w->thread = t;
		w->rng = rng_fork(&rng);
		w->st = &cfg.shared->t[proc][t];
		w->npages = pages;
		if (pthread_create(&tids[t], NULL, worker_main, w)) {
			fprintf(stderr, "nvsvm-stress: pthread_create failed\n");
			return TOOL_FAIL;
		}
	}
	for (unsigned int t = 0; t < cfg.threads; t++)
		pthread_join(tids[t], NULL);
	return TOOL_PASS;
}

/* --- the parent ----------------------------------------------------------- */

static bool parse_ops(const char *list)
{
	bool any = false;

	for (unsigned int k = 0; k < NR_OPS; k++) {
		const char *s = list;
		size_t len = strlen(op_names[k]);
		bool on = false;

		while (s && *s) {
			if (!strncmp(s, op_names[k], len) &&
			    (s[len] == ',' || !s[len]))
				on = true;
			s = strchr(s, ',');
			s = s ? s + 1 : NULL;
		}
		if (!on)
			op_weights[k] = 0;
		any |= on;
	}
	return any;
}

static bool write_param(const char *name, const char *value)
{
	char path[128];
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "/sys/module/nvsvm/parameters/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return false;
	ok = write(fd, value, strlen(value)) == (ssize_t)strlen(value);
	close(fd);
	return ok;
}

static void print_hung(void)
{
	uint64_t now = now_ns();

	for (unsigned int p = 0; p < cfg.procs; p++)
		for (unsigned int t = 0; t < cfg.threads; t++) {
			struct tstat *st = &cfg.shared->t[p][t];
			uint64_t start = st->op_start_ns;

			if (start)
				fprintf(stderr, "  process %u thread %u: for %.1f s in %s\n",
					p, t, (now - start) / 1e9, st->cur);
		}
}

static void print_dev_stats(const int *fds, const struct drm_nvsvm_stats *before)
{
	for (unsigned int d = 0; d < cfg.ndev; d++) {
		struct drm_nvsvm_stats s;

		if (fds[d] < 0 || nvsvm_stats(fds[d], DRM_NVSVM_STATS_DEVICE, &s))
			continue;
#define D(f)	((unsigned long long)(s.f - before[d].f))
		printf("  device %u: %llu jobs (%llu failed, as expected of the read-only and PROT_NONE probes), %llu GPU faults,\n"
		       "            %llu pages to VRAM, %llu to system, %llu evicted, %llu CPU faults on VRAM,\n"
		       "            %llu invalidations, %llu exclusive grants, %llu revoked\n",
		       d, D(jobs), D(jobs_failed), D(faults), D(migrated_to_vram),
		       D(migrated_to_sys), D(evictions), D(cpu_faults),
		       D(invalidations), D(exclusive_grants),
		       D(exclusive_revocations));
#undef D
	}
}

int main(void)
{
	struct drm_nvsvm_stats before[MAX_DEVS];
	int devfd[MAX_DEVS] = { -1, -1 };
	pid_t pids[MAX_PROCS], parent = getpid();
	uint64_t vram = 0, hard_end, next_progress, elapsed_ns;
	unsigned int alive = 0;
	struct rng master;
	const char *mutant = getenv("STRESS_MUTANT");
	bool failed = false, killed = false;
	char report[8192];
	int kmsg, ndev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	cfg.seed = tool_seed("STRESS_SEED");
	cfg.secs = tool_env("STRESS_S", 600);
	cfg.procs = MIN(MAX(tool_env("STRESS_PROCS", 4), 1), MAX_PROCS);
	cfg.threads = MIN(MAX(tool_env("STRESS_THREADS", 2), 1), MAX_THREADS);
	cfg.mb = tool_env("STRESS_MB", 0);
	cfg.verbose = tool_env("STRESS_VERBOSE", 0);
	cfg.ops_env = getenv("STRESS_OPS");
	if (cfg.ops_env && *cfg.ops_env && !parse_ops(cfg.ops_env)) {
		fprintf(stderr, "nvsvm-stress: STRESS_OPS=%s names no operation; they are:",
			cfg.ops_env);
		for (unsigned int k = 0; k < NR_OPS; k++)
			fprintf(stderr, " %s", op_names[k]);
		fprintf(stderr, "\n");
		return TOOL_FAIL;
	}
	if (cfg.ops_env && !*cfg.ops_env)
		cfg.ops_env = NULL;

	cfg.dev_first = tool_dev_first();
	ndev = nvsvm_count_devices() - (int)cfg.dev_first;
	if (ndev <= 0) {
		printf("nvsvm-stress: SKIP: no nvsvm device from device %u on\n",
		       cfg.dev_first);
		return TOOL_SKIP;
	}
	cfg.ndev = MIN(ndev, MAX_DEVS);
	for (unsigned int d = 0; d < cfg.ndev; d++) {
		uint64_t size = 0;

		devfd[d] = nvsvm_open_index(cfg.dev_first + d);
		if (devfd[d] < 0 ||
		    nvsvm_getparam(devfd[d], DRM_NVSVM_PARAM_VRAM_SIZE, &size) ||
		    nvsvm_stats(devfd[d], DRM_NVSVM_STATS_DEVICE, &before[d]))
			tool_fail("nvsvm-stress: FAIL: device %u does not answer\n", d);
		vram += size;
	}
	/* All processes together: 1.25 times the VRAM, to evict. */
	if (!cfg.mb)
		cfg.mb = MAX((vram * 5 / 4 / cfg.procs + (1 << 20) - 1) >> 20, 1);

	cfg.shared = mmap(NULL, sizeof(*cfg.shared), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cfg.shared == MAP_FAILED)
		tool_fail("nvsvm-stress: FAIL: mmap: %s\n", strerror(errno));

	printf("nvsvm-stress: seed %#" PRIx64 " (replay: STRESS_SEED=%#" PRIx64
	       "), %" PRIu64 " s, %u processes x %u threads, %" PRIu64
	       " MiB each, %u devices with %" PRIu64 " MiB of VRAM in all\n",
	       cfg.seed, cfg.seed, cfg.secs, cfg.procs, cfg.threads, cfg.mb,
	       cfg.ndev, vram >> 20);
	if (mutant && *mutant) {
		if (strcmp(mutant, "skip_invalidate") ||
		    !write_param("debug_skip_invalidate", "1"))
			tool_fail("nvsvm-stress: FAIL: cannot set up mutant %s\n",
				  mutant);
		printf("nvsvm-stress: mutant %s: this run must fail\n", mutant);
	}

	kmsg = kmsg_mark();
	cfg.start_ns = now_ns();
	/* Leave time for the operations under way and the final checks. */
	cfg.ops_end_ns = cfg.start_ns + cfg.secs * SEC_NS -
			 MIN(cfg.secs * SEC_NS / 6, 10 * SEC_NS);
	hard_end = cfg.start_ns + (cfg.secs + GRACE_S) * SEC_NS;
	next_progress = cfg.start_ns + 30 * SEC_NS;

	master.state = cfg.seed;
	fflush(NULL);
	for (unsigned int p = 0; p < cfg.procs; p++) {
		struct rng prng = rng_fork(&master);

		pids[p] = fork();
		if (pids[p] < 0) {
			fprintf(stderr, "nvsvm-stress: fork: %s\n", strerror(errno));
			failed = true;
			break;
		}
		if (!pids[p])
			_exit(proc_main(p, prng, parent));
		alive++;
	}

	/*
	 * Reap the workers. The first that fails, or a run past its time,
	 * stops them all: a failed process has said why, a hung one is named.
	 */
	while (alive) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid > 0) {
			for (unsigned int p = 0; p < cfg.procs; p++) {
				char desc[96];

				if (pids[p] != pid)
					continue;
				pids[p] = 0;
				alive--;
				if (WIFEXITED(status) && !WEXITSTATUS(status))
					break;
				if (!killed) {
					describe_status(status, desc, sizeof(desc));
					fprintf(stderr, "nvsvm-stress: process %u: %s\n",
						p, desc);
				}
				failed = true;
			}
			continue;
		}
		if (!killed && (failed || __atomic_load_n(&cfg.shared->failed,
							  __ATOMIC_RELAXED) ||
				now_ns() > hard_end)) {
			if (!failed && !cfg.shared->failed) {
				fprintf(stderr, "nvsvm-stress: FAIL: seed %#" PRIx64
					": still running %d s after the end; hung:\n",
					cfg.seed, GRACE_S);
				print_hung();
			}
			failed = true;
			killed = true;
			for (unsigned int p = 0; p < cfg.procs; p++)
				if (pids[p])
					kill(pids[p], SIGKILL);
		}
		if (now_ns() > next_progress) {
			uint64_t ops = 0, words = 0;

			for (unsigned int p = 0; p < cfg.procs; p++)
				for (unsigned int t = 0; t < cfg.threads; t++) {
					struct tstat *st = &cfg.shared->t[p][t];

					for (unsigned int k = 0; k < NR_OPS; k++)
						ops += st->ops[k];
					words += st->cpu_words + st->gpu_words;
				}
			printf("nvsvm-stress: %3u s: %" PRIu64
			       " operations, %" PRIu64 " words checked\n",
			       (unsigned int)((now_ns() - cfg.start_ns) / SEC_NS),
			       ops, words);
			next_progress += 30 * SEC_NS;
		}
		usleep(50000);
	}
	elapsed_ns = now_ns() - cfg.start_ns;
	if (mutant && *mutant)
		write_param("debug_skip_invalidate", "0");

	/* Operations per second by kind, and the words checked. */
	{
		uint64_t cpu = 0, gpu = 0, bad = 0, all = 0;
		double secs = elapsed_ns / 1e9;

		printf("nvsvm-stress: %.1f s, seed %#" PRIx64 ", %u processes x %u threads\n",
		       secs, cfg.seed, cfg.procs, cfg.threads);
		printf("  %-14s %10s %10s %10s\n", "operation", "count", "per s",
		       "ms each");
		for (unsigned int k = 0; k < NR_OPS; k++) {
			uint64_t n = 0, ns = 0;

			for (unsigned int p = 0; p < cfg.procs; p++)
				for (unsigned int t = 0; t < cfg.threads; t++) {
					n += cfg.shared->t[p][t].ops[k];
					ns += cfg.shared->t[p][t].ns[k];
				}
			all += n;
			printf("  %-14s %10" PRIu64 " %10.2f %10.1f\n",
			       op_names[k], n, n / secs, n ? ns / 1e6 / n : 0.0);
		}
		printf("  %-14s %10" PRIu64 " %10.2f\n", "all", all, all / secs);
		for (unsigned int p = 0; p < cfg.procs; p++)
			for (unsigned int t = 0; t < cfg.threads; t++) {
				cpu += cfg.shared->t[p][t].cpu_words;
				gpu += cfg.shared->t[p][t].gpu_words;
				bad += cfg.shared->t[p][t].mismatches;
			}
		printf("  words checked: %" PRIu64 " by the CPU, %" PRIu64
		       " by GPU checksums (%.1f M/s)\n", cpu, gpu,
		       (cpu + gpu) / secs / 1e6);
		printf("  mismatches: %" PRIu64 "\n", bad);
		print_dev_stats(devfd, before);
	}

	if (kmsg_report(kmsg, report, sizeof(report))) {
		printf("nvsvm-stress: FAIL: kernel report since the start:\n%s",
		       report);
		failed = true;
	} else if (kmsg < 0) {
		printf("  kernel log: cannot read /dev/kmsg\n");
	} else {
		printf("  kernel log: no report\n");
	}
	printf("nvsvm-stress: %s (seed %#" PRIx64 ")\n", failed ? "FAIL" : "PASS",
	       cfg.seed);
	return failed ? TOOL_FAIL : TOOL_PASS;
}
