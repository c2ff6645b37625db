#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Build (or find in the cache) the kernel nvsvm runs on.
#
#   scripts/kernel-build.sh [--dir] [test|bench]
#
# The kernel comes from Debian's linux-source-6.12 and an allnoconfig base plus
# the committed fragments in kernel/. The build lives outside the repository,
# under $NVSVM_CACHE, in a directory named after the source version and the
# fragments' hash, so a warm run never rebuilds. Prints the build directory;
# with --dir, only prints it and builds nothing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

only_dir=0
if [ "${1:-}" = --dir ]; then
	only_dir=1
	shift
fi
profile=${1:-test}
kdir=$(kernel_dir "$profile")
if [ "$only_dir" = 1 ]; then
	echo "$kdir"
	exit 0
fi
stamp=$kdir/.nvsvm-built

if [ -f "$stamp" ]; then
	echo "$kdir"
	exit 0
fi

mkdir -p "$NVSVM_CACHE"
exec 9>"$NVSVM_CACHE/.kernel-build.lock"
flock 9
if [ -f "$stamp" ]; then
	echo "$kdir"
	exit 0
fi

[ -f "$NVSVM_KSRC_TARBALL" ] || die "$NVSVM_KSRC_TARBALL missing (run: make deps)"
srcdir=$NVSVM_CACHE/src/linux-source-$(kernel_src_version)
if [ ! -f "$srcdir/.nvsvm-unpacked" ]; then
	echo "nvsvm: unpacking $NVSVM_KSRC_TARBALL" >&2
	rm -rf "$srcdir" "$srcdir.tmp"
	mkdir -p "$srcdir.tmp"
	tar -xf "$NVSVM_KSRC_TARBALL" -C "$srcdir.tmp" --strip-components=1
	mv "$srcdir.tmp" "$srcdir"
	touch "$srcdir/.nvsvm-unpacked"
fi

echo "nvsvm: building the $profile kernel in $kdir (cold build, ~15 min on 2 cores)" >&2
mkdir -p "$kdir"
frag=$kdir/fragment.config
# shellcheck disable=SC2046
cat $(kernel_fragments "$profile") >"$frag"
make -s -C "$srcdir" O="$kdir" KCONFIG_ALLCONFIG="$frag" allnoconfig >&2

# Kconfig drops an option silently when a dependency is missing: refuse that.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=n) opt=${line%=n}; want="# $opt is not set" ;;
	CONFIG_*=*) opt=${line%%=*}; want=$line ;;
	*) continue ;;
	esac
	if [ "$want" = "# $opt is not set" ]; then
		grep -q "^$opt=" "$kdir/.config" && { echo "nvsvm: $opt should be unset" >&2; bad=1; }
	elif ! grep -qx "$want" "$kdir/.config"; then
		echo "nvsvm: fragment wants '$want', .config has '$(grep "^$opt=\|^# $opt " "$kdir/.config" || echo nothing)'" >&2
		bad=1
	fi
done <"$frag"
[ "$bad" = 0 ] || die "kernel config does not match the fragment"

jobs=$(( $(nproc) + 1 ))
make -s -C "$kdir" -j"$jobs" bzImage modules >&2
touch "$stamp"
echo "$kdir"
