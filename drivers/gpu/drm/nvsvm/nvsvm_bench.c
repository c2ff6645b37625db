// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Bench-only references, built into nvsvm.ko by `make bench` alone
 * (NVSVM_BENCH=y): never in the test module, never in the uAPI. They give
 * bench/nvsvm-bench two measures the driver's own are set against, in the
 * same guest and the same run, through debugfs files under the device's
 * directory, dri/<minor>/bench/:
 *
 * - copy_ceiling: write a page count N; reading gives the nanoseconds of
 *   copy_page() over N freshly allocated pages into N others, the best of
 *   NVSVM_BENCH_COPY_TRIES, as "ns=<best> pages=<N>". The fastest copy the
 *   kernel can do of that many pages: the ceiling of any migration.
 * - hmm_floor: write "ADDR SIZE WINDOW" (hex or decimal); the writer's own
 *   range [ADDR, ADDR + SIZE) is faulted in for write by hmm_range_fault(),
 *   one call a WINDOW-aligned window, under a notifier of its own; reading
 *   gives "ns=<total> pages=<N>". The floor of any GPU fault service over
 *   the same pages: the fault-in alone, nothing mapped.
 *
 * A result is the opener's: each open file holds its own.
 *
 * Copyright 2026 The nvsvm authors
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/hmm.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "nvsvm_drv.h"

/* Tries of copy_ceiling; the best counts. */
#define NVSVM_BENCH_COPY_TRIES	3
/* At most this many pages a measure: 1 GiB. */
#define NVSVM_BENCH_MAX_PAGES	(SZ_1G >> PAGE_SHIFT)

struct nvsvm_bench_result {
	u64 ns;
	u64 pages;
	bool valid;
};

static int nvsvm_bench_open(struct inode *inode, struct file *file)
{
	struct nvsvm_bench_result *r = kzalloc(sizeof(*r), GFP_KERNEL);

	file->private_data = r;
	return r ? 0 : -ENOMEM;
}

static int nvsvm_bench_release(struct inode *inode, struct file *file)
{
	kfree(file->private_data);
	return 0;
}

static ssize_t nvsvm_bench_read(struct file *file, char __user *ubuf,
				size_t len, loff_t *ppos)
{
	struct nvsvm_bench_result *r = file->private_data;
	char buf[64];
	int n;

	if (!r->valid)
		return -ENODATA;
	n = scnprintf(buf, sizeof(buf), "ns=%llu pages=%llu\n", r->ns,
		      r->pages);
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static void nvsvm_bench_free_pages(struct page **pages, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		if (pages[i])
			__free_page(pages[i]);
	kvfree(pages);
}

/* copy_page() from @src[i] to @dst[i] for every i: its nanoseconds. */
static u64 nvsvm_bench_copy(struct page **dst, struct page **src,
			    unsigned long n)
{
	u64 t0 = ktime_get_ns();
	unsigned long i;

	for (i = 0; i < n; i++) {
		copy_highpage(dst[i], src[i]);
		if (!(i & 1023))
			cond_resched();
	}
	return ktime_get_ns() - t0;
}

static int nvsvm_bench_copy_ceiling(unsigned long n, u64 *best)
{
	struct page **src, **dst;
	unsigned long i;
	int try, ret = -ENOMEM;
	u64 ns;

	src = kvcalloc(n, sizeof(*src), GFP_KERNEL);
	dst = kvcalloc(n, sizeof(*dst), GFP_KERNEL);
	if (!src || !dst)
		goto out;
	for (i = 0; i < n; i++) {
		/* As a migration's destination, and its source, would be. */
		src[i] = alloc_page(GFP_HIGHUSER_MOVABLE);
		dst[i] = alloc_page(GFP_HIGHUSER_MOVABLE);
		if (!src[i] || !dst[i])
			goto out;
		memset_page(src[i], 0, 0x5a, PAGE_SIZE);
		clear_highpage(dst[i]);
	}
	*best = U64_MAX;
	for (try = 0; try < NVSVM_BENCH_COPY_TRIES; try++) {
		ns = nvsvm_bench_copy(dst, src, n);
		*best = min(*best, ns);
	}
	ret = 0;
out:
	if (src)
		nvsvm_bench_free_pages(src, n);
	if (dst)
		nvsvm_bench_free_pages(dst, n);
	return ret;
}

static ssize_t nvsvm_bench_copy_write(struct file *file,
				      const char __user *ubuf, size_t len,
				      loff_t *ppos)
{
	struct nvsvm_bench_result *r = file->private_data;
	unsigned long n;
	int ret;

	ret = kstrtoul_from_user(ubuf, len, 0, &n);
	if (ret)
		return ret;
	if (!n || n > NVSVM_BENCH_MAX_PAGES)
		return -EINVAL;
	r->valid = false;
	ret = nvsvm_bench_copy_ceiling(n, &r->ns);
	if (ret)
		return ret;
	r->pages = n;
	r->valid = true;
	return len;
}

static bool nvsvm_bench_invalidate(struct mmu_interval_notifier *mni,
				   const struct mmu_notifier_range *range,
				   unsigned long cur_seq)
{
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops nvsvm_bench_notifier_ops = {
	.invalidate = nvsvm_bench_invalidate,
};

/* hmm_range_fault() for write over one window, until it sticks. */
static int nvsvm_bench_fault_window(struct hmm_range *range,
				    struct mm_struct *mm)
{
	int ret;

	do {
		range->notifier_seq = mmu_interval_read_begin(range->notifier);
		mmap_read_lock(mm);
		ret = hmm_range_fault(range);
		mmap_read_unlock(mm);
	} while (ret == -EBUSY);
	return ret;
}

static int nvsvm_bench_hmm_floor(u64 addr, u64 size, u64 window, u64 *ns)
{
	struct mm_struct *mm = current->mm;
	struct mmu_interval_notifier notifier;
	struct hmm_range range = {
		.notifier = &notifier,
		.default_flags = HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE,
	};
	u64 start, t0;
	int ret;

	if (!mm || !mmget_not_zero(mm))
		return -ESRCH;
	range.hmm_pfns = kvcalloc(window >> PAGE_SHIFT,
				  sizeof(*range.hmm_pfns), GFP_KERNEL);
	if (!range.hmm_pfns) {
		ret = -ENOMEM;
		goto out_put;
	}
	ret = mmu_interval_notifier_insert(&notifier, mm, addr, size,
					   &nvsvm_bench_notifier_ops);
	if (ret)
		goto out_free;

	t0 = ktime_get_ns();
	for (start = addr; start < addr + size; start = range.end) {
		range.start = start;
		range.end = min(ALIGN(start + 1, window), addr + size);
		ret = nvsvm_bench_fault_window(&range, mm);
		if (ret)
			break;
	}
	*ns = ktime_get_ns() - t0;

	mmu_interval_notifier_remove(&notifier);
out_free:
	kvfree(range.hmm_pfns);
out_put:
	mmput(mm);
	return ret;
}

static ssize_t nvsvm_bench_hmm_write(struct file *file,
				     const char __user *ubuf, size_t len,
				     loff_t *ppos)
{
	struct nvsvm_bench_result *r = file->private_data;
	unsigned long long addr, size, window;
	char buf[80];
	int ret;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	if (sscanf(buf, "%lli %lli %lli", &addr, &size, &window) != 3)
		return -EINVAL;
	if (!size || !window || !is_power_of_2(window) ||
	    window < PAGE_SIZE || window > SZ_1G ||
	    !PAGE_ALIGNED(addr) || !PAGE_ALIGNED(size) ||
	    size >> PAGE_SHIFT > NVSVM_BENCH_MAX_PAGES ||
	    addr + size < addr || addr + size > TASK_SIZE)
		return -EINVAL;
	r->valid = false;
	ret = nvsvm_bench_hmm_floor(addr, size, window, &r->ns);
	if (ret)
		return ret;
	r->pages = size >> PAGE_SHIFT;
	r->valid = true;
	return len;
}

static const struct file_operations nvsvm_bench_copy_fops = {
	.owner = THIS_MODULE,
	.open = nvsvm_bench_open,
	.release = nvsvm_bench_release,
	.read = nvsvm_bench_read,
	.write = nvsvm_bench_copy_write,
	.llseek = default_llseek,
};

static const struct file_operations nvsvm_bench_hmm_fops = {
	.owner = THIS_MODULE,
	.open = nvsvm_bench_open,
	.release = nvsvm_bench_release,
	.read = nvsvm_bench_read,
	.write = nvsvm_bench_hmm_write,
	.llseek = default_llseek,
};

/**
 * nvsvm_bench_debugfs_init() - Add the bench-only references of a device.
 * @ndev: The device.
 * @root: Its debugfs directory; removing it removes them.
 *
 * Adds bench/copy_ceiling and bench/hmm_floor (see the top of this file).
 * Built, and called, only when the module is built with NVSVM_BENCH=y.
 */
void nvsvm_bench_debugfs_init(struct nvsvm_device *ndev, struct dentry *root)
{
	struct dentry *dir = debugfs_create_dir("bench", root);

	debugfs_create_file("copy_ceiling", 0600, dir, ndev,
			    &nvsvm_bench_copy_fops);
	debugfs_create_file("hmm_floor", 0600, dir, ndev,
			    &nvsvm_bench_hmm_fops);
}
