/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Processes, time, randomness and the name limit on POSIX systems. */
#define _DEFAULT_SOURCE
#define _DARWIN_C_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "tdshm/platform.h"

/* getentropy() is in <unistd.h> on glibc and in <sys/random.h> on macOS. */
#if defined(__APPLE__)
#include <sys/random.h>
#endif

/* macOS limits shm_open names to PSHMNAMLEN (31) characters. */
#define TDSHM_APPLE_SHM_NAME_MAX 31
/* glibc keeps segments as files in /dev/shm: a file name's limit applies. */
#ifdef NAME_MAX
#define TDSHM_SYSTEM_SHM_NAME_MAX NAME_MAX
#else
#define TDSHM_SYSTEM_SHM_NAME_MAX 255
#endif

uint32_t tdshm_process_id(void)
{
	return (uint32_t)getpid();
}

bool tdshm_process_alive(uint32_t pid)
{
	if (pid == 0 || pid > (uint32_t)INT32_MAX)
		return false;
	/* EPERM means it exists but belongs to someone else: alive. */
	return kill((pid_t)pid, 0) == 0 || errno != ESRCH;
}

uint64_t tdshm_clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t tdshm_clock_ms(void)
{
	return tdshm_clock_ns() / 1000000u;
}

void tdshm_sleep_ms(uint32_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
	/* Resume after signals so the caller's bound holds from both sides. */
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}

static bool tdshm_random_from_urandom(uint8_t *out, size_t len)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t done = 0;
	while (done < len) {
		ssize_t n = read(fd, out + done, len - done);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		done += (size_t)n;
	}
	close(fd);
	return done == len;
}

void tdshm_random_bytes(void *buf, size_t len)
{
	uint8_t *out = buf;
	size_t done = 0;
	/* getentropy takes at most 256 bytes a call. */
	while (done < len) {
		size_t chunk = len - done > 256 ? 256 : len - done;
		if (getentropy(out + done, chunk) != 0)
			break;
		done += chunk;
	}
	if (done == len || tdshm_random_from_urandom(out + done, len - done))
		return;
	/* No system randomness at all (a locked-down sandbox): postfixes only
	 * need to differ from the last one, so a clock-seeded mix is enough. */
	uint64_t state = tdshm_clock_ns() ^ ((uint64_t)getpid() << 32);
	for (size_t i = done; i < len; i++) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		out[i] = (uint8_t)state;
	}
}

size_t tdshm_platform_name_max(void)
{
	const char *env = getenv("TDSHM_POSIX_NAME_MAX");
	if (env && env[0]) {
		char *end = NULL;
		errno = 0;
		unsigned long value = strtoul(env, &end, 10);
		/* Ignore nonsense rather than break every name: a limit must
		 * still hold the directory's own names and values. */
		if (errno == 0 && end && *end == '\0' && value >= 24 && value <= 4096)
			return (size_t)value;
	}
#if defined(__APPLE__)
	return TDSHM_APPLE_SHM_NAME_MAX;
#else
	return TDSHM_SYSTEM_SHM_NAME_MAX;
#endif
}
