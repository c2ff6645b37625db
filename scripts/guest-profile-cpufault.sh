#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the bench VM (scripts/profile-cpufault.sh), with nvsvm.ko
# loaded: loads TEST_HMM_KO next to it (test_hmm built with the function
# tracer's hooks, which lib/ leaves out) and runs the one-page CPU
# fault-back, nvsvm-bench cpufault1 (nvsvm with cpu_fault_window_kb 4, and
# test_hmm), under the function_graph tracer rooted at the two drivers'
# migrate_to_ram callbacks. Writes to $NVSVM_RUN/profile:
#
#   guest-profile-cpufault.sh BENCH TEST_HMM_KO MIB REPS discover DEPTH
#       on a kernel booted with ftrace=function_graph, every function
#       hooked: the graph to DEPTH of a rep over MIB, in discover.trace;
#   guest-profile-cpufault.sh BENCH TEST_HMM_KO MIB REPS measure LEVELS ROUNDS
#       on a kernel booted without a tracer: REPS reps untraced after a
#       warm-up, their pages/s in plain.jsonl, and in plain.trace the
#       page_fault_user events (when each fault began) and nvsvm's
#       nvsvm_cpu_fault events; then ROUNDS rounds K of one rep with the
#       graph tracer hooking the two callbacks and nvsvm_stat_add, the
#       calibration (calibK.trace), then one rep for each file
#       LEVELS/levelN.txt hooking those and the functions it names
#       (levelN-K.trace), with their pages/s in the .jsonl of each; and
#       a copy of the level files.
#
# Under TCG, turning the graph tracer on at run time, which patches the
# call of every function in the kernel while the other CPU runs it, has met
# a stale int3 (an oops in enter_lazy_tlb): hence the tracer from boot to
# hook every function, and a short list of functions to switch on at run
# time. Choosing the roots, the depth and the options patches nothing.

bin=$1 hmm_ko=$2 mib=$3 reps=$4 mode=$5
shift 5
T=/sys/kernel/tracing
out=$NVSVM_RUN/profile
roots="nvsvm_dmem_migrate_to_ram dmirror_devmem_fault"
# Interrupts and softirqs that hit a fault: their time stays in the
# function they hit, their calls out of the graph.
notrace="irq_enter_rcu irq_exit_rcu handle_softirqs __do_softirq"

tw() {
	echo "$2" >"$T/$1" || { echo "guest: cannot write $2 to $T/$1"; exit 1; }
}

# A run of the faults with tracing on, $2 warm-up reps and $3 reps:
# $1.jsonl, $1.trace.
traced() {
	tw trace ''
	tw tracing_on 1
	"$bin" -o "$out/$1.jsonl" -s "$mib" -w "$2" -r "$3" cpufault1 || exit 1
	tw tracing_on 0
	# An overrun loses events: the graph would not add up.
	for s in "$T"/per_cpu/cpu*/stats; do
		awk -v s="$s" '$1 == "overrun:" && $2 != 0 { print "guest: " s ": overrun " $2; exit 1 }' "$s" ||
			exit 1
	done
	cat $T/trace >"$out/$1.trace" || exit 1
}

# The graph's roots and options; none of it patches the kernel's text.
graph_setup() {
	for f in $roots; do
		grep -q "^$f\b" $T/available_filter_functions ||
			{ echo "guest: $f cannot be traced"; exit 1; }
	done
	tw set_graph_function "$roots"
	for f in $notrace; do
		echo "$f" >>$T/set_graph_notrace 2>/dev/null
	done
	# The task, to follow a fault that sleeps on one CPU and wakes on
	# another; the function's name on its closing brace; no interrupt
	# handlers in the graph.
	tw options/funcgraph-proc 1
	tw options/funcgraph-tail 1
	tw options/funcgraph-irqs 0
	tw options/funcgraph-overhead 0
}

mkdir -p "$out" || exit 1
insmod "$hmm_ko" || exit 1
if [ ! -e /dev/hmm_dmirror0 ]; then
	major=$(awk '$2 == "HMM_DMIRROR" { print $1 }' /proc/devices)
	mknod /dev/hmm_dmirror0 c "$major" 0 || exit 1
fi
[ -e $T/trace ] || mount -t tracefs nodev $T || exit 1
tw tracing_on 0
tw buffer_size_kb 131072

case $mode in
discover)
	[ "$(cat $T/current_tracer)" = function_graph ] ||
		{ echo "guest: boot with ftrace=function_graph"; exit 1; }
	rm -f "$out"/*
	graph_setup
	tw max_graph_depth "$1"
	echo "guest: function_graph, every function hooked, max_graph_depth $1"
	traced discover 0 1
	;;
measure)
	[ "$(cat $T/current_tracer)" = nop ] ||
		{ echo "guest: a tracer is on: $(cat $T/current_tracer)"; exit 1; }
	rm -f "$out"/plain.* "$out"/calib* "$out"/level*
	cp "$1"/level*.txt "$out"/ || exit 1
	echo "guest: untraced, the page_fault_user and nvsvm_cpu_fault events on"
	tw events/exceptions/page_fault_user/enable 1
	tw events/nvsvm/nvsvm_cpu_fault/enable 1
	traced plain 1 "$reps"
	tw events/nvsvm/nvsvm_cpu_fault/enable 0
	tw events/exceptions/page_fault_user/enable 0

	graph_setup
	# Times of entry, for the gaps between calls.
	tw options/funcgraph-abstime 1
	tw max_graph_depth 0
	tw set_ftrace_filter "$roots"
	tw current_tracer function_graph
	r=1
	while [ "$r" -le "$2" ]; do
		echo "guest: round $r: the callbacks and nvsvm_stat_add"
		tw set_ftrace_filter "$roots nvsvm_stat_add"
		traced "calib$r" 0 1
		for f in "$1"/level*.txt; do
			level=$(basename "$f" .txt)
			tw set_ftrace_filter "$roots nvsvm_stat_add"
			# One name a write: a name that matches nothing fails alone.
			while read -r fn; do
				echo "$fn" >>$T/set_ftrace_filter 2>/dev/null
			done <"$f"
			echo "guest: round $r: $level, $(wc -l <$T/set_ftrace_filter) functions"
			traced "$level-$r" 0 1
		done
		r=$((r + 1))
	done
	# Left on: turning it off would patch the text again.
	;;
*)
	echo "guest: mode $mode: discover or measure"
	exit 1
	;;
esac
rmmod test_hmm
