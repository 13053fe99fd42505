#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# macOS package: builds the module and tdshm, lays out obs-tdshm.plugin and
# wraps it with pkgbuild + productbuild. Runs on macOS only (Xcode command
# line tools, CMake, and an OBS 28+ SDK whose CMake package gives OBS::libobs,
# e.g. built from obs-studio or obs-deps: pass its prefix as OBS_PREFIX).
# NOT RUN in this project's CI (there is no Mac there): it is written to the
# documented layout and tools but unverified.
#
#   OBS_PREFIX=/path/to/obs-sdk installer/macos/build-pkg.sh [--out DIR]
#
# The bundle (what OBS 28+ loads from ~/Library/Application Support/obs-studio/plugins/):
#   obs-tdshm.plugin/Contents/Info.plist
#   obs-tdshm.plugin/Contents/MacOS/obs-tdshm     the module
#   obs-tdshm.plugin/Contents/MacOS/tdshm         the command-line tool
#   obs-tdshm.plugin/Contents/Resources/          data (locale/, effects)
# Installing by hand is copying that folder there.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$root/build-inst-mac"
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out="$2"; shift 2 ;;
	*) echo "build-pkg.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ "$(uname -s)" = Darwin ] || { echo "build-pkg.sh: runs on macOS only (pkgbuild, productbuild)" >&2; exit 1; }

version=$(sed -n 's/^project(obs-tdshm VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
cmake -S "$root" -B "$out/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTDSHM_BUILD_TESTS=OFF \
	-DCMAKE_OSX_ARCHITECTURES="arm64;x86_64" -DCMAKE_OSX_DEPLOYMENT_TARGET=11.0 \
	${OBS_PREFIX:+-DCMAKE_PREFIX_PATH="$OBS_PREFIX"}
cmake --build "$out/build" --target obs-tdshm tdshm -j2
rm -rf "$out/install" "$out/payload"
cmake --install "$out/build" --prefix "$out/install"

bundle="$out/payload/obs-tdshm.plugin"
mkdir -p "$bundle/Contents/MacOS" "$bundle/Contents/Resources"
sed "s/@VERSION@/$version/g" "$here/Info.plist.in" >"$bundle/Contents/Info.plist"
cp "$(find "$out/install" -path '*/obs-plugins/obs-tdshm.so' | head -n 1)" "$bundle/Contents/MacOS/obs-tdshm"
cp "$out/install/bin/tdshm" "$bundle/Contents/MacOS/tdshm"
cp -R "$out/install/share/obs/obs-plugins/obs-tdshm/." "$bundle/Contents/Resources/"
# Ad-hoc signature: Apple silicon refuses unsigned code. Distribution
# builds sign with a Developer ID and notarise instead.
codesign --force --sign - --timestamp=none "$bundle/Contents/MacOS/tdshm"
codesign --force --sign - --timestamp=none "$bundle"

# In the "for me only" domain (distribution.xml) the install location is
# taken inside the user's home: ~/Library/Application Support/obs-studio/plugins.
pkgbuild --root "$out/payload" --identifier io.github.obs-tdshm.plugin --version "$version" \
	--install-location "/Library/Application Support/obs-studio/plugins" \
	"$out/obs-tdshm-component.pkg"
sed "s/@VERSION@/$version/g" "$here/distribution.xml.in" >"$out/distribution.xml"
productbuild --distribution "$out/distribution.xml" --package-path "$out" \
	"$out/obs-tdshm-$version-macos.pkg"
echo "macOS package: $out/obs-tdshm-$version-macos.pkg"
