#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Runs inside the test VM: one run of the stress, fuzz or fault-injection
# tool, by name. make test runs the short ones (scripts/guest-tests.sh);
# make stress and make fuzz run the long ones (scripts/tools-run.sh).
#
#   scripts/guest-tools.sh RUN         run RUN (tool@length), exit as it does
#   scripts/guest-tools.sh --short-runs    list the short runs
#
# The tools read their bounds and seeds from the environment: STRESS_S,
# STRESS_SEED, FUZZ_N, FUZZ_SEED. A run gives its own default bound when
# the variable is unset.

tools=build/tools

case ${1:-} in
--short-runs)
	for run in stress@short fuzz@short faultinj@migrate; do
		[ -x "$tools/nvsvm-${run%@*}" ] && echo "$run"
	done
	exit 0 ;;
stress@short)
	STRESS_S=${STRESS_S:-60} exec "$tools/nvsvm-stress" ;;
stress@long)
	STRESS_S=${STRESS_S:-600} exec "$tools/nvsvm-stress" ;;
fuzz@short)
	FUZZ_N=${FUZZ_N:-10000} exec "$tools/nvsvm-fuzz" ;;
fuzz@long)
	FUZZ_N=${FUZZ_N:-100000} exec "$tools/nvsvm-fuzz" ;;
faultinj@migrate)
	exec "$tools/nvsvm-faultinj" migrate ;;
faultinj@all)
	exec "$tools/nvsvm-faultinj" all ;;
*)
	echo "usage: scripts/guest-tools.sh RUN | --short-runs" >&2
	exit 2 ;;
esac
