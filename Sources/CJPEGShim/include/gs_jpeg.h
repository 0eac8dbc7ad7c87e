/* gs_jpeg.h — baseline JPEG encode/decode to and from memory, for gansynth's GanImage module.
 *
 * A thin, exit-free wrapper around libjpeg (libjpeg-turbo, API level 6b or later). It exists because libjpeg's
 * default error_exit calls exit() and its messages go to stderr; here errors longjmp back into this file and
 * come out as a status plus message, so the longjmp never crosses Swift frames. It does not read files or pick
 * formats; GanImage does that. Spec: libjpeg.txt (libjpeg-turbo), ITU-T T.81, JFIF 1.02.
 *
 * PIXEL CONTRACT (stb_image_write's):
 *   8 bits per channel, channels interleaved, rows top to bottom, `stride` bytes from one row's start to the
 *   next (>= w*comps; extra bytes are never read). comps is 1 (gray, JCS_GRAYSCALE) or 3 (RGB, JCS_RGB).
 *
 * STATUS CONTRACT (stb's 1-on-success is inverted; it reads like errno):
 *   Every function returns 0 on success. On failure it returns nonzero, writes a NUL-terminated one-line
 *   message (never longer than 199 bytes) into err, leaves *out NULL, and has already freed everything it
 *   allocated. Nothing prints and nothing calls exit()/abort().
 *
 * SIZE LIMIT:
 *   Images above GS_JPEG_MAX_PIXELS (2^28) are refused; the decoder checks the header before it allocates.
 *   (JPEG itself stops at 65535 x 65535.)
 *
 * THREADS: no global state; concurrent calls on different buffers are safe.
 */
#ifndef GS_JPEG_H
#define GS_JPEG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GS_JPEG_MAX_PIXELS ((uint64_t)1 << 28)
#define GS_JPEG_ERR_LEN 200

/* Encodes px (see PIXEL CONTRACT) as a baseline JFIF JPEG with libjpeg's standard tables scaled by quality
 * (1..100, anything else is an error; jpeg_set_quality with force_baseline). RGB is stored as YCbCr. Chroma
 * subsampling follows ImageMagick: quality >= 90 keeps full chroma resolution (4:4:4); below 90 it is
 * libjpeg's default 4:2:0 (2x2), which halves color resolution, so edges between saturated colors bleed by a
 * pixel or so — on a 6x5 red-on-blue test image that is a mean error of ~60 levels, against < 1 at 4:4:4.
 * Gray is stored as one component, so it decodes back as gray. Huffman tables are optimized (smaller file, same pixels); the DCT is the accurate integer
 * (JDCT_ISLOW) one. No EXIF, no comment marker.
 * On success *out is a malloc'ed buffer of *out_len bytes; release it with gs_jpeg_free() (or free()). */
int gs_jpeg_encode(const uint8_t *px, int w, int h, int comps, size_t stride, int quality,
                   uint8_t **out, size_t *out_len, char err[GS_JPEG_ERR_LEN]);

/* Decodes a whole JPEG held in memory (baseline or progressive). One-component files come out gray
 * (*comps = 1); YCbCr and RGB files come out RGB (*comps = 3); CMYK/YCCK are refused. The decode is strict:
 * any libjpeg warning (truncated data, corrupt entropy segment, bad marker) fails it, because the library
 * would otherwise fill the damage with gray and report success, which would hide broken round trips.
 * On success *out holds w*h*comps bytes with stride w*comps; free with gs_jpeg_free(). */
int gs_jpeg_decode(const uint8_t *data, size_t len,
                   uint8_t **out, int *w, int *h, int *comps, char err[GS_JPEG_ERR_LEN]);

/* Frees a buffer returned by this shim. NULL is fine. */
void gs_jpeg_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* GS_JPEG_H */
