#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the bench VM (scripts/bench.sh), with nvsvm.ko loaded: loads
# test_hmm.ko, the kernel's reference HMM driver, next to it and runs the
# benchmark program. Raw samples go to $NVSVM_RUN/bench.jsonl.
#
#   scripts/guest-bench.sh BENCH_BINARY OVERSUB_VRAM_MB [-r N] [-w N] [GROUP...]
#
# The oversubscription group runs after the others, on nvsvm reloaded with a
# VRAM of OVERSUB_VRAM_MB: the emulated GPU computes a triad over twice the
# bench's VRAM (hundreds of MiB) too slowly for a bench that runs in
# minutes. The peer group runs last, on two GPUs.

bin=$1 oversub_mb=$2
shift 2
opts='' groups='' oversub='' peer=''
while [ $# -gt 0 ]; do
	case $1 in
	-?) opts="$opts $1 $2"; shift ;;
	oversub) oversub=1 ;;
	peer) peer=1 ;;
	*) groups="$groups $1" ;;
	esac
	shift
done
[ -n "$groups$oversub$peer" ] || { groups="migrate remigrate gpufault faultbound latency dma tlb cpufault thrashing prefetch"; oversub=1; peer=1; }
vram_mb=$(cat /sys/module/nvsvm/parameters/vram_size_mb)

# Under TCG, the rep movsb and rep stosb that glibc picks on ERMS CPUs run
# a byte per emulated iteration (0.02 GB/s for a 64 KiB memcpy): make the
# memcpy ceiling, and the buffers' fills, use vector loops instead.
export GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=4294967295:glibc.cpu.x86_rep_stosb_threshold=4294967295

raw=$NVSVM_RUN/bench.jsonl
rm -f "$raw"
insmod "$NVSVM_KDIR/lib/test_hmm.ko" || exit 1
# devtmpfs creates the node; make it by hand if it did not.
if [ ! -e /dev/hmm_dmirror0 ]; then
	major=$(awk '$2 == "HMM_DMIRROR" { print $1 }' /proc/devices)
	mknod /dev/hmm_dmirror0 c "$major" 0 || exit 1
fi
echo "guest: $(uname -r), $(nproc) CPU(s), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
cat >"$NVSVM_RUN/guest.env" <<EOT
kernel=$(uname -r)
cpus=$(nproc)
clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)
EOT

status=0
if [ -n "$groups" ]; then
	# shellcheck disable=SC2086
	"$bin" -o "$raw" $opts $groups || status=1
fi
if [ "$status" = 0 ] && [ -n "$oversub" ]; then
	echo "guest: reloading nvsvm with vram_size_mb=$oversub_mb"
	# shellcheck disable=SC2086
	rmmod nvsvm && insmod "$NVSVM_MODULE" num_devices=1 vram_size_mb="$oversub_mb" &&
		"$bin" -o "$raw" $opts oversub || status=1
fi
# The peer group, last too: on two GPUs of the bench's VRAM each.
if [ "$status" = 0 ] && [ -n "$peer" ]; then
	echo "guest: reloading nvsvm with num_devices=2 vram_size_mb=$vram_mb"
	# shellcheck disable=SC2086
	rmmod nvsvm && insmod "$NVSVM_MODULE" num_devices=2 vram_size_mb="$vram_mb" &&
		"$bin" -o "$raw" $opts peer || status=1
fi
rmmod test_hmm || status=1
exit $status
