#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the NSIS lines for the plugin's data files, from the staged data
# directory, so the installer carries exactly what the build's install rules
# install and the uninstaller removes exactly that:
#   OUT_DIR/install-files.nsh    SetOutPath + File "${STAGE}/data/..." per file
#   OUT_DIR/uninstall-files.nsh  Delete per file, then RMDir per directory, deepest first
# File paths go through the STAGE define, so the lists work with makensis on
# Linux (build-windows.sh) and on Windows (.github/workflows/windows-msvc.yml).
#   make-nsis-lists.sh STAGE_DIR OUT_DIR      (STAGE_DIR/data/ holds the data)
set -euo pipefail
stage="${1:?usage: make-nsis-lists.sh STAGE_DIR OUT_DIR}"
out="${2:?usage: make-nsis-lists.sh STAGE_DIR OUT_DIR}"
files="$out/install-files.nsh" unfiles="$out/uninstall-files.nsh"
: >"$files"
: >"$unfiles"

last_dir=""
while IFS= read -r rel; do
	dir=$(dirname "$rel")
	if [ "$dir" != "$last_dir" ]; then
		win_dir=""
		[ "$dir" = . ] || win_dir="\\${dir//\//\\}"
		echo "SetOutPath \"\$DataDir$win_dir\"" >>"$files"
		last_dir=$dir
	fi
	echo "File \"\${STAGE}/data/$rel\"" >>"$files"
	echo "Delete \"\$DataDir\\${rel//\//\\}\"" >>"$unfiles"
done < <(cd "$stage/data" && find . -type f | sed 's|^\./||' | LC_ALL=C sort)

while IFS= read -r rel; do
	echo "RMDir \"\$DataDir\\${rel//\//\\}\"" >>"$unfiles"
done < <(cd "$stage/data" && find . -mindepth 1 -type d | sed 's|^\./||' | LC_ALL=C sort -r)
