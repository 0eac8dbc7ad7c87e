/* gs_jpeg.c — libjpeg behind a status-code interface; the header is the manual.
 *
 * Why this file exists: libjpeg's default error_exit prints and calls exit(). Here error_exit formats the
 * message into the caller's buffer and longjmps back into this file; output_message is silenced.
 * Why not jpeg_mem_dest: when its buffer grows it frees the old block but only updates the caller's pointer in
 * term_destination, so after an error mid-compression the caller holds a dangling pointer and the live block
 * leaks. The small growable destination below keeps the buffer in our context, so cleanup always knows it.
 * Setjmp discipline: the setjmp function only stores into *c (the caller's frame), never into its own locals
 * that are read after a longjmp (C11 7.13.2.1p3).
 */
#include "gs_jpeg.h"

#include <stdio.h> /* jpeglib.h uses FILE and size_t without including their headers */
#include <jpeglib.h>
#include <jerror.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct gs_err_mgr {
    struct jpeg_error_mgr pub; /* first, so a j_common_ptr's err can be cast back */
    jmp_buf jmp;
    char *err;
    int warnings_are_errors;
};

struct gs_dest {
    struct jpeg_destination_mgr pub; /* first, so cinfo->dest can be cast back */
    uint8_t *buf;
    size_t cap;
    size_t len;
};

struct gs_enc {
    struct gs_err_mgr jerr;
    struct jpeg_compress_struct cinfo;
    struct gs_dest dest;
};

struct gs_dec {
    struct gs_err_mgr jerr;
    struct jpeg_decompress_struct cinfo;
    uint8_t *pixels;
};

static void set_err(char *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, GS_JPEG_ERR_LEN, fmt, ap);
    va_end(ap);
}

static void on_error_exit(j_common_ptr cinfo) {
    struct gs_err_mgr *e = (struct gs_err_mgr *)cinfo->err;
    char msg[JMSG_LENGTH_MAX];
    msg[0] = '\0';
    e->pub.format_message(cinfo, msg);
    set_err(e->err, "%s", msg[0] ? msg : "unknown libjpeg error");
    longjmp(e->jmp, 1);
}

/* level < 0 is a warning about damaged data; level >= 0 is trace output, which we never want. */
static void on_emit_message(j_common_ptr cinfo, int level) {
    struct gs_err_mgr *e = (struct gs_err_mgr *)cinfo->err;
    if (level < 0) {
        e->pub.num_warnings++;
        if (e->warnings_are_errors) on_error_exit(cinfo);
    }
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void install_errors(struct gs_err_mgr *e, char *err, int strict) {
    jpeg_std_error(&e->pub);
    e->pub.error_exit = on_error_exit;
    e->pub.emit_message = on_emit_message;
    e->pub.output_message = on_output_message;
    e->err = err;
    e->warnings_are_errors = strict;
}

static void grow_or_fail(j_compress_ptr cinfo, struct gs_dest *d, size_t cap) {
    uint8_t *p = (uint8_t *)realloc(d->buf, cap);
    if (!p) {
        cinfo->err->msg_code = JERR_OUT_OF_MEMORY;
        cinfo->err->msg_parm.i[0] = 0;
        cinfo->err->error_exit((j_common_ptr)cinfo);
    }
    d->buf = p;
    d->cap = cap;
}

static void dest_init(j_compress_ptr cinfo) {
    struct gs_dest *d = (struct gs_dest *)cinfo->dest;
    grow_or_fail(cinfo, d, 16384);
    d->pub.next_output_byte = d->buf;
    d->pub.free_in_buffer = d->cap;
}

/* libjpeg calls this only when the whole buffer is full, so all of [0, cap) is data. */
static boolean dest_empty(j_compress_ptr cinfo) {
    struct gs_dest *d = (struct gs_dest *)cinfo->dest;
    size_t used = d->cap;
    if (used > SIZE_MAX / 2) {
        cinfo->err->msg_code = JERR_OUT_OF_MEMORY;
        cinfo->err->error_exit((j_common_ptr)cinfo);
    }
    grow_or_fail(cinfo, d, used * 2);
    d->pub.next_output_byte = d->buf + used;
    d->pub.free_in_buffer = d->cap - used;
    return TRUE;
}

static void dest_term(j_compress_ptr cinfo) {
    struct gs_dest *d = (struct gs_dest *)cinfo->dest;
    d->len = d->cap - d->pub.free_in_buffer;
}

static int encode_inner(struct gs_enc *c, const uint8_t *px, int w, int h, int comps, size_t stride, int quality) {
    if (setjmp(c->jerr.jmp)) return 1;
    jpeg_create_compress(&c->cinfo);
    c->dest.pub.init_destination = dest_init;
    c->dest.pub.empty_output_buffer = dest_empty;
    c->dest.pub.term_destination = dest_term;
    c->cinfo.dest = &c->dest.pub;
    c->cinfo.image_width = (JDIMENSION)w;
    c->cinfo.image_height = (JDIMENSION)h;
    c->cinfo.input_components = comps;
    c->cinfo.in_color_space = comps == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c->cinfo);
    jpeg_set_quality(&c->cinfo, quality, TRUE);
    /* ImageMagick's rule: at quality >= 90 the caller wants fidelity, and GAN samples are small (32..128 px)
     * where halving chroma resolution visibly smears colored edges; so store chroma at full resolution. */
    if (comps == 3 && quality >= 90) {
        c->cinfo.comp_info[0].h_samp_factor = 1;
        c->cinfo.comp_info[0].v_samp_factor = 1;
    }
    c->cinfo.optimize_coding = TRUE;
    c->cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_compress(&c->cinfo, TRUE);
    while (c->cinfo.next_scanline < c->cinfo.image_height) {
        /* libjpeg's row type is non-const, but compression only reads it. */
        JSAMPROW row = (JSAMPROW)(uintptr_t)(px + (size_t)c->cinfo.next_scanline * stride);
        jpeg_write_scanlines(&c->cinfo, &row, 1);
    }
    jpeg_finish_compress(&c->cinfo);
    return 0;
}

int gs_jpeg_encode(const uint8_t *px, int w, int h, int comps, size_t stride, int quality,
                   uint8_t **out, size_t *out_len, char err[GS_JPEG_ERR_LEN]) {
    if (!err) return 1;
    err[0] = '\0';
    if (!out || !out_len) { set_err(err, "out and out_len must not be NULL"); return 1; }
    *out = NULL;
    *out_len = 0;
    if (!px) { set_err(err, "pixel pointer is NULL"); return 1; }
    if (w < 1 || h < 1) { set_err(err, "image is %dx%d; width and height must be at least 1", w, h); return 1; }
    if (comps != 1 && comps != 3) { set_err(err, "%d channels; JPEG encoder takes 1 (gray) or 3 (RGB)", comps); return 1; }
    if ((uint64_t)w * (uint64_t)h > GS_JPEG_MAX_PIXELS) {
        set_err(err, "image is %dx%d, above the limit of 2^28 pixels", w, h);
        return 1;
    }
    if (stride < (size_t)w * (size_t)comps) {
        set_err(err, "row stride %zu is smaller than width*channels = %zu", stride, (size_t)w * (size_t)comps);
        return 1;
    }
    if (quality < 1 || quality > 100) { set_err(err, "JPEG quality %d is outside 1...100", quality); return 1; }

    struct gs_enc c;
    memset(&c, 0, sizeof c);
    install_errors(&c.jerr, err, 0);
    c.cinfo.err = &c.jerr.pub;
    int rc = encode_inner(&c, px, w, h, comps, stride, quality);
    jpeg_destroy_compress(&c.cinfo); /* safe on a zeroed or half-created struct: it checks cinfo->mem */
    if (rc != 0) {
        free(c.dest.buf);
        if (!err[0]) set_err(err, "JPEG encoding failed");
        return 1;
    }
    *out = c.dest.buf;
    *out_len = c.dest.len;
    return 0;
}

static int decode_inner(struct gs_dec *c, const uint8_t *data, size_t len, int *w, int *h, int *comps) {
    if (setjmp(c->jerr.jmp)) return 1;
    jpeg_create_decompress(&c->cinfo);
    jpeg_mem_src(&c->cinfo, data, (unsigned long)len);
    jpeg_read_header(&c->cinfo, TRUE);
    /* Checked before any allocation: the header alone decides how much memory a decode would take. */
    if ((uint64_t)c->cinfo.image_width * (uint64_t)c->cinfo.image_height > GS_JPEG_MAX_PIXELS) {
        set_err(c->jerr.err, "JPEG is %ux%u, above the limit of 2^28 pixels",
                (unsigned)c->cinfo.image_width, (unsigned)c->cinfo.image_height);
        return 1;
    }
    int nc;
    switch (c->cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: c->cinfo.out_color_space = JCS_GRAYSCALE; nc = 1; break;
    case JCS_YCbCr:
    case JCS_RGB: c->cinfo.out_color_space = JCS_RGB; nc = 3; break;
    default:
        set_err(c->jerr.err, "unsupported JPEG color space (CMYK or YCCK, %d components); only gray and RGB are read",
                c->cinfo.num_components);
        return 1;
    }
    c->cinfo.dct_method = JDCT_ISLOW;
    jpeg_start_decompress(&c->cinfo);
    if (c->cinfo.output_components != nc) {
        set_err(c->jerr.err, "libjpeg produced %d components, expected %d", c->cinfo.output_components, nc);
        return 1;
    }
    size_t rowbytes = (size_t)c->cinfo.output_width * (size_t)nc;
    c->pixels = (uint8_t *)malloc(rowbytes * (size_t)c->cinfo.output_height);
    if (!c->pixels) {
        set_err(c->jerr.err, "out of memory for decoded JPEG pixels");
        return 1;
    }
    while (c->cinfo.output_scanline < c->cinfo.output_height) {
        JSAMPROW row = c->pixels + (size_t)c->cinfo.output_scanline * rowbytes;
        /* A memory source never suspends, so 0 rows would mean a library fault; don't spin on it. */
        if (jpeg_read_scanlines(&c->cinfo, &row, 1) != 1) {
            set_err(c->jerr.err, "libjpeg returned no scanline");
            return 1;
        }
    }
    jpeg_finish_decompress(&c->cinfo);
    *w = (int)c->cinfo.output_width;
    *h = (int)c->cinfo.output_height;
    *comps = nc;
    return 0;
}

int gs_jpeg_decode(const uint8_t *data, size_t len,
                   uint8_t **out, int *w, int *h, int *comps, char err[GS_JPEG_ERR_LEN]) {
    if (!err) return 1;
    err[0] = '\0';
    if (!out || !w || !h || !comps) { set_err(err, "output pointers must not be NULL"); return 1; }
    *out = NULL;
    *w = *h = *comps = 0;
    if (!data || len == 0) { set_err(err, "JPEG data is empty"); return 1; }
    if (len > ULONG_MAX) { set_err(err, "JPEG data is too large for libjpeg"); return 1; }

    struct gs_dec c;
    memset(&c, 0, sizeof c);
    install_errors(&c.jerr, err, 1);
    c.cinfo.err = &c.jerr.pub;
    int rw = 0, rh = 0, rcomps = 0;
    int rc = decode_inner(&c, data, len, &rw, &rh, &rcomps);
    jpeg_destroy_decompress(&c.cinfo);
    if (rc != 0) {
        free(c.pixels);
        if (!err[0]) set_err(err, "JPEG decoding failed");
        return 1;
    }
    *out = c.pixels;
    *w = rw;
    *h = rh;
    *comps = rcomps;
    return 0;
}

void gs_jpeg_free(void *p) { free(p); }
