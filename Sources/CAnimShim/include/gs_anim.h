/* gs_anim.h — animated GIF (giflib) and animated lossless WebP (libwebp's WebPAnimEncoder) to and from memory,
 * for gansynth's GanImage module (interpolate --video).
 *
 * PIXEL CONTRACT: `count` frames of w x h pixels, each 8 bits per channel, channels interleaved, rows top to
 * bottom, frames one after another without gaps (frame k starts at k*w*h*comps). comps is 1 (gray) or 3 (RGB).
 *
 * GIF: gray frames get the exact 256-level gray palette (pixel value = palette index), so they decode to the
 * same values; RGB frames share one 256-colour palette quantized from all frames together (giflib's
 * GifQuantizeBuffer, median cut), so colours do not flicker from frame to frame. Frames loop forever
 * (NETSCAPE2.0) and each shows `delay_cs` hundredths of a second.
 * WebP: every frame lossless (exact pixels), frame k shown from timestamp_ms[k] to timestamp_ms[k+1]
 * (the last one until end_ms), looping forever.
 *
 * STATUS CONTRACT: 0 on success; otherwise nonzero, a NUL-terminated one-line message (< GS_ANIM_ERR_LEN bytes)
 * in err, *out NULL, everything freed. Nothing prints or exits. Buffers from this shim are freed with
 * gs_anim_free(). The decoders exist to check the encoders; they return frames as RGB (comps 3).
 *
 * SIZE LIMIT: count * w * h above GS_ANIM_MAX_PIXELS (2^28) is refused before any allocation.
 */
#ifndef GS_ANIM_H
#define GS_ANIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GS_ANIM_MAX_PIXELS ((uint64_t)1 << 28)
#define GS_ANIM_ERR_LEN 200

int gs_gif_encode(const uint8_t *frames, int count, int w, int h, int comps, int delay_cs,
                  uint8_t **out, size_t *out_len, char err[GS_ANIM_ERR_LEN]);
int gs_webp_encode(const uint8_t *frames, int count, int w, int h, int comps, const int *timestamp_ms, int end_ms,
                   uint8_t **out, size_t *out_len, char err[GS_ANIM_ERR_LEN]);

/* *frames: count * w * h * 3 bytes (RGB); *delays: per-frame duration (GIF: hundredths of a second, WebP: ms). */
int gs_gif_decode(const uint8_t *data, size_t len, uint8_t **frames, int **delays, int *count, int *w, int *h,
                  char err[GS_ANIM_ERR_LEN]);
int gs_webp_decode(const uint8_t *data, size_t len, uint8_t **frames, int **delays, int *count, int *w, int *h,
                   char err[GS_ANIM_ERR_LEN]);

void gs_anim_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
