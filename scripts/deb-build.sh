#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make deb: build the Debian packages (nvsvm-dkms, libnvsvm0, libnvsvm-dev,
# nvsvm-tests, and the source package) with dpkg-buildpackage, from a copy
# of the tree in build/deb/nvsvm-VERSION, so that the build leaves the
# tree alone; the packages land in build/deb. Then lintian checks them all:
# build/deb/lintian.txt has its output, and any error or warning fails.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cd "$NVSVM_TOP"
version=$(scripts/version.sh)
changelog=$(dpkg-parsechangelog -S Version)
[ "$changelog" = "$version" ] ||
	die "debian/changelog is at $changelog, nvsvm_drv.h at $version: add a changelog entry"

out=$NVSVM_TOP/build/deb
src=$out/nvsvm-$version
rm -rf "$out"
mkdir -p "$src"
# The tree as it is, committed or not, without what .gitignore leaves out.
git ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
	cpio -0 -pdm --quiet "$src"

echo "nvsvm: dpkg-buildpackage in $src" >&2
(cd "$src" && dpkg-buildpackage -us -uc -jauto) >"$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log"; die "dpkg-buildpackage failed (see $out/build.log)"; }
rm -rf "$src"

changes=$out/nvsvm_${version}_$(dpkg-architecture -qDEB_HOST_ARCH).changes
echo "== packages"
(cd "$out" && ls -1 ./*.deb ./*.dsc)
echo "== lintian --pedantic -I $(basename "$changes")"
set +e
lintian --pedantic -I --fail-on error,warning "$changes" >"$out/lintian.txt" 2>&1
rc=$?
set -e
cat "$out/lintian.txt"
[ "$rc" = 0 ] || die "lintian: errors or warnings (exit $rc)"
echo "lintian: no errors or warnings"
