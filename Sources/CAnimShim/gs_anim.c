/* gs_anim.c — see include/gs_anim.h for the contracts. */
#include "gs_anim.h"

#include <gif_lib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <webp/demux.h>
#include <webp/encode.h>
#include <webp/mux.h>

static void set_err(char *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, GS_ANIM_ERR_LEN, fmt, ap);
    va_end(ap);
}

void gs_anim_free(void *p) { free(p); }

static int check_frames(int count, int w, int h, int comps, char *err) {
    if (count < 1 || w < 1 || h < 1) { set_err(err, "animation of %d frames of %dx%d has no pixels", count, w, h); return 1; }
    if (comps != 1 && comps != 3) { set_err(err, "frames have %d channels; 1 or 3 expected", comps); return 1; }
    if ((uint64_t)count * (uint64_t)w * (uint64_t)h > GS_ANIM_MAX_PIXELS) {
        set_err(err, "%d frames of %dx%d are above the limit of 2^28 pixels", count, w, h);
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* GIF */

struct membuf { uint8_t *data; size_t len, cap; int failed; };

static int gif_write(GifFileType *gif, const GifByteType *bytes, int n) {
    struct membuf *b = gif->UserData;
    if (b->len + (size_t)n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        while (cap < b->len + (size_t)n) cap *= 2;
        uint8_t *grown = realloc(b->data, cap);
        if (!grown) { b->failed = 1; return 0; }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, bytes, (size_t)n);
    b->len += (size_t)n;
    return n;
}

int gs_gif_encode(const uint8_t *frames, int count, int w, int h, int comps, int delay_cs,
                  uint8_t **out, size_t *out_len, char err[GS_ANIM_ERR_LEN]) {
    *out = NULL;
    *out_len = 0;
    if (check_frames(count, w, h, comps, err)) return 1;
    if (w > 65535 || h > 65535) { set_err(err, "GIF frames are at most 65535 pixels wide and high, not %dx%d", w, h); return 1; }
    if (delay_cs < 1 || delay_cs > 65535) { set_err(err, "GIF frame delay %d is outside 1..65535 hundredths", delay_cs); return 1; }
    size_t plane = (size_t)w * (size_t)h, total = plane * (size_t)count;
    GifByteType *indices = malloc(total);
    ColorMapObject *cmap = GifMakeMapObject(256, NULL);
    if (!indices || !cmap) { free(indices); GifFreeMapObject(cmap); set_err(err, "out of memory for %zu GIF pixels", total); return 1; }
    if (comps == 1) {
        for (int i = 0; i < 256; i++) cmap->Colors[i].Red = cmap->Colors[i].Green = cmap->Colors[i].Blue = (GifByteType)i;
        memcpy(indices, frames, total);
    } else {
        /* All frames as one tall image: one palette for the whole animation. */
        GifByteType *r = malloc(total), *g = malloc(total), *b = malloc(total);
        if (!r || !g || !b) {
            free(r); free(g); free(b); free(indices); GifFreeMapObject(cmap);
            set_err(err, "out of memory for %zu GIF pixels", total);
            return 1;
        }
        for (size_t i = 0; i < total; i++) { r[i] = frames[3 * i]; g[i] = frames[3 * i + 1]; b[i] = frames[3 * i + 2]; }
        int size = 256;
        int rc = GifQuantizeBuffer((unsigned)w, (unsigned)(h * count), &size, r, g, b, indices, cmap->Colors);
        free(r); free(g); free(b);
        if (rc != GIF_OK) { free(indices); GifFreeMapObject(cmap); set_err(err, "GIF colour quantization failed"); return 1; }
    }
    struct membuf buf = {0};
    int error = 0;
    GifFileType *gif = EGifOpen(&buf, gif_write, &error);
    if (!gif) { free(indices); GifFreeMapObject(cmap); set_err(err, "giflib: %s", GifErrorString(error)); return 1; }
    EGifSetGifVersion(gif, true);
    int ok = EGifPutScreenDesc(gif, w, h, 8, 0, cmap) == GIF_OK;
    static const GifByteType loop[3] = {1, 0, 0};  /* sub-block 1: loop count 0 = forever */
    ok = ok && EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_OK
            && EGifPutExtensionBlock(gif, 11, "NETSCAPE2.0") == GIF_OK
            && EGifPutExtensionBlock(gif, 3, loop) == GIF_OK
            && EGifPutExtensionTrailer(gif) == GIF_OK;
    for (int k = 0; ok && k < count; k++) {
        GraphicsControlBlock gcb = {DISPOSE_DO_NOT, false, delay_cs, NO_TRANSPARENT_COLOR};
        GifByteType ext[4];
        EGifGCBToExtension(&gcb, ext);
        ok = EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, 4, ext) == GIF_OK
             && EGifPutImageDesc(gif, 0, 0, w, h, false, NULL) == GIF_OK;
        for (int y = 0; ok && y < h; y++) ok = EGifPutLine(gif, indices + plane * (size_t)k + (size_t)y * (size_t)w, w) == GIF_OK;
    }
    int put_error = ok ? 0 : gif->Error;
    if (EGifCloseFile(gif, &error) != GIF_OK && ok) { ok = 0; put_error = error; }
    free(indices);
    GifFreeMapObject(cmap);
    if (!ok || buf.failed) {
        free(buf.data);
        set_err(err, "giflib: %s", buf.failed ? "out of memory" : GifErrorString(put_error));
        return 1;
    }
    *out = buf.data;
    *out_len = buf.len;
    return 0;
}

struct memsrc { const uint8_t *data; size_t len, pos; };

static int gif_read(GifFileType *gif, GifByteType *dst, int n) {
    struct memsrc *s = gif->UserData;
    size_t left = s->len - s->pos, k = (size_t)n < left ? (size_t)n : left;
    memcpy(dst, s->data + s->pos, k);
    s->pos += k;
    return (int)k;
}

int gs_gif_decode(const uint8_t *data, size_t len, uint8_t **frames, int **delays, int *count, int *w, int *h,
                  char err[GS_ANIM_ERR_LEN]) {
    *frames = NULL;
    *delays = NULL;
    struct memsrc src = {data, len, 0};
    int error = 0;
    GifFileType *gif = DGifOpen(&src, gif_read, &error);
    if (!gif) { set_err(err, "giflib: %s", GifErrorString(error)); return 1; }
    if (DGifSlurp(gif) != GIF_OK) {
        set_err(err, "giflib: %s", GifErrorString(gif->Error));
        DGifCloseFile(gif, &error);
        return 1;
    }
    int n = gif->ImageCount, W = gif->SWidth, H = gif->SHeight;
    if (check_frames(n, W, H, 3, err)) { DGifCloseFile(gif, &error); return 1; }
    uint8_t *px = calloc((size_t)n * (size_t)W * (size_t)H, 3);
    int *d = calloc((size_t)n, sizeof(int));
    if (!px || !d) { free(px); free(d); DGifCloseFile(gif, &error); set_err(err, "out of memory"); return 1; }
    for (int k = 0; k < n; k++) {
        SavedImage *im = &gif->SavedImages[k];
        ColorMapObject *map = im->ImageDesc.ColorMap ? im->ImageDesc.ColorMap : gif->SColorMap;
        if (!map || im->ImageDesc.Width != W || im->ImageDesc.Height != H || im->ImageDesc.Left || im->ImageDesc.Top) {
            free(px); free(d); DGifCloseFile(gif, &error);
            set_err(err, "GIF frame %d is not a full frame with a palette", k);
            return 1;
        }
        for (int i = 0; i < W * H; i++) {
            int idx = im->RasterBits[i];
            GifColorType c = idx < map->ColorCount ? map->Colors[idx] : (GifColorType){0, 0, 0};
            uint8_t *o = px + ((size_t)k * (size_t)W * (size_t)H + (size_t)i) * 3;
            o[0] = c.Red; o[1] = c.Green; o[2] = c.Blue;
        }
        GraphicsControlBlock gcb;
        d[k] = DGifSavedExtensionToGCB(gif, k, &gcb) == GIF_OK ? gcb.DelayTime : 0;
    }
    DGifCloseFile(gif, &error);
    *frames = px;
    *delays = d;
    *count = n;
    *w = W;
    *h = H;
    return 0;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* WebP */

int gs_webp_encode(const uint8_t *frames, int count, int w, int h, int comps, const int *timestamp_ms, int end_ms,
                   uint8_t **out, size_t *out_len, char err[GS_ANIM_ERR_LEN]) {
    *out = NULL;
    *out_len = 0;
    if (check_frames(count, w, h, comps, err)) return 1;
    if (w > WEBP_MAX_DIMENSION || h > WEBP_MAX_DIMENSION) {
        set_err(err, "WebP frames are at most %d pixels wide and high, not %dx%d", WEBP_MAX_DIMENSION, w, h);
        return 1;
    }
    WebPAnimEncoderOptions options;
    WebPConfig config;
    if (!WebPAnimEncoderOptionsInit(&options) || !WebPConfigInit(&config) || !WebPConfigLosslessPreset(&config, 6)) {
        set_err(err, "libwebp: version mismatch");
        return 1;
    }
    options.anim_params.loop_count = 0;
    config.exact = 1;
    WebPAnimEncoder *enc = WebPAnimEncoderNew(w, h, &options);
    uint8_t *rgb = malloc((size_t)w * (size_t)h * 3);
    if (!enc || !rgb) { WebPAnimEncoderDelete(enc); free(rgb); set_err(err, "libwebp: out of memory"); return 1; }
    size_t plane = (size_t)w * (size_t)h;
    int ok = 1;
    for (int k = 0; ok && k < count; k++) {
        const uint8_t *f = frames + plane * (size_t)comps * (size_t)k;
        if (comps == 1) { for (size_t i = 0; i < plane; i++) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = f[i]; }
        else memcpy(rgb, f, plane * 3);
        WebPPicture pic;
        ok = WebPPictureInit(&pic);
        pic.use_argb = 1;
        pic.width = w;
        pic.height = h;
        ok = ok && WebPPictureImportRGB(&pic, rgb, w * 3) && WebPAnimEncoderAdd(enc, &pic, timestamp_ms[k], &config);
        WebPPictureFree(&pic);
    }
    WebPData data;
    WebPDataInit(&data);
    ok = ok && WebPAnimEncoderAdd(enc, NULL, end_ms, NULL) && WebPAnimEncoderAssemble(enc, &data);
    if (!ok) {
        set_err(err, "libwebp: %s", WebPAnimEncoderGetError(enc));
        WebPDataClear(&data);
        WebPAnimEncoderDelete(enc);
        free(rgb);
        return 1;
    }
    WebPAnimEncoderDelete(enc);
    free(rgb);
    uint8_t *copy = malloc(data.size);
    if (!copy) { WebPDataClear(&data); set_err(err, "out of memory"); return 1; }
    memcpy(copy, data.bytes, data.size);
    *out = copy;
    *out_len = data.size;
    WebPDataClear(&data);
    return 0;
}

int gs_webp_decode(const uint8_t *data, size_t len, uint8_t **frames, int **delays, int *count, int *w, int *h,
                   char err[GS_ANIM_ERR_LEN]) {
    *frames = NULL;
    *delays = NULL;
    WebPData in = {data, len};
    WebPAnimDecoderOptions opts;
    if (!WebPAnimDecoderOptionsInit(&opts)) { set_err(err, "libwebp: version mismatch"); return 1; }
    opts.color_mode = MODE_RGBA;
    WebPAnimDecoder *dec = WebPAnimDecoderNew(&in, &opts);
    WebPAnimInfo info;
    if (!dec || !WebPAnimDecoderGetInfo(dec, &info)) { WebPAnimDecoderDelete(dec); set_err(err, "not an animated WebP"); return 1; }
    int n = (int)info.frame_count, W = (int)info.canvas_width, H = (int)info.canvas_height;
    if (check_frames(n, W, H, 3, err)) { WebPAnimDecoderDelete(dec); return 1; }
    uint8_t *px = malloc((size_t)n * (size_t)W * (size_t)H * 3);
    int *d = calloc((size_t)n, sizeof(int));
    if (!px || !d) { free(px); free(d); WebPAnimDecoderDelete(dec); set_err(err, "out of memory"); return 1; }
    int k = 0, last = 0;
    while (k < n && WebPAnimDecoderHasMoreFrames(dec)) {
        uint8_t *rgba;
        int ts;
        if (!WebPAnimDecoderGetNext(dec, &rgba, &ts)) break;
        for (size_t i = 0; i < (size_t)W * (size_t)H; i++) memcpy(px + ((size_t)k * (size_t)W * (size_t)H + i) * 3, rgba + 4 * i, 3);
        d[k] = ts - last;  /* ts is the frame's end time */
        last = ts;
        k++;
    }
    WebPAnimDecoderDelete(dec);
    if (k != n) { free(px); free(d); set_err(err, "WebP animation ends after %d of %d frames", k, n); return 1; }
    *frames = px;
    *delays = d;
    *count = n;
    *w = W;
    *h = H;
    return 0;
}
