/* SPDX-License-Identifier: GPL-2.0-or-later */
/* POSIX cannot count who maps a shm_open object, and needs not: a name is
 * removed by its sender (or taken over by a restarted one) whoever still maps
 * the object, and tdshm_shm_is_current tells a receiver so. */
#include "tdshm/platform.h"

tdshm_status tdshm_shm_sole_holder(const tdshm_shm *shm, bool *alone, tdshm_error *err)
{
	(void)shm;
	*alone = false;
	return tdshm_error_set(err, TDSHM_NOT_FOUND,
			       "this system does not count the holders of a segment");
}
