// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Copyright 2026 The nvsvm authors
 */

#include <linux/export.h>
#include <linux/debugfs.h>
#include <linux/device.h>
#include <linux/dma-map-ops.h>
#include <linux/lockdep.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <kunit/visibility.h>

#include "nvsvm_emu.h"

/**
 * DOC: Emulated IOMMU
 *
 * A PCI GPU reaches system memory through the DMA API, and on most machines
 * through an IOMMU (VT-d, AMD-Vi) that translates its DMA addresses. Each
 * emulated GPU has an IOMMU of its own: nvsvm_hw_emu_create() installs it as
 * the device's &struct dma_map_ops, so the driver maps pages with
 * dma_map_page() and dma_unmap_page() exactly as for real hardware, and gets
 * back I/O virtual addresses (IOVAs) that are not physical addresses. Every
 * system-memory access of an engine (the page a PTE maps, a copy's source or
 * destination) is translated by nvsvm_emu_iommu_translate():
 *
 * - An IOVA that is not mapped, or is mapped for the other direction (a
 *   device write through a %DMA_TO_DEVICE mapping, a device read through
 *   %DMA_FROM_DEVICE), is an IOMMU fault: the access does not happen, the
 *   engine fails the job or batch with -EIO, &nvsvm_emu_iommu.faults counts
 *   it and the kernel log says "IOMMU fault". The test harness fails a run
 *   whose log has one.
 * - IOVAs start at %NVSVM_EMU_IOVA_BASE, above the RAM of any machine the
 *   driver runs on, so a physical address used as a DMA address faults.
 * - IOVAs are allocated next-fit in a 2^%NVSVM_EMU_IOVA_BITS-byte space,
 *   naturally aligned for power-of-two sizes as iommu-dma does, so that a
 *   freed IOVA comes back as late as possible and a stale one faults rather
 *   than reaching whatever page was mapped there next.
 * - An unmap waits for the accesses in flight through the IOMMU, as the
 *   IOTLB invalidate of a real unmap does: once dma_unmap_page() has
 *   returned, no engine touches the page any more.
 * - Mappings are counted; destroying the GPU with any left is reported as
 *   a leak ("DMA mappings leaked").
 *
 * An unmap whose address, size or direction matches no mapping is a DMA API
 * misuse and warns, as CONFIG_DMA_API_DEBUG would.
 *
 * Debugfs, in the "emu" directory of the DRM device: "iommu" shows the
 * counters and every mapping ("<iova> <r|w|rw> <pages>"); writing an IOVA
 * in hex to "iommu_probe" makes the IOMMU translate a device read of it,
 * and the write fails with -EIO if that faults (a debug port for tests:
 * does a stale IOVA still reach memory?).
 *
 * iommu_passthrough, for benchmarks, makes new mappings identity ones, as
 * iommu=pt does: dma_map_page() returns the physical address, and engines
 * may then use physical addresses. IOVA mappings made before keep working.
 * It says what translation costs; it also hides the bugs above.
 *
 * Kernels without per-device DMA ops (CONFIG_ARCH_HAS_DMA_OPS, which x86 has
 * with GART_IOMMU or XEN) cannot interpose; there the GPU has no IOMMU and a
 * DMA address is the physical address that the DMA API returned.
 */

static bool iommu_passthrough;
module_param(iommu_passthrough, bool, 0644);
MODULE_PARM_DESC(iommu_passthrough,
		 "Bench: the emulated IOMMU maps new DMA mappings 1:1, as iommu=pt does, to measure what translation costs; it no longer catches stale or physical DMA addresses (default false)");

/* A slot: one 4 KiB IOVA page. The value entry holds the PFN and these. */
#define NVSVM_EMU_IOMMU_HEAD	BIT(0)	/* first page of a mapping */
#define NVSVM_EMU_IOMMU_READ	BIT(1)	/* the device may read */
#define NVSVM_EMU_IOMMU_WRITE	BIT(2)	/* the device may write */
#define NVSVM_EMU_IOMMU_SHIFT	3

/* The device's IOMMU hangs off it as a devres, found by its release. */
static void nvsvm_emu_iommu_ref_release(struct device *dev, void *res)
{
}

static struct nvsvm_emu_iommu *nvsvm_emu_iommu_of(struct device *dev)
{
	struct nvsvm_emu_iommu **ref;

	ref = devres_find(dev, nvsvm_emu_iommu_ref_release, NULL, NULL);
	return ref ? *ref : NULL;
}

static unsigned long nvsvm_emu_iommu_perm(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_BIDIRECTIONAL:
		return NVSVM_EMU_IOMMU_READ | NVSVM_EMU_IOMMU_WRITE;
	case DMA_TO_DEVICE:
		return NVSVM_EMU_IOMMU_READ;
	case DMA_FROM_DEVICE:
		return NVSVM_EMU_IOMMU_WRITE;
	default:
		return 0;
	}
}

/* Find @n free slots from @iommu->next on, naturally aligned; -1 if none. */
static long nvsvm_emu_iommu_find(struct nvsvm_emu_iommu *iommu, unsigned long n)
{
	unsigned long align = is_power_of_2(n) ? n : 1;
	unsigned long start = ALIGN(iommu->next, align), index;
	bool wrapped = false;

	lockdep_assert_held(&iommu->slots.xa_lock);

	for (;;) {
		if (start + n > NVSVM_EMU_IOVA_SLOTS) {
			if (wrapped)
				return -1;
			wrapped = true;
			start = 0;
		}
		index = start;
		if (!xa_find(&iommu->slots, &index, start + n - 1, XA_PRESENT))
			return start;
		start = ALIGN(index + 1, align);
		if (wrapped && start >= iommu->next)
			return -1;
	}
}

static dma_addr_t nvsvm_emu_iommu_map_page(struct device *dev,
					   struct page *page,
					   unsigned long offset, size_t size,
					   enum dma_data_direction dir,
					   unsigned long attrs)
{
	struct nvsvm_emu_iommu *iommu = nvsvm_emu_iommu_of(dev);
	unsigned long perm = nvsvm_emu_iommu_perm(dir);
	unsigned long pfn = page_to_pfn(page) + (offset >> PAGE_SHIFT);
	unsigned long n, i, flags;
	long start;

	offset = offset_in_page(offset);
	if (WARN_ON_ONCE(!iommu) || !perm || !size)
		return DMA_MAPPING_ERROR;
	n = PAGE_ALIGN(offset + size) >> PAGE_SHIFT;

	if (READ_ONCE(iommu_passthrough)) {
		atomic_long_inc(&iommu->maps);
		atomic_long_inc(&iommu->live);
		atomic_long_inc(&iommu->identity);
		return PFN_PHYS(pfn) + offset;
	}

	xa_lock_irqsave(&iommu->slots, flags);
	start = nvsvm_emu_iommu_find(iommu, n);
	if (start < 0)
		goto err;
	for (i = 0; i < n; i++) {
		unsigned long v = (pfn + i) << NVSVM_EMU_IOMMU_SHIFT | perm |
				  (i ? 0 : NVSVM_EMU_IOMMU_HEAD);

		/* Like an IOMMU's page tables: no sleeping, no reclaim. */
		if (xa_is_err(__xa_store(&iommu->slots, start + i,
					 xa_mk_value(v),
					 GFP_NOWAIT | __GFP_NOWARN)))
			break;
	}
	if (i < n) {
		while (i--)
			__xa_erase(&iommu->slots, start + i);
		goto err;
	}
	iommu->next = start + n;
	xa_unlock_irqrestore(&iommu->slots, flags);

	atomic_long_inc(&iommu->maps);
	atomic_long_inc(&iommu->live);
	return NVSVM_EMU_IOVA_BASE + ((u64)start << PAGE_SHIFT) + offset;

err:
	xa_unlock_irqrestore(&iommu->slots, flags);
	atomic_long_inc(&iommu->map_errors);
	return DMA_MAPPING_ERROR;
}

static void nvsvm_emu_iommu_unmap_page(struct device *dev, dma_addr_t iova,
				       size_t size, enum dma_data_direction dir,
				       unsigned long attrs)
{
	struct nvsvm_emu_iommu *iommu = nvsvm_emu_iommu_of(dev);
	unsigned long perm = nvsvm_emu_iommu_perm(dir);
	unsigned long start, n, i, v, flags;
	bool bad = false;
	void *entry;

	if (WARN_ON_ONCE(!iommu))
		return;

	/* An identity mapping of iommu_passthrough: nothing to tear down. */
	if (iova < NVSVM_EMU_IOVA_BASE && size &&
	    atomic_long_dec_if_positive(&iommu->identity) >= 0) {
		atomic_long_inc(&iommu->unmaps);
		atomic_long_dec(&iommu->live);
		return;
	}
	if (iova < NVSVM_EMU_IOVA_BASE || !size ||
	    iova - NVSVM_EMU_IOVA_BASE >= NVSVM_EMU_IOVA_SIZE) {
		WARN(1, "nvsvm-emu: unmap of IOVA %pad, which was never mapped\n",
		     &iova);
		return;
	}
	start = (iova - NVSVM_EMU_IOVA_BASE) >> PAGE_SHIFT;
	n = PAGE_ALIGN(offset_in_page(iova) + size) >> PAGE_SHIFT;

	/* The write lock waits for every access in flight: the IOTLB flush. */
	write_lock_irqsave(&iommu->lock, flags);
	xa_lock(&iommu->slots);
	for (i = 0; i <= n && !bad; i++) {
		entry = xa_load(&iommu->slots, start + i);
		v = xa_is_value(entry) ? xa_to_value(entry) : 0;
		if (i == n)
			bad = entry && !(v & NVSVM_EMU_IOMMU_HEAD);
		else
			bad = !entry || !!(v & NVSVM_EMU_IOMMU_HEAD) != !i ||
			      (v & (NVSVM_EMU_IOMMU_READ | NVSVM_EMU_IOMMU_WRITE)) != perm;
	}
	if (!bad) {
		for (i = 0; i < n; i++)
			__xa_erase(&iommu->slots, start + i);
	}
	xa_unlock(&iommu->slots);
	write_unlock_irqrestore(&iommu->lock, flags);

	if (WARN(bad, "nvsvm-emu: unmap of IOVA %pad size %zu dir %d matches no mapping\n",
		 &iova, size, dir))
		return;
	atomic_long_inc(&iommu->unmaps);
	atomic_long_dec(&iommu->live);
}

/**
 * nvsvm_emu_iommu_translate() - Translate one device access to system memory.
 * @emu: The GPU.
 * @iova: The DMA address.
 * @write: The access writes (a write, or an atomic).
 * @pfn: Where the page frame of @iova goes.
 *
 * Must be called inside nvsvm_emu_iommu_lock(), which is held until the
 * access is done. A fault is counted and logged here.
 *
 * Context: Any context.
 * Return: 0, or -EIO for an IOMMU fault.
 */
int nvsvm_emu_iommu_translate(struct nvsvm_emu *emu, u64 iova, bool write,
			      unsigned long *pfn)
{
	struct nvsvm_emu_iommu *iommu = &emu->iommu;
	unsigned long need = write ? NVSVM_EMU_IOMMU_WRITE : NVSVM_EMU_IOMMU_READ;
	const char *why = "not mapped";
	unsigned long v;
	void *entry;

	lockdep_assert_held_read(&iommu->lock);

	if (!iommu->enabled || (iova < NVSVM_EMU_IOVA_BASE &&
				READ_ONCE(iommu_passthrough))) {
		*pfn = iova >> PAGE_SHIFT;
		return pfn_valid(*pfn) ? 0 : -EIO;
	}

	if (iova >= NVSVM_EMU_IOVA_BASE &&
	    iova - NVSVM_EMU_IOVA_BASE < NVSVM_EMU_IOVA_SIZE) {
		entry = xa_load(&iommu->slots,
				(iova - NVSVM_EMU_IOVA_BASE) >> PAGE_SHIFT);
		if (xa_is_value(entry)) {
			v = xa_to_value(entry);
			if (v & need) {
				*pfn = v >> NVSVM_EMU_IOMMU_SHIFT;
				return 0;
			}
			why = write ? "mapped DMA_TO_DEVICE" :
				      "mapped DMA_FROM_DEVICE";
		}
	}

	atomic_long_inc(&iommu->faults);
	dev_err_ratelimited(emu->hw.dev, "IOMMU fault: device %s IOVA %#llx: %s\n",
			    write ? "write to" : "read from", iova, why);
	return -EIO;
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_iommu_translate);

/**
 * nvsvm_emu_iommu_lock() - Start a device access to system memory.
 * @emu: The GPU.
 *
 * Held from nvsvm_emu_iommu_translate() to the end of the access, so that an
 * unmap of the IOVA waits for the access. It does not nest.
 *
 * Context: Any context.
 */
void nvsvm_emu_iommu_lock(struct nvsvm_emu *emu)
	__acquires(&emu->iommu.lock)
{
	read_lock(&emu->iommu.lock);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_iommu_lock);

/**
 * nvsvm_emu_iommu_unlock() - End a device access to system memory.
 * @emu: The GPU.
 *
 * Context: Any context.
 */
void nvsvm_emu_iommu_unlock(struct nvsvm_emu *emu)
	__releases(&emu->iommu.lock)
{
	read_unlock(&emu->iommu.lock);
}
EXPORT_SYMBOL_IF_KUNIT(nvsvm_emu_iommu_unlock);

/* One line of the "iommu" file: a mapping of @pages from slot @head. */
static void nvsvm_emu_iommu_show_mapping(struct seq_file *m, unsigned long head,
					 unsigned long perm, unsigned long pages)
{
	seq_printf(m, "%#llx %s %lu\n",
		   NVSVM_EMU_IOVA_BASE + ((u64)head << PAGE_SHIFT),
		   perm == NVSVM_EMU_IOMMU_READ ? "r" :
		   perm == NVSVM_EMU_IOMMU_WRITE ? "w" : "rw", pages);
}

static int nvsvm_emu_iommu_show(struct seq_file *m, void *data)
{
	struct nvsvm_emu *emu = m->private;
	struct nvsvm_emu_iommu *iommu = &emu->iommu;
	unsigned long index, v, pages = 0, head = 0, perm = 0;
	void *entry;

	seq_printf(m, "enabled %d\nlive %ld\nmaps %ld\nunmaps %ld\nmap_errors %ld\nfaults %ld\n",
		   iommu->enabled, atomic_long_read(&iommu->live),
		   atomic_long_read(&iommu->maps),
		   atomic_long_read(&iommu->unmaps),
		   atomic_long_read(&iommu->map_errors),
		   atomic_long_read(&iommu->faults));

	xa_lock_irq(&iommu->slots);
	xa_for_each(&iommu->slots, index, entry) {
		v = xa_to_value(entry);
		if (pages && (v & NVSVM_EMU_IOMMU_HEAD || index != head + pages)) {
			nvsvm_emu_iommu_show_mapping(m, head, perm, pages);
			pages = 0;
		}
		if (!pages) {
			head = index;
			perm = v & (NVSVM_EMU_IOMMU_READ | NVSVM_EMU_IOMMU_WRITE);
		}
		pages++;
	}
	xa_unlock_irq(&iommu->slots);
	if (pages)
		nvsvm_emu_iommu_show_mapping(m, head, perm, pages);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(nvsvm_emu_iommu);

static ssize_t nvsvm_emu_iommu_probe_write(struct file *file,
					   const char __user *buf,
					   size_t count, loff_t *ppos)
{
	struct nvsvm_emu *emu = file->private_data;
	unsigned long pfn;
	u64 iova;
	int ret;

	ret = kstrtou64_from_user(buf, count, 16, &iova);
	if (ret)
		return ret;
	nvsvm_emu_iommu_lock(emu);
	ret = nvsvm_emu_iommu_translate(emu, iova, false, &pfn);
	nvsvm_emu_iommu_unlock(emu);
	return ret ?: count;
}

static const struct file_operations nvsvm_emu_iommu_probe_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = nvsvm_emu_iommu_probe_write,
};

/**
 * nvsvm_emu_iommu_debugfs_init() - Add the IOMMU's debugfs files.
 * @emu: The GPU.
 * @dir: The emulator's debugfs directory.
 *
 * Context: Process context.
 */
void nvsvm_emu_iommu_debugfs_init(struct nvsvm_emu *emu, struct dentry *dir)
{
	debugfs_create_file("iommu", 0400, dir, emu, &nvsvm_emu_iommu_fops);
	debugfs_create_file("iommu_probe", 0200, dir, emu,
			    &nvsvm_emu_iommu_probe_fops);
}

static const struct dma_map_ops nvsvm_emu_iommu_ops = {
	.map_page = nvsvm_emu_iommu_map_page,
	.unmap_page = nvsvm_emu_iommu_unmap_page,
};

/**
 * nvsvm_emu_iommu_init() - Put the GPU's device behind its IOMMU.
 * @emu: The GPU; @emu->hw.dev is set, with its DMA mask.
 *
 * Context: Process context.
 * Return: 0, -EINVAL if the device's DMA mask does not cover the IOVAs, or
 * -ENOMEM.
 */
int nvsvm_emu_iommu_init(struct nvsvm_emu *emu)
{
	struct nvsvm_emu_iommu *iommu = &emu->iommu, **ref;
	struct device *dev = emu->hw.dev;

	if (dma_get_mask(dev) < NVSVM_EMU_IOVA_BASE + NVSVM_EMU_IOVA_SIZE - 1)
		return -EINVAL;

	ref = devres_alloc(nvsvm_emu_iommu_ref_release, sizeof(*ref), GFP_KERNEL);
	if (!ref)
		return -ENOMEM;
	*ref = iommu;

	rwlock_init(&iommu->lock);
	xa_init_flags(&iommu->slots, XA_FLAGS_LOCK_IRQ);
	iommu->enabled = IS_ENABLED(CONFIG_ARCH_HAS_DMA_OPS);
	devres_add(dev, ref);
	if (iommu->enabled)
		set_dma_ops(dev, &nvsvm_emu_iommu_ops);
	return 0;
}

/**
 * nvsvm_emu_iommu_fini() - Take the device from behind its IOMMU.
 * @emu: The GPU.
 *
 * Reports the mappings still live: their pages would stay reachable by a
 * device that the driver has forgotten.
 *
 * Context: Process context.
 */
void nvsvm_emu_iommu_fini(struct nvsvm_emu *emu)
{
	struct nvsvm_emu_iommu *iommu = &emu->iommu;
	long live = atomic_long_read(&iommu->live);

	if (live)
		dev_err(emu->hw.dev, "IOMMU: %ld DMA mappings leaked\n", live);
	if (iommu->enabled)
		set_dma_ops(emu->hw.dev, NULL);
	devres_release(emu->hw.dev, nvsvm_emu_iommu_ref_release, NULL, NULL);
	xa_destroy(&iommu->slots);
}
