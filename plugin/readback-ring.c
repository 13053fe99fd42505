/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "readback-ring.h"

void tdshm_readback_ring_init(tdshm_readback_ring *ring)
{
	for (int i = 0; i < TDSHM_READBACK_SLOTS; i++) {
		ring->slots[i].surface = NULL;
		ring->slots[i].staged = false;
		ring->slots[i].width = ring->slots[i].height = 0;
		ring->slots[i].format = GS_UNKNOWN;
	}
	ring->frame = 0;
	ring->mapped = -1;
}

void tdshm_readback_ring_reset(tdshm_readback_ring *ring)
{
	tdshm_readback_ring_unmap(ring);
	for (int i = 0; i < TDSHM_READBACK_SLOTS; i++)
		ring->slots[i].staged = false;
	ring->frame = 0;
}

void tdshm_readback_ring_free(tdshm_readback_ring *ring)
{
	tdshm_readback_ring_unmap(ring);
	for (int i = 0; i < TDSHM_READBACK_SLOTS; i++)
		gs_stagesurface_destroy(ring->slots[i].surface);
	tdshm_readback_ring_init(ring);
}

bool tdshm_readback_ring_stage(tdshm_readback_ring *ring, gs_texture_t *texture)
{
	uint32_t width = gs_texture_get_width(texture);
	uint32_t height = gs_texture_get_height(texture);
	enum gs_color_format format = gs_texture_get_color_format(texture);
	tdshm_readback_slot *slot = &ring->slots[ring->frame % TDSHM_READBACK_SLOTS];

	if (ring->mapped == (int)(slot - ring->slots))
		tdshm_readback_ring_unmap(ring);
	if (!slot->surface || slot->width != width || slot->height != height ||
	    slot->format != format) {
		gs_stagesurface_destroy(slot->surface);
		slot->surface = gs_stagesurface_create(width, height, format);
		slot->width = width;
		slot->height = height;
		slot->format = format;
	}
	slot->staged = false;
	if (!slot->surface)
		return false;
	gs_stage_texture(slot->surface, texture);
	slot->staged = true;
	ring->frame++;
	return true;
}

bool tdshm_readback_ring_map(tdshm_readback_ring *ring, uint8_t **data, uint32_t *linesize,
			     uint32_t *width, uint32_t *height, enum gs_color_format *format)
{
	tdshm_readback_ring_unmap(ring);
	/* The newest staged frame is number frame-1; the one DELAY frames older
	 * sits in a slot the last DELAY stages did not touch. */
	if (ring->frame < TDSHM_READBACK_DELAY + 1)
		return false;
	int index = (int)((ring->frame - 1 - TDSHM_READBACK_DELAY) % TDSHM_READBACK_SLOTS);
	tdshm_readback_slot *slot = &ring->slots[index];
	if (!slot->staged || !slot->surface)
		return false;
	if (!gs_stagesurface_map(slot->surface, data, linesize))
		return false;
	slot->staged = false;
	ring->mapped = index;
	*width = slot->width;
	*height = slot->height;
	*format = slot->format;
	return true;
}

void tdshm_readback_ring_unmap(tdshm_readback_ring *ring)
{
	if (ring->mapped < 0)
		return;
	gs_stagesurface_unmap(ring->slots[ring->mapped].surface);
	ring->mapped = -1;
}
