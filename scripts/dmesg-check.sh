#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Fail when a guest's dmesg (or kmemleak report) shows a kernel problem.
#
#   scripts/dmesg-check.sh DMESG [KMEMLEAK]
#
# Prints each offending line with a little context and exits 1, or exits 0
# when the log is clean.
set -uo pipefail

dmesg=$1
kmemleak=${2:-}

# Each of these starts a report that a clean run must never print.
pattern='WARNING:|BUG:|BUG kmalloc|Oops|kernel BUG|general protection fault|'
pattern+='KASAN|UBSAN|Kernel panic|Call Trace:|'
pattern+='possible circular locking|possible recursive locking|'
pattern+='inconsistent lock state|suspicious RCU usage|lock held when returning|'
pattern+='DEBUG_LOCKS_WARN_ON|INFO: task .* blocked|rcu_.* detected stall|'
pattern+='Bad page|page dumped because|kmemleak: .*new suspected memory leak|'
pattern+='unreferenced object|IOMMU fault|DMA mappings leaked'

# Between "nvsvm-iommu-fault-expected: begin" and "end", which a test that
# makes the emulated IOMMU refuse an access on purpose logs, the IOMMU's
# fault reports are expected.
#
# Between the markers a fault-injection test writes to /dev/kmsg, injected
# allocation failures print their stack ("page allocation failure", and
# FAULT_INJECTION dumps): those traces are expected there. Any other report
# in the window still fails the run.
fi_expected='Call Trace:|page allocation failure|FAULT_INJECTION'
filtered=$(mktemp)
trap 'rm -f "$filtered"' EXIT
awk -v expected="$fi_expected" '
	/nvsvm-fault-inject: begin/ { inject = 1 }
	/nvsvm-fault-inject: end/ { inject = 0 }
	/nvsvm-iommu-fault-expected: begin/ { iommu = 1 }
	/nvsvm-iommu-fault-expected: end/ { iommu = 0 }
	inject && $0 ~ expected { next }
	iommu && /IOMMU fault/ { next }
	{ print }
' "$dmesg" >"$filtered"

bad=0
if grep -Eq "$pattern" "$filtered"; then
	echo "dmesg-check: kernel reports in $dmesg:"
	grep -En -A12 "$pattern" "$filtered" | head -n 80
	bad=1
fi
if [ -n "$kmemleak" ] && [ -s "$kmemleak" ]; then
	echo "dmesg-check: kmemleak reports leaks:"
	head -n 40 "$kmemleak"
	bad=1
fi
exit $bad
