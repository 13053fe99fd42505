/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the receiving commands (receive, chop-receive) share about a read:
 * whether the segment holds anything yet, and whether it is a frame they
 * have not looked at. */
#include "tdshm/receiver.h"
#include "tool.h"

bool tool_segment_unwritten(const uint8_t *bytes, size_t size)
{
	return size >= 4 && !bytes[0] && !bytes[1] && !bytes[2] && !bytes[3];
}

bool tool_serial_fresh(tool_serial_seen *seen, const tdshm_receiver *receiver, bool *has_serial)
{
	uint64_t serial = 0;
	*has_serial = tdshm_receiver_frame_serial(receiver, &serial);
	bool fresh = !*has_serial || !seen->have || serial != seen->serial;
	/* A serial is looked at once, whatever it held: a bad frame is
	 * counted once, not on every poll until the next one. */
	if (fresh) {
		seen->have = *has_serial;
		seen->serial = serial;
	}
	return fresh;
}
