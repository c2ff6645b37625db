// SPDX-License-Identifier: MIT
/*
 * nvsvm-demo: a STREAM triad, a[i] = b[i] + s * c[i], run by the GPU on
 * plain malloc'd memory, in four phases that show the whole SVM story:
 *
 *   1. first touch: the GPU writes b and c and computes a, and faults
 *      every page of the three arrays in;
 *   2. prefetch (unless --no-prefetch): the arrays migrate to VRAM;
 *   3. iterate: K more triads, from wherever the pages are;
 *   4. verify: the CPU checks every word, which brings the pages back from
 *      VRAM through CPU faults (migrate_to_ram).
 *
 * Each phase reports its time, its bandwidth and how the driver's counters
 * moved. The exit status is 0 only when every word is right.
 *
 * Copyright 2026 The nvsvm authors
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xf86drm.h>

#include "nvsvm.h"

#define MIB			(1ull << 20)
#define NSEC			1000000000ull

/* The triad's scalar, as in STREAM. */
#define SCALAR			3ull
/*
 * GPU fills write b and c in chunks of at least CHUNK_MIN bytes, each with
 * its own value, so that a page that lands in the wrong place is caught.
 */
#define CHUNK_MIN		(64ull << 10)
#define B_FIRST			0x0b0000000001ull
#define B_STEP			0x9e3779b97f4a7c15ull
#define C_FIRST			0x0c0000000001ull
#define C_STEP			0xc2b2ae3d27d4eb4full

#define EXIT_VERIFY		1	/* verification failed */
#define EXIT_USAGE		2
#define EXIT_ERROR		3	/* no device, an ioctl or a job failed */

/* Waits are sliced so that a long job can show progress. */
#define WAIT_SLICE_NS		(250ull * 1000000ull)
#define JOB_TIMEOUT_NS		(3600ull * NSEC)
#define PROGRESS_PERIOD		0.5

enum phase_id { FIRST_TOUCH, PREFETCH, ITERATE, VERIFY, PHASES };

static const char *const phase_names[PHASES] = {
	[FIRST_TOUCH]	= "first-touch",
	[PREFETCH]	= "prefetch",
	[ITERATE]	= "iterate",
	[VERIFY]	= "verify",
};

/*
 * The counters of &struct drm_nvsvm_stats: all of them in the JSON report,
 * those with a label in the text one, in this order.
 */
struct counter {
	const char *name;	/* the uAPI field, and its JSON key */
	const char *label;	/* its row in the text report, or NULL */
	size_t offset;
	bool gauge;		/* a level, shown as is, not as a delta */
};

#define COUNTER(field, text) \
	{ #field, text, offsetof(struct drm_nvsvm_stats, field), false }

static const struct counter counters[] = {
	COUNTER(faults,			"GPU faults"),
	COUNTER(fault_batches,		"  serviced in batches"),
	COUNTER(replays,		NULL),
	COUNTER(cancels,		NULL),
	COUNTER(pages_mapped,		"  pages they mapped"),
	COUNTER(huge_mapped,		"    as 2 MiB GPU pages"),
	COUNTER(jobs,			"GPU jobs"),
	COUNTER(jobs_failed,		NULL),
	COUNTER(migrated_to_vram,	"pages migrated to VRAM"),
	COUNTER(migrated_to_sys,	"pages migrated to system"),
	COUNTER(evictions,		"  of them evicted"),
	COUNTER(migration_invalidations, "GPU PTEs the migrations unmapped"),
	COUNTER(invalidations,		"notifier invalidations"),
	COUNTER(invalidations_skipped,	"  skipped: own migration"),
	COUNTER(tlb_flushes,		NULL),
	COUNTER(cpu_faults,		"CPU faults on VRAM pages"),
	COUNTER(atomic_faults,		NULL),
	COUNTER(exclusive_grants,	NULL),
	COUNTER(exclusive_revocations,	NULL),
	{ "vram_in_use", "VRAM in use (MiB)",
	  offsetof(struct drm_nvsvm_stats, vram_in_use), true },
};

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

struct options {
	unsigned long size_mib;
	unsigned long iters;
	unsigned int device;
	bool prefetch;
	bool json;
};

struct phase {
	bool ran;
	double seconds;
	uint64_t bytes;		/* see the legend in print_text_report() */
	struct drm_nvsvm_stats before, after;
	char note[160];		/* what happened, in words */
};

struct mismatch {
	const char *array;
	uint64_t index, expected, got;
};

struct demo {
	struct options opt;
	int fd;
	uint32_t chan;
	struct nvsvm_device_info info;
	char node[64];
	size_t len, words, chunk;
	uint64_t *a, *b, *c;
	long page;
	struct phase phase[PHASES];
	/* verification */
	uint64_t checked, wrong;
	struct mismatch first;
	/* progress on stderr */
	bool progress;
	bool progress_shown;
	double progress_last;
	/* tracefs' trace_marker, or -1 */
	int marker;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("nvsvm-demo: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* --- progress ------------------------------------------------------------- */

/*
 * Progress goes to stderr when it is a terminal, and is rewritten in place.
 * With --json, not when stdout is that same terminal: the report must be
 * all there is on it.
 */
static bool want_progress(const struct options *opt)
{
	struct stat out, err;

	if (!isatty(STDERR_FILENO))
		return false;
	if (!opt->json)
		return true;
	if (fstat(STDOUT_FILENO, &out) || fstat(STDERR_FILENO, &err))
		return false;
	return out.st_rdev != err.st_rdev || out.st_ino != err.st_ino;
}

/* Rewrite the progress line: "[phase] name: <what>, <elapsed> s". */
static void __attribute__((format(printf, 4, 5)))
progress(struct demo *d, enum phase_id id, double start, const char *fmt, ...)
{
	double t = now();
	va_list ap;

	if (!d->progress || t - d->progress_last < PROGRESS_PERIOD)
		return;
	d->progress_last = t;
	d->progress_shown = true;
	fprintf(stderr, "\r\033[K[%d/%d] %s: ", id + 1, PHASES, phase_names[id]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ", %.1f s", t - start);
}

static void progress_clear(struct demo *d)
{
	if (d->progress_shown)
		fputs("\r\033[K", stderr);
	d->progress_shown = false;
	d->progress_last = 0;
}

/* --- GPU work ------------------------------------------------------------- */

static void stats(struct demo *d, struct drm_nvsvm_stats *s)
{
	/*
	 * The device's counters: CPU faults and evictions are counted for
	 * the device only, and this process is the only user of it here.
	 */
	int ret = nvsvm_stats(d->fd, DRM_NVSVM_STATS_DEVICE, s);

	if (ret)
		die(EXIT_ERROR, "STATS: %s", nvsvm_strerror(ret));
}

/*
 * Run the job in @jb, step @step of @steps of phase @id, showing progress
 * while the GPU works on it.
 */
static void run_job(struct demo *d, const struct nvsvm_job_builder *jb,
		    enum phase_id id, double start, unsigned int step,
		    unsigned int steps, const char *what)
{
	uint64_t job = 0, waited = 0;
	int ret, status = 0;

	/* Whatever the library says on stderr starts on a line of its own. */
	progress_clear(d);
	ret = nvsvm_job_builder_submit(d->fd, d->chan, jb, &job);
	if (ret)
		die(EXIT_ERROR, "%s: submitting a job: %s", phase_names[id],
		    nvsvm_strerror(ret));
	for (;;) {
		progress(d, id, start, "%s (job %u of %u)", what, step + 1,
			 steps);
		ret = nvsvm_job_wait(d->fd, job, WAIT_SLICE_NS, &status);
		if (ret != -ETIME)
			break;
		waited += WAIT_SLICE_NS;
		if (waited >= JOB_TIMEOUT_NS)
			break;
	}
	if (ret)
		die(EXIT_ERROR, "%s: waiting for a job: %s", phase_names[id],
		    nvsvm_strerror(ret));
	if (status)
		die(EXIT_ERROR, "%s: the GPU job failed: %s", phase_names[id],
		    nvsvm_strerror(status));
}

static uint64_t b_value(const struct demo *d, uint64_t i)
{
	return B_FIRST + i * 8 / d->chunk * B_STEP;
}

static uint64_t c_value(const struct demo *d, uint64_t i)
{
	return C_FIRST + i * 8 / d->chunk * C_STEP;
}

/* A job that fills @buf chunk by chunk: chunk j gets @first + j * @step. */
static void fill_job(const struct demo *d, struct nvsvm_job_builder *jb,
		     uint64_t *buf, uint64_t first, uint64_t step)
{
	size_t off, len;
	uint64_t j = 0;

	nvsvm_job_builder_init(jb);
	for (off = 0; off < d->len; off += d->chunk, j++) {
		len = d->len - off < d->chunk ? d->len - off : d->chunk;
		nvsvm_job_add_fill(jb, (char *)buf + off, len, first + j * step);
	}
}

static void triad_job(const struct demo *d, struct nvsvm_job_builder *jb)
{
	nvsvm_job_builder_init(jb);
	nvsvm_job_add_triad(jb, d->a, d->b, d->c, d->len, SCALAR);
}

/*
 * Where tracing is on, mark the phases in the trace, so that a timeline of
 * the driver's events (scripts/trace-report.py) shows which phase is which.
 * Without tracefs, or without the right to write to it, nothing is marked.
 */
static void trace_marker_open(struct demo *d)
{
	d->marker = open("/sys/kernel/tracing/trace_marker",
			 O_WRONLY | O_CLOEXEC);
	if (d->marker < 0)
		d->marker = open("/sys/kernel/debug/tracing/trace_marker",
				 O_WRONLY | O_CLOEXEC);
}

static void trace_mark(const struct demo *d, const char *what)
{
	char buf[64];
	int n;

	if (d->marker < 0)
		return;
	n = snprintf(buf, sizeof(buf), "nvsvm-demo: %s", what);
	if (write(d->marker, buf, n) < 0) {
		/* A marker is a nicety: never a reason to fail. */
	}
}

static void phase_begin(struct demo *d, enum phase_id id)
{
	trace_mark(d, phase_names[id]);
	stats(d, &d->phase[id].before);
}

static void phase_end(struct demo *d, enum phase_id id, double start)
{
	struct phase *p = &d->phase[id];

	p->seconds = now() - start;
	stats(d, &p->after);
	p->ran = true;
	progress_clear(d);
}

/* A line as each phase ends, so that a long run is never silent. */
static void phase_print(const struct demo *d, enum phase_id id)
{
	const struct phase *p = &d->phase[id];

	if (d->opt.json)
		return;
	printf("[%d/%d] %-12s %9.3f s  %s\n", id + 1, PHASES, phase_names[id],
	       p->seconds, p->note);
	fflush(stdout);
}

/*
 * Phase 1. Nothing has touched b, c or a's pages but malloc's header in the
 * first page of each: the GPU faults them in.
 */
static void first_touch(struct demo *d)
{
	struct phase *p = &d->phase[FIRST_TOUCH];
	struct nvsvm_job_builder jb;
	double start;

	phase_begin(d, FIRST_TOUCH);
	start = now();
	fill_job(d, &jb, d->b, B_FIRST, B_STEP);
	run_job(d, &jb, FIRST_TOUCH, start, 0, 3, "GPU fills b");
	fill_job(d, &jb, d->c, C_FIRST, C_STEP);
	run_job(d, &jb, FIRST_TOUCH, start, 1, 3, "GPU fills c");
	triad_job(d, &jb);
	run_job(d, &jb, FIRST_TOUCH, start, 2, 3, "GPU computes a");
	phase_end(d, FIRST_TOUCH, start);
	/* Written: b and c; then read: b and c, and written: a. */
	p->bytes = 5 * d->len;
	snprintf(p->note, sizeof(p->note),
		 "the GPU wrote b and c, then a = b + %llu * c",
		 (unsigned long long)SCALAR);
	phase_print(d, FIRST_TOUCH);
}

/* The pages that hold [@buf, @buf + @len), which malloc need not align. */
static void page_span(const struct demo *d, const void *buf, size_t len,
		      void **start, size_t *size)
{
	uintptr_t first = (uintptr_t)buf & ~(uintptr_t)(d->page - 1);
	uintptr_t end = ((uintptr_t)buf + len + d->page - 1) &
			~(uintptr_t)(d->page - 1);

	*start = (void *)first;
	*size = end - first;
}

/* Phase 2: move the three arrays to VRAM. */
static void prefetch(struct demo *d)
{
	struct phase *p = &d->phase[PREFETCH];
	uint64_t *arrays[] = { d->a, d->b, d->c };
	static const char *const names[] = { "a", "b", "c" };
	uint64_t migrated = 0, skipped = 0, moved;
	double start;
	unsigned int i;

	phase_begin(d, PREFETCH);
	start = now();
	for (i = 0; i < ARRAY_SIZE(arrays); i++) {
		uint64_t m = 0, s = 0;
		size_t size;
		void *addr;
		int ret;

		progress(d, PREFETCH, start, "migrating %s", names[i]);
		page_span(d, arrays[i], d->len, &addr, &size);
		ret = nvsvm_migrate(d->fd, addr, size, DRM_NVSVM_MIGRATE_TO_VRAM,
				    &m, &s);
		if (ret)
			die(EXIT_ERROR, "prefetch: MIGRATE: %s",
			    nvsvm_strerror(ret));
		migrated += m;
		skipped += s;
	}
	phase_end(d, PREFETCH, start);
	/* Pages the copy engine moved: into VRAM, and out of it to make room. */
	moved = p->after.migrated_to_vram - p->before.migrated_to_vram +
		p->after.migrated_to_sys - p->before.migrated_to_sys;
	p->bytes = moved * d->page;
	snprintf(p->note, sizeof(p->note),
		 "%llu pages migrated to VRAM, %llu skipped",
		 (unsigned long long)migrated, (unsigned long long)skipped);
	phase_print(d, PREFETCH);
}

/* Phase 3: K triads, each its own job. */
static void iterate(struct demo *d)
{
	struct phase *p = &d->phase[ITERATE];
	struct nvsvm_job_builder jb;
	double start;
	unsigned long k;

	phase_begin(d, ITERATE);
	start = now();
	triad_job(d, &jb);
	for (k = 0; k < d->opt.iters; k++)
		run_job(d, &jb, ITERATE, start, k, d->opt.iters, "GPU triad");
	phase_end(d, ITERATE, start);
	/* STREAM's count: each triad reads b and c and writes a. */
	p->bytes = d->opt.iters * 3 * d->len;
	snprintf(p->note, sizeof(p->note), "%lu GPU triads on a, b and c",
		 d->opt.iters);
	phase_print(d, ITERATE);
}

static void check(struct demo *d, const char *array, uint64_t i, uint64_t got,
		  uint64_t expected)
{
	d->checked++;
	if (got == expected)
		return;
	if (!d->wrong++)
		d->first = (struct mismatch){ array, i, expected, got };
}

/* Phase 4: the CPU reads every word; pages in VRAM come back on fault. */
static void verify(struct demo *d)
{
	struct phase *p = &d->phase[VERIFY];
	double start;
	uint64_t i;

	phase_begin(d, VERIFY);
	start = now();
	for (i = 0; i < d->words; i++) {
		uint64_t b = b_value(d, i), c = c_value(d, i);

		check(d, "b", i, d->b[i], b);
		check(d, "c", i, d->c[i], c);
		check(d, "a", i, d->a[i], b + SCALAR * c);
		if (!(i % 65536))
			progress(d, VERIFY, start, "%.0f%% checked",
				 100.0 * i / d->words);
	}
	phase_end(d, VERIFY, start);
	p->bytes = 3 * d->len;
	snprintf(p->note, sizeof(p->note),
		 "the CPU read every word of a, b and c");
	phase_print(d, VERIFY);
}

/* --- report --------------------------------------------------------------- */

static uint64_t counter_value(const struct counter *ctr,
			      const struct drm_nvsvm_stats *s)
{
	uint64_t v;

	memcpy(&v, (const char *)s + ctr->offset, sizeof(v));
	return v;
}

/* The counter over a phase: its growth, or a gauge's level at the end. */
static uint64_t counter_phase(const struct counter *ctr, const struct phase *p)
{
	uint64_t after = counter_value(ctr, &p->after);

	return ctr->gauge ? after : after - counter_value(ctr, &p->before);
}

static double gbps(const struct phase *p)
{
	return p->seconds > 0 ? p->bytes / p->seconds / 1e9 : 0;
}

static void print_header(const struct demo *d)
{
	printf("nvsvm-demo: STREAM triad a[i] = b[i] + %llu * c[i], by the GPU, on malloc()\n",
	       (unsigned long long)SCALAR);
	printf("device %u: %s (0x%llx) at %s, %llu MiB of VRAM\n", d->info.index,
	       d->info.chipset_name, (unsigned long long)d->info.chipset,
	       d->node, (unsigned long long)(d->info.vram_size / MIB));
	printf("arrays: a, b, c of %lu MiB (%zu 64-bit words) each; %lu iteration%s; prefetch %s\n",
	       d->opt.size_mib, d->words, d->opt.iters,
	       d->opt.iters == 1 ? "" : "s", d->opt.prefetch ? "on" : "off");
	if (nvsvm_debug_corrupt_word() >= 0)
		printf("%s=%lld: the GPU adds 1 to a[%lld] in every triad job\n",
		       NVSVM_DEBUG_CORRUPT_ENV, nvsvm_debug_corrupt_word(),
		       nvsvm_debug_corrupt_word() < (long long)d->words ?
		       nvsvm_debug_corrupt_word() : (long long)d->words - 1);
	printf("\n");
	fflush(stdout);
}

static void print_row(const struct demo *d, const char *label,
		      const char *fmt, double (*get)(const struct demo *d,
						     const struct phase *p,
						     const void *arg),
		      const void *arg)
{
	int i;

	printf("%-32s", label);
	for (i = 0; i < PHASES; i++) {
		if (d->phase[i].ran)
			printf(fmt, get(d, &d->phase[i], arg));
		else
			printf("%12s", "-");
	}
	printf("\n");
}

static double get_seconds(const struct demo *d, const struct phase *p,
			  const void *arg)
{
	(void)d;
	(void)arg;
	return p->seconds;
}

static double get_mib(const struct demo *d, const struct phase *p,
		      const void *arg)
{
	(void)d;
	(void)arg;
	return (double)p->bytes / MIB;
}

static double get_gbps(const struct demo *d, const struct phase *p,
		       const void *arg)
{
	(void)d;
	(void)arg;
	return gbps(p);
}

static double get_counter(const struct demo *d, const struct phase *p,
			  const void *arg)
{
	const struct counter *ctr = arg;

	(void)d;
	/* The one gauge is in bytes. */
	if (ctr->gauge)
		return (double)counter_phase(ctr, p) / MIB;
	return counter_phase(ctr, p);
}

static void print_text_report(const struct demo *d)
{
	size_t i;
	int j;

	printf("\n%-32s", "");
	for (j = 0; j < PHASES; j++)
		printf("%12s", phase_names[j]);
	printf("\n");
	print_row(d, "time (s)", "%12.3f", get_seconds, NULL);
	print_row(d, "data (MiB)", "%12.1f", get_mib, NULL);
	print_row(d, "GB/s", "%12.3g", get_gbps, NULL);
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		if (counters[i].label)
			print_row(d, counters[i].label,
				  counters[i].gauge ? "%12.1f" : "%12.0f",
				  get_counter, &counters[i]);
	printf("\ndata: first-touch, what the GPU wrote and read (b and c, then 3 arrays);\n"
	       "      prefetch, what migrated; iterate, 3 arrays per triad (STREAM's\n"
	       "      count); verify, what the CPU read. Counters: the device's, over\n"
	       "      each phase; VRAM in use: at its end.\n\n");
}

static void print_verdict(const struct demo *d, FILE *f)
{
	if (!d->wrong) {
		fprintf(f, "verification passed: all %llu words of a, b and c are right\n",
			(unsigned long long)d->checked);
		return;
	}
	fprintf(f, "verification FAILED: %llu of %llu words wrong\nfirst wrong word: %s[%llu] = %#llx, expected %#llx\n",
		(unsigned long long)d->wrong, (unsigned long long)d->checked,
		d->first.array, (unsigned long long)d->first.index,
		(unsigned long long)d->first.got,
		(unsigned long long)d->first.expected);
}

static void print_json_report(const struct demo *d)
{
	size_t i;
	int j;
	const char *sep = "";

	printf("{\n");
	printf("  \"device\": {\"index\": %u, \"chipset\": \"%s\", \"node\": \"%s\", \"vram_bytes\": %llu},\n",
	       d->info.index, d->info.chipset_name, d->node,
	       (unsigned long long)d->info.vram_size);
	printf("  \"array_bytes\": %zu, \"words\": %zu, \"iterations\": %lu, \"scalar\": %llu, \"prefetch\": %s,\n",
	       d->len, d->words, d->opt.iters, (unsigned long long)SCALAR,
	       d->opt.prefetch ? "true" : "false");
	if (nvsvm_debug_corrupt_word() >= 0)
		printf("  \"debug_corrupt_word\": %lld,\n",
		       nvsvm_debug_corrupt_word());
	printf("  \"phases\": [");
	for (j = 0; j < PHASES; j++) {
		const struct phase *p = &d->phase[j];

		if (!p->ran)
			continue;
		printf("%s\n    {\"name\": \"%s\", \"seconds\": %.6f, \"bytes\": %llu, \"gb_per_s\": %.6g,\n",
		       sep, phase_names[j], p->seconds,
		       (unsigned long long)p->bytes, gbps(p));
		printf("     \"counters\": {");
		for (i = 0; i < ARRAY_SIZE(counters); i++)
			printf("%s\"%s\": %llu", i ? ", " : "", counters[i].name,
			       (unsigned long long)counter_phase(&counters[i], p));
		printf("}}");
		sep = ",";
	}
	printf("\n  ],\n");
	printf("  \"verification\": {\"passed\": %s, \"words_checked\": %llu, \"words_wrong\": %llu, \"first_wrong\": ",
	       d->wrong ? "false" : "true", (unsigned long long)d->checked,
	       (unsigned long long)d->wrong);
	if (d->wrong)
		printf("{\"array\": \"%s\", \"index\": %llu, \"expected\": \"%#llx\", \"got\": \"%#llx\"}",
		       d->first.array, (unsigned long long)d->first.index,
		       (unsigned long long)d->first.expected,
		       (unsigned long long)d->first.got);
	else
		printf("null");
	printf("}\n}\n");
}

/* --- setup ---------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nvsvm-demo [--size MIB] [--iters K] [--device N] [--no-prefetch] [--json]\n"
		"\n"
		"Runs a STREAM triad, a[i] = b[i] + %llu * c[i], on the GPU, on three malloc'd\n"
		"arrays of 64-bit words, and reports each phase: its time, its bandwidth and\n"
		"the driver's counters (faults, migrations, invalidations, CPU faults).\n"
		"\n"
		"  1 first-touch  the GPU fills b and c and computes a once: it faults in\n"
		"                 every page, which no one touched before\n"
		"  2 prefetch     a, b and c migrate to VRAM (skipped with --no-prefetch)\n"
		"  3 iterate      K more triads on the GPU\n"
		"  4 verify       the CPU checks every word, faulting VRAM pages back\n"
		"\n"
		"  -s, --size MIB     size of each array, 1 to 1024 (default 1)\n"
		"  -i, --iters K      triads in phase 3 (default 2)\n"
		"  -d, --device N     nvsvm device index (default 0)\n"
		"  -n, --no-prefetch  leave the arrays in system memory\n"
		"  -j, --json         print the report as JSON on stdout\n"
		"  -h, --help         print this help\n"
		"\n"
		"Progress is shown on stderr when it is a terminal. %s=N makes\n"
		"libnvsvm corrupt word N of a on the GPU, which verification must catch.\n"
		"Exit status: 0 verified, 1 verification failed, 2 bad usage, 3 other errors.\n",
		(unsigned long long)SCALAR, NVSVM_DEBUG_CORRUPT_ENV);
}

static unsigned long parse_number(const char *arg, const char *name,
				  unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 0);
	if (errno || !*arg || *end || *arg == '-' || v < min || v > max)
		die(EXIT_USAGE, "%s must be a number from %lu to %lu, not '%s'",
		    name, min, max, arg);
	return v;
}

static void parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "size",	 required_argument, NULL, 's' },
		{ "iters",	 required_argument, NULL, 'i' },
		{ "device",	 required_argument, NULL, 'd' },
		{ "no-prefetch", no_argument,	    NULL, 'n' },
		{ "json",	 no_argument,	    NULL, 'j' },
		{ "help",	 no_argument,	    NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*opt = (struct options){ .size_mib = 1, .iters = 2, .prefetch = true };
	while ((c = getopt_long(argc, argv, "s:i:d:njh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			/* 1 GiB: a triad then still fits in one job. */
			opt->size_mib = parse_number(optarg, "--size", 1, 1024);
			break;
		case 'i':
			opt->iters = parse_number(optarg, "--iters", 0, 1000000);
			break;
		case 'd':
			opt->device = parse_number(optarg, "--device", 0, 63);
			break;
		case 'n':
			opt->prefetch = false;
			break;
		case 'j':
			opt->json = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind < argc)
		die(EXIT_USAGE, "unexpected argument '%s' (see --help)",
		    argv[optind]);
}

static void open_device(struct demo *d)
{
	char *node;
	int ret;

	d->fd = nvsvm_open_index(d->opt.device);
	if (d->fd == -ENODEV)
		die(EXIT_ERROR, "no nvsvm device %u (is nvsvm.ko loaded?)",
		    d->opt.device);
	if (d->fd < 0)
		die(EXIT_ERROR, "device %u: %s", d->opt.device,
		    nvsvm_strerror(d->fd));
	ret = nvsvm_query_device(d->fd, &d->info);
	if (ret)
		die(EXIT_ERROR, "device %u: GETPARAM: %s", d->opt.device,
		    nvsvm_strerror(ret));
	node = drmGetDeviceNameFromFd2(d->fd);
	snprintf(d->node, sizeof(d->node), "%s", node ? node : "?");
	free(node);

	ret = nvsvm_svm_init(d->fd);
	if (ret)
		die(EXIT_ERROR, "SVM_INIT: %s", nvsvm_strerror(ret));
	ret = nvsvm_channel_create(d->fd, &d->chan);
	if (ret)
		die(EXIT_ERROR, "CHANNEL_CREATE: %s", nvsvm_strerror(ret));
}

static void alloc_arrays(struct demo *d)
{
	d->len = d->opt.size_mib * MIB;
	d->words = d->len / sizeof(uint64_t);
	/* At most NVSVM_JOB_MAX_OPS chunks, so that a fill is one job. */
	d->chunk = (d->len / NVSVM_JOB_MAX_OPS + d->page - 1) & ~(d->page - 1);
	if (d->chunk < CHUNK_MIN)
		d->chunk = CHUNK_MIN;
	/* Plain malloc: the point of SVM is that nothing is registered. */
	d->a = malloc(d->len);
	d->b = malloc(d->len);
	d->c = malloc(d->len);
	if (!d->a || !d->b || !d->c)
		die(EXIT_ERROR, "out of memory for 3 arrays of %lu MiB",
		    d->opt.size_mib);
}

int main(int argc, char **argv)
{
	static struct demo d;

	parse_options(argc, argv, &d.opt);
	d.progress = want_progress(&d.opt);
	d.page = sysconf(_SC_PAGESIZE);
	trace_marker_open(&d);
	open_device(&d);
	alloc_arrays(&d);
	if (!d.opt.json)
		print_header(&d);

	first_touch(&d);
	if (d.opt.prefetch)
		prefetch(&d);
	iterate(&d);
	verify(&d);
	trace_mark(&d, "end");

	if (d.opt.json) {
		print_json_report(&d);
		if (d.wrong)
			print_verdict(&d, stderr);
	} else {
		print_text_report(&d);
		print_verdict(&d, stdout);
	}
	fflush(stdout);

	nvsvm_channel_destroy(d.fd, d.chan);
	close(d.fd);
	if (d.marker >= 0)
		close(d.marker);
	free(d.a);
	free(d.b);
	free(d.c);
	return d.wrong ? EXIT_VERIFY : 0;
}
