// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * KUnit tests for what the migrations of nvsvm_dmem.c share between GPUs.
 *
 * Copyright 2026 The nvsvm authors
 */

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/workqueue.h>

#include "nvsvm_dmem.h"
#include "nvsvm_svm.h"

/* More address spaces than any table of gates a driver might hash into. */
#define NVSVM_TEST_MMS	65

struct nvsvm_gate_work {
	struct work_struct work;
	struct nvsvm_svmm svmm;
	struct completion done;
};

static void nvsvm_gate_work_fn(struct work_struct *work)
{
	struct nvsvm_gate_work *w = container_of(work, typeof(*w), work);

	nvsvm_dmem_migrations_block(&w->svmm);
	nvsvm_dmem_migrations_unblock(&w->svmm, 0);
	complete(&w->done);
}

/*
 * A GPU fault that blocks the migrations of its address space blocks no
 * other's: with the migrations of each address space blocked in turn,
 * blocking those of every other one does not wait. The address spaces are
 * keys only, never dereferenced, and each SVMM has only what the gate
 * uses. The works are flushed only once the
 * migrations are unblocked: lockdep has one class for every gate.
 */
static void nvsvm_test_gate_per_mm(struct kunit *test)
{
	struct nvsvm_gate_work *w;
	struct mm_struct **mms;
	unsigned int i, j, waited = 0;

	mms = kunit_kcalloc(test, NVSVM_TEST_MMS, sizeof(*mms), GFP_KERNEL);
	w = kunit_kcalloc(test, NVSVM_TEST_MMS, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, mms);
	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < NVSVM_TEST_MMS; i++) {
		mms[i] = kunit_kzalloc(test, 64, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, mms[i]);
		w[i].svmm.mm = mms[i];
		w[i].svmm.dmm = nvsvm_dmem_mm_get(mms[i]);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w[i].svmm.dmm);
		INIT_WORK(&w[i].work, nvsvm_gate_work_fn);
	}

	for (i = 0; i < NVSVM_TEST_MMS && !waited; i++) {
		nvsvm_dmem_migrations_block(&w[i].svmm);
		for (j = 0; j < NVSVM_TEST_MMS; j++) {
			if (j == i)
				continue;
			init_completion(&w[j].done);
			queue_work(system_unbound_wq, &w[j].work);
		}
		for (j = 0; j < NVSVM_TEST_MMS; j++) {
			if (j == i ||
			    wait_for_completion_timeout(&w[j].done,
							msecs_to_jiffies(200)))
				continue;
			kunit_info(test, "blocking address space %u waits for address space %u\n",
				   j, i);
			waited++;
		}
		nvsvm_dmem_migrations_unblock(&w[i].svmm, 0);
		for (j = 0; j < NVSVM_TEST_MMS; j++)
			flush_work(&w[j].work);
	}
	for (i = 0; i < NVSVM_TEST_MMS; i++)
		nvsvm_dmem_mm_put(w[i].svmm.dmm);
	KUNIT_EXPECT_EQ(test, waited, 0);
}

/*
 * The SVMMs of one address space on every GPU share its state, which
 * lasts as long as the last of them: blocking through one blocks the
 * other's migrations. kmemleak sees a state that is never freed.
 */
static void nvsvm_test_gate_shared(struct kunit *test)
{
	struct mm_struct *mm = kunit_kzalloc(test, 64, GFP_KERNEL);
	struct nvsvm_svmm *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct nvsvm_svmm *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct nvsvm_dmem_mm *first;

	KUNIT_ASSERT_NOT_NULL(test, mm);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	a->mm = mm;
	b->mm = mm;
	a->dmm = nvsvm_dmem_mm_get(mm);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a->dmm);
	b->dmm = nvsvm_dmem_mm_get(mm);
	KUNIT_EXPECT_PTR_EQ(test, a->dmm, b->dmm);
	first = a->dmm;

	nvsvm_dmem_migrations_block(a);
	KUNIT_EXPECT_FALSE(test, down_read_trylock(&b->dmm->gate));
	nvsvm_dmem_migrations_unblock(a, 0);

	/* The first put leaves it to the other GPU's SVMM. */
	nvsvm_dmem_mm_put(a->dmm);
	a->dmm = nvsvm_dmem_mm_get(mm);
	KUNIT_EXPECT_PTR_EQ(test, a->dmm, first);
	nvsvm_dmem_mm_put(a->dmm);
	nvsvm_dmem_mm_put(b->dmm);
}

static struct kunit_case nvsvm_dmem_test_cases[] = {
	KUNIT_CASE(nvsvm_test_gate_per_mm),
	KUNIT_CASE(nvsvm_test_gate_shared),
	{}
};

static struct kunit_suite nvsvm_dmem_test_suite = {
	.name = "nvsvm_dmem",
	.test_cases = nvsvm_dmem_test_cases,
};

kunit_test_suite(nvsvm_dmem_test_suite);
