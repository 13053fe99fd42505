#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Everything built with clang, AddressSanitizer and UndefinedBehaviorSanitizer,
# then every cmocka suite run under them: an out-of-bounds read of a hostile
# segment, a leak or a signed overflow fails the stage. (The libobs suites,
# obs_*, load the plugin into a normal OBS process; their own helper adds
# ASan where it can, so they are left to the obs stage here.)
set -euo pipefail
build="$TDSHM_BUILD_ROOT/asan"
cmake -S "$TDSHM_ROOT" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DCMAKE_C_COMPILER=clang -DTDSHM_SANITIZE=address,undefined >/dev/null
cmake --build "$build" -j2
# Leaks count as failures; UBSan reports stop the test (-fno-sanitize-recover).
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
cd "$build"
ctest --output-on-failure -E '^obs_' -j1
