/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tdshm_td_waiter NAME [once]: takes and gives back the data lock of Shared
 * Mem Name NAME over and over (once: one take with a 10 s deadline, then
 * exit), exactly as docs/protocol.md §1 describes
 * TouchDesigner doing it: take the mutex, wait on the condition variable
 * (100 ms deadline) while `locked` is set, set it, give the mutex back;
 * release under the mutex with a signal. Tests kill or stop it, often in
 * the middle of a wait, as a crashing or debugged TouchDesigner would be.
 * A test helper: a separate process, like TD. */
#define _DEFAULT_SOURCE

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "td_lock_posix.h"
#include "tdshm/names.h"

int main(int argc, char **argv)
{
	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: %s NAME [once]\n", argv[0]);
		return 2;
	}
	char lock_name[TDSHM_FULL_NAME_CAP];
	tdshm_error err;
	if (tdshm_name_data_lock(argv[1], lock_name, sizeof(lock_name), &err) != TDSHM_OK) {
		fprintf(stderr, "tdshm_td_waiter: %s\n", err.message);
		return 1;
	}
	tdshm_test_td_block *block = tdshm_test_td_block_map(lock_name);
	if (!block) {
		perror("tdshm_td_waiter: shm_open/mmap");
		return 1;
	}
	bool once = argc == 3;
	for (;;) {
		struct timespec deadline;
		tdshm_test_realtime_deadline(&deadline, once ? 10000 : 100);
		bool got = tdshm_test_td_acquire(block, &deadline, -1);
		if (got) {
			usleep(2000); /* "reads the frame" */
			tdshm_test_td_release(block);
		}
		if (once)
			return got ? 0 : 1;
		usleep(1000);
	}
}
