/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _DEFAULT_SOURCE

#include "td_lock_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void tdshm_test_realtime_deadline(struct timespec *deadline, uint32_t ms)
{
	clock_gettime(CLOCK_REALTIME, deadline);
	deadline->tv_sec += ms / 1000;
	deadline->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

tdshm_test_td_block *tdshm_test_td_block_map(const char *lock_name)
{
	int fd = shm_open(lock_name, O_RDWR, 0);
	if (fd < 0)
		return NULL;
	void *map =
	    mmap(NULL, sizeof(tdshm_test_td_block), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	int saved = errno;
	close(fd);
	errno = saved;
	return map == MAP_FAILED ? NULL : map;
}

static void lock_mutex(tdshm_test_td_block *block)
{
	if (pthread_mutex_lock(&block->mutex) == EOWNERDEAD)
		pthread_mutex_consistent(&block->mutex);
}

bool tdshm_test_td_acquire(tdshm_test_td_block *block, const struct timespec *deadline,
			   int ready_fd)
{
	lock_mutex(block);
	if (ready_fd >= 0 && write(ready_fd, "r", 1) != 1) {
		pthread_mutex_unlock(&block->mutex);
		return false;
	}
	int rc = 0;
	while (block->locked && rc != ETIMEDOUT) {
		rc = pthread_cond_timedwait(&block->cond, &block->mutex, deadline);
		if (rc == EOWNERDEAD)
			pthread_mutex_consistent(&block->mutex);
	}
	bool got = !block->locked;
	if (got)
		block->locked = true;
	pthread_mutex_unlock(&block->mutex);
	return got;
}

void tdshm_test_td_release(tdshm_test_td_block *block)
{
	lock_mutex(block);
	block->locked = false;
	pthread_cond_signal(&block->cond);
	pthread_mutex_unlock(&block->mutex);
}

bool tdshm_test_process_sleeping(int pid)
{
	char path[64], line[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool sleeping = false;
	if (fgets(line, sizeof(line), f)) {
		const char *paren = strrchr(line, ')');
		sleeping = paren && paren[1] == ' ' && paren[2] == 'S';
	}
	fclose(f);
	return sleeping;
}
