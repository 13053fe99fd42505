/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A ring of staging surfaces so a frame rendered now is read back on the CPU
 * two frames later, when the GPU has long finished with it: mapping never
 * waits for the copy of the current frame. Graphics thread only, inside
 * obs_enter_graphics (or a render callback). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <graphics/graphics.h>

#define TDSHM_READBACK_SLOTS 3
/* Frames between staging a texture and mapping it. */
#define TDSHM_READBACK_DELAY 2

typedef struct tdshm_readback_slot {
	gs_stagesurf_t *surface;
	bool staged; /* holds a frame not yet mapped */
	uint32_t width, height;
	enum gs_color_format format;
} tdshm_readback_slot;

typedef struct tdshm_readback_ring {
	tdshm_readback_slot slots[TDSHM_READBACK_SLOTS];
	uint64_t frame; /* frames staged since the last reset */
	int mapped;     /* slot mapped now, -1 if none */
} tdshm_readback_ring;

void tdshm_readback_ring_init(tdshm_readback_ring *ring);
/* Forgets staged frames (after a pause their content is stale). */
void tdshm_readback_ring_reset(tdshm_readback_ring *ring);
/* Frees the surfaces. */
void tdshm_readback_ring_free(tdshm_readback_ring *ring);

/* Copies texture (width x height, format) into the next slot, creating or
 * re-creating that slot's surface when the size or format changed. false if
 * the surface could not be created. */
bool tdshm_readback_ring_stage(tdshm_readback_ring *ring, gs_texture_t *texture);

/* Maps the frame staged TDSHM_READBACK_DELAY frames ago, if there is one.
 * The mapping stays valid until tdshm_readback_ring_unmap. */
bool tdshm_readback_ring_map(tdshm_readback_ring *ring, uint8_t **data, uint32_t *linesize,
			     uint32_t *width, uint32_t *height, enum gs_color_format *format);
void tdshm_readback_ring_unmap(tdshm_readback_ring *ring);
