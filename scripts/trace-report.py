#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn a recorded nvsvm trace into a timeline, a latency histogram and a
short text summary.

    scripts/trace-report.py [--timeline OUT.png] [--histogram OUT.png]
                            [--dev N] TRACE

TRACE is the text of /sys/kernel/tracing/trace (or trace_pipe, or the
output of `trace-cmd report`; "-" reads stdin) with the nvsvm events
enabled. Their format is key=value pairs (see docs/tracing.md):

    nvsvm-demo-123 [001] .....  12.345678: nvsvm_migrate: dev=0 dir=to_vram ...

The summary goes to stdout: the count of each event per device, and the
percentiles of the durations (ns=) of fault batches, fault windows,
migration steps, CPU fault-backs and evictions. Lines written to
trace_marker show up on the timeline as labelled vertical lines.

Exit status: 0 when everything asked for was written, 1 when the trace holds
no nvsvm event (for the devices asked for) or nothing to draw a picture
from, 2 on bad usage or an unreadable trace.

The pictures need matplotlib (Debian: python3-matplotlib, see `make deps`),
for this interpreter; the text summary does not.
"""

import argparse
import collections
import io
import math
import os
import re
import sys

# TASK-PID [CPU] [FLAGS] TIMESTAMP: [SYSTEM:]EVENT: ARGS. The task may hold
# spaces and may be followed by "(TGID)"; the irq-flags column is there
# unless the irq-info option is off; `trace-cmd report` prints the same
# columns, perf script has "TASK PID [CPU] TS: SYSTEM:EVENT: ARGS".
LINE_RE = re.compile(
    r"^\s*(?P<task>.*?)\s+\[(?P<cpu>\d+)\]\s+"
    r"(?:(?P<flags>[^\s:]{4,6})\s+)?"
    r"(?P<ts>\d+\.\d+):\s+"
    r"(?:\w+:)?(?P<event>\w+):\s*(?P<args>.*?)\s*$")
ARG_RE = re.compile(r"(\w+)=(\S+)")
# "CPU:1 [LOST 42 EVENTS]" (ftrace), "CPU:1 [42 EVENTS DROPPED]" (trace-cmd).
LOST_RE = re.compile(r"\[(?:LOST (\d+) EVENTS|(\d+) EVENTS DROPPED)\]")
# The header of the trace file: what the ring buffer holds, of what was
# written; more written than held means it wrapped and lost the start.
ENTRIES_RE = re.compile(r"entries-in-buffer/entries-written:\s*(\d+)/(\d+)")

MARKER_EVENT = "tracing_mark_write"

# Every event of the spec, in the order of the summary.
EVENTS = [
    "nvsvm_gpu_fault", "nvsvm_fault_batch", "nvsvm_fault_window",
    "nvsvm_cpu_fault", "nvsvm_migrate", "nvsvm_invalidate", "nvsvm_evict",
    "nvsvm_exclusive", "nvsvm_tlb_flush", "nvsvm_thrash",
]

# The durations the histogram shows: (label, event, filter).
LATENCIES = [
    ("fault batch", "nvsvm_fault_batch", None),
    ("fault window", "nvsvm_fault_window", None),
    ("migrate to VRAM", "nvsvm_migrate", ("dir", "to_vram")),
    ("migrate to system", "nvsvm_migrate", ("dir", "to_sys")),
    ("CPU fault-back", "nvsvm_cpu_fault", None),
    ("eviction", "nvsvm_evict", None),
]
PERCENTILES = (50, 90, 99)
# The colours of the same events on the timeline.
LATENCY_COLORS = {
    "fault batch": "#55a868", "fault window": "#8cc79a",
    "migrate to VRAM": "#8172b3", "migrate to system": "#937860",
    "CPU fault-back": "#da8bc3", "eviction": "#c44e52",
}


class Event:
    __slots__ = ("ts", "name", "dev", "args")

    def __init__(self, ts, name, dev, args):
        self.ts = ts        # seconds, the trace clock's
        self.name = name
        self.dev = dev
        self.args = args    # key -> int or str

    def ns(self):
        return self.args.get("ns", 0)


class Trace:
    def __init__(self):
        self.events = []
        self.markers = []       # (ts, text)
        self.malformed = []     # nvsvm lines without a dev=N
        self.lost = 0           # events the ring buffer dropped
        self.overwritten = 0    # events the ring buffer wrapped over
        self.t0 = 0.0           # time 0 of the pictures, in the trace's s
        self.window = None      # (from, to) in ms after t0, or None


def value(text):
    try:
        return int(text, 0)
    except ValueError:
        return text


def parse(lines):
    t = Trace()
    for line in lines:
        m = LOST_RE.search(line)
        if m and line.lstrip().startswith("CPU:"):
            t.lost += int(m.group(1) or m.group(2))
            continue
        if line.startswith("#"):
            m = ENTRIES_RE.search(line)
            if m:
                t.overwritten += int(m.group(2)) - int(m.group(1))
            continue
        m = LINE_RE.match(line)
        if not m:
            continue
        name, ts = m.group("event"), float(m.group("ts"))
        if name == MARKER_EVENT:
            t.markers.append((ts, m.group("args")))
            continue
        if not name.startswith("nvsvm_"):
            continue
        args = {k: value(v) for k, v in ARG_RE.findall(m.group("args"))}
        if not isinstance(args.get("dev"), int):
            t.malformed.append(line.rstrip("\n"))
            continue
        t.events.append(Event(ts, name, args.pop("dev"), args))
    t.events.sort(key=lambda e: e.ts)
    return t


def percentile(sorted_values, p):
    """The nearest-rank percentile of a sorted, non-empty list."""
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def latencies(events):
    """label -> sorted list of ns, for the durations present.

    ns=0 means the event was enabled while its span was under way: its
    duration is unknown, not short, so it counts in no distribution.
    """
    out = collections.OrderedDict()
    for label, name, filt in LATENCIES:
        v = sorted(e.ns() for e in events if e.name == name and
                   (filt is None or e.args.get(filt[0]) == filt[1]) and
                   e.ns() > 0)
        if v:
            out[label] = v
    return out


def clock_step(events):
    """The step of a coarse clock that every duration is a multiple of
    (the jiffies' 4 ms, in a VM that gave up its TSC), or None."""
    v = [e.ns() for e in events if e.ns() > 0]
    if len(v) < 8 or min(v) < 1000000:
        return None
    step = min(v)
    on = sum(1 for n in v if abs(n / step - round(n / step)) < 0.01)
    return step if on >= 0.9 * len(v) else None


def fmt_ns(ns):
    if ns >= 1e9:
        return f"{ns / 1e9:.3g} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.3g} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.3g} us"
    return f"{ns:.0f} ns"


def summary(t, events, devs, source, out):
    span = events[-1].ts - events[0].ts
    print(f"nvsvm trace {source}: {len(events)} events on "
          f"{len(devs)} device(s) over {span * 1e3:.3f} ms", file=out)
    if t.window:
        print(f"  only {t.window[0]:g} to {t.window[1]:g} ms after the "
              f"start of the trace's first span", file=out)
    counts = collections.Counter((e.name, e.dev) for e in events)
    head = "".join(f"{'dev' + str(d):>9}" for d in devs)
    print(f"  {'event':<22}{head}", file=out)
    for name in EVENTS:
        row = "".join(f"{counts[name, d]:>9}" for d in devs)
        print(f"  {name:<22}{row}", file=out)
    extra = sorted({e.name for e in events} - set(EVENTS))
    for name in extra:
        row = "".join(f"{counts[name, d]:>9}" for d in devs)
        print(f"  {name:<22}{row}", file=out)
    moved = collections.Counter()
    for e in events:
        if e.name == "nvsvm_migrate":
            moved[e.args.get("dir"), e.dev] += e.args.get("moved", 0)
        elif e.name == "nvsvm_evict":
            moved["evicted", e.dev] += e.args.get("pages", 0)
    for key, label in (("to_vram", "pages to VRAM"),
                       ("to_sys", "pages to system"),
                       ("evicted", "pages evicted")):
        row = "".join(f"{moved[key, d]:>9}" for d in devs)
        print(f"  {label:<22}{row}", file=out)
    lat = latencies(events)
    if lat:
        cols = "".join(f"{'p' + str(p):>10}" for p in PERCENTILES)
        print(f"  {'duration':<22}{'n':>7}{cols}{'max':>10}", file=out)
        for label, v in lat.items():
            cols = "".join(f"{fmt_ns(percentile(v, p)):>10}"
                           for p in PERCENTILES)
            print(f"  {label:<22}{len(v):>7}{cols}{fmt_ns(v[-1]):>10}",
                  file=out)
        unknown = sum(1 for e in events if e.name in
                      {name for _, name, _ in LATENCIES} and
                      "ns" in e.args and e.ns() == 0)
        if unknown:
            print(f"  ({unknown} with ns=0, an unknown duration, left out)",
                  file=out)
    else:
        print("  no durations: no fault batch, migration, CPU fault-back "
              "or eviction in the trace", file=out)


# --- pictures ----------------------------------------------------------------

COLORS = {
    "read": "#4c72b0", "write": "#dd8452", "atomic": "#c44e52",
    "batch": "#55a868", "to_vram": "#8172b3", "to_sys": "#937860",
    "cpu": "#da8bc3", "evict": "#c44e52", "inval": "#333333",
    "excl": "#ccb974",
}
# The mmu notifier events of nvsvm_invalidate, most telling first.
INVAL_COLORS = {
    "unmap": "#c44e52", "clear": "#333333", "migrate": "#8172b3",
    "protection_vmaonly": "#dd8452", "protection_page": "#dd8452",
    "soft_dirty": "#937860", "release": "#55a868", "exclusive": "#ccb974",
    "other": "#999999",
}


def time_scale(span_s):
    """Unit and factor for an x axis spanning span_s seconds."""
    if span_s >= 20:
        return "s", 1.0
    if span_s >= 0.02:
        return "ms", 1e3
    return "\u00b5s", 1e6


def lanes_for(events):
    """The lanes of the timeline, top to bottom: those with an event."""
    names = {e.name for e in events}
    dirs = {e.args.get("dir") for e in events if e.name == "nvsvm_migrate"}
    lanes = []
    if "nvsvm_gpu_fault" in names:
        lanes.append("GPU faults")
    if "nvsvm_fault_batch" in names:
        lanes.append("fault batches")
    if "to_vram" in dirs:
        lanes.append("migrate \u2192 VRAM")
    if "to_sys" in dirs:
        lanes.append("migrate \u2192 system")
    if "nvsvm_cpu_fault" in names:
        lanes.append("CPU fault-backs")
    if "nvsvm_evict" in names:
        lanes.append("evictions")
    if "nvsvm_invalidate" in names:
        lanes.append("invalidations")
    if "nvsvm_exclusive" in names:
        lanes.append("exclusive")
    return lanes


def draw_timeline(plt, t, events, devs, path, source):
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgb
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    t0 = t.t0
    if t.window:
        t1 = t0 + t.window[1] / 1e3
        start = t.window[0] / 1e3
    else:
        t1 = max([events[-1].ts] + [m[0] for m in t.markers])
        start = 0
    unit, k = time_scale(t1 - t0 - start)
    start *= k
    span = (t1 - t0) * k - start or 1.0
    # A span narrower than this would not show: draw it this wide.
    minw = span / 600

    lanes = lanes_for(events)
    lane_y = {name: len(lanes) - 1 - i for i, name in enumerate(lanes)}
    per_dev = {d: [e for e in events if e.dev == d] for d in devs}
    pages_max = max([1] + [e.args.get("moved", 0) for e in events
                           if e.name == "nvsvm_migrate"] +
                    [e.args.get("pages", 0) for e in events
                     if e.name in ("nvsvm_cpu_fault", "nvsvm_evict",
                                   "nvsvm_fault_batch")])

    def height(pages):
        """A span's height: 0.3 to 0.8 of its lane, by log(pages)."""
        return 0.3 + 0.5 * math.log1p(pages) / math.log1p(pages_max)

    def x(ts):
        return (ts - t0) * k

    def spans(ax, evs, y, color, pages_key):
        rects, edges = [], []
        for e in evs:
            x1 = x(e.ts)
            w = e.ns() / 1e9 * k
            x0 = x1 - max(w, minw)
            h = height(e.args.get(pages_key, 0)) / 2
            rects.append([(x0, y - h), (x0, y + h), (x1, y + h), (x1, y - h)])
            # Darker edges keep wide back-to-back steps apart; on narrow
            # ones they would hide the colour.
            edges.append(0.5 if w > 5 * minw else 0)
        edge = tuple(c * 0.6 for c in to_rgb(color))
        ax.add_collection(PolyCollection(rects, facecolors=color, alpha=0.8,
                                         edgecolors=edge, linewidths=edges))

    def inval_kind(e):
        ev = e.args.get("event")
        return ev if ev in INVAL_COLORS else "other"

    inval_events = set()
    fig_h = 0.9 + len(devs) * (0.42 * len(lanes) + 0.7)
    fig, axes = plt.subplots(len(devs), 1, sharex=True, squeeze=False,
                             figsize=(11, fig_h))
    for ax, d in zip(axes[:, 0], devs):
        evs = per_dev[d]
        by = collections.defaultdict(list)
        for e in evs:
            by[e.name].append(e)
        if "GPU faults" in lane_y:
            y = lane_y["GPU faults"]
            for acc in ("read", "write", "atomic", None):
                xs = [x(e.ts) for e in by["nvsvm_gpu_fault"]
                      if e.args.get("access") == acc or acc is None and
                      e.args.get("access") not in COLORS]
                ax.vlines(xs, y - 0.35, y + 0.35, color=COLORS.get(acc, "grey"),
                          linewidth=0.6, alpha=0.6)
        if "fault batches" in lane_y:
            spans(ax, by["nvsvm_fault_batch"], lane_y["fault batches"],
                  COLORS["batch"], "pages")
        for key, lane in (("to_vram", "migrate \u2192 VRAM"),
                          ("to_sys", "migrate \u2192 system")):
            if lane in lane_y:
                spans(ax, [e for e in by["nvsvm_migrate"]
                           if e.args.get("dir") == key],
                      lane_y[lane], COLORS[key], "moved")
        if "CPU fault-backs" in lane_y:
            spans(ax, by["nvsvm_cpu_fault"], lane_y["CPU fault-backs"],
                  COLORS["cpu"], "pages")
        if "evictions" in lane_y:
            y = lane_y["evictions"]
            spans(ax, by["nvsvm_evict"], y, COLORS["evict"], "pages")
            ax.plot([x(e.ts) for e in by["nvsvm_evict"]],
                    [y] * len(by["nvsvm_evict"]), "v", color=COLORS["evict"],
                    markersize=5)
        if "invalidations" in lane_y:
            y = lane_y["invalidations"]
            # Filled above: GPU PTEs unmapped; hollow below: skipped, the
            # GPU's own migration. Coloured by the notifier's event.
            for e in by["nvsvm_invalidate"]:
                inval_events.add(e.args.get("event"))
            for ev in INVAL_COLORS:
                inv = [e for e in by["nvsvm_invalidate"]
                       if inval_kind(e) == ev]
                done = [x(e.ts) for e in inv if not e.args.get("skipped")]
                skip = [x(e.ts) for e in inv if e.args.get("skipped")]
                ax.plot(done, [y + 0.15] * len(done), "o", markersize=4,
                        color=INVAL_COLORS[ev], alpha=0.7)
                ax.plot(skip, [y - 0.15] * len(skip), "o", markersize=4,
                        markerfacecolor="none", alpha=0.6,
                        markeredgecolor=INVAL_COLORS[ev])
        if "exclusive" in lane_y:
            y = lane_y["exclusive"]
            for op, mk in (("grant", "^"), ("revoke", "v")):
                xs = [x(e.ts) for e in by["nvsvm_exclusive"]
                      if e.args.get("op") == op]
                ax.plot(xs, [y] * len(xs), mk, color=COLORS["excl"],
                        markersize=5)

        # What each lane adds up to, at its right end.
        note = lane_notes(by)
        for lane, y in lane_y.items():
            if note.get(lane):
                ax.annotate(note[lane], (1.005, y), xycoords=("axes fraction",
                            "data"), va="center", fontsize=7.5,
                            color="#444444", annotation_clip=False)
        for ts, text in t.markers:
            ax.axvline(x(ts), color="#999999", linestyle="--", linewidth=0.8)
        ax.set_yticks(list(lane_y.values()))
        ax.set_yticklabels(list(lane_y.keys()), fontsize=8.5)
        ax.set_ylim(-0.6, len(lanes) - 0.4)
        for y in range(len(lanes) - 1):
            ax.axhline(y + 0.5, color="#e4e4e4", linewidth=0.6)
        ax.set_ylabel(f"device {d}\n{len(evs)} events", fontsize=9.5,
                      fontweight="bold")
        ax.tick_params(axis="x", labelsize=8.5)
        ax.set_xlim(start - span * 0.01, start + span * 1.01)
    # The markers' labels above the top row, on up to three levels so that
    # close ones do not overlap.
    top, last = axes[0, 0], [-math.inf] * 3
    for ts, text in t.markers:
        level = min(range(3), key=lambda i: last[i])
        for i in range(3):
            if x(ts) - last[i] > span / 12:
                level = i
                break
        last[level] = x(ts)
        top.annotate(text[:24], (x(ts), 1.0), xycoords=("data",
                     "axes fraction"), xytext=(2, 2 + 9 * level),
                     textcoords="offset points", fontsize=7.5,
                     color="#666666", va="bottom", annotation_clip=False)
    axes[-1, 0].set_xlabel(f"time ({unit}); a span ends at its event's "
                           f"timestamp and lasts its ns=", fontsize=9)
    # A legend entry for each kind of mark on the picture, and no more.
    legend = []
    accesses = {e.args.get("access") for e in events
                if e.name == "nvsvm_gpu_fault"}
    for acc in ("read", "write", "atomic"):
        if acc in accesses:
            legend.append(Line2D([], [], color=COLORS[acc], lw=1.5,
                                 label=f"GPU fault: {acc}"))
    for lane, key, label in (("fault batches", "batch", "fault batch"),
                             ("migrate \u2192 VRAM", "to_vram", "to VRAM"),
                             ("migrate \u2192 system", "to_sys", "to system"),
                             ("CPU fault-backs", "cpu", "CPU fault-back")):
        if lane in lane_y:
            legend.append(Patch(color=COLORS[key], alpha=0.8, label=label))
    if "evictions" in lane_y:
        legend.append(Line2D([], [], color=COLORS["evict"], marker="v", lw=0,
                             label="eviction"))
    if "invalidations" in lane_y:
        for ev, color in INVAL_COLORS.items():
            if ev in inval_events or ev == "other" and \
                    inval_events - set(INVAL_COLORS):
                legend.append(Line2D([], [], color=color, marker="o", lw=0,
                                     markersize=4, label=f"inval.: {ev}"))
        legend.append(Line2D([], [], marker="o", lw=0, markersize=4,
                             markerfacecolor="none", markeredgecolor="#333333",
                             label="hollow: skipped (own)"))
    if "exclusive" in lane_y:
        legend += [
            Line2D([], [], color=COLORS["excl"], marker="^", lw=0,
                   label="exclusive grant"),
            Line2D([], [], color=COLORS["excl"], marker="v", lw=0,
                   label="revoke"),
        ]
    if t.markers:
        legend.append(Line2D([], [], color="#999999", ls="--", lw=0.8,
                             label="trace_marker"))
    fig.legend(handles=legend, loc="lower center", ncol=6, fontsize=8,
               frameon=False, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle(f"nvsvm trace timeline: {source}\nspan height grows with "
                 f"log(pages), up to {pages_max} pages", fontsize=10)
    fig.tight_layout(rect=(0, 0.07 if len(devs) > 1 else 0.12, 0.87, 1))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def lane_notes(by):
    def pages(evs, key):
        return sum(e.args.get(key, 0) for e in evs)

    mig = by["nvsvm_migrate"]
    to_vram = [e for e in mig if e.args.get("dir") == "to_vram"]
    to_sys = [e for e in mig if e.args.get("dir") == "to_sys"]
    inv = by["nvsvm_invalidate"]
    skipped = sum(1 for e in inv if e.args.get("skipped"))
    def note(evs, key):
        return f"{len(evs)}, {pages(evs, key)} pages"

    return {
        "GPU faults": f"{len(by['nvsvm_gpu_fault'])}",
        "fault batches": note(by["nvsvm_fault_batch"], "pages") + " mapped",
        "migrate \u2192 VRAM": note(to_vram, "moved"),
        "migrate \u2192 system": note(to_sys, "moved"),
        "CPU fault-backs": note(by["nvsvm_cpu_fault"], "pages"),
        "evictions": note(by["nvsvm_evict"], "pages"),
        "invalidations": f"{len(inv)}, {skipped} skipped",
        "exclusive": f"{len(by['nvsvm_exclusive'])}",
    }


def draw_histogram(plt, lat, path, source, step):
    import numpy as np
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    lo = min(v[0] for v in lat.values())
    hi = max(v[-1] for v in lat.values())
    lo, hi = max(lo, 1) / 1e3, max(hi, 1) / 1e3      # in us
    bins = np.logspace(math.log10(lo) - 0.05, math.log10(hi) + 0.05, 50)
    fig, axes = plt.subplots(len(lat), 1, sharex=True, squeeze=False,
                             figsize=(9, 0.6 + 1.55 * len(lat)))
    styles = {50: ":", 90: "--", 99: "-"}
    for ax, (label, v) in zip(axes[:, 0], lat.items()):
        us = [max(n, 1) / 1e3 for n in v]
        ax.hist(us, bins=bins, color=LATENCY_COLORS[label], alpha=0.85)
        text = []
        for p in PERCENTILES:
            q = percentile(v, p)
            ax.axvline(max(q, 1) / 1e3, color="#222222", linestyle=styles[p],
                       linewidth=1.2)
            text.append(f"p{p} {fmt_ns(q)}")
        ax.set_title(f"{label}: n={len(v)}    " + "   ".join(text),
                     loc="left", fontsize=9.5)
        ax.set_ylabel("count", fontsize=8.5)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.tick_params(labelsize=8.5)
        ax.grid(axis="x", which="major", color="#e4e4e4")
    axes[-1, 0].set_xscale("log")
    axes[-1, 0].xaxis.set_major_formatter(
        FuncFormatter(lambda us, _: fmt_ns(us * 1e3).replace("us", "\u00b5s")))
    axes[-1, 0].set_xlabel("duration (log scale); lines: p50 dotted, "
                           "p90 dashed, p99 solid", fontsize=9)
    title = f"nvsvm latencies: {source}"
    if step:
        title += (f"\nCOARSE CLOCK: every duration is a multiple of "
                  f"{fmt_ns(step)}")
    fig.suptitle(title, fontsize=10, color="#c44e52" if step else "black")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def pyplot():
    try:
        import matplotlib
    except ImportError:
        sys.exit(f"trace-report: the pictures need matplotlib for "
                 f"{sys.executable} (Debian: python3-matplotlib; run "
                 f"`make deps`)")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def say(text):
    """Print on stdout, which may be a pipe that a reader (head) closed:
    then carry on drawing the pictures, in silence."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main():
    ap = argparse.ArgumentParser(
        description="Timeline, latency histogram and summary of an nvsvm "
                    "trace (the text of /sys/kernel/tracing/trace).")
    ap.add_argument("trace", help="the trace text, or - for stdin")
    ap.add_argument("--timeline", metavar="OUT.png",
                    help="write the timeline picture there")
    ap.add_argument("--histogram", metavar="OUT.png",
                    help="write the latency histogram there")
    ap.add_argument("--dev", type=int, action="append", metavar="N",
                    help="only device N (repeat for more)")
    ap.add_argument("--from", dest="start", type=float, metavar="MS",
                    help="only events from MS ms after the start of the "
                         "first one (the timeline's 0)")
    ap.add_argument("--to", dest="end", type=float, metavar="MS",
                    help="only events until MS ms after it")
    opt = ap.parse_args()

    try:
        if opt.trace == "-":
            t = parse(sys.stdin)
        else:
            with open(opt.trace, errors="replace") as f:
                t = parse(f)
    except OSError as e:
        print(f"trace-report: {e}", file=sys.stderr)
        return 2
    source = opt.trace
    if os.path.isabs(source):
        rel = os.path.relpath(source)
        if not rel.startswith(".."):
            source = rel

    for line in t.malformed[:3]:
        print(f"trace-report: no dev=N, ignored: {line}", file=sys.stderr)
    if len(t.malformed) > 3:
        print(f"trace-report: ... {len(t.malformed)} such lines in all",
              file=sys.stderr)
    if t.lost:
        print(f"trace-report: the trace lost {t.lost} events (a full ring "
              f"buffer: make buffer_size_kb bigger)", file=sys.stderr)
    if t.overwritten > 0:
        print(f"trace-report: the ring buffer wrapped and dropped the "
              f"{t.overwritten} oldest events (make buffer_size_kb bigger)",
              file=sys.stderr)

    events = t.events
    if opt.dev is not None:
        events = [e for e in events if e.dev in opt.dev]
    if not events:
        which = "" if opt.dev is None else \
            " for device " + ",".join(map(str, opt.dev))
        print(f"trace-report: no nvsvm event in {source}{which}: were "
              f"events/nvsvm enabled while the work ran (echo 1 > "
              f"/sys/kernel/tracing/events/nvsvm/enable)?", file=sys.stderr)
        return 1
    # Time 0 is where the first span starts, so that none is cut.
    t.t0 = min([e.ts - e.ns() / 1e9 for e in events] +
               [m[0] for m in t.markers])
    if opt.start is not None or opt.end is not None:
        last = max([events[-1].ts] + [m[0] for m in t.markers])
        start = opt.start or 0.0
        end = opt.end if opt.end is not None else (last - t.t0) * 1e3
        if end <= start:
            print("trace-report: --to must be after --from", file=sys.stderr)
            return 2
        t.window = (start, end)
        a, b = t.t0 + start / 1e3, t.t0 + end / 1e3
        events = [e for e in events if a <= e.ts <= b]
        t.markers = [m for m in t.markers if a <= m[0] <= b]
        if not events:
            print(f"trace-report: no nvsvm event from {start:g} to "
                  f"{end:g} ms", file=sys.stderr)
            return 1
    devs = sorted({e.dev for e in events})
    text = io.StringIO()
    summary(t, events, devs, source, text)
    say(text.getvalue())
    step = clock_step(events)
    if step:
        print(f"trace-report: every duration is a multiple of "
              f"{fmt_ns(step)}: the clock was coarse (the jiffies?); in "
              f"the VM, scripts/vm-run.sh -T gives a fine one",
              file=sys.stderr)

    status = 0
    if opt.timeline or opt.histogram:
        plt = pyplot()
    if opt.timeline:
        draw_timeline(plt, t, events, devs, opt.timeline, source)
        say(f"timeline: {opt.timeline}\n")
    if opt.histogram:
        lat = latencies(events)
        if lat:
            draw_histogram(plt, lat, opt.histogram, source, step)
            say(f"histogram: {opt.histogram}\n")
        else:
            print(f"trace-report: no event with a duration (fault batch, "
                  f"migration, CPU fault-back, eviction): no histogram "
                  f"written to {opt.histogram}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
