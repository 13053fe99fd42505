/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Results and user-facing error messages shared by every part of the core. */
#pragma once

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__MINGW32__)
/* mingw's "printf" archetype is msvcrt's, which lacks %zu; the Windows build
 * uses mingw's C99 stdio (__USE_MINGW_ANSI_STDIO=1, set in the toolchain file). */
#define TDSHM_MUST_CHECK __attribute__((warn_unused_result))
#define TDSHM_PRINTF(fmt_index, args_index)                                                        \
	__attribute__((format(gnu_printf, fmt_index, args_index)))
#elif defined(__GNUC__) || defined(__clang__)
#define TDSHM_MUST_CHECK __attribute__((warn_unused_result))
#define TDSHM_PRINTF(fmt_index, args_index) __attribute__((format(printf, fmt_index, args_index)))
#else
#define TDSHM_MUST_CHECK
#define TDSHM_PRINTF(fmt_index, args_index)
#endif

/* The distinctions a caller acts on differently: wait and retry (NOT_FOUND,
 * TIMED_OUT, GONE), tell the user the data is bad (REFUSED), tell the user the
 * name is taken (EXISTS), or report the system's own error (SYSTEM_ERROR). */
typedef enum tdshm_status {
	TDSHM_OK = 0,
	TDSHM_NOT_FOUND,        /* the segment or sender is not there (yet) */
	TDSHM_TIMED_OUT,        /* a bounded lock wait ran out */
	TDSHM_REFUSED,          /* shared memory holds data that fails validation */
	TDSHM_EXISTS,           /* another sender already owns the name */
	TDSHM_GONE,             /* the sender detached or vanished; handles dropped */
	TDSHM_INVALID_ARGUMENT, /* the caller's own input is unusable (e.g. name too long) */
	TDSHM_SYSTEM_ERROR,     /* the operating system refused; message has errno text */
} tdshm_status;

#define TDSHM_ERROR_MESSAGE_MAX 512

typedef struct tdshm_error {
	tdshm_status status;
	char message[TDSHM_ERROR_MESSAGE_MAX];
} tdshm_error;

/* Records status and a formatted message in err (which may be NULL) and
 * returns status, so failures read `return tdshm_error_set(err, ...)`. */
tdshm_status tdshm_error_set(tdshm_error *err, tdshm_status status, const char *fmt, ...)
    TDSHM_PRINTF(3, 4);
void tdshm_error_clear(tdshm_error *err);

/* Short stable name of a status ("timed out", "refused", ...). */
const char *tdshm_status_name(tdshm_status status);

#ifdef __cplusplus
}
#endif
