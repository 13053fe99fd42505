/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tdshm_lock_holder NAME MILLISECONDS: takes the data lock of Shared Mem Name
 * NAME and holds it, as a stuck TouchDesigner would, then releases it. Prints
 * "held" once it has it. A test helper: a separate process, like TD.
 * tdshm_lock_holder --full LOCK MILLISECONDS holds the lock of that full
 * object name instead (e.g. the POSIX name directory's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tdshm/names.h"
#include "tdshm/platform.h"

int main(int argc, char **argv)
{
	bool full = argc == 4 && strcmp(argv[1], "--full") == 0;
	if (argc != 3 && !full) {
		fprintf(stderr, "usage: %s [--full LOCK | NAME] MILLISECONDS\n", argv[0]);
		return 2;
	}
	if (full) {
		argv++;
		argc--;
	}
	char lock_name[TDSHM_FULL_NAME_CAP];
	tdshm_error err;
	tdshm_lock *lock = NULL;
	if (full)
		snprintf(lock_name, sizeof(lock_name), "%s", argv[1]);
	if ((!full &&
	     tdshm_name_data_lock(argv[1], lock_name, sizeof(lock_name), &err) != TDSHM_OK) ||
	    tdshm_lock_open(lock_name, &lock, &err) != TDSHM_OK ||
	    tdshm_lock_acquire(lock, 5000, &err) != TDSHM_OK) {
		fprintf(stderr, "tdshm_lock_holder: %s\n", err.message);
		if (lock)
			tdshm_lock_close(lock);
		return 1;
	}
	printf("held\n");
	fflush(stdout);
	tdshm_sleep_ms((uint32_t)strtoul(argv[2], NULL, 10));
	tdshm_lock_release(lock);
	tdshm_lock_close(lock);
	return 0;
}
