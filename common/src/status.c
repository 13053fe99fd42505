/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>

#include "tdshm/status.h"

static tdshm_status error_setv(tdshm_error *err, tdshm_status status, const char *fmt, va_list args)
{
	if (err) {
		err->status = status;
		vsnprintf(err->message, sizeof(err->message), fmt, args);
	}
	return status;
}

tdshm_status tdshm_error_set(tdshm_error *err, tdshm_status status, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	error_setv(err, status, fmt, args);
	va_end(args);
	return status;
}

void tdshm_error_clear(tdshm_error *err)
{
	if (err) {
		err->status = TDSHM_OK;
		err->message[0] = '\0';
	}
}

const char *tdshm_status_name(tdshm_status status)
{
	switch (status) {
	case TDSHM_OK:
		return "ok";
	case TDSHM_NOT_FOUND:
		return "not found";
	case TDSHM_TIMED_OUT:
		return "timed out";
	case TDSHM_REFUSED:
		return "refused";
	case TDSHM_EXISTS:
		return "name taken";
	case TDSHM_GONE:
		return "sender gone";
	case TDSHM_INVALID_ARGUMENT:
		return "invalid argument";
	case TDSHM_SYSTEM_ERROR:
		return "system error";
	}
	return "unknown";
}
