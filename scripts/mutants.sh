#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make mutants: plant each bug of igt-tests/mutants/ and check that the
# tests named on its Caught-by: lines catch it.
#
#   scripts/mutants.sh [PATCH...]       (default: igt-tests/mutants/*.patch)
#
# Each patch is applied to a scratch worktree of HEAD, where the module,
# the IGT tests and the tools are built; then one VM runs its tests. Every
# test named must catch the mutant by failing; a VM run that fails (a
# kernel report, a timeout) catches it too: the tests must see the bug, in
# data or in the kernel log. Prints "caught" or "survived" for each, with
# the verdict of each test, and exits 1 if any survived.
#
# Caught-by: names igt@BINARY@SUBTEST, TOOL@RUN (scripts/guest-tools.sh),
# or kunit@SUITE: the KUnit module's suites run once, when it loads, and
# SUITE catches the mutant if its results hold a case that is "not ok".
# Results that are missing count as a pass: a mutant that only broke the
# test module's build or load would otherwise look caught.
# Not part of make test: it builds and boots once per mutant.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kdir=$("$NVSVM_TOP/scripts/kernel-build.sh" --dir test)
logdir=$NVSVM_TOP/build/mutants
mkdir -p "$logdir"
[ $# -gt 0 ] || set -- "$NVSVM_TOP"/igt-tests/mutants/*.patch
survived=0

for patch in "$@"; do
	patch=$(realpath "$patch")
	name=$(basename "$patch" .patch)
	log=$logdir/$name.log
	wt=$(mktemp -u /tmp/nvsvm-mutant.XXXXXX)
	# The guest exits 0 only if every test passed: the mutant survived.
	cmd="missed=0;"
	for t in $(sed -n 's/^Caught-by: //p' "$patch"); do
		case $t in
		igt@*@*)
			bin=${t#igt@}
			run="IGT_PLAIN_OUTPUT=1 build/igt/${bin%%@*} --run-subtest ${bin#*@}" ;;
		kunit@*)
			res=/sys/kernel/debug/kunit/${t#kunit@}/results
			# shellcheck disable=SC2016 # expanded in the guest
			run='{ grep -q "^nvsvm_test " /proc/modules || { insmod "$NVSVM_KDIR/lib/kunit/kunit.ko" enable=1; insmod drivers/gpu/drm/nvsvm/tests/nvsvm_test.ko; };'
			run+=" cat $res; ! grep -q 'not ok' $res; }" ;;
		*@*)
			run="scripts/guest-tools.sh $t" ;;
		*)
			die "$name: bad Caught-by: $t" ;;
		esac
		cmd+=" if $run; then echo 'nvsvm-mutant: missed by $t'; missed=1;"
		cmd+=" else echo 'nvsvm-mutant: caught by $t'; fi;"
	done
	# The test module holds nvsvm: unload it, as the VM's end unloads nvsvm.
	cmd+=' ! grep -q "^nvsvm_test " /proc/modules || rmmod nvsvm_test;'
	# shellcheck disable=SC2016 # expanded in the guest
	cmd+=' [ $missed = 1 ]'
	{
		git -C "$NVSVM_TOP" worktree add -q --detach "$wt" HEAD &&
		git -C "$wt" apply "$patch" &&
		make -C "$kdir" M="$wt" W=1 modules &&
		make -C "$wt" userspace igt tools
	} >"$log" 2>&1 || die "$name: the mutant does not build; see $log"
	"$wt/scripts/vm-run.sh" -t 1200 -o "$logdir/vm-$name" \
		-m "num_devices=2 vram_size_mb=16" -- "$cmd" >>"$log" 2>&1
	status=$?
	git -C "$NVSVM_TOP" worktree remove --force "$wt"
	if [ $status = 0 ]; then
		echo "survived  $name   (see $log)"
		survived=1
	else
		echo "caught    $name   (status $status)"
	fi
	sed -n 's/^.*nvsvm-mutant: /          /p' "$log"
done
exit $survived
