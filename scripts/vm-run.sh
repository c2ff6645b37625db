#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Boot the nvsvm kernel in QEMU, load nvsvm.ko and run one command in the guest.
#
#   scripts/vm-run.sh [options] [--] COMMAND...
#
#   -p PROFILE   kernel profile: test (default, debug kernel) or bench
#   -t SECONDS   time limit for the whole VM run (default 600)
#   -m PARAMS    nvsvm.ko module parameters (default "num_devices=2", plus
#                $NVSVM_MODPARAMS)
#   -N           do not load nvsvm.ko
#   -k MODULE    the nvsvm.ko to load (default drivers/gpu/drm/nvsvm/nvsvm.ko,
#                the one `make modules` builds for the test kernel)
#   -o DIR       run directory (default build/vm); it receives status, dmesg,
#                kmemleak and console.log
#   -T           trust the host's TSC, for a fine clock, as the bench profile
#                always does (see below): for timings, such as trace events'
#                ns= durations and timestamps
#   -a ARGS      append ARGS to the guest kernel's command line
#
# The guest sees the host's / read-only, so COMMAND runs from the host tree,
# in the top directory of the repository. Its output goes to stdout. The exit
# status is COMMAND's, unless the run timed out (124), the module failed to
# load or unload (125, 126), or the guest's dmesg holds a kernel splat or the
# kmemleak report a leak (100).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

profile=test timeout=600 modparams="num_devices=2 ${NVSVM_MODPARAMS:-}" load=1 rundir=$NVSVM_TOP/build/vm
tsc=0 append=
module=$NVSVM_TOP/drivers/gpu/drm/nvsvm/nvsvm.ko
while getopts "p:t:m:Nk:o:Ta:" opt; do
	case $opt in
	p) profile=$OPTARG ;;
	t) timeout=$OPTARG ;;
	m) modparams=$OPTARG ;;
	N) load=0 ;;
	k) module=$(realpath "$OPTARG") ;;
	o) rundir=$OPTARG ;;
	T) tsc=1 ;;
	a) append=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || die "usage: scripts/vm-run.sh [-p PROFILE] [-t SECONDS] [-m PARAMS] [-N] [-k MODULE] [-o DIR] [-T] [-a ARGS] -- COMMAND..."

kdir=$("$NVSVM_TOP/scripts/kernel-build.sh" "$profile")
if [ "$load" = 1 ]; then
	[ -f "$module" ] || die "$module is not built (run: make modules)"
	# A module built against another kernel would fail to load anyway;
	# say why up front.
	modvermagic=$(modinfo -F vermagic "$module")
	kvermagic=$(cat "$kdir/include/config/kernel.release")
	hint="make modules"
	[ "$profile" = test ] || hint="make bench-modules, and pass -k build/bench/module/drivers/gpu/drm/nvsvm/nvsvm.ko"
	[ "${modvermagic%% *}" = "$kvermagic" ] ||
		die "$module was built for ${modvermagic%% *}, the $profile kernel is $kvermagic (run: $hint)"
else
	module=
fi

mkdir -p "$rundir"
rundir=$(cd "$rundir" && pwd)
rm -f "$rundir"/{status,dmesg,kmemleak,console.log,job.env}
{
	printf 'NVSVM_TOP=%q\n' "$NVSVM_TOP"
	printf 'NVSVM_KDIR=%q\n' "$kdir"
	printf 'NVSVM_MODULE=%q\n' "$module"
	printf 'NVSVM_MODPARAMS=%q\n' "$modparams"
	printf 'NVSVM_PRELOAD=%q\n' "${NVSVM_PRELOAD:-}"
	printf 'NVSVM_CMD=%q\n' "$*"
	# Whether the command's output reaches a terminal on this side.
	printf 'NVSVM_HOST_TTY=%s\n' "$([ -t 1 ] && echo 1 || echo 0)"
	printf 'export NVSVM_TOP NVSVM_KDIR\n'
} >"$rundir/job.env"

# acpi=off: under TCG, ACPI's AML interpreter is slow enough to stall RCU.
# -no-reboot turns the guest's final reboot into QEMU's exit.
cmdline="console=ttyS0 acpi=off panic=-1 oops=panic"
cmdline+=" root=nvsvm-root rootfstype=9p rootflags=trans=virtio,version=9p2000.L,msize=512000,cache=loose ro"
cmdline+=" init=$NVSVM_TOP/scripts/vm-init.sh"
# A few reserved huge pages, so that hugetlbfs tests run rather than skip.
cmdline+=" transparent_hugepage=always hugepagesz=2M hugepages=16 kasan.fault=report"
# Every KASAN report, not only the first: a test that looks for its own
# report in the log must find it even after another test's.
cmdline+=" kasan_multi_shot"
# Benchmarks need a true, fine clock. Under TCG the guest's TSC is the host's,
# but the guest calibrates it against a PIT that TCG runs late, and then the
# clocksource watchdog finds it skewed against jiffies that lose ticks, and
# falls back to those: 4 ms steps, and a third of the time lost under load.
# So give the guest the host's TSC frequency and trust the TSC. The test
# profile keeps the jiffies unless -T asks: its timings are not measured.
if [ "$profile" = bench ] || [ "$tsc" = 1 ]; then
	cmdline+=" tsc_early_khz=$(host_tsc_khz) tsc=reliable"
fi
cmdline+="${append:+ $append}"

set +e
timeout -k 10 "$timeout" qemu-system-x86_64 \
	-machine pc,accel=tcg -cpu max -smp 2,sockets=2,cores=1 -m "${NVSVM_VM_MEM:-4G}" \
	-nodefaults -no-user-config -display none -no-reboot \
	-kernel "$kdir/arch/x86/boot/bzImage" -append "$cmdline" \
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=nvsvm-root \
	-fsdev local,id=top,path="$NVSVM_TOP",security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=top,mount_tag=nvsvm-top \
	-fsdev local,id=run,path="$rundir",security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=run,mount_tag=nvsvm-run \
	-serial file:"$rundir/console.log" -serial stdio </dev/null
qemu_status=$?
set -e

if [ "$qemu_status" = 124 ] || [ "$qemu_status" = 137 ]; then
	echo "nvsvm: VM timed out after ${timeout}s; console in $rundir/console.log" >&2
	tail -n 30 "$rundir/console.log" >&2
	exit 124
fi
if [ ! -f "$rundir/status" ]; then
	echo "nvsvm: the guest died before the command finished (QEMU exit $qemu_status); console:" >&2
	tail -n 50 "$rundir/console.log" >&2
	exit 125
fi
status=$(cat "$rundir/status")

if ! "$NVSVM_TOP/scripts/dmesg-check.sh" "$rundir/dmesg" "$rundir/kmemleak"; then
	echo "nvsvm: kernel reports found; the full dmesg is in $rundir/dmesg" >&2
	exit 100
fi
exit "$status"
