#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetches Debian's own source packages that the Windows libobs is built from
# (obs-studio, jansson, ffmpeg) into DIR/src, from the Debian archive only:
#   tests/windows-obs/fetch-sources.sh DIR
# apt-get source needs deb-src entries; a fresh machine has none, so one is
# added beside each deb822 Debian source (same URIs, suites, components and
# key) and the lists are refreshed. ffmpeg's source is large: only the
# .orig tarball's libavutil, libswscale, libswresample and build system are
# extracted (Debian's patches touch nothing the subset builds).
# Prints the source directories as KEY=PATH lines on stdout.
set -euo pipefail
dir="${1:?usage: fetch-sources.sh DIR}"
src="$dir/src"
mkdir -p "$src"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
apt_get() { $SUDO apt-get -o DPkg::Lock::Timeout=600 "$@"; }

have_src() { grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/; }
if ! have_src; then
	added=0
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		grep -q 'debian' "$f" || continue
		# Each stanza "Types: deb" becomes "Types: deb-src", the rest kept.
		sed -E 's/^Types:[[:space:]]*deb[[:space:]]*$/Types: deb-src/' "$f" |
			$SUDO tee "/etc/apt/sources.list.d/tdshm-src-$(basename "$f")" >/dev/null
		added=1
	done
	if [ -f /etc/apt/sources.list ] && grep -qE '^deb .*debian' /etc/apt/sources.list; then
		grep -E '^deb .*debian' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
			$SUDO tee /etc/apt/sources.list.d/tdshm-src-legacy.list >/dev/null
		added=1
	fi
	[ $added -eq 1 ] || { echo "fetch-sources: no Debian apt source to derive a deb-src entry from" >&2; exit 1; }
	echo "fetch-sources: added deb-src entries" >&2
	apt_get update -qq >&2
fi

fetch() { # fetch PACKAGE [--download-only]
	(cd "$src" && apt-get source -qq "$@" >&2) || {
		# Lists may be stale (deb-src entry present but never fetched).
		apt_get update -qq >&2
		(cd "$src" && apt-get source -qq "$@" >&2)
	}
}
obs_dir=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'obs-studio-*' | head -n1)
# The same obs-studio version as the Linux libobs-dev the plugin builds with.
obs_version=$(dpkg-query -W -f='${source:Version}' libobs-dev 2>/dev/null || true)
[ -n "$obs_dir" ] || { fetch "obs-studio${obs_version:+=$obs_version}"; obs_dir=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'obs-studio-*' | head -n1); }
jansson_dir=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'jansson-*' | head -n1)
[ -n "$jansson_dir" ] || { fetch jansson; jansson_dir=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'jansson-*' | head -n1); }
ffmpeg_dir="$src/ffmpeg"
if [ ! -f "$ffmpeg_dir/configure" ]; then
	ls "$src"/ffmpeg_*.orig.tar.* >/dev/null 2>&1 || fetch --download-only ffmpeg
	orig=$(ls "$src"/ffmpeg_*.orig.tar.* | head -n1)
	rm -rf "$ffmpeg_dir" && mkdir -p "$ffmpeg_dir"
	tar -xf "$orig" -C "$ffmpeg_dir" --strip-components=1 --wildcards \
		'*/configure' '*/Makefile' '*/ffbuild' '*/compat' '*/libavutil' '*/libswscale' \
		'*/libswresample' '*/VERSION' '*/RELEASE' '*/version.sh' '*/COPYING*' '*/LICENSE.md' \
		'*/libavcodec/*.h' '*/libavformat/*.h' '*/libavdevice/*.h' '*/libavfilter/*.h' '*/libpostproc/*.h' \
		'*/libavcodec/Makefile' '*/libavformat/Makefile' '*/libavdevice/Makefile' '*/libavfilter/Makefile' \
		'*/libpostproc/Makefile' '*/libavcodec/*.c' '*/libavformat/*.c' '*/libavfilter/*.c' '*/libavdevice/*.c' \
		'*/fftools' '*/tests/Makefile' '*/tests/fate' '*/tests/*.mak' '*/doc/Makefile' '*/tools' '*/libavcodec/x86' '*/libavfilter/x86' \
		'*/libavcodec/bsf' 2>/dev/null || true
	[ -f "$ffmpeg_dir/configure" ] || { echo "fetch-sources: could not extract ffmpeg from $orig" >&2; exit 1; }
fi
[ -n "$obs_dir" ] && [ -n "$jansson_dir" ] || { echo "fetch-sources: apt-get source gave no obs-studio or jansson tree" >&2; exit 1; }
echo "OBS_SRC=$obs_dir"
echo "JANSSON_SRC=$jansson_dir"
echo "FFMPEG_SRC=$ffmpeg_dir"
