// SPDX-License-Identifier: MIT
/*
 * nvsvm-bench: what migration, GPU and CPU faults and invalidations cost in
 * nvsvm, side by side with the kernel's reference HMM driver (test_hmm's
 * dmirror), with the kernel's copy_page() over the same pages, the ceiling
 * of any migration, and with glibc's memcpy, a second reference.
 *
 * It runs inside the bench VM (scripts/guest-bench.sh), as root, with
 * nvsvm.ko (one device, 256 MiB of VRAM for the migrations; built by
 * `make bench`, with the bench-only debugfs files of nvsvm_bench.c) and
 * test_hmm.ko loaded, and writes one JSON object per sample, one per line:
 *
 *   {"group": "migrate", "name": "migrate/to_dev/nvsvm/4k/128M",
 *    "unit": "GB/s", "value": 0.51, "driver": "nvsvm", ...}
 *
 * scripts/bench-report.py turns them into medians, ratios and a plot.
 *
 * Each measurement runs warm-up + reps times; only the last reps count. The
 * things compared (two drivers and memcpy, or two settings of a module
 * parameter) run in child processes of their own, their reps interleaved,
 * so that neither driver sees the other's mmu notifier on its address
 * space, and a busy moment of the machine weighs on all of them alike.
 * Timing needs a true clock in the guest (see the TSC in scripts/vm-run.sh).
 *
 * Copyright 2026 The nvsvm authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nvsvm.h"
/* From the kernel source the bench kernel is built from (lib/). */
#include "test_hmm_uapi.h"

#define PAGE_SZ		4096ul
#define SZ_64K		(64ul << 10)
#define SZ_1M		(1ul << 20)
#define SZ_2M		(2ul << 20)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((a) - 1))

#define TO_SYS		DRM_NVSVM_MIGRATE_TO_SYSTEM
#define TO_VRAM		DRM_NVSVM_MIGRATE_TO_VRAM
#define PARAMS		"/sys/module/nvsvm/parameters/"

/* A migration or copy rep moves at least this much, to outgrow the clock. */
#define REP_MIN_BYTES	(8 * SZ_1M)
/* Tag of page i of a buffer: its first word. */
#define TAG(seed, i)	((seed) ^ ((uint64_t)(i) * 0x9e3779b97f4a7c15ull))

static FILE *out;
static unsigned int reps = 5, warmup = 1;
static const char *hmm_path = "/dev/hmm_dmirror0";
static unsigned int nvsvm_index;
static uint64_t vram_size;

static void __attribute__((format(printf, 1, 2), noreturn)) die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("nvsvm-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static const char *size_name(size_t size)
{
	static char buf[16];

	if (size >= SZ_1M)
		snprintf(buf, sizeof(buf), "%zuM", size / SZ_1M);
	else
		snprintf(buf, sizeof(buf), "%zuK", size >> 10);
	return buf;
}

/*
 * One sample. Fields the report keys on: group, name, unit, value. The
 * others describe the sample for the table and the plot.
 */
struct sample {
	const char *group;
	const char *unit;
	double value;
	const char *driver;	/* nvsvm, test_hmm, memcpy, or NULL */
	const char *dir;	/* to_dev, to_sys, or NULL */
	const char *backing;	/* 4k, thp, or NULL */
	size_t size;		/* bytes of the buffer, or 0 */
	int thp_pct;		/* share of the buffer in THPs, or -1 */
};

static void __attribute__((format(printf, 2, 3)))
emit(const struct sample *s, const char *fmt, ...)
{
	char name[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);

	fprintf(out, "{\"group\": \"%s\", \"name\": \"%s\", \"unit\": \"%s\", \"value\": %.9g",
		s->group, name, s->unit, s->value);
	if (s->driver)
		fprintf(out, ", \"driver\": \"%s\"", s->driver);
	if (s->dir)
		fprintf(out, ", \"dir\": \"%s\"", s->dir);
	if (s->backing)
		fprintf(out, ", \"backing\": \"%s\"", s->backing);
	if (s->size)
		fprintf(out, ", \"size\": %zu", s->size);
	if (s->thp_pct >= 0)
		fprintf(out, ", \"thp_pct\": %d", s->thp_pct);
	fputs("}\n", out);
	fflush(out);
}

/*
 * A participant of a measurement: the process of one driver or one setting,
 * whose reps interleave with the other participants' (rep 0 of each, then
 * rep 1 of each...), so that whatever else the machine does at a time
 * weighs on all of them alike. Each runs in a child process of its own:
 * @setup once, then @rep for every rep. @before, if any, runs in the parent
 * before each of its reps (to set a module parameter for it).
 */
struct part {
	const char *what;
	void (*setup)(void *st);
	void (*rep)(void *st, unsigned int rep);
	void (*before)(const void *st);
	void *st;
	pid_t pid;
	int cmd, done;	/* the parent's ends of the two pipes */
};

/* Start parts[i]; it must not hold the pipes of the ones before it. */
static void part_start(struct part *parts, unsigned int i)
{
	struct part *p = &parts[i];
	int cmd[2], done[2];
	unsigned int rep, j;

	if (pipe(cmd) || pipe(done))
		die("pipe: %s", strerror(errno));
	fflush(out);
	fflush(stderr);
	p->pid = fork();
	if (p->pid < 0)
		die("fork: %s", strerror(errno));
	if (!p->pid) {
		close(cmd[1]);
		close(done[0]);
		for (j = 0; j < i; j++) {
			close(parts[j].cmd);
			close(parts[j].done);
		}
		if (p->setup)
			p->setup(p->st);
		while (read(cmd[0], &rep, sizeof(rep)) == sizeof(rep)) {
			p->rep(p->st, rep);
			fflush(out);
			if (write(done[1], &rep, sizeof(rep)) != sizeof(rep))
				_exit(1);
		}
		fflush(out);
		_exit(0);
	}
	close(cmd[0]);
	close(done[1]);
	p->cmd = cmd[1];
	p->done = done[0];
}

/* Run the warm-up and counted reps of every participant, interleaved. */
static void run_parts(struct part *parts, unsigned int n)
{
	unsigned int rep, i, r;
	int status;

	for (i = 0; i < n; i++)
		part_start(parts, i);
	for (rep = 0; rep < warmup + reps; rep++) {
		for (i = 0; i < n; i++) {
			if (parts[i].before)
				parts[i].before(parts[i].st);
			if (write(parts[i].cmd, &rep, sizeof(rep)) != sizeof(rep) ||
			    read(parts[i].done, &r, sizeof(r)) != sizeof(r))
				die("%s failed in rep %u", parts[i].what, rep);
		}
	}
	for (i = 0; i < n; i++) {
		close(parts[i].cmd);
		if (waitpid(parts[i].pid, &status, 0) < 0 ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			die("%s failed (status %#x)", parts[i].what, status);
		close(parts[i].done);
	}
}

/* --- Module parameters ---------------------------------------------------- */

static unsigned int param_get(const char *name)
{
	char path[128], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof(buf), f))
		die("read %s: %s", path, strerror(errno));
	fclose(f);
	if (buf[0] == 'Y')
		return 1;
	if (buf[0] == 'N')
		return 0;
	return strtoul(buf, NULL, 0);
}

static void param_set(const char *name, unsigned int value)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%u\n", value) < 0 || fclose(f))
		die("write %u to %s: %s", value, path, strerror(errno));
	if (param_get(name) != value)
		die("%s did not take %u", path, value);
}

/* --- Buffers -------------------------------------------------------------- */

/*
 * An anonymous buffer at a 2 MiB-aligned address, THP-backed or not: the
 * advice covers whole 2 MiB blocks, so a THP buffer of 64 KiB sits at the
 * start of a huge page of its own.
 */
struct buf {
	void *map;
	size_t maplen;
	char *p;
	size_t len;
};

static void buf_map(struct buf *b, size_t len, bool thp)
{
	size_t span = ALIGN_UP(len, SZ_2M);

	b->len = len;
	b->maplen = span + SZ_2M;
	b->map = mmap(NULL, b->maplen, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b->map == MAP_FAILED)
		die("mmap %zu: %s", b->maplen, strerror(errno));
	b->p = (char *)ALIGN_UP((uintptr_t)b->map, SZ_2M);
	if (madvise(b->p, span, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE))
		die("madvise: %s", strerror(errno));
}

/* Populate the buffer (its whole huge page, for THP) and tag every page. */
static void buf_fill(struct buf *b, bool thp, uint64_t seed)
{
	size_t i;

	if (thp)
		memset(b->p, 0x5a, ALIGN_UP(b->len, SZ_2M));
	else
		memset(b->p, 0x5a, b->len);
	for (i = 0; i < b->len / PAGE_SZ; i++)
		*(uint64_t *)(b->p + i * PAGE_SZ) = TAG(seed, i);
}

static void buf_check(const struct buf *b, uint64_t seed, const char *what)
{
	size_t i;

	for (i = 0; i < b->len / PAGE_SZ; i++)
		if (*(uint64_t *)(b->p + i * PAGE_SZ) != TAG(seed, i))
			die("%s: page %zu of %zu lost its data", what, i,
			    b->len / PAGE_SZ);
}

static void buf_unmap(struct buf *b)
{
	munmap(b->map, b->maplen);
	b->map = NULL;
}

/* Share of [p, p + len) in THPs, from the AnonHugePages of its VMA. */
static int thp_pct(const void *p, size_t len)
{
	unsigned long start, end, kb;
	bool in = false;
	char line[256];
	int pct = 0;
	FILE *f;

	f = fopen("/proc/self/smaps", "r");
	if (!f)
		die("/proc/self/smaps: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in = start <= (uintptr_t)p && (uintptr_t)p < end;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1) {
			/* The whole VMA: at most the buffer's 2 MiB blocks. */
			pct = (int)(100 * (kb << 10) / ALIGN_UP(len, SZ_2M));
			break;
		}
	}
	fclose(f);
	return pct > 100 ? 100 : pct;
}

/* --- The two drivers ------------------------------------------------------ */

struct gpu {
	int fd;
	uint32_t chan;
};

static struct gpu gpu_open(void)
{
	struct gpu g;
	int ret;

	g.fd = nvsvm_open_index(nvsvm_index);
	if (g.fd < 0)
		die("nvsvm device %u: %s", nvsvm_index, nvsvm_strerror(g.fd));
	ret = nvsvm_svm_init(g.fd);
	if (!ret)
		ret = nvsvm_channel_create(g.fd, &g.chan);
	if (ret)
		die("nvsvm setup: %s", nvsvm_strerror(ret));
	return g;
}

static struct drm_nvsvm_stats gpu_stats(const struct gpu *g)
{
	struct drm_nvsvm_stats s;
	int ret = nvsvm_stats(g->fd, DRM_NVSVM_STATS_DEVICE, &s);

	if (ret)
		die("STATS: %s", nvsvm_strerror(ret));
	return s;
}

#define DELTA(after, before, field)	((double)((after).field - (before).field))

static void gpu_migrate(const struct gpu *g, void *p, size_t len,
			uint32_t target, bool all)
{
	uint64_t migrated = 0, skipped = 0;
	int ret = nvsvm_migrate(g->fd, p, len, target, &migrated, &skipped);

	if (ret)
		die("MIGRATE %p+%zu: %s", p, len, nvsvm_strerror(ret));
	if (all && migrated != len / PAGE_SZ)
		die("MIGRATE %p+%zu to %s: %" PRIu64 " of %zu pages moved",
		    p, len, target == TO_VRAM ? "VRAM" : "system", migrated,
		    len / PAGE_SZ);
}

/* Run a job of up to NVSVM_JOB_MAX_OPS ops; returns its wall time. */
static double gpu_run(const struct gpu *g, const struct drm_nvsvm_op *ops,
		      unsigned int count)
{
	double t = now();
	int ret = nvsvm_run(g->fd, g->chan, ops, count);

	if (ret)
		die("job: %s", nvsvm_strerror(ret));
	return now() - t;
}

/* Ops of at most NVSVM_OP_MAX_LEN each over [p, p + len). */
static unsigned int ops_fill(struct drm_nvsvm_op *ops, char *p, size_t len,
			     uint64_t value)
{
	unsigned int n = 0;
	size_t off, l;

	for (off = 0; off < len; off += l, n++) {
		l = len - off < NVSVM_OP_MAX_LEN ? len - off : NVSVM_OP_MAX_LEN;
		ops[n] = nvsvm_op_fill(p + off, l, value);
	}
	return n;
}

static uint64_t gpu_checksum(const struct gpu *g, const char *p, size_t len)
{
	struct drm_nvsvm_op ops[NVSVM_JOB_MAX_OPS];
	uint64_t sums[NVSVM_JOB_MAX_OPS], h = 0;
	unsigned int n = 0, i;
	size_t off, l;

	for (off = 0; off < len; off += l, n++) {
		l = len - off < NVSVM_OP_MAX_LEN ? len - off : NVSVM_OP_MAX_LEN;
		ops[n] = nvsvm_op_checksum(&sums[n], p + off, l);
	}
	gpu_run(g, ops, n);
	for (i = 0; i < n; i++)
		h = h * 31 + sums[i];
	return h;
}

static uint64_t cpu_checksum(const char *p, size_t len)
{
	uint64_t h = 0;
	size_t off, l;

	for (off = 0; off < len; off += l) {
		l = len - off < NVSVM_OP_MAX_LEN ? len - off : NVSVM_OP_MAX_LEN;
		h = h * 31 + nvsvm_checksum(p + off, l);
	}
	return h;
}

static int hmm_open(void)
{
	int fd = open(hmm_path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("%s: %s (is test_hmm.ko loaded?)", hmm_path,
		    strerror(errno));
	return fd;
}

/* test_hmm copies what it migrates back to user space, into this. */
static void *hmm_mirror(size_t size)
{
	void *mirror = calloc(1, size);

	if (!mirror)
		die("malloc %zu", size);
	return mirror;
}

/*
 * test_hmm's MIGRATE_TO_DEV also reads the migrated range back into @mirror
 * (its uAPI does so for the selftests' checks); that is part of its cost.
 */
static void hmm_migrate(int fd, void *p, size_t len, void *mirror,
			bool to_dev)
{
	struct hmm_dmirror_cmd cmd = {
		.addr = (uintptr_t)p,
		.ptr = (uintptr_t)mirror,
		.npages = len / PAGE_SZ,
	};

	if (ioctl(fd, to_dev ? HMM_DMIRROR_MIGRATE_TO_DEV :
				HMM_DMIRROR_MIGRATE_TO_SYS, &cmd))
		die("HMM_DMIRROR_MIGRATE_TO_%s %p+%zu: %s",
		    to_dev ? "DEV" : "SYS", p, len, strerror(errno));
	if (cmd.cpages != len / PAGE_SZ)
		die("HMM_DMIRROR_MIGRATE_TO_%s %p+%zu: %llu of %zu pages moved",
		    to_dev ? "DEV" : "SYS", p, len,
		    (unsigned long long)cmd.cpages, len / PAGE_SZ);
}

/* --- The bench-only references of nvsvm_bench.c ------------------------- */

/*
 * Write @cmd to the device's debugfs file bench/@file, which measures in the
 * kernel, and read back the nanoseconds it took.
 */
static double bench_ref_ns(const char *file, const char *cmd)
{
	char path[128], buf[64] = "";
	unsigned long long ns;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%u/bench/%s",
		 nvsvm_index, file);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("%s: %s (is nvsvm.ko the one `make bench` builds?)", path,
		    strerror(errno));
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
		die("write \"%s\" to %s: %s", cmd, path, strerror(errno));
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0 || sscanf(buf, "ns=%llu", &ns) != 1)
		die("read %s: %s", path, n < 0 ? strerror(errno) : buf);
	close(fd);
	return ns;
}

/* Seconds of the kernel's copy_page() over @pages fresh pages, best of 3. */
static double kcopy_time(size_t pages)
{
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "%zu", pages);
	return bench_ref_ns("copy_ceiling", cmd) * 1e-9;
}

/*
 * Seconds of hmm_range_fault() alone, for write, over [p, p + len) of this
 * process, one call a @window-aligned window: the floor of a GPU fault
 * service of the same pages.
 */
static double hmm_floor_time(const void *p, size_t len, size_t window)
{
	char cmd[80];

	snprintf(cmd, sizeof(cmd), "%#lx %#zx %#zx", (unsigned long)p, len,
		 window);
	return bench_ref_ns("hmm_floor", cmd) * 1e-9;
}

/* --- Trace events: the driver's own timings ------------------------------- */

#define TRACEFS		"/sys/kernel/tracing/"

static void trace_write(const char *file, const char *value)
{
	char path[160];
	FILE *f;

	snprintf(path, sizeof(path), TRACEFS "%s", file);
	f = fopen(path, "w");
	if (!f || fputs(value, f) < 0 || fclose(f))
		die("write %s to %s: %s (a bench kernel with tracefs?)", value,
		    path, strerror(errno));
}

/* Record @events (names under events/nvsvm/) from now on, from scratch. */
static void trace_start(const char *const *events, unsigned int n)
{
	char file[128];
	unsigned int i;

	trace_write("tracing_on", "0");
	trace_write("events/nvsvm/enable", "0");
	trace_write("buffer_size_kb", "32768");
	trace_write("trace", "");
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "events/nvsvm/%s/enable", events[i]);
		trace_write(file, "1");
	}
	trace_write("tracing_on", "1");
}

#define LAT_PHASES	8

/*
 * A growable array of event durations, in ns, and the sums of the phases
 * that split them: the events' *_ns fields named in @phases (NULL-ended).
 */
struct lat {
	double *v;
	size_t n, cap;
	const char *const *phases;
	double phase_ns[LAT_PHASES];
};

static void lat_add(struct lat *l, double v)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 1024;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			die("realloc");
	}
	l->v[l->n++] = v;
}

static int lat_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The @q quantile of @l, sorted, by the nearest rank. */
static double lat_pct(const struct lat *l, double q)
{
	size_t i = (size_t)(q * l->n + 0.999999);

	return l->v[i ? i - 1 : 0];
}

/* The value of " @key=" in @line, 0 if it has none. */
static double trace_field(const char *line, const char *key)
{
	char k[64];
	const char *at;

	snprintf(k, sizeof(k), " %s=", key);
	at = strstr(line, k);
	return at ? strtod(at + strlen(k), NULL) : 0;
}

/*
 * Stop recording; add the ns= of every event in the trace to its kind:
 * @kinds[i] collects the events @names[i] whose line also holds @match[i]
 * (any line, for NULL), and the sums of their phases. A fault batch's
 * latency runs from its oldest fault's entry in the fault buffer:
 * queued_ns + ns. Dies if the ring buffer dropped any.
 */
static void trace_collect(const char *const *names, const char *const *match,
			  struct lat *kinds, unsigned int n)
{
	unsigned long in_buf, written;
	char line[512], key[64];
	unsigned int i, j;
	const char *at;
	FILE *f;

	trace_write("tracing_on", "0");
	f = fopen(TRACEFS "trace", "r");
	if (!f)
		die(TRACEFS "trace: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#') {
			at = strstr(line, "entries-in-buffer/entries-written:");
			if (at && sscanf(at, "entries-in-buffer/entries-written: %lu/%lu",
					 &in_buf, &written) == 2 && in_buf != written)
				die("trace: %lu of %lu events lost", written - in_buf,
				    written);
			continue;
		}
		for (i = 0; i < n; i++) {
			snprintf(key, sizeof(key), " %s: ", names[i]);
			if (!strstr(line, key) ||
			    (match[i] && !strstr(line, match[i])))
				continue;
			at = strstr(line, " ns=");
			if (at)
				lat_add(&kinds[i], strtod(at + 4, NULL) +
					trace_field(line, "queued_ns"));
			for (j = 0; kinds[i].phases && kinds[i].phases[j]; j++)
				kinds[i].phase_ns[j] +=
					trace_field(line, kinds[i].phases[j]);
			break;
		}
	}
	fclose(f);
	trace_write("events/nvsvm/enable", "0");
	trace_write("trace", "");
}

/* --- 1, 2: migration throughput and the ceilings ------------------- */

static const size_t migrate_sizes[] = { SZ_64K, SZ_2M, 16 * SZ_1M, 128 * SZ_1M };

struct migrate_st {
	const char *driver;	/* nvsvm, test_hmm, memcpy or kcopy */
	size_t size;
	bool thp;
	struct gpu g;
	int hmm;
	void *mirror;		/* test_hmm's read-back buffer */
	struct buf bufs[REP_MIN_BYTES / SZ_64K], dsts[REP_MIN_BYTES / SZ_64K];
};

static void migrate_setup(void *arg)
{
	struct migrate_st *m = arg;

	if (!strncmp(m->driver, "nvsvm", 5)) {
		m->g = gpu_open();
	} else if (!strcmp(m->driver, "test_hmm")) {
		m->hmm = hmm_open();
		m->mirror = hmm_mirror(m->size);
	}
}

/*
 * One rep: k fresh buffers of the size (enough for REP_MIN_BYTES), filled
 * by the CPU, then all to the device and all back (or all memcpy'd). The
 * kernel's copy, kcopy, copies as many pages with copy_page() in the kernel.
 */
static void migrate_rep(void *arg, unsigned int rep)
{
	struct migrate_st *m = arg;
	const char *backing = m->thp ? "thp" : "4k";
	bool is_memcpy = !strcmp(m->driver, "memcpy");
	bool nvsvm = !strncmp(m->driver, "nvsvm", 5);
	unsigned int k = m->size < REP_MIN_BYTES ? REP_MIN_BYTES / m->size : 1;
	uint64_t seed = ((uint64_t)rep << 32) | m->size;
	struct sample s = {
		.group = is_memcpy ? "memcpy" : "migrate", .unit = "GB/s",
		.driver = m->driver, .backing = backing, .size = m->size,
		.thp_pct = -1,
	};
	double t0, t1, t2;
	unsigned int i;
	int pct;

	if (!strcmp(m->driver, "kcopy")) {
		t0 = kcopy_time(k * m->size / PAGE_SZ);
		if (rep < warmup)
			return;
		s.group = "kcopy";
		s.value = (double)k * m->size / t0 / 1e9;
		emit(&s, "kcopy/%s/%s", backing, size_name(m->size));
		return;
	}
	for (i = 0; i < k; i++) {
		buf_map(&m->bufs[i], m->size, m->thp);
		buf_fill(&m->bufs[i], m->thp, seed + i);
		if (is_memcpy) {
			buf_map(&m->dsts[i], m->size, m->thp);
			buf_fill(&m->dsts[i], m->thp, ~seed);
		}
	}
	if (m->thp) {
		for (i = 0, s.thp_pct = 100; i < k; i++) {
			pct = thp_pct(m->bufs[i].p, m->size);
			s.thp_pct = pct < s.thp_pct ? pct : s.thp_pct;
		}
		if (s.thp_pct < 100)
			note("  warning: %s %s: only %d%% in THPs", m->driver,
			     size_name(m->size), s.thp_pct);
	}

	t0 = now();
	for (i = 0; i < k; i++) {
		if (is_memcpy)
			memcpy(m->dsts[i].p, m->bufs[i].p, m->size);
		else if (nvsvm)
			gpu_migrate(&m->g, m->bufs[i].p, m->size, TO_VRAM, true);
		else
			hmm_migrate(m->hmm, m->bufs[i].p, m->size, m->mirror, true);
	}
	t1 = now();
	for (i = 0; i < k && !is_memcpy; i++) {
		if (nvsvm)
			gpu_migrate(&m->g, m->bufs[i].p, m->size, TO_SYS, true);
		else
			hmm_migrate(m->hmm, m->bufs[i].p, m->size, m->mirror, false);
	}
	t2 = now();

	for (i = 0; i < k; i++) {
		if (is_memcpy) {
			buf_check(&m->dsts[i], seed + i, "memcpy");
			buf_unmap(&m->dsts[i]);
		} else {
			buf_check(&m->bufs[i], seed + i, m->driver);
		}
		buf_unmap(&m->bufs[i]);
	}
	if (rep < warmup)
		return;

	s.value = (double)k * m->size / (t1 - t0) / 1e9;
	if (is_memcpy) {
		emit(&s, "memcpy/%s/%s", backing, size_name(m->size));
		return;
	}
	s.dir = "to_dev";
	emit(&s, "migrate/to_dev/%s/%s/%s", m->driver, backing,
	     size_name(m->size));
	s.dir = "to_sys";
	s.value = (double)k * m->size / (t2 - t1) / 1e9;
	emit(&s, "migrate/to_sys/%s/%s/%s", m->driver, backing,
	     size_name(m->size));
}

/* The module's migrate_workers, put back at the end of the group. */
static unsigned int migrate_workers_default;

/*
 * "nvsvm" migrates with a worker per CPU (migrate_workers=0), "nvsvm-1w"
 * with one, the caller alone.
 */
static void migrate_before(const void *arg)
{
	const struct migrate_st *m = arg;

	if (!strcmp(m->driver, "nvsvm-1w"))
		param_set("migrate_workers", 1);
	else if (!strcmp(m->driver, "nvsvm"))
		param_set("migrate_workers", 0);
}

static void bench_migrate(void)
{
	static const char *const drivers[] = { "nvsvm", "nvsvm-1w", "test_hmm",
					       "memcpy", "kcopy" };
	struct migrate_st st[ARRAY_SIZE(drivers)];
	struct part parts[ARRAY_SIZE(drivers)];
	unsigned int i, d;
	int thp;

	migrate_workers_default = param_get("migrate_workers");
	for (i = 0; i < ARRAY_SIZE(migrate_sizes); i++) {
		for (thp = 0; thp <= 1; thp++) {
			note("migrate: %s %s: nvsvm, nvsvm-1w, test_hmm, memcpy, kcopy",
			     size_name(migrate_sizes[i]), thp ? "thp" : "4k");
			for (d = 0; d < ARRAY_SIZE(drivers); d++) {
				st[d] = (struct migrate_st) {
					.driver = drivers[d],
					.size = migrate_sizes[i],
					.thp = thp,
				};
				parts[d] = (struct part) {
					.what = drivers[d],
					.setup = migrate_setup,
					.rep = migrate_rep,
					.before = migrate_before,
					.st = &st[d],
				};
			}
			run_parts(parts, ARRAY_SIZE(parts));
		}
	}
	param_set("migrate_workers", migrate_workers_default);
}

/* --- 3: remigration of a half-resident range ----------------------------- */

#define REMIGRATE_SIZE	(32 * SZ_1M)

/* A participant that differs from the others by a setting, or a driver. */
struct setting_st {
	const char *param;	/* module parameter, or NULL */
	unsigned int value;
	const char *param2;	/* a second one, or NULL */
	unsigned int value2;
	const char *label;	/* in the metric names */
	size_t hmm_size;	/* nonzero: test_hmm, with a mirror that big */
	struct gpu g;
	int hmm;
	void *mirror;
};

static void setting_before(const void *arg)
{
	const struct setting_st *t = arg;

	if (t->param)
		param_set(t->param, t->value);
	if (t->param2)
		param_set(t->param2, t->value2);
}

static void setting_setup(void *arg)
{
	struct setting_st *t = arg;

	t->hmm = -1;
	if (!t->hmm_size) {
		t->g = gpu_open();
		return;
	}
	t->hmm = hmm_open();
	t->mirror = hmm_mirror(t->hmm_size);
}

/*
 * The GPU maps a whole range, half of which then moves to VRAM (and is
 * mapped there by the migration). Migrating the whole range then moves the
 * other half: what does it cost the half that was in VRAM all along?
 */
static void remigrate_rep(void *arg, unsigned int rep)
{
	struct setting_st *t = arg;
	size_t half = REMIGRATE_SIZE / 2;
	struct drm_nvsvm_stats s0, s1, s2;
	struct sample s = { .group = "remigrate", .driver = "nvsvm",
			    .size = REMIGRATE_SIZE, .thp_pct = -1 };
	uint64_t sum;
	struct buf b;
	double time;

	buf_map(&b, REMIGRATE_SIZE, false);
	buf_fill(&b, false, rep);
	sum = cpu_checksum(b.p, half);
	gpu_checksum(&t->g, b.p, REMIGRATE_SIZE);
	gpu_migrate(&t->g, b.p, half, TO_VRAM, true);

	s0 = gpu_stats(&t->g);
	time = now();
	gpu_migrate(&t->g, b.p, REMIGRATE_SIZE, TO_VRAM, false);
	time = now() - time;
	s1 = gpu_stats(&t->g);
	/* The resident half: still mapped for the GPU, or faulted again? */
	if (gpu_checksum(&t->g, b.p, half) != sum)
		die("remigrate: the GPU read wrong data");
	s2 = gpu_stats(&t->g);
	buf_check(&b, rep, "remigrate");
	buf_unmap(&b);
	if (DELTA(s1, s0, migrated_to_vram) != half / PAGE_SZ)
		die("remigrate: %.0f pages moved, not %zu",
		    DELTA(s1, s0, migrated_to_vram), half / PAGE_SZ);
	if (rep < warmup)
		return;

	s.unit = "ms";
	s.value = time * 1e3;
	emit(&s, "remigrate/%s/time", t->label);
	s.unit = "count";
	s.value = DELTA(s1, s0, invalidations);
	emit(&s, "remigrate/%s/notifier_invalidations", t->label);
	s.value = DELTA(s1, s0, invalidations_skipped);
	emit(&s, "remigrate/%s/invalidations_skipped", t->label);
	s.value = DELTA(s1, s0, tlb_flushes);
	emit(&s, "remigrate/%s/tlb_flushes", t->label);
	s.unit = "pages";
	s.value = DELTA(s1, s0, migration_invalidations);
	emit(&s, "remigrate/%s/migration_invalidations", t->label);
	s.value = DELTA(s2, s1, pages_mapped);
	emit(&s, "remigrate/%s/resident_pages_refaulted", t->label);
}

static void bench_settings(const char *group, const char *param,
			   struct setting_st *st, unsigned int n,
			   void (*rep)(void *, unsigned int))
{
	unsigned int saved = param_get(param), i;
	struct part parts[4];

	for (i = 0; i < n && i < ARRAY_SIZE(parts); i++)
		parts[i] = (struct part) {
			.what = group,
			.setup = setting_setup,
			.rep = rep,
			.before = setting_before,
			.st = &st[i],
		};
	run_parts(parts, i);
	param_set(param, saved);
}

static void bench_remigrate(void)
{
	struct setting_st st[] = {
		{ .param = "skip_own_migrate", .value = 1, .label = "skip_on" },
		{ .param = "skip_own_migrate", .value = 0, .label = "skip_off" },
	};

	note("remigrate: skip_own_migrate 1 and 0");
	bench_settings("remigrate", "skip_own_migrate", st, ARRAY_SIZE(st),
		       remigrate_rep);
}

/* --- 4: GPU first-touch fault servicing ---------------------------------- */

#define GPUFAULT_SIZE	(64 * SZ_1M)

/* One GPU word-write per page of @b, all jobs submitted, then waited for. */
static double gpu_touch(const struct gpu *g, const struct buf *b, uint64_t v)
{
	static uint64_t jobs[GPUFAULT_SIZE / PAGE_SZ / NVSVM_JOB_MAX_OPS];
	struct drm_nvsvm_op ops[NVSVM_JOB_MAX_OPS];
	size_t n = b->len / PAGE_SZ / NVSVM_JOB_MAX_OPS, i, j;
	int ret, status;
	double t = now();

	if (n > ARRAY_SIZE(jobs))
		die("gpu_touch: %zu bytes is too much", b->len);
	for (i = 0; i < n; i++) {
		for (j = 0; j < NVSVM_JOB_MAX_OPS; j++)
			ops[j] = nvsvm_op_fill(b->p + (i * NVSVM_JOB_MAX_OPS + j) * PAGE_SZ,
					       sizeof(uint64_t), v);
		ret = nvsvm_job_submit(g->fd, g->chan, ops, j, &jobs[i]);
		if (ret)
			die("job submit: %s", nvsvm_strerror(ret));
	}
	for (i = 0; i < n; i++) {
		ret = nvsvm_job_wait(g->fd, jobs[i], NVSVM_RUN_TIMEOUT_NS, &status);
		if (ret || status)
			die("job: %s", nvsvm_strerror(ret ? ret : status));
	}
	return now() - t;
}

/*
 * Two first touches by the GPU of fresh memory, never touched by the CPU, so
 * that its faults populate and map every page:
 * - sweep: a fill of the whole range, as an application would write it;
 *   the emulated GPU's own work (a translated access per word) is in it;
 * - touch: one word per page (jobs of NVSVM_JOB_MAX_OPS one-word fills,
 *   all submitted, then waited for), which leaves the fault servicing.
 */
static void gpufault_rep(void *arg, unsigned int rep)
{
	struct setting_st *t = arg;
	struct drm_nvsvm_op ops[NVSVM_JOB_MAX_OPS];
	size_t pages = GPUFAULT_SIZE / PAGE_SZ;
	struct sample s = { .group = "gpufault", .driver = "nvsvm",
			    .size = GPUFAULT_SIZE, .thp_pct = -1 };
	struct drm_nvsvm_stats s0, s1, s2;
	double sweep, touch;
	unsigned int n;
	struct buf b;

	buf_map(&b, GPUFAULT_SIZE, false);
	n = ops_fill(ops, b.p, GPUFAULT_SIZE, rep + 1);
	s0 = gpu_stats(&t->g);
	sweep = gpu_run(&t->g, ops, n);
	s1 = gpu_stats(&t->g);
	if (*(uint64_t *)(b.p + GPUFAULT_SIZE - 8) != rep + 1)
		die("gpufault: the fill did not land");
	buf_unmap(&b);

	buf_map(&b, GPUFAULT_SIZE, false);
	touch = gpu_touch(&t->g, &b, rep + 1);
	s2 = gpu_stats(&t->g);
	if (*(uint64_t *)(b.p + GPUFAULT_SIZE - PAGE_SZ) != rep + 1)
		die("gpufault: the touch did not land");
	buf_unmap(&b);
	if (rep < warmup)
		return;

	s.unit = "pages/s";
	s.value = pages / sweep;
	emit(&s, "gpufault/%s/sweep_pages_per_s", t->label);
	s.value = pages / touch;
	emit(&s, "gpufault/%s/touch_pages_per_s", t->label);
	s.unit = "count";
	s.value = DELTA(s1, s0, fault_batches);
	emit(&s, "gpufault/%s/sweep_fault_batches", t->label);
	s.value = DELTA(s2, s1, fault_batches);
	emit(&s, "gpufault/%s/touch_fault_batches", t->label);
	s.value = DELTA(s2, s1, faults);
	emit(&s, "gpufault/%s/touch_faults", t->label);
	s.unit = "pages";
	s.value = DELTA(s2, s1, pages_mapped);
	emit(&s, "gpufault/%s/touch_pages_mapped", t->label);
}

static void bench_gpufault(void)
{
	struct setting_st st[] = {
		{ .param = "fault_window_kb", .value = 4, .label = "win4k" },
		{ .param = "fault_window_kb", .value = 2048, .label = "win2048k" },
	};

	note("gpufault: fault_window_kb 4 and 2048");
	bench_settings("gpufault", "fault_window_kb", st, ARRAY_SIZE(st),
		       gpufault_rep);
}

/* --- 4d: the fault-path bound: hmm_range_fault() alone ------------------ */

#define FAULTBOUND_SIZE	(16 * SZ_1M)

static const char *const batch_event[] = { "nvsvm_fault_batch" };

/*
 * The GPU's first touch of fresh memory at the 2 MiB window (one word a
 * page, as in 4), against hmm_range_fault() alone over as much fresh
 * memory, window by 2 MiB window, for write as the fault path asks: the
 * floor of any fault service. The driver's service is the sum of its fault
 * batches' own times (nvsvm_fault_batch ns=, from the fault entering the
 * buffer to the replay); the touch's wall time, job submission and the
 * emulated GPU's work in it too, comes along.
 */
static void faultbound_rep(void *arg, unsigned int rep)
{
	struct setting_st *t = arg;
	struct sample s = { .group = "faultbound", .driver = "nvsvm",
			    .size = FAULTBOUND_SIZE, .thp_pct = -1 };
	struct lat batches = { 0 };
	double touch, service = 0, hfloor;
	struct buf b;
	size_t i;

	buf_map(&b, FAULTBOUND_SIZE, false);
	trace_start(batch_event, 1);
	touch = gpu_touch(&t->g, &b, rep + 1);
	trace_collect(batch_event, (const char *const[]){ NULL }, &batches, 1);
	if (*(uint64_t *)(b.p + FAULTBOUND_SIZE - PAGE_SZ) != rep + 1)
		die("faultbound: the touch did not land");
	buf_unmap(&b);
	for (i = 0; i < batches.n; i++)
		service += batches.v[i] * 1e-9;
	free(batches.v);

	buf_map(&b, FAULTBOUND_SIZE, false);
	hfloor = hmm_floor_time(b.p, FAULTBOUND_SIZE, SZ_2M);
	buf_unmap(&b);
	if (!batches.n)
		die("faultbound: no nvsvm_fault_batch event");
	if (rep < warmup)
		return;

	s.unit = "ms";
	s.value = touch * 1e3;
	emit(&s, "faultbound/touch_time");
	s.value = service * 1e3;
	emit(&s, "faultbound/service_time");
	s.value = hfloor * 1e3;
	emit(&s, "faultbound/hmm_floor_time");
	s.unit = "count";
	s.value = batches.n;
	emit(&s, "faultbound/fault_batches");
}

static void bench_faultbound(void)
{
	struct setting_st st[] = {
		{ .param = "fault_window_kb", .value = 2048, .label = "win2048k" },
	};

	note("faultbound: GPU first touch at the 2 MiB window vs hmm_range_fault()");
	bench_settings("faultbound", "fault_window_kb", st, ARRAY_SIZE(st),
		       faultbound_rep);
}

/* --- 4e: per-event latency, from the driver's trace events -------------- */

#define LATENCY_SIZE	(16 * SZ_1M)

static double cpu_touch(const struct buf *b, uint64_t seed);

/*
 * The kinds of events timed: their events, what else their line holds, and
 * the phases that split them. cpu_fault_step is the migration step of each
 * CPU fault-back (traced apart from MIGRATE's steps to system memory).
 */
static const char *const lat_events[] = {
	"nvsvm_fault_batch", "nvsvm_migrate", "nvsvm_migrate",
	"nvsvm_cpu_fault", "nvsvm_migrate",
};
static const char *const lat_match[] = { NULL, "dir=to_vram", "dir=to_sys",
					 NULL, "dir=to_sys" };
static const char *const lat_kinds[] = { "gpu_fault_batch", "migrate_to_vram",
					 "migrate_to_sys", "cpu_fault",
					 "cpu_fault_step" };
static const char *const batch_phases[] = { "queued_ns", "fault_ns",
					    "migrate_ns", "map_ns", NULL };
static const char *const step_phases[] = { "setup_ns", "unmap_ns", "dma_ns",
					   "copy_ns", "pages_ns", "map_ns",
					   "finalize_ns", NULL };
static const char *const *const lat_phases[] = { batch_phases, step_phases,
						 step_phases, NULL,
						 step_phases };
/* The first three kinds are traced together, then the last two. */
#define LAT_FIRST	3

struct latency_st {
	struct gpu g;
	struct lat kinds[ARRAY_SIZE(lat_events)];
};

static void latency_setup(void *arg)
{
	struct latency_st *l = arg;
	unsigned int k;

	l->g = gpu_open();
	for (k = 0; k < ARRAY_SIZE(lat_events); k++)
		l->kinds[k].phases = lat_phases[k];
}

/*
 * With the events on, the default windows (2 MiB, GPU and CPU): a GPU first
 * touch of fresh memory (fault batches), a migration to VRAM of a filled
 * range (its steps), half of it back by MIGRATE; then, traced apart, the
 * other half by CPU reads (CPU faults, and their steps). Every counted
 * rep's events pool, and the last one reports their p50, p90 and p99, and
 * the mean of each phase.
 */
static void latency_rep(void *arg, unsigned int rep)
{
	struct latency_st *l = arg;
	struct lat scratch[ARRAY_SIZE(lat_events)] = { 0 };
	struct lat *into = rep < warmup ? scratch : l->kinds;
	struct sample s = { .group = "latency", .driver = "nvsvm",
			    .size = LATENCY_SIZE, .thp_pct = -1 };
	size_t half = LATENCY_SIZE / 2, i;
	static const double q[] = { 0.5, 0.9, 0.99 };
	struct buf a, b;
	unsigned int k, j;

	buf_map(&a, LATENCY_SIZE, false);
	buf_map(&b, LATENCY_SIZE, false);
	buf_fill(&b, false, rep);
	trace_start(lat_events, LAT_FIRST);
	gpu_touch(&l->g, &a, rep + 1);
	gpu_migrate(&l->g, b.p, LATENCY_SIZE, TO_VRAM, true);
	gpu_migrate(&l->g, b.p, half, TO_SYS, true);
	trace_collect(lat_events, lat_match, into, LAT_FIRST);
	trace_start(lat_events + LAT_FIRST, ARRAY_SIZE(lat_events) - LAT_FIRST);
	cpu_touch(&b, rep);
	trace_collect(lat_events + LAT_FIRST, lat_match + LAT_FIRST,
		      into + LAT_FIRST, ARRAY_SIZE(lat_events) - LAT_FIRST);
	buf_unmap(&a);
	buf_unmap(&b);
	for (k = 0; k < ARRAY_SIZE(lat_events); k++)
		free(scratch[k].v);
	if (rep != warmup + reps - 1)
		return;

	for (k = 0; k < ARRAY_SIZE(lat_events); k++) {
		struct lat *e = &l->kinds[k];

		if (!e->n)
			die("latency: no %s event", lat_kinds[k]);
		qsort(e->v, e->n, sizeof(*e->v), lat_cmp);
		s.unit = "us";
		for (j = 0; j < ARRAY_SIZE(q); j++) {
			s.value = lat_pct(e, q[j]) * 1e-3;
			emit(&s, "latency/%s/p%g", lat_kinds[k], q[j] * 100);
		}
		for (i = 0, s.value = 0; i < e->n; i++)
			s.value += e->v[i];
		s.value = s.value / e->n * 1e-3;
		emit(&s, "latency/%s/mean", lat_kinds[k]);
		for (j = 0; e->phases && e->phases[j]; j++) {
			s.value = e->phase_ns[j] / e->n * 1e-3;
			emit(&s, "latency/%s/phase/%.*s", lat_kinds[k],
			     (int)(strlen(e->phases[j]) - 3), e->phases[j]);
		}
		s.unit = "count";
		s.value = e->n;
		emit(&s, "latency/%s/n", lat_kinds[k]);
		free(e->v);
	}
}

static void bench_latency(void)
{
	struct latency_st st = { 0 };
	struct part part = {
		.what = "latency",
		.setup = latency_setup,
		.rep = latency_rep,
		.st = &st,
	};

	note("latency: GPU fault batches, CPU fault-backs, migrate steps");
	run_parts(&part, 1);
}

/* --- 4b: what DMA mapping through the IOMMU costs ------------------------ */

#define DMA_SIZE	(16 * SZ_1M)

/*
 * The fault path (GPU first touch, one word a page, each page DMA-mapped
 * for its PTE) and the migration path (a round trip through VRAM, each
 * system page DMA-mapped for its copy), through the emulated IOMMU and
 * with iommu_passthrough's identity mappings.
 */
static void dma_rep(void *arg, unsigned int rep)
{
	struct setting_st *t = arg;
	struct sample s = { .group = "dma", .driver = "nvsvm",
			    .size = DMA_SIZE, .thp_pct = -1 };
	struct drm_nvsvm_stats s0, s1, s2;
	double touch, to_dev, to_sys;
	struct buf b;

	buf_map(&b, DMA_SIZE, false);
	s0 = gpu_stats(&t->g);
	touch = gpu_touch(&t->g, &b, rep + 1);
	s1 = gpu_stats(&t->g);
	if (*(uint64_t *)(b.p + DMA_SIZE - PAGE_SZ) != rep + 1)
		die("dma: the touch did not land");
	buf_fill(&b, false, rep);
	to_dev = now();
	gpu_migrate(&t->g, b.p, DMA_SIZE, TO_VRAM, true);
	to_dev = now() - to_dev;
	to_sys = now();
	gpu_migrate(&t->g, b.p, DMA_SIZE, TO_SYS, true);
	to_sys = now() - to_sys;
	s2 = gpu_stats(&t->g);
	buf_check(&b, rep, "dma");
	buf_unmap(&b);
	if (rep < warmup)
		return;

	s.unit = "pages/s";
	s.value = DMA_SIZE / PAGE_SZ / touch;
	emit(&s, "dma/%s/fault_pages_per_s", t->label);
	s.unit = "GB/s";
	s.value = DMA_SIZE / to_dev / 1e9;
	emit(&s, "dma/%s/migrate_to_dev", t->label);
	s.value = DMA_SIZE / to_sys / 1e9;
	emit(&s, "dma/%s/migrate_to_sys", t->label);
	s.unit = "count";
	s.value = DELTA(s1, s0, dma_maps) / (DMA_SIZE / SZ_1M);
	emit(&s, "dma/%s/fault_dma_maps_per_mib", t->label);
	s.value = DELTA(s2, s1, dma_maps) / (DMA_SIZE / SZ_1M);
	emit(&s, "dma/%s/migrate_dma_maps_per_mib", t->label);
}

static void bench_dma(void)
{
	struct setting_st st[] = {
		{ .param = "iommu_passthrough", .value = 0, .label = "iommu" },
		{ .param = "iommu_passthrough", .value = 1, .label = "passthrough" },
	};

	note("dma: iommu_passthrough 0 and 1");
	bench_settings("dma", "iommu_passthrough", st, ARRAY_SIZE(st), dma_rep);
}

/* --- 4c: TLB reach of large VRAM pages ----------------------------------- */

#define TLB_ARRAY	(4 * SZ_1M)

/* The hub TLB's misses so far, from the emulator's debugfs. */
static uint64_t tlb_misses(void)
{
	char path[128], line[64];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/nvsvm%u/emu/tlb",
		 nvsvm_index);
	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "misses %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * A triad a = b + 3c over three 4 MiB arrays in VRAM, 2 MiB aligned and
 * migrated whole, so that each is contiguous: with vram_large_pages the
 * GPU maps them with 2 MiB pages, without it with 4 KiB ones. What does
 * that do to the TLB's misses, and to the triad?
 */
static void tlb_rep(void *arg, unsigned int rep)
{
	struct setting_st *t = arg;
	struct sample s = { .group = "tlb", .driver = "nvsvm",
			    .size = 3 * TLB_ARRAY, .thp_pct = -1 };
	struct drm_nvsvm_op op;
	struct buf a, b, c;
	uint64_t m0, m1, *wa, *wb, *wc;
	double time;
	size_t i;

	buf_map(&a, TLB_ARRAY, false);
	buf_map(&b, TLB_ARRAY, false);
	buf_map(&c, TLB_ARRAY, false);
	wa = (uint64_t *)a.p;
	wb = (uint64_t *)b.p;
	wc = (uint64_t *)c.p;
	for (i = 0; i < TLB_ARRAY / 8; i++) {
		wa[i] = 0;
		wb[i] = i + rep;
		wc[i] = 2 * i;
	}
	gpu_migrate(&t->g, a.p, TLB_ARRAY, TO_VRAM, true);
	gpu_migrate(&t->g, b.p, TLB_ARRAY, TO_VRAM, true);
	gpu_migrate(&t->g, c.p, TLB_ARRAY, TO_VRAM, true);

	op = nvsvm_op_triad(wa, wb, wc, TLB_ARRAY, 3);
	m0 = tlb_misses();
	time = gpu_run(&t->g, &op, 1);
	m1 = tlb_misses();
	for (i = 0; i < TLB_ARRAY / 8; i += 4099)
		if (wa[i] != i + rep + 3 * 2 * i)
			die("tlb: the triad is wrong at word %zu", i);
	buf_unmap(&a);
	buf_unmap(&b);
	buf_unmap(&c);
	if (rep < warmup)
		return;

	s.unit = "count";
	s.value = (double)(m1 - m0) / (3 * TLB_ARRAY / SZ_1M);
	emit(&s, "tlb/%s/misses_per_mib", t->label);
	s.unit = "GB/s";
	s.value = 3 * TLB_ARRAY / time / 1e9;
	emit(&s, "tlb/%s/triad_bandwidth", t->label);
}

static void bench_tlb(void)
{
	struct setting_st st[] = {
		{ .param = "vram_large_pages", .value = 1, .label = "large" },
		{ .param = "vram_large_pages", .value = 0, .label = "4k" },
	};

	note("tlb: vram_large_pages 1 and 0");
	bench_settings("tlb", "vram_large_pages", st, ARRAY_SIZE(st), tlb_rep);
}

/* --- 5: CPU fault-back (migrate_to_ram) ---------------------------------- */

#define CPUFAULT_SIZE	(64 * SZ_1M)
/* The buffer of cpufault and cpufault1: -s MIB. */
static size_t cpufault_size = CPUFAULT_SIZE;

/* Read one word of every page: each page that is in VRAM faults back. */
static double cpu_touch(const struct buf *b, uint64_t seed)
{
	volatile const uint64_t *w;
	double t = now();
	size_t i;

	for (i = 0; i < b->len / PAGE_SZ; i++) {
		w = (const uint64_t *)(b->p + i * PAGE_SZ);
		if (*w != TAG(seed, i))
			die("cpufault: page %zu lost its data", i);
	}
	return now() - t;
}

static void cpufault_rep(void *arg, unsigned int rep)
{
	struct setting_st *t = arg;
	size_t pages = cpufault_size / PAGE_SZ;
	bool hmm = t->hmm_size;
	struct sample s = { .group = "cpufault",
			    .driver = hmm ? "test_hmm" : "nvsvm",
			    .size = cpufault_size, .thp_pct = -1 };
	struct drm_nvsvm_stats s0 = { 0 }, s1 = { 0 };
	struct buf b;
	double time;

	buf_map(&b, cpufault_size, false);
	buf_fill(&b, false, rep);
	if (hmm) {
		hmm_migrate(t->hmm, b.p, cpufault_size, t->mirror, true);
	} else {
		gpu_migrate(&t->g, b.p, cpufault_size, TO_VRAM, true);
		s0 = gpu_stats(&t->g);
	}
	time = cpu_touch(&b, rep);
	if (!hmm)
		s1 = gpu_stats(&t->g);
	buf_unmap(&b);
	if (!hmm && DELTA(s1, s0, migrated_to_sys) != pages)
		die("cpufault: %.0f of %zu pages came back",
		    DELTA(s1, s0, migrated_to_sys), pages);
	if (rep < warmup)
		return;

	s.unit = "pages/s";
	s.value = pages / time;
	emit(&s, "cpufault/%s/pages_per_s", t->label);
	if (hmm)
		return;
	s.unit = "count";
	s.value = DELTA(s1, s0, cpu_faults);
	emit(&s, "cpufault/%s/cpu_faults", t->label);
}

static void bench_cpufault(void)
{
	/*
	 * test_hmm's migrate_to_ram always moves one page. win4k_queued: the
	 * copy engine never copies inline (ce_inline_kb 0).
	 */
	unsigned int inline_kb = param_get("ce_inline_kb");
	struct setting_st st[] = {
		{ .param = "cpu_fault_window_kb", .value = 4, .label = "win4k",
		  .param2 = "ce_inline_kb", .value2 = inline_kb },
		{ .param = "cpu_fault_window_kb", .value = 4,
		  .label = "win4k_queued",
		  .param2 = "ce_inline_kb", .value2 = 0 },
		{ .param = "cpu_fault_window_kb", .value = 2048,
		  .label = "win2048k",
		  .param2 = "ce_inline_kb", .value2 = inline_kb },
		{ .label = "test_hmm", .hmm_size = CPUFAULT_SIZE },
	};

	note("cpufault: cpu_fault_window_kb 4 (ce_inline_kb %u and 0) and 2048, and test_hmm",
	     inline_kb);
	bench_settings("cpufault", "cpu_fault_window_kb", st, ARRAY_SIZE(st),
		       cpufault_rep);
	param_set("ce_inline_kb", inline_kb);
}

/*
 * Only the one-page fault-back, nvsvm's (the default ce_inline_kb) and
 * test_hmm's, over fewer pages: what scripts/profile-cpufault.sh traces.
 * Not in the default set of groups.
 */
static void bench_cpufault1(void)
{
	struct setting_st st[] = {
		{ .param = "cpu_fault_window_kb", .value = 4, .label = "win4k" },
		{ .label = "test_hmm", .hmm_size = cpufault_size },
	};

	note("cpufault1: cpu_fault_window_kb 4 and test_hmm, %zu faults a rep",
	     cpufault_size / PAGE_SZ);
	bench_settings("cpufault1", "cpu_fault_window_kb", st, ARRAY_SIZE(st),
		       cpufault_rep);
}

/* --- 6: oversubscription ------------------------------------------------- */

/*
 * A STREAM triad a = b + s * c over three arrays that prefer VRAM, repeated:
 * once with the three totalling half the VRAM (they fit, and stay after the
 * warm-up pass), once totalling twice the VRAM (each pass evicts what the
 * next one needs). The two do not interleave: they would evict each other.
 */
struct oversub_st {
	unsigned int twice;
	struct gpu g;
	struct buf a, b, c;
	struct drm_nvsvm_op ops[NVSVM_JOB_MAX_OPS];
	unsigned int n;
	size_t len;
};

static void oversub_setup(void *arg)
{
	struct oversub_st *o = arg;
	size_t total = o->twice ? 2 * vram_size : vram_size / 2;
	size_t off, l;

	o->g = gpu_open();
	o->len = total / 3 / PAGE_SZ * PAGE_SZ;
	buf_map(&o->a, o->len, false);
	buf_map(&o->b, o->len, false);
	buf_map(&o->c, o->len, false);
	buf_fill(&o->a, false, 1);
	buf_fill(&o->b, false, 2);
	buf_fill(&o->c, false, 3);
	if (nvsvm_advise(o->g.fd, o->a.p, o->len, DRM_NVSVM_ADVISE_PREFERRED_LOCATION, TO_VRAM) ||
	    nvsvm_advise(o->g.fd, o->b.p, o->len, DRM_NVSVM_ADVISE_PREFERRED_LOCATION, TO_VRAM) ||
	    nvsvm_advise(o->g.fd, o->c.p, o->len, DRM_NVSVM_ADVISE_PREFERRED_LOCATION, TO_VRAM))
		die("ADVISE failed");
	for (off = 0; off < o->len; off += l) {
		l = o->len - off < NVSVM_OP_MAX_LEN ? o->len - off : NVSVM_OP_MAX_LEN;
		if (o->n == NVSVM_JOB_MAX_OPS)
			die("oversub: arrays of %zu bytes need too many ops", o->len);
		o->ops[o->n++] = nvsvm_op_triad((uint64_t *)(o->a.p + off),
						(uint64_t *)(o->b.p + off),
						(uint64_t *)(o->c.p + off), l, 3);
	}
}

static void oversub_rep(void *arg, unsigned int rep)
{
	struct oversub_st *o = arg;
	const char *mode = o->twice ? "over" : "fit";
	struct sample s = { .group = "oversub", .driver = "nvsvm",
			    .size = 3 * o->len, .thp_pct = -1 };
	struct drm_nvsvm_stats s0, s1;
	double t;

	s0 = gpu_stats(&o->g);
	t = gpu_run(&o->g, o->ops, o->n);
	s1 = gpu_stats(&o->g);
	/*
	 * a[i] = b[i] + 3 c[i], however many passes ran. Checked after the
	 * last pass only: the CPU's read faults a window back from VRAM.
	 */
	if (rep == warmup + reps - 1 &&
	    *(uint64_t *)(o->a.p + PAGE_SZ) != TAG(2, 1) + 3 * TAG(3, 1))
		die("oversub: the triad's result is wrong");
	if (rep < warmup)
		return;

	s.unit = "ms";
	s.value = t * 1e3;
	emit(&s, "oversub/%s/iter_time", mode);
	s.unit = "GB/s";
	s.value = 3.0 * o->len / t / 1e9;
	emit(&s, "oversub/%s/triad_bandwidth", mode);
	s.unit = "pages";
	s.value = DELTA(s1, s0, evictions);
	emit(&s, "oversub/%s/evictions", mode);
	s.value = DELTA(s1, s0, migrated_to_vram);
	emit(&s, "oversub/%s/migrated_to_vram", mode);
	s.unit = "MiB";
	s.value = vram_size >> 20;
	emit(&s, "oversub/%s/vram", mode);
}

static void bench_oversub(void)
{
	struct oversub_st st;
	struct part part;
	unsigned int twice;

	for (twice = 0; twice <= 1; twice++) {
		note("oversub: arrays of %s the VRAM (%" PRIu64 " MiB)",
		     twice ? "twice" : "half", vram_size >> 20);
		memset(&st, 0, sizeof(st));
		st.twice = twice;
		part = (struct part) {
			.what = "oversub",
			.setup = oversub_setup,
			.rep = oversub_rep,
			.st = &st,
		};
		run_parts(&part, 1);
	}
}

/* --- 7: peer migration, device to device --------------------------------- */

/* The sizes of the peer group; the goal is at the larger. */
static const size_t peer_sizes[] = { SZ_2M, 128 * SZ_1M };

struct peer_st {
	struct setting_st t;	/* param: peer_access; t.g: the source */
	struct gpu dst;		/* the next device, the destination */
};

static void peer_setup(void *arg)
{
	struct peer_st *p = arg;
	unsigned int src = nvsvm_index;

	p->t.g = gpu_open();
	nvsvm_index = src + 1;
	p->dst = gpu_open();
	nvsvm_index = src;
}

/*
 * A buffer in one GPU's VRAM moves to the next GPU's: MIGRATE on the
 * destination, with peer_access on (VRAM to VRAM through the peer
 * aperture) or off (the source's migration to system memory, then the
 * destination's from it).
 */
static void peer_rep(void *arg, unsigned int rep)
{
	struct peer_st *p = arg;
	bool peer = p->t.value;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(peer_sizes); i++) {
		size_t len = peer_sizes[i];
		struct sample s = { .group = "peer", .driver = "nvsvm",
				    .size = len, .thp_pct = -1 };
		struct drm_nvsvm_stats s0, s1;
		struct buf b;
		double t;

		buf_map(&b, len, false);
		buf_fill(&b, false, rep);
		gpu_migrate(&p->t.g, b.p, len, TO_VRAM, true);
		s0 = gpu_stats(&p->dst);
		t = now();
		gpu_migrate(&p->dst, b.p, len, TO_VRAM, true);
		t = now() - t;
		s1 = gpu_stats(&p->dst);
		if (DELTA(s1, s0, peer_migrated) != (peer ? len / PAGE_SZ : 0) ||
		    DELTA(s1, s0, peer_bounced) != (peer ? 0 : len / PAGE_SZ))
			die("peer: %.0f pages peer-to-peer and %.0f bounced, with peer_access=%d",
			    DELTA(s1, s0, peer_migrated),
			    DELTA(s1, s0, peer_bounced), peer);
		buf_check(&b, rep, "peer");
		buf_unmap(&b);
		if (rep < warmup)
			continue;
		s.unit = "ms";
		s.value = t * 1e3;
		emit(&s, "peer/%s/%s/time", p->t.label, size_name(len));
		s.unit = "GB/s";
		s.value = len / t / 1e9;
		emit(&s, "peer/%s/%s/throughput", p->t.label, size_name(len));
	}
}

static void bench_peer(void)
{
	struct peer_st st[] = {
		{ .t = { .param = "peer_access", .value = 1, .label = "peer" } },
		{ .t = { .param = "peer_access", .value = 0, .label = "bounce" } },
	};
	unsigned int saved = param_get("peer_access"), i;
	struct part parts[ARRAY_SIZE(st)];

	if (nvsvm_count_devices() < (int)nvsvm_index + 2)
		die("peer: needs nvsvm devices %u and %u", nvsvm_index,
		    nvsvm_index + 1);
	note("peer: device %u to device %u, peer_access 1 and 0", nvsvm_index,
	     nvsvm_index + 1);
	for (i = 0; i < ARRAY_SIZE(st); i++)
		parts[i] = (struct part) {
			.what = "peer",
			.setup = peer_setup,
			.rep = peer_rep,
			.before = setting_before,
			.st = &st[i],
		};
	run_parts(parts, ARRAY_SIZE(st));
	param_set("peer_access", saved);
}

/* --- 8, 9: thrashing mitigation and density prefetch --------------------- */

#define THRASH_SIZE	(16 * PAGE_SZ)
#define THRASH_DETECT	16	/* rounds to detect and pin: not timed */
#define THRASH_ROUNDS	32	/* rounds timed */

/* The thrashing times for the emulated GPU, as the IGT tests set them. */
static const struct {
	const char *name;
	unsigned int value;
} thrash_times[] = {
	{ "thrash_lapse_us", 2000000 },
	{ "thrash_throttle_us", 2000 },
	{ "thrash_pin_threshold", 10 },
	{ "thrash_pin_ms", 600000 },
};

/*
 * The CPU and the GPU take turns on 16 pages advised to VRAM, a word of
 * each page a turn: the GPU adds 1 to it (a one-word triad per page), the
 * CPU checks it and writes the next value. Without the mitigation each
 * turn moves every page both ways; with it, once the pages are found
 * thrashing and pinned (the first rounds, not timed), nothing moves.
 */
static void thrash_rep(void *arg, unsigned int rep)
{
	struct setting_st *t = arg;
	struct sample s = { .group = "thrashing", .driver = "nvsvm",
			    .size = THRASH_SIZE, .thp_pct = -1 };
	const size_t pages = THRASH_SIZE / PAGE_SZ, stride = PAGE_SZ / 8;
	struct drm_nvsvm_op ops[THRASH_SIZE / PAGE_SZ];
	uint64_t *w, *ones, base = (uint64_t)rep << 40;
	struct drm_nvsvm_stats s0 = { 0 }, s1;
	double t0 = 0, time;
	struct buf b, o;
	unsigned int r;
	size_t i;
	int ret;

	buf_map(&b, THRASH_SIZE, false);
	buf_map(&o, PAGE_SZ, false);
	w = (uint64_t *)b.p;
	ones = (uint64_t *)o.p;
	ones[0] = 1;
	for (i = 0; i < pages; i++) {
		w[i * stride] = base + i;
		ops[i] = nvsvm_op_triad(&w[i * stride], &w[i * stride], ones,
					sizeof(uint64_t), 1);
	}
	ret = nvsvm_advise(t->g.fd, b.p, THRASH_SIZE,
			   DRM_NVSVM_ADVISE_PREFERRED_LOCATION, TO_VRAM);
	if (ret)
		die("thrashing: ADVISE: %s", nvsvm_strerror(ret));
	for (r = 0; r < THRASH_DETECT + THRASH_ROUNDS; r++) {
		if (r == THRASH_DETECT) {
			s0 = gpu_stats(&t->g);
			t0 = now();
		}
		gpu_run(&t->g, ops, pages);
		for (i = 0; i < pages; i++)
			if (w[i * stride] != base + i + 1)
				die("thrashing: page %zu lost its word in round %u",
				    i, r);
		base += 0x1000000;
		for (i = 0; i < pages; i++)
			w[i * stride] = base + i;
	}
	time = now() - t0;
	s1 = gpu_stats(&t->g);
	buf_unmap(&b);
	buf_unmap(&o);
	if (rep < warmup)
		return;

	s.unit = "rounds/s";
	s.value = THRASH_ROUNDS / time;
	emit(&s, "thrashing/%s/rounds_per_s", t->label);
	s.unit = "count";
	s.value = (DELTA(s1, s0, migrated_to_vram) +
		   DELTA(s1, s0, migrated_to_sys)) / THRASH_ROUNDS;
	emit(&s, "thrashing/%s/pages_moved_per_round", t->label);
}

static void bench_thrashing(void)
{
	struct setting_st st[] = {
		{ .param = "thrash_enable", .value = 0, .label = "off" },
		{ .param = "thrash_enable", .value = 1, .label = "on" },
	};
	unsigned int saved[ARRAY_SIZE(thrash_times)], i;

	note("thrashing: thrash_enable 0 and 1");
	for (i = 0; i < ARRAY_SIZE(thrash_times); i++) {
		saved[i] = param_get(thrash_times[i].name);
		param_set(thrash_times[i].name, thrash_times[i].value);
	}
	bench_settings("thrashing", "thrash_enable", st, ARRAY_SIZE(st),
		       thrash_rep);
	for (i = 0; i < ARRAY_SIZE(thrash_times); i++)
		param_set(thrash_times[i].name, saved[i]);
}

#define PREFETCH_SIZE	(4 * SZ_1M)
#define PREFETCH_STRIDE	(PREFETCH_SIZE / NVSVM_JOB_MAX_OPS)

/*
 * A GPU sweep of 4 MiB advised to VRAM, with one-page fault windows:
 * sparse first (a word every 64 KiB), then dense (a checksum of every
 * word). Density prefetch leaves the sparse touches alone and fills the
 * blocks as the dense sweep finds them filling up.
 */
static void prefetch_rep(void *arg, unsigned int rep)
{
	struct setting_st *t = arg;
	struct sample s = { .group = "prefetch", .driver = "nvsvm",
			    .size = PREFETCH_SIZE, .thp_pct = -1 };
	static uint64_t sums[NVSVM_JOB_MAX_OPS];
	struct drm_nvsvm_op ops[NVSVM_JOB_MAX_OPS];
	struct drm_nvsvm_stats s0, s1;
	uint64_t want;
	double time;
	struct buf b;
	unsigned int i;
	int ret;

	buf_map(&b, PREFETCH_SIZE, false);
	buf_fill(&b, false, rep);
	want = cpu_checksum(b.p, PREFETCH_SIZE);
	ret = nvsvm_advise(t->g.fd, b.p, PREFETCH_SIZE,
			   DRM_NVSVM_ADVISE_PREFERRED_LOCATION, TO_VRAM);
	if (ret)
		die("prefetch: ADVISE: %s", nvsvm_strerror(ret));
	for (i = 0; i < NVSVM_JOB_MAX_OPS; i++)
		ops[i] = nvsvm_op_checksum(&sums[i], b.p + i * PREFETCH_STRIDE,
					   sizeof(uint64_t));
	s0 = gpu_stats(&t->g);
	time = now();
	gpu_run(&t->g, ops, NVSVM_JOB_MAX_OPS);
	if (gpu_checksum(&t->g, b.p, PREFETCH_SIZE) != want)
		die("prefetch: the GPU read wrong data");
	time = now() - time;
	s1 = gpu_stats(&t->g);
	if (DELTA(s1, s0, migrated_to_vram) != PREFETCH_SIZE / PAGE_SZ)
		die("prefetch: %.0f of %zu pages moved",
		    DELTA(s1, s0, migrated_to_vram), PREFETCH_SIZE / PAGE_SZ);
	buf_unmap(&b);
	if (rep < warmup)
		return;

	s.unit = "ms";
	s.value = time * 1e3;
	emit(&s, "prefetch/%s/time", t->label);
	s.unit = "count";
	s.value = DELTA(s1, s0, faults);
	emit(&s, "prefetch/%s/faults", t->label);
	s.value = DELTA(s1, s0, prefetched);
	emit(&s, "prefetch/%s/prefetched", t->label);
}

static void bench_prefetch(void)
{
	struct setting_st st[] = {
		{ .param = "prefetch_enable", .value = 0,
		  .param2 = "fault_window_kb", .value2 = 4, .label = "off" },
		{ .param = "prefetch_enable", .value = 1,
		  .param2 = "fault_window_kb", .value2 = 4, .label = "on" },
	};
	unsigned int window = param_get("fault_window_kb");

	note("prefetch: prefetch_enable 0 and 1, fault_window_kb 4");
	bench_settings("prefetch", "prefetch_enable", st, ARRAY_SIZE(st),
		       prefetch_rep);
	param_set("fault_window_kb", window);
}

/* --- Main ----------------------------------------------------------------- */

static const struct {
	const char *name;
	void (*fn)(void);
	uint64_t min_vram;
	bool on_request;	/* only when named, never by default */
} groups[] = {
	/* 1 and 2: memcpy runs alongside the drivers. */
	{ "migrate", bench_migrate, 2 * 128 * SZ_1M, false },
	{ "remigrate", bench_remigrate, 2 * REMIGRATE_SIZE, false },
	{ "gpufault", bench_gpufault, 0, false },
	{ "faultbound", bench_faultbound, 0, false },
	{ "latency", bench_latency, 2 * LATENCY_SIZE, false },
	{ "dma", bench_dma, 2 * DMA_SIZE, false },
	{ "tlb", bench_tlb, 2 * 3 * TLB_ARRAY, false },
	{ "cpufault", bench_cpufault, 2 * CPUFAULT_SIZE, false },
	{ "cpufault1", bench_cpufault1, 2 * CPUFAULT_SIZE, true },
	{ "oversub", bench_oversub, 0, false },
	{ "thrashing", bench_thrashing, 0, false },
	{ "prefetch", bench_prefetch, 2 * PREFETCH_SIZE, false },
	/* Needs two devices: scripts/guest-bench.sh reloads nvsvm for it. */
	{ "peer", bench_peer, 2 * 128 * SZ_1M, true },
};

static void usage(void)
{
	fprintf(stderr,
		"usage: nvsvm-bench [-o FILE] [-r REPS] [-w WARMUP] [-d INDEX] [-H DEV] [-s MIB] [GROUP...]\n"
		"  -o FILE    append the samples to FILE (default: stdout)\n"
		"  -r REPS    repetitions that count (default 5)\n"
		"  -w WARMUP  repetitions before them, not counted (default 1)\n"
		"  -d INDEX   nvsvm device (default 0)\n"
		"  -H DEV     test_hmm device node (default /dev/hmm_dmirror0)\n"
		"  -s MIB     the buffer of cpufault and cpufault1 (default 64)\n"
		"  GROUP      migrate (with memcpy and kcopy), remigrate, gpufault,\n"
		"             faultbound, latency, dma, tlb, cpufault, oversub,\n"
		"             thrashing, prefetch (default: all of these),\n"
		"             cpufault1 (the one-page fault-back alone, for\n"
		"             scripts/profile-cpufault.sh), peer (device INDEX\n"
		"             to INDEX + 1; needs both)\n");
	exit(2);
}

static bool wanted(unsigned int group, int argc, char **argv)
{
	int a;

	for (a = optind; a < argc; a++)
		if (!strcmp(argv[a], groups[group].name))
			return true;
	return optind == argc && !groups[group].on_request;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	unsigned int i;
	int opt, fd, ret;
	double t;

	while ((opt = getopt(argc, argv, "o:r:w:d:H:s:h")) != -1) {
		switch (opt) {
		case 'o':
			path = optarg;
			break;
		case 'r':
			reps = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			warmup = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			nvsvm_index = strtoul(optarg, NULL, 0);
			break;
		case 'H':
			hmm_path = optarg;
			break;
		case 's':
			cpufault_size = strtoul(optarg, NULL, 0) * SZ_1M;
			if (!cpufault_size || cpufault_size > CPUFAULT_SIZE)
				usage();
			break;
		default:
			usage();
		}
	}
	if (!reps)
		usage();
	for (opt = optind; opt < argc; opt++) {
		for (i = 0; i < ARRAY_SIZE(groups); i++)
			if (!strcmp(argv[opt], groups[i].name))
				break;
		if (i == ARRAY_SIZE(groups))
			usage();
	}
	out = path ? fopen(path, "a") : stdout;
	if (!out)
		die("%s: %s", path, strerror(errno));

	fd = nvsvm_open_index(nvsvm_index);
	if (fd < 0)
		die("nvsvm device %u: %s", nvsvm_index, nvsvm_strerror(fd));
	ret = nvsvm_getparam(fd, DRM_NVSVM_PARAM_VRAM_SIZE, &vram_size);
	if (ret)
		die("GETPARAM: %s", nvsvm_strerror(ret));
	close(fd);
	for (i = 0; i < ARRAY_SIZE(groups); i++)
		if (wanted(i, argc, argv) &&
		    vram_size < groups[i].min_vram)
			die("%s needs %" PRIu64 " MiB of VRAM, the device has %" PRIu64 " (vram_size_mb)",
			    groups[i].name, groups[i].min_vram >> 20,
			    vram_size >> 20);
	note("nvsvm-bench: VRAM %" PRIu64 " MiB, %u warm-up + %u reps",
	     vram_size >> 20, warmup, reps);

	for (i = 0; i < ARRAY_SIZE(groups); i++) {
		if (!wanted(i, argc, argv))
			continue;
		t = now();
		groups[i].fn();
		note("%s: %.1f s", groups[i].name, now() - t);
	}
	if (out != stdout)
		fclose(out);
	return 0;
}
