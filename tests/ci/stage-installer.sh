#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Installer tests (issue #6):
#   user    installer/install.sh into a temporary HOME, the self-check against
#           that install, --check, --uninstall leaves HOME as it was; the same
#           for --portable DIR and --prefix DIR; the self-check says FAIL for a
#           missing data directory, missing effect files and a wrong picture
#   deb     the .deb built with CPack, dpkg -i, the self-check against
#           /usr/lib/x86_64-linux-gnu/obs-plugins, dpkg -r leaves nothing
#   windows the mingw-built DLL + tdshm.exe in the NSIS installer, run silently
#           under Wine (normal and portable OBS, and over itself), layout checked
#           under Wine's ProgramData, the uninstaller removes it; the installed
#           DLL loads beside stand-in OBS DLLs and registers its sources; the
#           installed tdshm.exe sends to and receives from itself through the
#           Windows backend
# Run one part alone with TDSHM_INSTALLER_PARTS="user deb" (default: all).
set -uo pipefail

root="${TDSHM_ROOT:?run through tests/run.sh}"
work="${TDSHM_BUILD_ROOT:?}/installer"
linux_build="$work/linux"
read -ra parts <<<"${TDSHM_INSTALLER_PARTS:-user deb windows}"
# Headless, as on a fresh machine: the self-check must start its own Xvfb.
unset DISPLAY
# A Shared Mem Name no parallel run shares.
export TDSHM_SELFCHECK_NAME="tdshm-selfcheck-$$"
mkdir -p "$work"

failures=()
pass() { echo "  ok   $*"; }
fail() {
	echo "  FAIL $*"
	failures+=("$*")
}
# expect_file PATH WHAT
expect_file() { if [ -f "$1" ]; then pass "$2"; else fail "$2: missing $1"; fi; }
# The file and directory list under a tree, for before/after comparisons.
tree_list() { (cd "$1" && find . -mindepth 1 | LC_ALL=C sort); }
# expect_selfcheck_ok OUTPUT WHAT: the OK line with the size and format asked for.
expect_selfcheck_ok() {
	local line
	line=$(grep -E '^(OK|FAIL)' <<<"$1" | tail -n 1)
	echo "       $line"
	if [[ "$line" =~ ^OK:\ received\ 1920x1080\ BGRA8\ from\ TouchDesigner\ segment\ \'$TDSHM_SELFCHECK_NAME\'\ in\ [0-9]+\ ms ]]; then
		pass "$2"
	else
		fail "$2"
	fi
}
# expect_png FILE WHAT: a 1920x1080 PNG.
expect_png() {
	if file "$1" 2>/dev/null | grep -q 'PNG image data, 1920 x 1080'; then
		pass "$2"
	else
		fail "$2 ($(file "$1" 2>&1))"
	fi
}

# One Linux build serves install.sh, the .deb and the Windows import list.
# Configured for /usr so GNUInstallDirs picks Debian's multiarch libdir.
build_linux() {
	{ cmake -S "$root" -B "$linux_build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCMAKE_INSTALL_PREFIX=/usr -DTDSHM_BUILD_TESTS=OFF &&
		cmake --build "$linux_build" -j2; } >"$work/build-linux.log" 2>&1 ||
		{ tail -n 30 "$work/build-linux.log"; return 1; }
}

# expect_same_tree BEFORE DIR PASS-WHAT LEFT-WHAT: DIR lists (tree_list) as
# BEFORE; else fails with what differs.
expect_same_tree() {
	local after
	after=$(tree_list "$2")
	if [ "$1" = "$after" ]; then
		pass "$3"
	else
		fail "$4: $(diff <(echo "$1") <(echo "$after") | grep '^[<>]' | head -n 5 | tr '\n' ' ')"
	fi
}
# check_folder_install LABEL FLAG DIR FOLDER FILE:WHAT...: install.sh FLAG DIR
# into the OBS layout made there (FOLDER says what it is), each FILE under
# DIR, the self-check against that install, and --uninstall leaving DIR
# exactly as it was. Uses the caller's $home.
check_folder_install() {
	local label=$1 flag=$2 dir=$3 folder=$4 before output expected
	shift 4
	before=$(tree_list "$dir")
	output=$(env HOME="$home" bash "$root/installer/install.sh" "$flag" "$dir" --no-deps \
		--no-check --build-dir "$linux_build" 2>&1) || fail "install.sh $flag: $(tail -n 5 <<<"$output")"
	for expected in "$@"; do
		expect_file "$dir/${expected%%:*}" "$label: ${expected#*:}"
	done
	output=$(env HOME="$home" TMPDIR="$home/.tmp-check" bash "$root/installer/install.sh" \
		"$flag" "$dir" --check --no-deps --build-dir "$linux_build" 2>&1)
	expect_selfcheck_ok "$output" "$label: the self-check against the $label install prints OK"
	output=$(env HOME="$home" bash "$root/installer/install.sh" "$flag" "$dir" --uninstall 2>&1) ||
		fail "install.sh $flag --uninstall: $output"
	expect_same_tree "$before" "$dir" "$label: --uninstall leaves $folder exactly as before" "$label: --uninstall left behind"
}

part_user() {
	echo "--- install.sh into a temporary HOME"
	local home
	home=$(mktemp -d "$work/home.XXXXXX")
	# A lived-in HOME: OBS config and another plugin already there, which
	# the install must share and the uninstall must leave alone.
	mkdir -p "$home/.config/obs-studio/basic/profiles/Untitled" \
		"$home/.config/obs-studio/plugins/other-plugin/bin/64bit" "$home/.local/share/other-app"
	touch "$home/.config/obs-studio/global.ini" "$home/.config/obs-studio/plugins/other-plugin/bin/64bit/other-plugin.so" \
		"$home/.local/share/other-app/state"
	local before output
	before=$(tree_list "$home")
	mkdir "$home/.tmp-check" # where the self-check leaves its PNG and logs
	output=$(env HOME="$home" XDG_CONFIG_HOME= XDG_DATA_HOME= TMPDIR="$home/.tmp-check" \
		bash "$root/installer/install.sh" --no-deps --build-dir "$linux_build" 2>&1)
	local status=$?
	[ $status -eq 0 ] && pass "install.sh exits 0" || { fail "install.sh exits $status"; echo "$output" | tail -n 20; }
	expect_selfcheck_ok "$output" "install.sh ran the self-check and it printed OK"
	local plugin="$home/.config/obs-studio/plugins/obs-tdshm"
	expect_file "$plugin/bin/64bit/obs-tdshm.so" "module in ~/.config/obs-studio/plugins/obs-tdshm/bin/64bit/"
	expect_file "$plugin/data/locale/en-US.ini" "locale in ~/.config/obs-studio/plugins/obs-tdshm/data/"
	expect_file "$home/.local/bin/tdshm" "tdshm in ~/.local/bin"
	expect_png "$home/.tmp-check/obs-tdshm-selfcheck-$(id -u)/tdshm-selfcheck.png" "self-check PNG is 1920x1080"

	output=$(env HOME="$home" XDG_CONFIG_HOME= XDG_DATA_HOME= TMPDIR="$home/.tmp-check" \
		bash "$root/installer/install.sh" --check --no-deps --build-dir "$linux_build" 2>&1)
	expect_selfcheck_ok "$output" "install.sh --check prints OK"

	# A broken install must say FAIL, not OK: take the data away.
	mv "$plugin/data" "$home/data.moved"
	output=$(env HOME="$home" XDG_CONFIG_HOME= XDG_DATA_HOME= TMPDIR="$home/.tmp-check" \
		bash "$root/installer/install.sh" --check --no-deps --build-dir "$linux_build" 2>&1)
	if [ $? -ne 0 ] && grep -q '^FAIL: .*data' <<<"$output"; then
		pass "--check on a broken install prints FAIL and exits non-zero"
	else
		fail "--check on a broken install: $(tail -n 2 <<<"$output")"
	fi
	mv "$home/data.moved" "$plugin/data"
	# The module must really use the installed data: without its effect
	# files OBS shows nothing, and the self-check must say so.
	mkdir "$home/effects.moved"
	find "$plugin/data" -maxdepth 1 -name '*.effect' -exec mv {} "$home/effects.moved/" \;
	[ -n "$(ls "$home/effects.moved")" ] || fail "the installed data holds no .effect file"
	output=$(env HOME="$home" TMPDIR="$home/.tmp-check" bash "$root/installer/selfcheck.sh" \
		--module "$plugin/bin/64bit/obs-tdshm.so" --data "$plugin/data" --tdshm "$home/.local/bin/tdshm" \
		--selfcheck "$linux_build/installer/selfcheck/tdshm-selfcheck" --timeout-ms 3000 2>&1)
	if [ $? -ne 0 ] && grep -q '^FAIL: .*no picture' <<<"$output"; then
		pass "without the installed effect files the self-check prints FAIL"
	else
		fail "the self-check passed without the installed effect files: $(grep -E '^(OK|FAIL)' <<<"$output")"
	fi
	mv "$home/effects.moved"/* "$plugin/data/"
	rmdir "$home/effects.moved"

	# The self-check must be able to fail on the picture itself: a sender of
	# another pattern gives FAIL naming the pixels.
	local sender_name="tdshm-wrong-$$" sender_pid
	"$home/.local/bin/tdshm" send "$sender_name" --size 1920x1080 --format bgra8 --pattern ramp \
		>/dev/null 2>&1 &
	sender_pid=$!
	if start_stage_xvfb; then
		output=$(DISPLAY="$stage_display" "$linux_build/installer/selfcheck/tdshm-selfcheck" \
			--module "$plugin/bin/64bit/obs-tdshm.so" --data "$plugin/data" \
			--name "$sender_name" --timeout-ms 3000 --png "$home/.tmp-check/wrong.png" 2>/dev/null)
	else
		output="Xvfb did not start"
	fi
	local status=$?
	kill "$sender_pid" 2>/dev/null
	wait "$sender_pid" 2>/dev/null
	echo "       $output"
	if [ $status -ne 0 ] && grep -q '^FAIL: .*pixels differ' <<<"$output"; then
		pass "a ramp instead of bars gives FAIL with the differing pixels"
	else
		fail "the self-check did not refuse a ramp: $output"
	fi

	# A file of the user's inside the plugin folder survives --uninstall.
	touch "$plugin/data/user-notes.txt"
	rm -rf "$home/.tmp-check"
	output=$(env HOME="$home" XDG_CONFIG_HOME= XDG_DATA_HOME= \
		bash "$root/installer/install.sh" --uninstall 2>&1) || fail "install.sh --uninstall: $output"
	if [ -f "$plugin/data/user-notes.txt" ] && [ ! -e "$plugin/bin" ]; then
		pass "--uninstall removed its files and kept the user's own file in the plugin folder"
	else
		fail "--uninstall and a user file: $(find "$plugin" 2>&1 | head -n 5 | tr '\n' ' ')"
	fi
	rm -rf "$plugin"
	expect_same_tree "$before" "$home" "--uninstall leaves HOME exactly as before ($(wc -l <<<"$before") entries)" "--uninstall left behind"

	echo "--- install.sh --portable"
	local portable="$home/obs-portable"
	mkdir -p "$portable/bin/64bit" "$portable/data/obs-studio" "$portable/obs-plugins/64bit"
	touch "$portable/bin/64bit/obs" "$portable/portable_mode.txt"
	check_folder_install portable --portable "$portable" "the OBS folder" \
		"obs-plugins/64bit/obs-tdshm.so:module in obs-plugins/64bit/" \
		"data/obs-plugins/obs-tdshm/locale/en-US.ini:data in data/obs-plugins/obs-tdshm/"

	echo "--- install.sh --prefix"
	local prefix="$home/obs-prefix"
	mkdir -p "$prefix/bin" "$prefix/lib/obs-plugins"
	touch "$prefix/bin/obs" "$prefix/lib/obs-plugins/obs-filters.so"
	check_folder_install prefix --prefix "$prefix" "the prefix" \
		"lib/obs-plugins/obs-tdshm.so:module in lib/obs-plugins/" \
		"share/obs/obs-plugins/obs-tdshm/locale/en-US.ini:data in share/obs/obs-plugins/obs-tdshm/" \
		"bin/tdshm:tdshm in bin/"
	rm -rf "$home"
}

part_deb() {
	echo "--- the .deb"
	local debdir="$work/deb"
	rm -rf "$debdir"
	(cd "$linux_build" && cpack -G DEB -B "$debdir" >/dev/null) || { fail "cpack -G DEB"; return; }
	local deb
	deb=$(ls "$debdir"/obs-tdshm_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] || { fail "no obs-tdshm_*.deb in $debdir"; return; }
	pass "built $(basename "$deb")"
	local contents depends
	contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
	for path in ./usr/lib/x86_64-linux-gnu/obs-plugins/obs-tdshm.so \
		./usr/share/obs/obs-plugins/obs-tdshm/locale/en-US.ini ./usr/bin/tdshm; do
		grep -qx "$path" <<<"$contents" && pass "deb holds $path" || fail "deb lacks $path"
	done
	depends=$(dpkg-deb -f "$deb" Depends)
	grep -q 'libobs0' <<<"$depends" && pass "deb depends on libobs0 ($depends)" || fail "deb Depends lacks libobs0: $depends"

	if dpkg-query -W -f='${Status}' obs-tdshm 2>/dev/null | grep -q "install ok installed"; then
		# A run killed between dpkg -i and dpkg -r leaves our package
		# behind; anything else of that name is not ours to remove.
		if [ "$(dpkg-query -W -f='${Maintainer}' obs-tdshm)" = "$(dpkg-deb -f "$deb" Maintainer)" ]; then
			echo "       removing obs-tdshm left installed by an interrupted run"
			dpkg -r obs-tdshm >/dev/null 2>&1 || { fail "cannot remove the leftover obs-tdshm"; return; }
		else
			fail "a package named obs-tdshm from someone else is installed; not touching it"
			return
		fi
	fi
	local before_usr
	before_usr=$(find /usr/lib/x86_64-linux-gnu/obs-plugins /usr/share/obs /usr/bin -maxdepth 3 2>/dev/null | LC_ALL=C sort)
	dpkg -i "$deb" >/dev/null 2>&1 && pass "dpkg -i" || { fail "dpkg -i $deb"; return; }
	deb_installed=1
	local output
	output=$(TMPDIR="$work/deb-check" bash "$root/installer/selfcheck.sh" \
		--module /usr/lib/x86_64-linux-gnu/obs-plugins/obs-tdshm.so \
		--data /usr/share/obs/obs-plugins/obs-tdshm --tdshm /usr/bin/tdshm \
		--selfcheck "$linux_build/installer/selfcheck/tdshm-selfcheck" 2>&1)
	expect_selfcheck_ok "$output" "self-check against the system location (/usr) prints OK"
	dpkg -r obs-tdshm >/dev/null 2>&1 && pass "dpkg -r" || fail "dpkg -r obs-tdshm"
	deb_installed=0
	local after_usr
	after_usr=$(find /usr/lib/x86_64-linux-gnu/obs-plugins /usr/share/obs /usr/bin -maxdepth 3 2>/dev/null | LC_ALL=C sort)
	if [ "$before_usr" = "$after_usr" ]; then
		pass "dpkg -r leaves /usr as before"
	else
		fail "dpkg -r left: $(diff <(echo "$before_usr") <(echo "$after_usr") | grep '^[<>]' | head -n 5 | tr '\n' ' ')"
	fi
	rm -rf "$work/deb-check"
}

# One Xvfb for the checks that run programs directly (the self-check binary,
# Wine); install.sh and selfcheck.sh start their own.
stage_display="" stage_xvfb_pid=""
start_stage_xvfb() {
	[ -n "$stage_display" ] && return 0
	: >"$work/xvfb.display"
	Xvfb -displayfd 3 -screen 0 1280x720x24 -nolisten tcp 3>"$work/xvfb.display" >/dev/null 2>&1 &
	stage_xvfb_pid=$!
	for _ in $(seq 1 100); do [ -s "$work/xvfb.display" ] && break; sleep 0.1; done
	local number
	number=$(tr -dc 0-9 <"$work/xvfb.display")
	[ -n "$number" ] && stage_display=":$number"
}
deb_installed=0
stage_cleanup() {
	# Never leave the package installed, even when the stage is interrupted.
	[ "$deb_installed" = 1 ] && dpkg -r obs-tdshm >/dev/null 2>&1
	[ -n "${WINEPREFIX:-}" ] && timeout 20 wineserver -k 2>/dev/null
	[ -n "$stage_xvfb_pid" ] && kill "$stage_xvfb_pid" 2>/dev/null && wait "$stage_xvfb_pid" 2>/dev/null
}
trap stage_cleanup EXIT

# ---- Windows under Wine --------------------------------------------------------
# wine_run TIMEOUT PROGRAM ARGS...: runs and then waits for every process of
# the prefix (NSIS uninstallers re-launch themselves from a temporary copy).
wine_run() {
	local limit="$1"
	shift
	timeout "$limit" wine "$@" >>"$work/wine.log" 2>&1
	local status=$?
	timeout "$limit" wineserver -w
	return $status
}

part_windows() {
	echo "--- Windows: mingw build, NSIS installer under Wine"
	local win="$work/win"
	if ! bash "$root/installer/windows/build-windows.sh" --out "$win" \
		--linux-module "$linux_build/plugin/obs-tdshm.so" >"$work/build-windows.log" 2>&1; then
		fail "installer/windows/build-windows.sh (see $work/build-windows.log)"
		tail -n 15 "$work/build-windows.log"
		return
	fi
	grep "imports:" "$work/build-windows.log" | sed 's/^/       /'
	local setup
	setup=$(ls "$win"/obs-tdshm-*-windows-x64-setup.exe | head -n 1)
	pass "built $(basename "$setup")"

	export WINEPREFIX="$work/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
	: >"$work/wine.log"
	# NSIS draws (hidden) windows even with /S: give Wine a display.
	start_stage_xvfb || { fail "Xvfb did not start"; return; }
	export DISPLAY="$stage_display"
	[ -d "$WINEPREFIX" ] || timeout 120 wineboot -i >>"$work/wine.log" 2>&1
	local drive_c="$WINEPREFIX/drive_c"
	local programdata="$drive_c/ProgramData"
	local plugin="$programdata/obs-studio/plugins/obs-tdshm"
	rm -rf "$programdata/obs-studio"
	mkdir -p "$programdata"
	local before
	before=$(tree_list "$programdata")

	wine_run 120 "$setup" /S && pass "setup.exe /S exits 0" || fail "setup.exe /S (see $work/wine.log)"
	# Installing again over it (an upgrade) must not lose track of what the
	# first install created.
	wine_run 120 "$setup" /S && pass "setup.exe /S again over the install" || fail "second setup.exe /S"
	expect_file "$plugin/bin/64bit/obs-tdshm.dll" "ProgramData\\obs-studio\\plugins\\obs-tdshm\\bin\\64bit\\obs-tdshm.dll"
	expect_file "$plugin/bin/64bit/tdshm.exe" "...\\bin\\64bit\\tdshm.exe"
	expect_file "$plugin/data/locale/en-US.ini" "...\\data\\locale\\en-US.ini"
	expect_file "$plugin/uninstall-obs-tdshm.exe" "...\\uninstall-obs-tdshm.exe"
	if cmp -s "$plugin/bin/64bit/obs-tdshm.dll" "$win/stage/obs-tdshm.dll"; then
		pass "installed DLL is the built one"
	else
		fail "installed DLL differs from $win/stage/obs-tdshm.dll"
	fi
	wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\obs-tdshm' >/dev/null 2>&1 &&
		pass "Add/Remove Programs entry written" || fail "no Uninstall registry entry"

	echo "--- Windows: the installed DLL loads and registers its sources (stand-in obs.dll)"
	# No Windows OBS here: load_module.exe loads the installed DLL as OBS does,
	# beside stand-ins for obs.dll / obs-frontend-api.dll built from the same
	# .def files, checks obs_module_ver against the headers and runs
	# obs_module_load. Proves the imports resolve and the entry runs; not
	# rendering.
	local lc="$win/loadcheck" lc_src="$root/installer/windows/loadcheck" api
	mkdir -p "$lc/no-frontend"
	api=$(($(printf '#include <obs-config.h>\nLIBOBS_API_VER\n' | gcc -E -P -I/usr/include/obs - | tail -n 1)))
	if x86_64-w64-mingw32-gcc-win32 -std=c11 -Wall -Wextra -Werror -O1 -static-libgcc \
		-o "$lc/load_module.exe" "$lc_src/load_module.c" &&
		bash "$lc_src/stub_dll.sh" "$win/obs-sdk/lib/obs.def" "$lc/obs.dll" "$lc_src/stub_register.c" &&
		bash "$lc_src/stub_dll.sh" "$win/obs-sdk/lib/obs-frontend-api.def" "$lc/obs-frontend-api.dll"; then
		local load_output
		load_output=$(cd "$lc" && timeout 60 wine load_module.exe \
			'C:\ProgramData\obs-studio\plugins\obs-tdshm\bin\64bit\obs-tdshm.dll' "$api" 2>&1)
		sed 's/^/       /' <<<"$load_output"
		if grep -q '^OK: obs_module_load returned true' <<<"$load_output" &&
			grep -q '^registered source tdshm_top_source ' <<<"$load_output"; then
			pass "obs-tdshm.dll loads, was built for libobs API $((api >> 24)).$(((api >> 16) & 255)).$((api & 65535)), registers tdshm_top_source"
		else
			fail "obs-tdshm.dll did not load and register its sources"
		fi
		# Without obs-frontend-api.dll beside it the load must fail (126: a
		# DLL is missing), or the check above proves nothing.
		cp "$lc/load_module.exe" "$lc/obs.dll" "$lc/no-frontend/"
		load_output=$(cd "$lc/no-frontend" && timeout 60 wine load_module.exe \
			'C:\ProgramData\obs-studio\plugins\obs-tdshm\bin\64bit\obs-tdshm.dll' "$api" 2>&1)
		grep -q '^FAIL: LoadLibrary.*error 126' <<<"$load_output" &&
			pass "the load check fails when obs-frontend-api.dll is missing" ||
			fail "the load check did not notice a missing DLL: $load_output"
	else
		fail "building the load check"
	fi

	echo "--- Windows: the installed tdshm.exe sends to and receives from itself"
	local exe="$plugin/bin/64bit/tdshm.exe" name="tdshm-wine-$$"
	timeout 60 wine "$exe" send "$name" --size 640x360 --format bgra8 --pattern bars --fps 30 \
		>"$work/wine-send.log" 2>&1 &
	local sender=$!
	local receive_output
	receive_output=$(timeout 60 wine "$exe" receive "$name" --frames 30 --expect bars --timeout 30 2>&1)
	local receive_status=$?
	kill "$sender" 2>/dev/null
	wait "$sender" 2>/dev/null
	echo "$receive_output" | tail -n 3 | sed 's/^/       /'
	if [ $receive_status -eq 0 ]; then
		pass "tdshm.exe receive got 30 frames of bars from tdshm.exe send (Windows backend under Wine)"
	else
		fail "tdshm.exe receive exited $receive_status (sender log: $(tail -n 2 "$work/wine-send.log" | tr '\n' ' '))"
	fi

	wine_run 120 "$plugin/uninstall-obs-tdshm.exe" /S || fail "uninstall-obs-tdshm.exe /S"
	expect_same_tree "$before" "$programdata" "the uninstaller leaves ProgramData as before" "the uninstaller left"
	wine reg query 'HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\obs-tdshm' >/dev/null 2>&1 &&
		fail "the Uninstall registry entry is still there" || pass "Uninstall registry entry removed"

	echo "--- Windows: portable OBS folder"
	local portable="$drive_c/obs-portable"
	rm -rf "$portable"
	mkdir -p "$portable/bin/64bit" "$portable/data/obs-studio" "$portable/obs-plugins/64bit"
	touch "$portable/bin/64bit/obs64.exe" "$portable/portable_mode.txt"
	before=$(tree_list "$portable")
	if wine_run 120 "$setup" /S '/PORTABLE=C:\no-such-obs'; then
		fail "setup.exe /PORTABLE=C:\\no-such-obs succeeded"
	else
		[ -e "$drive_c/no-such-obs" ] && fail "setup.exe created C:\\no-such-obs" ||
			pass "setup.exe refuses a portable folder that does not exist"
	fi
	wine_run 120 "$setup" /S '/PORTABLE=C:\obs-portable' || fail "setup.exe /S /PORTABLE=C:\\obs-portable"
	expect_file "$portable/obs-plugins/64bit/obs-tdshm.dll" "portable: obs-plugins\\64bit\\obs-tdshm.dll"
	expect_file "$portable/data/obs-plugins/obs-tdshm/locale/en-US.ini" "portable: data\\obs-plugins\\obs-tdshm\\locale\\en-US.ini"
	[ -e "$plugin" ] && fail "portable install also wrote to ProgramData" || pass "portable install left ProgramData alone"
	wine_run 120 "$portable/data/obs-plugins/obs-tdshm/uninstall-obs-tdshm.exe" /S ||
		fail "portable uninstaller"
	expect_same_tree "$before" "$portable" "portable: the uninstaller leaves the OBS folder as before" "portable: the uninstaller left"
	rm -rf "$portable"
	timeout 20 wineserver -k 2>/dev/null
	unset DISPLAY
}

echo "--- building (native, prefix /usr) in $linux_build"
if ! build_linux; then
	echo "FAIL: the Linux build failed; nothing to install"
	exit 1
fi
for part in "${parts[@]}"; do
	"part_$part"
done

if [ ${#failures[@]} -gt 0 ]; then
	echo "installer stage: ${#failures[@]} failed:"
	printf '  - %s\n' "${failures[@]}"
	exit 1
fi
echo "installer stage: all checks passed"
