/* gs_png.h — PNG encode/decode to and from memory, for gansynth's GanImage module.
 *
 * A thin, exit-free wrapper around libpng's png_struct API. It exists so that libpng's setjmp/longjmp error
 * protocol never crosses into Swift: every libpng error is caught here and returned as a status plus message.
 * It does not read files, pick formats or convert pixels; GanImage does that. Spec: libpng-manual.txt,
 * PNG 1.2 (ISO/IEC 15948) §11.3.4 for tEXt/iTXt.
 *
 * PIXEL CONTRACT (stb_image_write's):
 *   8 bits per channel, channels interleaved, rows top to bottom, `stride` bytes from one row's start to the
 *   next (>= w*comps; extra bytes are never read). comps is 1 (gray, written as color type GRAY) or 3 (RGB,
 *   color type RGB). No alpha, no palette, no 16-bit: gansynth never produces them.
 *
 * STATUS CONTRACT (stb's 1-on-success is inverted; it reads like errno):
 *   Every function returns 0 on success. On failure it returns nonzero, writes a NUL-terminated one-line
 *   message (never longer than 199 bytes) into err, leaves *out NULL, and has already freed everything it
 *   allocated. Nothing prints, nothing calls exit()/abort(); libpng's warnings are discarded.
 *
 * SIZE LIMIT:
 *   Images above GS_PNG_MAX_PIXELS (2^28, e.g. 16384 x 16384) are refused by both functions, and the decoder
 *   checks before it allocates, so a hostile header cannot make it reserve gigabytes.
 *
 * THREADS: no global state; concurrent calls on different buffers are safe.
 */
#ifndef GS_PNG_H
#define GS_PNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GS_PNG_MAX_PIXELS ((uint64_t)1 << 28)
#define GS_PNG_ERR_LEN 200

/* One text chunk. Both strings are NUL-terminated UTF-8 and only borrowed for the duration of the call.
 *   key:   1..79 bytes of printable ASCII (0x20..0x7E), no leading, trailing or doubled spaces — the PNG
 *          keyword rule, narrowed to ASCII so that UTF-8 and Latin-1 agree on it.
 *   value: any UTF-8 text. If every code point is <= U+00FF it is transcoded to Latin-1 and written as tEXt
 *          (what every PNG reader understands); otherwise it is written as an uncompressed iTXt chunk with
 *          empty language tag and translated keyword. Invalid UTF-8 is an error, not silently mangled. */
typedef struct gs_png_text {
    const char *key;
    const char *value;
} gs_png_text;

/* Encodes px (see PIXEL CONTRACT) as a non-interlaced 8-bit PNG, zlib level 6, adaptive filtering, and the
 * given text chunks placed before the image data. No time or gamma chunks are written, so equal inputs give
 * byte-identical files. texts may be NULL when ntexts is 0.
 * On success *out is a malloc'ed buffer of *out_len bytes; release it with gs_png_free() (or free()). */
int gs_png_encode(const uint8_t *px, int w, int h, int comps, size_t stride,
                  const gs_png_text *texts, int ntexts,
                  uint8_t **out, size_t *out_len, char err[GS_PNG_ERR_LEN]);

/* Decodes a whole PNG held in memory. Accepts exactly what gs_png_encode makes, 8-bit GRAY or 8-bit RGB,
 * interlaced or not; any other bit depth or color type (palette, alpha, 16-bit, 1/2/4-bit gray) is refused
 * with a message naming it, rather than converted behind the caller's back. Ancillary chunks (text, tRNS,
 * gamma) are ignored; CRC and zlib errors in critical data are errors.
 * On success *out holds w*h*comps bytes with stride w*comps (*w, *h, *comps set); free with gs_png_free(). */
int gs_png_decode(const uint8_t *data, size_t len,
                  uint8_t **out, int *w, int *h, int *comps, char err[GS_PNG_ERR_LEN]);

/* Frees a buffer returned by this shim. NULL is fine. */
void gs_png_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* GS_PNG_H */
