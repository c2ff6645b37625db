// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The nvsvm authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nvsvm_igt_svm.h"

IGT_TEST_DESCRIPTION("Shared virtual memory: the GPU sees the process's memory, and every CPU mapping change");

#define SZ_2M		(2ul << 20)
#define HOUR_NS		(3600 * SEC_NS)

/* Device 0, bound to the test process. */
static struct gpu dev0 = { .fd = -1 };

/* Run a job that must fail with -EFAULT, and check the counters say so. */
static void gpu_expect_fault(const struct gpu *g, struct drm_nvsvm_op op)
{
	struct drm_nvsvm_stats before = gpu_stats(g), after;

	igt_assert_eq(gpu_run(g, op), -EFAULT);
	after = gpu_stats(g);
	igt_assert_eq_u64(after.jobs - before.jobs, 1);
	igt_assert_eq_u64(after.jobs_failed - before.jobs_failed, 1);
	igt_assert(after.cancels > before.cancels);
}

/*
 * GPU-fill @words but its first and last word, which are guards: the fill
 * must be exact, and the guards untouched.
 */
static void gpu_fill_guarded(const struct gpu *g, uint64_t *words,
			     size_t count, uint64_t value)
{
	size_t len = (count - 2) * 8;

	words[0] = POISON;
	words[count - 1] = POISON;
	gpu_ok(g, nvsvm_op_fill(words + 1, len, value));
	assert_buf(words + 1, len, value, 0);
	igt_assert_eq_u64(words[0], POISON);
	igt_assert_eq_u64(words[count - 1], POISON);
}

static int tmp_file(size_t len)
{
	char path[] = "/tmp/nvsvm_svm.XXXXXX";
	int fd = mkstemp(path);

	igt_assert(fd >= 0);
	unlink(path);
	igt_assert_eq(ftruncate(fd, len), 0);
	return fd;
}


static bool thp_available(void)
{
	char buf[128] = "";
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && !strstr(buf, "[never]");
}

/*
 * A 2 MiB-aligned, MADV_HUGEPAGE region inside a 4 MiB mapping, whose
 * start goes to *@raw for munmap(raw, 2 * SZ_2M).
 */
static uint64_t *map_thp(void **raw)
{
	uint64_t *buf;

	igt_require_f(thp_available(), "transparent huge pages are off\n");
	*raw = map_anon(2 * SZ_2M, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	buf = (uint64_t *)(((uintptr_t)*raw + SZ_2M - 1) & ~(SZ_2M - 1));
	igt_assert_eq(madvise(buf, SZ_2M, MADV_HUGEPAGE), 0);
	return buf;
}

static void test_anon_read(void)
{
	size_t len = (1 << 20) + 24;
	uint64_t *buf = malloc(len);

	igt_assert(buf);
	cpu_fill(buf, len, 0x1000, STEP);
	assert_gpu_sees(&dev0, buf, len);
	/* The GPU reads the CPU's new data through the same mapping. */
	cpu_fill(buf, len, 0x2000, STEP);
	assert_gpu_sees(&dev0, buf, len);
	free(buf);
}

static void test_anon_read_prot(void)
{
	uint64_t *src = map_anon(PAGE_SZ, PROT_NONE, MAP_PRIVATE);
	uint64_t *dst = map_anon(PAGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	cpu_fill(dst, PAGE_SZ, POISON, 0);
	gpu_expect_fault(&dev0, nvsvm_op_checksum(dst, src, PAGE_SZ));
	gpu_expect_fault(&dev0, nvsvm_op_copy(dst, src, PAGE_SZ));
	assert_buf(dst, PAGE_SZ, POISON, 0);

	/* Once the CPU may read it, so may the GPU. */
	igt_assert_eq(mprotect(src, PAGE_SZ, PROT_READ | PROT_WRITE), 0);
	cpu_fill(src, PAGE_SZ, 0x3000, STEP);
	gpu_ok(&dev0, nvsvm_op_copy(dst, src, PAGE_SZ));
	assert_buf(dst, PAGE_SZ, 0x3000, STEP);
	munmap(src, PAGE_SZ);
	munmap(dst, PAGE_SZ);
}

static void test_anon_write(void)
{
	size_t count = (1 << 20) / 8 + 5;
	uint64_t *buf = malloc(count * 8);

	igt_assert(buf);
	gpu_fill_guarded(&dev0, buf, count, 0xa1);
	gpu_fill_guarded(&dev0, buf, count, 0xa2);
	free(buf);
}

static void test_anon_write_prot(void)
{
	size_t len = 4 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	cpu_fill(buf, len, 0x4000, STEP);
	igt_assert_eq(mprotect(buf, len, PROT_READ), 0);
	/* Reading maps the pages for the GPU, read-only. */
	assert_gpu_sees(&dev0, buf, len);
	gpu_expect_fault(&dev0, nvsvm_op_fill(buf, len, 0xb1));
	assert_buf(buf, len, 0x4000, STEP);

	igt_assert_eq(mprotect(buf, len, PROT_READ | PROT_WRITE), 0);
	gpu_ok(&dev0, nvsvm_op_fill(buf, len, 0xb2));
	assert_buf(buf, len, 0xb2, 0);
	munmap(buf, len);
}

/*
 * fork() write-protects the parent's private pages: the GPU must lose its
 * writable mapping, or its next write would land in the page the child
 * still shares.
 */
static void test_anon_write_child(void)
{
	const uint64_t a = 0xaaaa, b = 0xbbbb, c = 0xcccc;
	size_t len = 4 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct sync_pipe s;

	sync_open(&s, 1);
	gpu_ok(&dev0, nvsvm_op_fill(buf, len, a));
	assert_buf(buf, len, a, 0);

	igt_fork(child, 1) {
		struct gpu g;

		sync_as_child(&s, 1, child);
		sync_await(s.down[0]);
		assert_buf(buf, len, a, 0);

		g = gpu_open(0);
		gpu_ok(&g, nvsvm_op_fill(buf, len, b));
		assert_buf(buf, len, b, 0);
		assert_gpu_sees(&g, buf, len);
		close(g.fd);
		sync_post(s.up[1]);
	}
	sync_as_parent(&s, 1);

	gpu_ok(&dev0, nvsvm_op_fill(buf, len, c));
	assert_buf(buf, len, c, 0);
	sync_post(s.down[1]);
	sync_await(s.up[0]);
	assert_buf(buf, len, c, 0);
	assert_gpu_sees(&dev0, buf, len);
	igt_waitchildren();
	sync_close_parent(&s, 1);
	munmap(buf, len);
}

static void test_anon_write_child_shared(void)
{
	const uint64_t a = 0xaaaa, b = 0xb000, c = 0xcccc;
	size_t len = 4 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_SHARED);
	struct sync_pipe s;

	sync_open(&s, 1);
	/* Let the parent's GPU map the pages before the fork. */
	gpu_ok(&dev0, nvsvm_op_fill(buf, len, POISON));

	igt_fork(child, 1) {
		struct gpu g;

		sync_as_child(&s, 1, child);
		g = gpu_open(0);
		sync_await(s.down[0]);
		assert_buf(buf, len, a, 0);		/* parent GPU -> child CPU */
		cpu_fill(buf, len, b, STEP);
		sync_post(s.up[1]);
		sync_await(s.down[0]);
		gpu_ok(&g, nvsvm_op_fill(buf, len, c));	/* child GPU -> parent */
		sync_post(s.up[1]);
		sync_await(s.down[0]);
		assert_gpu_sees(&g, buf, len);		/* parent CPU -> child GPU */
		assert_buf(buf, len, a + 1, STEP);
		close(g.fd);
	}
	sync_as_parent(&s, 1);

	gpu_ok(&dev0, nvsvm_op_fill(buf, len, a));
	sync_post(s.down[1]);
	sync_await(s.up[0]);
	assert_buf(buf, len, b, STEP);			/* child CPU -> parent */
	assert_gpu_sees(&dev0, buf, len);
	sync_post(s.down[1]);
	sync_await(s.up[0]);
	assert_buf(buf, len, c, 0);
	assert_gpu_sees(&dev0, buf, len);
	cpu_fill(buf, len, a + 1, STEP);
	sync_post(s.down[1]);
	igt_waitchildren();
	sync_close_parent(&s, 1);
	munmap(buf, len);
}

static void test_anon_write_huge(void)
{
	struct drm_nvsvm_stats before, after;
	void *raw;
	uint64_t *buf;

	buf = map_thp(&raw);

	before = gpu_stats(&dev0);
	gpu_ok(&dev0, nvsvm_op_fill(buf, SZ_2M, 0xd1));
	after = gpu_stats(&dev0);
	assert_buf(buf, SZ_2M, 0xd1, 0);
	igt_info("huge_mapped +%llu, pages_mapped +%llu\n",
		 (unsigned long long)(after.huge_mapped - before.huge_mapped),
		 (unsigned long long)(after.pages_mapped - before.pages_mapped));
	igt_assert(after.huge_mapped > before.huge_mapped);
	munmap(raw, 2 * SZ_2M);
}

static void test_anon_write_hugetlbfs(void)
{
	uint64_t *buf = mmap(NULL, SZ_2M, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB |
			     (21 << MAP_HUGE_SHIFT), -1, 0);

	igt_require_f(buf != MAP_FAILED,
		      "no 2 MiB huge page reserved (vm.nr_hugepages)\n");
	gpu_ok(&dev0, nvsvm_op_fill(buf, SZ_2M, 0xe1));
	assert_buf(buf, SZ_2M, 0xe1, 0);
	cpu_fill(buf, SZ_2M, 0xe000, STEP);
	assert_gpu_sees(&dev0, buf, SZ_2M);
	munmap(buf, SZ_2M);
}

static void test_file_read(void)
{
	size_t len = 64 * PAGE_SZ;
	uint64_t *data = malloc(len);
	int fd = tmp_file(len);
	void *map;

	igt_assert(data);
	cpu_fill(data, len, 0xf000, STEP);
	igt_assert_eq(pwrite(fd, data, len, 0), (ssize_t)len);
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	igt_assert(map != MAP_FAILED);
	igt_assert_eq_u64(gpu_checksum(&dev0, map, len),
			  nvsvm_checksum(data, len));
	munmap(map, len);
	close(fd);
	free(data);
}

static void test_file_write(void)
{
	size_t len = 64 * PAGE_SZ;
	uint64_t *data = malloc(len);
	int fd = tmp_file(len);
	void *map;

	igt_assert(data);
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	igt_assert(map != MAP_FAILED);
	gpu_ok(&dev0, nvsvm_op_fill(map, len, 0xf1));
	munmap(map, len);
	igt_assert_eq(pread(fd, data, len, 0), (ssize_t)len);
	assert_buf(data, len, 0xf1, 0);
	close(fd);
	free(data);
}

static void test_stack_and_static(void)
{
	static const uint64_t table[] = { 1, 2, 3, 5, 8, 13, 21, 34 };
	static uint64_t static_words[1024 + 2];
	uint64_t stack_words[512 + 2];

	gpu_fill_guarded(&dev0, stack_words, ARRAY_SIZE(stack_words), 0x57ac);
	gpu_fill_guarded(&dev0, static_words, ARRAY_SIZE(static_words), 0x57a7);
	assert_gpu_sees(&dev0, table, sizeof(table));
}

/*
 * The memfd keeps the old page alive after munmap: a GPU that kept its
 * mapping would read pattern A, never garbage or a fault.
 */
static void test_munmap_invalidates(void)
{
	struct drm_nvsvm_stats before, after;
	int mfd = memfd_create("nvsvm-svm", 0);
	uint64_t *va, *again;

	igt_assert(mfd >= 0);
	igt_assert_eq(ftruncate(mfd, PAGE_SZ), 0);
	va = mmap(NULL, PAGE_SZ, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	igt_assert(va != MAP_FAILED);
	cpu_fill(va, PAGE_SZ, 0xa000, STEP);
	assert_gpu_sees(&dev0, va, PAGE_SZ);

	before = gpu_stats(&dev0);
	igt_assert_eq(munmap(va, PAGE_SZ), 0);
	again = mmap(va, PAGE_SZ, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	igt_assert(again == va);
	cpu_fill(va, PAGE_SZ, 0xb000, STEP);
	assert_gpu_sees(&dev0, va, PAGE_SZ);
	after = gpu_stats(&dev0);
	igt_assert(after.invalidations > before.invalidations);
	igt_assert(after.tlb_flushes > before.tlb_flushes);
	munmap(va, PAGE_SZ);
	close(mfd);
}

static void test_mprotect_invalidates(void)
{
	struct drm_nvsvm_stats before, after;
	size_t len = 4 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	gpu_ok(&dev0, nvsvm_op_fill(buf, len, 0xc1));
	assert_buf(buf, len, 0xc1, 0);
	before = gpu_stats(&dev0);
	igt_assert_eq(mprotect(buf, len, PROT_READ), 0);
	gpu_expect_fault(&dev0, nvsvm_op_fill(buf, len, 0xc2));
	after = gpu_stats(&dev0);
	assert_buf(buf, len, 0xc1, 0);
	igt_assert(after.invalidations > before.invalidations);
	munmap(buf, len);
}

struct unmapper {
	void *addr;
	size_t len;
	useconds_t delay_us;
};

static void *unmap_later(void *arg)
{
	struct unmapper *u = arg;

	usleep(u->delay_us);
	munmap(u->addr, u->len);
	return NULL;
}

static void test_anon_teardown(void)
{
	static const useconds_t delays_us[] = { 0, 500, 2000, 10000, 50000 };
	const uint64_t vx = 0x1111, vy = 0x2222;
	struct drm_nvsvm_op ops[16];
	size_t len = SZ_2M;
	int ok = 0, faulted = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(delays_us); i++) {
		uint64_t *x = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		uint64_t *y = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		struct unmapper u = { y, len, delays_us[i] };
		uint64_t job = 0;
		pthread_t thread;
		int status = 1;

		for (unsigned int j = 0; j < ARRAY_SIZE(ops); j++)
			ops[j] = j % 2 ? nvsvm_op_fill(y, len, vy) :
					 nvsvm_op_fill(x, len, vx);
		igt_assert_eq(nvsvm_job_submit(dev0.fd, dev0.chan, ops,
					       ARRAY_SIZE(ops), &job), 0);
		igt_assert_eq(pthread_create(&thread, NULL, unmap_later, &u), 0);
		igt_assert_eq(nvsvm_job_wait(dev0.fd, job, 60 * SEC_NS, &status), 0);
		igt_assert_eq(pthread_join(thread, NULL), 0);

		igt_assert_f(status == 0 || status == -EFAULT,
			     "status %d\n", status);
		if (!status) {
			assert_buf(x, len, vx, 0);
			ok++;
		} else {
			faulted++;
		}
		munmap(x, len);
	}
	igt_info("%d jobs completed, %d faulted on the unmapped buffer\n",
		 ok, faulted);
	test_anon_write();	/* the GPU still works */
}

static void test_multiple_processes(void)
{
	const uint64_t parent = 0x9a9a;
	size_t len = 16 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct sync_pipe s[2];

	cpu_fill(buf, len, parent, 0);
	sync_open(s, 2);
	igt_fork(child, 2) {
		uint64_t mine = 0xc0de00 + child;
		struct gpu g;

		sync_as_child(s, 2, child);
		g = gpu_open(0);
		gpu_ok(&g, nvsvm_op_fill(buf, len, mine));
		/* Both have written before either checks. */
		sync_post(s[child].up[1]);
		sync_await(s[child].down[0]);
		assert_buf(buf, len, mine, 0);
		assert_gpu_sees(&g, buf, len);
		close(g.fd);
	}
	sync_as_parent(s, 2);
	for (int i = 0; i < 2; i++)
		sync_await(s[i].up[0]);
	for (int i = 0; i < 2; i++)
		sync_post(s[i].down[1]);
	igt_waitchildren();
	assert_buf(buf, len, parent, 0);
	sync_close_parent(s, 2);
	munmap(buf, len);
}

static void test_two_devices_same_memory(void)
{
	size_t len = 16 * PAGE_SZ;
	uint64_t *buf;
	struct gpu dev1;

	nvsvm_igt_require_devices(2);
	dev1 = gpu_open(1);
	buf = malloc(len);
	igt_assert(buf);

	gpu_ok(&dev0, nvsvm_op_fill(buf, len, 0xa0));
	assert_buf(buf, len, 0xa0, 0);
	assert_gpu_sees(&dev1, buf, len);

	gpu_ok(&dev1, nvsvm_op_fill(buf, len, 0xb0));
	assert_buf(buf, len, 0xb0, 0);
	assert_gpu_sees(&dev0, buf, len);

	cpu_fill(buf, len, 0xc000, STEP);
	assert_gpu_sees(&dev0, buf, len);
	assert_gpu_sees(&dev1, buf, len);
	free(buf);
	close(dev1.fd);
}

/*
 * A GPU fill of fresh anonymous memory, with transparent huge pages or, with
 * @nohuge, in 4 KiB pages: a write fault must bring in its window's
 * untouched pages writable, not the zero page that the next word's write
 * would fault on again (one fault, copy-on-write and invalidation a page).
 */
static void test_fault_batching(bool nohuge)
{
	size_t len = 4ul << 20, pages = len / PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats before, after;
	unsigned long long faults, batches, replays;

	if (nohuge)
		igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	before = gpu_stats(&dev0);
	gpu_ok(&dev0, nvsvm_op_fill(buf, len, 0xfb));
	after = gpu_stats(&dev0);
	assert_buf(buf, len, 0xfb, 0);

	faults = after.faults - before.faults;
	batches = after.fault_batches - before.fault_batches;
	replays = after.replays - before.replays;
	igt_info("%zu pages touched: %llu faults, %llu batches, %llu replays, %llu pages mapped (%llu huge)\n",
		 pages, faults, batches, replays,
		 (unsigned long long)(after.pages_mapped - before.pages_mapped),
		 (unsigned long long)(after.huge_mapped - before.huge_mapped));
	igt_assert(faults >= 1);
	igt_assert(batches >= 1 && batches <= faults);
	igt_assert(replays >= 1 && replays <= batches);
	igt_assert_f(batches * 16 <= pages,
		     "%llu batches for %zu pages: faults are not batched\n",
		     batches, pages);
	munmap(buf, len);
}

/* --- atomics ------------------------------------------------------------- */

/* --- fault-vs-invalidations ---------------------------------------------- */

/*
 * Longer than a fault-in retries for: HMM_RANGE_DEFAULT_TIMEOUT (1 s) for
 * a window, and as long again for its faulting page alone.
 */
#define STORM_MS	2500
#define FAULT_MAP_DELAY	"5"

struct storm {
	uint64_t *page;
	volatile bool started;
	unsigned long rounds;
};

/*
 * Invalidate a page the GPU never touches, again and again for STORM_MS:
 * each MADV_DONTNEED runs the mmu notifiers of the whole address space.
 */
static void *invalidation_storm(void *arg)
{
	struct storm *st = arg;
	uint64_t end = now_ns() + STORM_MS * 1000000ull;

	st->started = true;
	while (now_ns() < end) {
		igt_assert_eq(madvise(st->page, PAGE_SZ, MADV_DONTNEED), 0);
		st->page[0] = ++st->rounds;
	}
	return NULL;
}

/* Run @op on device 0 while another thread invalidates elsewhere. */
static int run_during_storm(struct drm_nvsvm_op op)
{
	struct storm st = {
		.page = map_anon(PAGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE),
	};
	pthread_t thread;
	uint64_t t0;
	int ret;

	igt_assert_eq(pthread_create(&thread, NULL, invalidation_storm, &st),
		      0);
	while (!st.started)
		;
	t0 = now_ns();
	ret = gpu_run(&dev0, op);
	pthread_join(thread, NULL);
	igt_info("job: %d after %llu ms, during %lu invalidations\n", ret,
		 (unsigned long long)((now_ns() - t0) / 1000000), st.rounds);
	munmap(st.page, PAGE_SZ);
	return ret;
}

/*
 * Invalidations of unrelated memory make a GPU fault-in retry, since one
 * notifier covers the whole address space; they must delay the job, never
 * fail it. With debug_fault_map_delay_ms every attempt of the fault-in
 * loses the race, so the storm outlasts the fault-in's retry loop; a read,
 * a write and an atomic must each still complete, with their data.
 */
static void test_fault_vs_invalidations(void)
{
	const size_t len = 16 * PAGE_SZ;
	struct drm_nvsvm_stats before, after;
	uint64_t *src, *dst, *atom, sum = POISON;
	int ret;

	src = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	dst = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	atom = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	cpu_fill(src, len, 0x51, STEP);
	cpu_fill(atom, len, 0xa7, STEP);

	param_require_set("debug_fault_map_delay_ms", FAULT_MAP_DELAY);
	before = gpu_stats(&dev0);
	ret = run_during_storm(nvsvm_op_checksum(&sum, src, len));
	igt_assert_f(!ret, "read: %d (%s)\n", ret, nvsvm_strerror(ret));
	ret = run_during_storm(nvsvm_op_fill(dst, len, 0xd5));
	igt_assert_f(!ret, "write: %d (%s)\n", ret, nvsvm_strerror(ret));
	ret = run_during_storm(nvsvm_op_atomic_add(atom, len, 3));
	igt_assert_f(!ret, "atomic: %d (%s)\n", ret, nvsvm_strerror(ret));
	param_write("debug_fault_map_delay_ms", "0");
	after = gpu_stats(&dev0);

	igt_info("%llu faults, %llu cancels\n", DELTA(after, before, faults),
		 DELTA(after, before, cancels));
	igt_assert_eq_u64(sum, nvsvm_checksum(src, len));
	assert_buf(dst, len, 0xd5, 0);
	assert_buf(atom, len, 0xa7 + 3, STEP);
	igt_assert_eq_u64(DELTA(after, before, cancels), 0);
	munmap(src, len);
	munmap(dst, len);
	munmap(atom, len);
}

/* --- refused-access-spares-read ----------------------------------------- */

/* Long enough that a read faults while the refused access is serviced. */
#define REFUSE_DELAY_MS	"300"
#define REFUSE_GAP_US	30000

/*
 * A refused access fails its own job only. On a read-only page, a write
 * (then an atomic) faults on one channel and, while the fault work is held
 * up by debug_fault_delay_ms, a read of the same page faults on another
 * channel of the same address space. Cancelling the refused access must
 * leave the read stalled, and the replay must let it complete with the
 * page's data, whichever order the two faults reach the driver in.
 */
static void test_refused_access_spares_read(void)
{
	static const struct {
		const char *name;
		bool atomic;
	} refused[] = {
		{ "write", false },
		{ "atomic", true },
	};
	uint32_t chan2;
	unsigned int i;

	igt_assert_eq(nvsvm_channel_create(dev0.fd, &chan2), 0);
	param_require_set("debug_fault_delay_ms", REFUSE_DELAY_MS);
	for (i = 0; i < ARRAY_SIZE(refused); i++) {
		uint64_t *page = map_anon(PAGE_SZ, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
		struct drm_nvsvm_op bad, read;
		uint64_t jw, jr, sum = POISON;
		int sw = 0, sr = 0;

		cpu_fill(page, PAGE_SZ, 0x3e + i, STEP);
		igt_assert_eq(mprotect(page, PAGE_SZ, PROT_READ), 0);
		bad = refused[i].atomic ? nvsvm_op_atomic_add(page, PAGE_SZ, 1) :
					  nvsvm_op_fill(page, PAGE_SZ, 0xee);
		read = nvsvm_op_checksum(&sum, page, PAGE_SZ);

		igt_assert_eq(nvsvm_job_submit(dev0.fd, dev0.chan, &bad, 1,
					       &jw), 0);
		usleep(REFUSE_GAP_US);
		igt_assert_eq(nvsvm_job_submit(dev0.fd, chan2, &read, 1, &jr),
			      0);
		igt_assert_eq(nvsvm_job_wait(dev0.fd, jw, 30 * SEC_NS, &sw),
			      0);
		igt_assert_eq(nvsvm_job_wait(dev0.fd, jr, 30 * SEC_NS, &sr),
			      0);
		igt_info("%s: %d (%s), read: %d (%s)\n", refused[i].name, sw,
			 nvsvm_strerror(sw), sr, nvsvm_strerror(sr));

		igt_assert_eq(sw, -EFAULT);
		igt_assert_f(!sr, "a refused %s failed a read of its page\n",
			     refused[i].name);
		igt_assert_eq_u64(sum, nvsvm_checksum(page, PAGE_SZ));
		assert_buf(page, PAGE_SZ, 0x3e + i, STEP);
		munmap(page, PAGE_SZ);
	}
	param_write("debug_fault_delay_ms", "0");
	igt_assert_eq(nvsvm_channel_destroy(dev0.fd, chan2), 0);
}

/* Path of a file in the emulated GPU's debugfs directory of @g. */
static void emu_debugfs(const struct gpu *g, const char *file, char *path,
			size_t size)
{
	uint64_t index;

	igt_assert_eq(nvsvm_getparam(g->fd, DRM_NVSVM_PARAM_DEVICE_INDEX,
				     &index), 0);
	snprintf(path, size, "/sys/kernel/debug/dri/nvsvm%llu/emu/%s",
		 (unsigned long long)index, file);
	igt_require_f(access(path, F_OK) == 0, "%s: no debugfs\n", path);
}

#define MAX_IOVAS	8192

/* The IOVAs of the IOMMU's live mappings, sorted; returns how many. */
static unsigned int iommu_iovas(const struct gpu *g, uint64_t *iovas)
{
	char path[256], line[128];
	unsigned long long iova;
	unsigned int n = 0;
	FILE *f;

	emu_debugfs(g, "iommu", path, sizeof(path));
	f = fopen(path, "r");
	igt_assert(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "0x%llx", &iova) != 1)
			continue;
		igt_assert(n < MAX_IOVAS);
		iovas[n++] = iova;
	}
	fclose(f);
	return n;
}

static bool iova_in(uint64_t iova, const uint64_t *iovas, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (iovas[i] == iova)
			return true;
	return false;
}

/* Let the IOMMU translate a device read of @iova; 0 or -errno. */
static int iommu_probe(const struct gpu *g, uint64_t iova)
{
	char path[256], hex[32];
	int fd, ret = 0;

	emu_debugfs(g, "iommu_probe", path, sizeof(path));
	fd = open(path, O_WRONLY);
	igt_assert(fd >= 0);
	snprintf(hex, sizeof(hex), "%llx", (unsigned long long)iova);
	if (write(fd, hex, strlen(hex)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * The GPU's PTEs of system pages hold DMA mappings that an invalidation
 * gives back: after munmap(), every IOVA the GPU's fault mapped for the
 * buffer is gone from the IOMMU, and a device read of one faults.
 */
static void test_iommu_unmap_on_invalidate(void)
{
	static uint64_t before[MAX_IOVAS], during[MAX_IOVAS], after[MAX_IOVAS];
	const size_t npages = 16, len = npages * PAGE_SZ;
	unsigned int nb, nd, na, i, fresh = 0, gone = 0;
	struct drm_nvsvm_stats s0, s1, s2;
	uint64_t *buf, stale = 0;

	buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	cpu_fill(buf, len, 0x10, STEP);

	nb = iommu_iovas(&dev0, before);
	igt_assert_eq(nvsvm_stats(dev0.fd, DRM_NVSVM_STATS_DEVICE, &s0), 0);
	assert_gpu_sees(&dev0, buf, len);
	nd = iommu_iovas(&dev0, during);
	igt_assert_eq(nvsvm_stats(dev0.fd, DRM_NVSVM_STATS_DEVICE, &s1), 0);
	igt_assert_eq(munmap(buf, len), 0);
	na = iommu_iovas(&dev0, after);
	igt_assert_eq(nvsvm_stats(dev0.fd, DRM_NVSVM_STATS_DEVICE, &s2), 0);

	/* The buffer's pages got IOVAs; the munmap took them all back. */
	for (i = 0; i < nd; i++) {
		if (iova_in(during[i], before, nb))
			continue;
		fresh++;
		if (!iova_in(during[i], after, na)) {
			gone++;
			stale = during[i];
		}
	}
	igt_info("IOVAs: %u live before, %u new for the buffer, %u gone after munmap; dma_maps +%llu, dma_unmaps +%llu\n",
		 nb, fresh, gone, DELTA(s1, s0, dma_maps),
		 DELTA(s2, s1, dma_unmaps));
	igt_assert_f(fresh >= npages, "only %u IOVAs for %zu pages\n", fresh,
		     npages);
	igt_assert_f(gone >= npages,
		     "munmap() left %u of the buffer's IOVAs mapped\n",
		     fresh - gone);
	igt_assert_lte(npages, DELTA(s1, s0, dma_maps));
	igt_assert_lte(npages, DELTA(s2, s1, dma_unmaps));

	/* A stale access to one of them faults, and is counted. */
	kmsg_note("nvsvm-iommu-fault-expected: begin\n");
	igt_assert_eq(iommu_probe(&dev0, stale), -EIO);
	kmsg_note("nvsvm-iommu-fault-expected: end\n");
	igt_assert_eq(nvsvm_stats(dev0.fd, DRM_NVSVM_STATS_DEVICE, &s1), 0);
	igt_assert_eq_u64(s1.iommu_faults, s2.iommu_faults + 1);
}

#define FLUSH_DELAY_MS	"300"
#define FLUSH_PAGES	16
#define FLUSH_ROUNDS	16

/*
 * A DMA mapping outlives its PTE until the TLB flush: while an
 * invalidation sits between clearing the PTEs and flushing (widened by
 * debug_invalidate_delay_ms), a running GPU job keeps reading the pages
 * through its TLB. Unmapping before the flush makes those reads IOMMU
 * faults, and the job fails.
 */
static void test_iommu_unmap_after_flush(void)
{
	const size_t len = FLUSH_PAGES * PAGE_SZ;
	struct drm_nvsvm_op ops[FLUSH_ROUNDS];
	uint64_t *buf, sums[FLUSH_ROUNDS], want, job;
	struct drm_nvsvm_stats s0, s1;
	int status = 0;
	unsigned int i;

	buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	igt_assert_eq(madvise(buf, len, MADV_NOHUGEPAGE), 0);
	cpu_fill(buf, len, 0x77, STEP);
	want = nvsvm_checksum(buf, len);
	/* Map the pages and the sums first: the job then runs from the TLB. */
	assert_gpu_sees(&dev0, buf, len);
	for (i = 0; i < FLUSH_ROUNDS; i++) {
		sums[i] = POISON;
		ops[i] = nvsvm_op_checksum(&sums[i], buf, len);
	}
	gpu_ok(&dev0, nvsvm_op_fill(sums, sizeof(sums), POISON));

	param_require_set("debug_invalidate_delay_ms", FLUSH_DELAY_MS);
	igt_assert_eq(nvsvm_stats(dev0.fd, DRM_NVSVM_STATS_DEVICE, &s0), 0);
	igt_assert_eq(nvsvm_job_submit(dev0.fd, dev0.chan, ops, FLUSH_ROUNDS,
				       &job), 0);
	usleep(50 * 1000);
	/* Invalidates the buffer; the pages stay. */
	igt_assert_eq(mprotect(buf, len, PROT_READ), 0);
	igt_assert_eq(nvsvm_job_wait(dev0.fd, job, 60 * SEC_NS, &status), 0);
	param_write("debug_invalidate_delay_ms", "0");
	igt_assert_eq(nvsvm_stats(dev0.fd, DRM_NVSVM_STATS_DEVICE, &s1), 0);

	igt_info("job: %d (%s), IOMMU faults +%llu\n", status,
		 nvsvm_strerror(status), DELTA(s1, s0, iommu_faults));
	igt_assert_f(!status, "the job lost its pages under an invalidation\n");
	for (i = 0; i < FLUSH_ROUNDS; i++)
		igt_assert_eq_u64(sums[i], want);
	igt_assert_eq_u64(s1.iommu_faults, s0.iommu_faults);
	munmap(buf, len);
}

/* @rounds atomic adds of @addend to each of @words words at @dst, per job. */
static void gpu_atomic_rounds(const struct gpu *g, uint64_t *dst,
			      size_t words, unsigned int rounds,
			      uint64_t addend)
{
	struct drm_nvsvm_op ops[NVSVM_JOB_MAX_OPS];
	unsigned int i, n;
	int ret;

	while (rounds) {
		n = rounds < NVSVM_JOB_MAX_OPS ? rounds : NVSVM_JOB_MAX_OPS;
		for (i = 0; i < n; i++)
			ops[i] = nvsvm_op_atomic_add(dst, words * 8, addend);
		ret = nvsvm_run(g->fd, g->chan, ops, n);
		igt_assert_f(!ret, "atomic job: %d (%s)\n", ret,
			     nvsvm_strerror(ret));
		rounds -= n;
	}
}

static uint64_t elapsed_ns(const struct timespec *start,
			   const struct timespec *end)
{
	return (end->tv_sec - start->tv_sec) * SEC_NS + end->tv_nsec -
	       start->tv_nsec;
}

struct cpu_incrementer {
	uint64_t *words[2];
	size_t count;
	volatile bool stop;
	uint64_t rounds;
};

/*
 * Increment the words, atomically on the CPU's side, until told to stop:
 * in bursts that overlap GPU atomics on the same words, with pauses in
 * between so that the GPU, which has to fault a page back every time the
 * CPU took it, makes progress too.
 */
static void *cpu_increment(void *arg)
{
	struct cpu_incrementer *inc = arg;
	struct timespec start, now;
	unsigned int burst;
	size_t i, j;

	while (!inc->stop) {
		for (burst = 0; burst < 64 && !inc->stop; burst++) {
			for (j = 0; j < ARRAY_SIZE(inc->words); j++)
				for (i = 0; i < inc->count; i++)
					__atomic_fetch_add(&inc->words[j][i], 1,
							   __ATOMIC_SEQ_CST);
			inc->rounds++;
		}
		/* Pause without sleeping: a sleep lasts long under emulation. */
		clock_gettime(CLOCK_MONOTONIC, &start);
		do
			clock_gettime(CLOCK_MONOTONIC, &now);
		while (!inc->stop && elapsed_ns(&start, &now) < 200000);
	}
	return NULL;
}

/*
 * GPU atomics on malloc memory are exact while the CPU increments the same
 * words: each GPU atomic runs on a page the GPU holds exclusive, and each
 * CPU access takes the page back first. Without the exclusive grant
 * (debug_atomic_no_exclusive=1) the emulated link's read-then-write loses
 * CPU increments, and this test fails.
 */
static void test_atomic_inc_sysmem(void)
{
	const size_t count = 8, len = 2 * PAGE_SZ;
	const unsigned int rounds = 1024;
	struct cpu_incrementer inc = { .count = count };
	struct drm_nvsvm_stats before, after;
	uint64_t *buf, expected;
	unsigned long long lost = 0;
	struct timespec t0, t1;
	pthread_t thread;
	size_t i, j;

	igt_assert_eq(posix_memalign((void **)&buf, PAGE_SZ, len), 0);
	memset(buf, 0, len);
	inc.words[0] = buf;
	inc.words[1] = buf + PAGE_SZ / 8;

	before = gpu_stats(&dev0);
	igt_assert_eq(pthread_create(&thread, NULL, cpu_increment, &inc), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < rounds; i += 64) {
		gpu_atomic_rounds(&dev0, inc.words[0], count, 32, 1);
		gpu_atomic_rounds(&dev0, inc.words[1], count, 32, 1);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	inc.stop = true;
	pthread_join(thread, NULL);
	after = gpu_stats(&dev0);

	expected = rounds / 2 + inc.rounds;
	for (j = 0; j < ARRAY_SIZE(inc.words); j++)
		for (i = 0; i < count; i++)
			lost += expected - inc.words[j][i];
	igt_info("GPU %u + CPU %llu increments per word in %llu ms, %llu lost; %llu atomic faults, %llu exclusive grants, %llu revocations\n",
		 rounds / 2, (unsigned long long)inc.rounds,
		 (unsigned long long)(elapsed_ns(&t0, &t1) / 1000000), lost,
		 DELTA(after, before, atomic_faults),
		 DELTA(after, before, exclusive_grants),
		 DELTA(after, before, exclusive_revocations));
	for (j = 0; j < ARRAY_SIZE(inc.words); j++)
		for (i = 0; i < count; i++)
			igt_assert_f(inc.words[j][i] == expected,
				     "word %zu of page %zu: %llu, expected %llu\n",
				     i, j,
				     (unsigned long long)inc.words[j][i],
				     (unsigned long long)expected);
	igt_assert(after.atomic_faults > before.atomic_faults);
	igt_assert(after.exclusive_grants > before.exclusive_grants);
	free(buf);
}

/* --- atomic-cpu-hammer -------------------------------------------------- */

#define HAMMER_WORDS	(PAGE_SZ / 8)
#define HAMMER_JOBS	2
#define HAMMER_OPS	NVSVM_JOB_MAX_OPS

static char thrash_saved[THRASH_NPARAMS][THRASH_VALUE_LEN];

struct cpu_hammer {
	uint64_t *words;
	uint64_t counts[HAMMER_WORDS];
	volatile bool stop;
};

/* Increment the words of the page round-robin, without any pause. */
static void *cpu_hammer(void *arg)
{
	struct cpu_hammer *h = arg;
	size_t i = 0;

	while (!h->stop) {
		__atomic_fetch_add(&h->words[i], 1, __ATOMIC_SEQ_CST);
		h->counts[i]++;
		i = (i + 1) % HAMMER_WORDS;
	}
	return NULL;
}

/*
 * A CPU thread increments the words of a page without pause while the GPU
 * runs jobs of 64 passes of 512 atomic adds over it, one per word. Every
 * CPU access takes back the GPU's exclusive grant; the thrashing
 * mitigation (DOC: Thrashing) holds a grant long enough for the GPU to
 * make progress, so each job completes within its time bound, each grant
 * serves at least 4 passes over the page on average, and no increment of
 * either side is lost. Without it (thrash_enable=0) every grant is taken
 * back after a few hundred atomics (under TCG; on hardware, after a few),
 * and this fails.
 */
static void test_atomic_cpu_hammer(void)
{
	/* The emulated GPU's times: a long lapse, a 200 ms hold. */
	static const char *const params[THRASH_NPARAMS] = {
		"2000000", "200000", "10", "150",
	};
	const uint64_t bound_ns = 60 * SEC_NS;
	struct cpu_hammer *h = calloc(1, sizeof(*h));
	struct drm_nvsvm_stats before, after;
	uint64_t job, t0, t1, slowest = 0;
	struct drm_nvsvm_op op[HAMMER_OPS];
	pthread_t thread;
	unsigned int j;
	size_t i;
	int ret, status = 0;

	igt_assert(h);
	thrash_params_set(thrash_saved, params);
	h->words = map_anon(PAGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	memset(h->words, 0, PAGE_SZ);
	for (j = 0; j < HAMMER_OPS; j++)
		op[j] = nvsvm_op_atomic_add(h->words, PAGE_SZ, 1);

	before = gpu_stats(&dev0);
	igt_assert_eq(pthread_create(&thread, NULL, cpu_hammer, h), 0);
	for (j = 0; j < HAMMER_JOBS; j++) {
		ret = nvsvm_job_submit(dev0.fd, dev0.chan, op, HAMMER_OPS,
				       &job);
		igt_assert_f(!ret, "submit: %s\n", nvsvm_strerror(ret));
		t0 = now_ns();
		ret = nvsvm_job_wait(dev0.fd, job, bound_ns, &status);
		t1 = now_ns();
		if (ret == -ETIME) {
			/* Let the job finish, so that nothing runs on after. */
			h->stop = true;
			pthread_join(thread, NULL);
			igt_assert_eq(nvsvm_job_wait(dev0.fd, job, bound_ns,
						     &status), 0);
			igt_assert_f(false,
				     "job %u: no completion in %llu s while the CPU hammers its page: the GPU starves\n",
				     j, (unsigned long long)(bound_ns / SEC_NS));
		}
		igt_assert_eq(ret, 0);
		igt_assert_f(!status, "job %u: %d (%s)\n", j, status,
			     nvsvm_strerror(status));
		if (t1 - t0 > slowest)
			slowest = t1 - t0;
	}
	h->stop = true;
	pthread_join(thread, NULL);
	after = gpu_stats(&dev0);

	igt_info("%u jobs of %u x %zu atomics, the slowest in %llu ms; %llu atomic faults, %llu grants, %llu revocations, %llu pages thrashing, %llu throttles\n",
		 HAMMER_JOBS, HAMMER_OPS, HAMMER_WORDS,
		 (unsigned long long)(slowest / 1000000),
		 DELTA(after, before, atomic_faults),
		 DELTA(after, before, exclusive_grants),
		 DELTA(after, before, exclusive_revocations),
		 DELTA(after, before, thrash_detections),
		 DELTA(after, before, throttles));
	for (i = 0; i < HAMMER_WORDS; i++)
		igt_assert_f(h->words[i] == HAMMER_JOBS * HAMMER_OPS +
			     h->counts[i],
			     "word %zu: %llu, expected %u GPU + %llu CPU increments\n",
			     i, (unsigned long long)h->words[i],
			     HAMMER_JOBS * HAMMER_OPS,
			     (unsigned long long)h->counts[i]);
	/*
	 * The ping-pong is bounded: on average, each grant the CPU takes
	 * back served at least 4 passes over the page, 2048 atomics. Held
	 * grants serve some 15 (about 10 revocations); without the hold,
	 * one revocation comes every 100 to 700 atomics under TCG (95 to
	 * 1252 revocations seen).
	 */
	igt_assert_f(DELTA(after, before, exclusive_revocations) <=
		     HAMMER_JOBS * HAMMER_OPS / 4,
		     "%llu revocations for %u passes over the page: the CPU takes the grants back too soon\n",
		     DELTA(after, before, exclusive_revocations),
		     HAMMER_JOBS * HAMMER_OPS);
	munmap(h->words, PAGE_SZ);
	free(h);
}

/* CPU reads and writes between GPU atomic jobs take the pages back. */
static void test_atomic_cpu_revokes(void)
{
	const size_t len = 4 * PAGE_SZ, words = len / 8;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats before, after;
	uint64_t base = 0x1000;
	unsigned int round;
	size_t i;

	cpu_fill(buf, len, base, STEP);
	before = gpu_stats(&dev0);
	for (round = 0; round < 6; round++) {
		gpu_ok(&dev0, nvsvm_op_atomic_add(buf, len, 3));
		base += 3;
		assert_buf(buf, len, base, STEP);	/* CPU reads */
		for (i = round % 4 * (PAGE_SZ / 8); i < words; i += 64)
			buf[i] += 1000;			/* CPU writes */
		for (i = round % 4 * (PAGE_SZ / 8); i < words; i += 64)
			buf[i] -= 1000;
	}
	after = gpu_stats(&dev0);
	assert_buf(buf, len, base, STEP);
	assert_gpu_sees(&dev0, buf, len);
	igt_info("%llu atomic faults, %llu exclusive grants, %llu revocations\n",
		 DELTA(after, before, atomic_faults),
		 DELTA(after, before, exclusive_grants),
		 DELTA(after, before, exclusive_revocations));
	/* Every round the CPU reads every page the GPU held. */
	igt_assert_lte(6 * 4, DELTA(after, before, exclusive_grants));
	igt_assert_lte(5 * 4, DELTA(after, before, exclusive_revocations));
	munmap(buf, len);
}

/* A page taken exclusive and then made read-only cannot take atomics. */
static void test_atomic_mprotect(void)
{
	const size_t len = 2 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);

	cpu_fill(buf, len, 0x100, STEP);
	gpu_ok(&dev0, nvsvm_op_atomic_add(buf, len, 1));
	igt_assert_eq(mprotect(buf, len, PROT_READ), 0);
	gpu_expect_fault(&dev0, nvsvm_op_atomic_add(buf, len, 1));
	assert_buf(buf, len, 0x101, STEP);
	assert_gpu_sees(&dev0, buf, len);
	igt_assert_eq(mprotect(buf, len, PROT_READ | PROT_WRITE), 0);
	gpu_ok(&dev0, nvsvm_op_atomic_add(buf, len, 1));
	assert_buf(buf, len, 0x102, STEP);
	munmap(buf, len);
}

/*
 * fork() after the GPU took pages exclusive: the parent's GPU atomics and
 * the child's GPU atomics and CPU writes each stay on their side of
 * copy-on-write.
 */
static void test_atomic_cow(void)
{
	const size_t len = 4 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats before, after;
	struct sync_pipe s;

	sync_open(&s, 1);
	cpu_fill(buf, len, 0x7000, STEP);
	before = gpu_stats(&dev0);
	gpu_ok(&dev0, nvsvm_op_atomic_add(buf, len, 1));
	after = gpu_stats(&dev0);
	igt_assert(after.exclusive_grants > before.exclusive_grants);

	igt_fork(child, 1) {
		struct gpu g;

		sync_as_child(&s, 1, child);
		assert_buf(buf, len, 0x7001, STEP);
		g = gpu_open(0);
		gpu_ok(&g, nvsvm_op_atomic_add(buf, len, 0x100));
		assert_buf(buf, len, 0x7101, STEP);
		sync_post(s.up[1]);
		sync_await(s.down[0]);
		/* The parent's atomics did not reach the child's copy. */
		assert_buf(buf, len, 0x7101, STEP);
		buf[0] += 0x10000;
		buf[0] -= 0x10000;
		gpu_ok(&g, nvsvm_op_atomic_add(buf, len, 0x100));
		assert_buf(buf, len, 0x7201, STEP);
		close(g.fd);
	}
	sync_as_parent(&s, 1);

	sync_await(s.up[0]);
	/* Nor did the child's reach the parent's. */
	assert_buf(buf, len, 0x7001, STEP);
	gpu_ok(&dev0, nvsvm_op_atomic_add(buf, len, 1));
	assert_buf(buf, len, 0x7002, STEP);
	sync_post(s.down[1]);
	igt_waitchildren();
	assert_buf(buf, len, 0x7002, STEP);
	assert_gpu_sees(&dev0, buf, len);
	sync_close_parent(&s, 1);
	munmap(buf, len);
}

/* Pages in VRAM take GPU atomics natively: no fault, no exclusive grant. */
static void test_atomic_vram(void)
{
	const size_t len = 64 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_stats before, after;
	uint64_t migrated = 0, skipped = 0;
	int ret;

	cpu_fill(buf, len, 0x3000, STEP);
	ret = nvsvm_migrate(dev0.fd, buf, len, DRM_NVSVM_MIGRATE_TO_VRAM,
			    &migrated, &skipped);
	igt_assert_f(!ret, "MIGRATE: %s\n", nvsvm_strerror(ret));
	igt_assert_eq_u64(migrated, len / PAGE_SZ);

	before = gpu_stats(&dev0);
	gpu_atomic_rounds(&dev0, buf, len / 8, 4, 5);
	after = gpu_stats(&dev0);
	igt_info("%llu atomic faults, %llu exclusive grants, %llu pages moved to system memory\n",
		 DELTA(after, before, atomic_faults),
		 DELTA(after, before, exclusive_grants),
		 DELTA(after, before, migrated_to_sys));
	igt_assert_eq_u64(DELTA(after, before, exclusive_grants), 0);
	igt_assert_eq_u64(DELTA(after, before, atomic_faults), 0);
	igt_assert_eq_u64(DELTA(after, before, migrated_to_sys), 0);
	assert_buf(buf, len, 0x3000 + 20, STEP);
	munmap(buf, len);
}

/*
 * A THP-backed buffer gets exact GPU atomics on its head and tail pages,
 * which Linux 6.12's make_device_exclusive_range() refuses unless the THP
 * is split first.
 */
static void test_atomic_thp(void)
{
	static const size_t pages[] = { 0, 1, 255, 511 };
	struct drm_nvsvm_stats before, after;
	uint64_t *buf, *w;
	void *raw;
	size_t i;

	buf = map_thp(&raw);

	/* The GPU maps a THP with a 2 MiB page: it is one. */
	before = gpu_stats(&dev0);
	gpu_ok(&dev0, nvsvm_op_fill(buf, SZ_2M, 0));
	after = gpu_stats(&dev0);
	igt_require_f(after.huge_mapped > before.huge_mapped,
		      "the buffer did not get a THP\n");
	cpu_fill(buf, SZ_2M, 0x5000, STEP);

	before = gpu_stats(&dev0);
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		w = buf + pages[i] * (PAGE_SZ / 8);
		gpu_atomic_rounds(&dev0, w, 16, 8, 1);
	}
	after = gpu_stats(&dev0);
	igt_info("%llu atomic faults, %llu exclusive grants\n",
		 DELTA(after, before, atomic_faults),
		 DELTA(after, before, exclusive_grants));
	igt_assert_lte(ARRAY_SIZE(pages), DELTA(after, before, exclusive_grants));

	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		w = buf + pages[i] * (PAGE_SZ / 8);
		assert_buf(w, 16 * 8, 0x5000 + 8 + pages[i] * PAGE_SZ / 8 * STEP,
			   STEP);
		cpu_fill(w, 16 * 8, 0x5000 + pages[i] * PAGE_SZ / 8 * STEP,
			 STEP);
	}
	assert_buf(buf, SZ_2M, 0x5000, STEP);
	assert_gpu_sees(&dev0, buf, SZ_2M);
	munmap(raw, 2 * SZ_2M);
}

/* --- bad-ioctl-args ------------------------------------------------------ */

static struct drm_nvsvm_job_submit submit_args(uint32_t chan,
					       const void *ops,
					       uint32_t count)
{
	struct drm_nvsvm_job_submit args = {
		.channel = chan,
		.ops = (uintptr_t)ops,
		.op_count = count,
		.op_stride = sizeof(struct drm_nvsvm_op),
	};

	return args;
}

/* Submit @args, which must be accepted, and wait for a successful job. */
static void submit_ok(int fd, struct drm_nvsvm_job_submit args)
{
	int status = 1;

	igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_JOB_SUBMIT, &args), 0);
	igt_assert(args.job);
	igt_assert_eq(nvsvm_job_wait(fd, args.job, 60 * SEC_NS, &status), 0);
	igt_assert_eq(status, 0);
}

/* A fresh file, before and at SVM_INIT. */
static void bad_svm_init(int fd)
{
	const struct drm_nvsvm_svm_init init = { 0 };
	const struct drm_nvsvm_channel_create create = { 0 };
	struct drm_nvsvm_op op = nvsvm_op_fill(&op, 8, 0);

	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_CHANNEL_CREATE, create, -ENOENT);
	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_JOB_SUBMIT, submit_args(1, &op, 1),
		     -ENOENT);
	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_SVM_INIT, WITH(init, flags, 1), -EINVAL);
	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_SVM_INIT, WITH(init, flags, 1u << 31),
		     -EINVAL);
	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_SVM_INIT, WITH(init, pad, 1), -EINVAL);
	/* None of them had an effect. */
	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_SVM_INIT, init, 0);
	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_SVM_INIT, init, -EBUSY);
}

/*
 * Returned-only fields (handle, job, status) are neither padding nor flags:
 * the header does not ask for them to be zero on input, so the kernel must
 * ignore what is there and overwrite it.
 */
static void output_fields_ignored(int fd, uint64_t *scratch)
{
	struct drm_nvsvm_channel_create create = { .handle = 0xdeadbeef };
	struct drm_nvsvm_op op = nvsvm_op_fill(scratch, 8, 0x0f);
	struct drm_nvsvm_job_submit submit;
	struct drm_nvsvm_job_wait wait = { .timeout_ns = 60 * SEC_NS,
					   .status = -EIO };

	igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_CHANNEL_CREATE, &create), 0);
	igt_assert(create.handle);
	submit = WITH(submit_args(create.handle, &op, 1), job, 0xdeadbeef);
	igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_JOB_SUBMIT, &submit), 0);
	igt_assert(submit.job && submit.job != 0xdeadbeef);
	wait.job = submit.job;
	igt_assert_eq(nvsvm_ioctl(fd, DRM_IOCTL_NVSVM_JOB_WAIT, &wait), 0);
	igt_assert_eq(wait.status, 0);
	igt_assert_eq_u64(*scratch, 0x0f);
	igt_assert_eq(nvsvm_channel_destroy(fd, create.handle), 0);
}

/* CHANNEL_CREATE/DESTROY limits, on a file after SVM_INIT. */
static void bad_channels(int fd, uint64_t *scratch)
{
	const struct drm_nvsvm_channel_create create = { 0 };
	struct drm_nvsvm_channel_destroy destroy = { 0 };
	uint32_t handles[NVSVM_MAX_CHANNELS], extra;
	struct drm_nvsvm_op op = nvsvm_op_fill(scratch, 8, 0xc4);

	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_CHANNEL_CREATE, WITH(create, flags, 1),
		     -EINVAL);
	for (int i = 0; i < NVSVM_MAX_CHANNELS; i++) {
		igt_assert_eq(nvsvm_channel_create(fd, &handles[i]), 0);
		igt_assert(handles[i]);
		for (int j = 0; j < i; j++)
			igt_assert_neq(handles[i], handles[j]);
	}
	igt_assert_eq(nvsvm_channel_create(fd, &extra), -ENOSPC);

	destroy.handle = handles[0];
	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_CHANNEL_DESTROY, WITH(destroy, pad, 1),
		     -EINVAL);
	gpu_ok(&(struct gpu){ fd, handles[0] }, op);	/* still there */
	igt_assert_eq_u64(*scratch, 0xc4);
	igt_assert_eq(nvsvm_channel_destroy(fd, handles[0]), 0);
	igt_assert_eq(nvsvm_channel_destroy(fd, handles[0]), -ENOENT);
	igt_assert_eq(nvsvm_channel_destroy(fd, ~0u), -ENOENT);
	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_JOB_SUBMIT,
		     submit_args(handles[0], &op, 1), -ENOENT);
	output_fields_ignored(fd, scratch);	/* the freed slot is usable */
	for (int i = 1; i < NVSVM_MAX_CHANNELS; i++)
		igt_assert_eq(nvsvm_channel_destroy(fd, handles[i]), 0);
}

/* NVSVM_MAX_JOBS jobs not waited for, then -EBUSY. */
static void bad_too_many_jobs(int fd, uint32_t chan, uint64_t *scratch)
{
	static uint64_t jobs[NVSVM_MAX_JOBS];
	struct drm_nvsvm_op op = nvsvm_op_fill(scratch, 8, 0x70b);
	uint64_t extra;
	int status;

	for (int i = 0; i < NVSVM_MAX_JOBS; i++)
		igt_assert_eq(nvsvm_job_submit(fd, chan, &op, 1, &jobs[i]), 0);
	igt_assert_eq(nvsvm_job_submit(fd, chan, &op, 1, &extra), -EBUSY);
	for (int i = 0; i < NVSVM_MAX_JOBS; i++) {
		status = 1;
		igt_assert_eq(nvsvm_job_wait(fd, jobs[i], 60 * SEC_NS, &status), 0);
		igt_assert_eq(status, 0);
	}
	igt_assert_eq(nvsvm_run(fd, chan, &op, 1), 0);
}

/* JOB_SUBMIT arguments and operations that must fail with EINVAL. */
static void bad_submit_einval(const struct gpu *g, uint64_t *scratch,
			      const uint64_t *src)
{
	const struct drm_nvsvm_op fill = nvsvm_op_fill(scratch, PAGE_SZ, 0x600d);
	const struct drm_nvsvm_op copy = nvsvm_op_copy(scratch, src, PAGE_SZ);
	const struct drm_nvsvm_op sum = nvsvm_op_checksum(scratch, src, PAGE_SZ);
	const struct drm_nvsvm_op add = nvsvm_op_atomic_add(scratch, PAGE_SZ, 1);
	const struct drm_nvsvm_op triad = nvsvm_op_triad(scratch, src, src,
							 PAGE_SZ, 3);
	const struct drm_nvsvm_op bad_ops[] = {
		WITH(fill, opcode, 0),
		WITH(fill, opcode, DRM_NVSVM_OP_TRIAD + 1),
		WITH(fill, opcode, ~0u),
		WITH(fill, flags, 1),
		WITH(fill, flags, 1u << 31),
		WITH(fill, len, 0),
		WITH(fill, len, 4),
		WITH(fill, len, 12),
		WITH(fill, len, NVSVM_OP_MAX_LEN + 8),
		WITH(fill, dst, fill.dst + 4),
		WITH(fill, src0, (uintptr_t)src),	/* unused fields */
		WITH(fill, src1, (uintptr_t)src),
		WITH(copy, src0, copy.src0 + 4),
		WITH(copy, src1, (uintptr_t)src),
		WITH(copy, imm, 1),
		WITH(sum, dst, sum.dst + 4),
		WITH(sum, src1, (uintptr_t)src),
		WITH(sum, imm, 1),
		WITH(add, dst, add.dst + 2),
		WITH(add, src0, (uintptr_t)src),
		WITH(triad, src0, triad.src0 + 4),
		WITH(triad, src1, triad.src1 + 1),
	};
	static struct drm_nvsvm_op many[NVSVM_JOB_MAX_OPS + 1];
	const struct drm_nvsvm_job_submit base = submit_args(g->chan, &fill, 1);
	struct drm_nvsvm_op pair[2] = { fill };

	for (unsigned int i = 0; i < ARRAY_SIZE(bad_ops); i++) {
		igt_debug("bad op %u\n", i);
		EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT,
			     submit_args(g->chan, &bad_ops[i], 1), -EINVAL);
		/* A good operation before it must not run either. */
		pair[1] = bad_ops[i];
		EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT,
			     submit_args(g->chan, pair, 2), -EINVAL);
	}

	for (unsigned int i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = fill;
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT, WITH(base, flags, 1),
		     -EINVAL);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT, WITH(base, flags, 1u << 31),
		     -EINVAL);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT, WITH(base, op_count, 0),
		     -EINVAL);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT,
		     submit_args(g->chan, many, NVSVM_JOB_MAX_OPS + 1), -EINVAL);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT, WITH(base, op_stride, 0),
		     -EINVAL);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT,
		     WITH(base, op_stride, sizeof(fill) - 8), -EINVAL);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT,
		     WITH(base, op_stride, sizeof(fill) + 4), -EINVAL);
}

/* JOB_SUBMIT with an op_stride larger than the kernel's operation. */
static void submit_wide_stride(const struct gpu *g, uint64_t *scratch)
{
	struct {
		struct drm_nvsvm_op op;
		uint64_t future;
	} wide[2] = {
		{ nvsvm_op_fill(scratch, PAGE_SZ / 2, 0x1d1), 0 },
		{ nvsvm_op_fill(scratch + PAGE_SZ / 16, PAGE_SZ / 2, 0x1d2), 0 },
	};
	struct drm_nvsvm_job_submit args = submit_args(g->chan, wide, 2);

	args.op_stride = sizeof(wide[0]);
	wide[1].future = 1;
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT, args, -EINVAL);
	wide[1].future = 0;
	submit_ok(g->fd, args);
	assert_buf(scratch, PAGE_SZ / 2, 0x1d1, 0);
	assert_buf(scratch + PAGE_SZ / 16, PAGE_SZ / 2, 0x1d2, 0);
}

/* JOB_SUBMIT with an operation array the kernel cannot read: EFAULT. */
static void bad_submit_unreadable(const struct gpu *g, uint64_t *scratch)
{
	char *pages = map_anon(2 * PAGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct drm_nvsvm_op *last = (struct drm_nvsvm_op *)(pages + PAGE_SZ) - 1;

	*last = nvsvm_op_fill(scratch, PAGE_SZ, 0x600d);
	igt_assert_eq(mprotect(pages + PAGE_SZ, PAGE_SZ, PROT_NONE), 0);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT,
		     submit_args(g->chan, NULL, 1), -EFAULT);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT,
		     submit_args(g->chan, (void *)8, 1), -EFAULT);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT,
		     submit_args(g->chan, pages + PAGE_SZ, 1), -EFAULT);
	/* The second operation lies across the end of the readable page. */
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_SUBMIT,
		     submit_args(g->chan, last, 2), -EFAULT);
	munmap(pages, 2 * PAGE_SZ);
}

static void bad_job_wait(const struct gpu *g, uint64_t *scratch)
{
	struct drm_nvsvm_op op = nvsvm_op_fill(scratch, 8, 0x3a17);
	struct drm_nvsvm_job_wait wait = { .timeout_ns = HOUR_NS };
	uint64_t job = 0;

	igt_assert_eq(nvsvm_job_submit(g->fd, g->chan, &op, 1, &job), 0);
	wait.job = job;
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_WAIT, WITH(wait, flags, 1),
		     -EINVAL);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_WAIT, WITH(wait, job, 0),
		     -EINVAL);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_WAIT,
		     WITH(wait, timeout_ns, HOUR_NS + 1), -EINVAL);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_WAIT,
		     WITH(wait, timeout_ns, ~0ull), -EINVAL);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_WAIT,
		     WITH(wait, job, wait.job + (1ull << 40)), -ENOENT);
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_WAIT, WITH(wait, job, ~0ull),
		     -ENOENT);
	/* The job survived all that; one hour is still a valid timeout. */
	igt_assert_eq(nvsvm_ioctl(g->fd, DRM_IOCTL_NVSVM_JOB_WAIT, &wait), 0);
	igt_assert_eq(wait.status, 0);
	igt_assert_eq_u64(*scratch, 0x3a17);
	wait.status = 0;
	EXPECT_IOCTL(g->fd, DRM_IOCTL_NVSVM_JOB_WAIT, wait, -ENOENT);
}

static void bad_stats(int fd)
{
	const struct drm_nvsvm_stats base = { 0 };
	struct drm_nvsvm_stats file, dev;
	const __u64 *f = &file.faults, *d = &dev.faults;
	size_t count = (sizeof(file) - offsetof(struct drm_nvsvm_stats, faults)) / 8;

	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_STATS, WITH(base, flags, 2), -EINVAL);
	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_STATS, WITH(base, flags, 1u << 31),
		     -EINVAL);
	EXPECT_IOCTL(fd, DRM_IOCTL_NVSVM_STATS, WITH(base, pad, 1), -EINVAL);
	igt_assert_eq(nvsvm_stats(fd, 0, &file), 0);
	igt_assert_eq(nvsvm_stats(fd, DRM_NVSVM_STATS_DEVICE, &dev), 0);
	for (size_t i = 0; i < count; i++)
		igt_assert_f(d[i] >= f[i], "device counter %zu < file's\n", i);
}

static void test_bad_ioctl_args(void)
{
	uint64_t *scratch = map_anon(2 * PAGE_SZ, PROT_READ | PROT_WRITE,
				     MAP_PRIVATE);
	uint64_t *src = scratch + PAGE_SZ / 8;
	struct drm_nvsvm_stats before, after;
	struct gpu fresh = { .fd = nvsvm_igt_open(0) };

	cpu_fill(scratch, PAGE_SZ, POISON, 0);
	cpu_fill(src, PAGE_SZ, 0x5000, STEP);

	/* Every rejected submission: no job, no write. */
	before = gpu_stats(&dev0);
	bad_submit_einval(&dev0, scratch, src);
	bad_submit_unreadable(&dev0, scratch);
	{
		struct drm_nvsvm_op fill = nvsvm_op_fill(scratch, PAGE_SZ, 1);

		EXPECT_IOCTL(dev0.fd, DRM_IOCTL_NVSVM_JOB_SUBMIT,
			     submit_args(~0u, &fill, 1), -ENOENT);
	}
	after = gpu_stats(&dev0);
	igt_assert_eq_u64(after.jobs, before.jobs);
	assert_buf(scratch, PAGE_SZ, POISON, 0);

	submit_wide_stride(&dev0, scratch);
	bad_job_wait(&dev0, scratch);
	bad_stats(dev0.fd);

	bad_svm_init(fresh.fd);
	bad_channels(fresh.fd, scratch);
	igt_assert_eq(nvsvm_channel_create(fresh.fd, &fresh.chan), 0);
	bad_too_many_jobs(fresh.fd, fresh.chan, scratch);

	/* No damage: both files still run jobs. */
	gpu_fill_guarded(&fresh, scratch, PAGE_SZ / 8, 0xf1e5);
	gpu_fill_guarded(&dev0, scratch, PAGE_SZ / 8, 0xd0e0);
	close(fresh.fd);
	munmap(scratch, 2 * PAGE_SZ);
}

igt_main
{
	igt_fixture {
		dev0 = gpu_open(0);
	}

	igt_describe("The GPU checksums malloc memory the CPU wrote.");
	igt_subtest("anon-read")
		test_anon_read();

	igt_describe("Reading PROT_NONE memory fails the job with EFAULT and writes nothing.");
	igt_subtest("anon-read-prot")
		test_anon_read_prot();

	igt_describe("The CPU sees every word the GPU wrote to malloc memory, and no more.");
	igt_subtest("anon-write")
		test_anon_write();

	igt_describe("GPU writes to read-only memory fail with EFAULT until mprotect allows them.");
	igt_subtest("anon-write-prot")
		test_anon_write_prot();

	igt_describe("After fork, GPU writes of parent and child stay on their side of copy-on-write.");
	igt_subtest("anon-write-child")
		test_anon_write_child();

	igt_describe("MAP_SHARED memory: GPU and CPU writes of parent and child are seen by both.");
	igt_subtest("anon-write-child-shared")
		test_anon_write_child_shared();

	igt_describe("A GPU fill of a THP-backed 2 MiB region is mapped with a 2 MiB GPU page.");
	igt_subtest("anon-write-huge")
		test_anon_write_huge();

	igt_describe("The GPU reads and writes a hugetlbfs page.");
	igt_subtest("anon-write-hugetlbfs")
		test_anon_write_hugetlbfs();

	igt_describe("The GPU checksums a shared file mapping.");
	igt_subtest("file-read")
		test_file_read();

	igt_describe("GPU writes to a shared file mapping reach the file.");
	igt_subtest("file-write")
		test_file_write();

	igt_describe("The GPU writes stack and static arrays and reads static const data.");
	igt_subtest("stack-and-static")
		test_stack_and_static();

	igt_describe("After munmap and a new mapping at the same address, the GPU reads the new page.");
	igt_subtest("munmap-invalidates")
		test_munmap_invalidates();

	igt_describe("After mprotect(PROT_READ), a GPU write that was mapped before faults.");
	igt_subtest("mprotect-invalidates")
		test_mprotect_invalidates();

	igt_describe("munmap of a buffer a running job writes ends the job with 0 or EFAULT, never a hang.");
	igt_subtest("anon-teardown")
		test_anon_teardown();

	igt_describe("Two processes writing the same address each see their own data.");
	igt_subtest("multiple-processes")
		test_multiple_processes();

	igt_describe("Two devices bound to one process see each other's and the CPU's writes.");
	igt_subtest("two-devices-same-memory")
		test_two_devices_same_memory();

	igt_describe("First-touch faults of a 4 MiB fill are serviced in few batches.");
	igt_subtest("fault-batching")
		test_fault_batching(false);

	igt_describe("A GPU fill of fresh 4 KiB anonymous pages is serviced a window at a time, not a fault per page.");
	igt_subtest("fault-batching-4k")
		test_fault_batching(true);

	igt_describe("GPU atomic increments on malloc memory are exact while the CPU increments the same words.");
	igt_subtest("atomic-inc-sysmem")
		test_atomic_inc_sysmem();

	igt_describe("A CPU thread hammers a page while the GPU runs 512 atomics on it: the GPU finishes in bounded time and no update is lost.");
	igt_subtest("atomic-cpu-hammer")
		test_atomic_cpu_hammer();

	igt_fixture
		thrash_params_restore(thrash_saved);

	igt_describe("CPU reads and writes between GPU atomic jobs revoke exclusivity and stay coherent.");
	igt_subtest("atomic-cpu-revokes")
		test_atomic_cpu_revokes();

	igt_describe("After mprotect(PROT_READ), a GPU atomic fails with EFAULT.");
	igt_subtest("atomic-mprotect")
		test_atomic_mprotect();

	igt_describe("fork after exclusive access: parent and child see their own copies.");
	igt_subtest("atomic-cow")
		test_atomic_cow();

	igt_describe("Atomics on pages in VRAM need no exclusive grant.");
	igt_subtest("atomic-vram")
		test_atomic_vram();

	igt_describe("GPU atomics on a THP-backed buffer are exact.");
	igt_subtest("atomic-thp")
		test_atomic_thp();

	igt_describe("Invalidations elsewhere in the address space delay GPU faults, never fail them.");
	igt_subtest("fault-vs-invalidations")
		test_fault_vs_invalidations();

	igt_describe("A refused write or atomic fails its own job, never a read of the same page.");
	igt_subtest("refused-access-spares-read")
		test_refused_access_spares_read();

	igt_describe("munmap() gives back the DMA mappings of the buffer's GPU PTEs: their IOVAs leave the IOMMU, and a stale access faults.");
	igt_subtest("iommu-unmap-on-invalidate")
		test_iommu_unmap_on_invalidate();

	igt_describe("A running job keeps reading pages whose PTEs an invalidation cleared until the TLB flush: their DMA mappings go only after it.");
	igt_subtest("iommu-unmap-after-flush")
		test_iommu_unmap_after_flush();

	igt_describe("Malformed arguments of every SVM ioctl fail with the documented errno and no effect.");
	igt_subtest("bad-ioctl-args")
		test_bad_ioctl_args();

	igt_fixture
		close(dev0.fd);
}
