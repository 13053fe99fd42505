/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Debian's libobs-dev ships only the POSIX half of util/threading.h's
 * platform pair, and util/threading.h includes "threading-windows.h" when
 * _WIN32 is defined. What it must provide are the inline os_atomic_*
 * helpers (nothing of it is exported by obs.dll, so no ABI is involved).
 * The POSIX header implements them with GCC's __atomic builtins, which
 * mingw-w64's gcc compiles for Windows just the same, so this stand-in
 * reuses it. Only for the mingw cross build (installer/windows/). */
#pragma once

#include <util/threading-posix.h>
