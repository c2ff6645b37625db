/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Copyright 2026 The nvsvm authors
 */
#ifndef __NVSVM_EMU_H__
#define __NVSVM_EMU_H__

/*
 * Private to the emulated GPU in hw/ (and its KUnit tests). The rest of the
 * driver includes nvsvm_hw.h only.
 */

#include <linux/atomic.h>
#include <linux/dma-fence.h>
#include <linux/list.h>
#include <linux/mempool.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "../nvsvm_hw.h"

/** define NVSVM_EMU_TLB_ENTRIES - Entries of each TLB, fully associative. */
#define NVSVM_EMU_TLB_ENTRIES	32

/**
 * define NVSVM_EMU_LINK_RTT_NS - The PCIe round trip between the read and
 * the write of an atomic on system memory, in nanoseconds.
 */
#define NVSVM_EMU_LINK_RTT_NS	1000

/** define NVSVM_EMU_IOVA_BITS - log2 of the size of the IOVA space. */
#define NVSVM_EMU_IOVA_BITS	44
/** define NVSVM_EMU_IOVA_BASE - First IOVA: above any RAM, in 47 bits. */
#define NVSVM_EMU_IOVA_BASE	BIT_ULL(NVSVM_EMU_IOVA_BITS)
/** define NVSVM_EMU_IOVA_SIZE - Bytes of IOVA space. */
#define NVSVM_EMU_IOVA_SIZE	BIT_ULL(NVSVM_EMU_IOVA_BITS)
/** define NVSVM_EMU_IOVA_SLOTS - 4 KiB pages of IOVA space. */
#define NVSVM_EMU_IOVA_SLOTS	(NVSVM_EMU_IOVA_SIZE >> PAGE_SHIFT)

/**
 * struct nvsvm_emu_iommu - The IOMMU in front of a GPU, see DOC: Emulated
 * IOMMU.
 * @lock: Held for reading by every access through the IOMMU, for writing
 *	by an unmap: the IOTLB flush.
 * @slots: The page table: per 4 KiB IOVA page, a value entry of the page
 *	frame and its permissions. Its own lock serializes maps and unmaps.
 * @next: Slot where the next search for free IOVA space starts.
 * @enabled: DMA goes through the IOMMU (the kernel has per-device DMA ops).
 * @maps: dma_map_page() calls that succeeded.
 * @unmaps: dma_unmap_page() calls.
 * @live: Mappings now.
 * @identity: Mappings now that iommu_passthrough made 1:1.
 * @map_errors: dma_map_page() calls that failed: no IOVA space or memory.
 * @faults: Accesses refused.
 */
struct nvsvm_emu_iommu {
	rwlock_t lock; /* accesses vs. unmaps */
	struct xarray slots;
	unsigned long next;
	bool enabled;
	atomic_long_t maps;
	atomic_long_t unmaps;
	atomic_long_t live;
	atomic_long_t identity;
	atomic_long_t map_errors;
	atomic_long_t faults;
};

/**
 * struct nvsvm_emu_xlat - A translation, as a TLB caches it.
 * @pdb: Page directory the translation belongs to.
 * @va: Virtual address of the page, aligned to its size.
 * @addr: Physical address of the page: VRAM offset or system DMA address.
 * @shift: log2 of the page size.
 * @aperture: NV_MMU_VER2_PTE_APERTURE_* of the page.
 * @read_only: Writes and atomics fault.
 * @atomic_disable: Atomics fault.
 */
struct nvsvm_emu_xlat {
	u64 pdb;
	u64 va;
	u64 addr;
	u8 shift;
	u8 aperture;
	bool read_only;
	bool atomic_disable;
};

/**
 * struct nvsvm_emu_tlb - A TLB, tagged by page directory.
 * @node: Entry in &nvsvm_emu.tlbs.
 * @lock: Protects the fields below.
 * @entries: Cached translations.
 * @used: Which of @entries hold a translation.
 * @next: Entry the next miss replaces (round robin).
 * @gen: Bumped by every invalidate that dropped an entry, so that an
 *	atomic on system memory can tell its translation went stale between
 *	its read and its write.
 * @hits: Lookups served from the TLB.
 * @misses: Lookups that walked the page tables.
 */
struct nvsvm_emu_tlb {
	struct list_head node;
	spinlock_t lock; /* protects what follows */
	struct nvsvm_emu_xlat entries[NVSVM_EMU_TLB_ENTRIES];
	DECLARE_BITMAP(used, NVSVM_EMU_TLB_ENTRIES);
	unsigned int next;
	u64 gen;
	u64 hits;
	u64 misses;
};

/**
 * struct nvsvm_emu_stall - An access waiting for a replay or a cancel.
 * @node: Entry in &nvsvm_emu_fault_unit.stalled.
 * @inst: Instance of the fault.
 * @va: Page of the fault.
 * @access: Type of the access, &enum nvsvm_hw_access.
 * @result: 0 while waiting; -EFAULT once cancelled.
 */
struct nvsvm_emu_stall {
	struct list_head node;
	u64 inst;
	u64 va;
	u8 access;
	int result;
};

/**
 * struct nvsvm_emu_fault_unit - The replayable fault buffer.
 * @lock: Protects everything below but @waitq.
 * @ring: %NVSVM_HW_FAULT_ENTRIES entries.
 * @get: GET pointer, written by the driver.
 * @put: PUT pointer, written by the GPU.
 * @overflow: A fault found the ring full.
 * @intr: Work item queued on a new entry, or %NULL.
 * @replay_seq: Bumped by every replay.
 * @stalled: Accesses that wait, &struct nvsvm_emu_stall.
 * @waitq: Where they wait.
 */
struct nvsvm_emu_fault_unit {
	spinlock_t lock; /* protects all but waitq */
	struct nvsvm_hw_fault *ring;
	u32 get;
	u32 put;
	bool overflow;
	struct work_struct *intr;
	u64 replay_seq;
	struct list_head stalled;
	wait_queue_head_t waitq;
};

/** define NVSVM_EMU_CE_MAX - Copy engines of an emulated GPU. */
#define NVSVM_EMU_CE_MAX	4

/**
 * struct nvsvm_emu_ce - One copy engine.
 * @emu: Its GPU.
 * @wq: Runs the engine's batches, one at a time and in order.
 * @submit_lock: Protects @seqno and @pending; keeps seqnos in queueing
 *	order.
 * @run_lock: Held while a batch of the engine runs, on @wq or inline.
 * @context: Fence context of the engine.
 * @seqno: Last fence seqno of the engine.
 * @pending: Batches submitted to the engine and not yet signalled.
 */
struct nvsvm_emu_ce {
	struct nvsvm_emu *emu;
	struct workqueue_struct *wq;
	spinlock_t submit_lock; /* protects seqno, pending */
	struct mutex run_lock; /* a batch runs */
	u64 context;
	u64 seqno;
	unsigned int pending;
};

/**
 * struct nvsvm_emu_peer - One entry of a GPU's peer table.
 * @emu: The peer GPU this index reaches, or %NULL.
 * @gen: Bumped by every connect and disconnect at this index, so that a
 *	batch can tell the connection it was checked against is gone.
 */
struct nvsvm_emu_peer {
	struct nvsvm_emu *emu;
	u32 gen;
};

/**
 * struct nvsvm_emu - The emulated GP100.
 * @hw: The interface the driver sees.
 * @iommu: The IOMMU its system-memory accesses go through.
 * @vram: The VRAM arena, @hw.vram_size bytes.
 * @exec_wq: Runs the channels, several at once.
 * @ce: The copy engines; nvsvm_emu_ce_engines of them take batches.
 * @ce_reserve: One batch of the largest size, for when memory is short.
 * @tlb_lock: Protects @tlbs; nests outside each &nvsvm_emu_tlb.lock.
 * @tlbs: Every TLB, so that an invalidate reaches all of them.
 * @hub_tlb: The TLB that every channel translates through, whatever its
 *	address space, as on GP100.
 * @fault: The fault buffer.
 * @ce_inline: Batches that ran in the submitter's context.
 * @ce_queued: Batches that ran on the workqueue.
 * @ce_sys_read: Bytes the copy engine read from system memory.
 * @ce_sys_written: Bytes it wrote to system memory.
 * @next_chid: Id of the last channel created.
 * @chans: Channels alive, to check at destroy.
 * @peer_sem: Held for reading by a copy while it touches a peer's VRAM,
 *	and while a batch is checked and queued; for writing while @peers
 *	changes. Nests inside nvsvm_emu_peer_lock.
 * @peers: The peer table, by peer index.
 * @peer_node: In the list of every emulated GPU, where destroy finds the
 *	GPUs that reach this one.
 * @peer_read: Bytes the copy engine read from peers' VRAM.
 * @peer_written: Bytes it wrote to peers' VRAM.
 */
struct nvsvm_emu {
	struct nvsvm_hw hw;
	struct nvsvm_emu_iommu iommu;
	void *vram;
	struct workqueue_struct *exec_wq;
	struct nvsvm_emu_ce ce[NVSVM_EMU_CE_MAX];
	mempool_t *ce_reserve;
	spinlock_t tlb_lock; /* protects tlbs */
	struct list_head tlbs;
	struct nvsvm_emu_tlb hub_tlb;
	struct nvsvm_emu_fault_unit fault;
	atomic_long_t ce_inline;
	atomic_long_t ce_queued;
	atomic_long_t ce_sys_read;
	atomic_long_t ce_sys_written;
	atomic_t next_chid;
	atomic_t chans;
	struct rw_semaphore peer_sem; /* copies through peers vs. @peers */
	struct nvsvm_emu_peer peers[NVSVM_HW_MAX_PEERS];
	struct list_head peer_node;
	atomic_long_t peer_read;
	atomic_long_t peer_written;
};

/**
 * struct nvsvm_hw_chan - An exec-engine channel of the emulated GPU.
 * @emu: The GPU.
 * @pdb: Page directory its accesses translate through.
 * @id: Channel id.
 * @lock: Protects @jobs.
 * @jobs: Jobs not started yet.
 * @work: Runs the jobs.
 * @dead: Set by chan_destroy(); stops the channel.
 * @fence_context: Fence context of the channel's jobs.
 * @seqno: Last fence seqno.
 */
struct nvsvm_hw_chan {
	struct nvsvm_emu *emu;
	u64 pdb;
	u32 id;
	spinlock_t lock; /* protects jobs and seqno */
	struct list_head jobs;
	struct work_struct work;
	bool dead;
	u64 fence_context;
	u64 seqno;
};

static inline struct nvsvm_emu *to_nvsvm_emu(struct nvsvm_hw *hw)
{
	return container_of(hw, struct nvsvm_emu, hw);
}

/* nvsvm_emu.c */
int nvsvm_emu_vram_read(struct nvsvm_emu *emu, u64 offset, u64 *value);
void *nvsvm_emu_vram_ptr(struct nvsvm_emu *emu, u64 offset, u64 len);

/* nvsvm_emu_iommu.c */
int nvsvm_emu_iommu_init(struct nvsvm_emu *emu);
void nvsvm_emu_iommu_fini(struct nvsvm_emu *emu);
void nvsvm_emu_iommu_debugfs_init(struct nvsvm_emu *emu, struct dentry *dir);
void nvsvm_emu_iommu_lock(struct nvsvm_emu *emu);
void nvsvm_emu_iommu_unlock(struct nvsvm_emu *emu);
int nvsvm_emu_iommu_translate(struct nvsvm_emu *emu, u64 iova, bool write,
			      unsigned long *pfn);

/* nvsvm_emu_mmu.c */
void nvsvm_emu_tlb_init(struct nvsvm_emu *emu, struct nvsvm_emu_tlb *tlb);
void nvsvm_emu_tlb_fini(struct nvsvm_emu *emu, struct nvsvm_emu_tlb *tlb);
void nvsvm_emu_tlb_invalidate(struct nvsvm_hw *hw, u64 pdb, u64 va, u64 size);
int nvsvm_emu_walk(struct nvsvm_emu *emu, u64 pdb, u64 va,
		   struct nvsvm_emu_xlat *xlat, u8 *reason);
int nvsvm_emu_translate(struct nvsvm_emu *emu, struct nvsvm_emu_tlb *tlb,
			u64 pdb, u64 va, enum nvsvm_hw_access access,
			struct nvsvm_emu_xlat *xlat, u8 *reason);
int nvsvm_emu_access(struct nvsvm_emu *emu, struct nvsvm_emu_tlb *tlb,
		     u64 pdb, u64 va, enum nvsvm_hw_access access, u64 *value,
		     u8 *reason);
int nvsvm_emu_phys_access(struct nvsvm_emu *emu, const struct nvsvm_emu_xlat *xlat,
			  u64 va, enum nvsvm_hw_access access, u64 *value);

/* nvsvm_emu_fault.c */
int nvsvm_emu_fault_init(struct nvsvm_emu *emu);
void nvsvm_emu_fault_fini(struct nvsvm_emu *emu);
int nvsvm_emu_fault_stall(struct nvsvm_emu *emu, const struct nvsvm_hw_fault *fault,
			  const bool *abort);
void nvsvm_emu_fault_kick(struct nvsvm_emu *emu);
struct nvsvm_hw_fault *nvsvm_emu_fault_buffer(struct nvsvm_hw *hw);
u32 nvsvm_emu_fault_get(struct nvsvm_hw *hw);
u32 nvsvm_emu_fault_put(struct nvsvm_hw *hw);
void nvsvm_emu_fault_set_get(struct nvsvm_hw *hw, u32 get);
bool nvsvm_emu_fault_overflow(struct nvsvm_hw *hw);
void nvsvm_emu_fault_intr_set(struct nvsvm_hw *hw, struct work_struct *work);
void nvsvm_emu_fault_replay(struct nvsvm_hw *hw);
void nvsvm_emu_fault_cancel(struct nvsvm_hw *hw, u64 inst, u64 va,
			    enum nvsvm_hw_access access);

/* nvsvm_emu_ce.c */
extern unsigned int nvsvm_emu_ce_inline_kb;
extern unsigned int nvsvm_emu_ce_engines;
extern unsigned int nvsvm_emu_debug_peer_delay_us;
int nvsvm_emu_ce_init(struct nvsvm_emu *emu);
void nvsvm_emu_ce_fini(struct nvsvm_emu *emu);
struct dma_fence *nvsvm_emu_ce_copy(struct nvsvm_hw *hw,
				    const struct nvsvm_hw_copy *copies,
				    unsigned int count);

/* nvsvm_emu_peer.c */
extern bool nvsvm_emu_peer_access;
void nvsvm_emu_peer_init(struct nvsvm_emu *emu);
void nvsvm_emu_peer_fini(struct nvsvm_emu *emu);
int nvsvm_emu_peer_connect(struct nvsvm_hw *hw, struct nvsvm_hw *peer_hw);
void nvsvm_emu_peer_disconnect(struct nvsvm_hw *hw, struct nvsvm_hw *peer_hw);
struct nvsvm_emu *nvsvm_emu_peer_get(struct nvsvm_emu *emu, u16 index,
				     const u32 *gens);
void nvsvm_emu_peer_debugfs_init(struct nvsvm_emu *emu, struct dentry *dir);

/* nvsvm_emu_exec.c */
struct nvsvm_hw_chan *nvsvm_emu_chan_create(struct nvsvm_hw *hw, u64 pdb);
void nvsvm_emu_chan_destroy(struct nvsvm_hw_chan *chan);
u32 nvsvm_emu_chan_id(struct nvsvm_hw_chan *chan);
struct dma_fence *nvsvm_emu_job_submit(struct nvsvm_hw_chan *chan,
				       const struct nvsvm_hw_op *ops,
				       unsigned int count);

#endif /* __NVSVM_EMU_H__ */
