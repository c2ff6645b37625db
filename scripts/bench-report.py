#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn nvsvm-bench's raw samples into results.json, a table and a plot.

    scripts/bench-report.py RAW.jsonl OUTDIR [--date D] [--host-cpus N] ...

RAW.jsonl holds one sample per line (see bench/nvsvm-bench.c). Every metric
gets its median, min, max and n, and a ratio to its reference where one
applies: test_hmm, the kernel's copy_page() (kcopy, the ceiling) and glibc's
memcpy for migration, the nouveau-like window for the fault windows,
hmm_range_fault() alone for the fault service, skip off for the
remigration, the fitting triad for oversubscription. The goals of issues 8
and 15 are evaluated and reported, never asserted. Writes OUTDIR/results.json, OUTDIR/table.txt and, with gnuplot,
OUTDIR/throughput.png.
"""

import argparse
import collections
import json
import os
import shutil
import statistics
import subprocess
import sys

GROUPS = ["migrate", "memcpy", "kcopy", "remigrate", "gpufault",
          "faultbound", "latency", "dma", "tlb", "cpufault", "oversub",
          "peer"]
LAT_KINDS = [("gpu_fault_batch", "GPU fault batch"),
             ("cpu_fault", "CPU fault-back"),
             ("migrate_to_vram", "migrate step to VRAM"),
             ("migrate_to_sys", "migrate step to system"),
             ("cpu_fault_step", "  its migrate step")]
# The phases that split an event of a kind (bench/nvsvm-bench.c lat_phases).
BATCH_PHASES = ["queued", "fault", "migrate", "map"]
STEP_PHASES = ["setup", "unmap", "dma", "copy", "pages", "map", "finalize"]
SIZES = ["64K", "2M", "16M", "128M"]
BACKINGS = ["4k", "thp"]


def load(path):
    samples = collections.OrderedDict()
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            s = json.loads(line)
            m = samples.setdefault(s["name"], {"attrs": {}, "values": [],
                                               "thp_pct": []})
            m["values"].append(s["value"])
            if "thp_pct" in s:
                m["thp_pct"].append(s["thp_pct"])
            for k, v in s.items():
                if k not in ("name", "value", "thp_pct"):
                    m["attrs"][k] = v
    return samples


def summarise(samples):
    metrics = collections.OrderedDict()
    for name, m in samples.items():
        v = m["values"]
        r = {"name": name, "group": m["attrs"]["group"],
             "unit": m["attrs"]["unit"], "median": statistics.median(v),
             "min": min(v), "max": max(v), "n": len(v)}
        for k in ("driver", "dir", "backing", "size"):
            if k in m["attrs"]:
                r[k] = m["attrs"][k]
        if m["thp_pct"]:
            r["thp_pct_min"] = min(m["thp_pct"])
        metrics[name] = r
    return metrics


def ratio(metrics, name, ref, key):
    """metrics[name][key] = median(name) / median(ref), if both exist."""
    if name in metrics and ref in metrics and metrics[ref]["median"]:
        metrics[name][key] = metrics[name]["median"] / metrics[ref]["median"]
        if key == "ratio":
            metrics[name]["ratio_to"] = ref


def add_ratios(metrics):
    """Ratios of rates and times to their reference; counts have none."""
    for name, m in metrics.items():
        p = name.split("/")
        if m["group"] == "migrate":
            _, d, drv, back, size = p
            if drv == "nvsvm":
                ratio(metrics, name, f"migrate/{d}/test_hmm/{back}/{size}",
                      "ratio_test_hmm")
                ratio(metrics, name, f"migrate/{d}/nvsvm-1w/{back}/{size}",
                      "ratio_1w")
            ratio(metrics, name, f"memcpy/{back}/{size}", "ratio_memcpy")
            ratio(metrics, name, f"kcopy/{back}/{size}", "ratio_kcopy")
        elif m["group"] == "memcpy":
            ratio(metrics, name, f"kcopy/{p[1]}/{p[2]}", "ratio_kcopy")
        elif m["group"] == "faultbound" and p[1] in ("service_time",
                                                     "touch_time"):
            ratio(metrics, name, "faultbound/hmm_floor_time", "ratio")
        elif m["group"] == "latency" and p[2] == "p99":
            ratio(metrics, name, f"latency/{p[1]}/p50", "ratio")
        elif m["group"] == "remigrate" and p[1] == "skip_on" and p[2] == "time":
            ratio(metrics, name, "remigrate/skip_off/time", "ratio")
        elif (m["group"] == "gpufault" and p[1] != "win4k" and
              p[2].endswith("pages_per_s")):
            ratio(metrics, name, f"gpufault/win4k/{p[2]}", "ratio")
        elif (m["group"] == "dma" and p[1] == "iommu" and
              m["unit"] in ("pages/s", "GB/s")):
            ratio(metrics, name, f"dma/passthrough/{p[2]}", "ratio")
        elif m["group"] == "tlb" and p[1] == "4k":
            ratio(metrics, name, f"tlb/large/{p[2]}", "ratio")
        elif m["group"] == "cpufault" and p[2] == "pages_per_s":
            if p[1] != "win4k":
                ratio(metrics, name, "cpufault/win4k/pages_per_s", "ratio")
            if p[1] != "test_hmm":
                ratio(metrics, name, "cpufault/test_hmm/pages_per_s",
                      "ratio_test_hmm")
        elif (m["group"] == "thrashing" and p[1] == "on" and
              p[2] == "rounds_per_s"):
            ratio(metrics, name, "thrashing/off/rounds_per_s", "ratio")
        elif (m["group"] == "prefetch" and p[1] == "off" and
              p[2] in ("faults", "time")):
            ratio(metrics, name, f"prefetch/on/{p[2]}", "ratio")
        elif (m["group"] == "oversub" and p[1] == "over" and
              p[2] in ("iter_time", "triad_bandwidth")):
            ratio(metrics, name, f"oversub/fit/{p[2]}", "ratio")
        elif (m["group"] == "peer" and p[1] == "peer" and
              p[3] == "throughput"):
            ratio(metrics, name, f"peer/bounce/{p[2]}/throughput", "ratio")


def goals(metrics):
    def med(name):
        return metrics.get(name, {}).get("median")

    def get(name, key):
        return metrics.get(name, {}).get(key)

    out = []

    def goal(what, value, target, met):
        out.append({"goal": what, "value": value, "target": target,
                    "met": None if value is None else met})

    # Issue 15: the kernel's copy_page() is the ceiling (issue 8 had
    # glibc's memcpy, which copy_page() beats).
    for d, hmm_x, label in (("to_sys", 1.5, "to system"),
                            ("to_dev", 3.0, "to VRAM")):
        name = f"migrate/{d}/nvsvm/4k/128M"
        v = get(name, "ratio_test_hmm")
        goal(f"{label} at 128 MiB, 4 KiB pages: >= {hmm_x}x test_hmm", v,
             hmm_x, v is not None and v >= hmm_x)
        v = get(name, "ratio_kcopy")
        goal(f"{label} at 128 MiB, 4 KiB pages: >= 80% of the kernel copy "
             "ceiling", v, 0.8, v is not None and v >= 0.8)
    for d, label in (("to_dev", "to VRAM"), ("to_sys", "to system")):
        v = get(f"migrate/{d}/nvsvm/4k/128M", "ratio_1w")
        goal(f"{label} at 128 MiB with every CPU: >= 1.6x one migration "
             "worker", v, 1.6, v is not None and v >= 1.6)
    v = get("cpufault/win4k/pages_per_s", "ratio_test_hmm")
    goal("one-page CPU fault-back: >= 1.0x test_hmm's pages/s", v, 1.0,
         v is not None and v >= 1.0)
    v = get("faultbound/service_time", "ratio")
    goal("GPU fault service at the 2 MiB window: <= 1.5x the "
         "hmm_range_fault() floor", v, 1.5, v is not None and v <= 1.5)
    v = get("latency/gpu_fault_batch/p99", "ratio")
    goal("GPU fault batch latency: p99 <= 4x p50", v, 4.0,
         v is not None and v <= 4.0)
    v = get("tlb/4k/misses_per_mib", "ratio")
    goal("triad with large VRAM pages: >= 10x fewer TLB misses per MiB", v,
         10.0, v is not None and v >= 10.0)
    v = get("peer/peer/128M/throughput", "ratio")
    goal("device to device at 128 MiB: peer-to-peer >= 1.8x the bounce "
         "through system memory", v, 1.8, v is not None and v >= 1.8)
    # Issue 16: placement policy.
    v = get("thrashing/on/rounds_per_s", "ratio")
    goal("CPU/GPU alternation with thrashing mitigation: >= 5x the "
         "throughput without", v, 5.0, v is not None and v >= 5.0)
    v = get("prefetch/off/faults", "ratio")
    goal("sparse-then-dense GPU sweep with density prefetch: >= 4x fewer "
         "faults", v, 4.0, v is not None and v >= 4.0)
    v = get("prefetch/off/time", "ratio")
    goal("sparse-then-dense GPU sweep with density prefetch: >= 1.5x "
         "faster", v, 1.5, v is not None and v >= 1.5)
    v = med("remigrate/skip_on/notifier_invalidations")
    r = med("remigrate/skip_on/resident_pages_refaulted")
    goal("remigration with the skip on: 0 GPU invalidations of resident pages",
         None if v is None or r is None else v + r, 0,
         v == 0 and r == 0)
    return out


def fmt(v, unit=""):
    if v is None:
        return "-"
    if float(v).is_integer() or unit == "pages/s" or abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fx(v):
    return "-" if v is None else f"{v:.2f}x"


def pct(v):
    return "-" if v is None else f"{100 * v:.0f}%"


def table(metrics, info):
    def m(name):
        return metrics.get(name, {})

    lines = []
    add = lines.append

    def pairs(left, right, ratio_side, rows):
        """One row per (key, label): the two settings, and the ratio that
        the metric of @ratio_side carries, blank where it has none."""
        for key, label in rows:
            a, b = m(f"{left}/{key}"), m(f"{right}/{key}")
            r = (a if ratio_side == "left" else b).get("ratio")
            add(f"{label:34} {fmt(a.get('median'), a.get('unit', '')):>10} "
                f"{fmt(b.get('median'), b.get('unit', '')):>10} "
                f"{fx(r) if r is not None else '':>7}")
    reps = max((x["n"] for x in metrics.values()), default=0)
    add(f"nvsvm bench, {info['date']}: host {info['host_cpus']} CPUs ({info['host_cpu']}), "
        f"{info['qemu']} TCG guest with {info['guest_cpus']} CPU(s),")
    add(f"kernel {info['kernel']} (clocksource {info['guest_clocksource']}), "
        f"VRAM {info['vram_mb']} MiB; medians of {reps} runs after a warm-up")
    add("")
    add("1-2. Migration throughput (GB/s) and its ceilings: the kernel's "
        "copy_page() (kcopy), glibc's memcpy")
    hdr = (f"{'size':>5} {'pages':>5} {'kcopy':>6} {'memcpy':>6} |"
           f" {'to VRAM':>7} {'1 wkr':>6} {'test_hmm':>8} {'vs hmm':>7} {'of kcp':>6} {'of cpy':>6} |"
           f" {'to sys':>7} {'1 wkr':>6} {'test_hmm':>8} {'vs hmm':>7} {'of kcp':>6} {'of cpy':>6}")
    add(hdr)
    add("-" * len(hdr))
    for back in BACKINGS:
        for size in SIZES:
            kc = m(f"kcopy/{back}/{size}")
            mc = m(f"memcpy/{back}/{size}")
            row = (f"{size:>5} {back:>5} {fmt(kc.get('median')):>6}"
                   f" {fmt(mc.get('median')):>6} |")
            for d in ("to_dev", "to_sys"):
                nv = m(f"migrate/{d}/nvsvm/{back}/{size}")
                hm = m(f"migrate/{d}/test_hmm/{back}/{size}")
                w1 = m(f"migrate/{d}/nvsvm-1w/{back}/{size}")
                row += (f" {fmt(nv.get('median')):>7} {fmt(w1.get('median')):>6}"
                        f" {fmt(hm.get('median')):>8}"
                        f" {fx(nv.get('ratio_test_hmm')):>7}"
                        f" {pct(nv.get('ratio_kcopy')):>6}"
                        f" {pct(nv.get('ratio_memcpy')):>6}")
                row += " |" if d == "to_dev" else ""
            add(row)
    add("nvsvm: a worker per CPU (migrate_workers=0, the module's default);"
        " 1 wkr: one, the caller alone. Every CPU vs one, 4k: " + ", ".join(
            f"{size} {fx(m(f'migrate/to_dev/nvsvm/4k/{size}').get('ratio_1w'))}"
            f"/{fx(m(f'migrate/to_sys/nvsvm/4k/{size}').get('ratio_1w'))}"
            for size in SIZES))
    add("test_hmm as a share of kcopy, to VRAM / to system, 4k: " + ", ".join(
        f"{size} {pct(m(f'migrate/to_dev/test_hmm/4k/{size}').get('ratio_kcopy'))}"
        f"/{pct(m(f'migrate/to_sys/test_hmm/4k/{size}').get('ratio_kcopy'))}"
        for size in SIZES))
    add("")

    add("3. Remigration of a half-resident 32 MiB range (16 MiB already in VRAM)")
    add(f"{'':34} {'skip on':>10} {'skip off':>10} {'ratio':>7}")
    pairs("remigrate/skip_on", "remigrate/skip_off", "left",
          (("time", "time of the whole-range migrate (ms)"),
           ("notifier_invalidations", "notifier invalidations"),
           ("resident_pages_refaulted", "resident pages refaulted by GPU"),
           ("migration_invalidations", "pages unmapped by the migration"),
           ("invalidations_skipped", "invalidations skipped"),
           ("tlb_flushes", "GPU TLB flushes")))
    add("")

    add("4. GPU first-touch faults on 64 MiB of fresh memory")
    add(f"{'':34} {'4 KiB win':>10} {'2 MiB win':>10} {'ratio':>7}")
    pairs("gpufault/win4k", "gpufault/win2048k", "right",
          (("sweep_pages_per_s", "sweep: pages/s (fill job)"),
           ("sweep_fault_batches", "sweep: fault batches"),
           ("touch_pages_per_s", "touch: pages/s (1 word/page)"),
           ("touch_fault_batches", "touch: fault batches"),
           ("touch_faults", "touch: faults read"),
           ("touch_pages_mapped", "touch: pages mapped")))
    add("")

    add("4d. Fault-path bound: GPU first touch of 16 MiB of fresh memory, 2 MiB window,")
    add("    vs hmm_range_fault() alone (for write, window by window) over 16 MiB of fresh memory")
    add(f"{'':34} {'ms':>10} {'vs floor':>10}")
    for key, label in (("hmm_floor_time", "hmm_range_fault() floor"),
                       ("service_time", "fault service (sum of batch ns)"),
                       ("touch_time", "touch, wall (jobs, GPU work too)")):
        a = m(f"faultbound/{key}")
        add(f"{label:34} {fmt(a.get('median')):>10} {fx(a.get('ratio')) if 'ratio' in a else '':>10}")
    add(f"{'fault batches':34} {fmt(m('faultbound/fault_batches').get('median')):>10}")
    add("")

    add("4e. Latency per event (us), from the trace events' ns=, default 2 MiB windows;")
    add("    16 MiB: GPU first touch, migrate to VRAM, half back by MIGRATE, half by CPU reads")
    add(f"{'':24} {'n':>7} {'p50':>9} {'p90':>9} {'p99':>9} {'mean':>9} {'p99/p50':>8}")
    for kind, label in LAT_KINDS:
        row = f"{label:24} {fmt(m(f'latency/{kind}/n').get('median')):>7}"
        for q in ("p50", "p90", "p99", "mean"):
            row += f" {fmt(m(f'latency/{kind}/{q}').get('median')):>9}"
        row += f" {fx(m(f'latency/{kind}/p99').get('ratio')):>8}"
        add(row)
    add("A GPU fault batch's latency runs from its oldest fault's entry in the"
        " fault buffer to the replay.")
    add("Phases, mean us per event (the rest of the event: other):")
    for kind, label in LAT_KINDS:
        phases = BATCH_PHASES if kind == "gpu_fault_batch" else (
            STEP_PHASES if kind != "cpu_fault" else [])
        if not phases:
            continue
        vals = [m(f"latency/{kind}/phase/{p}").get("median") for p in phases]
        mean = m(f"latency/{kind}/mean").get("median")
        parts = [f"{p} {fmt(v)}" for p, v in zip(phases, vals)]
        if mean is not None and None not in vals:
            parts.append(f"other {fmt(max(mean - sum(vals), 0))}")
        add(f"  {label.strip():22} " + ", ".join(parts))
    add("")

    add("4b. DMA mapping: the emulated IOMMU vs its identity (passthrough) mappings, 16 MiB")
    add(f"{'':34} {'IOMMU':>10} {'identity':>10} {'ratio':>7}")
    pairs("dma/iommu", "dma/passthrough", "left",
          (("fault_pages_per_s", "GPU first touch: pages/s"),
           ("fault_dma_maps_per_mib", "  DMA maps per MiB"),
           ("migrate_to_dev", "migrate to VRAM (GB/s)"),
           ("migrate_to_sys", "migrate to system (GB/s)"),
           ("migrate_dma_maps_per_mib", "  DMA maps per MiB, round trip")))
    add("")

    add("4c. TLB reach: triad a = b + 3c over 3 x 4 MiB of contiguous VRAM")
    add(f"{'':34} {'large':>10} {'4 KiB':>10} {'ratio':>7}")
    pairs("tlb/large", "tlb/4k", "right",
          (("misses_per_mib", "hub TLB misses per MiB"),
           ("triad_bandwidth", "triad bandwidth (GB/s)")))
    add("")

    add("5. CPU fault-back (migrate_to_ram), 64 MiB in VRAM, one read per page")
    add(f"{'':34} {'1 page':>10} {'2 MiB win':>10} {'ratio':>7} {'test_hmm':>10}"
        f" {'1p queued':>10}")
    a = m("cpufault/win4k/pages_per_s")
    b = m("cpufault/win2048k/pages_per_s")
    h = m("cpufault/test_hmm/pages_per_s")
    q = m("cpufault/win4k_queued/pages_per_s")
    add(f"{'pages/s':34} {fmt(a.get('median'), 'pages/s'):>10} "
        f"{fmt(b.get('median'), 'pages/s'):>10} {fx(b.get('ratio')):>7} "
        f"{fmt(h.get('median'), 'pages/s'):>10} "
        f"{fmt(q.get('median'), 'pages/s'):>10}")
    add(f"{'nvsvm vs test_hmm (1 page a fault)':34} {fx(a.get('ratio_test_hmm')):>10} "
        f"{fx(b.get('ratio_test_hmm')):>10} {'':>7} {'':>10} "
        f"{fx(q.get('ratio_test_hmm')):>10}")
    a = m("cpufault/win4k/cpu_faults")
    b = m("cpufault/win2048k/cpu_faults")
    add(f"{'CPU faults (migrate_to_ram calls)':34} {fmt(a.get('median')):>10} "
        f"{fmt(b.get('median')):>10}")
    add("")

    fit = m("oversub/fit/iter_time")
    over = m("oversub/over/iter_time")
    add("6. Oversubscription: triad a = b + s*c, arrays preferring VRAM")
    add(f"{'':34} {'fits':>10} {'2x VRAM':>10} {'ratio':>7}")
    add(f"{'VRAM (MiB, nvsvm reloaded)':34} {fmt(m('oversub/fit/vram').get('median')):>10} "
        f"{fmt(m('oversub/over/vram').get('median')):>10}")
    add(f"{'arrays in total (MiB)':34} {fmt((fit.get('size') or 0) / 2**20):>10} "
        f"{fmt((over.get('size') or 0) / 2**20):>10}")
    for key, label in (("iter_time", "time per iteration (ms)"),
                       ("triad_bandwidth", "triad bandwidth (GB/s)"),
                       ("evictions", "pages evicted per iteration"),
                       ("migrated_to_vram", "pages migrated per iteration")):
        a = m(f"oversub/fit/{key}")
        b = m(f"oversub/over/{key}")
        add(f"{label:34} {fmt(a.get('median')):>10} {fmt(b.get('median')):>10}"
            f" {fx(b.get('ratio')) if 'ratio' in b else '':>7}")
    add("")

    add("7. Device to device: MIGRATE to device 1 of a buffer in device 0's "
        "VRAM (nvsvm reloaded with two GPUs)")
    add(f"{'':34} {'peer':>10} {'bounce':>10} {'ratio':>7}")
    for size in ("2M", "128M"):
        a = m(f"peer/peer/{size}/throughput")
        b = m(f"peer/bounce/{size}/throughput")
        add(f"{size + ' (GB/s)':34} {fmt(a.get('median')):>10} "
            f"{fmt(b.get('median')):>10} {fx(a.get('ratio')):>7}")
    add("")

    add("8. Thrashing: CPU and GPU take turns on a word of each of 16 pages advised")
    add("   to VRAM, 32 rounds timed after 16 to detect (TCG times: 2 s lapse, 2 ms throttle)")
    add(f"{'':34} {'off':>10} {'on':>10} {'ratio':>7}")
    pairs("thrashing/off", "thrashing/on", "right",
          (("rounds_per_s", "rounds/s"),
           ("pages_moved_per_round", "pages moved per round")))
    add("")

    add("9. Density prefetch: sparse (a word per 64 KiB) then dense GPU sweep")
    add("   of 4 MiB advised to VRAM, 4 KiB fault windows")
    add(f"{'':34} {'off':>10} {'on':>10} {'ratio':>7}")
    pairs("prefetch/off", "prefetch/on", "left",
          (("faults", "GPU faults"),
           ("time", "time (ms)"),
           ("prefetched", "pages prefetched")))
    add("")
    return lines


def plot(metrics, outdir):
    gnuplot = shutil.which("gnuplot")
    if not gnuplot:
        print("bench-report: gnuplot not found, no plot", file=sys.stderr)
        return None
    if not any(m["group"] in ("migrate", "memcpy", "kcopy")
               for m in metrics.values()):
        return None
    series = []
    for d in ("to_dev", "to_sys"):
        for drv in ("nvsvm", "test_hmm"):
            for back in BACKINGS:
                series.append((d, f"{drv} {back}",
                               [f"migrate/{d}/{drv}/{back}/{s}" for s in SIZES]))
        for back in BACKINGS:
            series.append((d, f"memcpy {back}",
                           [f"memcpy/{back}/{s}" for s in SIZES]))
            series.append((d, f"kcopy {back}",
                           [f"kcopy/{back}/{s}" for s in SIZES]))
    data = os.path.join(outdir, "throughput.dat")
    with open(data, "w") as f:
        for i, (d, title, names) in enumerate(series):
            f.write(f"# {d} {title}\n")
            for name in names:
                m = metrics.get(name)
                if m:
                    f.write(f"{m['size'] / 1024:g} {m['median']:g} "
                            f"{m['min']:g} {m['max']:g}\n")
            f.write("\n\n")
    png = os.path.join(outdir, "throughput.png")
    style = {"nvsvm 4k": "lc rgb '#1f77b4' dt 1 pt 7",
             "nvsvm thp": "lc rgb '#1f77b4' dt 2 pt 5",
             "test_hmm 4k": "lc rgb '#d62728' dt 1 pt 7",
             "test_hmm thp": "lc rgb '#d62728' dt 2 pt 5",
             "memcpy 4k": "lc rgb '#7f7f7f' dt 1 pt 7",
             "memcpy thp": "lc rgb '#7f7f7f' dt 2 pt 5",
             "kcopy 4k": "lc rgb '#2ca02c' dt 1 pt 7",
             "kcopy thp": "lc rgb '#2ca02c' dt 2 pt 5"}
    script = [
        "set terminal pngcairo size 1200,560 font 'sans,10'",
        f"set output '{png}'",
        "set multiplot layout 1,2 title 'nvsvm migration throughput vs test\\_hmm, copy\\_page() and memcpy (median, min-max bars)'",
        "set logscale x 2",
        "set xrange [40:200000]",
        "set xtics ('64K' 64, '2M' 2048, '16M' 16384, '128M' 131072)",
        "set xlabel 'buffer size' offset 0,0.5",
        "set ylabel 'GB/s'",
        "set yrange [0:*]",
        "set grid",
        "set key below horizontal maxcols 3",
    ]
    for d, label in (("to_dev", "system to device"), ("to_sys", "device to system")):
        plots = []
        for i, (sd, title, _) in enumerate(series):
            if sd != d:
                continue
            plots.append(f"'{data}' index {i} using 1:2:3:4 with yerrorlines "
                         f"{style[title]} lw 2 title '{title.replace('_', chr(92) + '_')}'")
        script.append(f"set title '{label}'")
        script.append("plot " + ", ".join(plots))
    script.append("unset multiplot")
    subprocess.run([gnuplot], input="\n".join(script), text=True, check=True)
    return png


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("raw")
    ap.add_argument("outdir")
    ap.add_argument("--date", default="")
    ap.add_argument("--host-cpus", default="")
    ap.add_argument("--host-cpu", default="")
    ap.add_argument("--qemu", default="")
    ap.add_argument("--kernel", default="")
    ap.add_argument("--vram-mb", type=int, default=0)
    ap.add_argument("--guest-env", default=None)
    ap.add_argument("--vm-seconds", type=int, default=0)
    args = ap.parse_args()

    guest = {}
    if args.guest_env and os.path.exists(args.guest_env):
        with open(args.guest_env) as f:
            guest = dict(line.strip().split("=", 1) for line in f if "=" in line)
    metrics = summarise(load(args.raw))
    add_ratios(metrics)
    info = {"date": args.date, "host_cpus": args.host_cpus,
            "host_cpu": args.host_cpu, "qemu": args.qemu,
            "accel": "tcg", "kernel": args.kernel,
            "vram_mb": args.vram_mb, "vm_seconds": args.vm_seconds,
            "guest_cpus": int(guest.get("cpus", 0)),
            "guest_clocksource": guest.get("clocksource", "")}

    missing = [g for g in GROUPS
               if not any(m["group"] == g for m in metrics.values())]
    groups = collections.OrderedDict((g, [m for m in metrics.values()
                                          if m["group"] == g]) for g in GROUPS)
    result = {"machine": info, "goals": goals(metrics), "groups": groups}

    os.makedirs(args.outdir, exist_ok=True)
    png = plot(metrics, args.outdir)
    if png:
        result["plot"] = os.path.basename(png)
    with open(os.path.join(args.outdir, "results.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")

    lines = table(metrics, info)
    lines.append("Goals (reported, not asserted)")
    for g in result["goals"]:
        state = {True: "met", False: "MISSED", None: "n/a"}[g["met"]]
        v = g["value"]
        val = "-" if v is None else (f"{v:.2f}" if isinstance(v, float) else str(v))
        lines.append(f"  {state:6} {g['goal']} (measured {val})")
    with open(os.path.join(args.outdir, "table.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nresults: {os.path.join(args.outdir, 'results.json')}"
          + (f", plot: {png}" if png else ""))
    if missing:
        print(f"bench-report: no samples for {', '.join(missing)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
