// SPDX-License-Identifier: MIT
/*
 * libnvsvm: the job builder.
 *
 * Copyright 2026 The nvsvm authors
 */
#include <errno.h>
#include <stdbool.h>

#include "nvsvm.h"

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

int nvsvm_job_builder_submit(int fd, uint32_t channel,
			     const struct nvsvm_job_builder *jb,
			     uint64_t *job)
{
	if (jb->error)
		return jb->error;
	if (!jb->count)
		return -EINVAL;
	return nvsvm_job_submit(fd, channel, jb->ops, jb->count, job);
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
