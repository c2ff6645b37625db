// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/export.h>
#include <linux/ktime.h>
#include <linux/slab.h>

#include <kunit/visibility.h>

#include "nvsvm_emu.h"

/**
 * DOC: Emulated fault buffer
 *
 * A faulting access calls nvsvm_emu_fault_stall(): it appends an entry at
 * PUT (or, with the ring full, drops it and sets the overflow flag), queues
 * the driver's interrupt work, and sleeps until a replay or a cancel that
 * matches its instance, its page and its access type. After a replay the
 * access walks again and may fault again. Only the faulting channel sleeps;
 * other channels and the copy engine go on.
 *
 * GET and PUT are indices into the ring; the ring is empty when they are
 * equal and full when PUT is one entry behind GET.
 */

static u32 nvsvm_emu_fault_next(u32 index)
{
	return (index + 1) % NVSVM_HW_FAULT_ENTRIES;
}

/**
 * nvsvm_emu_fault_init() - Set up the fault buffer.
 * @emu: The GPU.
 *
 * Context: Process context.
 * Return: 0 or -ENOMEM.
 */
int nvsvm_emu_fault_init(struct nvsvm_emu *emu)
{
	struct nvsvm_emu_fault_unit *fault = &emu->fault;

	fault->ring = kcalloc(NVSVM_HW_FAULT_ENTRIES, sizeof(*fault->ring),
			      GFP_KERNEL);
	if (!fault->ring)
		return -ENOMEM;
	spin_lock_init(&fault->lock);
	INIT_LIST_HEAD(&fault->stalled);
	init_waitqueue_head(&fault->waitq);
	fault->get = 0;
	fault->put = 0;
	fault->overflow = false;
	fault->intr = NULL;
	fault->replay_seq = 0;
	return 0;
}

/**
 * nvsvm_emu_fault_fini() - Free the fault buffer.
 * @emu: The GPU, with no access stalled any more.
 *
 * Context: Process context.
 */
void nvsvm_emu_fault_fini(struct nvsvm_emu *emu)
{
	WARN_ON(!list_empty(&emu->fault.stalled));
	kfree(emu->fault.ring);
}

/**
 * nvsvm_emu_fault_stall() - Report a fault and wait for replay or cancel.
 * @emu: The GPU.
 * @fault: The entry to report; @fault->valid and @fault->timestamp are set
 *	here.
 * @abort: Stop waiting once this reads true; see nvsvm_emu_fault_kick().
 *
 * Context: Process context, sleeps.
 * Return: 0 after a replay (retry the access), -EFAULT after a cancel,
 * -ECANCELED once @abort is set.
 */
int nvsvm_emu_fault_stall(struct nvsvm_emu *emu,
			  const struct nvsvm_hw_fault *fault, const bool *abort)
{
	struct nvsvm_emu_fault_unit *unit = &emu->fault;
	struct nvsvm_emu_stall stall = {
		.inst = fault->inst,
		.va = fault->va,
		.access = fault->access,
	};
	struct work_struct *intr = NULL;
	struct nvsvm_hw_fault *entry;
	u64 seq;
	int ret;

	spin_lock(&unit->lock);
	seq = unit->replay_seq;
	list_add_tail(&stall.node, &unit->stalled);
	if (nvsvm_emu_fault_next(unit->put) == READ_ONCE(unit->get)) {
		unit->overflow = true;
	} else {
		entry = &unit->ring[unit->put];
		*entry = *fault;
		entry->valid = 0;
		entry->timestamp = ktime_get_ns();
		/* The entry before its valid bit, the valid bit before PUT. */
		smp_wmb();
		WRITE_ONCE(entry->valid, 1);
		/* Pairs with smp_load_acquire() in nvsvm_emu_fault_put(). */
		smp_store_release(&unit->put, nvsvm_emu_fault_next(unit->put));
	}
	intr = unit->intr;
	if (intr)
		queue_work(system_unbound_wq, intr);
	spin_unlock(&unit->lock);

	wait_event_idle(unit->waitq,
			READ_ONCE(unit->replay_seq) != seq ||
			READ_ONCE(stall.result) || READ_ONCE(*abort));

	spin_lock(&unit->lock);
	list_del(&stall.node);
	ret = stall.result;
	if (!ret && unit->replay_seq == seq)
		ret = -ECANCELED;
	spin_unlock(&unit->lock);
	return ret;
}

/**
 * nvsvm_emu_fault_kick() - Wake stalled accesses to re-check their abort flag.
 * @emu: The GPU.
 *
 * Context: Any context.
 */
void nvsvm_emu_fault_kick(struct nvsvm_emu *emu)
{
	wake_up_all(&emu->fault.waitq);
}

/**
 * nvsvm_emu_fault_buffer() - The fault_buffer operation.
 * @hw: The GPU.
 *
 * Context: Any context.
 * Return: The ring.
 */
struct nvsvm_hw_fault *nvsvm_emu_fault_buffer(struct nvsvm_hw *hw)
{
	return to_nvsvm_emu(hw)->fault.ring;
}

/**
 * nvsvm_emu_fault_get() - The fault_get operation.
 * @hw: The GPU.
 *
 * Context: Any context.
 * Return: GET.
 */
u32 nvsvm_emu_fault_get(struct nvsvm_hw *hw)
{
	return READ_ONCE(to_nvsvm_emu(hw)->fault.get);
}

/**
 * nvsvm_emu_fault_put() - The fault_put operation.
 * @hw: The GPU.
 *
 * Context: Any context.
 * Return: PUT; the entries before it are visible to the caller.
 */
u32 nvsvm_emu_fault_put(struct nvsvm_hw *hw)
{
	/* Pairs with smp_store_release() in nvsvm_emu_fault_stall(). */
	return smp_load_acquire(&to_nvsvm_emu(hw)->fault.put);
}

/**
 * nvsvm_emu_fault_set_get() - The fault_set_get operation.
 * @hw: The GPU.
 * @get: New GET, reduced modulo the ring size.
 *
 * Context: Any context.
 */
void nvsvm_emu_fault_set_get(struct nvsvm_hw *hw, u32 get)
{
	struct nvsvm_emu_fault_unit *unit = &to_nvsvm_emu(hw)->fault;

	/* The driver's reads of the entries before the GPU may reuse them. */
	smp_mb();
	WRITE_ONCE(unit->get, get % NVSVM_HW_FAULT_ENTRIES);
}

/**
 * nvsvm_emu_fault_overflow() - The fault_overflow operation.
 * @hw: The GPU.
 *
 * Context: Any context.
 * Return: Whether a fault was dropped since the last call.
 */
bool nvsvm_emu_fault_overflow(struct nvsvm_hw *hw)
{
	struct nvsvm_emu_fault_unit *unit = &to_nvsvm_emu(hw)->fault;
	bool overflow;

	spin_lock(&unit->lock);
	overflow = unit->overflow;
	unit->overflow = false;
	spin_unlock(&unit->lock);
	return overflow;
}

/**
 * nvsvm_emu_fault_intr_set() - The fault_intr_set operation.
 * @hw: The GPU.
 * @work: The work to queue on a fault, or %NULL.
 *
 * Context: Any context.
 */
void nvsvm_emu_fault_intr_set(struct nvsvm_hw *hw, struct work_struct *work)
{
	struct nvsvm_emu_fault_unit *unit = &to_nvsvm_emu(hw)->fault;

	spin_lock(&unit->lock);
	unit->intr = work;
	spin_unlock(&unit->lock);
}

/**
 * nvsvm_emu_fault_replay() - The fault_replay operation.
 * @hw: The GPU.
 *
 * Context: Any context.
 */
void nvsvm_emu_fault_replay(struct nvsvm_hw *hw)
{
	struct nvsvm_emu_fault_unit *unit = &to_nvsvm_emu(hw)->fault;

	spin_lock(&unit->lock);
	WRITE_ONCE(unit->replay_seq, unit->replay_seq + 1);
	spin_unlock(&unit->lock);
	wake_up_all(&unit->waitq);
}

/**
 * nvsvm_emu_fault_cancel() - The fault_cancel operation.
 * @hw: The GPU.
 * @inst: Instance of the faults to cancel.
 * @va: Address in the page of the faults to cancel.
 * @access: The weakest access type to cancel.
 *
 * Like the write-and-atomic cancel mode of NVIDIA's GPUs, a cancel spares
 * the weaker accesses of the page: a read that stalls beside a refused
 * write is replayed, not failed.
 *
 * Context: Any context.
 */
void nvsvm_emu_fault_cancel(struct nvsvm_hw *hw, u64 inst, u64 va,
			    enum nvsvm_hw_access access)
{
	struct nvsvm_emu_fault_unit *unit = &to_nvsvm_emu(hw)->fault;
	struct nvsvm_emu_stall *stall;

	va &= PAGE_MASK;
	spin_lock(&unit->lock);
	list_for_each_entry(stall, &unit->stalled, node)
		if (stall->inst == inst && stall->va == va &&
		    stall->access >= access)
			WRITE_ONCE(stall->result, -EFAULT);
	spin_unlock(&unit->lock);
	wake_up_all(&unit->waitq);
}
