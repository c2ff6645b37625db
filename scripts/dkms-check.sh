#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Check the DKMS tree of the module against a kernel build tree: dkms add,
# build (the module's vermagic must be the kernel's), install, remove; and
# that dkms refuses a kernel without CONFIG_DEVICE_PRIVATE, or older than
# 6.12. Everything goes
# to scratch DKMS, source and module trees, removed at the end: nothing is
# left in /var/lib/dkms, /usr/src or /lib/modules, and nothing is signed
# (no key is made). Needs root (dkms does) and no network.
#
#   scripts/dkms-check.sh KDIR [SRCDIR]
#
# SRCDIR is an installed DKMS tree (/usr/src/nvsvm-VERSION, e.g. from the
# nvsvm-dkms package); by default, make install-dkms makes one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

kdir=${1:?usage: scripts/dkms-check.sh KDIR [SRCDIR]}
srcdir=${2:-}
command -v dkms >/dev/null || die "dkms is not installed (run: make deps)"
[ "$(id -u)" = 0 ] || die "dkms needs root"
krel=$(cat "$kdir/include/config/kernel.release") || die "$kdir: not a built kernel tree"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nvsvm-dkms.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/dkms" "$tmp/src" "$tmp/modules/$krel"
if [ -z "$srcdir" ]; then
	make -s -C "$NVSVM_TOP" install-dkms DESTDIR="$tmp" DKMSDIR=/src >/dev/null
	srcdir=$(echo "$tmp"/src/nvsvm-*)
fi
[ -f "$srcdir/dkms.conf" ] || die "$srcdir: no dkms.conf"
name=$(basename "$srcdir")
version=${name#nvsvm-}
[ "$version" = "$(scripts/version.sh)" ] ||
	die "$srcdir is version $version, the tree $(scripts/version.sh)"
[ "$srcdir" = "$tmp/src/$name" ] || cp -a "$srcdir" "$tmp/src/"

# Signing would make a key in /var/lib/dkms: dkms takes sign_file from
# the environment when framework.conf does not set it.
export sign_file=/nonexistent
trees=(--dkmstree "$tmp/dkms" --sourcetree "$tmp/src" --installtree "$tmp/modules")
state() { ls -A /var/lib/dkms 2>/dev/null; ls -d /usr/src/nvsvm-* /lib/modules/"$krel" 2>/dev/null; true; }
state_before=$(state)
fail=0
step() {	# NAME COMMAND...: run it, print its output only on failure
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "ok: $name"
	else
		echo "$out"
		echo "FAIL: $name"
		fail=1
		return 1
	fi
}

echo "== dkms, nvsvm/$version, kernel $krel ($kdir)"
step "dkms add" dkms add "nvsvm/$version" "${trees[@]}" &&
step "dkms build" dkms build "nvsvm/$version" -k "$krel" \
	--kernelsourcedir "$kdir" "${trees[@]}" && {
	ko=$(find "$tmp/dkms/nvsvm/$version/$krel" -name 'nvsvm.ko*' | head -n1)
	want=$(modinfo -F vermagic "$(find "$kdir" -name '*.ko' -print -quit)")
	got=$(modinfo -F vermagic "$ko")
	if [ -n "$got" ] && [ "$got" = "$want" ]; then
		echo "ok: vermagic of $(basename "$ko"): $got"
	else
		echo "FAIL: vermagic of $ko: '$got', the kernel's: '$want'"
		fail=1
	fi
	step "dkms install" dkms install "nvsvm/$version" -k "$krel" --no-depmod \
		--kernelsourcedir "$kdir" "${trees[@]}" &&
	if find "$tmp/modules/$krel" -name 'nvsvm.ko*' | grep -q .; then
		echo "ok: installed as $(cd "$tmp/modules" && find . -name 'nvsvm.ko*')"
	else
		echo "FAIL: dkms install put no nvsvm.ko in the module tree"
		fail=1
	fi
	status=$(dkms status "nvsvm/$version" "${trees[@]}" 2>&1)
	case $status in
	*"$krel"*installed*) echo "ok: dkms status: $status" ;;
	*) echo "FAIL: dkms status: $status"; fail=1 ;;
	esac
}
step "dkms remove" dkms remove "nvsvm/$version" --all "${trees[@]}" &&
if find "$tmp/modules" -name 'nvsvm.ko*' | grep -q . || [ -d "$tmp/dkms/nvsvm" ]; then
	echo "FAIL: dkms remove left nvsvm behind"
	fail=1
else
	echo "ok: nothing left after dkms remove"
fi

# A kernel without DEVICE_PRIVATE: this one's config with it taken out, as
# Debian's kernels have it. DKMS refuses it before building (status 77).
mkdir -p "$tmp/nodp/include"
sed 's/^CONFIG_DEVICE_PRIVATE=.*/# CONFIG_DEVICE_PRIVATE is not set/' \
	"$kdir/.config" >"$tmp/nodp/.config"
set +e
out=$(dkms build "nvsvm/$version" -k "$krel" --kernelsourcedir "$tmp/nodp" \
	"${trees[@]}" 2>&1)
rc=$?
set -e
if [ "$rc" = 77 ] && grep -q BUILD_EXCLUSIVE <<<"$out"; then
	echo "ok: refused without DEVICE_PRIVATE: $(grep -m1 -o 'includes a BUILD_EXCLUSIVE.*' <<<"$out")"
else
	echo "$out"
	echo "FAIL: dkms build without DEVICE_PRIVATE: status $rc, not a refusal (77)"
	fail=1
fi
# A kernel older than 6.12, which the module is not written for.
set +e
out=$(dkms build "nvsvm/$version" -k 6.1.0-old --kernelsourcedir "$kdir" \
	"${trees[@]}" 2>&1)
rc=$?
set -e
if [ "$rc" = 77 ] && grep -q BUILD_EXCLUSIVE <<<"$out"; then
	echo "ok: refused for a 6.1 kernel"
else
	echo "$out"
	echo "FAIL: dkms build for a 6.1 kernel: status $rc, not a refusal (77)"
	fail=1
fi
dkms remove "nvsvm/$version" --all "${trees[@]}" >/dev/null 2>&1 || true

state_after=$(state)
if [ "$state_before" != "$state_after" ]; then
	echo "FAIL: dkms left state behind: '$state_after' (before: '$state_before')"
	fail=1
fi
[ "$fail" = 0 ] && echo "dkms check: PASS" || echo "dkms check: FAIL"
exit $fail
