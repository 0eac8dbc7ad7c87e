/* gs_png.c — libpng behind a status-code interface; the header is the manual.
 *
 * Why this file exists: libpng reports errors by longjmp, which must never unwind through Swift frames, and its
 * default handlers print to stderr. Here every png_struct gets our own error/warning functions and our own
 * jmp_buf, and all allocations live in one context struct so a single cleanup path serves success and failure.
 * Setjmp discipline: the function that calls setjmp only stores into *c (the caller's frame), never into its
 * own locals that are read after a longjmp, so nothing is left "indeterminate" (C11 7.13.2.1p3).
 */
#include "gs_png.h"

#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gs_ctx {
    jmp_buf jmp;
    char *err;
    png_structp png;
    png_infop info;
    /* encoder output, grown by doubling */
    uint8_t *buf;
    size_t len, cap;
    /* decoder input */
    const uint8_t *src;
    size_t src_len, src_pos;
    /* decoder output */
    uint8_t *pixels;
    /* encoder text chunks and the strings they point at (owned, freed at the end) */
    png_text *texts;
    char **strings;
    int nstrings;
};

static void set_err(char *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, GS_PNG_ERR_LEN, fmt, ap);
    va_end(ap);
}

static void on_error(png_structp png, png_const_charp msg) {
    struct gs_ctx *c = (struct gs_ctx *)png_get_error_ptr(png);
    set_err(c->err, "%s", msg ? msg : "unknown libpng error");
    longjmp(c->jmp, 1);
}

/* libpng warns about recoverable things (e.g. a bad ancillary CRC it then skips); the caller has no use for
 * them and the default handler would print. */
static void on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

static void on_write(png_structp png, png_bytep data, size_t n) {
    struct gs_ctx *c = (struct gs_ctx *)png_get_io_ptr(png);
    if (n > c->cap - c->len) {
        size_t cap = c->cap ? c->cap : 4096;
        while (cap - c->len < n) {
            if (cap > SIZE_MAX / 2) png_error(png, "encoded PNG does not fit in memory");
            cap *= 2;
        }
        uint8_t *p = (uint8_t *)realloc(c->buf, cap);
        if (!p) png_error(png, "out of memory while encoding PNG");
        c->buf = p;
        c->cap = cap;
    }
    memcpy(c->buf + c->len, data, n);
    c->len += n;
}

static void on_flush(png_structp png) { (void)png; }

static void on_read(png_structp png, png_bytep data, size_t n) {
    struct gs_ctx *c = (struct gs_ctx *)png_get_io_ptr(png);
    if (n > c->src_len - c->src_pos) png_error(png, "PNG data is truncated");
    memcpy(data, c->src + c->src_pos, n);
    c->src_pos += n;
}

/* Decodes one UTF-8 code point at s; returns its length (1..4) or 0 if the bytes are not valid UTF-8
 * (overlong forms, surrogates and values above U+10FFFF included, as RFC 3629 requires). */
static int utf8_next(const unsigned char *s, unsigned *cp) {
    unsigned c0 = s[0];
    if (c0 < 0x80) { *cp = c0; return 1; }
    int n;
    unsigned v, min;
    if ((c0 & 0xE0) == 0xC0) { n = 2; v = c0 & 0x1F; min = 0x80; }
    else if ((c0 & 0xF0) == 0xE0) { n = 3; v = c0 & 0x0F; min = 0x800; }
    else if ((c0 & 0xF8) == 0xF0) { n = 4; v = c0 & 0x07; min = 0x10000; }
    else return 0;
    for (int i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) return 0; /* also stops at the NUL terminator */
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
    *cp = v;
    return n;
}

static int valid_keyword(const char *k) {
    size_t n = strlen(k);
    if (n < 1 || n > 79 || k[0] == ' ' || k[n - 1] == ' ') return 0;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)k[i] < 0x20 || (unsigned char)k[i] > 0x7E) return 0;
        if (k[i] == ' ' && k[i + 1] == ' ') return 0;
    }
    return 1;
}

static char *keep_string(struct gs_ctx *c, char *s) {
    if (s) c->strings[c->nstrings++] = s;
    return s;
}

/* strdup is POSIX, not C11. */
static char *copy_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = (char *)malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

/* Fills c->texts. Returns 0 or sets err and returns 1; allocations are recorded in c for the common cleanup. */
static int prepare_texts(struct gs_ctx *c, const gs_png_text *texts, int ntexts) {
    c->texts = (png_text *)calloc((size_t)ntexts, sizeof(png_text));
    c->strings = (char **)calloc((size_t)ntexts * 2, sizeof(char *));
    if (!c->texts || !c->strings) { set_err(c->err, "out of memory preparing PNG text chunks"); return 1; }
    for (int i = 0; i < ntexts; i++) {
        const char *key = texts[i].key, *value = texts[i].value;
        if (!key || !value) { set_err(c->err, "text chunk %d has a NULL key or value", i); return 1; }
        if (!valid_keyword(key)) {
            set_err(c->err, "text key \"%.80s\" is not a PNG keyword (1-79 printable ASCII characters, "
                            "no leading, trailing or double spaces)", key);
            return 1;
        }
        int latin1 = 1;
        size_t nbytes = 0;
        for (const unsigned char *s = (const unsigned char *)value; *s;) {
            unsigned cp;
            int n = utf8_next(s, &cp);
            if (n == 0) { set_err(c->err, "value of text key \"%.80s\" is not valid UTF-8", key); return 1; }
            if (cp > 0xFF) latin1 = 0;
            s += n;
            nbytes += (size_t)n;
        }
        png_text *t = &c->texts[i];
        char *k = keep_string(c, copy_string(key));
        char *v = keep_string(c, (char *)malloc(nbytes + 1));
        if (!k || !v) { set_err(c->err, "out of memory preparing PNG text chunks"); return 1; }
        if (latin1) {
            /* tEXt is defined as Latin-1; code points <= U+00FF map to single bytes one to one. */
            char *o = v;
            for (const unsigned char *s = (const unsigned char *)value; *s;) {
                unsigned cp;
                s += utf8_next(s, &cp);
                *o++ = (char)cp;
            }
            *o = '\0';
            t->compression = PNG_TEXT_COMPRESSION_NONE;
        } else {
            memcpy(v, value, nbytes + 1);
            t->compression = PNG_ITXT_COMPRESSION_NONE;
            t->lang = NULL;
            t->lang_key = NULL;
        }
        t->key = k;
        t->text = v;
    }
    return 0;
}

static int encode_inner(struct gs_ctx *c, const uint8_t *px, int w, int h, int comps, size_t stride, int ntexts) {
    /* Armed before png_create_write_struct because libpng may already call on_error while creating. */
    if (setjmp(c->jmp)) return 1;
    c->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, c, on_error, on_warning);
    if (!c->png) { set_err(c->err, "cannot create libpng write struct (out of memory)"); return 1; }
    c->info = png_create_info_struct(c->png);
    if (!c->info) png_error(c->png, "cannot create libpng info struct (out of memory)");
    png_set_write_fn(c->png, c, on_write, on_flush);
    png_set_IHDR(c->png, c->info, (png_uint_32)w, (png_uint_32)h, 8,
                 comps == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (ntexts > 0) png_set_text(c->png, c->info, c->texts, ntexts);
    png_write_info(c->png, c->info);
    for (int y = 0; y < h; y++) png_write_row(c->png, px + (size_t)y * stride);
    png_write_end(c->png, NULL);
    return 0;
}

int gs_png_encode(const uint8_t *px, int w, int h, int comps, size_t stride,
                  const gs_png_text *texts, int ntexts,
                  uint8_t **out, size_t *out_len, char err[GS_PNG_ERR_LEN]) {
    if (!err) return 1;
    err[0] = '\0';
    if (!out || !out_len) { set_err(err, "out and out_len must not be NULL"); return 1; }
    *out = NULL;
    *out_len = 0;
    if (!px) { set_err(err, "pixel pointer is NULL"); return 1; }
    if (w < 1 || h < 1) { set_err(err, "image is %dx%d; width and height must be at least 1", w, h); return 1; }
    if (comps != 1 && comps != 3) { set_err(err, "%d channels; PNG encoder takes 1 (gray) or 3 (RGB)", comps); return 1; }
    if ((uint64_t)w * (uint64_t)h > GS_PNG_MAX_PIXELS) {
        set_err(err, "image is %dx%d, above the limit of 2^28 pixels", w, h);
        return 1;
    }
    if (stride < (size_t)w * (size_t)comps) {
        set_err(err, "row stride %zu is smaller than width*channels = %zu", stride, (size_t)w * (size_t)comps);
        return 1;
    }
    if (ntexts < 0 || (ntexts > 0 && !texts)) { set_err(err, "invalid text chunk list"); return 1; }

    struct gs_ctx c;
    memset(&c, 0, sizeof c);
    c.err = err;
    int rc = ntexts > 0 ? prepare_texts(&c, texts, ntexts) : 0;
    if (rc == 0) rc = encode_inner(&c, px, w, h, comps, stride, ntexts);
    if (c.png) png_destroy_write_struct(&c.png, &c.info);
    for (int i = 0; i < c.nstrings; i++) free(c.strings[i]);
    free(c.strings);
    free(c.texts);
    if (rc != 0) {
        free(c.buf);
        if (!err[0]) set_err(err, "PNG encoding failed");
        return 1;
    }
    *out = c.buf;
    *out_len = c.len;
    return 0;
}

static const char *color_type_name(int t) {
    switch (t) {
    case PNG_COLOR_TYPE_GRAY: return "gray";
    case PNG_COLOR_TYPE_RGB: return "RGB";
    case PNG_COLOR_TYPE_PALETTE: return "palette";
    case PNG_COLOR_TYPE_GRAY_ALPHA: return "gray+alpha";
    case PNG_COLOR_TYPE_RGB_ALPHA: return "RGBA";
    default: return "unknown color type";
    }
}

static int decode_inner(struct gs_ctx *c, int *w, int *h, int *comps) {
    if (setjmp(c->jmp)) return 1;
    c->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, c, on_error, on_warning);
    if (!c->png) { set_err(c->err, "cannot create libpng read struct (out of memory)"); return 1; }
    c->info = png_create_info_struct(c->png);
    if (!c->info) png_error(c->png, "cannot create libpng info struct (out of memory)");
    png_set_read_fn(c->png, c, on_read);
    png_read_info(c->png, c->info);

    png_uint_32 pw = 0, ph = 0;
    int depth = 0, ctype = 0;
    png_get_IHDR(c->png, c->info, &pw, &ph, &depth, &ctype, NULL, NULL, NULL);
    if ((ctype != PNG_COLOR_TYPE_GRAY && ctype != PNG_COLOR_TYPE_RGB) || depth != 8) {
        set_err(c->err, "unsupported PNG pixel format: %s, %d bits per sample; only 8-bit gray and 8-bit RGB "
                        "are read", color_type_name(ctype), depth);
        return 1;
    }
    /* Checked before any allocation: the header alone decides how much memory a decode would take. */
    if ((uint64_t)pw * (uint64_t)ph > GS_PNG_MAX_PIXELS) {
        set_err(c->err, "PNG is %ux%u, above the limit of 2^28 pixels", (unsigned)pw, (unsigned)ph);
        return 1;
    }
    int nc = ctype == PNG_COLOR_TYPE_GRAY ? 1 : 3;
    int passes = png_set_interlace_handling(c->png);
    png_read_update_info(c->png, c->info);
    size_t rowbytes = png_get_rowbytes(c->png, c->info);
    if (rowbytes != (size_t)pw * (size_t)nc) png_error(c->png, "unexpected PNG row size");
    c->pixels = (uint8_t *)malloc(rowbytes * (size_t)ph);
    if (!c->pixels) png_error(c->png, "out of memory for decoded PNG pixels");
    /* With interlace handling on, reading every row once per pass assembles the full image in place. */
    for (int pass = 0; pass < passes; pass++)
        for (png_uint_32 y = 0; y < ph; y++) png_read_row(c->png, c->pixels + (size_t)y * rowbytes, NULL);
    png_read_end(c->png, NULL);
    *w = (int)pw;
    *h = (int)ph;
    *comps = nc;
    return 0;
}

int gs_png_decode(const uint8_t *data, size_t len,
                  uint8_t **out, int *w, int *h, int *comps, char err[GS_PNG_ERR_LEN]) {
    if (!err) return 1;
    err[0] = '\0';
    if (!out || !w || !h || !comps) { set_err(err, "output pointers must not be NULL"); return 1; }
    *out = NULL;
    *w = *h = *comps = 0;
    if (!data || len == 0) { set_err(err, "PNG data is empty"); return 1; }

    struct gs_ctx c;
    memset(&c, 0, sizeof c);
    c.err = err;
    c.src = data;
    c.src_len = len;
    int rw = 0, rh = 0, rc_comps = 0;
    int rc = decode_inner(&c, &rw, &rh, &rc_comps);
    if (c.png) png_destroy_read_struct(&c.png, &c.info, NULL);
    if (rc != 0) {
        free(c.pixels);
        if (!err[0]) set_err(err, "PNG decoding failed");
        return 1;
    }
    *out = c.pixels;
    *w = rw;
    *h = rh;
    *comps = rc_comps;
    return 0;
}

void gs_png_free(void *p) { free(p); }
