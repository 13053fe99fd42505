#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builds a stand-in for a DLL from the .def make-import-libs.sh wrote: every
# export is a function returning 0, except those stub_register.c implements
# (for obs.dll). Only for load_module.exe under Wine.
#   stub_dll.sh NAME.def OUT.dll [EXTRA.c]
set -euo pipefail
def="$1" out="$2" extra="${3:-}"
cc=${CC_MINGW:-x86_64-w64-mingw32-gcc-win32}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
implemented=""
[ -n "$extra" ] && implemented=$(sed -n 's/^__declspec(dllexport) [a-z ]* \([a-z_0-9]*\)(.*/\1/p' "$extra")
{
	echo "/* generated from $(basename "$def") */"
	echo "#include <stdint.h>"
	awk '/^\t/ {print $1}' "$def" | while read -r symbol; do
		grep -qx "$symbol" <<<"$implemented" && continue
		echo "__declspec(dllexport) intptr_t $symbol(void) { return 0; }"
	done
} >"$work/stubs.c"
"$cc" -shared -O0 -w -o "$out" "$work/stubs.c" ${extra:+"$extra"} -static-libgcc
