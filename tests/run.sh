#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The single test command. Installs its own Debian packages when missing,
# configures, builds and runs every suite, one stage after another:
#   tests/run.sh                 every stage
#   tests/run.sh unit obs        only the named stages
#   TDSHM_CPU_HOGS=2 tests/run.sh obs
#                                the same beside 2 processes that keep a
#                                core busy each (stress-ng), as on a loaded
#                                machine: timing checks must still hold
# Stages live in tests/ci/stage-<name>.sh; each exits non-zero on failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
export TDSHM_ROOT="$root"
export TDSHM_BUILD_ROOT="${TDSHM_BUILD_ROOT:-$root/build}"

all_stages=(unit sanitize tsan fuzz windows windows-obs obs installer realobs)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${all_stages[@]}")

bash "$here/ci/install-deps.sh" || { echo "FAIL: could not install the test dependencies"; exit 1; }

hogs=${TDSHM_CPU_HOGS:-0}
if [ "$hogs" -gt 0 ]; then
	stress-ng --cpu "$hogs" --quiet &
	hogs_pid=$!
	trap 'kill "$hogs_pid" 2>/dev/null; wait "$hogs_pid" 2>/dev/null' EXIT
	echo "--- $hogs CPU hog(s) running beside the stages (stress-ng, pid $hogs_pid)"
fi

passed=0 failed=0 failed_names=()
for stage in "${stages[@]}"; do
	script="$here/ci/stage-$stage.sh"
	if [ ! -f "$script" ]; then
		echo "no such stage: $stage (have: ${all_stages[*]})"; exit 2
	fi
	echo "=== stage $stage ==="
	start=$(date +%s)
	if bash "$script"; then
		passed=$((passed + 1)); result=passed
	else
		failed=$((failed + 1)); failed_names+=("$stage"); result=FAILED
	fi
	echo "=== stage $stage $result in $(( $(date +%s) - start )) s ==="
done

[ $failed -eq 0 ] || echo "failed stages: ${failed_names[*]}"
echo "stages: $passed passed, $failed failed"
[ $failed -eq 0 ]
