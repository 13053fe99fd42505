#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Everything built with clang and ThreadSanitizer; the core suites, then the
# OBS suites inside real libobs (Xvfb), among them the UI thread's size
# queries racing settings changes (obs_test_source_threads). Any report fails
# the stage (exitcode 66); tests/ci/tsan.supp lists each suppression with its
# reason (all of them code this project does not build: libobs, Mesa, LLVM;
# posix/lock.c uses only trylock, which TSan knows).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build="$TDSHM_BUILD_ROOT/tsan"
cmake -S "$TDSHM_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_COMPILER=clang -DTDSHM_SANITIZE=thread >/dev/null
cmake --build "$build" -j2
export TSAN_OPTIONS="suppressions=$here/tsan.supp:exitcode=66:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
failed=()

echo "--- core suites under ThreadSanitizer"
# test_sender_receiver, test_tool_processes, test_lock and
# test_posix_lock_peers fork children that go on using locks from a
# multi-threaded process (each open lock has its waker thread), which TSan's
# runtime does not survive (it kills or hangs the child); they run in the unit
# and sanitize stages. The waker thread itself runs under TSan here in every
# suite that releases a lock (test_top_reader, the OBS suites below).
(cd "$build" && ctest --output-on-failure \
	-E '^obs_|^test_sender_receiver$|^test_tool_processes$|^test_lock$|^test_posix_lock_peers$' \
	-j1) || failed+=("core suites")

echo "--- OBS suites under ThreadSanitizer"
source "$here/xvfb.sh"
# Mesa's driver stays loaded: TSan aborts when a library named in a
# called_from_lib suppression is unloaded at exit.
swrast=$(ls /usr/lib/*/dri/swrast_dri.so 2>/dev/null | head -n1 || true)
for suite in obs_test_source_threads obs_test_source obs_test_source_async \
	obs_test_source_render_bound obs_test_filter; do
	echo "--- $suite"
	LD_PRELOAD="$swrast" "$build/tests/obs/$suite" || failed+=("$suite")
done
# The audio suite's threads (reader thread, restarts, channel changes, the
# filter on the audio thread); its long pitch and drift measurements are
# about timing, which TSan's slowdown makes meaningless: they run in obs.
for only in '*restarts*' '*picker*' '*td_like*' '*bad_chop*' 'test_filter_*'; do
	echo "--- obs_test_audio $only"
	OBS_TEST_AUDIO_ONLY="$only" LD_PRELOAD="$swrast" "$build/tests/obs/obs_test_audio" ||
		failed+=("obs_test_audio $only")
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "FAIL: ${failed[*]}"
	exit 1
fi
