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

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "tdshm/names.h"

typedef struct td_block {
	pthread_mutex_t mutex;
	pthread_cond_t cond;
	bool locked;
} td_block;

static void lock_mutex(td_block *block)
{
	if (pthread_mutex_lock(&block->mutex) == EOWNERDEAD)
		pthread_mutex_consistent(&block->mutex);
}

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
	int fd = shm_open(lock_name, O_RDWR, 0);
	if (fd < 0) {
		perror("tdshm_td_waiter: shm_open");
		return 1;
	}
	td_block *block = mmap(NULL, sizeof(*block), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (block == MAP_FAILED) {
		perror("tdshm_td_waiter: mmap");
		return 1;
	}
	bool once = argc == 3;
	for (;;) {
		struct timespec deadline;
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += once ? 10 : 0;
		deadline.tv_nsec += once ? 0 : 100000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		lock_mutex(block);
		int rc = 0;
		while (block->locked && rc != ETIMEDOUT) {
			rc = pthread_cond_timedwait(&block->cond, &block->mutex, &deadline);
			if (rc == EOWNERDEAD)
				pthread_mutex_consistent(&block->mutex);
		}
		bool got = !block->locked;
		if (got)
			block->locked = true;
		pthread_mutex_unlock(&block->mutex);
		if (got) {
			usleep(2000); /* "reads the frame" */
			lock_mutex(block);
			block->locked = false;
			pthread_cond_signal(&block->cond);
			pthread_mutex_unlock(&block->mutex);
		}
		if (once)
			return got ? 0 : 1;
		usleep(1000);
	}
}
