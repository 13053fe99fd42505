#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the Debian 12 packages the build and every test stage need, only
# those that are missing. Needs root (CI and the dev machines run as root).
set -euo pipefail
packages=(
	build-essential cmake pkg-config git
	libcmocka-dev libpng-dev
	clang libclang-rt-14-dev
	libobs-dev xvfb xauth libgl1-mesa-dri libegl-mesa0 libegl1
	gcc-mingw-w64-x86-64 libz-mingw-w64-dev wine wine64 nsis
	dpkg-dev fakeroot file
	# windows-obs: libobs for Windows from Debian's sources (zlib and simde
	# as Debian's packages; C++ for libobs-d3d11)
	libz-mingw-w64-dev libsimde-dev g++-mingw-w64-x86-64-win32 patch make
	obs-studio openbox xdotool imagemagick tesseract-ocr python3 python3-websocket
	# TDSHM_CPU_HOGS: busy processes beside the stages (a loaded machine)
	stress-ng
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
