/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parts of the stand-in obs.dll that report what the module registers
 * (every other export is a generated stub returning 0). Only the leading id
 * field of each info struct is read, the one layout fact shared by
 * obs_source_info and obs_output_info. */
#include <stddef.h>
#include <stdio.h>

struct id_first {
	const char *id;
};

__declspec(dllexport) void obs_register_source_s(const struct id_first *info, size_t size)
{
	printf("registered source %s (%zu-byte info)\n", info->id, size);
	fflush(stdout);
}

__declspec(dllexport) void obs_register_output_s(const struct id_first *info, size_t size)
{
	printf("registered output %s (%zu-byte info)\n", info->id, size);
	fflush(stdout);
}
