#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run every test in one VM boot: the KUnit suites and all IGT binaries.
#
#   scripts/run-tests.sh [IGT_BINARY...]
#
# Prints one line per test and a final "N passed, N failed" line, writes
# build/results/test.json (with the guest's dmesg) and exits 0 only when
# nothing failed and the kernel logged no splat or leak.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

rundir=$NVSVM_TOP/build/vm
rm -rf "$rundir/results"
# Two GPUs for the two-device cases, two more for the short tool runs
# that go alongside (scripts/guest-tests.sh), and a small VRAM, so that
# the oversubscription case moves tens of MiB rather than hundreds.
"$NVSVM_TOP/scripts/vm-run.sh" -t "${NVSVM_TEST_TIMEOUT:-1800}" -o "$rundir" \
	-m "num_devices=4 vram_size_mb=16 ${NVSVM_MODPARAMS:-}" \
	-- scripts/guest-tests.sh "$@"
vm_status=$?
exec "$NVSVM_TOP/scripts/results.py" "$rundir" \
	"$NVSVM_TOP/build/results/test.json" "$vm_status"
