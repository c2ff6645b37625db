#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run every test in one VM boot: the KUnit suites and all IGT binaries,
# after the host-side checks (the install test), which need no VM.
#
#   scripts/run-tests.sh [IGT_BINARY...]
#
# With IGT binaries given, runs only these, in the VM.
# Prints one line per test and a final "N passed, N failed" line, writes
# build/results/test.json (with the guest's dmesg) and exits 0 only when
# nothing failed and the kernel logged no splat or leak.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

rundir=$NVSVM_TOP/build/vm
# 2 GiB, not vm-run.sh's 4: on x86 kmemleak scans the whole KASAN shadow,
# an eighth of RAM, and the two scans after the tests took 65 s at 4 GiB
# (35 s at 2 GiB). Nothing in the suite needs more.
export NVSVM_VM_MEM=${NVSVM_VM_MEM:-2G}
rm -rf "$rundir/results"
# Host-side checks: one test each (check@variant), counted as the tool runs
# are; the output of a failed one is in results/host/NAME.out.
if [ $# -eq 0 ]; then
	mkdir -p "$rundir/results/host"
	echo "host: running install@destdir (scripts/install-test.sh)"
	"$NVSVM_TOP/scripts/install-test.sh" \
		>"$rundir/results/host/install@destdir.out" 2>&1
	echo $? >"$rundir/results/host/install@destdir.status"
fi
# Two GPUs for the two-device cases, two more for the short tool runs
# that go alongside (scripts/guest-tests.sh), and a small VRAM, so that
# the oversubscription case moves tens of MiB rather than hundreds.
"$NVSVM_TOP/scripts/vm-run.sh" -t "${NVSVM_TEST_TIMEOUT:-1800}" -o "$rundir" \
	-m "num_devices=4 vram_size_mb=16 ${NVSVM_MODPARAMS:-}" \
	-- scripts/guest-tests.sh "$@"
vm_status=$?
exec "$NVSVM_TOP/scripts/results.py" "$rundir" \
	"$NVSVM_TOP/build/results/test.json" "$vm_status"
