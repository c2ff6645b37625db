#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Profile one-page CPU fault-backs, nvsvm's (migrate_to_ram with
# cpu_fault_window_kb 4) and test_hmm's (dmirror_devmem_fault), with the
# function_graph tracer in the bench VM, and print the phases of a fault
# side by side.
#
#   scripts/profile-cpufault.sh
#
# `make profile-cpufault` builds what this needs first: what `make bench`
# does, and test_hmm.ko with the function tracer's hooks under
# build/profile/test_hmm (the kernel builds lib/ without them). Two boots of
# the bench kernel, one after the other:
#
#   1. (unless NVSVM_PROFILE_REDISCOVER=0 and there is one from a run
#      before) with ftrace=function_graph on the command line, every function
#      hooked: the graph of $NVSVM_PROFILE_DISCOVER_MIB (default 4) MiB of
#      faults, $NVSVM_PROFILE_DEPTH (default 6) calls deep below the
#      callbacks, from which profile-cpufault-report.py picks the functions
#      to time, in $NVSVM_PROFILE_LEVELS (default 3) levels;
#   2. without a tracer: $NVSVM_PROFILE_REPS (default 3) reps of
#      $NVSVM_PROFILE_MIB (default 8) MiB of faults untraced, then
#      $NVSVM_PROFILE_ROUNDS (default 3) rounds of a rep with the graph
#      tracer hooking the callbacks and nvsvm_stat_add (to measure the
#      tracer's cost), and a rep a level hooking the callbacks and that
#      level's functions.
#
# A hooked call costs the tracer some us under TCG: hooking few functions a
# run keeps that small, and the report subtracts it (see
# scripts/profile-cpufault-report.py). The table goes to stdout and to
# build/profile/profile.txt, the traces stay in build/profile/vm*/profile.
# The machine should be otherwise idle: other VMs on the host's CPUs slow
# this one's by as much as 4x, at random.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$NVSVM_TOP/build/profile
module=$NVSVM_TOP/build/bench/module/drivers/gpu/drm/nvsvm/nvsvm.ko
bin=$NVSVM_TOP/build/bench/nvsvm-bench
hmm=$out/test_hmm/test_hmm.ko
for f in "$module" "$bin" "$hmm"; do
	[ -e "$f" ] || die "$f is missing (run: make profile-cpufault)"
done
discover_mib=${NVSVM_PROFILE_DISCOVER_MIB:-4}
depth=${NVSVM_PROFILE_DEPTH:-6}
mib=${NVSVM_PROFILE_MIB:-8}
reps=${NVSVM_PROFILE_REPS:-3}
rounds=${NVSVM_PROFILE_ROUNDS:-3}
levels=${NVSVM_PROFILE_LEVELS:-3}
vram_mb=${NVSVM_BENCH_VRAM_MB:-256}

# What runs in the guest, from the top of the tree.
rel() { realpath --relative-to="$NVSVM_TOP" "$1"; }

discover=$out/vm-discover/profile/discover.trace
if [ "${NVSVM_PROFILE_REDISCOVER:-1}" = 1 ] || [ ! -f "$discover" ]; then
	echo "profile: boot 1 of 2, every function hooked, the graph to depth $depth"
	"$NVSVM_TOP/scripts/vm-run.sh" -p bench -k "$module" -o "$out/vm-discover" \
		-t "${NVSVM_PROFILE_TIMEOUT:-1800}" \
		-m "num_devices=1 vram_size_mb=$vram_mb" \
		-a "ftrace=function_graph ftrace_graph_filter=do_swap_page" \
		-- scripts/guest-profile-cpufault.sh "$(rel "$bin")" "$(rel "$hmm")" \
		"$discover_mib" 1 discover $((depth + 1))
else
	echo "profile: the discovery graph of the last run (NVSVM_PROFILE_REDISCOVER=0)"
fi
rm -rf "$out/levels"
"$NVSVM_TOP/scripts/profile-cpufault-report.py" select --levels "$levels" \
	--out "$out/levels" "$discover"

# The timings are only as good as the host is idle: note, every 5 s, the
# other VMs running and the load.
host=$out/host.txt
: >"$host"
( while sleep 5; do
	echo "$(($(pgrep -c -x qemu-system-x86 || true) - 1)) $(cut -d' ' -f1 /proc/loadavg)"
done >>"$host" ) &
sampler=$!
trap 'kill "$sampler" 2>/dev/null || true' EXIT

echo "profile: boot 2 of 2, untraced, then the callbacks, then those functions"
"$NVSVM_TOP/scripts/vm-run.sh" -p bench -k "$module" -o "$out/vm" \
	-t "${NVSVM_PROFILE_TIMEOUT:-1800}" \
	-m "num_devices=1 vram_size_mb=$vram_mb" \
	-- scripts/guest-profile-cpufault.sh "$(rel "$bin")" "$(rel "$hmm")" \
	"$mib" "$reps" measure "$(rel "$out/levels")" "$rounds"
kill "$sampler" 2>/dev/null || true

"$NVSVM_TOP/scripts/profile-cpufault-report.py" table "$out/vm/profile" \
	--discover "$discover" --host "$host" \
	--pages $((mib * 256)) --reps "$reps" -o "$out/profile.txt"
