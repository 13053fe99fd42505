#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The tdshm tool's acceptance commands from the issue, run as a user would
# type them: a sender in the background, a receiver in the foreground.
#   tests/ci/acceptance-tool.sh [PATH-TO-tdshm]   (default: $TDSHM_TOOL)
# The name is "demo" plus this shell's pid, so parallel runs cannot collide.
set -uo pipefail
tdshm="${1:-${TDSHM_TOOL:-}}"
[ -x "$tdshm" ] || { echo "acceptance-tool: no tdshm tool at '$tdshm'"; exit 2; }
demo="demo-$$"
work=$(mktemp -d)
failures=0
sender_pid=""
cleanup() {
	[ -n "$sender_pid" ] && kill -9 "$sender_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# send ... --frames 300 & then receive --frames 200 --expect counter: exit 0, 0 corrupted.
round_trip() {
	local label="$1"; shift
	"$tdshm" send "$demo" --size 640x360 "$@" --pattern counter --frames 300 >"$work/send.log" 2>&1 &
	sender_pid=$!
	if "$tdshm" receive "$demo" --frames 200 --expect counter >"$work/recv.log" 2>&1 &&
		grep -q "received 200 frames, .* corrupted 0," "$work/recv.log"; then
		pass "$label: $(grep 'received 200' "$work/recv.log" | sed 's/^\[[0-9.]*\] //')"
	else
		fail "$label"; cat "$work/recv.log"
	fi
	wait "$sender_pid" || { fail "$label: sender exited non-zero"; cat "$work/send.log"; }
	sender_pid=""
}

round_trip "bgra8" --format bgra8
round_trip "rgba32f" --format rgba32f
round_trip "legacy bgra8" --format bgra8 --legacy

# tdshm info and tdshm list while sending.
"$tdshm" send "$demo" --size 640x360 --format bgra8 --pattern counter >"$work/send.log" 2>&1 &
sender_pid=$!
sleep 0.5
if "$tdshm" info "$demo" >"$work/info.log" 2>&1 &&
	grep -q "TOP header   current v1: 640x360, format bgra8" "$work/info.log" &&
	grep -q "sender pid $sender_pid (alive)" "$work/info.log"; then
	pass "tdshm info shows the live sender"
else
	fail "tdshm info"; cat "$work/info.log"
fi
if "$tdshm" list >"$work/list.log" 2>&1 && grep -q "^$demo .*top  640x360 bgra8" "$work/list.log"; then
	pass "tdshm list shows it"
else
	fail "tdshm list"; cat "$work/list.log"
fi

# Killing the sender: receive reports it within one second, for a clean stop
# (SIGTERM: detach is set) and a crash (SIGKILL: nothing is).
gone_within_a_second() {
	local signal="$1"
	"$tdshm" receive "$demo" --expect counter --timeout 0 >"$work/gone.log" 2>&1 &
	local receiver_pid=$!
	for _ in $(seq 100); do grep -q "header:" "$work/gone.log" && break; sleep 0.05; done
	local start; start=$(now_ms)
	kill "-$signal" "$sender_pid"
	wait "$sender_pid" 2>/dev/null
	sender_pid=""
	local waited=""
	while [ $(( $(now_ms) - start )) -lt 3000 ]; do
		if grep -q "sender gone" "$work/gone.log"; then waited=$(( $(now_ms) - start )); break; fi
		sleep 0.01
	done
	kill -TERM "$receiver_pid"; wait "$receiver_pid"
	if [ -n "$waited" ] && [ "$waited" -le 1000 ]; then
		pass "receive said '$(grep -o 'sender gone[^(]*' "$work/gone.log" | head -1)' ${waited} ms after SIG$signal"
	else
		fail "after SIG$signal, receive did not report the sender gone within 1 s (waited ${waited:-3000+} ms)"
		cat "$work/gone.log"
	fi
}
gone_within_a_second KILL
"$tdshm" send "$demo" --size 640x360 --format bgra8 --pattern counter >"$work/send.log" 2>&1 &
sender_pid=$!
sleep 0.3
gone_within_a_second TERM

if [ $failures -eq 0 ]; then
	echo "acceptance-tool: all passed"
else
	echo "acceptance-tool: $failures failed"
fi
[ $failures -eq 0 ]
