// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The nvsvm authors
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nvsvm_igt_svm.h"

IGT_TEST_DESCRIPTION("Device memory: migration of process pages to and from VRAM, CPU faults, eviction and advice");

#define SZ_1M		(1ul << 20)
#define SZ_2M		(2ul << 20)
#define SZ_4M		(4ul << 20)
/* Words in a page: pattern (first, STEP) at page i starts at PAGE_FIRST(). */
#define PAGE_WORDS	(PAGE_SZ / 8)
#define PAGE_FIRST(first, i)	((first) + (uint64_t)(i) * PAGE_WORDS * STEP)

#define TO_SYS		DRM_NVSVM_MIGRATE_TO_SYSTEM
#define TO_VRAM		DRM_NVSVM_MIGRATE_TO_VRAM
#define PREFERRED	DRM_NVSVM_ADVISE_PREFERRED_LOCATION
#define ACCESSED_BY	DRM_NVSVM_ADVISE_ACCESSED_BY
#define ATOMIC		DRM_NVSVM_ADVISE_ATOMIC

#define NVSVM_PARAMS	"/sys/module/nvsvm/parameters"
#define SKIP_OWN_MIGRATE NVSVM_PARAMS "/skip_own_migrate"
#define CPU_FAULT_WINDOW NVSVM_PARAMS "/cpu_fault_window_kb"

/* Device 0, bound to the test process. */
static struct gpu dev0 = { .fd = -1 };
static uint64_t vram_size;
/* skip_own_migrate as it was before migrate-fault-noskip changed it. */
static char skip_saved[8];

struct moved {
	uint64_t migrated;
	uint64_t skipped;
};

static const char *target_name(uint32_t target)
{
	return target == TO_VRAM ? "VRAM" : "system";
}

/* Migrate [@addr, @addr + @len): the call succeeds and accounts every page. */
static struct moved migrate(const struct gpu *g, void *addr, size_t len,
			    uint32_t target)
{
	struct moved m = { ~0ull, ~0ull };
	int ret = nvsvm_migrate(g->fd, addr, len, target, &m.migrated,
				&m.skipped);

	igt_assert_f(!ret, "MIGRATE %p+%#zx to %s: %s\n", addr, len,
		     target_name(target), nvsvm_strerror(ret));
	igt_debug("MIGRATE %p+%#zx to %s: %llu migrated, %llu skipped\n",
		  addr, len, target_name(target),
		  (unsigned long long)m.migrated,
		  (unsigned long long)m.skipped);
	igt_assert_eq_u64(m.migrated + m.skipped, len / PAGE_SZ);
	return m;
}

/* Migrate a range whose every page must move. */
static void migrate_all(const struct gpu *g, void *addr, size_t len,
			uint32_t target)
{
	struct moved m = migrate(g, addr, len, target);

	igt_assert_eq_u64(m.migrated, len / PAGE_SZ);
	igt_assert_eq_u64(m.skipped, 0);
}

static struct drm_nvsvm_stats dev_stats(const struct gpu *g)
{
	struct drm_nvsvm_stats s;

	igt_assert_eq(nvsvm_stats(g->fd, DRM_NVSVM_STATS_DEVICE, &s), 0);
	return s;
}

/* Checksum of pattern (@first, @step), computed without touching the buffer. */
static uint64_t pattern_checksum(size_t len, uint64_t first, uint64_t step)
{
	uint64_t *tmp = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t sum;

	cpu_fill(tmp, len, first, step);
	sum = nvsvm_checksum(tmp, len);
	munmap(tmp, len);
	return sum;
}

/* The GPU's checksum of @buf is that of pattern (@first, @step). */
static void assert_gpu_pattern(const struct gpu *g, const void *buf,
			       size_t len, uint64_t first, uint64_t step)
{
	igt_assert_eq_u64(gpu_checksum(g, buf, len),
			  pattern_checksum(len, first, step));
}

/* The GPU writes pattern (@first, @step) to @dst, copied from system memory. */
static void gpu_write_pattern(const struct gpu *g, void *dst, size_t len,
			      uint64_t first, uint64_t step)
{
	uint64_t *src = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	cpu_fill(src, len, first, step);
	gpu_ok(g, nvsvm_op_copy(dst, src, len));
	munmap(src, len);
}

/* --- migrate ------------------------------------------------------------ */

static void migrate_one(size_t len, uint64_t first)
{
	size_t pages = len / PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats f0, f1, d0, d1, d2, d3;
	uint64_t sum;

	cpu_fill(buf, len, first, STEP);
	sum = nvsvm_checksum(buf, len);

	f0 = gpu_stats(&dev0);
	d0 = dev_stats(&dev0);
	migrate_all(&dev0, buf, len, TO_VRAM);
	f1 = gpu_stats(&dev0);
	d1 = dev_stats(&dev0);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_vram), pages);
	igt_assert_eq_u64(DELTA(d1, d0, migrated_to_vram), pages);
	igt_assert_eq_u64(DELTA(d1, d0, vram_in_use), len);
	igt_assert_eq_u64(DELTA(d1, d0, cpu_faults), 0);

	/* The GPU reads the pages in VRAM, where they are. */
	igt_assert_eq_u64(gpu_checksum(&dev0, buf, len), sum);
	d2 = dev_stats(&dev0);
	igt_assert_eq_u64(DELTA(d2, d1, migrated_to_sys), 0);
	igt_assert_eq_u64(DELTA(d2, d1, cpu_faults), 0);

	/* The CPU faults every page back. */
	assert_buf(buf, len, first, STEP);
	d3 = dev_stats(&dev0);
	igt_info("%zu pages: %llu CPU faults brought them back\n", pages,
		 DELTA(d3, d2, cpu_faults));
	igt_assert(d3.cpu_faults > d2.cpu_faults);
	igt_assert_eq_u64(DELTA(d3, d2, migrated_to_sys), pages);
	igt_assert_eq_u64(d3.vram_in_use, d0.vram_in_use);
	assert_gpu_sees(&dev0, buf, len);
	munmap(buf, len);
}

static void test_migrate(void)
{
	migrate_one(SZ_1M, 0x1000);
	migrate_one(PAGE_SZ, 0x2000);
}

/* --- migrate-fault(-noskip) --------------------------------------------- */

static bool skip_own_migrate_on(void)
{
	char value[8];

	return !read_file(SKIP_OWN_MIGRATE, value, sizeof(value)) ||
	       value[0] == 'Y';
}

static void restore_skip_own_migrate(void)
{
	if (!skip_saved[0])
		return;
	write_file(SKIP_OWN_MIGRATE, skip_saved);
	skip_saved[0] = 0;
}

/*
 * Migrate 64 pages, CPU-fault every other one back, and migrate the mixed
 * range again: only the system pages move, and only their GPU mappings
 * are invalidated; the VRAM pages between them keep their mappings. The
 * interleaving makes the PFN-map writer skip every other entry.
 */
static void migrate_fault(bool skip)
{
	const size_t half = 32 * PAGE_SZ, len = 2 * half;
	const size_t words = PAGE_SZ / sizeof(uint64_t);
	const uint64_t first = 0x7000, second = 0x9000;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats d0, d1, f0, f1, f2;
	char window[16] = "";
	struct moved m;
	uint64_t sum;
	size_t i;

	igt_require_f(read_file(CPU_FAULT_WINDOW, window, sizeof(window)) &&
		      access(CPU_FAULT_WINDOW, W_OK) == 0,
		      "no writable %s\n", CPU_FAULT_WINDOW);
	cpu_fill(buf, len, first, STEP);
	sum = nvsvm_checksum(buf, len);
	igt_assert_eq_u64(gpu_checksum(&dev0, buf, len), sum);

	/* 1. Everything to VRAM. */
	migrate_all(&dev0, buf, len, TO_VRAM);

	/* 2. The CPU reads every other page back, one page per fault. */
	write_file(CPU_FAULT_WINDOW, "4");
	d0 = dev_stats(&dev0);
	for (i = 0; i < len / PAGE_SZ; i += 2)
		igt_assert_eq_u64(buf[i * words], first + i * words * STEP);
	d1 = dev_stats(&dev0);
	write_file(CPU_FAULT_WINDOW, window);
	igt_assert(d1.cpu_faults > d0.cpu_faults);
	igt_assert_eq_u64(DELTA(d1, d0, migrated_to_sys), half / PAGE_SZ);
	/* The GPU maps both halves: system pages and VRAM pages. */
	igt_assert_eq_u64(gpu_checksum(&dev0, buf, len), sum);

	/* 3. The mixed range to VRAM: only the system half moves. */
	f0 = gpu_stats(&dev0);
	m = migrate(&dev0, buf, len, TO_VRAM);
	f1 = gpu_stats(&dev0);
	igt_info("skip_own_migrate=%d: %llu migrated, %llu skipped; %llu notifier invalidations, %llu skipped, %llu migration invalidations\n",
		 skip, (unsigned long long)m.migrated,
		 (unsigned long long)m.skipped, DELTA(f1, f0, invalidations),
		 DELTA(f1, f0, invalidations_skipped),
		 DELTA(f1, f0, migration_invalidations));
	igt_assert_eq_u64(m.migrated, half / PAGE_SZ);
	igt_assert_eq_u64(m.skipped, half / PAGE_SZ);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_vram), m.migrated);
	if (skip) {
		/* The driver invalidates exactly the pages that move. */
		igt_assert_eq_u64(DELTA(f1, f0, migration_invalidations),
				  m.migrated);
		igt_assert(f1.invalidations_skipped > f0.invalidations_skipped);
		igt_assert_eq_u64(DELTA(f1, f0, invalidations), 0);
	} else {
		igt_assert(f1.invalidations > f0.invalidations);
		igt_assert_eq_u64(DELTA(f1, f0, invalidations_skipped), 0);
	}

	/* 4. The GPU reads the whole range. */
	igt_assert_eq_u64(gpu_checksum(&dev0, buf, len), sum);
	f2 = gpu_stats(&dev0);
	igt_info("GPU faults of the checksum after step 3: %llu\n",
		 DELTA(f2, f1, faults));
	if (skip)
		igt_assert_f(f2.faults == f1.faults,
			     "%llu GPU faults: migrating the mixed range lost mappings it should have kept or written\n",
			     DELTA(f2, f1, faults));

	/* 5. A GPU write lands in VRAM, not in a page the data has left. */
	gpu_write_pattern(&dev0, buf, len, second, STEP);
	assert_buf(buf, len, second, STEP);
	munmap(buf, len);
}

static void test_migrate_fault_noskip(void)
{
	igt_require_f(access(SKIP_OWN_MIGRATE, W_OK) == 0,
		      "no writable %s\n", SKIP_OWN_MIGRATE);
	igt_assert(read_file(SKIP_OWN_MIGRATE, skip_saved, sizeof(skip_saved)));
	igt_assert(skip_saved[0]);
	write_file(SKIP_OWN_MIGRATE, "N");
	migrate_fault(false);
	restore_skip_own_migrate();
}

/* --- migrate-release ---------------------------------------------------- */

/*
 * A second file of device 0 moves the pages; the first file of the same
 * device, which mapped them before, must see every move (same device, so
 * both files' notifiers see this device as the migration's owner), and
 * closing the second file brings the pages back.
 */
static void test_migrate_release(void)
{
	const size_t len = SZ_1M;
	const uint64_t a = 0xa000, b = 0xb000, c = 0xc000;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats f, d0, d1, d2;
	struct gpu g;

	cpu_fill(buf, len, a, STEP);
	assert_gpu_sees(&dev0, buf, len);

	g = gpu_open(0);
	d0 = dev_stats(&dev0);
	migrate_all(&g, buf, len, TO_VRAM);
	f = gpu_stats(&g);
	igt_assert_eq_u64(f.migrated_to_vram, len / PAGE_SZ);
	assert_gpu_pattern(&g, buf, len, a, STEP);
	gpu_write_pattern(&g, buf, len, b, STEP);
	/* The first file must not read the system pages the data left. */
	assert_gpu_pattern(&dev0, buf, len, b, STEP);
	d1 = dev_stats(&dev0);
	igt_assert_eq_u64(DELTA(d1, d0, vram_in_use), len);

	/*
	 * The pages belong to the process, not to the file: they stay in
	 * VRAM after the close, and the CPU faults them back through
	 * migrate_to_ram(), which must not reach anything of the closed file.
	 */
	close(g.fd);
	d1 = dev_stats(&dev0);
	igt_assert_eq_u64(DELTA(d1, d0, vram_in_use), len);
	assert_buf(buf, len, b, STEP);
	d2 = dev_stats(&dev0);
	igt_assert(DELTA(d2, d1, cpu_faults) > 0);
	igt_assert_eq_u64(d2.vram_in_use, d0.vram_in_use);

	/* Nor may the first file read the VRAM the data left. */
	cpu_fill(buf, len, c, STEP);
	assert_gpu_sees(&dev0, buf, len);
	munmap(buf, len);
}

/* --- migrate-to-system -------------------------------------------------- */

static void test_migrate_to_system(void)
{
	const size_t len = SZ_1M, pages = len / PAGE_SZ;
	const uint64_t a = 0x5000, b = 0x6000;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats f0, f1, d0, d1, d2;
	struct moved m;

	cpu_fill(buf, len, a, STEP);
	d0 = dev_stats(&dev0);
	migrate_all(&dev0, buf, len, TO_VRAM);
	assert_gpu_pattern(&dev0, buf, len, a, STEP);
	/* The copy back must carry what the GPU wrote in VRAM. */
	gpu_write_pattern(&dev0, buf, len, b, STEP);

	f0 = gpu_stats(&dev0);
	migrate_all(&dev0, buf, len, TO_SYS);
	f1 = gpu_stats(&dev0);
	d1 = dev_stats(&dev0);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_sys), pages);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_vram), 0);
	igt_assert_eq_u64(DELTA(d1, d0, cpu_faults), 0);
	igt_assert_eq_u64(d1.vram_in_use, d0.vram_in_use);

	assert_gpu_pattern(&dev0, buf, len, b, STEP);
	assert_buf(buf, len, b, STEP);
	d2 = dev_stats(&dev0);
	igt_assert_eq_u64(DELTA(d2, d1, cpu_faults), 0);

	/* Already there: nothing moves. */
	m = migrate(&dev0, buf, len, TO_SYS);
	igt_assert_eq_u64(m.migrated, 0);
	igt_assert_eq_u64(m.skipped, pages);
	munmap(buf, len);
}

/* --- migrate-shared ----------------------------------------------------- */

/* Shared anonymous (shmem) pages are not migrated: all are skipped. */
static void test_migrate_shared(void)
{
	const size_t len = 64 * PAGE_SZ, pages = len / PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_SHARED);
	struct drm_nvsvm_stats f0, f1;
	struct moved m;

	cpu_fill(buf, len, 0x5ea0, STEP);
	assert_gpu_sees(&dev0, buf, len);
	f0 = gpu_stats(&dev0);
	m = migrate(&dev0, buf, len, TO_VRAM);
	f1 = gpu_stats(&dev0);
	igt_assert_eq_u64(m.migrated, 0);
	igt_assert_eq_u64(m.skipped, pages);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_vram), 0);

	assert_buf(buf, len, 0x5ea0, STEP);
	assert_gpu_sees(&dev0, buf, len);
	gpu_write_pattern(&dev0, buf, len, 0x5eb0, STEP);
	assert_buf(buf, len, 0x5eb0, STEP);
	munmap(buf, len);
}

/* --- migrate-mixed ------------------------------------------------------ */

/*
 * Pages: 0-1 read-write, 2 a hole, 3 PROT_NONE, 4 the zero page, 5
 * read-only, 6-7 read-write. Pattern (first, STEP) over the populated ones.
 */
enum { MIX_HOLE = 2, MIX_NONE = 3, MIX_ZERO = 4, MIX_RO = 5, MIX_PAGES = 8 };

static void test_migrate_mixed(void)
{
	const size_t len = MIX_PAGES * PAGE_SZ, span = 2 * PAGE_SZ;
	const uint64_t first = 0x8000;
	char *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *pg[MIX_PAGES];
	uint64_t sum01, sum67, sum_ro, sum_zero, *gone;
	struct drm_nvsvm_stats f0, f1;
	struct moved m;

	for (int i = 0; i < MIX_PAGES; i++) {
		pg[i] = buf + i * PAGE_SZ;
		if (i != MIX_HOLE && i != MIX_ZERO)
			cpu_fill(pg[i], PAGE_SZ, PAGE_FIRST(first, i), STEP);
	}
	igt_assert_eq(munmap(pg[MIX_HOLE], PAGE_SZ), 0);
	igt_assert_eq(mprotect(pg[MIX_NONE], PAGE_SZ, PROT_NONE), 0);
	igt_assert_eq_u64(*(volatile uint64_t *)pg[MIX_ZERO], 0);
	igt_assert_eq(mprotect(pg[MIX_RO], PAGE_SZ, PROT_READ), 0);
	sum01 = nvsvm_checksum(pg[0], span);
	sum67 = nvsvm_checksum(pg[6], span);
	sum_ro = nvsvm_checksum(pg[MIX_RO], PAGE_SZ);
	sum_zero = nvsvm_checksum(pg[MIX_ZERO], PAGE_SZ);

	f0 = gpu_stats(&dev0);
	m = migrate(&dev0, buf, len, TO_VRAM);
	f1 = gpu_stats(&dev0);
	igt_info("mixed range: %llu migrated, %llu skipped\n",
		 (unsigned long long)m.migrated, (unsigned long long)m.skipped);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_vram), m.migrated);
	igt_assert(m.migrated >= 4);			/* pages 0, 1, 6, 7 */
	igt_assert(m.migrated <= MIX_PAGES - 2);	/* hole, PROT_NONE */
	igt_assert(m.skipped >= 2);

	igt_assert_eq_u64(gpu_checksum(&dev0, pg[0], span), sum01);
	igt_assert_eq_u64(gpu_checksum(&dev0, pg[6], span), sum67);
	igt_assert_eq_u64(gpu_checksum(&dev0, pg[MIX_RO], PAGE_SZ), sum_ro);
	igt_assert_eq_u64(gpu_checksum(&dev0, pg[MIX_ZERO], PAGE_SZ), sum_zero);

	for (int i = 0; i < MIX_PAGES; i++)
		if (i != MIX_HOLE && i != MIX_NONE && i != MIX_ZERO)
			assert_buf(pg[i], PAGE_SZ, PAGE_FIRST(first, i), STEP);
	assert_buf(pg[MIX_ZERO], PAGE_SZ, 0, 0);
	igt_assert_eq(mprotect(pg[MIX_NONE], PAGE_SZ, PROT_READ), 0);
	assert_buf(pg[MIX_NONE], PAGE_SZ, PAGE_FIRST(first, MIX_NONE), STEP);

	/* The read-write pages stay writable for the GPU. */
	migrate(&dev0, buf, len, TO_VRAM);
	gpu_write_pattern(&dev0, pg[6], span, 0x8600, STEP);
	assert_buf(pg[6], span, 0x8600, STEP);
	munmap(buf, len);

	/* A range with nothing mapped: success, every page skipped. */
	gone = map_anon(16 * PAGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	igt_assert_eq(munmap(gone, 16 * PAGE_SZ), 0);
	m = migrate(&dev0, gone, 16 * PAGE_SZ, TO_VRAM);
	igt_assert_eq_u64(m.migrated, 0);
	m = migrate(&dev0, gone, 16 * PAGE_SZ, TO_SYS);
	igt_assert_eq_u64(m.migrated, 0);
}

/* --- migrate-multiple --------------------------------------------------- */

static void test_migrate_multiple(void)
{
	const size_t len = 128 * PAGE_SZ, pages = len / PAGE_SZ;
	const int rounds = 4;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats f0, f1, d0, d1;

	f0 = gpu_stats(&dev0);
	d0 = dev_stats(&dev0);
	for (int r = 0; r < rounds; r++) {
		uint64_t cpu = 0x10000 * (r + 1), gpu = cpu + 0x8000;

		cpu_fill(buf, len, cpu, STEP);
		migrate_all(&dev0, buf, len, TO_VRAM);
		assert_gpu_pattern(&dev0, buf, len, cpu, STEP);
		gpu_write_pattern(&dev0, buf, len, gpu, STEP);
		assert_gpu_pattern(&dev0, buf, len, gpu, STEP);
		migrate_all(&dev0, buf, len, TO_SYS);
		assert_buf(buf, len, gpu, STEP);
		assert_gpu_sees(&dev0, buf, len);
	}
	f1 = gpu_stats(&dev0);
	d1 = dev_stats(&dev0);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_vram), rounds * pages);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_sys), rounds * pages);
	igt_assert_eq_u64(DELTA(d1, d0, cpu_faults), 0);
	igt_assert_eq_u64(d1.vram_in_use, d0.vram_in_use);
	munmap(buf, len);
}

/* --- migrate-workers ---------------------------------------------------- */

#define MIGRATE_WORKERS	NVSVM_PARAMS "/migrate_workers"

/* Open the debugfs file @name of @g's DRM device, or skip the test. */
static FILE *gpu_debugfs_open(const struct gpu *g, const char *name)
{
	char path[128];
	uint64_t index;
	FILE *f;

	igt_assert_eq(nvsvm_getparam(g->fd, DRM_NVSVM_PARAM_DEVICE_INDEX,
				     &index), 0);
	snprintf(path, sizeof(path), "/sys/kernel/debug/dri/nvsvm%llu/%s",
		 (unsigned long long)index, name);
	f = fopen(path, "r");
	igt_require_f(f, "%s: %s\n", path, strerror(errno));
	return f;
}

/* "blocks" and "worker_blocks" of the device's debugfs file "migrate". */
static void migrate_blocks(const struct gpu *g, uint64_t *blocks,
			   uint64_t *worker)
{
	FILE *f = gpu_debugfs_open(g, "migrate");
	unsigned long long b, w;

	igt_assert_eq(fscanf(f, "blocks %llu worker_blocks %llu", &b, &w), 2);
	fclose(f);
	*blocks = b;
	*worker = w;
}

#define MIGRATE_DELAY	NVSVM_PARAMS "/debug_migrate_delay_ms"

/*
 * Migrate a range whose @pages all move, in @blocks blocks, @by_workers of
 * them taken by a worker rather than the caller.
 */
static void migrate_workers_all(void *buf, size_t len, uint32_t target,
				const char *workers, uint64_t pages,
				uint64_t blocks, uint64_t by_workers)
{
	uint64_t b0, w0, b1, w1;
	struct moved m;

	migrate_blocks(&dev0, &b0, &w0);
	m = migrate(&dev0, buf, len, target);
	migrate_blocks(&dev0, &b1, &w1);
	igt_info("migrate_workers=%s: %llu pages to %s, blocks %llu, by workers %llu\n",
		 workers, (unsigned long long)m.migrated, target_name(target),
		 (unsigned long long)(b1 - b0), (unsigned long long)(w1 - w0));
	igt_assert_eq_u64(m.migrated, pages);
	igt_assert_eq_u64(b1 - b0, blocks);
	igt_assert_eq_u64(w1 - w0, by_workers);
}

static char workers_saved[16];

static void restore_migrate_workers(void)
{
	if (workers_saved[0]) {
		write_file(MIGRATE_WORKERS, workers_saved);
		write_file(MIGRATE_DELAY, "0");
	}
	workers_saved[0] = 0;
}

/*
 * A migration of many 2 MiB blocks, over several VMAs and a hole, goes to
 * the workers of every CPU, both ways (DOC: Migration workers): each block
 * is taken once, by a worker, and every word arrives, in VRAM as the GPU
 * reads it and back in system memory, where the GPU then sees what the
 * CPU writes. With one worker, the caller takes every block itself. A delay in each step to VRAM has the workers'
 * blocks overlap, however loaded the machine.
 */
static void test_migrate_workers(void)
{
	/* 6 MiB from 64 KiB into a 2 MiB block: 4 blocks, 2 of them partial. */
	const size_t len = 6 * SZ_1M, off = 16 * PAGE_SZ;
	const size_t ro = 3 * SZ_1M + 5 * PAGE_SZ, hole = 4 * SZ_1M + PAGE_SZ;
	const size_t pages = len / PAGE_SZ - 1;
	const uint64_t blocks = 4, first = 0xa000, gpu = 0xb000;
	uint64_t sum;
	char *base, *buf;
	int round;

	igt_require_f(sysconf(_SC_NPROCESSORS_ONLN) >= 2, "one CPU\n");
	igt_require(read_file(MIGRATE_WORKERS, workers_saved,
			      sizeof(workers_saved)));

	base = map_anon(len + 2 * SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	buf = (char *)(((uintptr_t)base + SZ_2M - 1) & ~(SZ_2M - 1)) + off;
	igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);

	for (round = 0; round < 2; round++) {
		const char *workers = round ? "1" : "0";
		uint64_t f = first + round * 0x100000;

		write_file(MIGRATE_WORKERS, workers);
		write_file(MIGRATE_DELAY, round ? "0" : "20");
		cpu_fill(buf, len, f, STEP);
		/* A read-only VMA in the middle, and a hole of one page. */
		igt_assert_eq(mprotect(buf + ro, 8 * PAGE_SZ, PROT_READ), 0);
		igt_assert_eq(munmap(buf + hole, PAGE_SZ), 0);
		sum = nvsvm_checksum(buf, hole);

		migrate_workers_all(buf, len, TO_VRAM, workers, pages, blocks,
				    round ? 0 : blocks);

		/* The GPU reads every word from VRAM, then writes others. */
		igt_assert_eq_u64(gpu_checksum(&dev0, buf, hole), sum);
		assert_gpu_pattern(&dev0, buf + hole + PAGE_SZ,
				   len - hole - PAGE_SZ,
				   PAGE_FIRST(f, hole / PAGE_SZ + 1), STEP);
		gpu_write_pattern(&dev0, buf, ro, gpu, STEP);

		migrate_workers_all(buf, len, TO_SYS, workers, pages, blocks,
				    round ? 0 : blocks);
		assert_buf(buf, ro, gpu, STEP);
		assert_buf(buf + ro, hole - ro, PAGE_FIRST(f, ro / PAGE_SZ),
			   STEP);
		assert_buf(buf + hole + PAGE_SZ, len - hole - PAGE_SZ,
			   PAGE_FIRST(f, hole / PAGE_SZ + 1), STEP);

		/* No GPU mapping of VRAM is left: the GPU sees CPU writes. */
		cpu_fill(buf, ro, f + 0x5000, STEP);
		assert_gpu_pattern(&dev0, buf, ro, f + 0x5000, STEP);

		igt_assert_eq(munmap(buf, len), 0);
		igt_assert(mmap(buf, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
				-1, 0) == buf);
		igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	}
	restore_migrate_workers();
	munmap(base, len + 2 * SZ_2M);
}

/* --- migrate-round-trip-tlb --------------------------------------------- */

/*
 * Count the words of @out, a GPU copy of a buffer, that are not pattern
 * (@first, STEP). The first one is described in @msg: its page and word,
 * what the GPU read and what it should have, and whether that is the
 * pattern (@old, STEP) the buffer held before the CPU wrote.
 */
static size_t gpu_read_errors(const uint64_t *out, size_t len, uint64_t first,
			      uint64_t old, const char *when, char *msg,
			      size_t size)
{
	size_t bad = 0;

	for (size_t i = 0; i < len / 8; i++) {
		uint64_t want = first + i * STEP;

		if (out[i] == want)
			continue;
		if (!bad++)
			snprintf(msg, size,
				 "%s: page %zu word %zu: the GPU read %#llx, expected %#llx%s",
				 when, i / PAGE_WORDS, i % PAGE_WORDS,
				 (unsigned long long)out[i],
				 (unsigned long long)want,
				 old != first && out[i] == old + i * STEP ?
				 " (the value before the CPU wrote: a stale GPU mapping)" :
				 "");
	}
	return bad;
}

static void assert_gpu_read(const uint64_t *out, size_t len, uint64_t first,
			    uint64_t old, const char *when)
{
	char msg[256];
	size_t bad = gpu_read_errors(out, len, first, old, when, msg,
				     sizeof(msg));

	igt_assert_f(!bad, "%s; %zu of %zu words wrong\n", msg, bad, len / 8);
}

/* The GPU reads @buf into @out, poisoned first. */
static void gpu_read(const struct gpu *g, uint64_t *out, const void *buf,
		     size_t len)
{
	cpu_fill(out, len, POISON, 0);
	gpu_ok(g, nvsvm_op_copy(out, buf, len));
}

#define RT_PAGES	8

/*
 * The GPU reads a buffer in system memory, then in VRAM, so that its TLB
 * holds the translations of both; the buffer comes back to system memory,
 * by MIGRATE or by the CPU's write fault, and the CPU writes new values.
 * The GPU must read them on every page. The notifier skips this GPU's own
 * migrations: only the driver's unmap and TLB flush of the moving pages,
 * inside the migration, stand between the GPU and the pages the data has
 * left. Few pages, so that every translation stays in the TLB: a missing
 * flush reads the old VRAM pages. Each way back has buffers of its own,
 * and both are checked before the verdict.
 */
static void test_migrate_round_trip_tlb(void)
{
	static const char *const way[] = {
		"back by MIGRATE, then written by the CPU",
		"back by the CPU's write fault",
	};
	const size_t len = RT_PAGES * PAGE_SZ, words = len / 8;
	uint64_t *buf[ARRAY_SIZE(way)], *out[ARRAY_SIZE(way)];
	size_t stale[ARRAY_SIZE(way)];
	char msg[ARRAY_SIZE(way)][256];
	struct drm_nvsvm_stats d0, d1;

	for (size_t r = 0; r < ARRAY_SIZE(way); r++) {
		buf[r] = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		out[r] = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		/* 4 KiB pages: a TLB entry per page. */
		igt_assert_eq(madvise(buf[r], len, MADV_NOHUGEPAGE), 0);
		igt_assert_eq(madvise(out[r], len, MADV_NOHUGEPAGE), 0);
	}
	for (size_t r = 0; r < ARRAY_SIZE(way); r++) {
		const bool by_cpu = r == 1;
		const uint64_t a = 0x7100000 + 0x100000 * r, b = a + 0x8000;

		cpu_fill(buf[r], len, a, STEP);
		gpu_read(&dev0, out[r], buf[r], len);
		assert_gpu_read(out[r], len, a, a, "in system memory");

		migrate_all(&dev0, buf[r], len, TO_VRAM);
		gpu_read(&dev0, out[r], buf[r], len);
		assert_gpu_read(out[r], len, a, a, "in VRAM");

		d0 = dev_stats(&dev0);
		if (!by_cpu)
			migrate_all(&dev0, buf[r], len, TO_SYS);
		cpu_fill(buf[r], len, b, STEP);
		d1 = dev_stats(&dev0);
		igt_assert_eq_u64(DELTA(d1, d0, migrated_to_sys), RT_PAGES);
		igt_assert_eq_u64(DELTA(d1, d0, cpu_faults) > 0, by_cpu);

		gpu_read(&dev0, out[r], buf[r], len);
		stale[r] = gpu_read_errors(out[r], len, b, a, way[r], msg[r],
					   sizeof(msg[r]));
		if (stale[r])
			igt_warn("%s; %zu of %zu words wrong\n", msg[r],
				 stale[r], words);
		assert_buf(buf[r], len, b, STEP);
	}
	for (size_t r = 0; r < ARRAY_SIZE(way); r++) {
		igt_assert_f(!stale[r], "%s; %zu of %zu words wrong\n", msg[r],
			     stale[r], words);
		munmap(buf[r], len);
		munmap(out[r], len);
	}
}

/* --- gpu-write-during-migrate ------------------------------------------- */

#define ADD_OPS		8
#define ADD_MIN_JOBS	4
#define ADD_MIN_ROUNDS	16
#define ADD_MAX_SEC	30

struct adder {
	const struct gpu *g;
	uint64_t *buf;
	size_t len;
	bool stop;		/* set by the main thread */
	unsigned int jobs;	/* jobs that completed successfully */
	int error;		/* first failure: errno or job status */
};

/* Add 1 to every word, ADD_OPS times per job, until told to stop. */
static void *adder_thread(void *arg)
{
	struct adder *a = arg;
	struct drm_nvsvm_op ops[ADD_OPS];

	for (int i = 0; i < ADD_OPS; i++)
		ops[i] = nvsvm_op_atomic_add(a->buf, a->len, 1);
	while (!__atomic_load_n(&a->stop, __ATOMIC_ACQUIRE)) {
		int ret = nvsvm_run(a->g->fd, a->g->chan, ops, ADD_OPS);

		if (ret) {
			__atomic_store_n(&a->error, ret, __ATOMIC_RELEASE);
			break;
		}
		__atomic_add_fetch(&a->jobs, 1, __ATOMIC_ACQ_REL);
	}
	return NULL;
}

static bool adder_busy(struct adder *a, unsigned int rounds, time_t end)
{
	if (__atomic_load_n(&a->error, __ATOMIC_ACQUIRE) || time(NULL) > end)
		return false;
	return rounds < ADD_MIN_ROUNDS ||
	       __atomic_load_n(&a->jobs, __ATOMIC_ACQUIRE) < ADD_MIN_JOBS;
}

/*
 * Jobs of atomic adds run back to back while the range moves to VRAM and
 * back: every word ends at exactly the number of adds that completed.
 */
static void test_gpu_write_during_migrate(void)
{
	const size_t len = 32 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct adder a = { .g = &dev0, .buf = buf, .len = len };
	unsigned long long to_vram = 0, to_sys = 0;
	const time_t end = time(NULL) + ADD_MAX_SEC;
	unsigned int rounds = 0, jobs;
	pthread_t thread;
	uint64_t expected;
	int ret = 0;

	cpu_fill(buf, len, 0, 0);
	igt_assert_eq(pthread_create(&thread, NULL, adder_thread, &a), 0);
	while (!ret && adder_busy(&a, rounds, end)) {
		struct moved m = { 0, 0 };

		ret = nvsvm_migrate(dev0.fd, buf, len, TO_VRAM, &m.migrated,
				    &m.skipped);
		to_vram += m.migrated;
		if (!ret)
			ret = nvsvm_migrate(dev0.fd, buf, len, TO_SYS,
					    &m.migrated, &m.skipped);
		to_sys += m.migrated;
		rounds += !ret;
	}
	__atomic_store_n(&a.stop, true, __ATOMIC_RELEASE);
	igt_assert_eq(pthread_join(thread, NULL), 0);

	jobs = a.jobs;
	expected = (uint64_t)jobs * ADD_OPS;
	igt_info("%u round trips (%llu pages to VRAM, %llu back) during %u jobs of %d atomic adds\n",
		 rounds, to_vram, to_sys, jobs, ADD_OPS);
	igt_assert_f(!ret, "MIGRATE: %s\n", nvsvm_strerror(ret));
	igt_assert_f(!a.error, "job: %d (%s)\n", a.error,
		     nvsvm_strerror(a.error));
	igt_assert(rounds >= 2 && jobs >= 2);
	igt_assert(to_vram > 0);
	/* No increment lost, none doubled. */
	igt_assert_eq_u64(gpu_checksum(&dev0, buf, len),
			  pattern_checksum(len, expected, 0));
	assert_buf(buf, len, expected, 0);
	munmap(buf, len);
}

/* --- gpu-fill-during-migrate -------------------------------------------- */

#define FILL_SEED		18
#define FILL_MIN_GENS		8
#define FILL_MAX_GENS		256
#define FILL_MIN_OVERLAPS	32
#define FILL_MAX_SEC		6
/* What generation @gen writes to every word; GEN_OF() reads it back. */
#define GEN_TAG			0x6e5e000000000000ull
#define GEN_VALUE(gen)		(GEN_TAG | (gen))
#define GEN_OF(v)		((v) & ~GEN_TAG)

struct mover {
	const struct gpu *g;
	uint64_t *buf;
	size_t len;
	unsigned int seed;
	unsigned int gen;	/* the fill job in flight, 0 if none */
	bool stop;		/* set by the main thread */
	unsigned int rounds;
	unsigned int overlaps;	/* migrations to VRAM inside one fill job */
	unsigned long long to_vram, to_sys;
	int error;		/* first failed MIGRATE */
};

/*
 * Move a random part of the buffer to VRAM and back, with random pauses,
 * until told to stop. A migration to VRAM that starts and ends while the
 * same fill job runs counts as an overlap.
 */
static void *mover_thread(void *arg)
{
	struct mover *m = arg;
	const size_t pages = m->len / PAGE_SZ;

	while (!__atomic_load_n(&m->stop, __ATOMIC_ACQUIRE)) {
		size_t first = rand_r(&m->seed) % pages;
		size_t n = 1 + rand_r(&m->seed) % (pages - first);
		char *addr = (char *)m->buf + first * PAGE_SZ;
		uint64_t migrated = 0, skipped;
		unsigned int before, after;
		int ret;

		before = __atomic_load_n(&m->gen, __ATOMIC_ACQUIRE);
		ret = nvsvm_migrate(m->g->fd, addr, n * PAGE_SZ, TO_VRAM,
				    &migrated, &skipped);
		after = __atomic_load_n(&m->gen, __ATOMIC_ACQUIRE);
		if (!ret && migrated && before && before == after)
			__atomic_add_fetch(&m->overlaps, 1, __ATOMIC_ACQ_REL);
		m->to_vram += ret ? 0 : migrated;
		if (!ret) {
			usleep(rand_r(&m->seed) % 1000);
			migrated = 0;
			ret = nvsvm_migrate(m->g->fd, addr, n * PAGE_SZ,
					    TO_SYS, &migrated, &skipped);
			m->to_sys += ret ? 0 : migrated;
		}
		if (ret) {
			__atomic_store_n(&m->error, ret, __ATOMIC_RELEASE);
			break;
		}
		m->rounds++;
		usleep(rand_r(&m->seed) % 1000);
	}
	return NULL;
}

/*
 * Plain GPU writes, the fills of one job after another, while another
 * thread moves the range to VRAM and back. Each job writes its generation
 * to every word, and once it has completed the CPU must read that
 * generation everywhere: a GPU write that landed in a page the data had
 * left, during a migration, shows as an older one. Unlike atomics, which
 * need an exclusive grant and so never race a migration's unmap, a plain
 * write goes through whatever translation the GPU holds, up to the TLB
 * flush of the migration.
 */
static void test_gpu_fill_during_migrate(void)
{
	const size_t len = 32 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct mover m = {
		.g = &dev0, .buf = buf, .len = len, .seed = FILL_SEED,
	};
	const time_t end = time(NULL) + FILL_MAX_SEC;
	unsigned int gen, overlaps, jobs = 0;
	size_t bad = len / 8;
	uint64_t got = 0;
	pthread_t thread;
	int ret = 0;

	igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	cpu_fill(buf, len, GEN_VALUE(0), 0);
	igt_assert_eq(pthread_create(&thread, NULL, mover_thread, &m), 0);
	for (gen = 1; gen <= FILL_MAX_GENS; gen++) {
		overlaps = __atomic_load_n(&m.overlaps, __ATOMIC_ACQUIRE);
		if (__atomic_load_n(&m.error, __ATOMIC_ACQUIRE) ||
		    time(NULL) > end ||
		    (gen > FILL_MIN_GENS && overlaps >= FILL_MIN_OVERLAPS))
			break;

		__atomic_store_n(&m.gen, gen, __ATOMIC_RELEASE);
		ret = gpu_run(&dev0, nvsvm_op_fill(buf, len, GEN_VALUE(gen)));
		__atomic_store_n(&m.gen, 0, __ATOMIC_RELEASE);
		if (ret)
			break;
		jobs++;
		for (bad = 0; bad < len / 8; bad++) {
			got = buf[bad];
			if (got != GEN_VALUE(gen))
				break;
		}
		if (bad < len / 8)
			break;
	}
	__atomic_store_n(&m.stop, true, __ATOMIC_RELEASE);
	igt_assert_eq(pthread_join(thread, NULL), 0);

	igt_info("seed %u: %u fill jobs, %u round trips (%llu pages to VRAM, %llu back), %u migrations to VRAM inside a job\n",
		 FILL_SEED, jobs, m.rounds, m.to_vram, m.to_sys, m.overlaps);
	igt_assert_f(bad == len / 8,
		     "generation %u (seed %u): page %zu word %zu: %#llx (generation %llu), expected %#llx: a GPU write was lost\n",
		     gen, FILL_SEED, bad / PAGE_WORDS, bad % PAGE_WORDS,
		     (unsigned long long)got, (unsigned long long)GEN_OF(got),
		     (unsigned long long)GEN_VALUE(gen));
	igt_assert_f(!ret, "fill job of generation %u: %d (%s)\n", gen, ret,
		     nvsvm_strerror(ret));
	igt_assert_f(!m.error, "MIGRATE: %s\n", nvsvm_strerror(m.error));
	/* The premise: migrations ran inside the jobs. */
	igt_assert_f(m.overlaps > 0 && m.to_vram > 0,
		     "no migration to VRAM ran inside a fill job\n");
	igt_assert_eq_u64(gpu_checksum(&dev0, buf, len),
			  pattern_checksum(len, GEN_VALUE(jobs), 0));
	assert_buf(buf, len, GEN_VALUE(jobs), 0);
	munmap(buf, len);
}

/* --- cow-in-device ------------------------------------------------------ */

static void test_cow_in_device(void)
{
	const size_t len = 64 * PAGE_SZ;
	const uint64_t a = 0xa0000, b = 0xb0000, c = 0xc0000, d = 0xd0000,
		       e = 0xe0000;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct sync_pipe s;

	cpu_fill(buf, len, a, STEP);
	migrate_all(&dev0, buf, len, TO_VRAM);
	sync_open(&s, 1);

	igt_fork(child, 1) {
		struct gpu g;

		sync_as_child(&s, 1, child);
		g = gpu_open(0);
		sync_await(s.down[0]);
		/* The parent has written its copy: ours is still A. */
		assert_gpu_pattern(&g, buf, len, a, STEP);
		assert_buf(buf, len, a, STEP);
		gpu_write_pattern(&g, buf, len, c, STEP);
		assert_buf(buf, len, c, STEP);
		migrate_all(&g, buf, len, TO_VRAM);
		cpu_fill(buf, len, d, STEP);
		assert_gpu_sees(&g, buf, len);
		sync_post(s.up[1]);
		sync_await(s.down[0]);
		/* The parent wrote again: ours is still D. */
		assert_gpu_sees(&g, buf, len);
		assert_buf(buf, len, d, STEP);
		close(g.fd);
	}
	sync_as_parent(&s, 1);

	gpu_write_pattern(&dev0, buf, len, b, STEP);
	assert_gpu_pattern(&dev0, buf, len, b, STEP);
	sync_post(s.down[1]);
	sync_await(s.up[0]);
	/* The child's writes stayed in the child. */
	assert_gpu_pattern(&dev0, buf, len, b, STEP);
	assert_buf(buf, len, b, STEP);
	cpu_fill(buf, len, e, STEP);
	assert_gpu_sees(&dev0, buf, len);
	sync_post(s.down[1]);
	igt_waitchildren();
	assert_buf(buf, len, e, STEP);
	sync_close_parent(&s, 1);
	munmap(buf, len);
}

/* --- double-map, migrate-other-device-invalidates ----------------------- */

static struct gpu open_dev1(void)
{
	nvsvm_igt_require_devices(2);
	return gpu_open(1);
}

static void test_double_map(void)
{
	const size_t len = 64 * PAGE_SZ;
	uint64_t *buf;
	struct gpu dev1 = open_dev1();

	buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	cpu_fill(buf, len, 0xd0000, STEP);
	assert_gpu_sees(&dev1, buf, len);

	migrate_all(&dev0, buf, len, TO_VRAM);
	/* Device 1 cannot map device 0's VRAM: it must refault, correctly. */
	assert_gpu_pattern(&dev1, buf, len, 0xd0000, STEP);
	assert_gpu_pattern(&dev0, buf, len, 0xd0000, STEP);
	assert_buf(buf, len, 0xd0000, STEP);

	/* Device 1 writes while device 0 holds the pages: all agree. */
	migrate(&dev0, buf, len, TO_VRAM);
	gpu_write_pattern(&dev1, buf, len, 0xd8000, STEP);
	assert_gpu_pattern(&dev0, buf, len, 0xd8000, STEP);
	assert_gpu_pattern(&dev1, buf, len, 0xd8000, STEP);
	assert_buf(buf, len, 0xd8000, STEP);
	close(dev1.fd);
	munmap(buf, len);
}

static void test_migrate_other_device_invalidates(void)
{
	const size_t len = 64 * PAGE_SZ;
	struct drm_nvsvm_stats f0, f1;
	struct gpu dev1 = open_dev1();
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	cpu_fill(buf, len, 0x0de0000, STEP);
	assert_gpu_sees(&dev0, buf, len);

	f0 = gpu_stats(&dev0);
	migrate_all(&dev1, buf, len, TO_VRAM);
	f1 = gpu_stats(&dev0);
	igt_info("device 0: %llu invalidations, %llu skipped\n",
		 DELTA(f1, f0, invalidations),
		 DELTA(f1, f0, invalidations_skipped));
	igt_assert(f1.invalidations > f0.invalidations);
	igt_assert_eq_u64(DELTA(f1, f0, invalidations_skipped), 0);

	assert_gpu_pattern(&dev0, buf, len, 0x0de0000, STEP);
	assert_buf(buf, len, 0x0de0000, STEP);
	close(dev1.fd);
	munmap(buf, len);
}

/*
 * Device 0 reads a few pages, so that it maps them and its TLB holds
 * them. Device 1 migrates them into its VRAM, and the CPU writes them,
 * which brings them back from device 1 to new system pages. Device 0 must
 * read the CPU's values: a notifier of device 0 that took device 1's
 * migration for one of its own, whose pages the driver unmaps itself,
 * leaves device 0 reading the pages the data left at the first step.
 */
static void test_migrate_other_device_data(void)
{
	const size_t len = 4 * PAGE_SZ, pages = len / PAGE_SZ;
	const uint64_t a = 0x0df0000, b = 0x0df8000;
	struct gpu dev1 = open_dev1();
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t *out = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats d0, d1;

	igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	igt_assert_eq(madvise(out, len, MADV_NOHUGEPAGE), 0);
	cpu_fill(buf, len, a, STEP);
	gpu_read(&dev0, out, buf, len);
	assert_gpu_read(out, len, a, a, "device 0, before");

	migrate_all(&dev1, buf, len, TO_VRAM);
	d0 = dev_stats(&dev1);
	cpu_fill(buf, len, b, STEP);
	d1 = dev_stats(&dev1);
	igt_assert(d1.cpu_faults > d0.cpu_faults);
	igt_assert_eq_u64(DELTA(d1, d0, migrated_to_sys), pages);

	gpu_read(&dev0, out, buf, len);
	assert_gpu_read(out, len, b, a,
			"device 0, after device 1's round trip and a CPU write");
	assert_buf(buf, len, b, STEP);
	close(dev1.fd);
	munmap(buf, len);
	munmap(out, len);
}

/* --- evict-oversubscribe ------------------------------------------------ */

static void test_evict_oversubscribe(void)
{
	const size_t chunk = SZ_4M;
	/* Half as much again as VRAM: the last third of it must evict. */
	const size_t chunks = (3 * vram_size / 2 + chunk - 1) / chunk;
	const size_t len = chunks * chunk;
	const uint64_t first = 0xe000000;
	struct drm_nvsvm_stats f0, f1, d0, d1, d;
	uint64_t *sums, max_in_use = 0;
	char *buf;

	igt_require_f(vram_size <= 256 * SZ_1M,
		      "%llu MiB of VRAM: too much to oversubscribe here\n",
		      (unsigned long long)(vram_size >> 20));
	buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	sums = calloc(chunks, sizeof(*sums));
	igt_assert(sums);
	cpu_fill(buf, len, first, STEP);
	for (size_t i = 0; i < chunks; i++)
		sums[i] = nvsvm_checksum(buf + i * chunk, chunk);

	f0 = gpu_stats(&dev0);
	d0 = dev_stats(&dev0);
	for (size_t i = 0; i < chunks; i++) {
		int ret = nvsvm_prefetch(dev0.fd, buf + i * chunk, chunk);

		igt_assert_f(!ret, "prefetch of chunk %zu: %s\n", i,
			     nvsvm_strerror(ret));
		d = dev_stats(&dev0);
		if (d.vram_in_use > max_in_use)
			max_in_use = d.vram_in_use;
	}
	f1 = gpu_stats(&dev0);
	d1 = dev_stats(&dev0);
	igt_info("%zu MiB prefetched into %llu MiB of VRAM: %llu pages migrated, %llu evicted, at most %llu KiB in use\n",
		 len >> 20, (unsigned long long)(vram_size >> 20),
		 DELTA(f1, f0, migrated_to_vram), DELTA(d1, d0, evictions),
		 (unsigned long long)(max_in_use >> 10));
	igt_assert(d1.evictions > d0.evictions);
	igt_assert(f1.migrated_to_vram > f0.migrated_to_vram);

	for (size_t i = 0; i < chunks; i++) {
		igt_assert_f(gpu_checksum(&dev0, buf + i * chunk, chunk) == sums[i],
			     "GPU checksum of chunk %zu\n", i);
		d = dev_stats(&dev0);
		if (d.vram_in_use > max_in_use)
			max_in_use = d.vram_in_use;
	}
	igt_assert_f(max_in_use <= vram_size,
		     "%llu bytes of VRAM in use, of %llu\n",
		     (unsigned long long)max_in_use,
		     (unsigned long long)vram_size);
	assert_buf(buf, len, first, STEP);
	munmap(buf, len);
	free(sums);
}

/* --- bad-ioctl-args ----------------------------------------------------- */

/* Page aligned, above every user address space (4- and 5-level paging). */
#define BEYOND_USER	(1ull << 56)
#define KERNEL_HALF	0xffff800000000000ull

static void bad_migrate(int fd, uint64_t *buf, size_t len)
{
	const struct drm_nvsvm_migrate base = {
		.addr = (uintptr_t)buf,
		.size = len,
		.target = TO_VRAM,
	};
	const uint64_t top = -(DRM_NVSVM_MIGRATE_MAX_SIZE / 2);
	const struct drm_nvsvm_migrate bad[] = {
		WITH(base, flags, 1),
		WITH(base, flags, 1u << 31),
		WITH(base, addr, base.addr + 1),
		WITH(base, addr, base.addr + PAGE_SZ / 2),
		WITH(base, size, 8),
		WITH(base, size, len + 8),
		WITH(base, size, 0),
		WITH(base, size, DRM_NVSVM_MIGRATE_MAX_SIZE + PAGE_SZ),
		WITH(base, size, ~0ull & ~(PAGE_SZ - 1)),
		WITH(WITH(base, addr, top), size, DRM_NVSVM_MIGRATE_MAX_SIZE),
		WITH(base, addr, BEYOND_USER),
		WITH(base, addr, KERNEL_HALF),
	};
	static const uint32_t bad_targets[] = { 2, 3, 1u << 31, ~0u };

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		igt_debug("bad migrate %u\n", i);
		EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_MIGRATE, bad[i], -EINVAL);
		EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_MIGRATE,
			     WITH(bad[i], target, TO_SYS), -EINVAL);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(bad_targets); i++)
		EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_MIGRATE,
			     WITH(base, target, bad_targets[i]), -EINVAL);
}

static void bad_advise(int fd, uint64_t *buf, size_t len)
{
	const struct drm_nvsvm_advise base = {
		.addr = (uintptr_t)buf,
		.size = len,
		.attr = PREFERRED,
		.value = TO_VRAM,
	};
	const struct drm_nvsvm_advise bad[] = {
		WITH(base, flags, 1),
		WITH(base, flags, 1u << 31),
		WITH(base, pad, 1),
		WITH(base, pad, 1u << 31),
		WITH(base, attr, 0),
		WITH(base, attr, ATOMIC + 1),
		WITH(base, attr, ~0u),
		WITH(base, value, 2),
		WITH(base, value, ~0u),
		WITH(WITH(base, attr, ACCESSED_BY), value, 2),
		WITH(WITH(base, attr, ACCESSED_BY), value, ~0u),
		WITH(WITH(base, attr, ACCESSED_BY), flags, 1),
		WITH(WITH(base, attr, ACCESSED_BY), pad, 1),
		WITH(WITH(base, attr, ACCESSED_BY), size, 0),
		WITH(WITH(base, attr, ACCESSED_BY), addr, base.addr + 1),
		WITH(WITH(base, attr, ATOMIC), value, DRM_NVSVM_ATOMIC_NONE + 1),
		WITH(WITH(base, attr, ATOMIC), value, ~0u),
		WITH(WITH(WITH(base, attr, ATOMIC), value, DRM_NVSVM_ATOMIC_NONE),
		     flags, 1),
		WITH(WITH(WITH(base, attr, ATOMIC), value, DRM_NVSVM_ATOMIC_NONE),
		     size, len + 8),
		WITH(base, addr, base.addr + 1),
		WITH(base, size, 8),
		WITH(base, size, len + 8),
		WITH(base, size, 0),
		WITH(base, size, ~0ull & ~(PAGE_SZ - 1)),
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		igt_debug("bad advise %u\n", i);
		EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_ADVISE, bad[i], -EINVAL);
	}
}

/* DRM_NVSVM_ADVISE_MAX_RANGES separate ranges, then ENOSPC. */
static void advise_too_many(int fd)
{
	const size_t len = (2 * DRM_NVSVM_ADVISE_MAX_RANGES + 2) * PAGE_SZ;
	char *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int i;

	for (i = 0; i < DRM_NVSVM_ADVISE_MAX_RANGES; i++)
		igt_assert_eq(nvsvm_advise(fd, buf + 2 * i * PAGE_SZ, PAGE_SZ,
					   PREFERRED, TO_VRAM), 0);
	igt_assert_eq(nvsvm_advise(fd, buf + 2 * i * PAGE_SZ, PAGE_SZ,
				   PREFERRED, TO_VRAM), -ENOSPC);
	/* Advice on a range that has some replaces it: no new range. */
	igt_assert_eq(nvsvm_advise(fd, buf, PAGE_SZ, PREFERRED, TO_VRAM), 0);
	/* Each attribute has ranges of its own. */
	for (i = 0; i < DRM_NVSVM_ADVISE_MAX_RANGES; i++)
		igt_assert_eq(nvsvm_advise_accessed_by(fd, buf + 2 * i * PAGE_SZ,
						       PAGE_SZ, 1), 0);
	igt_assert_eq(nvsvm_advise_accessed_by(fd, buf + 2 * i * PAGE_SZ,
					       PAGE_SZ, 1), -ENOSPC);
	igt_assert_eq(nvsvm_advise_atomic(fd, buf + 2 * i * PAGE_SZ, PAGE_SZ,
					  DRM_NVSVM_ATOMIC_VRAM), 0);
	/* Clearing needs no room, and makes some. */
	igt_assert_eq(nvsvm_advise_accessed_by(fd, buf, 2 * PAGE_SZ, 0), 0);
	igt_assert_eq(nvsvm_advise_accessed_by(fd, buf + 2 * i * PAGE_SZ,
					       PAGE_SZ, 1), 0);
	munmap(buf, len);
}

static void test_bad_ioctl_args(void)
{
	const size_t len = 4 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t *fresh = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	const struct drm_nvsvm_migrate migrate_args = {
		.addr = (uintptr_t)buf,
		.size = len,
		.target = TO_VRAM,
	};
	struct drm_nvsvm_stats f0, f1, d0, d1;
	struct gpu g;
	int unbound = nvsvm_igt_open(0);

	/* Before SVM_INIT. */
	EXPECT_IOCTL(unbound, DRM_IOCTL_NVSVM_MIGRATE, migrate_args, -ENOENT);
	EXPECT_IOCTL(unbound, DRM_IOCTL_NVSVM_MIGRATE,
		     WITH(migrate_args, target, TO_SYS), -ENOENT);
	close(unbound);

	cpu_fill(buf, len, 0xbad0, STEP);
	f0 = gpu_stats(&dev0);
	d0 = dev_stats(&dev0);
	bad_migrate(dev0.fd, buf, len);
	f1 = gpu_stats(&dev0);
	d1 = dev_stats(&dev0);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_vram), 0);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_sys), 0);
	igt_assert_eq_u64(DELTA(d1, d0, migrated_to_vram), 0);
	igt_assert_eq_u64(d1.vram_in_use, d0.vram_in_use);

	/* The largest range is accepted. */
	{
		void *big = mmap(NULL, DRM_NVSVM_MIGRATE_MAX_SIZE, PROT_NONE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				 -1, 0);
		struct moved m;

		igt_assert(big != MAP_FAILED);
		m = migrate(&dev0, big, DRM_NVSVM_MIGRATE_MAX_SIZE, TO_SYS);
		igt_assert_eq_u64(m.migrated, 0);
		munmap(big, DRM_NVSVM_MIGRATE_MAX_SIZE);
	}

	/* Advice on its own file, so that dev0 keeps no advice. */
	g = gpu_open(0);
	bad_advise(g.fd, fresh, len);
	/* None of it took: a GPU first touch leaves the pages in system memory. */
	f0 = gpu_stats(&g);
	gpu_ok(&g, nvsvm_op_fill(fresh, len, 0xfe));
	/* No atomic policy took either: atomics go through grants. */
	gpu_ok(&g, nvsvm_op_atomic_add(fresh, len, 1));
	f1 = gpu_stats(&g);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_vram), 0);
	igt_assert_lte(len / PAGE_SZ, DELTA(f1, f0, exclusive_grants));
	assert_buf(fresh, len, 0xff, 0);
	advise_too_many(g.fd);
	close(g.fd);

	/* No damage: a valid migration still works. */
	f0 = gpu_stats(&dev0);
	migrate_all(&dev0, buf, len, TO_VRAM);
	f1 = gpu_stats(&dev0);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_vram), len / PAGE_SZ);
	assert_gpu_pattern(&dev0, buf, len, 0xbad0, STEP);
	assert_buf(buf, len, 0xbad0, STEP);
	munmap(buf, len);
	munmap(fresh, len);
}

/* --- advise-preferred-vram ---------------------------------------------- */

/*
 * GPU faults on system pages of a range advised to VRAM migrate them; the
 * pages next to it, in the same VMA, stay in system memory.
 */
static void test_advise_preferred_vram(void)
{
	const size_t len = SZ_1M, pages = len / PAGE_SZ;
	char *both = map_anon(3 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	char *advised = both, *plain = both + len, *fresh = both + 2 * len;
	struct drm_nvsvm_stats f0, f1, f2, f3, d0, d1;
	struct gpu g = gpu_open(0);
	int ret;

	/* One VMA, no THP: the advice, not the mapping, draws the line. */
	igt_assert_eq(madvise(both, 3 * len, MADV_NOHUGEPAGE), 0);
	cpu_fill(advised, len, 0xad0000, STEP);
	cpu_fill(plain, len, 0x91a000, STEP);
	ret = nvsvm_advise(g.fd, advised, len, PREFERRED, TO_VRAM);
	igt_assert_f(!ret, "ADVISE: %s\n", nvsvm_strerror(ret));

	f0 = gpu_stats(&g);
	gpu_write_pattern(&g, advised, len, 0xadf000, STEP);
	f1 = gpu_stats(&g);
	igt_info("advised range: %llu of %zu pages to VRAM\n",
		 DELTA(f1, f0, migrated_to_vram), pages);
	igt_assert_eq_u64(DELTA(f1, f0, migrated_to_vram), pages);

	assert_gpu_sees(&g, plain, len);
	gpu_write_pattern(&g, plain, len, 0x91b000, STEP);
	f2 = gpu_stats(&g);
	igt_assert_eq_u64(DELTA(f2, f1, migrated_to_vram), 0);

	d0 = dev_stats(&g);
	assert_buf(advised, len, 0xadf000, STEP);
	assert_buf(plain, len, 0x91b000, STEP);
	d1 = dev_stats(&g);
	igt_assert(d1.cpu_faults > d0.cpu_faults);
	igt_assert_eq_u64(DELTA(d1, d0, migrated_to_sys), pages);

	/*
	 * Never-touched memory has no system page yet: the header does not
	 * say where its first touch lands. Only the data is checked.
	 */
	ret = nvsvm_advise(g.fd, fresh, len, PREFERRED, TO_VRAM);
	igt_assert_f(!ret, "ADVISE: %s\n", nvsvm_strerror(ret));
	gpu_ok(&g, nvsvm_op_fill(fresh, len, 0xf4e5));
	f3 = gpu_stats(&g);
	igt_info("advised, never-touched range: %llu of %zu pages to VRAM on GPU first touch\n",
		 DELTA(f3, f2, migrated_to_vram), pages);
	assert_buf(fresh, len, 0xf4e5, 0);
	close(g.fd);
	munmap(both, 3 * len);
}

/* --- peer-migrate, peer-migrate-fault, peer-fallback ------------------- */

#define PEER_ACCESS	"peer_access"

/* Bytes the copy engine of @g moved, from its debugfs file "emu/ce". */
struct ce_bytes {
	uint64_t sys_read;
	uint64_t sys_written;
	uint64_t peer_read;
	uint64_t peer_written;
};

static struct ce_bytes ce_bytes(const struct gpu *g)
{
	FILE *f = gpu_debugfs_open(g, "emu/ce");
	struct ce_bytes b = { 0 };
	char key[64], line[128];
	unsigned long long v;
	int found = 0;

	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %llu", key, &v) != 2)
			continue;
		found++;
		if (!strcmp(key, "sys_read_bytes"))
			b.sys_read = v;
		else if (!strcmp(key, "sys_written_bytes"))
			b.sys_written = v;
		else if (!strcmp(key, "peer_read_bytes"))
			b.peer_read = v;
		else if (!strcmp(key, "peer_written_bytes"))
			b.peer_written = v;
		else
			found--;
	}
	fclose(f);
	igt_assert_f(found == 4, "emu/ce: %d of 4 byte counters\n", found);
	return b;
}

static char peer_access_saved[8];

static void restore_peer_access(void)
{
	if (peer_access_saved[0])
		param_write(PEER_ACCESS, peer_access_saved);
	peer_access_saved[0] = 0;
}

static void set_peer_access(const char *value)
{
	if (!peer_access_saved[0])
		igt_require_f(param_read(PEER_ACCESS, peer_access_saved,
					 sizeof(peer_access_saved)),
			      "nvsvm has no %s parameter\n", PEER_ACCESS);
	param_write(PEER_ACCESS, value);
}

/* What moving a range from device 0 to device 1 did, per device. */
struct peer_move {
	struct drm_nvsvm_stats d0, d1;	/* device counters, deltas */
	struct ce_bytes c0, c1;		/* copy-engine bytes, deltas */
};

static struct ce_bytes ce_delta(struct ce_bytes a, struct ce_bytes b)
{
	return (struct ce_bytes) {
		a.sys_read - b.sys_read, a.sys_written - b.sys_written,
		a.peer_read - b.peer_read, a.peer_written - b.peer_written,
	};
}

static struct drm_nvsvm_stats stats_delta(struct drm_nvsvm_stats a,
					  struct drm_nvsvm_stats b)
{
	__u64 *pa = &a.faults;
	const __u64 *pb = &b.faults;

	for (size_t i = 0; i < (sizeof(a) - offsetof(struct drm_nvsvm_stats,
						       faults)) / 8; i++)
		pa[i] -= pb[i];
	return a;
}

/*
 * Run @fn, which moves pages from device 0 to device 1 one way or
 * another, and tell what it did on both devices.
 */
static struct peer_move peer_measure(const struct gpu *g1,
				     void (*fn)(const struct gpu *g1,
						void *buf, size_t len),
				     void *buf, size_t len)
{
	struct drm_nvsvm_stats d0 = dev_stats(&dev0), d1 = dev_stats(g1);
	struct ce_bytes c0 = ce_bytes(&dev0), c1 = ce_bytes(g1);
	struct peer_move m;

	fn(g1, buf, len);
	m.d0 = stats_delta(dev_stats(&dev0), d0);
	m.d1 = stats_delta(dev_stats(g1), d1);
	m.c0 = ce_delta(ce_bytes(&dev0), c0);
	m.c1 = ce_delta(ce_bytes(g1), c1);
	igt_info("device 1: %llu pages peer-to-peer, %llu bounced, %llu to VRAM; copy engine: %llu bytes from peers, %llu from / %llu to system memory\n",
		 (unsigned long long)m.d1.peer_migrated,
		 (unsigned long long)m.d1.peer_bounced,
		 (unsigned long long)m.d1.migrated_to_vram,
		 (unsigned long long)m.c1.peer_read,
		 (unsigned long long)m.c1.sys_read,
		 (unsigned long long)m.c1.sys_written);
	igt_info("device 0: %llu pages to system memory, %llu GPU mappings invalidated in migrations; copy engine: %llu from / %llu to system memory\n",
		 (unsigned long long)m.d0.migrated_to_sys,
		 (unsigned long long)m.d0.migration_invalidations,
		 (unsigned long long)m.c0.sys_read,
		 (unsigned long long)m.c0.sys_written);
	return m;
}

static void peer_by_migrate(const struct gpu *g1, void *buf, size_t len)
{
	migrate_all(g1, buf, len, TO_VRAM);
}

/* Where peer_by_fault() reads to: mapped already, so that it unmaps nothing. */
static uint64_t *peer_fault_out;

static void peer_by_fault(const struct gpu *g1, void *buf, size_t len)
{
	/* The GPU's copy of the buffer, into system memory. */
	gpu_read(g1, peer_fault_out, buf, len);
	assert_gpu_read(peer_fault_out, len, 0x9e0000, 0x9e0000,
			"device 1's fault");
}

#define PEER_PAGES	32

/*
 * Pages in device 0's VRAM, which device 0 has mapped and cached in its
 * TLB, move to device 1 by @fn. Then device 1 writes them, in its VRAM,
 * and device 0 must read what device 1 wrote: its mappings of the pages
 * that left were invalidated inside the migration, which its notifier
 * skips. A device 0 that kept them would read its old VRAM pages.
 */
static struct peer_move peer_move_check(void (*fn)(const struct gpu *g1,
						   void *buf, size_t len),
					bool advise)
{
	const size_t len = PEER_PAGES * PAGE_SZ;
	const uint64_t a = 0x9e0000, b = 0x9e8000;
	struct gpu dev1 = open_dev1();
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t *out = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct peer_move m;

	igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	cpu_fill(buf, len, a, STEP);
	migrate_all(&dev0, buf, len, TO_VRAM);
	gpu_read(&dev0, out, buf, len);
	assert_gpu_read(out, len, a, a, "device 0, in its VRAM");
	if (advise)
		igt_assert_eq(nvsvm_advise(dev1.fd, buf, len, PREFERRED,
					   TO_VRAM), 0);
	peer_fault_out = out;

	m = peer_measure(&dev1, fn, buf, len);
	igt_assert_eq_u64(m.d1.migrated_to_vram, PEER_PAGES);

	gpu_write_pattern(&dev1, buf, len, b, STEP);
	gpu_read(&dev0, out, buf, len);
	assert_gpu_read(out, len, b, a,
			"device 0, after its pages moved to device 1 and device 1 wrote them");
	assert_buf(buf, len, b, STEP);
	/* Every page left device 0's VRAM, and its mappings. */
	igt_assert_eq_u64(m.d0.migration_invalidations, PEER_PAGES);
	close(dev1.fd);
	munmap(buf, len);
	munmap(out, len);
	return m;
}

/*
 * Nothing went through system memory: device 1 read device 0's VRAM. And
 * device 1's notifier left its mappings alone: the migration moved only
 * device 0's pages.
 */
static void assert_peer_to_peer(const struct peer_move *m)
{
	igt_assert_eq_u64(m->d1.invalidations, 0);
	igt_assert_eq_u64(m->d1.peer_migrated, PEER_PAGES);
	igt_assert_eq_u64(m->d1.peer_bounced, 0);
	igt_assert_eq_u64(m->d0.migrated_to_sys, 0);
	igt_assert_eq_u64(m->c1.peer_read, PEER_PAGES * PAGE_SZ);
	igt_assert_eq_u64(m->c1.sys_read + m->c1.sys_written, 0);
	igt_assert_eq_u64(m->c0.sys_read + m->c0.sys_written, 0);
}

static void test_peer_migrate(void)
{
	struct peer_move m;

	set_peer_access("1");
	m = peer_move_check(peer_by_migrate, false);
	assert_peer_to_peer(&m);
}

static void test_peer_migrate_fault(void)
{
	struct peer_move m;

	set_peer_access("1");
	m = peer_move_check(peer_by_fault, true);
	assert_peer_to_peer(&m);
}

/*
 * With no peer path, both ways still move every page, through system
 * memory: MIGRATE has device 0 bring them back first, and a fault on
 * device 1 has HMM do it.
 */
static void test_peer_fallback(void)
{
	struct peer_move m;

	set_peer_access("0");
	m = peer_move_check(peer_by_migrate, false);
	igt_assert_eq_u64(m.d1.peer_migrated, 0);
	igt_assert_eq_u64(m.d1.peer_bounced, PEER_PAGES);
	igt_assert_eq_u64(m.d0.migrated_to_sys, PEER_PAGES);
	igt_assert_eq_u64(m.c1.peer_read + m.c1.peer_written, 0);
	igt_assert_eq_u64(m.c0.sys_written, PEER_PAGES * PAGE_SZ);
	igt_assert_eq_u64(m.c1.sys_read, PEER_PAGES * PAGE_SZ);

	m = peer_move_check(peer_by_fault, true);
	igt_assert_eq_u64(m.d1.peer_migrated, 0);
	igt_assert_eq_u64(m.d0.migrated_to_sys, PEER_PAGES);
	igt_assert_eq_u64(m.c1.peer_read + m.c1.peer_written, 0);
	restore_peer_access();
}

/* --- peer-migrate-gpu-write -------------------------------------------- */

struct peer_pull {
	const struct gpu *g;
	void *buf;
	size_t len;
	struct moved m;
	int ret;
};

static void *peer_pull_thread(void *arg)
{
	struct peer_pull *p = arg;

	p->ret = nvsvm_migrate(p->g->fd, p->buf, p->len, TO_VRAM,
			       &p->m.migrated, &p->m.skipped);
	return NULL;
}

/*
 * Device 0 writes pages while device 1 pulls them from device 0's VRAM,
 * after the copy and before the pull is done (debug_migrate_delay_ms holds
 * it there). The write must land: device 0's mappings of the pages went
 * inside the pull, before the copy, so its write faults and waits for the
 * pull. A device 0 that kept them writes the VRAM the data has left, and
 * the write is lost, until something else invalidates them.
 */
static void test_peer_migrate_gpu_write(void)
{
	const size_t len = PEER_PAGES * PAGE_SZ;
	struct gpu dev1 = open_dev1();
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct peer_pull p = { .g = &dev1, .buf = buf, .len = len };
	pthread_t thread;

	set_peer_access("1");
	igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	cpu_fill(buf, len, GEN_VALUE(0), 0);
	migrate_all(&dev0, buf, len, TO_VRAM);
	/* Device 0 maps its VRAM pages for writing. */
	gpu_ok(&dev0, nvsvm_op_fill(buf, len, GEN_VALUE(1)));

	param_require_set("debug_migrate_delay_ms", "1000");
	igt_assert_eq(pthread_create(&thread, NULL, peer_pull_thread, &p), 0);
	usleep(300 * 1000);
	gpu_ok(&dev0, nvsvm_op_fill(buf, len, GEN_VALUE(2)));
	igt_assert_eq(pthread_join(thread, NULL), 0);
	param_write("debug_migrate_delay_ms", "0");
	igt_assert_f(!p.ret, "MIGRATE: %s\n", nvsvm_strerror(p.ret));
	igt_info("device 1 pulled %llu pages\n",
		 (unsigned long long)p.m.migrated);

	for (size_t i = 0; i < len / 8; i++)
		igt_assert_f(buf[i] == GEN_VALUE(2),
			     "page %zu word %zu: %#llx, expected %#llx: device 0's write during the pull was lost\n",
			     i / PAGE_WORDS, i % PAGE_WORDS,
			     (unsigned long long)buf[i],
			     (unsigned long long)GEN_VALUE(2));
	close(dev1.fd);
	munmap(buf, len);
}

/* --- peer-migrate-race -------------------------------------------------- */

#define RACE_LEN	(2ul << 20)
/* A MIGRATE that takes this long is stuck: opposing migrations livelock. */
#define RACE_CALL_MAX_NS	(20 * SEC_NS)

struct race_mover {
	const struct gpu *g;
	void *buf;
	volatile bool *stop;
	pthread_t thread;
	uint64_t calls, pages, max_ns;
	int err;
};

static void *race_mover_thread(void *arg)
{
	struct race_mover *mv = arg;

	while (!*mv->stop && !mv->err) {
		uint64_t migrated = 0, skipped = 0, t0 = now_ns(), ns;

		mv->err = nvsvm_migrate(mv->g->fd, mv->buf, RACE_LEN, TO_VRAM,
					&migrated, &skipped);
		ns = now_ns() - t0;
		mv->max_ns = ns > mv->max_ns ? ns : mv->max_ns;
		mv->calls++;
		mv->pages += migrated;
		if (ns > RACE_CALL_MAX_NS)
			break;
	}
	return NULL;
}

/* Words of @buf that are not pattern (@first, STEP), from the CPU. */
static size_t race_cpu_errors(const uint64_t *w, size_t len, uint64_t first)
{
	size_t bad = 0;

	for (size_t i = 0; i < len / 8; i++)
		bad += w[i] != first + i * STEP;
	return bad;
}

/*
 * Two threads migrate one range to device 0 and to device 1, over and
 * over, each taking the pages the other just took, peer to peer. Each
 * round the CPU writes a new pattern over the range (faulting back what
 * is in VRAM, racing the movers), then both GPUs and the CPU read every
 * word. Every MIGRATE returns, in bounded time, having moved pages: DOC:
 * Peer migration says why no interleaving livelocks.
 */
static void test_peer_migrate_race(void)
{
	const char *env = getenv("NVSVM_PEER_RACE_SECONDS");
	uint64_t secs = env ? strtoull(env, NULL, 0) : 60;
	struct drm_nvsvm_stats p0, p1, q0, q1;
	/*
	 * Static: a failed assertion leaves the subtest with the movers
	 * still running, until the process exits.
	 */
	static struct gpu dev1;
	static volatile bool stop;
	static struct race_mover mv[2];
	uint64_t *buf = map_anon(RACE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t *out = map_anon(RACE_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t rounds = 0, words = 0, end, first = 0;
	struct timespec deadline;
	char msg[256], fail[512] = "";
	int i;

	dev1 = open_dev1();
	stop = false;
	mv[0] = (struct race_mover) { .g = &dev0, .buf = buf, .stop = &stop };
	mv[1] = (struct race_mover) { .g = &dev1, .buf = buf, .stop = &stop };
	set_peer_access("1");
	cpu_fill(buf, RACE_LEN, first, STEP);
	p0 = dev_stats(&dev0);
	p1 = dev_stats(&dev1);
	for (i = 0; i < 2; i++)
		igt_assert_eq(pthread_create(&mv[i].thread, NULL,
					     race_mover_thread, &mv[i]), 0);

	/* A failure stops the movers before the verdict: see below. */
	end = now_ns() + secs * SEC_NS;
	while (now_ns() < end && !mv[0].err && !mv[1].err && !fail[0]) {
		const struct gpu *g[2] = { rounds % 2 ? &dev1 : &dev0,
					   rounds % 2 ? &dev0 : &dev1 };
		size_t bad;
		int ret;

		first = 0xace0000ull + (rounds << 32);
		cpu_fill(buf, RACE_LEN, first, STEP);
		bad = race_cpu_errors(buf, RACE_LEN, first);
		if (bad) {
			snprintf(fail, sizeof(fail), "round %llu: the CPU read %zu words wrong right after writing",
				 (unsigned long long)rounds, bad);
			break;
		}
		for (i = 0; i < 2 && !fail[0]; i++) {
			cpu_fill(out, RACE_LEN, POISON, 0);
			ret = gpu_run(g[i], nvsvm_op_copy(out, buf, RACE_LEN));
			if (ret) {
				snprintf(fail, sizeof(fail), "round %llu: device %d's read: %s",
					 (unsigned long long)rounds,
					 g[i] == &dev0 ? 0 : 1, nvsvm_strerror(ret));
				break;
			}
			bad = gpu_read_errors(out, RACE_LEN, first, first,
					      g[i] == &dev0 ? "device 0" : "device 1",
					      msg, sizeof(msg));
			if (bad)
				snprintf(fail, sizeof(fail), "round %llu: %s; %zu words wrong",
					 (unsigned long long)rounds, msg, bad);
		}
		bad = fail[0] ? 0 : race_cpu_errors(buf, RACE_LEN, first);
		if (bad)
			snprintf(fail, sizeof(fail), "round %llu: the CPU read %zu words wrong",
				 (unsigned long long)rounds, bad);
		if (fail[0])
			break;
		words += 4 * RACE_LEN / 8;
		rounds++;
	}
	stop = true;
	/* A livelocked mover never comes back: do not wait for it forever. */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += RACE_CALL_MAX_NS / SEC_NS;
	for (i = 0; i < 2; i++)
		igt_assert_f(!pthread_timedjoin_np(mv[i].thread, NULL,
						   &deadline),
			     "device %d's MIGRATE has not returned %llu s after the end: opposing migrations livelocked\n",
			     i, (unsigned long long)(RACE_CALL_MAX_NS / SEC_NS));
	q0 = dev_stats(&dev0);
	q1 = dev_stats(&dev1);

	igt_info("%llu s: %llu rounds, %llu words checked (each round: CPU after writing, both GPUs, CPU)\n",
		 (unsigned long long)secs, (unsigned long long)rounds,
		 (unsigned long long)words);
	for (i = 0; i < 2; i++)
		igt_info("to device %d: %llu MIGRATE calls, %llu pages moved, longest call %.3f s, %llu pages peer-to-peer, %llu bounced\n",
			 i, (unsigned long long)mv[i].calls,
			 (unsigned long long)mv[i].pages, mv[i].max_ns / 1e9,
			 (unsigned long long)(i ? DELTA(q1, p1, peer_migrated) :
					      DELTA(q0, p0, peer_migrated)),
			 (unsigned long long)(i ? DELTA(q1, p1, peer_bounced) :
					      DELTA(q0, p0, peer_bounced)));
	igt_assert_f(!fail[0], "%s\n", fail);
	for (i = 0; i < 2; i++) {
		igt_assert_f(!mv[i].err, "MIGRATE to device %d: %s\n", i,
			     nvsvm_strerror(mv[i].err));
		igt_assert_f(mv[i].max_ns <= RACE_CALL_MAX_NS,
			     "a MIGRATE to device %d took %.3f s\n", i,
			     mv[i].max_ns / 1e9);
		igt_assert(mv[i].calls > 0 && mv[i].pages > 0);
	}
	igt_assert(rounds > 0);
	igt_assert(DELTA(q0, p0, peer_migrated) > 0);
	igt_assert(DELTA(q1, p1, peer_migrated) > 0);
	assert_buf(buf, RACE_LEN, first, STEP);
	close(dev1.fd);
	munmap(buf, RACE_LEN);
	munmap(out, RACE_LEN);
}

/* --- peer-migrate-kill -------------------------------------------------- */

#define PEER_KILL_LEN	(8ul << 20)

static uint64_t dev_vram_in_use(const struct gpu *g)
{
	return dev_stats(g).vram_in_use;
}

/*
 * SIGKILL lands in the middle of a peer migration, whose copies are slowed
 * down: the process ends at once, every VRAM page it had on both devices
 * is freed, and peer migration works on.
 */
static void test_peer_migrate_kill(void)
{
	struct gpu dev1 = open_dev1();
	uint64_t v0 = dev_vram_in_use(&dev0), v1 = dev_vram_in_use(&dev1);
	int kmsg = kmsg_mark();
	struct sync_pipe s;
	uint64_t t0, t1;
	int status;
	pid_t pid;

	set_peer_access("1");
	/* 0.5 ms a copy chunk: the kill lands in the middle of a copy. */
	param_require_set("debug_peer_delay_us", "500");
	sync_open(&s, 1);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		uint64_t *big = map_anon(PEER_KILL_LEN, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
		uint64_t migrated, skipped;
		struct gpu g0, g1;

		sync_as_child(&s, 1, 0);
		g0 = gpu_open(0);
		g1 = gpu_open(1);
		cpu_fill(big, PEER_KILL_LEN, 0x4b1, STEP);
		if (nvsvm_migrate(g0.fd, big, PEER_KILL_LEN, TO_VRAM,
				  &migrated, &skipped))
			_exit(1);
		sync_post(s.up[1]);
		for (;;) {
			nvsvm_migrate(g1.fd, big, PEER_KILL_LEN, TO_VRAM,
				      &migrated, &skipped);
			nvsvm_migrate(g0.fd, big, PEER_KILL_LEN, TO_VRAM,
				      &migrated, &skipped);
		}
	}
	sync_as_parent(&s, 1);
	sync_await(s.up[0]);
	usleep(500 * 1000);
	t0 = now_ns();
	kill(pid, SIGKILL);
	igt_assert_eq(waitpid(pid, &status, 0), pid);
	t1 = now_ns();
	igt_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	sync_close_parent(&s, 1);
	param_write("debug_peer_delay_us", "0");
	igt_info("SIGKILL to exit during peer migrations: %.3f s; VRAM in use: device 0 %llu, device 1 %llu bytes (before: %llu, %llu)\n",
		 (t1 - t0) / 1e9,
		 (unsigned long long)dev_vram_in_use(&dev0),
		 (unsigned long long)dev_vram_in_use(&dev1),
		 (unsigned long long)v0, (unsigned long long)v1);
	/*
	 * The blocks in flight finish first, each of its copy chunks held
	 * 0.5 ms, longer on a loaded machine (2.9 s once, in the full suite;
	 * 0.2 s alone): the bound is for a migration that goes on.
	 */
	igt_assert_f(t1 - t0 < 10 * SEC_NS,
		     "a killed peer migration took %.3f s to end\n",
		     (t1 - t0) / 1e9);
	igt_assert_eq_u64(dev_vram_in_use(&dev0), v0);
	igt_assert_eq_u64(dev_vram_in_use(&dev1), v1);
	kmsg_assert_clean(kmsg);
	close(dev1.fd);

	/* Peer migration works on. */
	{
		struct peer_move m = peer_move_check(peer_by_migrate, false);

		assert_peer_to_peer(&m);
	}
}

/* --- accessed-by ------------------------------------------------------- */

/*
 * A range advised both to VRAM and accessed by the device: GPU faults map
 * its pages in system memory and never migrate them, and the mappings
 * last, so the GPU reads each pattern the CPU writes next without a
 * fault. Cleared, the advice lets the next fault migrate the range.
 */
static void test_accessed_by(void)
{
	const size_t len = 64 * PAGE_SZ, pages = len / PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats s0, s1, s2, s3;
	struct gpu g = gpu_open(0);
	uint64_t first = 0xacce0000;
	unsigned int r;

	igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	cpu_fill(buf, len, first, STEP);
	igt_assert_eq(nvsvm_advise(g.fd, buf, len, PREFERRED, TO_VRAM), 0);
	igt_assert_eq(nvsvm_advise_accessed_by(g.fd, buf, len, 1), 0);

	s0 = gpu_stats(&g);
	assert_gpu_sees(&g, buf, len);
	s1 = gpu_stats(&g);
	for (r = 0; r < 4; r++) {
		first += 0x10000;
		cpu_fill(buf, len, first, STEP);
		assert_gpu_sees(&g, buf, len);
	}
	s2 = gpu_stats(&g);
	igt_info("accessed-by: %llu faults and %llu pages mapped first, %llu faults after; %llu pages to VRAM, %llu to system memory\n",
		 DELTA(s1, s0, faults), DELTA(s1, s0, pages_mapped),
		 DELTA(s2, s1, faults), DELTA(s2, s0, migrated_to_vram),
		 DELTA(s2, s0, migrated_to_sys));
	igt_assert_lte(pages, DELTA(s1, s0, pages_mapped));
	igt_assert_eq_u64(DELTA(s2, s0, migrated_to_vram), 0);
	igt_assert_eq_u64(DELTA(s2, s0, migrated_to_sys), 0);
	igt_assert_eq_u64(DELTA(s2, s1, faults), 0);
	assert_buf(buf, len, first, STEP);

	/* Cleared: the next faults, after an invalidation, migrate. */
	igt_assert_eq(nvsvm_advise_accessed_by(g.fd, buf, len, 0), 0);
	igt_assert_eq(mprotect(buf, len, PROT_READ), 0);
	igt_assert_eq(mprotect(buf, len, PROT_READ | PROT_WRITE), 0);
	assert_gpu_sees(&g, buf, len);
	s3 = gpu_stats(&g);
	igt_assert_eq_u64(DELTA(s3, s2, migrated_to_vram), pages);
	assert_buf(buf, len, first, STEP);
	close(g.fd);
	munmap(buf, len);
}

/* --- advise-atomic ------------------------------------------------------ */

/*
 * The atomic policy of a range: refused atomics fail their job and write
 * nothing, VRAM atomics move the pages there without a grant, and grants
 * (the default again) take system pages exclusive without moving them.
 */
static void test_advise_atomic(void)
{
	const size_t len = 4 * PAGE_SZ, pages = len / PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats s0, s1, s2;
	struct gpu g = gpu_open(0);
	int ret;

	igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	cpu_fill(buf, len, 0xa70000, STEP);

	igt_assert_eq(nvsvm_advise_atomic(g.fd, buf, len,
					  DRM_NVSVM_ATOMIC_NONE), 0);
	ret = gpu_run(&g, nvsvm_op_atomic_add(buf, len, 1));
	igt_assert_f(ret == -EFAULT, "refused atomics: %d (%s)\n", ret,
		     nvsvm_strerror(ret));
	assert_buf(buf, len, 0xa70000, STEP);
	/* Plain accesses are not atomics. */
	assert_gpu_sees(&g, buf, len);

	igt_assert_eq(nvsvm_advise_atomic(g.fd, buf, len,
					  DRM_NVSVM_ATOMIC_VRAM), 0);
	s0 = gpu_stats(&g);
	gpu_ok(&g, nvsvm_op_atomic_add(buf, len, 3));
	s1 = gpu_stats(&g);
	igt_info("VRAM policy: %llu pages to VRAM, %llu grants\n",
		 DELTA(s1, s0, migrated_to_vram), DELTA(s1, s0, exclusive_grants));
	igt_assert_eq_u64(DELTA(s1, s0, migrated_to_vram), pages);
	igt_assert_eq_u64(DELTA(s1, s0, exclusive_grants), 0);
	assert_buf(buf, len, 0xa70003, STEP);

	igt_assert_eq(nvsvm_advise_atomic(g.fd, buf, len,
					  DRM_NVSVM_ATOMIC_GRANT), 0);
	gpu_ok(&g, nvsvm_op_atomic_add(buf, len, 5));
	s2 = gpu_stats(&g);
	igt_info("grant policy: %llu pages to VRAM, %llu grants\n",
		 DELTA(s2, s1, migrated_to_vram), DELTA(s2, s1, exclusive_grants));
	igt_assert_eq_u64(DELTA(s2, s1, migrated_to_vram), 0);
	igt_assert_lte(pages, DELTA(s2, s1, exclusive_grants));
	assert_buf(buf, len, 0xa70008, STEP);
	close(g.fd);
	munmap(buf, len);
}

/* --- thrash-cpu-gpu ---------------------------------------------------- */

#define THRASH_ROUNDS	24
#define THRASH_TAIL	8

static char thrash_saved[THRASH_NPARAMS][THRASH_VALUE_LEN];

/*
 * The CPU and the GPU take turns on the same pages of a range advised to
 * VRAM: each GPU turn faults them to VRAM, each CPU turn faults them back.
 * The mitigation (DOC: Thrashing) finds them thrashing, throttles the GPU
 * faults, then pins the pages in system memory, where both sides reach
 * them without moving them: the last rounds migrate nothing. Without it
 * (thrash_enable=0) every round moves every page twice, and this fails.
 * Every word is checked, by the CPU, in every round.
 */
static void test_thrash_cpu_gpu(void)
{
	/* The emulated GPU's times: a long lapse and pin, a short throttle. */
	static const char *const params[THRASH_NPARAMS] = {
		"2000000", "2000", "10", "600000",
	};
	const size_t len = 16 * PAGE_SZ, pages = len / PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t *ones = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats s0, s1, tail, per[THRASH_ROUNDS + 1];
	struct gpu g;
	uint64_t base = 0x7a000000, moved;
	unsigned int r;
	int ret;

	thrash_params_set(thrash_saved, params);
	g = gpu_open(0);
	igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	cpu_fill(ones, len, 1, 0);
	cpu_fill(buf, len, base, STEP);
	ret = nvsvm_advise(g.fd, buf, len, PREFERRED, TO_VRAM);
	igt_assert_f(!ret, "ADVISE: %s\n", nvsvm_strerror(ret));

	s0 = gpu_stats(&g);
	per[0] = s0;
	for (r = 0; r < THRASH_ROUNDS; r++) {
		/* GPU: buf[i] += 1, reading and writing every word. */
		gpu_ok(&g, nvsvm_op_triad(buf, buf, ones, len, 1));
		/* CPU: every word has the GPU's update; then a new pattern. */
		assert_buf(buf, len, base + 1, STEP);
		base += 0x100000;
		cpu_fill(buf, len, base, STEP);
		per[r + 1] = gpu_stats(&g);
	}
	s1 = per[THRASH_ROUNDS];
	tail = per[THRASH_ROUNDS - THRASH_TAIL];
	for (r = 1; r <= THRASH_ROUNDS; r++)
		igt_debug("round %u: %llu to VRAM, %llu to system memory\n", r,
			  DELTA(per[r], per[r - 1], migrated_to_vram),
			  DELTA(per[r], per[r - 1], migrated_to_sys));
	moved = s1.migrated_to_vram - tail.migrated_to_vram +
		s1.migrated_to_sys - tail.migrated_to_sys;
	igt_info("first round: %llu + %llu pages moved; last %u rounds: %llu; %llu pages thrashing, %llu throttles, %llu pins\n",
		 DELTA(per[1], per[0], migrated_to_vram),
		 DELTA(per[1], per[0], migrated_to_sys), THRASH_TAIL,
		 (unsigned long long)moved, DELTA(s1, s0, thrash_detections),
		 DELTA(s1, s0, throttles), DELTA(s1, s0, pins));

	/* It does thrash: the first round moves every page both ways. */
	igt_assert_eq_u64(DELTA(per[1], per[0], migrated_to_vram), pages);
	igt_assert_eq_u64(DELTA(per[1], per[0], migrated_to_sys), pages);
	/* Near zero after detection: less than one page per round. */
	igt_assert_f(moved < THRASH_TAIL,
		     "%llu pages moved in the last %u rounds: the pages still thrash\n",
		     (unsigned long long)moved, THRASH_TAIL);
	igt_assert_lte(pages, DELTA(s1, s0, thrash_detections));
	igt_assert_lte(1, DELTA(s1, s0, throttles));
	igt_assert_lte(pages, DELTA(s1, s0, pins));
	/* Pinned in system memory, and the GPU still sees the CPU's data. */
	assert_gpu_sees(&g, buf, len);
	assert_buf(buf, len, base, STEP);
	close(g.fd);
	munmap(buf, len);
	munmap(ones, len);
}

/* --- unload-with-vram --------------------------------------------------- */

/* Close every DRM file of this process, whoever opened it. */
static void close_drm_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;

	igt_assert(dir);
	while ((e = readdir(dir))) {
		int fd = atoi(e->d_name);
		char path[64], target[256];
		ssize_t n;

		if (fd <= 2 || fd == dirfd(dir))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (!strncmp(target, "/dev/dri/", 9)) {
			igt_debug("closing fd %d (%s)\n", fd, target);
			close(fd);
		}
	}
	closedir(dir);
}

/* " name=value" for each parameter of the loaded module. */
static void module_params(char *out, size_t size)
{
	DIR *dir = opendir(NVSVM_PARAMS);
	struct dirent *e;
	size_t used = 0;

	out[0] = 0;
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		char path[512], value[64];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), NVSVM_PARAMS "/%s", e->d_name);
		if (!read_file(path, value, sizeof(value)) || !value[0])
			continue;
		used += snprintf(out + used, size - used, " %s=%s", e->d_name,
				 value);
		igt_assert(used < size);
	}
	closedir(dir);
}

static bool run(const char *cmd)
{
	int status = system(cmd);

	igt_info("%s: status %d\n", cmd, status);
	return status != -1 && WIFEXITED(status) && !WEXITSTATUS(status);
}

/* How to load the module again after a subtest unloads it. */
struct reload {
	char module[512];
	char params[2048];
};

/* Skip unless the module can be unloaded and loaded again as it is now. */
static void reload_require(struct reload *r)
{
	const char *env = getenv("NVSVM_MODULE"), *top = getenv("NVSVM_TOP");

	igt_require_f(geteuid() == 0, "needs root\n");
	igt_require_f(access("/sys/module/nvsvm", F_OK) == 0,
		      "the nvsvm module is not loaded\n");
	if (env && env[0])
		snprintf(r->module, sizeof(r->module), "%s", env);
	else if (top)
		snprintf(r->module, sizeof(r->module),
			 "%s/drivers/gpu/drm/nvsvm/nvsvm.ko", top);
	else
		r->module[0] = 0;
	igt_require_f(r->module[0] && access(r->module, R_OK) == 0,
		      "set NVSVM_MODULE (or NVSVM_TOP) to reload nvsvm.ko after the test\n");
	igt_require(run("command -v rmmod >/dev/null && command -v insmod >/dev/null"));
	module_params(r->params, sizeof(r->params));
}

/* Load the module again, with the parameters it had, and open device 0. */
static void reload(const struct reload *r)
{
	char cmd[2600];

	snprintf(cmd, sizeof(cmd), "insmod '%s'%s", r->module, r->params);
	igt_assert_f(run(cmd), "reloading nvsvm failed\n");
	dev0 = gpu_open(0);
}

static uint64_t vram_in_use(void)
{
	struct drm_nvsvm_stats d;
	int probe = nvsvm_igt_open(0);

	igt_assert_eq(nvsvm_stats(probe, DRM_NVSVM_STATS_DEVICE, &d), 0);
	close(probe);
	return d.vram_in_use;
}

/*
 * Migrate a buffer to VRAM, close every file (the pages stay in VRAM: they
 * belong to the process), unload the module, and check the data. The
 * module is loaded again with the same parameters, so that later tests run.
 */
static void test_unload_with_vram(void)
{
	const size_t len = SZ_1M;
	struct reload r;
	uint64_t *buf;
	struct gpu g;

	reload_require(&r);
	close_drm_fds();
	dev0.fd = -1;

	buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	cpu_fill(buf, len, 0x0dead000, STEP);
	g = gpu_open(0);
	migrate_all(&g, buf, len, TO_VRAM);
	assert_gpu_pattern(&g, buf, len, 0x0dead000, STEP);
	close(g.fd);
	igt_assert_eq_u64(vram_in_use(), len);

	igt_assert_f(run("rmmod nvsvm"), "rmmod nvsvm failed\n");
	igt_assert(access("/sys/module/nvsvm", F_OK) != 0);
	assert_buf(buf, len, 0x0dead000, STEP);

	reload(&r);
	assert_gpu_sees(&dev0, buf, len);
	munmap(buf, len);
}

/* --- unload-evict-nomem ------------------------------------------------- */

#define FAIL_PAGE_ALLOC	"/sys/kernel/debug/fail_page_alloc/"
/* How long the owner of the pages waits for the unload. */
#define UNLOAD_WAIT_S	30

/*
 * Set fail_page_alloc to fail every page allocation of the tasks that ask
 * for it (make-it-fail), or back to its defaults.
 */
static void fail_page_alloc_all(bool on)
{
	static const char *const knobs[][3] = {
		/* knob, on, off (the defaults) */
		{ "ignore-gfp-wait", "N", "Y" },
		{ "ignore-gfp-highmem", "N", "Y" },
		{ "min-order", "0", "1" },
		{ "verbose", "0", "2" },
		{ "interval", "1", "1" },
		{ "times", "-1", "1" },
		{ "task-filter", "Y", "N" },
		{ "probability", "100", "0" },
	};
	char path[256];

	for (size_t i = 0; i < ARRAY_SIZE(knobs); i++) {
		snprintf(path, sizeof(path), FAIL_PAGE_ALLOC "%s",
			 knobs[i][0]);
		write_file(path, knobs[i][on ? 1 : 2]);
	}
}

/*
 * Unload the module while a process has pages in VRAM and every page
 * allocation of the unloading thread fails, as when memory is exhausted.
 * The unload must still bring every page back, with its data: the pages
 * hold the only copy of it. Every other page is dropped, so that eviction
 * has a copy to make per page, hundreds to a chunk, and so a large copy
 * batch to submit. A child owns the pages, so that an unload that gives up
 * and then waits for them forever ends when the child, tired of waiting,
 * exits.
 */
static void test_unload_evict_nomem(void)
{
	const size_t len = SZ_4M, pages = len / PAGE_SZ;
	const uint64_t first = 0x0bad0000;
	struct sync_pipe s;
	struct reload r;
	uint64_t t0, t1;
	int kmsg, ret, err, fail;

	reload_require(&r);
	igt_require_f(access(FAIL_PAGE_ALLOC "probability", W_OK) == 0,
		      "no fail_page_alloc in debugfs (CONFIG_FAIL_PAGE_ALLOC)\n");
	close_drm_fds();
	dev0.fd = -1;

	sync_open(&s, 1);
	igt_fork(child, 1) {
		uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
		struct pollfd p;
		struct gpu g;

		sync_as_child(&s, 1, 0);
		cpu_fill(buf, len, first, STEP);
		g = gpu_open(0);
		migrate_all(&g, buf, len, TO_VRAM);
		close(g.fd);
		for (size_t i = 1; i < pages; i += 2)
			igt_assert_eq(madvise((char *)buf + i * PAGE_SZ,
					      PAGE_SZ, MADV_DONTNEED), 0);
		sync_post(s.up[1]);

		p = (struct pollfd){ .fd = s.down[0], .events = POLLIN };
		igt_assert_f(poll(&p, 1, UNLOAD_WAIT_S * 1000) == 1,
			     "the unload did not end in %d s\n",
			     UNLOAD_WAIT_S);
		sync_await(s.down[0]);
		for (size_t i = 0; i < pages; i += 2)
			assert_buf((char *)buf + i * PAGE_SZ, PAGE_SZ,
				   PAGE_FIRST(first, i), STEP);
	}
	sync_as_parent(&s, 1);
	sync_await(s.up[0]);
	igt_assert_eq_u64(vram_in_use(), len / 2);

	kmsg = kmsg_mark();
	/*
	 * Between the switches, this thread does nothing but the unload:
	 * even opening a file could need a page, so the switch is open
	 * before. scripts/dmesg-check.sh tolerates allocation-failure traces
	 * between the marks.
	 */
	fail = open("/proc/thread-self/make-it-fail", O_WRONLY);
	igt_assert(fail >= 0);
	fail_page_alloc_all(true);
	kmsg_note("nvsvm-fault-inject: begin\n");
	igt_assert_eq(write(fail, "1", 1), 1);
	t0 = now_ns();
	ret = syscall(__NR_delete_module, "nvsvm", O_NONBLOCK);
	err = errno;
	t1 = now_ns();
	igt_assert_eq(write(fail, "0", 1), 1);
	close(fail);
	kmsg_note("nvsvm-fault-inject: end\n");
	fail_page_alloc_all(false);
	igt_info("delete_module: %d (%s) in %.2f s\n", ret,
		 ret ? strerror(err) : "ok", (t1 - t0) / 1e9);

	/* The child may be gone already: see UNLOAD_WAIT_S. */
	signal(SIGPIPE, SIG_IGN);
	if (write(s.down[1], "", 1) != 1)
		igt_debug("the child is gone: %s\n", strerror(errno));
	sync_close_parent(&s, 1);
	signal(SIGPIPE, SIG_DFL);
	if (access("/sys/module/nvsvm", F_OK) != 0)
		reload(&r);
	igt_waitchildren();
	igt_assert_eq(ret, 0);
	kmsg_assert_clean(kmsg);
}

#define SZ_64K		(64ul << 10)
#define SZ_2M		(2ul << 20)

/* @len bytes at a @align-aligned address, in a mapping of their own. */
static void *map_aligned(size_t len, size_t align)
{
	uint8_t *p = map_anon(len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint8_t *a = (uint8_t *)(((uintptr_t)p + align - 1) & ~(align - 1));

	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + align - a);
	/* Base pages: a THP would be split by the migration anyway. */
	igt_assert_eq(madvise(a, len, MADV_NOHUGEPAGE), 0);
	return a;
}

static bool vram_large_pages(const char *value)
{
	char path[] = NVSVM_PARAMS "/vram_large_pages";

	igt_require_f(access(path, W_OK) == 0, "%s: not there\n", path);
	write_file(path, value);
	return true;
}

/*
 * Migrate @len bytes at @addr to VRAM and return how many 64 KiB and 2 MiB
 * GPU pages the migration mapped; the GPU then reads the data right,
 * without a fault.
 */
static void migrate_large(void *addr, size_t len, uint64_t first,
			  uint64_t *big, uint64_t *huge)
{
	struct drm_nvsvm_stats f0, f1, f2;

	cpu_fill(addr, len, first, STEP);
	f0 = gpu_stats(&dev0);
	migrate_all(&dev0, addr, len, TO_VRAM);
	f1 = gpu_stats(&dev0);
	assert_gpu_pattern(&dev0, addr, len, first, STEP);
	f2 = gpu_stats(&dev0);
	*big = f1.big_mapped - f0.big_mapped;
	*huge = f1.huge_vram_mapped - f0.huge_vram_mapped;
	igt_info("%zu KiB to VRAM: %llu GPU pages of 64 KiB, %llu of 2 MiB; %llu GPU faults reading it\n",
		 len >> 10, (unsigned long long)*big,
		 (unsigned long long)*huge, DELTA(f2, f1, faults));
	igt_assert_eq_u64(f2.faults, f1.faults);
}

/*
 * 16 VRAM pages that are not contiguous must not become a 64 KiB page.
 * Page 5 of a 64 KiB block goes to VRAM first, alone, in one empty chunk;
 * the other 15 follow, into another empty chunk. Once mprotect() has
 * dropped the GPU's PTEs, a GPU read maps the 16 pages again in one
 * window: 4 KiB pages, each with its own data.
 */
static void test_vram_64k_fragmented(void)
{
	struct drm_nvsvm_stats f0, f1;
	uint8_t *buf, *empty;
	struct moved m;

	/* Two empty chunks: VRAM holds nothing, and two were filled. */
	igt_require_f(dev_stats(&dev0).vram_in_use == 0, "VRAM is in use\n");
	empty = map_aligned(SZ_4M, SZ_2M);
	cpu_fill(empty, SZ_4M, 0xe, STEP);
	migrate_all(&dev0, empty, SZ_4M, TO_VRAM);
	munmap(empty, SZ_4M);
	igt_assert_eq_u64(dev_stats(&dev0).vram_in_use, 0);

	buf = map_aligned(SZ_2M, SZ_2M);
	cpu_fill(buf, SZ_64K, 0x6f, STEP);
	migrate_all(&dev0, buf + 5 * PAGE_SZ, PAGE_SZ, TO_VRAM);
	m = migrate(&dev0, buf, SZ_64K, TO_VRAM);
	igt_assert_eq_u64(m.migrated, 15);

	igt_assert_eq(mprotect(buf, SZ_64K, PROT_READ), 0);
	f0 = gpu_stats(&dev0);
	assert_gpu_pattern(&dev0, buf, SZ_64K, 0x6f, STEP);
	f1 = gpu_stats(&dev0);
	igt_info("fragmented 64 KiB: %llu GPU faults, %llu pages of 64 KiB\n",
		 DELTA(f1, f0, faults), DELTA(f1, f0, big_mapped));
	igt_assert_eq_u64(f1.big_mapped, f0.big_mapped);
	munmap(buf, SZ_2M);
}

/*
 * A migration of 256 KiB at a 64 KiB-aligned address that is not 2 MiB
 * aligned lands contiguous in VRAM and is mapped with four 64 KiB pages;
 * with vram_large_pages off, with none.
 */
static void test_vram_64k_pages(void)
{
	const size_t len = 4 * SZ_64K;
	uint64_t big, huge;
	uint8_t *buf;

	/* First, while VRAM is empty: it needs two empty chunks. */
	vram_large_pages("1");
	test_vram_64k_fragmented();

	buf = map_aligned(SZ_2M, SZ_2M);
	migrate_large(buf + 3 * SZ_64K, len, 0x640, &big, &huge);
	igt_assert_eq_u64(big, 4);
	igt_assert_eq_u64(huge, 0);
	munmap(buf, SZ_2M);

	vram_large_pages("0");
	buf = map_aligned(SZ_2M, SZ_2M);
	migrate_large(buf + 3 * SZ_64K, len, 0x641, &big, &huge);
	vram_large_pages("1");
	igt_assert_eq_u64(big, 0);
	munmap(buf, SZ_2M);
}

/*
 * A 2 MiB-aligned 2 MiB migration lands in one VRAM chunk, in order, and
 * is mapped with one 2 MiB page; with vram_large_pages off, with none.
 */
static void test_vram_2m_pages(void)
{
	uint64_t big, huge;
	uint8_t *buf;

	vram_large_pages("1");
	buf = map_aligned(SZ_2M, SZ_2M);
	migrate_large(buf, SZ_2M, 0x2000, &big, &huge);
	igt_assert_eq_u64(huge, 1);
	munmap(buf, SZ_2M);

	vram_large_pages("0");
	buf = map_aligned(SZ_2M, SZ_2M);
	migrate_large(buf, SZ_2M, 0x2001, &big, &huge);
	vram_large_pages("1");
	igt_assert_eq_u64(huge, 0);
	igt_assert_eq_u64(big, 0);
	munmap(buf, SZ_2M);
}

/*
 * Invalidate one page of a 2 MiB VRAM mapping (MADV_DONTNEED): the 2 MiB
 * page is split, and the GPU reads the other 511 pages right through the
 * PTEs that are left, without a fault; the dropped page reads as zeroes.
 */
static void test_split_large_vram_page(void)
{
	const unsigned int gone = 300, npages = SZ_2M / PAGE_SZ;
	struct drm_nvsvm_stats f0, f1;
	uint64_t big, huge, *p;
	uint8_t *buf;

	vram_large_pages("1");
	buf = map_aligned(SZ_2M, SZ_2M);
	migrate_large(buf, SZ_2M, 0x5100, &big, &huge);
	igt_assert_eq_u64(huge, 1);

	igt_assert_eq(madvise(buf + gone * PAGE_SZ, PAGE_SZ, MADV_DONTNEED), 0);
	f0 = gpu_stats(&dev0);
	igt_assert_eq_u64(gpu_checksum(&dev0, buf, gone * PAGE_SZ),
			  pattern_checksum(gone * PAGE_SZ, 0x5100, STEP));
	igt_assert_eq_u64(gpu_checksum(&dev0, buf + (gone + 1) * PAGE_SZ,
				       (npages - gone - 1) * PAGE_SZ),
			  pattern_checksum((npages - gone - 1) * PAGE_SZ,
					   PAGE_FIRST(0x5100, gone + 1), STEP));
	f1 = gpu_stats(&dev0);
	igt_info("after the split: %llu GPU faults reading the 511 pages\n",
		 DELTA(f1, f0, faults));
	igt_assert_eq_u64(f1.faults, f0.faults);

	p = (uint64_t *)(buf + gone * PAGE_SZ);
	igt_assert_eq_u64(gpu_checksum(&dev0, p, PAGE_SZ),
			  pattern_checksum(PAGE_SZ, 0, 0));
	munmap(buf, SZ_2M);
}

/* --- prefetch-density -------------------------------------------------- */

static char prefetch_saved[8], window_saved[16];

static void restore_prefetch(void)
{
	if (prefetch_saved[0])
		param_write("prefetch_enable", prefetch_saved);
	if (window_saved[0])
		param_write("fault_window_kb", window_saved);
	prefetch_saved[0] = window_saved[0] = 0;
}

/*
 * A GPU sweep over @len bytes of fresh memory advised to VRAM, with page
 * windows: returns its GPU faults. The GPU's checksum covers every word,
 * and the CPU then checks every word again.
 */
static uint64_t sweep_faults(bool prefetch, size_t len, uint64_t first)
{
	uint64_t *buf = map_aligned(len, SZ_2M);
	struct drm_nvsvm_stats s0, s1;
	struct gpu g = gpu_open(0);
	int ret;

	param_write("prefetch_enable", prefetch ? "1" : "0");
	igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	cpu_fill(buf, len, first, STEP);
	ret = nvsvm_advise(g.fd, buf, len, PREFERRED, TO_VRAM);
	igt_assert_f(!ret, "ADVISE: %s\n", nvsvm_strerror(ret));

	s0 = gpu_stats(&g);
	igt_assert_eq_u64(gpu_checksum(&g, buf, len),
			  pattern_checksum(len, first, STEP));
	s1 = gpu_stats(&g);
	igt_info("prefetch %s: %llu faults, %llu pages to VRAM, %llu prefetched\n",
		 prefetch ? "on" : "off", DELTA(s1, s0, faults),
		 DELTA(s1, s0, migrated_to_vram), DELTA(s1, s0, prefetched));
	igt_assert_eq_u64(DELTA(s1, s0, migrated_to_vram), len / PAGE_SZ);
	if (!prefetch)
		igt_assert_eq_u64(DELTA(s1, s0, prefetched), 0);
	assert_buf(buf, len, first, STEP);
	close(g.fd);
	munmap(buf, len);
	return DELTA(s1, s0, faults);
}

/*
 * With one-page fault windows, a GPU sweep of a range advised to VRAM
 * takes a fault per page without density prefetch, and a fault per
 * doubling of what is in VRAM with it (DOC: Density prefetch): at least 4
 * times fewer. Both sweeps move every page, and read and keep every word.
 */
static void test_prefetch_density(void)
{
	const size_t len = 2 * SZ_2M;
	uint64_t off, on;

	igt_require_f(param_read("prefetch_enable", prefetch_saved,
				 sizeof(prefetch_saved)),
		      "nvsvm has no density prefetch\n");
	igt_assert(param_read("fault_window_kb", window_saved,
			      sizeof(window_saved)));
	param_write("fault_window_kb", "4");

	off = sweep_faults(false, len, 0x9f000000);
	on = sweep_faults(true, len, 0x9e000000);
	igt_info("%llu faults without prefetch, %llu with: %.1fx\n",
		 (unsigned long long)off, (unsigned long long)on,
		 on ? (double)off / on : 0.0);
	igt_assert_f(on * 4 <= off,
		     "%llu faults with prefetch, %llu without: not 4 times fewer\n",
		     (unsigned long long)on, (unsigned long long)off);
	restore_prefetch();
}

igt_main
{
	igt_fixture {
		dev0 = gpu_open(0);
		igt_assert_eq(nvsvm_getparam(dev0.fd, DRM_NVSVM_PARAM_VRAM_SIZE,
					     &vram_size), 0);
		igt_assert(vram_size >= PAGE_SZ);
	}

	igt_describe("CPU-written pages move to VRAM, the GPU reads them there, and CPU reads fault them back.");
	igt_subtest("migrate")
		test_migrate();

	igt_describe("Migrating a half-VRAM range moves and invalidates only its system pages; the rest keep their GPU mappings.");
	igt_subtest("migrate-fault") {
		igt_require_f(skip_own_migrate_on(),
			      "skip_own_migrate is off\n");
		migrate_fault(true);
	}

	igt_describe("migrate-fault with the own-migration notifier skip off: the notifier invalidates, data stays right.");
	igt_subtest("migrate-fault-noskip")
		test_migrate_fault_noskip();

	igt_fixture
		restore_skip_own_migrate();

	igt_describe("Pages another file moved to VRAM come back when it closes; the first file never reads stale pages.");
	igt_subtest("migrate-release")
		test_migrate_release();

	igt_describe("MIGRATE to system memory moves every VRAM page back, with what the GPU wrote there.");
	igt_subtest("migrate-to-system")
		test_migrate_to_system();

	igt_describe("Shared anonymous pages are skipped, and stay correct for CPU and GPU.");
	igt_subtest("migrate-shared")
		test_migrate_shared();

	igt_describe("A range of holes, PROT_NONE, zero, read-only and read-write pages migrates in part, correctly.");
	igt_subtest("migrate-mixed")
		test_migrate_mixed();

	igt_describe("Ten round trips between VRAM and system memory, written by the GPU and by the CPU.");
	igt_subtest("migrate-multiple")
		test_migrate_multiple();

	igt_describe("A 64 KiB-aligned migration lands contiguous in VRAM and is mapped with 64 KiB GPU pages.");
	igt_subtest("vram-64k-pages")
		test_vram_64k_pages();

	igt_describe("A 2 MiB-aligned 2 MiB migration is mapped with one 2 MiB GPU page.");
	igt_subtest("vram-2m-pages")
		test_vram_2m_pages();

	igt_describe("Invalidating one page of a 2 MiB VRAM mapping splits it; the other 511 pages stay mapped and right.");
	igt_subtest("split-large-vram-page")
		test_split_large_vram_page();

	igt_describe("After a round trip through VRAM, by MIGRATE or a CPU fault, the GPU reads what the CPU wrote next on every page.");
	igt_describe("A migration of many 2 MiB blocks goes to the workers of every CPU, and every word arrives.");
	igt_subtest("migrate-workers")
		test_migrate_workers();

	igt_fixture
		restore_migrate_workers();

	igt_subtest("migrate-round-trip-tlb")
		test_migrate_round_trip_tlb();

	igt_describe("GPU atomic adds racing with migrations both ways lose no increment.");
	igt_subtest("gpu-write-during-migrate")
		test_gpu_write_during_migrate();

	igt_describe("Plain GPU fills racing with migrations both ways lose no write: every word holds the last job's generation.");
	igt_subtest("gpu-fill-during-migrate")
		test_gpu_fill_during_migrate();

	igt_describe("After fork, parent and child write their private copies of VRAM pages apart.");
	igt_subtest("cow-in-device")
		test_cow_in_device();

	igt_describe("Device 1 reads pages device 0 moved into its VRAM; both devices and the CPU agree.");
	igt_subtest("double-map")
		test_double_map();

	igt_describe("A migration by device 1 invalidates device 0's mappings.");
	igt_subtest("migrate-other-device-invalidates")
		test_migrate_other_device_invalidates();

	igt_describe("After device 1 moves pages device 0 read through its VRAM and the CPU writes them, device 0 reads the CPU's values.");
	igt_subtest("migrate-other-device-data")
		test_migrate_other_device_data();

	igt_describe("Prefetching one and a half times the VRAM evicts, never fails, and loses nothing.");
	igt_subtest("evict-oversubscribe")
		test_evict_oversubscribe();

	igt_describe("Malformed MIGRATE and ADVISE arguments fail with the documented errno and no effect.");
	igt_subtest("bad-ioctl-args")
		test_bad_ioctl_args();

	igt_describe("GPU faults on a range advised to VRAM move its pages there, and only its pages.");
	igt_subtest("advise-preferred-vram")
		test_advise_preferred_vram();

	igt_describe("MIGRATE to device 1 of pages in device 0's VRAM copies them VRAM to VRAM, none through system memory; device 0 reads the new data.");
	igt_subtest("peer-migrate")
		test_peer_migrate();

	igt_describe("A fault of device 1 in a range it prefers in VRAM takes the pages in device 0's VRAM peer to peer.");
	igt_subtest("peer-migrate-fault")
		test_peer_migrate_fault();

	igt_describe("Device 0's GPU write during device 1's pull of its VRAM pages lands.");
	igt_subtest("peer-migrate-gpu-write")
		test_peer_migrate_gpu_write();

	igt_describe("With peer access off, both MIGRATE and faults move the pages through system memory, correctly.");
	igt_subtest("peer-fallback")
		test_peer_fallback();

	igt_describe("Opposing migrations to two devices, with GPU and CPU checking every word, each return in bounded time.");
	igt_subtest("peer-migrate-race")
		test_peer_migrate_race();

	igt_describe("SIGKILL during peer migrations ends the process once the blocks in flight are done, and frees its VRAM on both devices.");
	igt_subtest("peer-migrate-kill")
		test_peer_migrate_kill();

	igt_fixture {
		restore_peer_access();
		param_write("debug_peer_delay_us", "0");
		param_write("debug_migrate_delay_ms", "0");
	}

	igt_describe("Pages of a range advised to VRAM and accessed by the device stay in system memory, mapped: no migration, and the GPU reads what the CPU writes.");
	igt_subtest("accessed-by")
		test_accessed_by();

	igt_describe("Atomic policies: refused atomics fail with EFAULT, VRAM atomics migrate without grants, grants do not migrate.");
	igt_subtest("advise-atomic")
		test_advise_atomic();

	igt_describe("CPU and GPU taking turns on pages advised to VRAM: thrashing is detected, the pages are pinned, migrations stop, and every word is right.");
	igt_subtest("thrash-cpu-gpu")
		test_thrash_cpu_gpu();

	igt_fixture
		thrash_params_restore(thrash_saved);

	igt_describe("A GPU sweep of a range advised to VRAM, with page fault windows, takes at least 4 times fewer faults with density prefetch, and every word is right.");
	igt_subtest("prefetch-density")
		test_prefetch_density();

	igt_fixture
		restore_prefetch();

	/* Last: these unload and reload the module. */
	igt_describe("Unloading the driver after a migration to VRAM loses no data.");
	igt_subtest("unload-with-vram")
		test_unload_with_vram();

	igt_describe("Unloading the driver while its page allocations fail still brings every VRAM page back, with its data.");
	igt_subtest("unload-evict-nomem")
		test_unload_evict_nomem();

	igt_fixture
		close(dev0.fd);
}
