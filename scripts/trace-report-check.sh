#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A quick check of scripts/trace-report.py (`make trace-report-check`, and
# part of `make check`): it must read every line shape of the sample trace
# (the summary must be scripts/testdata/trace-sample.summary), warn about
# the lost events and the malformed line, draw both pictures, filter by
# device and time, tell a coarse clock, and fail with a message, not a
# traceback, on a trace without nvsvm events.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

cd "$NVSVM_TOP" || exit 1
report=scripts/trace-report.py
sample=scripts/testdata/trace-sample.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "trace-report-check: FAIL: $*"; fail=1; }

"$report" "$sample" >"$tmp/summary" 2>"$tmp/err" || bad "exit $? on the sample"
diff -u scripts/testdata/trace-sample.summary "$tmp/summary" ||
	bad "the summary of $sample is not scripts/testdata/trace-sample.summary"
grep -q "lost 7 events" "$tmp/err" || bad "no warning about the 7 lost events"
grep -q "no dev=N, ignored:.*bogus line" "$tmp/err" ||
	bad "no warning about the line without dev="

"$report" --timeline "$tmp/t.png" --histogram "$tmp/h.png" "$sample" \
	>/dev/null 2>&1 || bad "exit $? drawing the pictures"
for png in t.png h.png; do
	[ "$(head -c 8 "$tmp/$png" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 89504e470d0a1a0a ] ||
		bad "$png is not a PNG"
done

# A reader that stops early (head) must not stop the pictures.
"$report" --timeline "$tmp/head.png" "$sample" 2>"$tmp/err" | head -n 1 >/dev/null
[ -s "$tmp/head.png" ] || bad "no timeline when the summary's reader stops early"
! grep -q Traceback "$tmp/err" || bad "a traceback when the summary's reader stops early"

"$report" --dev 1 "$sample" >"$tmp/dev1" 2>/dev/null || bad "exit $? with --dev 1"
grep -q "10 events on 1 device" "$tmp/dev1" || bad "--dev 1 did not keep the 10 events of device 1"

"$report" --from 30 --to 45 "$sample" >"$tmp/window" 2>/dev/null || bad "exit $? with --from/--to"
grep -q "6 events on 1 device" "$tmp/window" || bad "--from 30 --to 45 did not keep the 6 events between"

# Durations all multiples of the jiffies' 4 ms: say that the clock was coarse.
for i in 1 2 3 4 5 6 7 8 9; do
	echo "kworker/0:1-9 [000] ..... 10.0$i: nvsvm_fault_batch: dev=0 faults=1 windows=1 pages=1 ns=$((i % 3 * 4000250 + 4000250))"
done >"$tmp/coarse.txt"
"$report" "$tmp/coarse.txt" >/dev/null 2>"$tmp/err" || bad "exit $? on a coarse clock"
grep -q "multiple of 4 ms: the clock was coarse" "$tmp/err" || bad "no warning about a coarse clock"
"$report" "$sample" >/dev/null 2>"$tmp/err"
! grep -q "clock was coarse" "$tmp/err" || bad "a coarse clock warning on the sample's fine one"

# No nvsvm event, or none of the device asked for: exit 1 and say why.
grep -v nvsvm_ "$sample" >"$tmp/none.txt"
for args in "$tmp/none.txt" "--dev 5 $sample"; do
	# shellcheck disable=SC2086
	"$report" $args >/dev/null 2>"$tmp/err"
	status=$?
	[ "$status" = 1 ] || bad "exit $status, not 1, on a trace without nvsvm events ($args)"
	grep -q "no nvsvm event in" "$tmp/err" || bad "no message for a trace without nvsvm events ($args)"
	! grep -q Traceback "$tmp/err" || bad "a traceback ($args)"
done
# Events, but none with a duration: the histogram cannot be drawn.
grep -e '^#' -e nvsvm_gpu_fault "$sample" >"$tmp/faults.txt"
"$report" --histogram "$tmp/none.png" "$tmp/faults.txt" >/dev/null 2>"$tmp/err"
status=$?
[ "$status" = 1 ] || bad "exit $status, not 1, for a histogram without durations"
grep -q "no histogram" "$tmp/err" || bad "no message for a histogram without durations"

[ "$fail" = 0 ] && echo "trace-report-check: ok"
exit $fail
