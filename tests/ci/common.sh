# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the scripts in tests/ci that also run on their own (outside
# tests/run.sh): where the tree and the build root are, and the tally of
# the programs a stage runs one after another.
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=${TDSHM_ROOT:-$(cd "$here/../.." && pwd)}
build_root=${TDSHM_BUILD_ROOT:-$root/build}
passed=0 failed=0 failed_names=()

# tally NAME RC START [LOG]: counts NAME, which exited RC after starting at
# START (date +%s), as passed or failed and says so; returns RC.
tally() {
	if [ "$2" -eq 0 ]; then
		passed=$((passed + 1))
		echo "--- $1 passed in $(($(date +%s) - $3)) s ---"
	else
		failed=$((failed + 1))
		failed_names+=("$1")
		echo "--- $1 FAILED (exit $2${4:+; whole log: $4}) ---"
	fi
	return "$2"
}
