// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/export.h>
#include <linux/lockdep.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>

#include <kunit/visibility.h>

#include "nvsvm_emu.h"

/**
 * DOC: Emulated peer-to-peer
 *
 * Two emulated GPUs reach each other's VRAM as two GPUs under one PCIe
 * switch do: the copy engine of one reads and writes the VRAM of the other
 * through its BAR, peer-to-peer. nvsvm_emu_peer_connect() puts the peer in
 * a free entry of the GPU's peer table (%NVSVM_HW_MAX_PEERS of them, the
 * lowest first); the entry's index is the peer index that copies name.
 *
 * A peer copy is a path of its own in the copy engine: its peer operand
 * goes through the peer's VRAM accessor, bounds-checked against the peer's
 * VRAM, never the local VRAM nor the IOMMU (peer traffic does not reach
 * the root complex). The copy engine counts the bytes it reads from and
 * writes to peers, and those it moves to and from system memory, in its
 * debugfs file "ce": a migration from one GPU to the other that shows peer
 * bytes and no system bytes went through no system memory.
 *
 * With the module parameter peer_access=0, the platform routes no
 * peer-to-peer (as behind a root complex that does not, or with ACS
 * redirecting it to the IOMMU): every connect fails with -EOPNOTSUPP, and
 * the driver must bounce through system memory. The parameter is read at
 * connect time; connections already open stay.
 *
 * Lifetime. A peer's VRAM is never touched once the connection is closed:
 *
 * - A copy looks its peer up in the table when it runs, not when it is
 *   queued, and holds the GPU's &nvsvm_emu.peer_sem for reading while it
 *   touches the peer's VRAM, a chunk of at most %NVSVM_HW_COPY_MAX_LEN.
 * - A disconnect changes the entry with that lock held for writing: it
 *   waits for the chunk in flight, and the copies after it find the entry
 *   changed. The module parameter debug_peer_delay_us holds each chunk of
 *   a peer copy in flight that long, for tests of this rule.
 * - A batch records the generation of every entry when it is checked and
 *   queued, under the same lock. A copy whose entry has changed since
 *   (disconnected, even if reconnected to another GPU at the same index)
 *   fails the batch with -EIO, and the batch stops there, as for an
 *   address outside memory.
 * - Destroying a GPU disconnects it both ways, from its own peers and from
 *   every GPU that reaches it, before its VRAM is freed. A global list of
 *   every emulated GPU, under nvsvm_emu_peer_lock, is where it finds them.
 *
 * Debugfs, in the "emu" directory of the DRM device: "peers" says whether
 * peer access is on, then one line per open connection, "<index>
 * <device>".
 */

/* Not static: the KUnit tests set it. */
bool nvsvm_emu_peer_access = true;
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_peer_access);
module_param_named(peer_access, nvsvm_emu_peer_access, bool, 0644);
MODULE_PARM_DESC(peer_access,
		 "The platform routes PCIe peer-to-peer between the emulated GPUs, so that each copy engine may reach the other GPUs' VRAM (default true; false: connecting peers fails, and the driver bounces through system memory)");

/* Serializes every change of a peer table; guards the list of GPUs. */
static DEFINE_MUTEX(nvsvm_emu_peer_lock);
static LIST_HEAD(nvsvm_emu_gpus);

/**
 * nvsvm_emu_peer_init() - Give a new GPU an empty peer table.
 * @emu: The GPU, ready but for its peers.
 *
 * From the return on, other GPUs may connect to @emu.
 *
 * Context: Process context, may sleep.
 */
void nvsvm_emu_peer_init(struct nvsvm_emu *emu)
{
	init_rwsem(&emu->peer_sem);
	mutex_lock(&nvsvm_emu_peer_lock);
	list_add_tail(&emu->peer_node, &nvsvm_emu_gpus);
	mutex_unlock(&nvsvm_emu_peer_lock);
}

/* Change a table entry once no copy goes through it. */
static void nvsvm_emu_peer_set(struct nvsvm_emu *emu, unsigned int index,
			       struct nvsvm_emu *peer)
{
	lockdep_assert_held(&nvsvm_emu_peer_lock);
	down_write(&emu->peer_sem);
	emu->peers[index].emu = peer;
	emu->peers[index].gen++;
	WRITE_ONCE(emu->hw.peer_vram_size[index],
		   peer ? peer->hw.vram_size : 0);
	up_write(&emu->peer_sem);
}

/**
 * nvsvm_emu_peer_fini() - Disconnect a GPU from every peer, both ways.
 * @emu: The GPU, about to free its VRAM.
 *
 * Waits for the peer copies in flight, of @emu and to @emu.
 *
 * Context: Process context, may sleep.
 */
void nvsvm_emu_peer_fini(struct nvsvm_emu *emu)
{
	struct nvsvm_emu *other;
	unsigned int i;

	mutex_lock(&nvsvm_emu_peer_lock);
	list_del(&emu->peer_node);
	list_for_each_entry(other, &nvsvm_emu_gpus, peer_node)
		for (i = 0; i < NVSVM_HW_MAX_PEERS; i++)
			if (other->peers[i].emu == emu)
				nvsvm_emu_peer_set(other, i, NULL);
	for (i = 0; i < NVSVM_HW_MAX_PEERS; i++)
		if (emu->peers[i].emu)
			nvsvm_emu_peer_set(emu, i, NULL);
	mutex_unlock(&nvsvm_emu_peer_lock);
}

/**
 * nvsvm_emu_peer_connect() - The peer_connect operation.
 * @hw: The GPU whose copy engine is to reach @peer_hw.
 * @peer_hw: The peer.
 *
 * Context: Process context, may sleep.
 * Return: The peer index; -EINVAL, -EOPNOTSUPP or -ENOSPC.
 */
int nvsvm_emu_peer_connect(struct nvsvm_hw *hw, struct nvsvm_hw *peer_hw)
{
	struct nvsvm_emu *emu = to_nvsvm_emu(hw), *peer;
	int index, free = -ENOSPC;

	if (peer_hw == hw)
		return -EINVAL;
	/* Another backend's VRAM is no emulated BAR. */
	if (peer_hw->ops != hw->ops || !READ_ONCE(nvsvm_emu_peer_access))
		return -EOPNOTSUPP;
	peer = to_nvsvm_emu(peer_hw);

	mutex_lock(&nvsvm_emu_peer_lock);
	for (index = 0; index < NVSVM_HW_MAX_PEERS; index++) {
		if (emu->peers[index].emu == peer)
			break;
		if (!emu->peers[index].emu && free < 0)
			free = index;
	}
	if (index == NVSVM_HW_MAX_PEERS) {
		index = free;
		if (index >= 0)
			nvsvm_emu_peer_set(emu, index, peer);
	}
	mutex_unlock(&nvsvm_emu_peer_lock);
	return index;
}

/**
 * nvsvm_emu_peer_disconnect() - The peer_disconnect operation.
 * @hw: The GPU.
 * @peer_hw: The peer it is to reach no more.
 *
 * Context: Process context, may sleep: until no copy of @hw touches
 * @peer_hw's VRAM.
 */
void nvsvm_emu_peer_disconnect(struct nvsvm_hw *hw, struct nvsvm_hw *peer_hw)
{
	struct nvsvm_emu *emu = to_nvsvm_emu(hw);
	unsigned int i;

	mutex_lock(&nvsvm_emu_peer_lock);
	for (i = 0; i < NVSVM_HW_MAX_PEERS; i++)
		if (emu->peers[i].emu && &emu->peers[i].emu->hw == peer_hw)
			nvsvm_emu_peer_set(emu, i, NULL);
	mutex_unlock(&nvsvm_emu_peer_lock);
}

/**
 * nvsvm_emu_peer_get() - The GPU that a copy reaches at a peer index.
 * @emu: The GPU whose copy engine runs the copy, with &nvsvm_emu.peer_sem
 *	held for reading until it is done with the peer's VRAM.
 * @index: The peer index.
 * @gens: The generations of @emu's peer table entries when the copy's
 *	batch was checked.
 *
 * Context: Any context that holds the lock.
 * Return: The peer, or %NULL if the connection the batch was checked
 * against is closed.
 */
struct nvsvm_emu *nvsvm_emu_peer_get(struct nvsvm_emu *emu, u16 index,
				     const u32 *gens)
{
	lockdep_assert_held_read(&emu->peer_sem);
	if (index >= NVSVM_HW_MAX_PEERS || emu->peers[index].gen != gens[index])
		return NULL;
	return emu->peers[index].emu;
}

static int nvsvm_emu_peers_show(struct seq_file *m, void *data)
{
	struct nvsvm_emu *emu = m->private;
	unsigned int i;

	seq_printf(m, "peer_access %d\n", READ_ONCE(nvsvm_emu_peer_access));
	mutex_lock(&nvsvm_emu_peer_lock);
	for (i = 0; i < NVSVM_HW_MAX_PEERS; i++)
		if (emu->peers[i].emu)
			seq_printf(m, "%u %s\n", i,
				   dev_name(emu->peers[i].emu->hw.dev));
	mutex_unlock(&nvsvm_emu_peer_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nvsvm_emu_peers);

/**
 * nvsvm_emu_peer_debugfs_init() - Add the "peers" file.
 * @emu: The GPU.
 * @dir: The emulator's debugfs directory.
 *
 * Context: Process context.
 */
void nvsvm_emu_peer_debugfs_init(struct nvsvm_emu *emu, struct dentry *dir)
{
	debugfs_create_file("peers", 0400, dir, emu, &nvsvm_emu_peers_fops);
}
