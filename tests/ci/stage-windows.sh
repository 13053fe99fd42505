#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Windows: cross-builds the core, the tdshm tool and every cmocka suite with
# mingw-w64 (cmocka itself cross-built from Debian's source package), then
# runs each test program under Wine, headless, and finally a two-process
# round trip: `tdshm.exe send` and `tdshm.exe receive --expect counter` side
# by side under one wineserver (segments and named mutexes across processes).
set -euo pipefail
# shellcheck source=tests/ci/common.sh
. "$(dirname "$0")/common.sh"
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

for exe in "${tests[@]}"; do
	name=$(basename "$exe" .exe)
	echo "--- $name (wine) ---"
	start=$(date +%s)
	set +e
	timeout 300 wine "$exe" 2>&1
	rc=$?
	set -e
	tally "$name" $rc "$start" || true
done

# ---- two processes through the tool -----------------------------------------
# run_pair LABEL "SENDER ARGS" "RECEIVER ARGS": both tdshm.exe at once under
# the one wineserver; passes when both exit 0 (the receiver checks what it
# got: the pattern, the channel names, the frequencies).
logs="$build/pair-logs"
mkdir -p "$logs"
run_pair() {
	local label=$1 send_args=$2 receive_args=$3 send_pid send_rc receive_rc
	echo "--- $label (wine, two processes) ---"
	set +e
	# shellcheck disable=SC2086
	timeout 90 wine "$tool" $send_args >"$logs/$label-send.txt" 2>&1 &
	send_pid=$!
	# shellcheck disable=SC2086
	timeout 90 wine "$tool" $receive_args >"$logs/$label-receive.txt" 2>&1
	receive_rc=$?
	wait $send_pid
	send_rc=$?
	set -e
	sed 's/^/  sender:   /' "$logs/$label-send.txt"
	sed 's/^/  receiver: /' "$logs/$label-receive.txt"
	if [ $receive_rc -eq 0 ] && [ $send_rc -eq 0 ]; then
		passed=$((passed + 1))
		echo "--- $label passed ---"
	else
		failed=$((failed + 1)); failed_names+=("$label")
		echo "--- $label FAILED (sender exit $send_rc, receiver exit $receive_rc) ---"
	fi
}
pair="winpair-$$"
# Frames cross processes through a segment and named mutexes.
run_pair top-counter \
	"send $pair-top --size 320x180 --pattern counter --fps 30 --frames 150" \
	"receive $pair-top --expect counter --frames 30 --timeout 20"
# The receiver sets `supported`, so every resize moves to a new postfix
# (UTF-16 in the Windows info block) that the receiver must follow.
run_pair top-resize \
	"send $pair-resize --size 256x128 --pattern counter --fps 60 --frames 300 --resize-every 20" \
	"receive $pair-resize --expect counter --frames 120 --timeout 20"
# Audio: a CHOP segment with names, and the frequencies measured.
run_pair chop \
	"chop-send $pair-chop --channels 2 --rate 48000 --freq 440,880 --names left,right --seconds 4" \
	"chop-receive $pair-chop --blocks 60 --expect-names left,right --expect-freq 440,880 --timeout 20"

# PNG output through zlib alone (no libpng for mingw): the last `bars` frame,
# checked byte for byte by a decoder independent of the writer (CRCs, the zlib
# stream, every row the same, the bars' colours across).
png="$logs/top-png.png"
rm -f "$png"
run_pair top-png \
	"send $pair-png --size 64x32 --pattern bars --fps 30 --frames 150" \
	"receive $pair-png --expect bars --frames 5 --png $png --timeout 20"
echo "--- top-png decoded ---"
if python3 - "$png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature"
at, chunks = 8, {}
while at < len(data):
    length, kind = struct.unpack(">I4s", data[at:at + 8])
    body = data[at + 8:at + 8 + length]
    crc, = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
    assert zlib.crc32(kind + body) == crc, "bad CRC in %r" % kind
    chunks[kind] = chunks.get(kind, b"") + body
    at += 12 + length
w, h, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
assert (w, h, depth, colour, interlace) == (64, 32, 8, 6, 0), (w, h, depth, colour)
raw = zlib.decompress(chunks[b"IDAT"])
stride = w * 4 + 1
assert len(raw) == stride * h, "%d bytes of rows" % len(raw)
rows = [raw[y * stride:(y + 1) * stride] for y in range(h)]
assert all(r[0] == 0 for r in rows), "unexpected row filter"
assert all(r == rows[0] for r in rows), "bars differ between rows"
colours = {rows[0][1 + 4 * x:5 + 4 * x] for x in range(w)}
assert len(colours) >= 7, "only %d colours across the bars" % len(colours)
assert b"IEND" in chunks
print("  %dx%d RGBA, %d colours across, every row the same" % (w, h, len(colours)))
PY
then
	passed=$((passed + 1)); echo "--- top-png decoded passed ---"
else
	failed=$((failed + 1)); failed_names+=("top-png decoded"); echo "--- top-png decoded FAILED ---"
fi

# ---- sender discovery (the object directory) --------------------------------
# Senders in other processes appear in `tdshm.exe list` with kind, size and
# format; one that stops disappears; a non-ASCII name comes back as typed.
list_check() {
	local label=sender-list img="$pair-list" chop="$pair-listchop" uni="$pair-Vidéo映像"
	local out="$logs/$label.txt" ok=1 deadline
	echo "--- $label (wine, three senders) ---"
	timeout 60 wine "$tool" send "$img" --size 320x180 --format rgba16f --fps 30 --frames 150 >/dev/null 2>&1 &
	local img_pid=$!
	timeout 60 wine "$tool" chop-send "$chop" --channels 3 --rate 44100 --seconds 30 >/dev/null 2>&1 &
	local chop_pid=$!
	timeout 60 wine "$tool" send "$uni" --size 64x32 --fps 30 --frames 900 >/dev/null 2>&1 &
	local uni_pid=$!
	# All three listed (Wine starts its first processes slowly).
	deadline=$(( $(date +%s) + 30 ))
	while :; do
		wine "$tool" list >"$out" 2>&1 || true
		if grep -qE "^$img +top +320x180 rgba16f" "$out" &&
			grep -qE "^$chop +chop 3 ch x [0-9]+ samples @ 44100 Hz" "$out" &&
			grep -qF "$uni" "$out" && grep -E "^$uni " "$out" | grep -q "top  64x32 bgra8"; then
			break
		fi
		[ "$(date +%s)" -lt "$deadline" ] || { ok=0; break; }
		sleep 0.5
	done
	sed 's/^/  list: /' "$out"
	# The image sender stops after its 150 frames (5 s): it leaves the list,
	# the others stay.
	wait $img_pid || true
	deadline=$(( $(date +%s) + 10 ))
	while [ $ok -eq 1 ]; do
		wine "$tool" list >"$out" 2>&1 || true
		grep -qE "^$img " "$out" || break
		[ "$(date +%s)" -lt "$deadline" ] || { ok=0; echo "  '$img' is still listed after it stopped"; break; }
		sleep 0.5
	done
	if [ $ok -eq 1 ] && ! grep -qE "^$chop " "$out"; then ok=0; echo "  '$chop' vanished too"; fi
	sed 's/^/  after stop: /' "$out"
	kill "$chop_pid" "$uni_pid" 2>/dev/null || true
	wait "$chop_pid" "$uni_pid" 2>/dev/null || true
	if [ $ok -eq 1 ]; then
		passed=$((passed + 1)); echo "--- $label passed ---"
	else
		failed=$((failed + 1)); failed_names+=("$label"); echo "--- $label FAILED ---"
	fi
}
list_check

# Figures only (not pass/fail): the cost of a send and a receive over memcpy.
echo "--- tdshm.exe bench (wine; figures, not a check) ---"
timeout 120 wine "$tool" bench --seconds 2 2>&1 || echo "  (bench did not finish)"

[ $failed -eq 0 ] || echo "failed under wine: ${failed_names[*]}"
echo "windows: $passed passed, $failed failed"
[ $failed -eq 0 ]
