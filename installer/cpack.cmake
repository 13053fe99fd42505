# SPDX-License-Identifier: GPL-2.0-or-later
# Packaging, included at the end of the top-level CMakeLists.txt.
#
# The Debian package (`cpack -G DEB` in a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr) holds exactly what the install rules install:
#   /usr/lib/x86_64-linux-gnu/obs-plugins/obs-tdshm.so    where Debian's OBS loads modules
#   /usr/share/obs/obs-plugins/obs-tdshm/                 its data (locale, effects)
#   /usr/bin/tdshm                                        the command-line tool
# The Windows installer is installer/windows/ (NSIS, built by its own script),
# the macOS package installer/macos/ (pkgbuild).

# The self-check program (installer/selfcheck.sh runs it) is built wherever
# the module is; it is test glue, so it has no install rule and stays out of
# every package.
if(TARGET obs-tdshm AND UNIX AND NOT APPLE)
  add_subdirectory("${CMAKE_CURRENT_LIST_DIR}/selfcheck" "${CMAKE_BINARY_DIR}/installer/selfcheck")
endif()

if(UNIX AND NOT APPLE AND NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  # GNUInstallDirs picks the multiarch libdir (lib/x86_64-linux-gnu) only for
  # the /usr prefix, and that is where Debian's OBS looks.
  message(STATUS "obs-tdshm: CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}; "
                 "configure with -DCMAKE_INSTALL_PREFIX=/usr to build a .deb for Debian's OBS")
endif()

set(CPACK_PACKAGE_NAME "obs-tdshm")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "obs-tdshm contributors")
set(CPACK_PACKAGE_CONTACT "obs-tdshm contributors <obs-tdshm@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "OBS Studio plugin: video and audio to and from TouchDesigner via shared memory")
set(CPACK_PACKAGE_DESCRIPTION
    "Sources and filters that read and write TouchDesigner's Shared Mem Out/In TOP and CHOP\n\
segments (Shared Mem Type: Local), plus the tdshm tool that plays TouchDesigner's part.")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
set(CPACK_GENERATOR "DEB")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "video")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# libobs0 by name, as the module only loads into Debian's libobs; the
# versioned library dependencies (libc6, libobs0 >= 29) come from
# dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "libobs0")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "obs-studio")

include(CPack)
