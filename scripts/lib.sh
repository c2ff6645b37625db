# SPDX-License-Identifier: GPL-2.0-only
# Shared settings for the nvsvm build and VM scripts. Source it; do not run it.

NVSVM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NVSVM_CACHE=${NVSVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nvsvm}
NVSVM_KSRC_TARBALL=${NVSVM_KSRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}

die() { echo "nvsvm: $*" >&2; exit 1; }

# Fragments that make up a kernel profile, in the order they are applied.
kernel_fragments() {
	case "$1" in
	test)  echo "$NVSVM_TOP/kernel/base.config $NVSVM_TOP/kernel/debug.config" ;;
	bench) echo "$NVSVM_TOP/kernel/base.config $NVSVM_TOP/kernel/bench.config" ;;
	*) die "unknown kernel profile '$1' (test or bench)" ;;
	esac
}

# Version of the installed linux-source-6.12 package, e.g. 6.12.117-1~deb12u1.
kernel_src_version() {
	dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null ||
		die "linux-source-6.12 is not installed (run: make deps)"
}

# Build directory of a profile: keyed by source version and fragment hash.
kernel_dir() {
	local profile=$1 hash
	# shellcheck disable=SC2046
	hash=$(cat $(kernel_fragments "$profile") | sha256sum | cut -c1-16)
	echo "$NVSVM_CACHE/kernel/$(kernel_src_version)-$profile-$hash"
}

# The host's TSC frequency in kHz ($NVSVM_TSC_KHZ overrides it): what the
# kernel measured at boot, or else the CPU clock /proc/cpuinfo reports.
host_tsc_khz() {
	local mhz
	if [ -n "${NVSVM_TSC_KHZ:-}" ]; then
		echo "$NVSVM_TSC_KHZ"
		return
	fi
	mhz=$(dmesg 2>/dev/null | sed -n \
		-e 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p' \
		-e 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | tail -n1)
	[ -n "$mhz" ] || mhz=$(sed -n 's/^cpu MHz[[:space:]]*: //p' /proc/cpuinfo | head -n1)
	[ -n "$mhz" ] || die "cannot tell the host's TSC frequency (set NVSVM_TSC_KHZ)"
	awk -v mhz="$mhz" 'BEGIN { printf "%d\n", mhz * 1000 }'
}
