#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Run every benchmark in one boot of the bench kernel, then report.
#
#   scripts/bench.sh [GROUP...]     (default: all; see nvsvm-bench -h)
#
# `make bench` builds what this needs first: the bench kernel, nvsvm.ko for
# it under build/bench/module, and build/bench/nvsvm-bench. The guest loads
# nvsvm with one device and $NVSVM_BENCH_VRAM_MB of VRAM (default 256) and
# test_hmm next to it. Writes build/bench/results.json and throughput.png
# and prints the table. NVSVM_BENCH_REPS (default 5) sets the repetitions,
# each measurement running once more as a warm-up first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$NVSVM_TOP/build/bench
module=$out/module/drivers/gpu/drm/nvsvm/nvsvm.ko
bin=$out/nvsvm-bench
if [ ! -x "$bin" ] || [ ! -f "$module" ]; then
	die "run: make bench"
fi
kdir=$("$NVSVM_TOP/scripts/kernel-build.sh" bench)

vram_mb=${NVSVM_BENCH_VRAM_MB:-256}
start=$(date +%s)
"$NVSVM_TOP/scripts/vm-run.sh" -p bench -k "$module" -o "$out/vm" \
	-t "${NVSVM_BENCH_TIMEOUT:-3000}" \
	-m "num_devices=1 vram_size_mb=$vram_mb" \
	-- scripts/guest-bench.sh "$bin" "${NVSVM_BENCH_OVERSUB_VRAM_MB:-32}" \
	-r "${NVSVM_BENCH_REPS:-5}" "$@"
vm_seconds=$(($(date +%s) - start))

exec "$NVSVM_TOP/scripts/bench-report.py" "$out/vm/bench.jsonl" "$out" \
	--date "$(date -u +%Y-%m-%d)" \
	--host-cpus "$(nproc)" \
	--host-cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)" \
	--qemu "$(qemu-system-x86_64 --version | head -n1)" \
	--kernel "$(cat "$kdir/include/config/kernel.release")" \
	--vram-mb "$vram_mb" --vm-seconds "$vm_seconds" \
	--guest-env "$out/vm/guest.env"
