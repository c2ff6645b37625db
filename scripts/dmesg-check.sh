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
pattern+='unreferenced object'

bad=0
if grep -Eq "$pattern" "$dmesg"; then
	echo "dmesg-check: kernel reports in $dmesg:"
	grep -En -A12 "$pattern" "$dmesg" | head -n 80
	bad=1
fi
if [ -n "$kmemleak" ] && [ -s "$kmemleak" ]; then
	echo "dmesg-check: kmemleak reports leaks:"
	head -n 40 "$kmemleak"
	bad=1
fi
exit $bad
