// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The nvsvm authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nvsvm_igt_svm.h"
#include "nvsvm_slow_fuse.h"

IGT_TEST_DESCRIPTION("Isolation and memory safety: no process reaches another's memory through the GPU, and no race ends in a use-after-free, an oops or a stale GPU mapping");

#define SZ_64K		(64ul << 10)
#define SZ_2M		(2ul << 20)
#define PAGE_WORDS	(PAGE_SZ / 8)

#define TO_SYS		DRM_NVSVM_MIGRATE_TO_SYSTEM
#define TO_VRAM		DRM_NVSVM_MIGRATE_TO_VRAM


/* Exit codes of the helper processes. */
#define CHILD_OK	0
#define CHILD_FAIL	1

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000l };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int wait_child(pid_t pid)
{
	int status;

	igt_assert_eq(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

static struct drm_nvsvm_stats dev_stats(int fd)
{
	struct drm_nvsvm_stats s;

	igt_assert_eq(nvsvm_stats(fd, DRM_NVSVM_STATS_DEVICE, &s), 0);
	return s;
}

/* The checksum of @len bytes of zeroes. */
static uint64_t zero_checksum(size_t len)
{
	uint64_t *z = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t sum = nvsvm_checksum(z, len);

	munmap(z, len);
	return sum;
}

/* --- fd-after-fork, fd-over-socket -------------------------------------- */

#define PARENT_FIRST	0x1111000000000000ull
#define PARENT_LATER	0x2222000000000000ull
#define INTRUDER	0xbad0bad0bad0bad0ull

/*
 * Everything a process that did not bind @g's file tries with it: a GPU
 * write and a GPU read of @buf, a migration and advice. Each must be
 * refused with -EBADF. Returns the number of calls that were not.
 */
static int intrude(const struct gpu *g, uint64_t *buf, size_t len)
{
	uint64_t sum = 0, migrated, skipped;
	uint32_t chan;
	int ret, bad = 0;

	ret = gpu_run(g, nvsvm_op_fill(buf, len, INTRUDER));
	if (ret != -EBADF) {
		fprintf(stderr, "GPU fill from another process: %d\n", ret);
		bad++;
	}
	ret = gpu_run(g, nvsvm_op_checksum(&sum, buf, len));
	if (ret != -EBADF) {
		fprintf(stderr, "GPU read from another process: %d\n", ret);
		bad++;
	}
	ret = nvsvm_migrate(g->fd, buf, len, TO_VRAM, &migrated, &skipped);
	if (ret != -EBADF) {
		fprintf(stderr, "MIGRATE from another process: %d\n", ret);
		bad++;
	}
	ret = nvsvm_advise(g->fd, buf, len, DRM_NVSVM_ADVISE_PREFERRED_LOCATION,
			   TO_VRAM);
	if (ret != -EBADF) {
		fprintf(stderr, "ADVISE from another process: %d\n", ret);
		bad++;
	}
	ret = nvsvm_channel_create(g->fd, &chan);
	if (ret != -EBADF) {
		fprintf(stderr, "CHANNEL_CREATE from another process: %d\n", ret);
		bad++;
	}
	return bad;
}

static void test_fd_after_fork(void)
{
	size_t len = 16 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct sync_pipe s;
	struct gpu g;
	pid_t pid;

	cpu_fill(buf, len, PARENT_FIRST, STEP);
	g = gpu_open(0);
	assert_gpu_sees(&g, buf, len);

	sync_open(&s, 1);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		sync_as_child(&s, 1, 0);
		/* Wait for the parent's write after the fork. */
		sync_await(s.down[0]);
		_exit(intrude(&g, buf, len) ? CHILD_FAIL : CHILD_OK);
	}
	sync_as_parent(&s, 1);
	cpu_fill(buf, len, PARENT_LATER, STEP);
	sync_post(s.down[1]);
	igt_assert_f(wait_child(pid) == CHILD_OK,
		     "the child's calls on the inherited fd were not refused\n");
	sync_close_parent(&s, 1);

	/* Not a word of the parent changed, and the fd still works here. */
	assert_buf(buf, len, PARENT_LATER, STEP);
	assert_gpu_sees(&g, buf, len);
	close(g.fd);
	munmap(buf, len);
}

/* --- tlb-new-address-space ---------------------------------------------- */

/*
 * Child A reads the parent's pages through the GPU, which caches their
 * translations, and closes its file. Child B then writes its own copy of
 * the same addresses and reads them through the GPU, in an address space
 * whose page directory is likely where A's was. B must read its data: the
 * GPU's TLBs are shared by every context and tagged by page directory, so
 * a driver that frees an address space without a flush hands A's
 * translations, to the parent's pages, to B.
 */
static void test_tlb_new_address_space(void)
{
	const uint64_t parent = 0x7a000000, mine = 0x7b000000;
	size_t len = 16 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	pid_t pid;

	cpu_fill(buf, len, parent, STEP);

	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		struct gpu g = gpu_open(0);
		bool ok = gpu_checksum(&g, buf, len) == nvsvm_checksum(buf, len);

		close(g.fd);
		_exit(ok ? CHILD_OK : CHILD_FAIL);
	}
	igt_assert_f(wait_child(pid) == CHILD_OK,
		     "the first child's GPU read was wrong\n");

	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		struct gpu g;
		uint64_t got;

		cpu_fill(buf, len, mine, STEP);
		g = gpu_open(0);
		got = gpu_checksum(&g, buf, len);
		close(g.fd);
		if (got == nvsvm_checksum(buf, len))
			_exit(CHILD_OK);
		cpu_fill(buf, len, parent, STEP);
		fprintf(stderr, "GPU checksum %#llx: %s\n",
			(unsigned long long)got,
			got == nvsvm_checksum(buf, len) ?
			"the parent's data, through the first child's translations" :
			"neither the child's data nor the parent's");
		_exit(CHILD_FAIL);
	}
	igt_assert_f(wait_child(pid) == CHILD_OK,
		     "a new address space read through a freed one's translations\n");
	assert_buf(buf, len, parent, STEP);
	munmap(buf, len);
}

static int recv_fd(int sock, uint64_t *addr)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { addr, sizeof(*addr) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, 0) != sizeof(*addr))
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

static void send_fd(int sock, int fd, uint64_t addr)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &addr, sizeof(addr) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	igt_assert_eq(sendmsg(sock, &msg, 0), (int)sizeof(addr));
}

static void test_fd_over_socket(void)
{
	size_t len = 16 * PAGE_SZ;
	uint64_t *buf;
	struct gpu g;
	int sv[2];
	pid_t pid;

	igt_require_f(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0,
		      "no Unix sockets: %s\n", strerror(errno));

	/* The receiver exists before the fd does: it shares nothing of it. */
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		struct gpu r = { .chan = 0 };
		uint64_t addr;
		char c = 0;
		int bad;

		close(sv[0]);
		r.fd = recv_fd(sv[1], &addr);
		if (r.fd < 0)
			_exit(CHILD_FAIL);
		/* The channel handle the sender created first is 1. */
		r.chan = 1;
		/* The same address in this process: map it, so it is valid. */
		mmap((void *)addr, len, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		bad = intrude(&r, (uint64_t *)addr, len);
		if (write(sv[1], &c, 1) != 1)
			_exit(CHILD_FAIL);
		_exit(bad ? CHILD_FAIL : CHILD_OK);
	}
	close(sv[1]);

	buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	cpu_fill(buf, len, PARENT_FIRST, STEP);
	g = gpu_open(0);
	igt_assert_eq(g.chan, 1);
	assert_gpu_sees(&g, buf, len);
	send_fd(sv[0], g.fd, (uintptr_t)buf);

	igt_assert_f(wait_child(pid) == CHILD_OK,
		     "the receiver's calls on the passed fd were not refused\n");
	close(sv[0]);
	assert_buf(buf, len, PARENT_FIRST, STEP);
	assert_gpu_sees(&g, buf, len);
	close(g.fd);
	munmap(buf, len);
}

/* --- close-during-fault, exit-during-fault ------------------------------- */

#define FAULT_DELAY_MS	"400"

/* Submit a job whose first access faults, and return once it has faulted. */
static void submit_faulting_job(const struct gpu *g, uint64_t *buf,
				size_t len)
{
	struct drm_nvsvm_stats d0 = dev_stats(g->fd), d1;
	struct drm_nvsvm_op op = nvsvm_op_fill(buf, len, 0x77);
	uint64_t job, t0 = now_ns();

	igt_assert_eq(nvsvm_job_submit(g->fd, g->chan, &op, 1, &job), 0);
	/* The fault worker counts the fault before its debug delay. */
	do {
		sleep_ms(5);
		d1 = dev_stats(g->fd);
	} while (d1.faults == d0.faults && now_ns() - t0 < 5 * SEC_NS);
	igt_assert_f(d1.faults > d0.faults, "the job never faulted\n");
}

static void test_close_during_fault(void)
{
	size_t len = 4 * PAGE_SZ;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	int kmsg = kmsg_mark();
	struct gpu g;

	param_require_set("debug_fault_delay_ms", FAULT_DELAY_MS);
	g = gpu_open(0);
	submit_faulting_job(&g, buf, len);
	/* The fault worker holds the address space; the file goes away. */
	close(g.fd);
	sleep_ms(2 * atoi(FAULT_DELAY_MS));
	param_write("debug_fault_delay_ms", "0");

	/* The device still serves another file. */
	g = gpu_open(0);
	cpu_fill(buf, len, 1, STEP);
	assert_gpu_sees(&g, buf, len);
	close(g.fd);
	munmap(buf, len);
	kmsg_assert_clean(kmsg);
}

static void test_exit_during_fault(void)
{
	int kmsg = kmsg_mark();
	struct gpu g;
	pid_t pid;

	param_require_set("debug_fault_delay_ms", FAULT_DELAY_MS);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		size_t len = 4 * PAGE_SZ;
		uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);

		g = gpu_open(0);
		submit_faulting_job(&g, buf, len);
		/* Exit with the fault in flight: the files close here. */
		_exit(CHILD_OK);
	}
	igt_assert_eq(wait_child(pid), CHILD_OK);
	sleep_ms(2 * atoi(FAULT_DELAY_MS));
	param_write("debug_fault_delay_ms", "0");

	g = gpu_open(0);
	{
		uint64_t word = 5;

		assert_gpu_sees(&g, &word, sizeof(word));
	}
	close(g.fd);
	kmsg_assert_clean(kmsg);
}

/* --- secretmem ---------------------------------------------------------- */

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

static void test_secretmem(void)
{
	size_t len = 4 * PAGE_SZ;
	uint64_t sum = POISON, migrated = 0, skipped = 0;
	int kmsg = kmsg_mark();
	uint64_t *buf;
	struct gpu g;
	int fd, ret;

	fd = syscall(SYS_memfd_secret, 0);
	igt_require_f(fd >= 0, "memfd_secret: %s\n", strerror(errno));
	igt_assert_eq(ftruncate(fd, len), 0);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	igt_assert(buf != MAP_FAILED);
	cpu_fill(buf, len, 0x5ec2e7, STEP);

	g = gpu_open(0);
	/* No device reads or writes secret memory: the job fails cleanly. */
	ret = gpu_run(&g, nvsvm_op_checksum(&sum, buf, len));
	igt_assert_f(ret == -EFAULT, "GPU read of secretmem: %d\n", ret);
	igt_assert_eq_u64(sum, POISON);
	ret = gpu_run(&g, nvsvm_op_fill(buf, len, INTRUDER));
	igt_assert_f(ret == -EFAULT, "GPU write of secretmem: %d\n", ret);
	ret = nvsvm_migrate(g.fd, buf, len, TO_VRAM, &migrated, &skipped);
	igt_assert_f(ret == -EFAULT, "MIGRATE of secretmem: %d\n", ret);
	assert_buf(buf, len, 0x5ec2e7, STEP);

	/* The device works on. */
	cpu_fill(&sum, sizeof(sum), 3, 0);
	assert_gpu_sees(&g, &sum, sizeof(sum));
	close(g.fd);
	munmap(buf, len);
	close(fd);
	kmsg_assert_clean(kmsg);
}

/* --- migrate-vs-dontneed ------------------------------------------------ */

#define RACE_LOOPS	6
#define RACE_PAGES	32
#define SECRET		0x5ec2e75ec2e70000ull

struct migrate_thread {
	const struct gpu *g;
	void *buf;
	size_t len;
	int ret;
};

static void *migrate_fn(void *arg)
{
	struct migrate_thread *t = arg;
	uint64_t migrated, skipped;

	t->ret = nvsvm_migrate(t->g->fd, t->buf, t->len, TO_VRAM, &migrated,
			       &skipped);
	return NULL;
}

/*
 * In another process: fill @len bytes with SECRET and move them to VRAM,
 * where they take the VRAM pages just freed.
 */
static void other_process_fills_vram(size_t len)
{
	pid_t pid = fork();

	igt_assert(pid >= 0);
	if (pid == 0) {
		uint64_t *mine = map_anon(len, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE);
		struct gpu o = gpu_open(0);
		uint64_t migrated, skipped;

		cpu_fill(mine, len, SECRET, STEP);
		if (nvsvm_migrate(o.fd, mine, len, TO_VRAM, &migrated,
				  &skipped))
			_exit(CHILD_FAIL);
		/* Keep it in VRAM until the parent has looked. */
		pause();
		_exit(CHILD_OK);
	}
	/* Give it time to migrate. */
	sleep_ms(300);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/*
 * The two windows of a migration to VRAM where the pages' CPU entries are
 * migration entries that MADV_DONTNEED can zap: right after
 * migrate_vma_setup(), and after migrate_vma_pages(), before the GPU
 * mapping. Each loop widens one of them with a debug delay.
 */
static const char *const dontneed_windows[] = {
	"debug_migrate_setup_delay_ms",
	"debug_migrate_delay_ms",
};

static void test_migrate_vs_dontneed(void)
{
	size_t len = RACE_PAGES * PAGE_SZ;
	uint64_t zeroes = zero_checksum(len);
	unsigned int seed = 12;
	int kmsg = kmsg_mark();
	struct gpu g;

	for (size_t i = 0; i < ARRAY_SIZE(dontneed_windows); i++)
		param_require_set(dontneed_windows[i], "0");
	g = gpu_open(0);
	srand(seed);
	for (int loop = 0; loop < RACE_LOOPS; loop++) {
		const char *window = dontneed_windows[loop % 2];
		uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
		struct migrate_thread t = { &g, buf, len, 0 };
		pthread_t thread;
		uint64_t sum;

		cpu_fill(buf, len, SECRET + loop, STEP);
		assert_gpu_sees(&g, buf, len);

		param_write(window, "100");
		igt_assert_eq(pthread_create(&thread, NULL, migrate_fn, &t), 0);
		/* Inside the widened window. */
		sleep_ms(20 + rand() % 40);
		igt_assert_eq(madvise(buf, len, MADV_DONTNEED), 0);
		pthread_join(thread, NULL);
		param_write(window, "0");
		igt_assert_f(!t.ret, "MIGRATE: %d\n", t.ret);

		/* The CPU sees zeroes now; the GPU must see them too. */
		sum = gpu_checksum(&g, buf, len);
		igt_assert_f(sum == zeroes,
			     "loop %d (seed %u, %s): the GPU reads data the CPU dropped\n",
			     loop, seed, window);

		/* And never another process's data through stale PTEs. */
		other_process_fills_vram(len);
		sum = gpu_checksum(&g, buf, len);
		igt_assert_f(sum == zeroes,
			     "loop %d (seed %u, %s): the GPU reads another process's VRAM\n",
			     loop, seed, window);
		assert_buf(buf, len, 0, 0);
		munmap(buf, len);
	}
	close(g.fd);
	kmsg_assert_clean(kmsg);
}

/* --- page-free-race ----------------------------------------------------- */

#define CHURNERS	3
#define CHURN_LOOPS	8

/* Migrate a buffer to VRAM and fault it back, again and again. */
static int churn(int me)
{
	size_t len = SZ_2M;
	uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	uint64_t migrated, skipped, first;
	struct gpu g = { .fd = nvsvm_open_index(nvsvm_igt_dev_first()) };

	if (g.fd < 0 || nvsvm_svm_init(g.fd))
		return CHILD_FAIL;
	for (int loop = 0; loop < CHURN_LOOPS; loop++) {
		first = ((uint64_t)me << 40) + ((uint64_t)loop << 32);
		cpu_fill(buf, len, first, STEP);
		if (nvsvm_migrate(g.fd, buf, len, TO_VRAM, &migrated, &skipped))
			return CHILD_FAIL;
		/* The CPU faults it back; the VRAM pages are freed. */
		for (size_t i = 0; i < len / 8; i++) {
			if (buf[i] != first + i * STEP) {
				fprintf(stderr, "churner %d loop %d word %zu: %#llx\n",
					me, loop, i, (unsigned long long)buf[i]);
				return CHILD_FAIL;
			}
		}
	}
	return CHILD_OK;
}

static void test_page_free_race(void)
{
	uint64_t vram_size, migrated, skipped;
	pid_t pids[CHURNERS];
	int kmsg = kmsg_mark();
	size_t hog_len;
	uint64_t *hog;
	struct gpu g;

	param_require_set("debug_page_free_delay_us", "200");
	g = gpu_open(0);
	igt_assert_eq(nvsvm_getparam(g.fd, DRM_NVSVM_PARAM_VRAM_SIZE,
				     &vram_size), 0);
	/* Fill VRAM, so that every page freed is the next one allocated. */
	hog_len = vram_size - 4 * SZ_2M;
	hog = map_anon(hog_len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	cpu_fill(hog, hog_len, 0x1000000, STEP);
	igt_assert_eq(nvsvm_migrate(g.fd, hog, hog_len, TO_VRAM, &migrated,
				    &skipped), 0);

	for (int i = 0; i < CHURNERS; i++) {
		pids[i] = fork();
		igt_assert(pids[i] >= 0);
		if (pids[i] == 0)
			_exit(churn(i));
	}
	for (int i = 0; i < CHURNERS; i++)
		igt_assert_f(wait_child(pids[i]) == CHILD_OK,
			     "churner %d lost data\n", i);
	param_write("debug_page_free_delay_us", "0");

	assert_buf(hog, hog_len, 0x1000000, STEP);
	close(g.fd);
	munmap(hog, hog_len);
	kmsg_assert_clean(kmsg);
}

/* --- migrate-sigkill ---------------------------------------------------- */

#define KILL_LEN	(256ul << 20)

static void test_migrate_sigkill(void)
{
	int kmsg = kmsg_mark();
	struct sync_pipe s;
	uint64_t t0, t1;
	struct gpu g;
	pid_t pid;

	sync_open(&s, 1);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		uint64_t *big = map_anon(KILL_LEN, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
		uint64_t migrated, skipped;

		sync_as_child(&s, 1, 0);
		g = gpu_open(0);
		memset(big, 0x3c, KILL_LEN);
		sync_post(s.up[1]);
		/* Through all of VRAM several times over: seconds. */
		nvsvm_migrate(g.fd, big, KILL_LEN, TO_VRAM, &migrated,
			      &skipped);
		_exit(CHILD_OK);
	}
	sync_as_parent(&s, 1);
	sync_await(s.up[0]);
	sleep_ms(300);
	t0 = now_ns();
	kill(pid, SIGKILL);
	igt_assert_eq(wait_child(pid), 128 + SIGKILL);
	t1 = now_ns();
	sync_close_parent(&s, 1);
	igt_info("SIGKILL to exit during MIGRATE: %.3f s\n",
		 (t1 - t0) / 1e9);
	/*
	 * The blocks in flight finish, and the exit unmaps 256 MiB: 0.3 s
	 * alone, 1.0 s once beside the tools' lane in make test; the
	 * migration left to itself goes on for seconds more.
	 */
	igt_assert_f(t1 - t0 < 3 * SEC_NS,
		     "a killed MIGRATE took %.3f s to end\n", (t1 - t0) / 1e9);

	/* The device works on. */
	g = gpu_open(0);
	{
		size_t len = SZ_2M;
		uint64_t *buf = map_anon(len, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE);
		uint64_t migrated, skipped;

		cpu_fill(buf, len, 9, STEP);
		igt_assert_eq(nvsvm_migrate(g.fd, buf, len, TO_VRAM, &migrated,
					    &skipped), 0);
		igt_assert_eq_u64(migrated, len / PAGE_SZ);
		assert_gpu_sees(&g, buf, len);
		assert_buf(buf, len, 9, STEP);
		munmap(buf, len);
	}
	close(g.fd);
	kmsg_assert_clean(kmsg);
}

/* --- atomic-pte-mapped-thp ---------------------------------------------- */

#define MTHP_64K	"/sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled"
#define KPF_COMPOUND_TAIL	16

/* Whether the page at @addr is a tail page of a large folio. */
static bool page_is_tail(void *addr)
{
	uint64_t pme, flags = 0;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	int kpf = open("/proc/kpageflags", O_RDONLY);

	igt_assert(pm >= 0 && kpf >= 0);
	igt_assert_eq(pread(pm, &pme, 8, (uintptr_t)addr / PAGE_SZ * 8), 8);
	igt_assert(pme & (1ull << 63));
	igt_assert_eq(pread(kpf, &flags, 8, (pme & ((1ull << 55) - 1)) * 8), 8);
	close(pm);
	close(kpf);
	return flags & (1ull << KPF_COMPOUND_TAIL);
}

static void test_atomic_pte_mapped_thp(void)
{
	char old[64] = "never";
	int kmsg = kmsg_mark();
	size_t len = SZ_64K;
	uint64_t *buf, t0, t1;
	char *raw;
	struct gpu g;
	int fd, ret;

	fd = open(MTHP_64K, O_RDWR);
	igt_require_f(fd >= 0, "no 64 KiB mTHP: %s\n", strerror(errno));
	igt_assert(read(fd, old, sizeof(old) - 1) > 0);
	close(fd);
	write_file(MTHP_64K, "always");

	/* A 64 KiB folio, mapped by PTEs. */
	raw = map_anon(2 * len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	buf = (uint64_t *)(((uintptr_t)raw + len - 1) & ~(len - 1));
	cpu_fill(buf, len, 0x4000, 0);
	igt_require_f(page_is_tail(buf + PAGE_WORDS),
		      "the buffer did not get a 64 KiB folio\n");

	g = gpu_open(0);
	t0 = now_ns();
	ret = gpu_run(&g, nvsvm_op_atomic_add(buf + PAGE_WORDS + 3, 8, 5));
	t1 = now_ns();
	igt_info("GPU atomic on a PTE-mapped 64 KiB folio: %d in %.3f s\n",
		 ret, (t1 - t0) / 1e9);
	igt_assert_f(!ret, "the atomic failed: %s\n", nvsvm_strerror(ret));
	igt_assert_eq_u64(buf[PAGE_WORDS + 3], 0x4005);
	buf[PAGE_WORDS + 3] = 0x4000;
	assert_buf(buf, len, 0x4000, 0);

	close(g.fd);
	munmap(raw, 2 * len);
	old[strcspn(old, "\n")] = 0;
	/* "always [inherit] madvise never": restore the bracketed one. */
	if (strchr(old, '[')) {
		char *v = strchr(old, '[') + 1;

		v[strcspn(v, "]")] = 0;
		write_file(MTHP_64K, v);
	}
	kmsg_assert_clean(kmsg);
}

/* --- vram-exhaustion --------------------------------------------------- */

#define TABLE_SPAN	SZ_2M			/* VA one page table maps */
#define TABLE_HOG_LEN	(2200ul * TABLE_SPAN)	/* 8.6 MiB of page tables */

/*
 * Grow page tables: one GPU write in each 2 MiB of a large sparse range,
 * one page at a time, so that each write costs a page table and a page.
 * Jobs may fail once VRAM is out; returns how many did.
 */
static int grow_page_tables(const struct gpu *g, char *range)
{
	struct drm_nvsvm_op ops[NVSVM_JOB_MAX_OPS];
	size_t n = TABLE_HOG_LEN / TABLE_SPAN, i, k;
	int failed = 0;

	for (i = 0; i < n; i += k) {
		for (k = 0; k < NVSVM_JOB_MAX_OPS && i + k < n; k++)
			ops[k] = nvsvm_op_fill(range + (i + k) * TABLE_SPAN, 8,
					       i + k);
		failed += !!nvsvm_run(g->fd, g->chan, ops, k);
	}
	return failed;
}

/* In another process: SVM_INIT, a GPU fault and a migration to VRAM. */
static int vram_newcomer(void)
{
	size_t len = SZ_2M;
	uint64_t *mine = map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	struct gpu o = { .fd = nvsvm_open_index(nvsvm_igt_dev_first()) };
	uint64_t migrated, skipped;
	int ret;

	ret = o.fd < 0 ? o.fd : nvsvm_svm_init(o.fd);
	if (!ret)
		ret = nvsvm_channel_create(o.fd, &o.chan);
	if (ret) {
		fprintf(stderr, "SVM_INIT or CHANNEL_CREATE: %s\n",
			nvsvm_strerror(ret));
		return CHILD_FAIL;
	}
	cpu_fill(mine, len, 0x77, STEP);
	ret = gpu_run(&o, nvsvm_op_fill(mine, PAGE_SZ, 1));
	if (ret || mine[0] != 1) {
		fprintf(stderr, "GPU fill: %s\n", nvsvm_strerror(ret));
		return CHILD_FAIL;
	}
	ret = nvsvm_migrate(o.fd, mine, len, TO_VRAM, &migrated, &skipped);
	if (ret || !migrated) {
		fprintf(stderr, "MIGRATE: %s, %llu pages\n",
			nvsvm_strerror(ret), (unsigned long long)migrated);
		return CHILD_FAIL;
	}
	return CHILD_OK;
}

static void test_vram_exhaustion(void)
{
	uint64_t vram_size, migrated, skipped;
	char window[16] = "2048";
	struct sync_pipe s;
	size_t hog_len;
	uint64_t *hog;
	char *tables;
	struct gpu g;
	pid_t pid;
	int failed;

	/*
	 * The newcomer is forked first: a fork later would write-protect
	 * the hog's memory, and so unmap it from the GPU and free its page
	 * tables.
	 */
	sync_open(&s, 1);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		sync_as_child(&s, 1, 0);
		sync_await(s.down[0]);
		_exit(vram_newcomer());
	}
	sync_as_parent(&s, 1);

	g = gpu_open(0);
	igt_assert_eq(nvsvm_getparam(g.fd, DRM_NVSVM_PARAM_VRAM_SIZE,
				     &vram_size), 0);

	/* One process moves twice the VRAM there: all chunks can take. */
	hog_len = 2 * vram_size;
	hog = map_anon(hog_len, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	cpu_fill(hog, hog_len, 0x4000000, STEP);
	igt_assert_eq(nvsvm_migrate(g.fd, hog, hog_len, TO_VRAM, &migrated,
				    &skipped), 0);
	igt_info("the hog's data holds %llu MiB of %llu MiB of VRAM\n",
		 (unsigned long long)(dev_stats(g.fd).vram_in_use >> 20),
		 (unsigned long long)(vram_size >> 20));

	/* Then its page tables take the rest, and more: 4 KiB faults. */
	igt_assert(param_read("fault_window_kb", window, sizeof(window)));
	param_write("fault_window_kb", "4");
	tables = mmap(NULL, TABLE_HOG_LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	igt_assert(tables != MAP_FAILED);
	igt_assert_eq(madvise(tables, TABLE_HOG_LEN, MADV_NOHUGEPAGE), 0);
	failed = grow_page_tables(&g, tables);
	param_write("fault_window_kb", window);
	igt_info("page tables: %d of %zu jobs failed for want of VRAM\n",
		 failed, TABLE_HOG_LEN / TABLE_SPAN / NVSVM_JOB_MAX_OPS + 1);

	/* Another process still gets an address space, faults and VRAM. */
	sync_post(s.down[1]);
	igt_assert_f(wait_child(pid) == CHILD_OK,
		     "one process's VRAM starved another's\n");
	sync_close_parent(&s, 1);

	/* The hog lost nothing to the evictions. */
	assert_buf(hog, hog_len, 0x4000000, STEP);
	close(g.fd);
	munmap(tables, TABLE_HOG_LEN);
	munmap(hog, hog_len);
}

/* --- write-fault-window ------------------------------------------------- */

/*
 * A GPU write to one page of a private file mapping must copy that page
 * alone: a page that is not copied keeps showing the file, and sees a
 * later write() to it.
 */
static void test_write_fault_window(void)
{
	size_t len = SZ_2M, i;
	char path[] = "/tmp/nvsvm-wfw-XXXXXX";
	unsigned char *buf, *p;
	struct gpu g;
	int fd;

	fd = mkstemp(path);
	igt_assert(fd >= 0);
	unlink(path);
	buf = malloc(len);
	igt_assert(buf);
	memset(buf, 0x11, len);
	igt_assert_eq(pwrite(fd, buf, len, 0), (ssize_t)len);

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	igt_assert(p != MAP_FAILED);
	/* The CPU maps every page of the file, read-only for now. */
	for (i = 0; i < len; i += PAGE_SZ)
		igt_assert_eq(p[i], 0x11);

	g = gpu_open(0);
	gpu_ok(&g, nvsvm_op_fill(p + 5 * PAGE_SZ, 8, 0x2222222222222222ull));

	/* The file changes under the pages nobody wrote. */
	memset(buf, 0x33, len);
	igt_assert_eq(pwrite(fd, buf, len, 0), (ssize_t)len);
	for (i = 0; i < len; i += PAGE_SZ) {
		unsigned char want = i == 5 * PAGE_SZ ? 0x22 : 0x33;

		igt_assert_f(p[i] == want,
			     "page %zu: %#x, expected %#x: a GPU write to page 5 copied it\n",
			     i / PAGE_SZ, p[i], want);
	}
	close(g.fd);
	munmap(p, len);
	close(fd);
	free(buf);
}

/* --- fault-isolation ---------------------------------------------------- */

#define SLOW_READ_MS	3000
#define TOUCH_SAMPLES	64

/*
 * Mean latency of a GPU first touch: a page the GPU never mapped. The mean,
 * not the median: one touch stuck behind another process's fault must
 * count. It is timed over all the touches at once, since the guest's
 * clock ticks in milliseconds: the error of two readings stays small next
 * to the whole.
 */
static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t first_touch_ns(const struct gpu *g)
{
	/* One page per VMA, PROT_NONE between: each touch faults alone. */
	size_t len = 2 * TOUCH_SAMPLES * PAGE_SZ;
	char *region = map_anon(len, PROT_NONE, MAP_PRIVATE);
	uint64_t *p[TOUCH_SAMPLES], t0, t1;
	int i;

	for (i = 0; i < TOUCH_SAMPLES; i++) {
		p[i] = (uint64_t *)(region + 2 * i * PAGE_SZ);
		igt_assert_eq(mprotect(p[i], PAGE_SZ, PROT_READ | PROT_WRITE),
			      0);
		p[i][0] = i;	/* populated: only the GPU's fault is timed */
	}
	t0 = now_ns();
	for (i = 0; i < TOUCH_SAMPLES; i++)
		gpu_ok(g, nvsvm_op_fill(p[i], 8, i + 1));
	t1 = now_ns();
	for (i = 0; i < TOUCH_SAMPLES; i++)
		igt_assert_eq_u64(p[i][0], i + 1);
	munmap(region, len);
	return (t1 - t0) / TOUCH_SAMPLES;
}

static void test_fault_isolation(void)
{
	size_t len = 4 * PAGE_SZ;
	uint64_t base, loaded, after, unloaded, t0;
	struct drm_nvsvm_stats d0, d1;
	int ret, status = 0;
	struct slow_fuse f;
	struct sync_pipe s;
	bool pending;
	struct gpu g;
	pid_t pid;

	/* Before any SVM state: the server is a fork of this process. */
	ret = slow_fuse_mount(&f, len, SLOW_READ_MS);
	igt_require_f(ret != -ENODEV, "no FUSE\n");
	igt_assert_f(!ret, "FUSE mount: %s\n", strerror(-ret));

	g = gpu_open(0);
	first_touch_ns(&g);	/* warm-up: the page tables, the caches */
	base = first_touch_ns(&g);

	sync_open(&s, 1);
	d0 = dev_stats(g.fd);
	pid = fork();
	igt_assert(pid >= 0);
	if (pid == 0) {
		uint64_t sum = 0, want;
		unsigned char *p, *copy;
		struct gpu a;
		int fd;

		sync_as_child(&s, 1, 0);
		fd = open(f.path, O_RDONLY);
		p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
		copy = malloc(PAGE_SZ);
		if (fd < 0 || p == MAP_FAILED || !copy)
			_exit(CHILD_FAIL);
		for (size_t i = 0; i < PAGE_SZ; i++)
			copy[i] = slow_fuse_byte(i);
		want = nvsvm_checksum(copy, PAGE_SZ);
		a = gpu_open(0);
		sync_post(s.up[1]);
		/* The GPU's fault waits for the slow read of the page. */
		t0 = now_ns();
		ret = gpu_run(&a, nvsvm_op_checksum(&sum, p, PAGE_SZ));
		fprintf(stderr, "the slow GPU read took %.3f s\n",
			(now_ns() - t0) / 1e9);
		_exit(!ret && sum == want ? CHILD_OK : CHILD_FAIL);
	}
	sync_as_parent(&s, 1);
	sync_await(s.up[0]);
	/* Wait for the slow fault to be in service. */
	t0 = now_ns();
	do {
		sleep_ms(10);
		d1 = dev_stats(g.fd);
	} while (d1.faults == d0.faults && now_ns() - t0 < 5 * SEC_NS);
	igt_assert_f(d1.faults > d0.faults, "the slow job never faulted\n");
	sleep_ms(100);

	loaded = first_touch_ns(&g);
	/* The measure counts only if the slow fault was pending throughout. */
	pending = waitpid(pid, &status, WNOHANG) == 0;
	if (pending)
		igt_assert_eq(waitpid(pid, &status, 0), pid);
	/* Unloaded again, once it is over: the larger is the reference. */
	after = first_touch_ns(&g);
	unloaded = max_u64(base, after);
	igt_info("GPU first touch, mean of %d: %.3f and %.3f ms alone, %.3f ms while another process's fault waits %d ms on FUSE (%.2fx)\n",
		 TOUCH_SAMPLES, base / 1e6, after / 1e6, loaded / 1e6,
		 SLOW_READ_MS, (double)loaded / unloaded);
	igt_assert_f(loaded <= 2 * unloaded,
		     "another process's slow fault held this one up: %.3f ms against %.3f ms\n",
		     loaded / 1e6, unloaded / 1e6);
	igt_assert_f(pending, "the slow job ended before the measure did\n");
	igt_assert_f(WIFEXITED(status) && WEXITSTATUS(status) == CHILD_OK,
		     "the slow process's GPU read failed\n");
	sync_close_parent(&s, 1);
	close(g.fd);
	slow_fuse_unmount(&f);
}

igt_main
{
	igt_describe("A child that inherits the fd over fork() cannot run GPU jobs, migrate or advise on the parent's address space.");
	igt_subtest("fd-after-fork")
		test_fd_after_fork();

	igt_describe("A new address space never reads through the GPU translations of a freed one.");
	igt_subtest("tlb-new-address-space")
		test_tlb_new_address_space();

	igt_describe("A process that receives the fd over SCM_RIGHTS cannot reach the sender's memory.");
	igt_subtest("fd-over-socket")
		test_fd_over_socket();

	igt_describe("Closing the file while the fault worker services its fault leaves nothing freed in use.");
	igt_subtest("close-during-fault")
		test_close_during_fault();

	igt_describe("A process exits while its GPU fault is in flight; nothing freed stays in use.");
	igt_subtest("exit-during-fault")
		test_exit_during_fault();

	igt_describe("memfd_secret memory never reaches the GPU: jobs fail with -EFAULT, MIGRATE too, with no oops.");
	igt_subtest("secretmem")
		test_secretmem();

	igt_describe("MADV_DONTNEED in the middle of a migration to VRAM leaves no GPU mapping of the freed VRAM.");
	igt_subtest("migrate-vs-dontneed")
		test_migrate_vs_dontneed();

	igt_describe("Processes migrating and faulting back through a full VRAM: a page freed and reallocated at once keeps its new owner's data.");
	igt_subtest("page-free-race")
		test_page_free_race();

	igt_describe("SIGKILL ends a large MIGRATE in well under a second, and the device works on.");
	igt_subtest("migrate-sigkill")
		test_migrate_sigkill();

	igt_describe("One process holding all the VRAM it can, with its data and then its page tables, does not keep another from SVM_INIT, GPU faults and migration.");
	igt_subtest("vram-exhaustion")
		test_vram_exhaustion();

	igt_describe("A GPU write faults in for write only the page it writes, not its whole fault window.");
	igt_subtest("write-fault-window")
		test_write_fault_window();

	igt_describe("One process's GPU fault that waits on a slow FUSE read does not hold up another process's GPU faults.");
	igt_subtest("fault-isolation")
		test_fault_isolation();

	igt_describe("A GPU atomic on a PTE-mapped large folio succeeds, and at once.");
	igt_subtest("atomic-pte-mapped-thp")
		test_atomic_pte_mapped_thp();
}
