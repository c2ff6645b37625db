#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The lint gate for kernel code: checkpatch --strict, sparse (C=2) with W=1,
# and kernel-doc -Wall on every .c and .h of the module and the uAPI, and on
# libnvsvm's header.
#
#   scripts/check.sh KDIR
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kdir=${1:?usage: scripts/check.sh KDIR}
src=$(readlink -f "$kdir/source")
cd "$NVSVM_TOP" || exit 1
mapfile -t files < <(git ls-files 'drivers/*.c' 'drivers/*.h' 'include/*.h')
fail=0

echo "== checkpatch --strict"
"$src/scripts/checkpatch.pl" --strict --no-tree --quiet --show-types \
	--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "${files[@]}" || fail=1

echo "== sparse (C=2) and W=1"
log=$(make -s -C "$kdir" M="$NVSVM_TOP" W=1 C=2 modules 2>&1)
if [ -n "$log" ]; then
	echo "$log"
	fail=1
fi

echo "== kernel-doc -Wall"
# libnvsvm's header documents its API the kernel's way too.
mapfile -t headers < <(git ls-files 'userspace/lib/*.h')
log=$("$src/scripts/kernel-doc" -none -Wall "${files[@]}" "${headers[@]}" 2>&1)
if [ -n "$log" ]; then
	echo "$log"
	fail=1
fi

echo "== mutants still apply"
# A mutant whose context the code outgrew stops make mutants before it
# runs a test; catch that here, where every change passes.
for patch in "$NVSVM_TOP"/igt-tests/mutants/*.patch; do
	if ! git -C "$NVSVM_TOP" apply --check "$patch" 2>/dev/null; then
		echo "$(basename "$patch"): does not apply to the tree"
		fail=1
	fi
done

[ "$fail" = 0 ] && echo "check: clean"
exit $fail
