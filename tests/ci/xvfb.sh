# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the stages that run libobs (obs, tsan): starts Xvfb on a free
# display, exports DISPLAY, and stops it when the stage exits.
display=""
for n in $(seq 90 140); do
	if [ ! -e "/tmp/.X11-unix/X$n" ] && [ ! -e "/tmp/.X$n-lock" ]; then
		display=":$n"
		break
	fi
done
[ -n "$display" ] || { echo "FAIL: no free X display number in :90..:140"; exit 1; }
Xvfb "$display" -screen 0 1280x720x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null || true; wait "$xvfb_pid" 2>/dev/null || true' EXIT
export DISPLAY="$display"
for _ in $(seq 50); do
	[ -e "/tmp/.X11-unix/X${display#:}" ] && break
	sleep 0.1
done
kill -0 "$xvfb_pid" || { echo "FAIL: Xvfb did not start on $display"; exit 1; }
