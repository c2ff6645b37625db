#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the test VM (scripts/vm-run.sh): runs COMMAND with the nvsvm
# trace events on, and saves the trace text to $NVSVM_RUN/trace.txt, for
# scripts/trace-report.py on the host (`make demo DEMO_TRACE=1`).
#
#   scripts/guest-demo-trace.sh COMMAND [ARG...]
#
# The exit status is COMMAND's, or 1 when the events cannot be recorded.
# $NVSVM_TRACE_BUFFER_KB sets the ring buffer's size per CPU (default 32768).

tr=/sys/kernel/tracing
out=$NVSVM_RUN/trace.txt

# vm-init.sh mounts debugfs but not tracefs.
if [ ! -d $tr/events ]; then
	mount -t tracefs tracefs $tr 2>/dev/null
fi
if [ ! -d $tr/events ]; then
	echo "nvsvm: this kernel has no tracefs: no trace events to record" >&2
	exit 1
fi
if [ ! -d $tr/events/nvsvm ]; then
	echo "nvsvm: no nvsvm trace events ($tr/events/nvsvm is missing): this nvsvm.ko has no tracepoints" >&2
	exit 1
fi

echo 0 >$tr/tracing_on
echo nop >$tr/current_tracer
echo "${NVSVM_TRACE_BUFFER_KB:-32768}" >$tr/buffer_size_kb
# The clock of ktime_get_ns(), which the events' ns= durations use, so that
# a span drawn as [timestamp - ns, timestamp] is where it happened.
echo mono >$tr/trace_clock
echo >$tr/trace
echo 1 >$tr/events/nvsvm/enable
echo 1 >$tr/tracing_on

"$@"
status=$?

echo 0 >$tr/tracing_on
echo 0 >$tr/events/nvsvm/enable
cat $tr/trace >"$out"
echo "nvsvm: $(grep -c ': nvsvm_' "$out") nvsvm trace events saved" >&2
exit $status
