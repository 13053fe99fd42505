#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real OBS Studio app (Debian's obs-studio 29 with obs-websocket 5.1)
# under Xvfb + openbox on llvmpipe: the plugin installed the README's way
# (installer/install.sh, per user) into a scratch HOME, OBS started with a
# seeded configuration (no first-run wizard, obs-websocket on a free port
# without a password, a scene collection using the plugin's ids) and driven
# through obs-websocket and its own dialogs (xdotool, screenshots, tesseract)
# by tests/realobs/realobs.py, with the build's `tdshm` playing TouchDesigner.
set -euo pipefail
native="$TDSHM_BUILD_ROOT/native"
start=$(date +%s)

echo "--- native build (module and tdshm)"
cmake -S "$TDSHM_ROOT" -B "$native" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$native" -j2 >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/tdshm-realobs.XXXXXX")
home="$work/home"
mkdir -p "$home"
echo "--- installing the plugin into a scratch HOME ($home) with installer/install.sh"
HOME="$home" XDG_CONFIG_HOME="$home/.config" XDG_DATA_HOME="$home/.local/share" \
	bash "$TDSHM_ROOT/installer/install.sh" --no-deps --no-check --build-dir "$native" |
	sed 's/^/    /'

# A free TCP port for obs-websocket.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/bin/python3 "$TDSHM_ROOT/tests/realobs/seed_config.py" "$home" "$port" ro_in ro_out ro_prog

echo "--- real OBS (screenshots, OCR text and OBS's output kept in $work)"
rc=0
# At most 15 minutes, whatever hangs. Debian's python3 (python3-websocket), whatever python3 is first on PATH.
PYTHONDONTWRITEBYTECODE=1 timeout -k 10 900 /usr/bin/python3 "$TDSHM_ROOT/tests/realobs/realobs.py" --home "$home" \
	--tdshm "$home/.local/bin/tdshm" --workdir "$work" --port "$port" || rc=$?
echo "--- real-OBS stage took $(( $(date +%s) - start )) s"
[ "$rc" -eq 0 ] && [ -z "${TDSHM_KEEP_REALOBS:-}" ] && rm -rf "$work"
exit "$rc"
