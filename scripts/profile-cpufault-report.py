#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The profile of a one-page CPU fault-back, nvsvm's and test_hmm's, from
the traces of scripts/guest-profile-cpufault.sh.

    scripts/profile-cpufault-report.py select DISCOVER.TRACE --out DIR
        [--levels N]
        the functions to time, DIR/levelN.txt, picked from the discovery
        graph (every function hooked, the graph deep): level 1 is what the
        callbacks call (through WRAPPERS) that takes 1% of the fault, level
        L + 1 what a level L function calls (through a call that is nearly
        all of its caller) that takes 3%, down to level N (default 3).
    scripts/profile-cpufault-report.py table DIR --discover TRACE
        --pages N --reps R [--levels N] [--host FILE] [-o FILE]
        the table, from DIR's plain.jsonl and plain.trace (untraced but for
        the page_fault_user and nvsvm_cpu_fault events: a warm-up and R
        reps of N faults), calibK.trace (the callbacks and nvsvm_stat_add
        hooked) and levelL-K.trace (the callbacks and level L's functions
        hooked) of each round K.

Figures are medians (p50) and means over the faults, in us. The
untraced run gives the whole fault (from one page_fault_user event to the
next page's) and nvsvm's callback (nvsvm_cpu_fault ns=); test_hmm's
callback is its whole fault less what nvsvm's spends outside its own.

The tracer's cost. A function is timed in a run that hooks it, the
callbacks and nvsvm_stat_add(), not what it calls (but for a function of
the same level, or nvsvm_stat_add()): its time is inflated by the cost of
its own hook inside it, c_in, and by C = c_in + c_out for each hooked call
below it. Both are measured in the same run, it varies from run to run,
on the two calls of nvsvm_stat_add(), an atomic add, that migrate_to_ram
makes back to back: c_in is the duration of one, c_out the gap between
them; they are subtracted. What is left of a
callback after its timed functions ("the rest") is its own code, the calls
no level times, and the error of all that.
"""

import argparse
import collections
import glob
import json
import os
import re
import statistics
import sys

ROOTS = {"nvsvm_dmem_migrate_to_ram": "nvsvm",
         "dmirror_devmem_fault": "test_hmm"}
DRIVERS = ["nvsvm", "test_hmm"]
LABELS = {"nvsvm": "win4k", "test_hmm": "test_hmm"}
# The calibration: always hooked, an atomic add.
CALIB = "nvsvm_stat_add"

# function_graph with funcgraph-proc, and funcgraph-abstime or not:
# [TIME |] CPU) TASK-PID | DURATION | CALL
LINE = re.compile(r"^\s*(?:([\d.]+)\s+\|\s+)?\d+\)\s+(\S+)\s+\|\s*"
                  r"(?:[-+!#*@$]\s*)?(?:([\d.]+) us)?\s*\|\s(\s*)(.*?)\s*$")
# What an interrupt or a softirq ran, if it leaked into a graph.
IRQ = re.compile(r"^(irq_|handle_softirqs$|__do_softirq$)|_softirq$|_si$")

# Phases shared by the two drivers, by the function that starts them.
PHASES = [
    ("arrays", "src/dst arrays: kvcalloc x2, kvfree x2"),
    ("setup", "migrate_vma_setup: notifiers, walk, unmap"),
    ("alloc", "system page: alloc_page_vma"),
    ("devunmap", "GPU unmap + TLB flush (nvsvm_svm_migrating)"),
    ("copy", "copy: DMA map, engine, fence, DMA unmap"),
    ("pages", "migrate_vma_pages"),
    ("finalize", "migrate_vma_finalize"),
    ("stats", "stat counters (nvsvm_stat_add)"),
    ("other", "other hooked calls"),
    ("self", "own code, unhooked calls (test_hmm: copy_highpage)"),
]
PHASE_OF = {
    "__kvmalloc_node_noprof": "arrays", "kvfree": "arrays",
    "migrate_vma_setup": "setup",
    "__folio_alloc_noprof": "alloc", "vma_alloc_folio_noprof": "alloc",
    "alloc_pages_mpol_noprof": "alloc", "__alloc_pages_noprof": "alloc",
    "nvsvm_svm_migrating": "devunmap",
    "nvsvm_dmem_copy": "copy",
    "migrate_vma_pages": "pages",
    "migrate_vma_finalize": "finalize",
    CALIB: "stats",
}
# Looked through: their calls are phases, their own time is "self".
# copy_highpage() is inline, copy_page() assembly: test_hmm's copy is in
# the own time of dmirror_devmem_fault_alloc_and_copy().
WRAPPERS = {"nvsvm_dmem_step_to_sys", "dmirror_devmem_fault_alloc_and_copy"}


class Node:
    __slots__ = ("name", "kids", "dur", "ts")

    def __init__(self, name, ts):
        self.name, self.kids, self.dur = name, [], None
        # When it was entered, in us, with funcgraph-abstime.
        self.ts = float(ts) * 1e6 if ts else None


def parse(path):
    """Every complete call of a root: {root name: [Node]}, and the number of
    lines that did not fit the graph (a call entered before the trace
    started, an interrupt's leaked entry)."""
    stacks = {}
    faults = collections.defaultdict(list)
    odd = 0
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("#"):
                continue
            m = LINE.match(line)
            if not m:
                continue
            ts, task, dur, ind, text = m.groups()
            depth = len(ind) // 2
            st = stacks.setdefault(task.rsplit("-", 1)[-1], [])
            if text.startswith("}"):
                if len(st) < depth + 1:
                    odd += 1
                    continue
                if len(st) > depth + 1:
                    # Calls that never returned in the trace: their
                    # fault is incomplete (no duration), left out.
                    odd += 1
                    del st[depth + 1:]
                node = st.pop()
                node.dur = float(dur)
                if not st:
                    faults[node.name].append(node)
                continue
            name = re.sub(r"\s*\[[^\]]*\]", "", text)
            if len(st) < depth or IRQ.search(name.split("(")[0]):
                odd += 1
                continue
            if len(st) > depth:
                odd += 1
                del st[depth:]
            if name.endswith("() {"):
                node = Node(name[:-4], ts)
                if st:
                    st[-1].kids.append(node)
                st.append(node)
            elif name.endswith("();"):
                node = Node(name[:-3], ts)
                node.dur = float(dur)
                if st:
                    st[-1].kids.append(node)
                else:
                    faults[node.name].append(node)
    return faults, odd


def complete(node):
    return node.dur is not None and all(complete(k) for k in node.kids)


def roots_of(path):
    """{driver: [complete root Node]}, and the odd lines."""
    faults, odd = parse(path)
    out = {}
    for name, drv in ROOTS.items():
        ok = [n for n in faults.get(name, []) if complete(n)]
        if not ok:
            sys.exit(f"{path}: no complete call of {name}")
        out[drv] = ok
    return out, odd


def below(node):
    return sum(1 + below(k) for k in node.kids)


def mean(xs):
    xs = list(xs)
    return sum(xs) / len(xs) if xs else float("nan")


# --- select ---------------------------------------------------------------

def raw_stats(nodes):
    """Per call path: [calls, raw us], summed over the faults."""
    stats = collections.defaultdict(lambda: [0, 0.0])

    def visit(node, path):
        p = path + (node.name,)
        stats[p][0] += 1
        stats[p][1] += node.dur
        for k in node.kids:
            visit(k, p)

    for n in nodes:
        visit(n, ())
    return stats


def pick(trace, levels):
    """The functions to measure, from the discovery graph: {name: (level,
    parent)}, the parent a picked function or a callback. Level 1 is what
    the callbacks call, through WRAPPERS, if it takes 1% of the fault;
    level L + 1 what a level L function calls, through a call that is
    nearly all of its caller, if it takes 3%. A function found at two
    levels or under two parents is left out: its time stays in its
    callers'."""
    faults, _ = roots_of(trace)
    found = collections.defaultdict(set)
    graphs = [raw_stats(nodes) for nodes in faults.values()]
    for nodes, stats in zip(faults.values(), graphs):
        kids = collections.defaultdict(list)
        for p in stats:
            kids[p[:-1]].append(p)
        root = (nodes[0].name,)
        total = stats[root][1]

        def expand(p, level, parent):
            for q in kids[p]:
                if any(IRQ.search(f) for f in q):
                    continue
                if q[-1] in WRAPPERS:
                    expand(q, level, parent)
                    continue
                if stats[q][1] < (0.01 if level == 1 else 0.03) * total:
                    continue
                found[q[-1]].add((level, parent))
                if level == levels:
                    continue
                r = q
                while True:
                    dom = [k for k in kids[r] if stats[k][0] == stats[r][0]
                           and stats[k][1] >= 0.8 * stats[r][1]]
                    if not dom:
                        break
                    r = dom[0]
                expand(r, level + 1, q[-1])

        expand(root, 1, "(root)")
    picked = {n: next(iter(w)) for n, w in found.items() if len(w) == 1}
    # Two of a level, one calling the other (the drivers looked through
    # different calls): the one called goes.
    for stats in graphs:
        for p in stats:
            lv = [picked[f][0] for f in p if f in picked]
            if p[-1] in picked and picked[p[-1]][0] in lv[:-1]:
                del picked[p[-1]]
    # Under a parent that was left out: its place is unknown.
    changed = True
    while changed:
        changed = False
        for n, (level, parent) in list(picked.items()):
            if level > 1 and parent not in picked:
                del picked[n]
                changed = True
    picked.pop(CALIB, None)
    return picked


def placed(trace, files):
    """The functions of the levelN.txt @files, as pick() gives them: {name:
    (level, parent)}, the parent the nearest caller in the discovery graph
    that is in a file too, or "(root)"."""
    level = {}
    for f in files:
        n = int(re.search(r"level(\d+)\.txt$", f).group(1))
        with open(f) as fh:
            for line in fh:
                if line.split():
                    level[line.split()[0]] = n
    faults, _ = roots_of(trace)
    out = {}
    for nodes in faults.values():
        for p in raw_stats(nodes):
            if p[-1] not in level or p[-1] in out:
                continue
            up = [f for f in p[1:-1] if f in level]
            out[p[-1]] = (level[p[-1]], up[-1] if up else "(root)")
    return out


def select(args):
    picked = pick(args.trace, args.levels)
    os.makedirs(args.out, exist_ok=True)
    for level in range(1, args.levels + 1):
        with open(f"{args.out}/level{level}.txt", "w") as f:
            for n in sorted(n for n, (lv, _) in picked.items()
                            if lv == level):
                print(n, file=f)
        print(f"level {level}: " + " ".join(
            sorted(n for n, (lv, _) in picked.items() if lv == level)))


# --- table ----------------------------------------------------------------

def pages_per_s(path, drv):
    v = []
    with open(path) as f:
        for line in f:
            s = json.loads(line)
            if s["name"] == f"cpufault/{LABELS[drv]}/pages_per_s":
                v.append(s["value"])
    return statistics.median(v) if v else float("nan")


def plain_events(path, skip):
    """From the untraced run's events: {driver: [us from one read fault of
    the touch loop to the next page's]}, and nvsvm's migrate_to_ram times (us),
    past the warm-up's @skip faults. The task with nvsvm_cpu_fault events
    is nvsvm's; the other that takes read faults (error_code 0x4: a user
    read of a page not present) is test_hmm's."""
    faults = collections.defaultdict(list)
    cpu_fault = collections.defaultdict(list)
    ev = re.compile(r"-(\d+)\s+\[\d+\]\s+\S+\s+([\d.]+): (\w+): (.*)$")
    with open(path, errors="replace") as f:
        for line in f:
            m = ev.search(line)
            if not m:
                continue
            pid, ts, name, rest = m.groups()
            if name == "page_fault_user" and "error_code=0x4" in rest:
                a = re.search(r"address=0x([0-9a-f]+)", rest)
                if a:
                    faults[pid].append((float(ts) * 1e6, int(a.group(1), 16)))
            elif name == "nvsvm_cpu_fault":
                ns = re.search(r" ns=(\d+)", rest)
                cpu_fault[pid].append(int(ns.group(1)) / 1e3)
    out, cb = {}, []
    for pid, ts in faults.items():
        if pid in cpu_fault:
            drv = "nvsvm"
            cb = cpu_fault[pid][skip:]
        elif len(ts) >= skip:
            drv = "test_hmm"
        else:
            continue
        # From a page's fault to the next page's, in the same loop.
        ts = ts[skip:]
        out[drv] = [b[0] - a[0] for a, b in zip(ts, ts[1:])
                    if b[1] == a[1] + 4096]
    return out, cb


def calibrate(nodes):
    """c_in and c_out (us), medians over nvsvm's faults: the duration of a
    leaf call of CALIB, and the gap between the two that migrate_to_ram
    makes back to back (not two that an unhooked call separates)."""
    c_in, c_out = [], []

    def visit(node):
        for k in node.kids:
            if k.name == CALIB and not k.kids:
                c_in.append(k.dur)
            visit(k)

    for n in nodes:
        visit(n)
        pairs = [(a, b) for a, b in zip(n.kids, n.kids[1:])
                 if a.name == b.name == CALIB and a.ts and b.ts]
        if pairs:
            a, b = pairs[-1]
            c_out.append(b.ts - a.ts - a.dur)
    if not c_in or not c_out:
        sys.exit(f"no back-to-back calls of {CALIB} to calibrate with "
                 "(funcgraph-abstime?)")
    return statistics.median(c_in), statistics.median(c_out)


class Series:
    """A function's time in each fault (the sum of its calls there) and
    its calls, over the faults of its runs."""

    def __init__(self):
        self.us, self.calls, self.faults = [], 0, 0

    def add_fault(self, us, calls):
        self.us.append(us)
        self.calls += calls
        self.faults += 1

    def p50(self):
        return statistics.median(self.us) if self.us else 0.0

    def mean(self):
        return mean(self.us) if self.us else 0.0

    def cpf(self):
        return self.calls / self.faults if self.faults else 0.0


def measure(nodes, names, c_in, c, series, with_root):
    """Add each fault's corrected time of every function of @names to
    @series[name]: its duration minus c_in, minus c a hooked call below;
    and the callback's, with_root, to @series["(root)"]."""
    for root in nodes:
        us = collections.Counter()
        calls = collections.Counter()

        def visit(node):
            if node.name in names:
                us[node.name] += node.dur - c_in - c * below(node)
                calls[node.name] += 1
            for k in node.kids:
                visit(k)

        for k in root.kids:
            visit(k)
        for n in names:
            series[n].add_fault(us[n], calls[n])
        if with_root:
            series["(root)"].add_fault(
                root.dur - c_in - c * below(root), 1)


def qmed(xs):
    return statistics.median(xs) if xs else float("nan")


def table(args):
    d = args.dir
    files = sorted(glob.glob(f"{d}/level*.txt"))
    if not files:
        sys.exit(f"{d}: no level*.txt")
    picked = placed(args.discover, files)
    levels = len(files)
    rounds = sorted(int(re.search(r"calib(\d+)\.trace$", f).group(1))
                    for f in glob.glob(f"{d}/calib*.trace"))
    if not rounds:
        sys.exit(f"{d}: no calib*.trace")
    series = {drv: collections.defaultdict(Series) for drv in DRIVERS}
    cal, hooked_root, odd = [], {drv: [] for drv in DRIVERS}, 0
    for r in rounds:
        calib, o = roots_of(f"{d}/calib{r}.trace")
        odd += o
        c_in, c_out = calibrate(calib["nvsvm"])
        c = c_in + c_out
        for drv in DRIVERS:
            # The callback with its own hook (and nvsvm's stat calls',
            # subtracted) its only cost: what does that hook cost?
            for n in calib[drv]:
                series[drv]["(hooked)"].add_fault(
                    n.dur - c * below(n), 1)
        for level in range(1, levels + 1):
            faults, o = roots_of(f"{d}/level{level}-{r}.trace")
            odd += o
            # The tracer's cost in this run: it varies from run to run.
            c_in, c_out = calibrate(faults["nvsvm"])
            cal.append((c_in, c_out))
            names = {n for n, (lv, _) in picked.items() if lv == level}
            for drv in DRIVERS:
                measure(faults[drv], names, c_in, c_in + c_out,
                        series[drv], False)
    periods, ev = plain_events(f"{d}/plain.trace", args.pages)
    whole = {drv: periods.get(drv, []) for drv in DRIVERS}
    kids = collections.defaultdict(list)
    for n, (lv, parent) in picked.items():
        kids[parent].append(n)

    # The callback untraced: nvsvm's from its events; test_hmm's, its
    # whole fault less what nvsvm's takes outside the callback.
    outside_p50 = qmed(whole["nvsvm"]) - qmed(ev)
    outside_mean = mean(whole["nvsvm"]) - mean(ev)
    root = {"nvsvm": (qmed(ev), mean(ev)),
            "test_hmm": (qmed(whole["test_hmm"]) - outside_p50,
                         mean(whole["test_hmm"]) - outside_mean)}
    hook = {drv: qmed(series[drv]["(hooked)"].us) - root[drv][0]
            for drv in DRIVERS}

    out = []
    w = out.append
    w("One-page CPU fault-back, us a fault: nvsvm (migrate_to_ram, "
      "cpu_fault_window_kb 4)")
    w("  vs test_hmm (dmirror_devmem_fault)")
    pps = {drv: pages_per_s(f"{d}/plain.jsonl", drv) for drv in DRIVERS}
    w(f"  untraced: {pps['nvsvm']:,.0f} vs {pps['test_hmm']:,.0f} pages/s "
      f"({pps['nvsvm'] / pps['test_hmm']:.2f}x test_hmm), median of "
      f"{args.reps} reps of {args.pages} faults")
    if args.host and os.path.exists(args.host):
        with open(args.host) as f:
            smp = [line.split() for line in f if len(line.split()) == 2]
        if smp:
            vms = [max(int(a), 0) for a, _ in smp]
            load = [float(b) for _, b in smp]
            w(f"  the host: other VMs running in "
              f"{100 * sum(v > 0 for v in vms) / len(vms):.0f}% of "
              f"{len(smp)} samples, load {mean(load):.2f} (max "
              f"{max(load):.2f}) on {os.cpu_count()} CPUs"
              + ("" if not any(vms) else ": noisy, run it again idle"))
    w(f"  the functions: {len(rounds)} round(s) of a rep of {args.pages} "
      f"faults for each of {levels} levels, hooking the level's alone")
    w("  the tracer's cost a hooked call, c_in (in its time) + c_out (in "
      "its caller's), in each run:")
    w("    " + ", ".join(f"{a:.1f} + {b:.1f}" for a, b in cal) + " us")
    w("  p50: median over the faults, mean: mean over them; share: of the "
      "callback's p50, untraced")
    w("")
    head = (f"{'':<48}{'calls':>6}{'p50':>7}{'mean':>7}{'share':>6}"
            f" |{'calls':>6}{'p50':>7}{'mean':>7}{'share':>6}")
    w(f"{'':<48}{'nvsvm':^32}|{'test_hmm':^32}".rstrip())
    w(head)
    w("-" * len(head))

    def cell(calls, p50, avg, tot):
        c = f"{calls:>6.2f}" if calls is not None else f"{'':>6}"
        sh = f"{100 * p50 / tot:>5.0f}%" if tot else f"{'':>6}"
        return f"{c}{p50:>7.1f}{avg:>7.1f}{sh}"

    def row(label, vals, share=True):
        cells = []
        for drv in DRIVERS:
            calls, p50, avg = vals[drv]
            cells.append(cell(calls, p50, avg,
                              root[drv][0] if share else None))
        w(f"{label:<48}" + " |".join(cells))

    row("whole fault, untraced (page_fault_user)",
        {drv: (1.0, qmed(whole[drv]), mean(whole[drv])) for drv in DRIVERS},
        False)
    row("  outside the callback (*)",
        {drv: (None, outside_p50, outside_mean) for drv in DRIVERS}, False)
    row("  migrate_to_ram, untraced (*)",
        {drv: (1.0,) + root[drv] for drv in DRIVERS})
    sums = {drv: [0.0, 0.0] for drv in DRIVERS}
    for key, label in PHASES:
        if key == "self":
            continue
        vals, seen = {}, False
        for drv in DRIVERS:
            ss = [series[drv][n] for n in kids["(root)"]
                  if PHASE_OF.get(n, "other") == key and series[drv][n].us]
            if not ss:
                vals[drv] = (0.0, 0.0, 0.0)
                continue
            seen = True
            per_fault = [sum(x) for x in zip(*(t.us for t in ss))]
            calls = sum(t.cpf() for t in ss)
            vals[drv] = (calls, qmed(per_fault), mean(per_fault))
            sums[drv][0] += vals[drv][1]
            sums[drv][1] += vals[drv][2]
        if seen:
            row("    " + label, vals)
    row("    own code, unhooked calls, error (the rest)",
        {drv: (None, root[drv][0] - sums[drv][0],
               root[drv][1] - sums[drv][1]) for drv in DRIVERS})
    w("  (*) outside = nvsvm's whole fault - its nvsvm_cpu_fault ns=, "
      "taken the same for test_hmm")
    w("  check: the callback hooked (the calib runs): p50 " + ", ".join(
        f"{drv} {qmed(series[drv]['(hooked)'].us):.1f}" for drv in DRIVERS)
      + ";")
    w("    its own hook costs " + ", ".join(
          f"{drv} {hook[drv]:.1f}" for drv in DRIVERS) + " us")

    for drv in DRIVERS:
        w("")
        w(f"{drv}: the functions timed, under migrate_to_ram; (self): a "
          "function's p50 less its timed calls'")
        w(f"{'':<48}{'calls':>6}{'p50':>7}{'mean':>7}{'share':>6}")
        tot = root[drv][0]

        def tree(name, label, depth, p50, avg, calls):
            w(f"{'  ' * depth}{label:<{48 - 2 * depth}}"
              + cell(calls, p50, avg, tot))
            ks = [k for k in kids[name] if series[drv][k].us
                  and any(series[drv][k].us)]
            ks.sort(key=lambda k: -series[drv][k].p50())
            for k in ks:
                t = series[drv][k]
                if t.p50() >= args.min_share * tot:
                    tree(k, k, depth + 1, t.p50(), t.mean(), t.cpf())
            if ks:
                own = p50 - sum(series[drv][k].p50() for k in ks)
                owna = avg - sum(series[drv][k].mean() for k in ks)
                if abs(own) >= args.min_share * tot:
                    w(f"{'  ' * (depth + 1)}{'(self)':<{46 - 2 * depth}}"
                      + cell(None, own, owna, tot))

        root_name = [n for n, dv in ROOTS.items() if dv == drv][0]
        tree("(root)", root_name + " (untraced)", 0, root[drv][0],
             root[drv][1], 1.0)
    if odd:
        w("")
        w(f"{odd} trace lines outside a complete call were left out "
          "(interrupts, a call entered")
        w("before the trace started)")
    text = "\n".join(line.rstrip() for line in out) + "\n"
    sys.stdout.write(text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("select")
    s.add_argument("trace")
    s.add_argument("--levels", type=int, default=3)
    s.add_argument("--out", required=True,
                   help="where levelN.txt go")
    t = sub.add_parser("table")
    t.add_argument("dir")
    t.add_argument("--discover", required=True,
                   help="a discovery trace: who calls whom")
    t.add_argument("--pages", type=int, required=True,
                   help="faults a rep of the untraced run")
    t.add_argument("--reps", type=int, required=True)
    t.add_argument("--host", help="samples of the host: other VMs, load")
    t.add_argument("--min-share", type=float, default=0.015,
                   help="smallest share of the callback in the graphs")
    t.add_argument("-o", "--output")
    args = ap.parse_args()
    if args.cmd == "select":
        select(args)
    else:
        table(args)


if __name__ == "__main__":
    main()
