#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Turn the raw results of a test VM run into igt_runner-style lines.

    scripts/results.py RUN_DIR JSON_OUT VM_STATUS

RUN_DIR is the run directory of scripts/vm-run.sh: results/kunit/*.ktap,
results/igt/<binary>.{out,status} and results/tools/<tool@run>.{out,status}
from scripts/guest-tests.sh, results/host/<check@variant>.{out,status} from
the host-side checks of scripts/run-tests.sh, plus the guest's dmesg. Prints
one line per test (PASS/FAIL/SKIP igt@bin@subtest, kunit@suite@case,
tool@run or check@variant), then
"N passed, N failed[, N skipped]", writes the same to JSON_OUT and exits 1
when anything failed or the VM run itself failed.
"""

import json
import os
import re
import sys

IGT_RESULT = re.compile(r"^Subtest (\S+): (SUCCESS|FAIL|SKIP|CRASH|TIMEOUT)")
IGT_DYN_RESULT = re.compile(r"^Dynamic subtest (\S+): (SUCCESS|FAIL|SKIP|CRASH|TIMEOUT)")
IGT_START = re.compile(r"^Starting subtest: (\S+)")
IGT_MAP = {"SUCCESS": "pass", "SKIP": "skip"}

# Exit codes of an IGT binary that mean it ran to its end.
IGT_EXIT_OK = {0, 77, 98}

KTAP_RESULT = re.compile(r"^(\s*)(ok|not ok) \d+ (.*?)(?:\s+#\s*(SKIP|TODO).*)?$")


def read(path, default=""):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return default


def parse_igt(binary, out, status):
    """Results of one IGT binary from its stdout and exit status."""
    results, current, dynamic = [], None, []
    for line in out.splitlines():
        m = IGT_START.match(line)
        if m:
            current, dynamic = m.group(1), []
            continue
        m = IGT_DYN_RESULT.match(line)
        if m and current:
            dynamic.append((f"igt@{binary}@{current}@{m.group(1)}",
                            IGT_MAP.get(m.group(2), "fail")))
            continue
        m = IGT_RESULT.match(line)
        if m:
            if dynamic:
                results.extend(dynamic)
            else:
                results.append((f"igt@{binary}@{m.group(1)}",
                                IGT_MAP.get(m.group(2), "fail")))
            current, dynamic = None, []
    if current:
        # Started but never finished: the binary died inside it.
        results.extend(dynamic)
        results.append((f"igt@{binary}@{current}", "fail"))
    if status not in IGT_EXIT_OK:
        results.append((f"igt@{binary}", "fail"))
    elif status == 98 and not any(r == "fail" for _, r in results):
        # A failure outside any subtest: a fixture.
        results.append((f"igt@{binary}@fixture", "fail"))
    return results


def parse_ktap(suite, text):
    """Leaf results of one KUnit suite's KTAP log, parameters included.

    A result line whose deeper-indented results precede it is a parent:
    its name prefixes theirs and it is not counted itself.
    """
    pending = {}  # indentation -> [(name, result)]
    top = []
    for line in text.splitlines():
        m = KTAP_RESULT.match(line)
        if not m:
            continue
        depth = len(m.group(1).expandtabs(8))
        name = m.group(3).strip()
        result = "skip" if m.group(4) == "SKIP" else \
            ("pass" if m.group(2) == "ok" else "fail")
        children = []
        for d in sorted(k for k in pending if k > depth):
            children.extend(pending.pop(d))
        if children:
            entries = [(f"{name}@{c}", r) for c, r in children]
            if result == "fail" and all(r != "fail" for _, r in children):
                entries.append((name, "fail"))
        else:
            entries = [(name, result)]
        pending.setdefault(depth, []).extend(entries)
    for d in sorted(pending):
        top.extend(pending[d])
    if not top:
        return [(f"kunit@{suite}", "fail")]
    # The outermost result is the suite itself: its name prefixes the cases.
    results, suite_result = [], None
    for name, result in top:
        if name == suite:
            suite_result = result
            continue
        if name.startswith(suite + "@"):
            name = name[len(suite) + 1:]
        results.append((f"kunit@{suite}@{name}", result))
    if not re.search(rf"^\s*(ok|not ok) \d+ {re.escape(suite)}\s*$", text, re.M):
        results.append((f"kunit@{suite}", "fail"))  # the suite never finished
    elif suite_result == "fail" and all(r != "fail" for _, r in results):
        results.append((f"kunit@{suite}", "fail"))
    return results


def main():
    rundir, json_out, vm_status = sys.argv[1], sys.argv[2], int(sys.argv[3])
    res = os.path.join(rundir, "results")
    results = []

    kunit = os.path.join(res, "kunit")
    if os.path.exists(os.path.join(kunit, "load-error")) or not os.path.isdir(kunit):
        results.append(("kunit@load", "fail"))
    else:
        suites = sorted(f for f in os.listdir(kunit) if f.endswith(".ktap"))
        if not suites:
            results.append(("kunit@load", "fail"))
        for f in suites:
            results.extend(parse_ktap(f[:-5], read(os.path.join(kunit, f))))

    igt = os.path.join(res, "igt")
    binaries = sorted(f[:-4] for f in os.listdir(igt) if f.endswith(".out")) \
        if os.path.isdir(igt) else []
    for b in binaries:
        # BINARY+PART: a part of a binary's subtests, run on its own.
        status = read(os.path.join(igt, b + ".status"), "").strip()
        results.extend(parse_igt(b.split("+")[0],
                                 read(os.path.join(igt, b + ".out")),
                                 int(status) if status.isdigit() else -1))

    # Short runs of the stress, fuzz and fault-injection tools (stress@short),
    # and the host-side checks run before the VM boots (install@destdir):
    # one test each, named by its file; exit 0 passes, 77 skips.
    for sub in ("tools", "host"):
        d = os.path.join(res, sub)
        runs = sorted(f[:-7] for f in os.listdir(d) if f.endswith(".status")) \
            if os.path.isdir(d) else []
        for t in runs:
            status = read(os.path.join(d, t + ".status"), "").strip()
            results.append((t, {"0": "pass", "77": "skip"}.get(status, "fail")))

    label = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP"}
    for name, result in results:
        print(f"{label[result]} {name}")

    counts = {k: sum(1 for _, r in results if r == k) for k in label}
    vm_ok = vm_status == 0
    if not vm_ok:
        why = {100: "kernel reports in dmesg", 124: "timeout",
               125: "module load or guest failure",
               126: "module unload failure"}.get(vm_status, f"status {vm_status}")
        print(f"FAIL vm@run ({why}; see {rundir})")
        counts["fail"] += 1

    summary = f"{counts['pass']} passed, {counts['fail']} failed"
    if counts["skip"]:
        summary += f", {counts['skip']} skipped"

    os.makedirs(os.path.dirname(json_out), exist_ok=True)
    with open(json_out, "w") as f:
        json.dump({
            "results": [{"name": n, "result": r} for n, r in results],
            "passed": counts["pass"], "failed": counts["fail"],
            "skipped": counts["skip"], "vm_status": vm_status,
            "dmesg_clean": vm_status != 100,
            "dmesg": read(os.path.join(rundir, "dmesg")),
            "kmemleak": read(os.path.join(rundir, "kmemleak")),
        }, f, indent=1)
        f.write("\n")

    print(summary)
    return 0 if counts["fail"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
