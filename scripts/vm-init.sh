#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# PID 1 of the nvsvm test VM (see scripts/vm-run.sh).
#
# The guest's root is the host's / over virtio-9p, read-only, so every binary
# and library of the host tree is usable as is. The run directory of the host
# is mounted read-write at /tmp/nvsvm-run: it holds the job (job.env), and it
# gets the command's status, the dmesg and the kmemleak report back.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug
# The driver's trace events (docs/tracing.md); absent without CONFIG_TRACING.
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /tmp/nvsvm-run /dev/hugepages
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 nvsvm-run /tmp/nvsvm-run
mount -t hugetlbfs hugetlbfs /dev/hugepages

run=/tmp/nvsvm-run
out=/dev/ttyS1
stty -F $out raw -echo 2>/dev/null

# shellcheck disable=SC1091
. $run/job.env
kmemleak=/sys/kernel/debug/kmemleak

finish() {
	echo "$1" >$run/status
	if [ -w $kmemleak ]; then
		# Two scans: an object is reported only once it has been
		# unreferenced for a full scan period.
		echo scan >$kmemleak
		sleep 1
		echo scan >$kmemleak
		cat $kmemleak >$run/kmemleak
	fi
	dmesg >$run/dmesg
	sync
	busybox reboot -f
	sleep 60
}

# Reports from before the job are the kernel's own, not ours.
[ -w $kmemleak ] && echo scan >$kmemleak && echo clear >$kmemleak

# The tmpfs on /tmp hides a tree that lives under /tmp; vm-run.sh exports
# the tree on its own for that case.
if [ ! -d "$NVSVM_TOP" ]; then
	mkdir -p "$NVSVM_TOP"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,ro nvsvm-top "$NVSVM_TOP"
fi
cd "$NVSVM_TOP" || finish 125
for mod in $NVSVM_PRELOAD; do
	insmod "$mod" || finish 125
done
if [ -n "$NVSVM_MODULE" ]; then
	# shellcheck disable=SC2086
	insmod "$NVSVM_MODULE" $NVSVM_MODPARAMS || finish 125
fi

# The unload test reloads the module the way it was loaded.
export NVSVM_RUN=$run NVSVM_MODULE NVSVM_MODPARAMS
if [ "${NVSVM_HOST_TTY:-0}" = 1 ]; then
	sh -c "$NVSVM_CMD" >$out 2>&1 </dev/null
	status=$?
else
	# The host keeps the output in a file or a pipe: give the command a
	# pipe too, not the serial console, so that it sees no terminal and
	# prints no terminal control sequences (progress lines, colours).
	mkfifo /tmp/nvsvm-out
	cat /tmp/nvsvm-out >$out &
	sh -c "$NVSVM_CMD" >/tmp/nvsvm-out 2>&1 </dev/null
	status=$?
	wait
fi

# Unloading is part of every run: it must be clean and leak nothing.
if [ -n "$NVSVM_MODULE" ] && grep -q '^nvsvm ' /proc/modules; then
	rmmod nvsvm || { echo "nvsvm: rmmod nvsvm failed" >$out; status=126; }
fi
finish $status
