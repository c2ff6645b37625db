// SPDX-License-Identifier: MIT
/*
 * Copyright 2026 The nvsvm authors
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "nvsvm_igt_svm.h"

IGT_TEST_DESCRIPTION("libnvsvm: errors, the job builder and the corruption hook");

#define WORDS		(2 * PAGE_SZ / 8)

/* Device 0, bound to the test process. */
static struct gpu dev0 = { .fd = -1 };

static void test_errors(void)
{
	struct drm_nvsvm_getparam param = {
		.param = DRM_NVSVM_PARAM_CHIPSET,
	};
	int pipefd[2];

	/* Through nvsvm_ioctl() as is: the kernel's errno, negated. */
	igt_assert_eq(nvsvm_ioctl(dev0.fd, DRM_IOCTL_NVSVM_GETPARAM, &param), 0);
	igt_assert_eq_u64(param.value, 0x130);
	param.pad = 1;
	igt_assert_eq(nvsvm_ioctl(dev0.fd, DRM_IOCTL_NVSVM_GETPARAM, &param),
		      -EINVAL);
	/* An ioctl number past the driver's last. */
	igt_assert_eq(nvsvm_ioctl(dev0.fd,
				  DRM_IOWR(DRM_COMMAND_BASE + 0x3f,
					   struct drm_nvsvm_getparam), &param),
		      -EINVAL);
	igt_assert_eq(pipe(pipefd), 0);
	igt_assert_eq(nvsvm_ioctl(pipefd[0], DRM_IOCTL_NVSVM_GETPARAM, &param),
		      -ENOTTY);
	close(pipefd[0]);
	close(pipefd[1]);
	igt_assert_eq(nvsvm_ioctl(-1, DRM_IOCTL_NVSVM_GETPARAM, &param), -EBADF);

	/* Opening what is not an nvsvm render node. */
	igt_assert_eq(nvsvm_open_path("/nonexistent/renderD128"), -ENOENT);
	igt_assert_eq(nvsvm_open_path("/dev/null"), -ENODEV);
	igt_assert_eq(nvsvm_open_index(1000), -ENODEV);

	for (int err = 1; err < 140; err++) {
		const char *msg = nvsvm_strerror(-err);

		igt_assert(msg && *msg);
	}
	igt_assert(strstr(nvsvm_strerror(-E2BIG), "operations"));
}

/* The operations of @jb are @count chunks of @op, split as documented. */
static void assert_split(const struct nvsvm_job_builder *jb,
			 struct drm_nvsvm_op op, unsigned int count)
{
	uint64_t off = 0;

	igt_assert_eq(jb->count, count);
	igt_assert_eq(jb->error, 0);
	for (unsigned int i = 0; i < count; i++) {
		const struct drm_nvsvm_op *o = &jb->ops[i];
		uint64_t len = op.len - off < NVSVM_OP_MAX_LEN ? op.len - off :
								  NVSVM_OP_MAX_LEN;

		igt_assert_eq(o->opcode, op.opcode);
		igt_assert_eq_u64(o->len, len);
		igt_assert_eq_u64(o->imm, op.imm);
		igt_assert_eq_u64(o->dst, op.dst + off);
		igt_assert_eq_u64(o->src0, op.src0 ? op.src0 + off : 0);
		igt_assert_eq_u64(o->src1, op.src1 ? op.src1 + off : 0);
		off += len;
	}
	igt_assert_eq_u64(off, op.len);
}

/* Building: checks, splits and limits, without the GPU. */
static void builder_checks(void)
{
	/* Address space only: none of it is touched. */
	const size_t big = 2 * NVSVM_OP_MAX_LEN + 16;
	char *va = map_anon(3 * big, PROT_NONE, MAP_PRIVATE | MAP_NORESERVE);
	uint64_t *a = (uint64_t *)va, *b = (uint64_t *)(va + big),
		 *c = (uint64_t *)(va + 2 * big);
	struct drm_nvsvm_stats before, after;
	struct nvsvm_job_builder jb;
	uint64_t job = 0, sum;

	nvsvm_job_builder_init(&jb);
	igt_assert_eq(nvsvm_job_add_fill(&jb, a, big, 7), 0);
	assert_split(&jb, nvsvm_op_fill(a, big, 7), 3);

	nvsvm_job_builder_init(&jb);
	igt_assert_eq(nvsvm_job_add_copy(&jb, a, b, big), 0);
	assert_split(&jb, nvsvm_op_copy(a, b, big), 3);

	nvsvm_job_builder_init(&jb);
	igt_assert_eq(nvsvm_job_add_atomic_add(&jb, a, big, 2), 0);
	assert_split(&jb, nvsvm_op_atomic_add(a, big, 2), 3);

	nvsvm_job_builder_init(&jb);
	igt_assert_eq(nvsvm_job_add_triad(&jb, a, b, c, big, 9), 0);
	assert_split(&jb, nvsvm_op_triad(a, b, c, big, 9), 3);

	/* What the kernel would reject, the builder rejects first. */
	nvsvm_job_builder_init(&jb);
	igt_assert_eq(nvsvm_job_add_fill(&jb, va + 4, 8, 0), -EINVAL);
	igt_assert_eq(nvsvm_job_add_fill(&jb, a, 0, 0), -EINVAL);
	igt_assert_eq(nvsvm_job_add_fill(&jb, a, 12, 0), -EINVAL);
	igt_assert_eq(nvsvm_job_add_copy(&jb, a, va + 2, 8), -EINVAL);
	igt_assert_eq(nvsvm_job_add_triad(&jb, a, b, (uint64_t *)(va + 1), 8, 1),
		      -EINVAL);
	igt_assert_eq(nvsvm_job_add_checksum(&jb, &sum, a,
					     NVSVM_OP_MAX_LEN + 8), -EINVAL);
	igt_assert_eq(nvsvm_job_add_checksum(&jb, &sum, a, NVSVM_OP_MAX_LEN), 0);
	igt_assert_eq(jb.count, 1);
	/* The first error sticks, and the job is never submitted. */
	igt_assert_eq(jb.error, -EINVAL);
	before = gpu_stats(&dev0);
	igt_assert_eq(nvsvm_job_builder_submit(dev0.fd, dev0.chan, &jb, &job),
		      -EINVAL);
	igt_assert_eq(nvsvm_job_builder_run(dev0.fd, dev0.chan, &jb), -EINVAL);
	nvsvm_job_builder_init(&jb);
	igt_assert_eq(nvsvm_job_builder_submit(dev0.fd, dev0.chan, &jb, &job),
		      -EINVAL);
	after = gpu_stats(&dev0);
	igt_assert_eq_u64(after.jobs, before.jobs);
	igt_assert_eq_u64(job, 0);

	/* Full: nothing more fits, and a split op fits whole or not at all. */
	for (int i = 0; i < NVSVM_JOB_MAX_OPS - 1; i++)
		igt_assert_eq(nvsvm_job_add_fill(&jb, a + i, 8, i), 0);
	igt_assert_eq(nvsvm_job_add_fill(&jb, a, NVSVM_OP_MAX_LEN + 8, 1),
		      -E2BIG);
	igt_assert_eq(jb.count, NVSVM_JOB_MAX_OPS - 1);
	igt_assert_eq(nvsvm_job_add_fill(&jb, a, 8, 1), 0);
	igt_assert_eq(nvsvm_job_add(&jb, &jb.ops[0]), -E2BIG);
	igt_assert_eq(jb.count, NVSVM_JOB_MAX_OPS);
	igt_assert_eq(jb.error, -E2BIG);
	munmap(va, 3 * big);
}

/* Running: a job of every operation, then the builder reused. */
static void builder_runs(void)
{
	uint64_t *a = map_anon(4 * WORDS * 8, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE);
	uint64_t *b = a + WORDS, *c = b + WORDS, *d = c + WORDS;
	const size_t len = WORDS * 8;
	struct nvsvm_job_builder jb;
	uint64_t sum = POISON, job = 0;
	int status = 1;

	nvsvm_job_builder_init(&jb);
	nvsvm_job_add_fill(&jb, b, len, 0x1111);
	nvsvm_job_add_fill(&jb, c, len, 0x22);
	nvsvm_job_add_copy(&jb, d, b, len);
	nvsvm_job_add_triad(&jb, a, d, c, len, 5);
	nvsvm_job_add_atomic_add(&jb, a, len, 1);
	nvsvm_job_add_checksum(&jb, &sum, a, len);
	igt_assert_eq(jb.count, 6);
	igt_assert_eq(nvsvm_job_builder_run(dev0.fd, dev0.chan, &jb), 0);
	assert_buf(b, len, 0x1111, 0);
	assert_buf(c, len, 0x22, 0);
	assert_buf(d, len, 0x1111, 0);
	assert_buf(a, len, 0x1111 + 5 * 0x22 + 1, 0);
	igt_assert_eq_u64(sum, nvsvm_checksum(a, len));

	/* The kernel copied the job: the builder is free again at once. */
	nvsvm_job_builder_init(&jb);
	nvsvm_job_add_fill(&jb, d, len, 0xd0);
	igt_assert_eq(nvsvm_job_builder_submit(dev0.fd, dev0.chan, &jb, &job), 0);
	nvsvm_job_builder_init(&jb);
	nvsvm_job_add_fill(&jb, d, len / 2, 0xd1);
	igt_assert_eq(nvsvm_job_builder_run(dev0.fd, dev0.chan, &jb), 0);
	igt_assert_eq(nvsvm_job_wait(dev0.fd, job, 60 * SEC_NS, &status), 0);
	igt_assert_eq(status, 0);
	assert_buf(d, len / 2, 0xd1, 0);
	assert_buf(d + WORDS / 2, len / 2, 0xd0, 0);
	munmap(a, 4 * len);
}

/* Run a triad job, plus @extra fills, with the hook as it is. */
static void run_triad(uint64_t *a, uint64_t *b, uint64_t *c, size_t len,
		      unsigned int extra)
{
	struct nvsvm_job_builder jb;

	nvsvm_job_builder_init(&jb);
	nvsvm_job_add_triad(&jb, a, b, c, len, 7);
	for (unsigned int i = 0; i < extra; i++)
		nvsvm_job_add_fill(&jb, b, 8, 0x1000);
	igt_assert_eq(nvsvm_job_builder_run(dev0.fd, dev0.chan, &jb), 0);
}

/* a[] holds b + 7 * c but for word @bad, which is one more. */
static void assert_triad(const uint64_t *a, size_t words, size_t bad)
{
	for (size_t i = 0; i < words; i++)
		igt_assert_f(a[i] == 0x1000 + 7 * (0x20 + i) + (i == bad),
			     "a[%zu] = %#llx\n", i, (unsigned long long)a[i]);
}

static void test_debug_corrupt(void)
{
	uint64_t *a = map_anon(3 * WORDS * 8, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE);
	uint64_t *b = a + WORDS, *c = b + WORDS;
	const size_t len = WORDS * 8;
	struct nvsvm_job_builder jb;

	cpu_fill(b, len, 0x1000, 0);
	cpu_fill(c, len, 0x20, 1);

	nvsvm_debug_corrupt(-1);
	igt_assert_eq(nvsvm_debug_corrupt_word(), -1);
	run_triad(a, b, c, len, 0);
	assert_triad(a, WORDS, WORDS);

	/* Word 3, off by one, however many times it runs. */
	nvsvm_debug_corrupt(3);
	igt_assert_eq(nvsvm_debug_corrupt_word(), 3);
	run_triad(a, b, c, len, 0);
	assert_triad(a, WORDS, 3);
	run_triad(a, b, c, len, 0);
	assert_triad(a, WORDS, 3);

	/* Past the end: the last word. */
	nvsvm_debug_corrupt(1ll << 40);
	run_triad(a, b, c, len, 0);
	assert_triad(a, WORDS, WORDS - 1);

	/* A job without a triad, and a full job, are left alone. */
	nvsvm_debug_corrupt(0);
	nvsvm_job_builder_init(&jb);
	nvsvm_job_add_fill(&jb, a, len, 0xf111);
	igt_assert_eq(nvsvm_job_builder_run(dev0.fd, dev0.chan, &jb), 0);
	assert_buf(a, len, 0xf111, 0);
	run_triad(a, b, c, len, NVSVM_JOB_MAX_OPS - 1);
	assert_triad(a, WORDS, WORDS);

	nvsvm_debug_corrupt(-1);
	run_triad(a, b, c, len, 0);
	assert_triad(a, WORDS, WORDS);
	munmap(a, 3 * len);
}

igt_main
{
	igt_fixture {
		dev0 = gpu_open(0);
	}

	igt_describe("Library calls fail with the negative errno, and describe it.");
	igt_subtest("errors")
		test_errors();

	igt_describe("The job builder checks, splits and limits operations, and its jobs run.");
	igt_subtest("job-builder") {
		builder_checks();
		builder_runs();
	}

	igt_describe("The corruption hook makes the GPU add 1 to one word of a triad's result.");
	igt_subtest("debug-corrupt")
		test_debug_corrupt();

	igt_fixture {
		nvsvm_debug_corrupt(-1);
		close(dev0.fd);
	}
}
