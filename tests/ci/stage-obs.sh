#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The OBS module inside real libobs 29, headless: Xvfb + X11/EGL +
# libobs-opengl on llvmpipe. Runs every obs_* CTest test of the native build,
# then the hostile-vector test against an AddressSanitizer build of the module
# and harness, then the source, filter and scale benchmarks (figures only,
# never a failure).
set -euo pipefail
native="$TDSHM_BUILD_ROOT/native"
asan="$TDSHM_BUILD_ROOT/obs-asan"

source "$(dirname "$0")/xvfb.sh"

# Every step runs even when an earlier one failed; the stage fails at the end.
failed=()

echo "--- native build, obs_* tests on $display"
cmake -S "$TDSHM_ROOT" -B "$native" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$native" -j2
(cd "$native" && ctest --output-on-failure -R '^obs_' -j1) || failed+=("obs_* tests")

echo "--- AddressSanitizer build of the module and harness: hostile vectors"
cmake -S "$TDSHM_ROOT" -B "$asan" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
	-DTDSHM_SANITIZE=address,undefined >/dev/null
cmake --build "$asan" -j2 --target obs-tdshm tdshm obs_test_source_bad obs_test_source \
	obs_test_source_async
# libobs itself is not instrumented and keeps some allocations until exit.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$asan/tests/obs/obs_test_source_bad" || failed+=("ASan: source hostile vectors")
# And every format conversion and state change of the source, instrumented.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$asan/tests/obs/obs_test_source" || failed+=("ASan: source")
# Async output (a NaN float image among them) under UBSan too.
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$asan/tests/obs/obs_test_source_async" || failed+=("ASan: source async")

echo "--- AddressSanitizer build: the filter's tests (sender, read-back ring, output)"
cmake --build "$asan" -j2 --target obs_test_filter tdshm_top_probe tdshm_lock_holder
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$asan/tests/obs/obs_test_filter" || failed+=("ASan: filter")

echo "--- AddressSanitizer build: the CHOP audio source's hostile vectors and the audio filter"
cmake --build "$asan" -j2 --target obs_test_audio tdshm_lock_holder
for only in '*bad_chop*' 'test_filter_*'; do
	OBS_TEST_AUDIO_ONLY="$only" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
		UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$asan/tests/obs/obs_test_audio" ||
		failed+=("ASan: audio $only")
done

echo "--- source benchmark (figures, not pass/fail)"
"$native/tests/obs/obs_bench_source" || echo "(benchmark did not complete: $?)"

echo "--- filter benchmark (figures, not pass/fail)"
"$native/tests/obs/obs_bench_filter" || echo "(filter benchmark did not complete: $?)"

echo "--- scale benchmark: N sources, N filters, idle (figures, not pass/fail)"
"$native/tests/obs/obs_bench_scale" || echo "(scale benchmark did not complete: $?)"

if [ ${#failed[@]} -gt 0 ]; then
	echo "FAIL: ${failed[*]}"
	exit 1
fi
