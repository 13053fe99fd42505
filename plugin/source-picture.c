/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video source's texture and its draw. The upload maps the texture's
 * upload buffer and copies into it itself (what gs_texture_set_image does
 * inside), so the benchmark can tell the plugin's copy from the driver's
 * texture update (the unmap).
 *
 * Rows go in TD's order (bottom row first) and the draw flips: a frame is
 * then one streaming copy (stores around the caches: the driver reads the
 * buffer only at unmap), where a copy row by row in reversed order wrote
 * through the caches at up to 2.8x the time (4K RGBA32F: 13 ms against
 * 37 ms here; tests/obs/obs_bench_source.c). */
#include "source-picture.h"

#include "plugin-log.h"
#include "tdshm/pixel_convert.h"

bool tdshm_source_picture_init(tdshm_source_picture *pic, obs_source_t *owner)
{
	char *path = obs_module_file("tdshm_source.effect");
	obs_enter_graphics();
	pic->effect = path ? gs_effect_create_from_file(path, NULL) : NULL;
	if (pic->effect) {
		pic->param_image = gs_effect_get_param_by_name(pic->effect, "image");
		pic->param_decode_srgb = gs_effect_get_param_by_name(pic->effect, "decode_srgb");
		pic->param_multiplier = gs_effect_get_param_by_name(pic->effect, "multiplier");
	}
	obs_leave_graphics();
	bfree(path);
	if (!pic->effect) {
		tdshm_log(LOG_ERROR, owner,
			  "cannot load tdshm_source.effect: reinstall the plugin");
		return false;
	}
	return true;
}

void tdshm_source_picture_free(tdshm_source_picture *pic)
{
	obs_enter_graphics();
	gs_texture_destroy(pic->texture);
	gs_effect_destroy(pic->effect);
	obs_leave_graphics();
	pic->texture = NULL;
	pic->effect = NULL;
}

bool tdshm_source_picture_fits(const tdshm_source_picture *pic, const tdshm_top_image *image,
			       const tdshm_texture_plan *plan)
{
	return pic->texture && pic->width == image->width && pic->height == image->height &&
	       pic->format == plan->gs_format;
}

static bool tdshm_source_picture_ensure(tdshm_source_picture *pic, obs_source_t *owner,
					const tdshm_top_image *image,
					const tdshm_texture_plan *plan)
{
	if (tdshm_source_picture_fits(pic, image, plan))
		return true;
	gs_texture_destroy(pic->texture);
	pic->texture =
	    gs_texture_create(image->width, image->height, plan->gs_format, 1, NULL, GS_DYNAMIC);
	if (!pic->texture)
		return false;
	pic->width = image->width;
	pic->height = image->height;
	pic->format = plan->gs_format;
	tdshm_log(LOG_INFO, owner, "image %ux%u %s, texture %s%s", image->width, image->height,
		  image->format->name, tdshm_texture_format_name(plan->gs_format),
		  plan->convert ? " (converted while copying)" : "");
	return true;
}

static void tdshm_source_picture_copy(uint8_t *mapped, uint32_t linesize, const uint8_t *pixels,
				      const tdshm_top_image *image, const tdshm_texture_plan *plan)
{
	if (!plan->convert && linesize == image->row_bytes) {
		tdshm_copy_streaming(mapped, pixels, (size_t)image->row_bytes * image->height);
		return;
	}
	const size_t row = image->row_bytes < linesize ? image->row_bytes : linesize;
	for (uint32_t y = 0; y < image->height; y++) {
		const uint8_t *src = pixels + (size_t)y * image->row_bytes;
		uint8_t *dst = mapped + (size_t)y * linesize;
		if (plan->convert)
			tdshm_texture_convert_row(image->format, src, dst, image->width);
		else
			tdshm_copy_streaming(dst, src, row);
	}
}

bool tdshm_source_picture_upload(tdshm_source_picture *pic, obs_source_t *owner,
				 const uint8_t *pixels, const tdshm_top_image *image,
				 const tdshm_texture_plan *plan, bool flip,
				 tdshm_source_frame_time *ft, const char **error)
{
	if (!tdshm_source_picture_ensure(pic, owner, image, plan)) {
		*error = "the graphics driver could not create the texture";
		return false;
	}
	uint64_t t0 = tdshm_timing_now(ft);
	uint8_t *mapped;
	uint32_t linesize;
	if (!gs_texture_map(pic->texture, &mapped, &linesize)) {
		*error = "the graphics driver could not map the texture";
		return false;
	}
	uint64_t t1 = tdshm_timing_now(ft);
	tdshm_source_picture_copy(mapped, linesize, pixels, image, plan);
	uint64_t t2 = tdshm_timing_now(ft);
	gs_texture_unmap(pic->texture);
	if (ft) {
		uint64_t t3 = os_gettime_ns();
		ft->map_ns = t1 - t0;
		ft->copy_ns = t2 - t1;
		ft->unmap_ns = t3 - t2;
	}
	pic->high_precision = plan->high_precision;
	pic->flip = flip;
	pic->has_frame = true;
	return true;
}

void tdshm_source_picture_draw(const tdshm_source_picture *pic, enum tdshm_alpha_mode alpha)
{
	const enum gs_color_space space = gs_get_color_space();
	const bool target_linear = space != GS_CS_SRGB;
	const float multiplier =
	    space == GS_CS_709_SCRGB ? obs_get_video_sdr_white_level() / 80.0f : 1.0f;
	const char *technique = alpha == ALPHA_MODE_STRAIGHT ? "DrawStraight"
				: alpha == ALPHA_MODE_OPAQUE ? "DrawOpaque"
							     : "DrawPremultiplied";
	gs_effect_set_texture(pic->param_image, pic->texture);
	/* TD's values are display-encoded, whatever the pixel format: TD's own
	 * Shared Mem In TOP copies them unchanged, and the version-2 header's
	 * transfer field is not verified against TD (docs/protocol.md §3). So an SDR
	 * canvas takes them as they are; a linear one gets them decoded. */
	gs_effect_set_float(pic->param_decode_srgb, target_linear ? 1.0f : 0.0f);
	gs_effect_set_float(pic->param_multiplier, multiplier);

	/* The shader returns values in the target's own encoding: no hardware
	 * sRGB conversion on top. */
	const bool previous_srgb = gs_framebuffer_srgb_enabled();
	gs_enable_framebuffer_srgb(false);
	gs_blend_state_push();
	gs_blend_function(GS_BLEND_ONE, GS_BLEND_INVSRCALPHA);
	while (gs_effect_loop(pic->effect, technique))
		gs_draw_sprite(pic->texture, pic->flip ? GS_FLIP_V : 0, pic->width, pic->height);
	gs_blend_state_pop();
	gs_enable_framebuffer_srgb(previous_srgb);
}

enum gs_color_space tdshm_source_picture_color_space(const tdshm_source_picture *pic, size_t count,
						     const enum gs_color_space *preferred)
{
	if (!pic->high_precision)
		return GS_CS_SRGB;
	/* Keep 16-bit and float pictures at full precision where the canvas
	 * can hold them. */
	for (size_t i = 0; i < count; i++)
		if (preferred[i] == GS_CS_709_EXTENDED)
			return GS_CS_709_EXTENDED;
	for (size_t i = 0; i < count; i++)
		if (preferred[i] == GS_CS_SRGB_16F)
			return GS_CS_SRGB_16F;
	return GS_CS_SRGB;
}
