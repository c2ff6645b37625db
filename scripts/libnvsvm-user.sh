#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Check an installed libnvsvm the way a user meets it: build and run
# scripts/libnvsvm-user.c against ROOT with nothing but the libnvsvm.pc
# installed there, linked with the shared library and then statically, and
# check that the shared library exports exactly the functions nvsvm.h
# declares. Shared by scripts/install-test.sh and scripts/deb-test.sh.
#
#   scripts/libnvsvm-user.sh ROOT LIBDIR WORKDIR
#
# ROOT is a scratch root (a DESTDIR, or unpacked packages), LIBDIR the
# library directory inside it (/usr/lib), WORKDIR a scratch directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

root=${1:?usage: libnvsvm-user.sh ROOT LIBDIR WORKDIR}
libdir=${2:?} work=${3:?}
lib=$root$libdir
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

pc=$lib/pkgconfig/libnvsvm.pc
[ -f "$pc" ] || { echo "FAIL: no $pc"; exit 1; }
ok "$pc"
# It names the installed paths, not those of the tree it was built in.
grep -n -e "$NVSVM_TOP" -e "$root" "$pc" && bad "libnvsvm.pc points into the build tree or the scratch root"

# pkg-config sees this root alone. Its Requires.private (libdrm) resolves
# to the host's libdrm-dev, which the root gets by link, as a system with
# libdrm-dev installed would have it: a sysroot prefixes every path.
mkdir -p "$work/pc" "$root/usr/include"
drm_pc=$(pkg-config --variable=pcfiledir libdrm)/libdrm.pc
ln -sf "$drm_pc" "$work/pc/libdrm.pc"
[ -e "$root/usr/include/libdrm" ] || ln -s /usr/include/libdrm "$root/usr/include/libdrm"
export PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$lib/pkgconfig:$work/pc
unset PKG_CONFIG_PATH

cflags=$(pkg-config --cflags libnvsvm) || { echo "FAIL: pkg-config --cflags"; exit 1; }
libs=$(pkg-config --libs libnvsvm)
static_libs=$(pkg-config --static --libs libnvsvm)
echo "pkg-config: cflags: $cflags"
echo "pkg-config: libs: $libs"
echo "pkg-config: static libs: $static_libs"
for flag in $cflags $libs; do
	case $flag in
	-I"$root"* | -L"$root"*) [ -d "${flag#-?}" ] || bad "$flag: no such directory" ;;
	esac
done

cp "$NVSVM_TOP/scripts/libnvsvm-user.c" "$work/"
cd "$work"
warn="-std=c11 -Wall -Wextra -Werror"

# Shared: it needs libnvsvm.so.0, found in the root.
# shellcheck disable=SC2086
if cc $warn libnvsvm-user.c $cflags $libs -o user-shared; then
	ok "built against the shared library"
	needed=$(readelf -d user-shared | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd' ')
	case " $needed " in
	*" libnvsvm.so.0 "*) ok "NEEDED: $needed" ;;
	*) bad "user-shared does not need libnvsvm.so.0 (NEEDED: $needed)" ;;
	esac
	where=$(LD_LIBRARY_PATH=$lib ldd user-shared | sed -n 's/.*libnvsvm.so.0 => \([^ ]*\).*/\1/p')
	[ "$(readlink -f "$where")" = "$(readlink -f "$lib/libnvsvm.so.0")" ] ||
		bad "libnvsvm.so.0 resolves to '$where', not to $lib"
	LD_LIBRARY_PATH=$lib ./user-shared || bad "user-shared failed"
else
	bad "cannot build against the shared library"
fi

# Static: pkg-config --static gives what a fully static link needs.
# shellcheck disable=SC2086
if cc -static $warn libnvsvm-user.c $cflags $static_libs -o user-static; then
	ok "built statically"
	readelf -d user-static 2>/dev/null | grep -q NEEDED && bad "user-static is not static"
	./user-static || bad "user-static failed"
else
	bad "cannot build statically"
fi

# The exports: every function nvsvm.h declares (its static inline helpers
# aside), and nothing else.
so=$lib/libnvsvm.so.0
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libnvsvm.so.0 ] && ok "SONAME $soname" || bad "SONAME '$soname'"
header=
for flag in $cflags; do
	case $flag in
	-I*) [ -z "$header" ] && [ -f "${flag#-I}/nvsvm.h" ] && header=${flag#-I}/nvsvm.h ;;
	esac
done
[ -n "$header" ] || { bad "no nvsvm.h in the include paths"; exit 1; }
declared=$(grep -oP '^(?!static\b)[A-Za-z_][\w *]*?\bnvsvm_\w+(?=\()' "$header" |
	grep -o 'nvsvm_\w*$' | sort -u)
exported=$(nm -D --defined-only "$so" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort -u)
unversioned=$(nm -D --defined-only "$so" | awk '$2 == "T" && $3 !~ /@@LIBNVSVM_0$/ { print $3 }')
if [ "$declared" = "$exported" ] && [ -z "$unversioned" ]; then
	ok "exports the $(echo "$exported" | wc -l) functions nvsvm.h declares, at LIBNVSVM_0"
else
	bad "exports differ from nvsvm.h's functions ('<' declared only, '>' exported only):"
	diff <(echo "$declared") <(echo "$exported") | grep '^[<>]' || true
	[ -z "$unversioned" ] || echo "not at LIBNVSVM_0: $unversioned"
fi
exit $fail
