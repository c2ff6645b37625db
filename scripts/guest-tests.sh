#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the test VM (scripts/vm-run.sh): the KUnit suites, then every
# IGT binary. Raw results go to $NVSVM_RUN/results for scripts/results.py.
#
#   scripts/guest-tests.sh [IGT_BINARY...]     (default: all of build/igt/)

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

# IGT: one run per binary; results.py reads the subtest lines.
all=1
[ $# -gt 0 ] && all=0
[ $# -gt 0 ] || set -- build/igt/*
for bin in "$@"; do
	name=$(basename "$bin")
	echo "igt: running $name"
	IGT_PLAIN_OUTPUT=1 "$bin" >"$res/igt/$name.out" 2>"$res/igt/$name.err"
	echo $? >"$res/igt/$name.status"
done

# Short runs of the tools (scripts/guest-tools.sh), with the whole suite
# only: one test each, named tool@run.
[ $all = 1 ] || exit 0
mkdir -p "$res/tools"
for run in $(scripts/guest-tools.sh --short-runs); do
	echo "tools: running $run"
	scripts/guest-tools.sh "$run" >"$res/tools/$run.out" 2>&1
	echo $? >"$res/tools/$run.status"
done
exit 0
