// SPDX-License-Identifier: MIT
/*
 * A program that uses an installed libnvsvm the way a user would, built
 * by scripts/libnvsvm-user.sh with nothing but the installed pkg-config
 * file. It needs no nvsvm device: it calls what works without one and
 * checks that the rest fails cleanly.
 *
 * Copyright 2026 The nvsvm authors
 */
#include <errno.h>
#include <stdio.h>

#include <nvsvm.h>

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "libnvsvm-user: %s: %d: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		return 1;						\
	}								\
} while (0)

int main(void)
{
	static uint64_t buf[64];
	struct nvsvm_job_builder jb;
	uint64_t h = NVSVM_CHECKSUM_BASIS;
	unsigned int i;
	int n;

	/* The job builder and the uAPI's structures, from both headers. */
	nvsvm_job_builder_init(&jb);
	CHECK(nvsvm_job_add_fill(&jb, buf, sizeof(buf), 7) == 0);
	CHECK(jb.count == 1 && jb.error == 0);
	CHECK(jb.ops[0].opcode == DRM_NVSVM_OP_FILL);
	CHECK(nvsvm_job_add_fill(&jb, (char *)buf + 1, 8, 7) == -EINVAL);

	/* The library's checksum against the header's definition of it. */
	for (i = 0; i < 64; i++) {
		buf[i] = i * 0x9e3779b97f4a7c15ull;
		h = (h ^ buf[i]) * NVSVM_CHECKSUM_PRIME;
	}
	CHECK(nvsvm_checksum(buf, sizeof(buf)) == h);

	/* libdrm at run time: /dev/null is no nvsvm device. */
	CHECK(nvsvm_open_path("/dev/null") == -ENODEV);
	CHECK(nvsvm_open_path("/nonexistent/nvsvm") == -ENOENT);
	n = nvsvm_count_devices();
	CHECK(n >= 0);
	CHECK(nvsvm_strerror(-ENODEV) != NULL);

	printf("libnvsvm-user: uAPI %d, %d nvsvm device(s), ENODEV: %s\n",
	       NVSVM_UAPI_VERSION, n, nvsvm_strerror(-ENODEV));
	return 0;
}
