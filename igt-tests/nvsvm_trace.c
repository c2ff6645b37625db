// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The nvsvm authors
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nvsvm_igt_svm.h"

IGT_TEST_DESCRIPTION("Trace events: what events/nvsvm records adds up to the device's STATS counters");

#define SZ_1M		(1ul << 20)
#define SZ_2M		(2ul << 20)
#define SZ_4M		(4ul << 20)

#define TRACEFS		"/sys/kernel/tracing"
/*
 * A trace instance of our own: its buffer, its enabled events and its
 * filter, so that nothing else that uses tracefs is disturbed, and the
 * events of the devices other tests use never reach it.
 */
#define INSTANCE	TRACEFS "/instances/nvsvm_igt_trace"
/* Per CPU: the workload records a few thousand events of < 100 bytes. */
#define BUFFER_KB	"8192"

/* The device of the test, bound to the test process. */
static struct gpu dev0 = { .fd = -1 };
static uint64_t dev_index, vram_size;

static struct drm_nvsvm_stats dev_stats(void)
{
	struct drm_nvsvm_stats s;

	igt_assert_eq(nvsvm_stats(dev0.fd, DRM_NVSVM_STATS_DEVICE, &s), 0);
	return s;
}

/* Write @value to a file of the instance, opened with @flags too. */
static void instance_write(const char *file, const char *value, int flags)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), INSTANCE "/%s", file);
	fd = open(path, O_WRONLY | flags);
	igt_assert_f(fd >= 0, "%s: %s\n", path, strerror(errno));
	igt_assert_f(write(fd, value, strlen(value)) == (ssize_t)strlen(value),
		     "%s <- %s: %s\n", path, value, strerror(errno));
	close(fd);
}

static void trace_stop(void)
{
	if (access(INSTANCE "/events/nvsvm/enable", W_OK) == 0) {
		instance_write("tracing_on", "0", 0);
		instance_write("events/nvsvm/enable", "0", 0);
	}
}

/* Record the events of device @dev only, from an empty buffer on. */
static void trace_start(uint64_t dev)
{
	char filter[32];

	igt_require_f(access(TRACEFS "/instances", W_OK) == 0,
		      "no tracefs at " TRACEFS " (CONFIG_TRACING, mounted?)\n");
	igt_require_f(access(TRACEFS "/events/nvsvm", F_OK) == 0,
		      "nvsvm has no trace events\n");
	/* An instance left by a run that died: start afresh. */
	trace_stop();
	rmdir(INSTANCE);
	igt_assert_f(mkdir(INSTANCE, 0755) == 0, INSTANCE ": %s\n",
		     strerror(errno));

	instance_write("buffer_size_kb", BUFFER_KB, 0);
	snprintf(filter, sizeof(filter), "dev == %llu",
		 (unsigned long long)dev);
	instance_write("events/nvsvm/filter", filter, 0);
	instance_write("events/nvsvm/enable", "1", 0);
	/* Opening the trace with O_TRUNC empties the buffer. */
	instance_write("trace", "\n", O_TRUNC);
	instance_write("tracing_on", "1", 0);
}

static void trace_remove(void)
{
	trace_stop();
	if (access(INSTANCE, F_OK) == 0)
		igt_assert_f(rmdir(INSTANCE) == 0, INSTANCE ": %s\n",
			     strerror(errno));
}

/* A counter of a per-CPU stats file, "name: value". */
static uint64_t cpu_stat(const char *stats, const char *name)
{
	const char *p = strstr(stats, name);

	igt_assert_f(p, "no \"%s\" in per_cpu stats:\n%s", name, stats);
	return strtoull(p + strlen(name), NULL, 10);
}

/*
 * Every event recorded reached the buffer and stayed there. Returns how
 * many the buffer holds.
 */
static uint64_t assert_nothing_lost(void)
{
	DIR *dir = opendir(INSTANCE "/per_cpu");
	uint64_t entries = 0;
	struct dirent *d;
	unsigned int cpus = 0;

	igt_assert(dir);
	while ((d = readdir(dir))) {
		char path[512], stats[4096];
		uint64_t overrun, commit_overrun, dropped;
		ssize_t n;
		int fd;

		if (strncmp(d->d_name, "cpu", 3))
			continue;
		snprintf(path, sizeof(path), INSTANCE "/per_cpu/%s/stats",
			 d->d_name);
		fd = open(path, O_RDONLY);
		igt_assert_f(fd >= 0, "%s: %s\n", path, strerror(errno));
		n = read(fd, stats, sizeof(stats) - 1);
		close(fd);
		igt_assert(n > 0);
		stats[n] = 0;
		overrun = cpu_stat(stats, "\noverrun: ");
		commit_overrun = cpu_stat(stats, "commit overrun: ");
		dropped = cpu_stat(stats, "dropped events: ");
		entries += cpu_stat(stats, "entries: ");
		igt_assert_f(!overrun && !commit_overrun && !dropped,
			     "%s lost events: %llu overrun, %llu commit overrun, %llu dropped\n",
			     d->d_name, (unsigned long long)overrun,
			     (unsigned long long)commit_overrun,
			     (unsigned long long)dropped);
		cpus++;
	}
	closedir(dir);
	igt_assert(cpus > 0);
	return entries;
}

/* What the trace holds for one device. */
struct tally {
	uint64_t lines;
	uint64_t gpu_faults, gpu_faults_atomic;
	uint64_t batches, batch_faults, batch_windows, batch_pages;
	uint64_t windows, window_pages;
	uint64_t cpu_faults, cpu_fault_pages;
	uint64_t migrates_to_vram, moved_to_vram;
	uint64_t migrates_to_sys, moved_to_sys;
	uint64_t invalidations, invalidations_skipped;
	uint64_t unmaps, exclusive_invalidations;
	uint64_t evicts, evicted;
	uint64_t grants, revocations;
	uint64_t tlb_flushes;
};

/*
 * The value of key @key in the key=value pairs of @fields: NULL if absent.
 * The value ends at a space or the end of the line.
 */
static const char *field(const char *fields, const char *key)
{
	size_t len = strlen(key);
	const char *p = fields;

	while ((p = strstr(p, key))) {
		if ((p == fields || p[-1] == ' ') && p[len] == '=')
			return p + len + 1;
		p += len;
	}
	return NULL;
}

static uint64_t field_u64(const char *fields, const char *key,
			  const char *line)
{
	const char *v = field(fields, key);
	char *end;
	uint64_t n;

	igt_assert_f(v, "no %s= in: %s", key, line);
	n = strtoull(v, &end, 0);
	igt_assert_f(end != v && (*end == ' ' || *end == '\n' || !*end),
		     "bad %s= in: %s", key, line);
	return n;
}

static bool field_is(const char *fields, const char *key, const char *word)
{
	const char *v = field(fields, key);
	size_t len = strlen(word);

	return v && !strncmp(v, word, len) &&
	       (v[len] == ' ' || v[len] == '\n' || !v[len]);
}

/* Read the instance's trace and add up the events of device @dev. */
static struct tally trace_read(uint64_t dev)
{
	FILE *f = fopen(INSTANCE "/trace", "r");
	struct tally t = {};
	size_t size = 0;
	char *line = NULL;

	igt_assert(f);
	while (getline(&line, &size, f) > 0) {
		const char *ev, *fields;
		char name[32];

		if (line[0] == '#')
			continue;
		/* The text prints lost events as "CPU:N [LOST M EVENTS]". */
		igt_assert_f(!strstr(line, "LOST"), "%s", line);
		ev = strstr(line, ": nvsvm_");
		igt_assert_f(ev, "not an nvsvm event: %s", line);
		ev += 2;
		fields = strstr(ev, ": ");
		igt_assert_f(fields && fields - ev < (long)sizeof(name),
			     "%s", line);
		memcpy(name, ev, fields - ev);
		name[fields - ev] = 0;
		fields += 2;
		/* The instance's filter lets this device's events in only. */
		igt_assert_f(field_u64(fields, "dev", line) == dev, "%s", line);
		t.lines++;

		if (!strcmp(name, "nvsvm_gpu_fault")) {
			igt_assert_f(field_is(fields, "access", "read") ||
				     field_is(fields, "access", "write") ||
				     field_is(fields, "access", "atomic"),
				     "%s", line);
			field_u64(fields, "addr", line);
			t.gpu_faults++;
			t.gpu_faults_atomic += field_is(fields, "access",
							"atomic");
		} else if (!strcmp(name, "nvsvm_fault_batch")) {
			t.batches++;
			t.batch_faults += field_u64(fields, "faults", line);
			t.batch_windows += field_u64(fields, "windows", line);
			t.batch_pages += field_u64(fields, "pages", line);
			field_u64(fields, "ns", line);
		} else if (!strcmp(name, "nvsvm_fault_window")) {
			igt_assert_f(field_u64(fields, "start", line) <
				     field_u64(fields, "end", line), "%s", line);
			t.windows++;
			t.window_pages += field_u64(fields, "pages", line);
			field_u64(fields, "ns", line);
		} else if (!strcmp(name, "nvsvm_cpu_fault")) {
			field_u64(fields, "addr", line);
			field_u64(fields, "ns", line);
			t.cpu_faults++;
			t.cpu_fault_pages += field_u64(fields, "pages", line);
		} else if (!strcmp(name, "nvsvm_migrate")) {
			uint64_t moved = field_u64(fields, "moved", line);
			uint64_t start = field_u64(fields, "start", line);
			uint64_t end = field_u64(fields, "end", line);

			igt_assert_f(start < end &&
				     moved + field_u64(fields, "skipped", line) ==
				     (end - start) / PAGE_SZ, "%s", line);
			field_u64(fields, "ns", line);
			if (field_is(fields, "dir", "to_vram")) {
				t.migrates_to_vram++;
				t.moved_to_vram += moved;
			} else {
				igt_assert_f(field_is(fields, "dir", "to_sys"),
					     "%s", line);
				t.migrates_to_sys++;
				t.moved_to_sys += moved;
			}
		} else if (!strcmp(name, "nvsvm_invalidate")) {
			uint64_t skipped = field_u64(fields, "skipped", line);

			igt_assert_f(skipped <= 1 && field(fields, "event"),
				     "%s", line);
			field_u64(fields, "start", line);
			field_u64(fields, "end", line);
			if (skipped) {
				t.invalidations_skipped++;
				continue;
			}
			t.invalidations++;
			t.unmaps += field_is(fields, "event", "unmap");
			t.exclusive_invalidations +=
				field_is(fields, "event", "exclusive");
		} else if (!strcmp(name, "nvsvm_evict")) {
			t.evicts++;
			t.evicted += field_u64(fields, "pages", line);
			field_u64(fields, "ns", line);
		} else if (!strcmp(name, "nvsvm_exclusive")) {
			field_u64(fields, "addr", line);
			if (field_is(fields, "op", "grant")) {
				t.grants++;
			} else {
				igt_assert_f(field_is(fields, "op", "revoke"),
					     "%s", line);
				t.revocations++;
			}
		} else if (!strcmp(name, "nvsvm_tlb_flush")) {
			igt_assert_f(field_u64(fields, "start", line) <
				     field_u64(fields, "end", line), "%s", line);
			t.tlb_flushes++;
		} else {
			igt_assert_f(false, "unknown event: %s", line);
		}
	}
	free(line);
	fclose(f);
	return t;
}

/*
 * Wait until the device's counters stop moving: a fault batch that ended
 * the job may still be finishing, and its event and its counters must both
 * be in before they are compared.
 */
static struct drm_nvsvm_stats settle(void)
{
	struct drm_nvsvm_stats a = dev_stats(), b;

	for (int i = 0; i < 50; i++) {
		usleep(200 * 1000);
		b = dev_stats();
		if (!memcmp(&a, &b, sizeof(a)))
			return b;
		a = b;
	}
	igt_assert_f(false, "device %llu is never idle\n",
		     (unsigned long long)dev_index);
	return a;
}

/*
 * Something of every event on one device: GPU faults of each access type,
 * migrations both ways, a CPU fault on VRAM, an eviction, an exclusive
 * grant and its revocation, an munmap that invalidates.
 */
static void workload(void)
{
	const size_t len = SZ_2M, evict_len = vram_size + SZ_4M;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t *out = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t *atom = map_anon(4 * PAGE_SZ, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE);
	uint64_t migrated = 0, skipped = 0, sum;
	char *big;
	int ret;

	/* GPU faults: a read of CPU-written memory, a write of fresh. */
	cpu_fill(buf, len, 0x1000, STEP);
	sum = nvsvm_checksum(buf, len);
	igt_assert_eq_u64(gpu_checksum(&dev0, buf, len), sum);
	gpu_ok(&dev0, nvsvm_op_fill(out, len, 7));
	assert_buf(out, len, 7, 0);

	/* To VRAM and back by MIGRATE, then to VRAM and back by a CPU read. */
	ret = nvsvm_migrate(dev0.fd, buf, len, DRM_NVSVM_MIGRATE_TO_VRAM,
			    &migrated, &skipped);
	igt_assert_eq(ret, 0);
	igt_assert_eq_u64(migrated, len / PAGE_SZ);
	igt_assert_eq_u64(gpu_checksum(&dev0, buf, len), sum);
	ret = nvsvm_migrate(dev0.fd, buf, len, DRM_NVSVM_MIGRATE_TO_SYSTEM,
			    &migrated, &skipped);
	igt_assert_eq(ret, 0);
	igt_assert_eq(nvsvm_prefetch(dev0.fd, buf, len), 0);
	assert_buf(buf, len, 0x1000, STEP);

	/* An exclusive grant for a GPU atomic, revoked by a CPU read. */
	igt_assert_eq(madvise(atom, 4 * PAGE_SZ, MADV_NOHUGEPAGE), 0);
	cpu_fill(atom, 4 * PAGE_SZ, 0x2000, STEP);
	gpu_ok(&dev0, nvsvm_op_atomic_add(atom, 8, 1));
	igt_assert_eq_u64(atom[0], 0x2001);

	/* An invalidation: munmap of memory the GPU maps. */
	munmap(out, len);

	/* An eviction: more than VRAM, moved there. */
	big = map_anon(evict_len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	cpu_fill(big, evict_len, 0x3000, STEP);
	for (size_t off = 0; off < evict_len; off += SZ_4M)
		igt_assert_eq(nvsvm_prefetch(dev0.fd, big + off, SZ_4M), 0);
	assert_buf(big, evict_len, 0x3000, STEP);

	munmap(big, evict_len);
	munmap(atom, 4 * PAGE_SZ);
	munmap(buf, len);
}

#define ASSERT_EQ(what, trace, stat) \
	igt_assert_f((trace) == (stat), "%s: %llu in the trace, %llu expected\n", \
		     what, (unsigned long long)(trace), \
		     (unsigned long long)(stat))

static void test_events_match_stats(void)
{
	struct drm_nvsvm_stats s0, s1, s;
	uint64_t entries;
	struct tally t;

	igt_require_f(vram_size <= 256 * SZ_1M,
		      "%llu MiB of VRAM: too much to oversubscribe here\n",
		      (unsigned long long)(vram_size >> 20));

	/* From an idle device on, the trace and the counters see the same. */
	s0 = settle();
	trace_start(dev_index);
	s = dev_stats();
	igt_assert_f(!memcmp(&s, &s0, sizeof(s)), "device %llu is busy\n",
		     (unsigned long long)dev_index);
	workload();
	s1 = settle();
	trace_stop();

	entries = assert_nothing_lost();
	t = trace_read(dev_index);
	igt_info("device %llu: %llu events; %llu GPU faults in %llu batches and %llu windows, %llu+%llu pages migrated to VRAM/system, %llu CPU faults, %llu pages evicted, %llu+%llu grants/revocations, %llu+%llu invalidations done/skipped, %llu TLB flushes\n",
		 (unsigned long long)dev_index, (unsigned long long)t.lines,
		 (unsigned long long)t.gpu_faults,
		 (unsigned long long)t.batches, (unsigned long long)t.windows,
		 (unsigned long long)t.moved_to_vram,
		 (unsigned long long)t.moved_to_sys,
		 (unsigned long long)t.cpu_faults,
		 (unsigned long long)t.evicted,
		 (unsigned long long)t.grants,
		 (unsigned long long)t.revocations,
		 (unsigned long long)t.invalidations,
		 (unsigned long long)t.invalidations_skipped,
		 (unsigned long long)t.tlb_flushes);

	/* The trace file shows every event the buffer holds. */
	ASSERT_EQ("events", t.lines, entries);

	ASSERT_EQ("GPU faults", t.gpu_faults, DELTA(s1, s0, faults));
	ASSERT_EQ("faults of the batches", t.batch_faults,
		  DELTA(s1, s0, faults));
	ASSERT_EQ("atomic GPU faults", t.gpu_faults_atomic,
		  DELTA(s1, s0, atomic_faults));
	ASSERT_EQ("fault batches", t.batches, DELTA(s1, s0, fault_batches));
	ASSERT_EQ("windows of the batches", t.batch_windows, t.windows);
	ASSERT_EQ("pages of the batches", t.batch_pages,
		  DELTA(s1, s0, pages_mapped));
	ASSERT_EQ("pages of the windows", t.window_pages,
		  DELTA(s1, s0, pages_mapped));
	ASSERT_EQ("CPU faults", t.cpu_faults, DELTA(s1, s0, cpu_faults));
	ASSERT_EQ("pages migrated to VRAM", t.moved_to_vram,
		  DELTA(s1, s0, migrated_to_vram));
	ASSERT_EQ("pages migrated and evicted to system memory",
		  t.moved_to_sys + t.evicted, DELTA(s1, s0, migrated_to_sys));
	ASSERT_EQ("pages evicted", t.evicted, DELTA(s1, s0, evictions));
	ASSERT_EQ("invalidations", t.invalidations,
		  DELTA(s1, s0, invalidations));
	ASSERT_EQ("invalidations skipped", t.invalidations_skipped,
		  DELTA(s1, s0, invalidations_skipped));
	ASSERT_EQ("exclusive grants", t.grants,
		  DELTA(s1, s0, exclusive_grants));
	ASSERT_EQ("exclusive revocations", t.revocations,
		  DELTA(s1, s0, exclusive_revocations));
	ASSERT_EQ("exclusive invalidations", t.exclusive_invalidations,
		  DELTA(s1, s0, exclusive_revocations));
	ASSERT_EQ("TLB flushes", t.tlb_flushes, DELTA(s1, s0, tlb_flushes));

	/* The workload reached every event. */
	igt_assert(t.gpu_faults && t.gpu_faults_atomic && t.batches &&
		   t.windows);
	igt_assert(t.migrates_to_vram && t.migrates_to_sys && t.cpu_faults);
	igt_assert(t.invalidations && t.invalidations_skipped && t.unmaps &&
		   t.exclusive_invalidations);
	igt_assert(t.evicts && t.evicted && t.grants && t.revocations &&
		   t.tlb_flushes);
}

igt_main
{
	igt_fixture {
		dev0 = gpu_open(0);
		igt_assert_eq(nvsvm_getparam(dev0.fd,
					     DRM_NVSVM_PARAM_DEVICE_INDEX,
					     &dev_index), 0);
		igt_assert_eq(nvsvm_getparam(dev0.fd, DRM_NVSVM_PARAM_VRAM_SIZE,
					     &vram_size), 0);
	}

	igt_describe("Every nvsvm trace event of a workload that reaches each one is recorded, none is lost, and their counts and page sums equal the device's STATS deltas.");
	igt_subtest("events-match-stats")
		test_events_match_stats();

	igt_fixture {
		trace_remove();
		close(dev0.fd);
	}
}
