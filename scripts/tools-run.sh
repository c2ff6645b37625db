#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run one long run of a tool in the test VM: make stress, make fuzz and
# make faultinj.
#
#   scripts/tools-run.sh RUN     (stress@long, fuzz@long, faultinj@all)
#
# STRESS_S, STRESS_SEED, FUZZ_N and FUZZ_SEED reach the guest. The run
# fails on the tool's own failure, and on any kernel report or leak in the
# guest (scripts/vm-run.sh). Its output is in build/vm-RUN/.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

run=$1
env=""
for var in STRESS_S STRESS_SEED FUZZ_N FUZZ_SEED; do
	[ -n "${!var:-}" ] && env+="$var=${!var} "
done
# The time limit: the run's own, plus boot and the final kmemleak scan.
limit=$(( ${STRESS_S:-600} + 1200 ))
exec "$NVSVM_TOP/scripts/vm-run.sh" -t "$limit" -o "$NVSVM_TOP/build/vm-$run" \
	-m "num_devices=2 vram_size_mb=16 ${NVSVM_MODPARAMS:-}" \
	-- "${env}scripts/guest-tools.sh $run"
