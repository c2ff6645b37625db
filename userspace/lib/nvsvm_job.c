// SPDX-License-Identifier: MIT
/*
 * libnvsvm: the job builder and the corruption hook.
 *
 * Copyright 2026 The nvsvm authors
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvsvm.h"

/* The word the corrupting triad reads: a[n] = a[n] + 1 * nvsvm_one. */
static const uint64_t nvsvm_one = 1;

static struct {
	bool known;		/* @word is set: from the environment or a call */
	bool told;		/* the hook announced itself on stderr */
	bool warned_full;	/* a full job was left alone, and we said so */
	long long word;		/* -1: off */
} nvsvm_corrupt = { .word = -1 };

void nvsvm_job_builder_init(struct nvsvm_job_builder *jb)
{
	jb->count = 0;
	jb->error = 0;
}

/* Remember the first error of the job; return @err. */
static int nvsvm_job_fail(struct nvsvm_job_builder *jb, int err)
{
	if (!jb->error)
		jb->error = err;
	return err;
}

int nvsvm_job_add(struct nvsvm_job_builder *jb, const struct drm_nvsvm_op *op)
{
	if (jb->count >= NVSVM_JOB_MAX_OPS)
		return nvsvm_job_fail(jb, -E2BIG);
	jb->ops[jb->count++] = *op;
	return 0;
}

static bool nvsvm_aligned(const void *p)
{
	return !((uintptr_t)p % sizeof(uint64_t));
}

/*
 * Append @op as operations of at most NVSVM_OP_MAX_LEN bytes each, whose
 * array operands advance with the chunk. All or nothing: on an error, the
 * job is unchanged.
 */
static int nvsvm_job_add_split(struct nvsvm_job_builder *jb,
			       struct drm_nvsvm_op op)
{
	uint64_t len = op.len, off, chunks;

	if (!len || len % sizeof(uint64_t))
		return nvsvm_job_fail(jb, -EINVAL);
	chunks = (len + NVSVM_OP_MAX_LEN - 1) / NVSVM_OP_MAX_LEN;
	if (chunks > NVSVM_JOB_MAX_OPS - jb->count)
		return nvsvm_job_fail(jb, -E2BIG);

	for (off = 0; off < len; off += NVSVM_OP_MAX_LEN) {
		struct drm_nvsvm_op *chunk = &jb->ops[jb->count++];

		*chunk = op;
		chunk->len = len - off < NVSVM_OP_MAX_LEN ? len - off :
							    NVSVM_OP_MAX_LEN;
		chunk->dst += off;
		if (op.opcode == DRM_NVSVM_OP_COPY ||
		    op.opcode == DRM_NVSVM_OP_TRIAD)
			chunk->src0 += off;
		if (op.opcode == DRM_NVSVM_OP_TRIAD)
			chunk->src1 += off;
	}
	return 0;
}

int nvsvm_job_add_fill(struct nvsvm_job_builder *jb, void *dst, size_t len,
		       uint64_t value)
{
	if (!nvsvm_aligned(dst))
		return nvsvm_job_fail(jb, -EINVAL);
	return nvsvm_job_add_split(jb, nvsvm_op_fill(dst, len, value));
}

int nvsvm_job_add_copy(struct nvsvm_job_builder *jb, void *dst,
		       const void *src, size_t len)
{
	if (!nvsvm_aligned(dst) || !nvsvm_aligned(src))
		return nvsvm_job_fail(jb, -EINVAL);
	return nvsvm_job_add_split(jb, nvsvm_op_copy(dst, src, len));
}

int nvsvm_job_add_checksum(struct nvsvm_job_builder *jb, uint64_t *result,
			   const void *src, size_t len)
{
	struct drm_nvsvm_op op = nvsvm_op_checksum(result, src, len);

	if (!nvsvm_aligned(result) || !nvsvm_aligned(src) || !len ||
	    len % sizeof(uint64_t) || len > NVSVM_OP_MAX_LEN)
		return nvsvm_job_fail(jb, -EINVAL);
	return nvsvm_job_add(jb, &op);
}

int nvsvm_job_add_atomic_add(struct nvsvm_job_builder *jb, uint64_t *dst,
			     size_t len, uint64_t addend)
{
	if (!nvsvm_aligned(dst))
		return nvsvm_job_fail(jb, -EINVAL);
	return nvsvm_job_add_split(jb, nvsvm_op_atomic_add(dst, len, addend));
}

int nvsvm_job_add_triad(struct nvsvm_job_builder *jb, uint64_t *a,
			const uint64_t *b, const uint64_t *c, size_t len,
			uint64_t scalar)
{
	if (!nvsvm_aligned(a) || !nvsvm_aligned(b) || !nvsvm_aligned(c))
		return nvsvm_job_fail(jb, -EINVAL);
	return nvsvm_job_add_split(jb, nvsvm_op_triad(a, b, c, len, scalar));
}

void nvsvm_debug_corrupt(long long word)
{
	nvsvm_corrupt.word = word < 0 ? -1 : word;
	nvsvm_corrupt.known = true;
	nvsvm_corrupt.told = false;
}

long long nvsvm_debug_corrupt_word(void)
{
	const char *env;
	char *end;

	if (nvsvm_corrupt.known)
		return nvsvm_corrupt.word;
	nvsvm_corrupt.known = true;
	env = getenv(NVSVM_DEBUG_CORRUPT_ENV);
	if (!env || !*env)
		return nvsvm_corrupt.word;

	errno = 0;
	nvsvm_corrupt.word = strtoll(env, &end, 0);
	if (errno || *end || nvsvm_corrupt.word < 0) {
		fprintf(stderr, "libnvsvm: ignoring %s=%s: not a word index\n",
			NVSVM_DEBUG_CORRUPT_ENV, env);
		nvsvm_corrupt.word = -1;
	}
	return nvsvm_corrupt.word;
}

/*
 * The corruption hook: the operation that adds 1 to word @word of the
 * destination of the last triad of @ops, or false when there is no triad.
 */
static bool nvsvm_corrupt_op(const struct drm_nvsvm_op *ops,
			     unsigned int count, long long word,
			     struct drm_nvsvm_op *op)
{
	const struct drm_nvsvm_op *triad = NULL;
	uint64_t words, dst;
	unsigned int i;

	for (i = 0; i < count; i++)
		if (ops[i].opcode == DRM_NVSVM_OP_TRIAD)
			triad = &ops[i];
	if (!triad)
		return false;

	words = triad->len / sizeof(uint64_t);
	dst = triad->dst + ((uint64_t)word < words ? (uint64_t)word :
						    words - 1) * sizeof(uint64_t);
	*op = (struct drm_nvsvm_op) {
		.opcode = DRM_NVSVM_OP_TRIAD,
		.dst = dst,
		.src0 = dst,
		.src1 = (uintptr_t)&nvsvm_one,
		.len = sizeof(uint64_t),
		.imm = 1,
	};
	return true;
}

int nvsvm_job_builder_submit(int fd, uint32_t channel,
			     const struct nvsvm_job_builder *jb,
			     uint64_t *job)
{
	struct drm_nvsvm_op ops[NVSVM_JOB_MAX_OPS], bad;
	long long word = nvsvm_debug_corrupt_word();

	if (jb->error)
		return jb->error;
	if (!jb->count)
		return -EINVAL;
	if (word < 0 || !nvsvm_corrupt_op(jb->ops, jb->count, word, &bad))
		return nvsvm_job_submit(fd, channel, jb->ops, jb->count, job);

	if (jb->count == NVSVM_JOB_MAX_OPS) {
		if (!nvsvm_corrupt.warned_full)
			fprintf(stderr, "libnvsvm: %s: a job of %u operations has no room for the corrupting one; submitted unchanged\n",
				NVSVM_DEBUG_CORRUPT_ENV, jb->count);
		nvsvm_corrupt.warned_full = true;
		return nvsvm_job_submit(fd, channel, jb->ops, jb->count, job);
	}
	if (!nvsvm_corrupt.told)
		fprintf(stderr, "libnvsvm: %s=%lld: the GPU adds 1 to word %lld of the last triad destination of every job\n",
			NVSVM_DEBUG_CORRUPT_ENV, word, word);
	nvsvm_corrupt.told = true;

	/* The job's operations, then the corrupting one. */
	memcpy(ops, jb->ops, jb->count * sizeof(ops[0]));
	ops[jb->count] = bad;
	return nvsvm_job_submit(fd, channel, ops, jb->count + 1, job);
}

int nvsvm_job_builder_run(int fd, uint32_t channel,
			  const struct nvsvm_job_builder *jb)
{
	uint64_t job = 0;
	int ret, status = 0;

	ret = nvsvm_job_builder_submit(fd, channel, jb, &job);
	if (!ret)
		ret = nvsvm_job_wait(fd, job, NVSVM_RUN_TIMEOUT_NS, &status);
	return ret ? ret : status;
}
