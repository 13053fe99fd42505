#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs obs-tdshm from this source tree on Debian/Ubuntu, then proves it
# works with the self-check.
#
#   installer/install.sh                   build deps, build, install for this user, self-check
#   installer/install.sh --portable DIR    into a portable OBS folder DIR
#   installer/install.sh --prefix DIR      into DIR/lib/obs-plugins, DIR/share/obs/..., DIR/bin
#   installer/install.sh --check           the self-check alone (against the install chosen above)
#   installer/install.sh --uninstall       removes exactly the files this script installed
# Other options: --build-dir DIR (default build-install/), --no-deps, --no-check.
#
# Per-user layout (what OBS 28+ on Linux loads from the user's config):
#   ~/.config/obs-studio/plugins/obs-tdshm/bin/64bit/obs-tdshm.so
#   ~/.config/obs-studio/plugins/obs-tdshm/data/
#   ~/.local/bin/tdshm
# Portable OBS (DIR holds bin/64bit/obs): DIR/obs-plugins/64bit/obs-tdshm.so,
#   DIR/data/obs-plugins/obs-tdshm/, DIR/bin/64bit/tdshm.
# Every installed file and every directory the install created is written to
# a manifest; --uninstall removes those and nothing else.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

mode=user target="" action=install deps=1 check=1
build="$root/build-install"
jobs=2

die() {
	echo "install.sh: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
	--portable) mode=portable; target="${2:?--portable needs a directory}"; shift 2 ;;
	--prefix) mode=prefix; target="${2:?--prefix needs a directory}"; shift 2 ;;
	--check) action=check; shift ;;
	--uninstall) action=uninstall; shift ;;
	--build-dir) build="${2:?--build-dir needs a directory}"; shift 2 ;;
	--no-deps) deps=0; shift ;;
	--no-check) check=0; shift ;;
	-j) jobs="$2"; shift 2 ;;
	-h | --help) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown option $1 (see --help)" ;;
	esac
done
[ -z "$target" ] || target=$(realpath -m "$target")

# ---- where things go ---------------------------------------------------------
case "$mode" in
user)
	plugin_root="${XDG_CONFIG_HOME:-$HOME/.config}/obs-studio/plugins/obs-tdshm"
	module_dir="$plugin_root/bin/64bit"
	data_dir="$plugin_root/data"
	bin_dir="$HOME/.local/bin"
	manifest="${XDG_DATA_HOME:-$HOME/.local/share}/obs-tdshm/install-manifest.txt"
	;;
portable)
	module_dir="$target/obs-plugins/64bit"
	data_dir="$target/data/obs-plugins/obs-tdshm"
	bin_dir="$target/bin/64bit"
	manifest="$target/obs-tdshm-install-manifest.txt"
	;;
prefix)
	module_dir="$target/lib/obs-plugins"
	data_dir="$target/share/obs/obs-plugins/obs-tdshm"
	bin_dir="$target/bin"
	manifest="$target/share/obs-tdshm/install-manifest.txt"
	;;
esac

# ---- uninstall -----------------------------------------------------------------
uninstall() {
	[ -f "$manifest" ] || die "nothing to uninstall: no manifest at $manifest"
	local entries=() entry i
	mapfile -t entries <"$manifest"
	# Files first (the manifest lists itself), then the directories the
	# install created, deepest first. rmdir refuses a directory that holds
	# anything else, so the user's own files there are never touched.
	for entry in "${entries[@]}"; do
		[ "${entry%% *}" = file ] && rm -f -- "${entry#* }"
	done
	for ((i = ${#entries[@]} - 1; i >= 0; i--)); do
		entry=${entries[$i]}
		[ "${entry%% *}" = dir ] && { rmdir -- "${entry#* }" 2>/dev/null || true; }
	done
	echo "obs-tdshm uninstalled ($mode)."
}

# ---- dependencies and build ------------------------------------------------------
install_deps() {
	local packages=(build-essential cmake pkg-config libobs-dev libpng-dev libx11-dev
		xvfb libgl1-mesa-dri libegl-mesa0 libegl1)
	command -v apt-get >/dev/null || {
		echo "install.sh: no apt-get here; make sure these (or your distribution's equivalents) are installed: ${packages[*]}" >&2
		return 0
	}
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "installing build dependencies: ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

configure_and_build() {
	local targets=("$@")
	if [ ! -f "$build/CMakeCache.txt" ]; then
		cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
			-DTDSHM_BUILD_TESTS=OFF >/dev/null
	fi
	local t
	for t in "${targets[@]}"; do
		cmake --build "$build" -j"$jobs" --target "$t"
	done
}

# ---- install ---------------------------------------------------------------------
manifest_entries=()

record_dirs() {
	# Creates each directory on the way to $1 that does not exist yet and
	# records it, outermost first.
	local dir="$1" missing=() d
	while [ ! -d "$dir" ]; do
		missing=("$dir" "${missing[@]}")
		dir=$(dirname "$dir")
	done
	for d in "${missing[@]}"; do
		mkdir -- "$d"
		manifest_entries+=("dir $d")
	done
}

install_file() {
	local source="$1" dest="$2" mode_bits="$3"
	record_dirs "$(dirname "$dest")"
	install -m "$mode_bits" -- "$source" "$dest"
	manifest_entries+=("file $dest")
}

do_install() {
	local stage="$build/stage"
	rm -rf "$stage"
	# The install rules of the build give the exact file set; this script
	# only maps them onto OBS's per-user or portable layout.
	cmake --install "$build" --prefix "$stage" >/dev/null
	local module data_src tool
	module=$(find "$stage" -path '*/obs-plugins/obs-tdshm.so' | head -n 1)
	data_src="$stage/share/obs/obs-plugins/obs-tdshm"
	tool="$stage/bin/tdshm"
	[ -n "$module" ] || die "the build installed no obs-tdshm.so (was libobs-dev found when configuring $build?)"
	[ -d "$data_src" ] || die "the build installed no data directory ($data_src)"
	[ -x "$tool" ] || die "the build installed no tdshm tool"

	# A previous install of the same kind is replaced cleanly.
	[ -f "$manifest" ] && uninstall >/dev/null

	record_dirs "$(dirname "$manifest")"
	install_file "$module" "$module_dir/obs-tdshm.so" 0755
	local f rel
	while IFS= read -r -d '' f; do
		rel=${f#"$data_src"/}
		install_file "$f" "$data_dir/$rel" 0644
	done < <(find "$data_src" -type f -print0 | sort -z)
	install_file "$tool" "$bin_dir/tdshm" 0755
	manifest_entries+=("file $manifest")
	printf '%s\n' "${manifest_entries[@]}" >"$manifest"
	rm -rf "$stage"

	echo "obs-tdshm installed ($mode):"
	echo "  module  $module_dir/obs-tdshm.so"
	echo "  data    $data_dir/"
	echo "  tool    $bin_dir/tdshm"
	echo "  manifest of installed files: $manifest (installer/install.sh --uninstall removes them)"
	if [ "$mode" = user ]; then
		case ":$PATH:" in
		*":$HOME/.local/bin:"*) ;;
		*) echo "  note: ~/.local/bin is not on your PATH; add it to run \`tdshm\` by name" ;;
		esac
	fi
}

run_check() {
	configure_and_build tdshm-selfcheck
	bash "$here/selfcheck.sh" --module "$module_dir/obs-tdshm.so" --data "$data_dir" \
		--tdshm "$bin_dir/tdshm" --selfcheck "$build/installer/selfcheck/tdshm-selfcheck"
}

case "$action" in
uninstall)
	uninstall
	;;
check)
	[ "$deps" -eq 0 ] || install_deps
	run_check
	;;
install)
	[ "$deps" -eq 0 ] || install_deps
	configure_and_build all
	do_install
	if [ "$check" -eq 1 ]; then
		echo "running the self-check..."
		run_check || {
			echo "install.sh: the plugin is installed but the self-check failed (see above)." >&2
			exit 1
		}
	fi
	;;
esac
