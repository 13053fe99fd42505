#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The self-check: proves an INSTALLED obs-tdshm works, without TouchDesigner
# and without a display. It
#   1. starts Xvfb when there is no DISPLAY, or DISPLAY names an X server that
#      does not answer (on a display number Xvfb finds free),
#   2. starts the installed `tdshm send <name> --size 1920x1080 --format bgra8
#      --pattern bars` to play TouchDesigner's Shared Mem Out TOP,
#   3. runs tdshm-selfcheck, which loads the installed module into headless
#      libobs, shows a "TouchDesigner Shared Mem In" source on that name and
#      waits for OBS to render the bars,
#   4. prints the line starting with OK or FAIL, leaves a PNG of what OBS
#      rendered, and stops the sender and Xvfb.
# Exit status 0 only on OK.
#
# Usage: installer/selfcheck.sh [--module FILE] [--data DIR] [--tdshm FILE]
#                               [--selfcheck FILE] [--out DIR] [--name NAME]
#                               [--timeout-ms MS]
# (TDSHM_SELFCHECK_NAME sets the default name, e.g. for parallel CI runs.)
# Defaults are the per-user install of installer/install.sh.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
user_plugin="${XDG_CONFIG_HOME:-$HOME/.config}/obs-studio/plugins/obs-tdshm"

module="$user_plugin/bin/64bit/obs-tdshm.so"
data="$user_plugin/data"
tdshm=""
selfcheck="${TDSHM_SELFCHECK:-}"
out="${TMPDIR:-/tmp}/obs-tdshm-selfcheck-$(id -u)"
name="${TDSHM_SELFCHECK_NAME:-tdshm-selfcheck}"
timeout_ms=15000
size="1920x1080"

fail() {
	echo "FAIL: $*"
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--module) module="$2"; shift 2 ;;
	--data) data="$2"; shift 2 ;;
	--tdshm) tdshm="$2"; shift 2 ;;
	--selfcheck) selfcheck="$2"; shift 2 ;;
	--out) out="$2"; shift 2 ;;
	--name) name="$2"; shift 2 ;;
	--timeout-ms) timeout_ms="$2"; shift 2 ;;
	-h | --help) sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "selfcheck.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

# The tool: the one given, else the per-user install, else whatever is on PATH.
if [ -z "$tdshm" ]; then
	if [ -x "$HOME/.local/bin/tdshm" ]; then
		tdshm="$HOME/.local/bin/tdshm"
	else
		tdshm=$(command -v tdshm || true)
	fi
fi
# The checker is test glue built with the project, never installed.
if [ -z "$selfcheck" ]; then
	for candidate in "$root"/build-install/installer/selfcheck/tdshm-selfcheck \
		"${TDSHM_BUILD_ROOT:-$root/build}"/*/installer/selfcheck/tdshm-selfcheck; do
		if [ -x "$candidate" ]; then
			selfcheck="$candidate"
			break
		fi
	done
fi

[ -f "$module" ] || fail "the module is not installed at $module (run installer/install.sh, or pass --module)"
[ -d "$data" ] || fail "the module's data directory is missing: $data (run installer/install.sh, or pass --data)"
[ -d "$data/locale" ] || fail "the data directory $data has no locale/ (a partial install? run installer/install.sh again)"
[ -n "$tdshm" ] && [ -x "$tdshm" ] || fail "the tdshm tool is not installed (expected ~/.local/bin/tdshm or tdshm on PATH)"
[ -n "$selfcheck" ] && [ -x "$selfcheck" ] || fail "tdshm-selfcheck is not built (installer/install.sh --check builds it)"
mkdir -p "$out" || fail "cannot create the output directory $out"

xvfb_pid="" sender_pid=""
cleanup() {
	# Stop the sender politely first so it sets `detach` and removes its
	# segments; only then force it.
	if [ -n "$sender_pid" ]; then
		kill -TERM "$sender_pid" 2>/dev/null
		for _ in $(seq 1 30); do kill -0 "$sender_pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$sender_pid" 2>/dev/null
		wait "$sender_pid" 2>/dev/null
	fi
	if [ -n "$xvfb_pid" ]; then
		kill -TERM "$xvfb_pid" 2>/dev/null
		wait "$xvfb_pid" 2>/dev/null
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Whether DISPLAY names an X server that answers. A DISPLAY left over from a
# closed session (ssh -X gone, Xvfb stopped) counts as none: the check then
# runs on its own Xvfb instead of failing with "cannot open the X display".
display_usable() {
	[ -n "${DISPLAY:-}" ] || return 1
	if command -v xdpyinfo >/dev/null; then
		timeout 5 xdpyinfo >/dev/null 2>&1
		return
	fi
	# Without x11-utils: a local display ":N" needs its socket and a live
	# server holding its lock file; anything else is given the benefit.
	local n
	case "$DISPLAY" in
	:[0-9]*) n=${DISPLAY#:}; n=${n%%.*} ;;
	*) return 0 ;;
	esac
	[ -S "/tmp/.X11-unix/X$n" ] || return 1
	local pid
	pid=$(tr -dc '0-9' <"/tmp/.X$n-lock" 2>/dev/null) || return 0
	[ -z "$pid" ] || kill -0 "$pid" 2>/dev/null
}

if ! display_usable; then
	[ -z "${DISPLAY:-}" ] || echo "selfcheck: DISPLAY=$DISPLAY does not answer; using an Xvfb of its own"
	command -v Xvfb >/dev/null || fail "there is no usable DISPLAY and Xvfb is not installed (apt-get install xvfb)"
	# -displayfd: Xvfb picks a free display number itself and writes it
	# once it accepts connections, so parallel runs never collide.
	: >"$out/xvfb.display"
	Xvfb -displayfd 3 -screen 0 1280x720x24 -nolisten tcp 3>"$out/xvfb.display" \
		>"$out/xvfb.log" 2>&1 &
	xvfb_pid=$!
	for _ in $(seq 1 100); do
		[ -s "$out/xvfb.display" ] && break
		kill -0 "$xvfb_pid" 2>/dev/null || break
		sleep 0.1
	done
	display_number=$(tr -dc '0-9' <"$out/xvfb.display")
	[ -n "$display_number" ] || fail "Xvfb did not start within 10 s (see $out/xvfb.log)"
	export DISPLAY=":$display_number"
fi

"$tdshm" send "$name" --size "$size" --format bgra8 --pattern bars >"$out/sender.log" 2>&1 &
sender_pid=$!
sleep 0.3
if ! kill -0 "$sender_pid" 2>/dev/null; then
	wait "$sender_pid"
	sender_pid=""
	fail "\`tdshm send $name\` stopped at once: $(tail -n 3 "$out/sender.log" | tr '\n' ' ')"
fi

result=$("$selfcheck" --module "$module" --data "$data" --name "$name" --size "$size" \
	--png "$out/tdshm-selfcheck.png" --log "$out/obs.log" --timeout-ms "$timeout_ms" 2>"$out/selfcheck.err")
status=$?
[ -n "$result" ] || result="FAIL: tdshm-selfcheck ended without a verdict (status $status): $(tail -n 3 "$out/selfcheck.err" | tr '\n' ' ')"
echo "$result"
if [ $status -ne 0 ] || [ "${result#OK}" = "$result" ]; then
	echo "  logs: $out/obs.log (libobs), $out/sender.log (tdshm send), $out/selfcheck.err" >&2
	exit 1
fi
exit 0
