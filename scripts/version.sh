#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Print the version of nvsvm: the driver's MAJOR.MINOR.PATCHLEVEL from
# nvsvm_drv.h, the one place it is written. The library, the DKMS tree and
# the Debian packages take it from here (debian/changelog must agree: make
# deb checks).
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^#define NVSVM_DRIVER_\(MAJOR\|MINOR\|PATCHLEVEL\)[[:space:]]*\([0-9]*\)$/\2/p' \
	"$top/drivers/gpu/drm/nvsvm/nvsvm_drv.h" | paste -sd.)
case $version in
*.*.*) echo "$version" ;;
*) echo "nvsvm: no MAJOR.MINOR.PATCHLEVEL in nvsvm_drv.h" >&2; exit 1 ;;
esac
