#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cross-builds, for x86_64-w64-mingw32, the two libraries libobs needs that
# Debian has no mingw package of, from Debian's own sources
# (fetch-sources.sh), into one prefix:
#   jansson  static (CMake, no docs/tests)
#   ffmpeg   static libavutil, libswscale, libswresample only:
#            --disable-everything, no programs, docs, codecs, formats, asm
#            autodetection or external libraries. libobs's avcodec/avformat
#            users (image files, remux) are left out of obs.dll instead.
#   tests/windows-obs/build-deps.sh OBS_BUILD_DIR JANSSON_SRC FFMPEG_SRC
# Prints "<piece>: N s" per piece on stderr, the prefix on stdout's last line.
# Rebuilds only what is missing in OBS_BUILD_DIR (a fresh machine builds all).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="${1:?usage: build-deps.sh OBS_BUILD_DIR JANSSON_SRC FFMPEG_SRC}"
jansson_src="${2:?}"
ffmpeg_src="${3:?}"
prefix="$out/prefix"
mkdir -p "$prefix"
toolchain="$root/common/cmake/mingw-w64-x86_64.cmake"
triple=x86_64-w64-mingw32

if [ ! -f "$prefix/lib/libjansson.a" ]; then
	start=$(date +%s)
	cmake -S "$jansson_src" -B "$out/jansson-build" -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
		-DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$prefix" \
		-DJANSSON_BUILD_SHARED_LIBS=OFF -DJANSSON_BUILD_DOCS=OFF -DJANSSON_WITHOUT_TESTS=ON \
		-DJANSSON_EXAMPLES=OFF >"$out/jansson-configure.log" 2>&1 ||
		{ tail -n 30 "$out/jansson-configure.log" >&2; exit 1; }
	nice -n 15 cmake --build "$out/jansson-build" -j2 >"$out/jansson-build.log" 2>&1 ||
		{ tail -n 30 "$out/jansson-build.log" >&2; exit 1; }
	cmake --install "$out/jansson-build" >/dev/null
	echo "jansson: $(($(date +%s) - start)) s" >&2
fi

if [ ! -f "$prefix/lib/libswresample.a" ]; then
	start=$(date +%s)
	rm -rf "$out/ffmpeg-build" && mkdir -p "$out/ffmpeg-build"
	(cd "$out/ffmpeg-build" && "$ffmpeg_src/configure" --prefix="$prefix" \
		--enable-cross-compile --target-os=mingw32 --arch=x86_64 --cross-prefix=$triple- \
		--cc=$triple-gcc-win32 \
		--disable-everything --disable-programs --disable-doc --disable-autodetect \
		--disable-avcodec --disable-avformat --disable-avdevice --disable-avfilter \
		--disable-postproc --disable-network --disable-x86asm --disable-debug \
		--enable-static --disable-shared \
		--enable-avutil --enable-swscale --enable-swresample \
		>"$out/ffmpeg-configure.log" 2>&1) ||
		{ tail -n 30 "$out/ffmpeg-configure.log" >&2; tail -n 30 "$out/ffmpeg-build/ffbuild/config.log" >&2; exit 1; }
	nice -n 15 make -C "$out/ffmpeg-build" -j2 >"$out/ffmpeg-build.log" 2>&1 ||
		{ tail -n 30 "$out/ffmpeg-build.log" >&2; exit 1; }
	# Libraries and headers only (install-examples wants doc/, not extracted).
	make -C "$out/ffmpeg-build" install-libs install-headers >"$out/ffmpeg-install.log" 2>&1 ||
		{ tail -n 30 "$out/ffmpeg-install.log" >&2; exit 1; }
	echo "ffmpeg (avutil, swscale, swresample): $(($(date +%s) - start)) s" >&2
fi
echo "$prefix"
