#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The package test, on what make deb left in build/deb: unpack the packages
# into a scratch root (dpkg-deb -x: no maintainer script runs, nothing is
# installed on the host), check their relations, build and run a program
# against libnvsvm-dev with pkg-config alone (scripts/libnvsvm-user.sh),
# list the subtests of each IGT binary of nvsvm-tests, and check that
# nvsvm-dkms ships the DKMS tree make install-dkms makes, then dkms-build
# it against KDIR (scripts/dkms-check.sh). make deb-check runs it.
#
#   scripts/deb-test.sh [KDIR]      (no KDIR: no dkms build)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=${1:-}
cd "$NVSVM_TOP"
version=$(scripts/version.sh)
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
debs=build/deb
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nvsvm-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

declare -A deb=(
	[nvsvm-dkms]=$debs/nvsvm-dkms_${version}_all.deb
	[libnvsvm0]=$debs/libnvsvm0_${version}_$arch.deb
	[libnvsvm-dev]=$debs/libnvsvm-dev_${version}_$arch.deb
	[nvsvm-tests]=$debs/nvsvm-tests_${version}_$arch.deb
)
for p in "${!deb[@]}"; do
	[ -f "${deb[$p]}" ] || die "${deb[$p]} missing: run make deb"
done

echo "== relations"
field() { dpkg-deb -f "${deb[$1]}" "$2"; }
want() {	# PACKAGE FIELD PATTERN
	local v
	v=$(field "$1" "$2")
	if grep -qE "$3" <<<"$v"; then ok "$1 $2 /$3/: $v"; else bad "$1 $2: '$v' lacks /$3/"; fi
}
want libnvsvm0 Depends 'libdrm2'
want libnvsvm-dev Depends "libnvsvm0 \(= $version\)"
want libnvsvm-dev Depends 'libdrm-dev'
want nvsvm-tests Depends 'intel-gpu-tools'
want nvsvm-dkms Depends '^dkms|, dkms'
shlibs=$(dpkg-deb --info "${deb[libnvsvm0]}" shlibs)
[ "$shlibs" = "libnvsvm 0 libnvsvm0 (>= $version)" ] && ok "libnvsvm0 shlibs: $shlibs" ||
	bad "libnvsvm0 shlibs: '$shlibs'"
dpkg-deb --info "${deb[libnvsvm0]}" symbols | grep -q '^ nvsvm_ioctl@LIBNVSVM_0 ' &&
	ok "libnvsvm0 symbols file" || bad "libnvsvm0 has no symbols file"
for script in postinst prerm; do
	body=$(dpkg-deb --info "${deb[nvsvm-dkms]}" $script 2>&1 || true)
	if grep -qx DKMS_NAME=nvsvm <<<"$body" && grep -qx "DKMS_VERSION=$version" <<<"$body"; then
		ok "nvsvm-dkms $script: dkms for nvsvm/$version"
	else
		bad "nvsvm-dkms $script: no dkms call for nvsvm/$version"
	fi
done

echo "== unpack into $root"
for p in "${!deb[@]}"; do
	dpkg-deb -x "${deb[$p]}" "$root"
done

echo "== libnvsvm-dev: build against it"
scripts/libnvsvm-user.sh "$root" "/usr/lib/$multiarch" "$tmp/work" || fail=1

echo "== nvsvm-tests"
igt=$root/usr/libexec/nvsvm/igt
n=0
for t in "$igt"/*; do
	if missing=$(ldd "$t" | grep 'not found'); then
		bad "$(basename "$t"): $missing"
	elif subtests=$(IGT_PLAIN_OUTPUT=1 "$t" --list-subtests) && [ -n "$subtests" ]; then
		n=$((n + $(wc -l <<<"$subtests")))
	else
		bad "$(basename "$t") --list-subtests"
	fi
done
[ -d "$igt" ] && ok "$(ls "$igt" | wc -l) IGT binaries, $n subtests listed" ||
	bad "no $igt"
"$root/usr/bin/nvsvm-demo" --help >/dev/null && ok "nvsvm-demo --help" ||
	bad "nvsvm-demo --help"

echo "== nvsvm-dkms"
tree=$root/usr/src/nvsvm-$version
conf=$tree/dkms.conf
for line in 'PACKAGE_NAME="nvsvm"' "PACKAGE_VERSION=\"$version\"" \
	'BUILT_MODULE_NAME[0]="nvsvm"' \
	'BUILT_MODULE_LOCATION[0]="drivers/gpu/drm/nvsvm/"' \
	'DEST_MODULE_LOCATION[0]="/updates/dkms"' 'AUTOINSTALL="yes"'; do
	grep -qxF "$line" "$conf" || bad "dkms.conf: no $line"
done
grep -q '^BUILD_EXCLUSIVE_CONFIG=".*CONFIG_DEVICE_PRIVATE' "$conf" ||
	bad "dkms.conf: no BUILD_EXCLUSIVE_CONFIG with CONFIG_DEVICE_PRIVATE"
grep -q '#MODULE_VERSION#' "$conf" && bad "dkms.conf: version not filled in"
# The same tree as make install-dkms makes from this checkout.
make -s install-dkms DESTDIR="$tmp/ref" DKMSDIR=/ >/dev/null
if diff -r "$tmp/ref/nvsvm-$version" "$tree"; then
	ok "$(find "$tree" -type f | wc -l) files in /usr/src/nvsvm-$version, as make install-dkms makes them"
else
	bad "/usr/src/nvsvm-$version differs from make install-dkms"
fi
if [ -n "$kdir" ]; then
	scripts/dkms-check.sh "$kdir" "$tree" || fail=1
else
	echo "skip: dkms build (no KDIR given)"
fi

[ "$fail" = 0 ] && echo "deb test: PASS" || echo "deb test: FAIL"
exit $fail
