#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Install the Debian packages nvsvm builds and tests with, if any is missing.
# As root it runs apt-get; otherwise it prints the command and fails.
set -euo pipefail

packages=(
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod
	linux-source-6.12	# the kernel we build, with DEVICE_PRIVATE
	qemu-system-x86		# the test VM (TCG)
	busybox-static		# reboot -f inside the VM
	libdrm-dev pkg-config	# userspace and IGT tests
	intel-gpu-tools		# libigt.so.0, the IGT library
	sparse			# make check
	gnuplot-nox		# make bench: the throughput plot
	python3			# result parsing
	dkms			# make dkms-check
	debhelper dh-dkms lintian	# make deb
	python3-matplotlib	# make demo DEMO_TRACE=1: the trace pictures
)
# Strip the comments that follow package names above.
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sed 's/#.*//' | xargs -n1)

missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" != 0 ]; then
	echo "nvsvm: missing packages; as root, run:" >&2
	echo "  apt-get update && $cmd" >&2
	exit 1
fi
echo "nvsvm: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
$cmd >&2
