#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the test VM (scripts/vm-run.sh): the KUnit suites, then every
# IGT binary and the short runs of the tools. Raw results go to
# $NVSVM_RUN/results for scripts/results.py.
#
#   scripts/guest-tests.sh [IGT_BINARY...]     (default: the whole suite)

res=$NVSVM_RUN/results
mkdir -p "$res/kunit" "$res/igt"
kunit_dir=/sys/kernel/debug/kunit

# KUnit: the suites run when their module loads; debugfs keeps each log.
echo "kunit: running the nvsvm suites"
# enable=1: the allnoconfig base leaves KUNIT_DEFAULT_ENABLED off.
if insmod "$NVSVM_KDIR/lib/kunit/kunit.ko" enable=1 &&
   insmod drivers/gpu/drm/nvsvm/tests/nvsvm_test.ko; then
	for suite in "$kunit_dir"/*/; do
		name=$(basename "$suite")
		cp "$suite/results" "$res/kunit/$name.ktap"
	done
	rmmod nvsvm_test
else
	echo "kunit: loading the test module failed" >"$res/kunit/load-error"
fi

# IGT: one run per binary, or per part of one; results.py reads the
# subtest lines of $res/igt/BINARY[+PART].out.
run_igt() {	# BINARY [PART PATTERN]
	out=$res/igt/$(basename "$1")${2:++$2}
	echo "igt: running $(basename "$1")${2:+ ($2)}"
	IGT_PLAIN_OUTPUT=1 "$1" ${3:+--run-subtest "$3"} >"$out.out" 2>"$out.err"
	echo $? >"$out.status"
}

if [ $# -gt 0 ]; then
	for bin in "$@"; do
		run_igt "$bin"
	done
	exit 0
fi

# The whole suite, in two lanes, each on a vCPU of its own and on GPUs of
# its own. Lane 1 runs the short runs of the tools (scripts/guest-tools.sh),
# one test each named tool@run, on devices 2 and 3, then nvsvm_svm there
# too (NVSVM_IGT_DEV=2). Lane 2 runs the other IGT binaries on devices 0
# and 1. nvsvm_svm waits for nvsvm_security, since both set the same
# debug parameters. What cannot share the machine comes last, alone: the
# subtests that unload the module, and fault-isolation, which compares
# timings. The driver's debug windows (delays of 100 ms to a second in
# faults and migrations) act on lane 2's GPUs alone while the tools run:
# their bounds are for hangs, not for another lane's debug windows.
serial_migrate='unload-*'
serial_security='fault-isolation'
security_done=$res/igt/.security-done
debug_devices=/sys/module/nvsvm/parameters/debug_devices
mkdir -p "$res/tools"
echo 3 >"$debug_devices"
(
	for run in $(scripts/guest-tools.sh --short-runs); do
		echo "tools: running $run"
		NVSVM_TOOL_DEV=2 scripts/guest-tools.sh "$run" \
			>"$res/tools/$run.out" 2>&1
		echo $? >"$res/tools/$run.status"
	done
	while [ ! -e "$security_done" ]; do
		sleep 1
	done
	# nvsvm_svm opens its own debug windows, on devices 2 and 3.
	echo 15 >"$debug_devices"
	NVSVM_IGT_DEV=2 run_igt build/igt/nvsvm_svm
) &
tools=$!

run_igt build/igt/nvsvm_security shared "*,!$serial_security"
touch "$security_done"
for bin in build/igt/*; do
	case $(basename "$bin") in
	nvsvm_security | nvsvm_svm)	;;
	nvsvm_migrate)	run_igt "$bin" shared "*,!$serial_migrate" ;;
	*)		run_igt "$bin" ;;
	esac
done
wait $tools

run_igt build/igt/nvsvm_security serial "$serial_security"
run_igt build/igt/nvsvm_migrate serial "$serial_migrate"
exit 0
