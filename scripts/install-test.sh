#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The install test: `make install` into a scratch DESTDIR with PREFIX=/usr,
# check what landed there, then build and run a program against it with
# the installed libnvsvm.pc alone (scripts/libnvsvm-user.sh). Host-side; no
# VM or device. `make install-check` runs it; `make test` counts it as
# install@destdir.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nvsvm-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
fail=0

echo "== make install DESTDIR=$root PREFIX=/usr"
make -s -C "$NVSVM_TOP" install DESTDIR="$root" PREFIX=/usr >"$tmp/make.log" 2>&1 ||
	{ cat "$tmp/make.log"; echo "FAIL: make install"; exit 1; }
for f in usr/lib/libnvsvm.so usr/lib/libnvsvm.so.0 usr/lib/libnvsvm.a \
	 usr/lib/pkgconfig/libnvsvm.pc usr/include/nvsvm/nvsvm.h \
	 usr/include/nvsvm/nvsvm_drm.h usr/bin/nvsvm-demo \
	 usr/share/man/man1/nvsvm-demo.1; do
	[ -e "$root/$f" ] || { echo "FAIL: /$f not installed"; fail=1; }
done
[ "$(readlink "$root/usr/lib/libnvsvm.so.0")" = "$(basename "$(readlink -f "$root/usr/lib/libnvsvm.so.0")")" ] ||
	{ echo "FAIL: libnvsvm.so.0 is not a link to the library beside it"; fail=1; }
"$root/usr/bin/nvsvm-demo" --help >/dev/null ||
	{ echo "FAIL: nvsvm-demo --help"; fail=1; }
echo "installed: $(cd "$root" && find . ! -type d | sort | paste -sd' ')"

echo "== build against the installed libnvsvm.pc"
"$NVSVM_TOP/scripts/libnvsvm-user.sh" "$root" /usr/lib "$tmp/work" || fail=1

[ "$fail" = 0 ] && echo "install test: PASS" || echo "install test: FAIL"
exit $fail
