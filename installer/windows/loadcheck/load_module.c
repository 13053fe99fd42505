/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loads an OBS module DLL the way OBS on Windows does (LoadLibrary, then the
 * exports OBS_DECLARE_MODULE defines) and runs its obs_module_load. Used
 * under Wine with stand-in obs.dll / obs-frontend-api.dll (stub_dll.sh) to
 * prove the cross-built plugin loads with every import resolved, was built
 * for the libobs API of the headers, and registers its sources. It proves
 * nothing about rendering: no real OBS runs here. Test glue, never shipped. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

typedef uint32_t (*module_ver_fn)(void);
typedef void (*module_set_pointer_fn)(void *module);
typedef int (*module_load_fn)(void); /* bool in C; int-sized in the ABI's al */

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: load_module.exe MODULE.dll EXPECTED_API_VERSION\n");
		return 2;
	}
	/* The standard search finds the stand-in obs.dll beside this program. */
	HMODULE module = LoadLibraryA(argv[1]);
	if (!module) {
		/* 126: a DLL it imports is missing; 127: an imported symbol is. */
		printf("FAIL: LoadLibrary(%s) failed with error %lu\n", argv[1], GetLastError());
		return 1;
	}
	module_ver_fn module_ver = (module_ver_fn)(void *)GetProcAddress(module, "obs_module_ver");
	module_set_pointer_fn set_pointer =
	    (module_set_pointer_fn)(void *)GetProcAddress(module, "obs_module_set_pointer");
	module_load_fn load = (module_load_fn)(void *)GetProcAddress(module, "obs_module_load");
	if (!module_ver || !set_pointer || !load) {
		printf("FAIL: %s lacks obs_module_ver, obs_module_set_pointer or obs_module_load\n",
		       argv[1]);
		return 1;
	}
	uint32_t version = module_ver();
	uint32_t expected = (uint32_t)strtoul(argv[2], NULL, 0);
	printf("module API version %u.%u.%u\n", version >> 24, (version >> 16) & 0xff,
	       version & 0xffff);
	if (version != expected) {
		printf("FAIL: built for API 0x%08x, expected 0x%08x\n", version, expected);
		return 1;
	}
	static char fake_module; /* only stored by the module, never read here */
	set_pointer(&fake_module);
	if ((load() & 0xff) == 0) {
		printf("FAIL: obs_module_load returned false\n");
		return 1;
	}
	printf("OK: obs_module_load returned true\n");
	fflush(stdout);
	return 0;
}
