/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Copyright 2026 The nvsvm authors
 */
#ifndef __NVSVM_DMEM_H__
#define __NVSVM_DMEM_H__

#include <linux/bits.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct mm_struct;
struct nvsvm_device;
struct nvsvm_dmem_mm;
struct nvsvm_svmm;
struct page;

/**
 * struct nvsvm_dmem - Device-private VRAM of one GPU.
 * @ndev: The GPU.
 * @lock: Protects @chunks and the free state of every chunk.
 * @chunks: Registered chunks, least recently filled first.
 * @nchunks: Number of registered chunks.
 * @evict_mutex: Serialises evictions and chunk registration.
 * @blocks: 2 MiB blocks migrated so far, by MIGRATE or a GPU fault.
 * @worker_blocks: Those of @blocks that a worker of DOC: Migration
 *	workers took, not the caller.
 * @wq: Runs those workers.
 */
struct nvsvm_dmem {
	struct nvsvm_device *ndev;
	spinlock_t lock; /* protects chunks and their free state */
	struct list_head chunks;
	unsigned int nchunks;
	struct mutex evict_mutex; /* serialises evictions, registration */
	atomic64_t blocks;
	atomic64_t worker_blocks;
	struct workqueue_struct *wq;
};

int nvsvm_dmem_init(struct nvsvm_device *ndev);
void nvsvm_dmem_debugfs_init(struct nvsvm_device *ndev);
void nvsvm_dmem_fini(struct nvsvm_device *ndev);

bool nvsvm_dmem_page_is_ours(struct nvsvm_device *ndev, struct page *page);
u64 nvsvm_dmem_page_offset(struct page *page);

int nvsvm_dmem_make_room(struct nvsvm_device *ndev, u64 bytes);
/** define NVSVM_DMEM_TO_VRAM - nvsvm_dmem_migrate(): to VRAM. */
#define NVSVM_DMEM_TO_VRAM	BIT(0)
/** define NVSVM_DMEM_PEERS_ONLY - nvsvm_dmem_migrate(): from peers only. */
#define NVSVM_DMEM_PEERS_ONLY	BIT(1)
/** define NVSVM_DMEM_BLOCKING - nvsvm_dmem_migrate(): migrations blocked. */
#define NVSVM_DMEM_BLOCKING	BIT(2)

int nvsvm_dmem_migrate(struct nvsvm_svmm *svmm, u64 start, u64 end,
		       unsigned int flags, u64 *migrated);
/** define NVSVM_DMEM_BLOCK_LOCK_BITS - log2 of block locks per mm. */
#define NVSVM_DMEM_BLOCK_LOCK_BITS	6

/**
 * struct nvsvm_dmem_mm - What every GPU's migrations of one address space
 * share (DOC: Peer migration).
 * @node: In nvsvm_dmem_mms, hashed by @mm.
 * @mm: The address space. A key only: the SVMMs that use this hold
 *	mmgrab() references, so no other address space can take its address
 *	while this is in the table.
 * @users: The SVMMs of @mm, on every GPU; under nvsvm_dmem_mms_lock.
 * @gate: The migration rwsem: a migration holds it for reading per block,
 *	a GPU fault that keeps losing its fault-in to migrations holds it for
 *	writing.
 * @holdoff_until: In jiffies: after that GPU fault, no migration starts a
 *	block before this.
 * @block_locks: A migration step holds the lock of its 2 MiB block, hashed
 *	from the block's address, from its setup to its finalize.
 */
struct nvsvm_dmem_mm {
	struct hlist_node node;
	struct mm_struct *mm;
	unsigned int users;
	struct rw_semaphore gate;
	unsigned long holdoff_until;
	struct mutex block_locks[1 << NVSVM_DMEM_BLOCK_LOCK_BITS];
};

struct nvsvm_dmem_mm *nvsvm_dmem_mm_get(struct mm_struct *mm);
void nvsvm_dmem_mm_put(struct nvsvm_dmem_mm *dmm);
void nvsvm_dmem_migrations_block(struct nvsvm_svmm *svmm);
void nvsvm_dmem_migrations_unblock(struct nvsvm_svmm *svmm,
				   unsigned int holdoff_ms);

#endif /* __NVSVM_DMEM_H__ */
