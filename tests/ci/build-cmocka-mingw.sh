#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cross-builds cmocka for 64-bit Windows from Debian's own cmocka source
# package (apt-get source: the .orig tarball plus Debian's patches, from the
# Debian archive only) and installs it, static, under
#   ${TDSHM_BUILD_ROOT}/cmocka-mingw/prefix/{include,lib}
# Cached: a second run with the same source version does nothing.
# Prints nothing on success but the prefix on the last line of stdout.
set -euo pipefail
# shellcheck source=tests/ci/common.sh
. "$(dirname "$0")/common.sh"
work="$build_root/cmocka-mingw"
prefix="$work/prefix"
toolchain="$root/common/cmake/mingw-w64-x86_64.cmake"

# The source version is the one of the native libcmocka-dev, so Windows and
# Linux test against the same cmocka.
version=$(dpkg-query -W -f='${source:Version}' libcmocka-dev 2>/dev/null || true)
# Bump recipe when this script changes what it builds, to rebuild caches.
recipe=2
stamp="$prefix/.built-from-cmocka-${version:-unknown}-recipe-$recipe"
if [ -f "$stamp" ] && [ -f "$prefix/lib/libcmocka.a" ] && [ -f "$prefix/include/cmocka.h" ]; then
	echo "$prefix"
	exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# apt-get source needs a deb-src line for bookworm; add one only if no
# deb-src source is configured yet (one822-format file of our own).
have_src() { grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; }
if ! have_src; then
	echo "build-cmocka-mingw: adding a bookworm deb-src entry for apt-get source" >&2
	$SUDO tee /etc/apt/sources.list.d/tdshm-deb-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	$SUDO apt-get update -qq >&2
fi

rm -rf "$work/src" "$work/build" "$prefix"
mkdir -p "$work/src"
pkgspec=cmocka
[ -n "$version" ] && pkgspec="cmocka=$version"
(cd "$work/src" && apt-get source -qq "$pkgspec" >&2) || {
	# The list of sources may be stale (e.g. the entry existed but was never
	# fetched): refresh once and retry.
	$SUDO apt-get update -qq >&2
	(cd "$work/src" && apt-get source -qq "$pkgspec" >&2)
}
srcdir=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'cmocka-*' | head -n1)
[ -n "$srcdir" ] || { echo "build-cmocka-mingw: apt-get source cmocka gave no source tree" >&2; exit 1; }

# Static only: the test programs then run under Wine without a cmocka DLL
# beside them. cmocka's own examples/tests are not needed.
cmake -S "$srcdir" -B "$work/build" \
	-DCMAKE_TOOLCHAIN_FILE="$toolchain" \
	-DCMAKE_BUILD_TYPE=Release \
	-DCMAKE_INSTALL_PREFIX="$prefix" \
	-DBUILD_SHARED_LIBS=OFF \
	-DWITH_STATIC_LIB=ON \
	-DWITH_EXAMPLES=OFF \
	-DUNIT_TESTING=OFF >&2
cmake --build "$work/build" -j2 >&2
cmake --install "$work/build" >&2

# cmocka 1.1 names the static archive libcmocka-static.a; give it the
# plain name too so find_library(cmocka) finds the static one.
if [ ! -f "$prefix/lib/libcmocka.a" ] && [ -f "$prefix/lib/libcmocka-static.a" ]; then
	cp "$prefix/lib/libcmocka-static.a" "$prefix/lib/libcmocka.a"
fi
[ -f "$prefix/lib/libcmocka.a" ] || { echo "build-cmocka-mingw: no static libcmocka was built" >&2; exit 1; }
# Drop the DLL and its import library so nothing links the DLL by accident
# (find_library prefers .dll.a on Windows).
rm -rf "$prefix/lib/libcmocka.dll.a" "$prefix/bin/cmocka.dll" "$prefix/lib/cmake"
# The toolchain builds everything with mingw's C99 printf
# (__USE_MINGW_ANSI_STDIO=1), cmocka included, so %zu works at run time;
# tell the compiler's format checks the same (its "printf" archetype on
# mingw is msvcrt's, which would flag every %zu in a test's print_message).
sed -i 's/__attribute__ ((__format__ (__printf__, a, b)))/__attribute__ ((__format__ (gnu_printf, a, b)))/' \
	"$prefix/include/cmocka.h"
grep -q 'gnu_printf, a, b' "$prefix/include/cmocka.h" ||
	{ echo "build-cmocka-mingw: could not adapt cmocka.h's printf attribute" >&2; exit 1; }
touch "$stamp"
echo "$prefix"
