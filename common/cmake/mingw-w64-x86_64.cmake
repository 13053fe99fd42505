# SPDX-License-Identifier: GPL-2.0-or-later
# Cross-compiles for 64-bit Windows with Debian's mingw-w64 (gcc-mingw-w64-x86-64):
#   cmake -DCMAKE_TOOLCHAIN_FILE=common/cmake/mingw-w64-x86_64.cmake ...
# The results run under Wine (tests/ci/stage-windows.sh) and on Windows 10+.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(TDSHM_MINGW_TRIPLE x86_64-w64-mingw32)
# The win32-threads flavour: no winpthread DLL to ship beside every .exe.
find_program(CMAKE_C_COMPILER NAMES ${TDSHM_MINGW_TRIPLE}-gcc-win32 ${TDSHM_MINGW_TRIPLE}-gcc REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${TDSHM_MINGW_TRIPLE}-windres)
find_program(CMAKE_AR NAMES ${TDSHM_MINGW_TRIPLE}-gcc-ar-win32 ${TDSHM_MINGW_TRIPLE}-ar)
find_program(CMAKE_RANLIB NAMES ${TDSHM_MINGW_TRIPLE}-gcc-ranlib-win32 ${TDSHM_MINGW_TRIPLE}-ranlib)

# Look for libraries and headers in the mingw sysroot and in the prefixes the
# caller adds (e.g. the cross-built cmocka), never in the host's /usr.
set(CMAKE_FIND_ROOT_PATH /usr/${TDSHM_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# mingw's C99 printf family: %zu, %lld and PRIu64 work as on Linux (msvcrt's
# own printf does not know %zu on older Windows).
set(CMAKE_C_FLAGS_INIT "-D__USE_MINGW_ANSI_STDIO=1")

# Programs run under Wine without the mingw runtime DLLs next to them.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc")
# The plugin is a MODULE library: OBS does not ship libgcc_s_seh-1.dll.
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc")
# So CTest/try_run could run target programs through Wine when asked to.
find_program(TDSHM_WINE NAMES wine)
if(TDSHM_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${TDSHM_WINE})
endif()
