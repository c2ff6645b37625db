/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * Copyright 2026 The nvsvm authors
 *
 * Trace events of nvsvm, in tracefs under events/nvsvm/. Every event prints
 * space-separated key=value pairs only, so that one generic parser reads
 * them all: addresses in hex (0x...), counts and durations (ns=, measured
 * with ktime_get_ns()) in decimal, enums as lowercase words, and dev= the
 * GPU's index (%DRM_NVSVM_PARAM_DEVICE_INDEX, the N of its platform device
 * nvsvm<N>). docs/tracing.md lists them, and the STATS counter each one
 * adds up to.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM nvsvm

/* Helpers of the events, outside the part that define_trace.h reads again. */
#ifndef _NVSVM_TRACE_HELPERS_H_
#define _NVSVM_TRACE_HELPERS_H_

#include <linux/ktime.h>
#include <linux/mmu_notifier.h>
#include <linux/types.h>

#include "nvsvm_hw.h"

/*
 * The start of a timed event's span: ktime_get_ns() while the event is
 * enabled, 0 otherwise. The event measures its ns= when it is recorded,
 * and reports 0 for a span that started while it was disabled.
 */
#define nvsvm_trace_start(event) \
	(trace_##event##_enabled() ? ktime_get_ns() : 0)

static inline u64 nvsvm_trace_ns(u64 t0)
{
	return t0 ? ktime_get_ns() - t0 : 0;
}

/*
 * End a phase of a timed event's span: add the time since *@t to *@ns and
 * start the next phase. A no-op, reading no clock, while *@t is 0 (the
 * event was disabled when the span started).
 */
static inline void nvsvm_trace_lap(u64 *t, u64 *ns)
{
	u64 now;

	if (!*t)
		return;
	now = ktime_get_ns();
	*ns += now - *t;
	*t = now;
}

/**
 * struct nvsvm_trace_migrate_ns - The phases of one migration step, in ns.
 * @setup: migrate_vma_setup() (collect, unmap the CPU's PTEs) and the
 *	allocation of the destination pages.
 * @unmap: The GPU invalidation of the pages that move: PTE clears and the
 *	TLB flush.
 * @dma: DMA mapping and unmapping of the system pages.
 * @copy: The copy engine, from the submission to the fence.
 * @pages: migrate_vma_pages().
 * @map: The GPU PTEs of the new VRAM pages (to VRAM only).
 * @finalize: migrate_vma_finalize(): the CPU's PTEs back, pages released.
 */
struct nvsvm_trace_migrate_ns {
	u64 setup;
	u64 unmap;
	u64 dma;
	u64 copy;
	u64 pages;
	u64 map;
	u64 finalize;
};

/* An mmu notifier event that nvsvm_trace_notify() does not know: "other". */
#define NVSVM_TRACE_NOTIFY_OTHER	0xff

static inline unsigned int nvsvm_trace_notify_event(unsigned int event)
{
	return event <= MMU_NOTIFY_EXCLUSIVE ? event : NVSVM_TRACE_NOTIFY_OTHER;
}

#endif /* _NVSVM_TRACE_HELPERS_H_ */

#if !defined(_NVSVM_TRACE_H_) || defined(TRACE_HEADER_MULTI_READ)
#define _NVSVM_TRACE_H_

#include <linux/tracepoint.h>

TRACE_DEFINE_ENUM(NVSVM_HW_ACCESS_READ);
TRACE_DEFINE_ENUM(NVSVM_HW_ACCESS_WRITE);
TRACE_DEFINE_ENUM(NVSVM_HW_ACCESS_ATOMIC);

#define nvsvm_trace_access(access) \
	__print_symbolic(access, \
			 { NVSVM_HW_ACCESS_READ, "read" }, \
			 { NVSVM_HW_ACCESS_WRITE, "write" }, \
			 { NVSVM_HW_ACCESS_ATOMIC, "atomic" })

TRACE_DEFINE_ENUM(MMU_NOTIFY_UNMAP);
TRACE_DEFINE_ENUM(MMU_NOTIFY_CLEAR);
TRACE_DEFINE_ENUM(MMU_NOTIFY_PROTECTION_VMA);
TRACE_DEFINE_ENUM(MMU_NOTIFY_PROTECTION_PAGE);
TRACE_DEFINE_ENUM(MMU_NOTIFY_SOFT_DIRTY);
TRACE_DEFINE_ENUM(MMU_NOTIFY_RELEASE);
TRACE_DEFINE_ENUM(MMU_NOTIFY_MIGRATE);
TRACE_DEFINE_ENUM(MMU_NOTIFY_EXCLUSIVE);

#define nvsvm_trace_notify(event) \
	__print_symbolic(event, \
			 { MMU_NOTIFY_UNMAP, "unmap" }, \
			 { MMU_NOTIFY_CLEAR, "clear" }, \
			 { MMU_NOTIFY_PROTECTION_VMA, "protection_vmaonly" }, \
			 { MMU_NOTIFY_PROTECTION_PAGE, "protection_page" }, \
			 { MMU_NOTIFY_SOFT_DIRTY, "soft_dirty" }, \
			 { MMU_NOTIFY_RELEASE, "release" }, \
			 { MMU_NOTIFY_MIGRATE, "migrate" }, \
			 { MMU_NOTIFY_EXCLUSIVE, "exclusive" }, \
			 { NVSVM_TRACE_NOTIFY_OTHER, "other" })

/* A GPU fault read from the fault buffer: counts in STATS faults. */
TRACE_EVENT(nvsvm_gpu_fault,
	    TP_PROTO(unsigned int dev, u64 addr, unsigned int access),
	    TP_ARGS(dev, addr, access),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(unsigned int, access)
			     __field(u64, addr)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->access = access;
			   __entry->addr = addr;),
	    TP_printk("dev=%u addr=0x%llx access=%s",
		      __entry->dev, __entry->addr,
		      nvsvm_trace_access(__entry->access))
);

/*
 * A batch of one address space's faults serviced, up to its replay: STATS
 * fault_batches. @windows and @pages are those of its nvsvm_fault_window
 * events. @queued_ns is how long its oldest fault waited, from the entry
 * the GPU wrote into the fault buffer to the start of the service, which
 * ns= then times up to the replay. Of ns=, @fault_ns went to faulting the
 * pages in (hmm_range_fault()), @migrate_ns to migrations of the ranges
 * that prefer VRAM, and @map_ns to writing the GPU PTEs and flushing.
 */
TRACE_EVENT(nvsvm_fault_batch,
	    TP_PROTO(unsigned int dev, unsigned int faults, unsigned int windows,
		     u64 pages, u64 queued_ns, u64 fault_ns, u64 migrate_ns,
		     u64 map_ns, u64 t0),
	    TP_ARGS(dev, faults, windows, pages, queued_ns, fault_ns,
		    migrate_ns, map_ns, t0),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(unsigned int, faults)
			     __field(unsigned int, windows)
			     __field(u64, pages)
			     __field(u64, queued_ns)
			     __field(u64, fault_ns)
			     __field(u64, migrate_ns)
			     __field(u64, map_ns)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->faults = faults;
			   __entry->windows = windows;
			   __entry->pages = pages;
			   __entry->queued_ns = queued_ns;
			   __entry->fault_ns = fault_ns;
			   __entry->migrate_ns = migrate_ns;
			   __entry->map_ns = map_ns;
			   __entry->ns = nvsvm_trace_ns(t0);),
	    TP_printk("dev=%u faults=%u windows=%u pages=%llu queued_ns=%llu fault_ns=%llu migrate_ns=%llu map_ns=%llu ns=%llu",
		      __entry->dev, __entry->faults, __entry->windows,
		      __entry->pages, __entry->queued_ns, __entry->fault_ns,
		      __entry->migrate_ns, __entry->map_ns, __entry->ns)
);

/*
 * A window of a fault batch faulted in and mapped: @pages of it, which
 * STATS pages_mapped adds up. @access is the strongest access that faulted
 * in it.
 */
TRACE_EVENT(nvsvm_fault_window,
	    TP_PROTO(unsigned int dev, u64 start, u64 end, u64 pages,
		     unsigned int access, u64 t0),
	    TP_ARGS(dev, start, end, pages, access, t0),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(unsigned int, access)
			     __field(u64, start)
			     __field(u64, end)
			     __field(u64, pages)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->access = access;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->pages = pages;
			   __entry->ns = nvsvm_trace_ns(t0);),
	    TP_printk("dev=%u start=0x%llx end=0x%llx pages=%llu access=%s ns=%llu",
		      __entry->dev, __entry->start, __entry->end, __entry->pages,
		      nvsvm_trace_access(__entry->access), __entry->ns)
);

/* A CPU fault on a VRAM page (migrate_to_ram): STATS cpu_faults. */
TRACE_EVENT(nvsvm_cpu_fault,
	    TP_PROTO(unsigned int dev, u64 addr, u64 pages, u64 t0),
	    TP_ARGS(dev, addr, pages, t0),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(u64, addr)
			     __field(u64, pages)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->addr = addr;
			   __entry->pages = pages;
			   __entry->ns = nvsvm_trace_ns(t0);),
	    TP_printk("dev=%u addr=0x%llx pages=%llu ns=%llu",
		      __entry->dev, __entry->addr, __entry->pages, __entry->ns)
);

/*
 * One step of a migration of a range, within a VMA and a 2 MiB block: by
 * MIGRATE, a GPU fault on advised memory or a CPU fault. Its @moved pages
 * count in STATS migrated_to_vram or migrated_to_sys; evictions, which
 * move VRAM pages that have no address, count in the latter too. The
 * *_ns fields split ns= into the phases of &struct nvsvm_trace_migrate_ns.
 */
TRACE_EVENT(nvsvm_migrate,
	    TP_PROTO(unsigned int dev, bool to_vram, u64 start, u64 end,
		     u64 moved, u64 skipped,
		     const struct nvsvm_trace_migrate_ns *phase, u64 t0),
	    TP_ARGS(dev, to_vram, start, end, moved, skipped, phase, t0),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(bool, to_vram)
			     __field(u64, start)
			     __field(u64, end)
			     __field(u64, moved)
			     __field(u64, skipped)
			     __field(u64, setup_ns)
			     __field(u64, unmap_ns)
			     __field(u64, dma_ns)
			     __field(u64, copy_ns)
			     __field(u64, pages_ns)
			     __field(u64, map_ns)
			     __field(u64, finalize_ns)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->to_vram = to_vram;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->moved = moved;
			   __entry->skipped = skipped;
			   __entry->setup_ns = phase->setup;
			   __entry->unmap_ns = phase->unmap;
			   __entry->dma_ns = phase->dma;
			   __entry->copy_ns = phase->copy;
			   __entry->pages_ns = phase->pages;
			   __entry->map_ns = phase->map;
			   __entry->finalize_ns = phase->finalize;
			   __entry->ns = nvsvm_trace_ns(t0);),
	    TP_printk("dev=%u dir=%s start=0x%llx end=0x%llx moved=%llu skipped=%llu setup_ns=%llu unmap_ns=%llu dma_ns=%llu copy_ns=%llu pages_ns=%llu map_ns=%llu finalize_ns=%llu ns=%llu",
		      __entry->dev,
		      __print_symbolic(__entry->to_vram,
				       { 0, "to_sys" }, { 1, "to_vram" }),
		      __entry->start, __entry->end, __entry->moved,
		      __entry->skipped, __entry->setup_ns, __entry->unmap_ns,
		      __entry->dma_ns, __entry->copy_ns, __entry->pages_ns, __entry->map_ns,
		      __entry->finalize_ns, __entry->ns)
);

/*
 * An mmu notifier invalidation: one that unmapped (STATS invalidations),
 * or one of this GPU's own migrations, skipped (invalidations_skipped).
 */
TRACE_EVENT(nvsvm_invalidate,
	    TP_PROTO(unsigned int dev, unsigned int event, u64 start,
		     u64 end, bool skipped),
	    TP_ARGS(dev, event, start, end, skipped),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(unsigned int, event)
			     __field(u64, start)
			     __field(u64, end)
			     __field(bool, skipped)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->event = nvsvm_trace_notify_event(event);
			   __entry->start = start;
			   __entry->end = end;
			   __entry->skipped = skipped;),
	    TP_printk("dev=%u event=%s start=0x%llx end=0x%llx skipped=%u",
		      __entry->dev, nvsvm_trace_notify(__entry->event),
		      __entry->start, __entry->end, __entry->skipped)
);

/* A chunk of VRAM evicted to system memory: STATS evictions, in pages. */
TRACE_EVENT(nvsvm_evict,
	    TP_PROTO(unsigned int dev, u64 pages, u64 t0),
	    TP_ARGS(dev, pages, t0),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(u64, pages)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->pages = pages;
			   __entry->ns = nvsvm_trace_ns(t0);),
	    TP_printk("dev=%u pages=%llu ns=%llu",
		      __entry->dev, __entry->pages, __entry->ns)
);

/*
 * A system page granted to the GPU for atomics (STATS exclusive_grants),
 * or an invalidation that took one back (exclusive_revocations).
 */
TRACE_EVENT(nvsvm_exclusive,
	    TP_PROTO(unsigned int dev, bool revoke, u64 addr),
	    TP_ARGS(dev, revoke, addr),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(bool, revoke)
			     __field(u64, addr)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->revoke = revoke;
			   __entry->addr = addr;),
	    TP_printk("dev=%u op=%s addr=0x%llx",
		      __entry->dev,
		      __print_symbolic(__entry->revoke,
				       { 0, "grant" }, { 1, "revoke" }),
		      __entry->addr)
);

/*
 * Thrashing mitigation (DOC: Thrashing in nvsvm_perf.c): a page found
 * thrashing (op=detect, STATS thrash_detections), a faulting side delayed
 * for ns= (op=throttle, STATS throttles; addr= the start of the range), or
 * a page pinned where it is (op=pin, STATS pins).
 */
TRACE_EVENT(nvsvm_thrash,
	    TP_PROTO(unsigned int dev, unsigned int op, u64 addr, u64 ns),
	    TP_ARGS(dev, op, addr, ns),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(unsigned int, op)
			     __field(u64, addr)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->op = op;
			   __entry->addr = addr;
			   __entry->ns = ns;),
	    TP_printk("dev=%u op=%s addr=0x%llx ns=%llu",
		      __entry->dev,
		      __print_symbolic(__entry->op,
				       { 0, "detect" }, { 1, "throttle" },
				       { 2, "pin" }),
		      __entry->addr, __entry->ns)
);

/* A GPU TLB invalidation of a range, and its ns: STATS tlb_flushes. */
TRACE_EVENT(nvsvm_tlb_flush,
	    TP_PROTO(unsigned int dev, u64 start, u64 end, u64 t0),
	    TP_ARGS(dev, start, end, t0),
	    TP_STRUCT__entry(__field(unsigned int, dev)
			     __field(u64, start)
			     __field(u64, end)
			     __field(u64, ns)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->start = start;
			   __entry->end = end;
			   __entry->ns = nvsvm_trace_ns(t0);),
	    TP_printk("dev=%u start=0x%llx end=0x%llx ns=%llu",
		      __entry->dev, __entry->start, __entry->end, __entry->ns)
);

#endif /* _NVSVM_TRACE_H_ */

/* This part must be outside the include guard: define_trace.h reads it. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE nvsvm_trace
#include <trace/define_trace.h>
