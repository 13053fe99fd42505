#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libFuzzer over the parsers of shared memory (TOP, CHOP, info) and the CHOP
# reader (names, picker), seeded with tests/vectors. Each target runs for a
# bounded time (TDSHM_FUZZ_SECONDS, default 19 s each, 76 s in all); any
# crash, sanitizer report, timeout or out-of-memory fails the stage and
# leaves the input in
# $TDSHM_BUILD_ROOT/fuzz/artifacts/ to reproduce with `<fuzzer> <file>`.
set -euo pipefail
build="$TDSHM_BUILD_ROOT/fuzz"
seconds="${TDSHM_FUZZ_SECONDS:-19}"
vectors="$TDSHM_ROOT/tests/vectors"
[ -d "$vectors" ] || { echo "FAIL: no test vectors at $vectors"; exit 1; }

cmake -S "$TDSHM_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_COMPILER=clang -DTDSHM_BUILD_FUZZERS=ON -DTDSHM_BUILD_PLUGIN=OFF >/dev/null
cmake --build "$build" -j2 --target fuzz_top_parse fuzz_chop_parse fuzz_chop_reader fuzz_info_read

# Seeds: each target gets the vectors of its kind (hostile ones included).
seed() { # target glob...
	local dir="$build/corpus/$1"; shift
	mkdir -p "$dir"
	local n=0
	for pattern in "$@"; do
		for f in "$vectors"/$pattern; do
			[ -f "$f" ] && cp "$f" "$dir/" && n=$((n + 1))
		done
	done
	[ $n -gt 0 ] || { echo "FAIL: no seed vectors for $(basename "$dir")"; exit 1; }
}
seed fuzz_top_parse 'top_*.bin' 'bad_*.bin'
seed fuzz_chop_parse 'chop_*.bin' 'bad_chop_*.bin'
seed fuzz_chop_reader 'chop_*.bin' 'bad_chop_*.bin'
seed fuzz_info_read 'info_*.bin'

mkdir -p "$build/artifacts"
failed=0
for target in fuzz_top_parse fuzz_chop_parse fuzz_chop_reader fuzz_info_read; do
	echo "--- $target: ${seconds} s"
	log="$build/$target.log"
	if "$build/tests/fuzz/$target" "$build/corpus/$target" \
		-max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" >"$log" 2>&1; then
		grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" | sed 's/^/    /'
		grep -E '^#[0-9]+.*DONE' "$log" | tail -1 | sed 's/^/    /'
	else
		echo "FAIL: $target found a crash; log $log, artifacts in $build/artifacts:"
		tail -40 "$log"
		failed=1
	fi
done
exit $failed
