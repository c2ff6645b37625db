/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Copyright 2026 The nvsvm authors
 */
#ifndef __NVSVM_HW_H__
#define __NVSVM_HW_H__

#include <linux/build_bug.h>
#include <linux/sizes.h>
#include <linux/types.h>

struct dentry;
struct device;
struct dma_fence;
struct work_struct;

/**
 * DOC: Hardware interface
 *
 * Everything the driver asks of the GPU goes through &struct nvsvm_hw_ops,
 * bound once when the GPU is created (nvsvm_hw_emu_create() binds the
 * software GPU in hw/; a real-hardware backend would bind its own). It is
 * the only function-pointer seam of the driver: svm, dmem and vmm call the
 * nvsvm_hw_*() wrappers below and never see a backend's internals.
 *
 * The GPU has:
 *
 * - **VRAM** of &nvsvm_hw.vram_size bytes, addressed by offset. The driver
 *   owns its allocation; the page tables live there (see the GP100 format in
 *   nvsvm_gp100_mmu.h) and are written with nvsvm_hw_vram_wr64().
 * - **An MMU** that translates the GPU virtual addresses of the exec engine
 *   through the page directory whose VRAM offset (the *instance*, or PDB) a
 *   channel was created with. Translations are cached in TLBs: a changed PTE
 *   is invisible to the GPU until nvsvm_hw_tlb_invalidate() covers it.
 *   Invalid PTEs are never cached.
 * - **A replayable fault buffer**: a ring of &struct nvsvm_hw_fault entries
 *   that the GPU fills at PUT and the driver consumes at GET. An access that
 *   faults stalls its channel until the driver replays (the access is retried
 *   through the MMU) or cancels the fault (the job fails with -EFAULT). New
 *   entries raise an interrupt: the GPU queues the driver's work item. A full
 *   ring drops the entry and sets the overflow flag; the access stays stalled
 *   and faults again after the next replay, so nothing is lost for good.
 * - **A copy engine** that executes batches of &struct nvsvm_hw_copy between
 *   physical apertures (VRAM offsets, system DMA addresses, and the VRAM of
 *   peer GPUs) and signals a &dma_fence. It does not translate and cannot
 *   fault.
 * - **An exec engine** that runs jobs, programs of &struct nvsvm_hw_op on
 *   GPU virtual addresses, on channels. Each access goes through the MMU.
 *   A job completes by signalling its fence; the fence error is its status.
 *
 * System memory is reached by DMA address: the driver maps every system
 * page the GPU may touch with the DMA API on &nvsvm_hw.dev, for as long as
 * a PTE or a copy uses it, and the platform's IOMMU refuses anything else.
 *
 * **Peer-to-peer.** Where the platform routes PCIe peer-to-peer between two
 * GPUs, the copy engine of one reads and writes the VRAM of the other
 * directly, with no system memory in between. As on NVIDIA hardware, the
 * GPU names each peer it reaches by a *peer index*, 0 to
 * %NVSVM_HW_MAX_PEERS - 1 (the 3-bit PEER_ID of the copy engine's physical
 * mode, NV_MMU_VER2_PTE_ADDRESS_VID_PEER in a PTE). nvsvm_hw_peer_connect()
 * opens the aperture of one GPU onto another's VRAM and returns the index;
 * a copy operand then says %NVSVM_HW_APERTURE_PEER, the index, and an
 * offset into the peer's VRAM. A connection goes one way: for B to reach
 * A too, connect B to A. Where there is no peer path, connecting fails with
 * -EOPNOTSUPP and the driver moves data through system memory instead.
 *
 * The lifetime rule: nvsvm_hw_peer_disconnect(), like destroying either
 * GPU, waits for the peer copy in flight, if any; from its return, the GPU's
 * engines never touch that peer's VRAM again. A batch queued before, whose
 * copy names the closed connection, fails its fence with -EIO when it gets
 * there, even if the index has been given to another peer meanwhile.
 * Submitting a copy to an index that is not connected fails at once with
 * -ENXIO. Peer accesses of the exec engine (through PTEs of aperture
 * NV_MMU_VER2_PTE_APERTURE_PEER_MEMORY) are not modelled: they fail with
 * -EIO.
 */

/**
 * enum nvsvm_hw_aperture - Physical address space of a copy operand.
 * @NVSVM_HW_APERTURE_VRAM: Offset into the GPU's VRAM.
 * @NVSVM_HW_APERTURE_SYS_COHERENT: DMA address of coherent system memory.
 * @NVSVM_HW_APERTURE_SYS_NONCOHERENT: DMA address of non-coherent system
 *	memory.
 * @NVSVM_HW_APERTURE_PEER: Offset into the VRAM of the peer GPU that the
 *	operand's peer index names, see nvsvm_hw_peer_connect().
 * @NVSVM_HW_APERTURE_COUNT: Number of apertures.
 *
 * The values are those of the TARGET field of the copy engine's physical
 * mode (LOCAL_FB, COHERENT_SYSMEM, NONCOHERENT_SYSMEM, PEERMEM).
 */
enum nvsvm_hw_aperture {
	NVSVM_HW_APERTURE_VRAM,
	NVSVM_HW_APERTURE_SYS_COHERENT,
	NVSVM_HW_APERTURE_SYS_NONCOHERENT,
	NVSVM_HW_APERTURE_PEER,
	NVSVM_HW_APERTURE_COUNT,
};

/** define NVSVM_HW_MAX_PEERS - Peer indices of a GPU, a field of 3 bits. */
#define NVSVM_HW_MAX_PEERS		8

/**
 * enum nvsvm_hw_access - Type of a faulting access.
 * @NVSVM_HW_ACCESS_READ: A read.
 * @NVSVM_HW_ACCESS_WRITE: A write, or a write to a read-only page.
 * @NVSVM_HW_ACCESS_ATOMIC: An atomic, or an atomic on a page whose PTE has
 *	NV_MMU_VER2_PTE_ATOMIC_DISABLE set.
 */
enum nvsvm_hw_access {
	NVSVM_HW_ACCESS_READ,
	NVSVM_HW_ACCESS_WRITE,
	NVSVM_HW_ACCESS_ATOMIC,
};

/**
 * enum nvsvm_hw_client - GPU unit that raised a fault.
 * @NVSVM_HW_CLIENT_EXEC: The exec engine; &nvsvm_hw_fault.chid says which
 *	channel.
 * @NVSVM_HW_CLIENT_CE: The copy engine.
 */
enum nvsvm_hw_client {
	NVSVM_HW_CLIENT_EXEC,
	NVSVM_HW_CLIENT_CE,
};

/**
 * enum nvsvm_hw_fault_reason - Why a translation faulted.
 * @NVSVM_HW_FAULT_PDE: A page directory entry on the way was empty.
 * @NVSVM_HW_FAULT_PTE: The PTE was not valid.
 * @NVSVM_HW_FAULT_RO: A write or atomic to a read-only PTE.
 * @NVSVM_HW_FAULT_ATOMIC: An atomic to a PTE with atomics disabled.
 * @NVSVM_HW_FAULT_VA_LIMIT: The address is beyond the 49-bit VA space.
 */
enum nvsvm_hw_fault_reason {
	NVSVM_HW_FAULT_PDE,
	NVSVM_HW_FAULT_PTE,
	NVSVM_HW_FAULT_RO,
	NVSVM_HW_FAULT_ATOMIC,
	NVSVM_HW_FAULT_VA_LIMIT,
};

/**
 * struct nvsvm_hw_fault - One entry of the replayable fault buffer.
 * @inst: Instance: VRAM offset of the page directory of the faulting VM.
 * @va: Faulting GPU virtual address, 4 KiB aligned.
 * @timestamp: When the fault was raised, in ns of the monotonic clock.
 * @access: The access type, &enum nvsvm_hw_access.
 * @client: The unit, &enum nvsvm_hw_client.
 * @reason: The cause, &enum nvsvm_hw_fault_reason.
 * @valid: Nonzero once the GPU has written the entry; the driver clears it
 *	when it has consumed the entry.
 * @chid: Channel of an exec-engine fault.
 *
 * The GPU writes every other field before it sets @valid and moves PUT.
 */
struct nvsvm_hw_fault {
	u64 inst;
	u64 va;
	u64 timestamp;
	u8 access;
	u8 client;
	u8 reason;
	u8 valid;
	u32 chid;
};

/** define NVSVM_HW_FAULT_ENTRIES - Size of the fault buffer ring. */
#define NVSVM_HW_FAULT_ENTRIES		256

/**
 * struct nvsvm_hw_copy - One copy of a copy-engine batch.
 * @src: Source address in @src_aperture.
 * @dst: Destination address in @dst_aperture.
 * @len: Bytes to copy, at most %NVSVM_HW_COPY_MAX_LEN.
 * @src_aperture: &enum nvsvm_hw_aperture of @src.
 * @dst_aperture: &enum nvsvm_hw_aperture of @dst.
 * @src_peer: Peer index of @src if @src_aperture is
 *	%NVSVM_HW_APERTURE_PEER, as nvsvm_hw_peer_connect() returned it;
 *	zero otherwise.
 * @dst_peer: The same for @dst.
 *
 * 32 bytes, no padding: a page holds 128 descriptors.
 */
struct nvsvm_hw_copy {
	u64 src;
	u64 dst;
	u64 len;
	u16 src_aperture;
	u16 dst_aperture;
	u16 src_peer;
	u16 dst_peer;
};

static_assert(sizeof(struct nvsvm_hw_copy) == 32);

/** define NVSVM_HW_COPY_MAX_LEN - Longest single copy: one huge page. */
#define NVSVM_HW_COPY_MAX_LEN		SZ_2M
/** define NVSVM_HW_COPY_MAX_BATCH - Most copies in one batch. */
#define NVSVM_HW_COPY_MAX_BATCH		512

/**
 * enum nvsvm_hw_opcode - Operations of the exec engine.
 *
 * Operands are GPU virtual addresses of arrays of 64-bit words, 8-byte
 * aligned; &nvsvm_hw_op.len is their length in bytes. Arithmetic wraps
 * modulo 2^64. Fields an opcode does not use must be zero.
 *
 * @NVSVM_HW_OP_FILL: dst[i] = imm.
 * @NVSVM_HW_OP_COPY: dst[i] = src0[i], in increasing order of i.
 * @NVSVM_HW_OP_CHECKSUM: Read src0[] and write its checksum, FNV-1a over
 *	64-bit words (h = (h ^ src0[i]) * %NVSVM_HW_CSUM_PRIME from
 *	%NVSVM_HW_CSUM_BASIS), to the single word at dst.
 * @NVSVM_HW_OP_ATOMIC_ADD: dst[i] += imm, each an atomic access.
 * @NVSVM_HW_OP_TRIAD: dst[i] = src0[i] + imm * src1[i] (STREAM's triad).
 * @NVSVM_HW_OP_COUNT: Number of opcodes.
 */
enum nvsvm_hw_opcode {
	NVSVM_HW_OP_FILL = 1,
	NVSVM_HW_OP_COPY,
	NVSVM_HW_OP_CHECKSUM,
	NVSVM_HW_OP_ATOMIC_ADD,
	NVSVM_HW_OP_TRIAD,
	NVSVM_HW_OP_COUNT,
};

/** define NVSVM_HW_CSUM_BASIS - Initial value of the checksum. */
#define NVSVM_HW_CSUM_BASIS		0xcbf29ce484222325ULL
/** define NVSVM_HW_CSUM_PRIME - Multiplier of the checksum. */
#define NVSVM_HW_CSUM_PRIME		0x100000001b3ULL

/**
 * struct nvsvm_hw_op - One operation of an exec-engine job.
 * @opcode: &enum nvsvm_hw_opcode.
 * @flags: Must be zero.
 * @dst: Destination GPU virtual address.
 * @src0: First source GPU virtual address.
 * @src1: Second source GPU virtual address.
 * @len: Length of each array in bytes, a multiple of 8, at most
 *	%NVSVM_HW_OP_MAX_LEN.
 * @imm: Immediate: fill value, addend or triad scalar.
 *
 * Fixed size and 8-byte aligned, so that a uAPI can mirror it.
 */
struct nvsvm_hw_op {
	u32 opcode;
	u32 flags;
	u64 dst;
	u64 src0;
	u64 src1;
	u64 len;
	u64 imm;
};

/** define NVSVM_HW_OP_MAX_LEN - Longest array an operation may cover. */
#define NVSVM_HW_OP_MAX_LEN		SZ_16M
/** define NVSVM_HW_JOB_MAX_OPS - Most operations in one job. */
#define NVSVM_HW_JOB_MAX_OPS		64

struct nvsvm_hw;
struct nvsvm_hw_chan;

/**
 * struct nvsvm_hw_ops - What a GPU backend implements.
 *
 * Every member is required: nvsvm_hw_init() refuses a table that misses one.
 */
struct nvsvm_hw_ops {
	/**
	 * @destroy: Stop the GPU and free it (required). All channels must
	 * have been destroyed; fences already returned stay valid. The GPU
	 * is disconnected from its peers both ways, as by
	 * @peer_disconnect, before its VRAM goes.
	 * Context: Process context, may sleep.
	 */
	void (*destroy)(struct nvsvm_hw *hw);

	/**
	 * @vram_rd64: Read the 64-bit word at VRAM @offset (required).
	 * @offset must be 8-byte aligned and inside VRAM; otherwise the call
	 * warns and returns 0.
	 * Context: Any context.
	 */
	u64 (*vram_rd64)(struct nvsvm_hw *hw, u64 offset);

	/**
	 * @vram_wr64: Write the 64-bit word at VRAM @offset (required), as a
	 * single access. Same rules for @offset as @vram_rd64.
	 * Context: Any context.
	 */
	void (*vram_wr64)(struct nvsvm_hw *hw, u64 offset, u64 value);

	/**
	 * @tlb_invalidate: Drop every cached translation of the VM whose page
	 * directory is at VRAM offset @pdb that overlaps [@va, @va + @size)
	 * (required). On return no engine uses such a translation any more.
	 * Context: Any context.
	 */
	void (*tlb_invalidate)(struct nvsvm_hw *hw, u64 pdb, u64 va, u64 size);

	/**
	 * @fault_buffer: Return the fault ring, %NVSVM_HW_FAULT_ENTRIES
	 * entries written by the GPU (required).
	 * Context: Any context.
	 */
	struct nvsvm_hw_fault *(*fault_buffer)(struct nvsvm_hw *hw);

	/**
	 * @fault_get: Read the GET pointer: the index of the next entry the
	 * driver will consume (required).
	 * Context: Any context.
	 */
	u32 (*fault_get)(struct nvsvm_hw *hw);

	/**
	 * @fault_put: Read the PUT pointer: the index of the next entry the
	 * GPU will write (required). Entries in [GET, PUT) are readable once
	 * this returned, without further barriers.
	 * Context: Any context.
	 */
	u32 (*fault_put)(struct nvsvm_hw *hw);

	/**
	 * @fault_set_get: Write the GET pointer, giving entries back to the
	 * GPU (required).
	 * Context: Any context.
	 */
	void (*fault_set_get)(struct nvsvm_hw *hw, u32 get);

	/**
	 * @fault_overflow: Return and clear the overflow flag, set when a
	 * fault found the ring full and was dropped (required).
	 * Context: Any context.
	 */
	bool (*fault_overflow)(struct nvsvm_hw *hw);

	/**
	 * @fault_intr_set: Set the work item the GPU queues when it writes a
	 * fault entry, or none with %NULL (required). Once the call with
	 * %NULL returns, the GPU no longer queues the old item.
	 * Context: Any context.
	 */
	void (*fault_intr_set)(struct nvsvm_hw *hw, struct work_struct *work);

	/**
	 * @fault_replay: Retry every stalled access (required). Accesses
	 * that still fail fault again.
	 * Context: Any context.
	 */
	void (*fault_replay)(struct nvsvm_hw *hw);

	/**
	 * @fault_cancel: Fail the stalled accesses of instance @inst at the
	 * 4 KiB page of @va whose type is @access or stronger (required):
	 * their jobs complete with -EFAULT. A refused write thus cancels the
	 * writes and atomics of the page and leaves its reads stalled, for the
	 * next replay; %NVSVM_HW_ACCESS_READ cancels every access.
	 * Context: Any context.
	 */
	void (*fault_cancel)(struct nvsvm_hw *hw, u64 inst, u64 va,
			     enum nvsvm_hw_access access);

	/**
	 * @ce_copy: Queue a batch of @count copies on the copy engine
	 * (required). The descriptors are copied; the batch runs in order
	 * and signals the returned fence (a reference for the caller) when
	 * done, with error -EIO if an address is outside memory, refused
	 * by the IOMMU, or in a peer that was disconnected since the call, in
	 * which case the batch stops there. A batch never fails for want of
	 * memory: like a ring, the engine waits for room instead. An idle
	 * engine may have run the batch, and signalled the fence, by the
	 * time the call returns.
	 * Context: Process context, may sleep.
	 * Return: A fence, or an ERR_PTR() of what nvsvm_hw_copies_validate()
	 * refused the batch with: -EINVAL for a bad descriptor, -ENXIO for a
	 * peer index that is not connected.
	 */
	struct dma_fence *(*ce_copy)(struct nvsvm_hw *hw,
				     const struct nvsvm_hw_copy *copies,
				     unsigned int count);

	/**
	 * @chan_create: Create an exec-engine channel whose accesses
	 * translate through the page directory at VRAM offset @pdb
	 * (required).
	 * Context: Process context, may sleep.
	 * Return: The channel, or an ERR_PTR().
	 */
	struct nvsvm_hw_chan *(*chan_create)(struct nvsvm_hw *hw, u64 pdb);

	/**
	 * @chan_destroy: Stop a channel and free it (required). A job stalled
	 * on a fault, and every job not run yet, completes with -ECANCELED.
	 * Context: Process context, may sleep.
	 */
	void (*chan_destroy)(struct nvsvm_hw_chan *chan);

	/**
	 * @chan_id: Return the channel's id, as faults report it (required).
	 * Context: Any context.
	 */
	u32 (*chan_id)(struct nvsvm_hw_chan *chan);

	/**
	 * @job_submit: Queue a job of @count operations on @chan (required).
	 * The operations are copied and must have passed
	 * nvsvm_hw_ops_validate(). Jobs of a channel run in order; channels
	 * run independently. The returned fence (a reference for the caller)
	 * signals at the end of the job, with error -EFAULT after a cancelled
	 * fault, -EIO if a PTE points outside memory, -ECANCELED if the
	 * channel was destroyed first.
	 * Context: Process context, may sleep.
	 * Return: A fence, or an ERR_PTR().
	 */
	struct dma_fence *(*job_submit)(struct nvsvm_hw_chan *chan,
					const struct nvsvm_hw_op *ops,
					unsigned int count);

	/**
	 * @dma_faults: Return how many system-memory accesses of the GPU the
	 * platform's IOMMU refused since the GPU was created (required), as
	 * its fault reporting tells them; a PCI backend would count them in
	 * an iommu_set_fault_handler() callback.
	 * Context: Any context.
	 */
	u64 (*dma_faults)(struct nvsvm_hw *hw);

	/**
	 * @peer_connect: Open the peer aperture of @hw onto the VRAM of
	 * @peer (required): from the return on, @hw's copy engine reaches
	 * @peer's VRAM as %NVSVM_HW_APERTURE_PEER at the returned index. One
	 * way only. If @hw already reaches @peer, the same index again:
	 * connections are not counted, one @peer_disconnect closes it.
	 * Context: Process context, may sleep.
	 * Return: The peer index, below %NVSVM_HW_MAX_PEERS; -EOPNOTSUPP if
	 * the platform has no peer path between the two GPUs (another
	 * backend, or peer access switched off), -EINVAL if @peer is @hw,
	 * -ENOSPC if every peer index is taken.
	 */
	int (*peer_connect)(struct nvsvm_hw *hw, struct nvsvm_hw *peer);

	/**
	 * @peer_disconnect: Close the peer aperture of @hw onto @peer, if
	 * open (required). Waits for a copy of @hw that is touching @peer's
	 * VRAM; once the call returns, no engine of @hw touches it again, and
	 * copies still queued that name it fail with -EIO (see DOC: Hardware
	 * interface). @destroy of either GPU does this by itself.
	 * Context: Process context, may sleep.
	 */
	void (*peer_disconnect)(struct nvsvm_hw *hw, struct nvsvm_hw *peer);

	/**
	 * @debugfs_init: Add the backend's own debugfs files under @root, the
	 * DRM device's directory (required). The driver removes @root, and
	 * with it the files, before @destroy.
	 * Context: Process context.
	 */
	void (*debugfs_init)(struct nvsvm_hw *hw, struct dentry *root);
};

/**
 * struct nvsvm_hw - A GPU, as the driver sees it. Backends embed it.
 * @ops: The backend's operations.
 * @dev: The device the GPU belongs to, or %NULL (KUnit).
 * @vram_size: Size of VRAM in bytes.
 * @peer_vram_size: Per peer index, the VRAM size of the peer connected
 *	there, or 0 if none is. The backend sets it in @ops->peer_connect and
 *	clears it in @ops->peer_disconnect; nvsvm_hw_copies_validate() reads
 *	it (with READ_ONCE()).
 */
struct nvsvm_hw {
	const struct nvsvm_hw_ops *ops;
	struct device *dev;
	u64 vram_size;
	u64 peer_vram_size[NVSVM_HW_MAX_PEERS];
};

int nvsvm_hw_init(struct nvsvm_hw *hw, const struct nvsvm_hw_ops *ops,
		  struct device *dev, u64 vram_size);
int nvsvm_hw_ops_validate(const struct nvsvm_hw_op *ops, unsigned int count);
int nvsvm_hw_copies_validate(const struct nvsvm_hw *hw,
			     const struct nvsvm_hw_copy *copies,
			     unsigned int count);

struct nvsvm_hw *nvsvm_hw_emu_create(struct device *dev, u64 vram_size);

/* Typed wrappers: the driver calls these, never @hw->ops directly. */

static inline void nvsvm_hw_destroy(struct nvsvm_hw *hw)
{
	hw->ops->destroy(hw);
}

static inline u64 nvsvm_hw_vram_rd64(struct nvsvm_hw *hw, u64 offset)
{
	return hw->ops->vram_rd64(hw, offset);
}

static inline void nvsvm_hw_vram_wr64(struct nvsvm_hw *hw, u64 offset, u64 value)
{
	hw->ops->vram_wr64(hw, offset, value);
}

static inline void nvsvm_hw_tlb_invalidate(struct nvsvm_hw *hw, u64 pdb,
					   u64 va, u64 size)
{
	hw->ops->tlb_invalidate(hw, pdb, va, size);
}

static inline struct nvsvm_hw_fault *nvsvm_hw_fault_buffer(struct nvsvm_hw *hw)
{
	return hw->ops->fault_buffer(hw);
}

static inline u32 nvsvm_hw_fault_get(struct nvsvm_hw *hw)
{
	return hw->ops->fault_get(hw);
}

static inline u32 nvsvm_hw_fault_put(struct nvsvm_hw *hw)
{
	return hw->ops->fault_put(hw);
}

static inline void nvsvm_hw_fault_set_get(struct nvsvm_hw *hw, u32 get)
{
	hw->ops->fault_set_get(hw, get);
}

static inline bool nvsvm_hw_fault_overflow(struct nvsvm_hw *hw)
{
	return hw->ops->fault_overflow(hw);
}

static inline void nvsvm_hw_fault_intr_set(struct nvsvm_hw *hw,
					   struct work_struct *work)
{
	hw->ops->fault_intr_set(hw, work);
}

static inline void nvsvm_hw_fault_replay(struct nvsvm_hw *hw)
{
	hw->ops->fault_replay(hw);
}

static inline void nvsvm_hw_fault_cancel(struct nvsvm_hw *hw, u64 inst, u64 va,
					 enum nvsvm_hw_access access)
{
	hw->ops->fault_cancel(hw, inst, va, access);
}

static inline struct dma_fence *
nvsvm_hw_ce_copy(struct nvsvm_hw *hw, const struct nvsvm_hw_copy *copies,
		 unsigned int count)
{
	return hw->ops->ce_copy(hw, copies, count);
}

static inline struct nvsvm_hw_chan *nvsvm_hw_chan_create(struct nvsvm_hw *hw,
							 u64 pdb)
{
	return hw->ops->chan_create(hw, pdb);
}

static inline void nvsvm_hw_chan_destroy(struct nvsvm_hw *hw,
					 struct nvsvm_hw_chan *chan)
{
	hw->ops->chan_destroy(chan);
}

static inline u32 nvsvm_hw_chan_id(struct nvsvm_hw *hw,
				   struct nvsvm_hw_chan *chan)
{
	return hw->ops->chan_id(chan);
}

static inline struct dma_fence *
nvsvm_hw_job_submit(struct nvsvm_hw *hw, struct nvsvm_hw_chan *chan,
		    const struct nvsvm_hw_op *ops, unsigned int count)
{
	return hw->ops->job_submit(chan, ops, count);
}

static inline void nvsvm_hw_debugfs_init(struct nvsvm_hw *hw,
					 struct dentry *root)
{
	hw->ops->debugfs_init(hw, root);
}

static inline u64 nvsvm_hw_dma_faults(struct nvsvm_hw *hw)
{
	return hw->ops->dma_faults(hw);
}

static inline int nvsvm_hw_peer_connect(struct nvsvm_hw *hw,
					struct nvsvm_hw *peer)
{
	return hw->ops->peer_connect(hw, peer);
}

static inline void nvsvm_hw_peer_disconnect(struct nvsvm_hw *hw,
					    struct nvsvm_hw *peer)
{
	hw->ops->peer_disconnect(hw, peer);
}

#endif /* __NVSVM_HW_H__ */
