#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# See the source work without TouchDesigner: `tdshm send` plays TD's Shared
# Mem Out TOP, headless OBS (Xvfb) shows it through "TouchDesigner Shared Mem
# In", and OBS's output frame is saved as a PNG.
#   tests/obs/snapshot.sh [bars|ramp|counter] [OUT.png] [WIDTHxHEIGHT]
# Builds into $TDSHM_BUILD_ROOT/native (default build/native) when needed.
set -euo pipefail
pattern="${1:-bars}"
out="${2:-tdshm-snapshot.png}"
size="${3:-1280x720}"
root=$(cd "$(dirname "$0")/../.." && pwd)
build="${TDSHM_BUILD_ROOT:-$root/build}/native"
if [ ! -x "$build/tests/obs/obs_snapshot" ] || [ ! -x "$build/common/tool/tdshm" ]; then
	cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build "$build" -j2 --target obs_snapshot tdshm obs-tdshm >/dev/null
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
if [ -z "${DISPLAY:-}" ]; then
	for n in $(seq 90 140); do
		[ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { display=":$n"; break; }
	done
	Xvfb "$display" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
	pids+=($!)
	export DISPLAY="$display"
	for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
fi
name="snapshot-$$"
"$build/common/tool/tdshm" send "$name" --size "$size" --pattern "$pattern" >/dev/null 2>&1 &
pids=("$!" "${pids[@]}")
"$build/tests/obs/obs_snapshot" "$name" "$out" "$size" 2>/dev/null
echo "wrote $out"
