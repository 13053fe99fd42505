#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Windows: cross-builds the core, the tdshm tool and every cmocka suite with
# mingw-w64 (cmocka itself cross-built from Debian's source package), then
# runs each test program under Wine, headless, and finally a two-process
# round trip: `tdshm.exe send` and `tdshm.exe receive --expect counter` side
# by side under one wineserver (segments and named mutexes across processes).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${TDSHM_ROOT:-$(cd "$here/../.." && pwd)}
build_root=${TDSHM_BUILD_ROOT:-$root/build}
build="$build_root/windows"

# ---- cmocka for mingw (cached) ------------------------------------------
cmocka_prefix=$(TDSHM_ROOT="$root" TDSHM_BUILD_ROOT="$build_root" bash "$here/build-cmocka-mingw.sh" | tail -n1)
[ -f "$cmocka_prefix/lib/libcmocka.a" ] || { echo "FAIL: no cross-built cmocka"; exit 1; }

# ---- cross build ----------------------------------------------------------
cmake -S "$root" -B "$build" \
	-DCMAKE_TOOLCHAIN_FILE="$root/common/cmake/mingw-w64-x86_64.cmake" \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DTDSHM_BUILD_PLUGIN=OFF \
	-DCMOCKA_INCLUDE_DIR="$cmocka_prefix/include" \
	-DCMOCKA_LIBRARIES="$cmocka_prefix/lib/libcmocka.a" >/dev/null
cmake --build "$build" -j2

tool="$build/common/tool/tdshm.exe"
[ -f "$tool" ] || { echo "FAIL: $tool was not built"; exit 1; }
mapfile -t tests < <(find "$build/tests" -maxdepth 1 -name 'test_*.exe' | sort)
[ ${#tests[@]} -gt 0 ] || { echo "FAIL: no test program was built"; exit 1; }

# ---- Wine: a prefix of our own, headless ----------------------------------
export WINEPREFIX="$build_root/wineprefix"
export WINEDEBUG=-all
# No Mono/Gecko installers (nothing to download them from, no one to ask).
export WINEDLLOVERRIDES="mscoree,mshtml="
# Console programs need no display: prove it by running without one.
unset DISPLAY WAYLAND_DISPLAY
if [ ! -f "$WINEPREFIX/system.reg" ]; then
	echo "creating the Wine prefix $WINEPREFIX"
	wineboot -i >/dev/null 2>&1 || { echo "FAIL: wineboot -i could not make a prefix"; exit 1; }
fi
# One wineserver for the whole stage (the two-process check needs both
# programs under the same one); stopped on exit, only this prefix's.
# Debian's wrapper starts it with -p0 (exit with the last program): wait for
# the one left by wineboot to go, then start ours.
wineserver -w
wineserver -p || { echo "FAIL: could not start a wineserver for $WINEPREFIX"; exit 1; }
trap 'wineserver -k 2>/dev/null || true' EXIT

# The tests find the tool by this (a Unix path is valid under Wine: its Z:
# drive is the Unix root; so is the vectors path compiled into them).
export TDSHM_TOOL="$tool"

passed=0 failed=0 failed_names=()
for exe in "${tests[@]}"; do
	name=$(basename "$exe" .exe)
	echo "--- $name (wine) ---"
	start=$(date +%s)
	set +e
	timeout 300 wine "$exe" 2>&1
	rc=$?
	set -e
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "--- $name passed in $(( $(date +%s) - start )) s ---"
	else
		failed=$((failed + 1)); failed_names+=("$name")
		echo "--- $name FAILED (exit $rc) ---"
	fi
done

# ---- two processes through the tool -----------------------------------------
echo "--- tdshm.exe send | tdshm.exe receive --expect counter (wine) ---"
pair_name="winpair-$$"
logs="$build/pair-logs"
mkdir -p "$logs"
set +e
timeout 60 wine "$tool" send "$pair_name" --size 320x180 --pattern counter --fps 30 --frames 150 \
	>"$logs/send.txt" 2>&1 &
send_pid=$!
timeout 60 wine "$tool" receive "$pair_name" --expect counter --frames 30 --timeout 20 \
	>"$logs/receive.txt" 2>&1
receive_rc=$?
wait $send_pid
send_rc=$?
set -e
sed 's/^/  send: /' "$logs/send.txt"
sed 's/^/  receive: /' "$logs/receive.txt"
if [ $receive_rc -eq 0 ] && [ $send_rc -eq 0 ]; then
	passed=$((passed + 1))
	echo "--- two-process round trip passed ---"
else
	failed=$((failed + 1)); failed_names+=("tool-pair")
	echo "--- two-process round trip FAILED (send exit $send_rc, receive exit $receive_rc) ---"
fi

[ $failed -eq 0 ] || echo "failed under wine: ${failed_names[*]}"
echo "windows: $passed passed, $failed failed"
[ $failed -eq 0 ]
