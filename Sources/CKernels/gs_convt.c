// The few-channel transposed convolution of gs_convt.h, written with the compiler's vector extensions and
// instantiated per instruction set (16 floats: one AVX-512 register, two AVX2 ones, four NEON ones).
//
// A unit is 16 input columns of one input row: 4 phases x COUT accumulators of 16 output pixels. Two units are done
// at once (the next 16 columns, or the next row when a row has one unit) so that each weight, broadcast once, feeds
// two FMAs: 2 x 4 x 3 = 24 accumulators for COUT 3, within AVX-512's 32 registers.

#include "gs_convt.h"

typedef float f32x16 __attribute__((vector_size(64)));
typedef float f32x32 __attribute__((vector_size(128)));

#define SPLAT(x) __builtin_shufflevector((f32x16){(x)}, (f32x16){0}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

// Phase and input shift of tap k along one axis (padding 1, stride 2): k = 0 -> (1, +1), 1 -> (0, 0),
// 2 -> (1, 0), 3 -> (0, -1).
#define PHASE(k) (((k) + 1) & 1)
#define SHIFT(k) ((PHASE(k) + 1 - (k)) / 2)

// Channels between the input rows being read and those being prefetched.
#define PREFETCH_AHEAD 4

// Units (row r[u], first column c[u]) of the rows in hand; sums for COUT channels into y. Unit u's input at
// channel ci, tap shift (dy, dx) starts at base[u] + ci * channelStep + dy * rowStep + dx and is read by LOAD:
// plain loads from a zero-bordered copy, or AVX-512 / AVX2 loads under mask[u][3 (dy + 1) + dx + 1], whose lanes outside
// the image read as zero (a row outside it has an empty mask).
#define CONVT_UNITS(NAME, ATTRIBUTES, COUT, UNITS, LOAD)                                                         \
    ATTRIBUTES static void NAME(const float *const *base, const unsigned short *mask, long channelStep,        \
                                long rowStep, long cin, long w, const float *weight, float *y, long planeStride, \
                                const long *r, const long *c, int prefetch) {                                  \
        (void)mask;                                                                                            \
        f32x16 acc[UNITS][4][COUT];                                                                            \
        _Pragma("clang loop unroll(full)")                                                                     \
        for (int u = 0; u < UNITS; u++)                                                                        \
            _Pragma("clang loop unroll(full)")                                                                 \
            for (int g = 0; g < 4; g++)                                                                        \
                _Pragma("clang loop unroll(full)")                                                             \
                for (int co = 0; co < COUT; co++) acc[u][g][co] = (f32x16){0};                                 \
        for (long ci = 0; ci < cin; ci++) {                                                                    \
            const float *wk = weight + ci * COUT * 16;                                                         \
            /* The input rows a few channels ahead, when the channel planes lie a multiple of 4 KiB apart: then \
               the rows of all channels share a few cache sets and are gone by the next pair of units (DCGAN 64's \
               64 x 32 x 32 input: 40% of the kernel's samples waited on the first load of a channel). */      \
            if (prefetch && ci + PREFETCH_AHEAD < cin) {                                                       \
                _Pragma("clang loop unroll(full)")                                                             \
                for (int u = 0; u < UNITS; u++)                                                                \
                    _Pragma("clang loop unroll(full)")                                                         \
                    for (int dy = -1; dy <= 1; dy++) {                                                         \
                        const float *p = base[u] + (ci + PREFETCH_AHEAD) * channelStep + dy * rowStep;         \
                        __builtin_prefetch(p - 1);                                                             \
                        __builtin_prefetch(p + 16);                                                            \
                    }                                                                                          \
            }                                                                                                  \
            _Pragma("clang loop unroll(full)")                                                                 \
            for (int ky = 0; ky < 4; ky++) {                                                                   \
                _Pragma("clang loop unroll(full)")                                                             \
                for (int kx = 0; kx < 4; kx++) {                                                               \
                    f32x16 xs[UNITS];                                                                          \
                    _Pragma("clang loop unroll(full)")                                                         \
                    for (int u = 0; u < UNITS; u++)                                                            \
                        LOAD(xs[u], base[u] + ci * channelStep + SHIFT(ky) * rowStep + SHIFT(kx),              \
                             mask[u * 9 + (SHIFT(ky) + 1) * 3 + SHIFT(kx) + 1]);                               \
                    _Pragma("clang loop unroll(full)")                                                         \
                    for (int co = 0; co < COUT; co++) {                                                        \
                        f32x16 wv = SPLAT(wk[co * 16 + ky * 4 + kx]);                                          \
                        _Pragma("clang loop unroll(full)")                                                     \
                        for (int u = 0; u < UNITS; u++) {                                                      \
                            f32x16 *a = &acc[u][PHASE(ky) * 2 + PHASE(kx)][co];                                \
                            *a = __builtin_elementwise_fma(xs[u], wv, *a);                                     \
                        }                                                                                      \
                    }                                                                                          \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
        long wo = 2 * w;                                                                                       \
        _Pragma("clang loop unroll(full)")                                                                     \
        for (int u = 0; u < UNITS; u++) {                                                                      \
            long valid = 2 * (w - c[u] < 16 ? w - c[u] : 16);                                                  \
            _Pragma("clang loop unroll(full)")                                                                 \
            for (int py = 0; py < 2; py++) {                                                                   \
                _Pragma("clang loop unroll(full)")                                                             \
                for (int co = 0; co < COUT; co++) {                                                            \
                    f32x32 line = __builtin_shufflevector(acc[u][py * 2][co], acc[u][py * 2 + 1][co],          \
                        0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23,                                \
                        8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);                         \
                    float *dst = y + co * planeStride + (2 * r[u] + py) * wo + 2 * c[u];                       \
                    if (valid == 32) __builtin_memcpy(dst, &line, sizeof line);                                \
                    else __builtin_memcpy(dst, &line, (unsigned long)valid * sizeof(float));                   \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    }

// One output channel: UNITS units stacked in rows r .. r + UNITS - 1 of one 16-column strip. The units share input
// lines (unit u reads lines u - 1 .. u + 1), so a channel's UNITS + 2 lines x 3 column shifts are loaded once and feed
// 16 FMAs per unit: 18 loads for 64 FMAs at 4 units, against 18 for 32 in a pair of units side by side. Line L's
// vectors are at base + ci * channelStep + L * rowStep + dx, read under mask[3 (L + 1) + dx + 1].
#define CONVT_STACK(NAME, ATTRIBUTES, UNITS, LOAD)                                                               \
    ATTRIBUTES static void NAME(const float *base, const unsigned short *mask, long channelStep, long rowStep,  \
                                long cin, long w, const float *weight, float *y, long r, long c, int prefetch) { \
        (void)mask;                                                                                            \
        f32x16 acc[UNITS][4];                                                                                  \
        _Pragma("clang loop unroll(full)")                                                                     \
        for (int u = 0; u < UNITS; u++)                                                                        \
            _Pragma("clang loop unroll(full)")                                                                 \
            for (int g = 0; g < 4; g++) acc[u][g] = (f32x16){0};                                               \
        for (long ci = 0; ci < cin; ci++) {                                                                    \
            const float *wk = weight + ci * 16;                                                                \
            if (prefetch && ci + PREFETCH_AHEAD < cin) {                                                       \
                _Pragma("clang loop unroll(full)")                                                             \
                for (int line = -1; line <= UNITS; line++) {                                                   \
                    const float *p = base + (ci + PREFETCH_AHEAD) * channelStep + line * rowStep;              \
                    __builtin_prefetch(p - 1);                                                                 \
                    __builtin_prefetch(p + 16);                                                                \
                }                                                                                              \
            }                                                                                                  \
            f32x16 xs[UNITS + 2][3];                                                                           \
            _Pragma("clang loop unroll(full)")                                                                 \
            for (int line = -1; line <= UNITS; line++)                                                         \
                _Pragma("clang loop unroll(full)")                                                             \
                for (int dx = -1; dx <= 1; dx++)                                                               \
                    LOAD(xs[line + 1][dx + 1], base + ci * channelStep + line * rowStep + dx,                  \
                         mask[(line + 1) * 3 + dx + 1]);                                                       \
            _Pragma("clang loop unroll(full)")                                                                 \
            for (int ky = 0; ky < 4; ky++) {                                                                   \
                _Pragma("clang loop unroll(full)")                                                             \
                for (int kx = 0; kx < 4; kx++) {                                                               \
                    f32x16 wv = SPLAT(wk[ky * 4 + kx]);                                                        \
                    _Pragma("clang loop unroll(full)")                                                         \
                    for (int u = 0; u < UNITS; u++) {                                                          \
                        f32x16 *a = &acc[u][PHASE(ky) * 2 + PHASE(kx)];                                        \
                        *a = __builtin_elementwise_fma(xs[u + SHIFT(ky) + 1][SHIFT(kx) + 1], wv, *a);          \
                    }                                                                                          \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
        long wo = 2 * w, valid = 2 * (w - c < 16 ? w - c : 16);                                                \
        _Pragma("clang loop unroll(full)")                                                                     \
        for (int u = 0; u < UNITS; u++) {                                                                      \
            _Pragma("clang loop unroll(full)")                                                                 \
            for (int py = 0; py < 2; py++) {                                                                   \
                f32x32 line = __builtin_shufflevector(acc[u][py * 2], acc[u][py * 2 + 1],                      \
                    0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23,                                    \
                    8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);                             \
                float *dst = y + (2 * (r + u) + py) * wo + 2 * c;                                              \
                if (valid == 32) __builtin_memcpy(dst, &line, sizeof line);                                    \
                else __builtin_memcpy(dst, &line, (unsigned long)valid * sizeof(float));                       \
            }                                                                                                  \
        }                                                                                                      \
    }

#define LOAD_PLAIN(V, P, M) __builtin_memcpy(&(V), (P), sizeof(V))

// Rows row0..<row0+rows of one image, every unit, two at a time, then the odd one; for one channel, units stacked
// down each 16-column strip instead (STACK##_s1 .. _s4, the CONVT_STACK kernels; named for every COUT, called only
// when COUT is 1). PADDED: first copy the rows, with the row above and below, into xp with zero borders (NEON and
// other targets without masked loads); otherwise read x itself under masks.
#define CONVT_ROWS(NAME, ATTRIBUTES, COUT, PADDED, STACK)                                                        \
    ATTRIBUTES static void NAME(const float *x, long channelStride, long cin, long h, long w, long row0,       \
                                long rows, const float *weight, float *y, long planeStride, float *xp) {       \
        long wp = (w + 15) / 16 * 16 + 2, lines = rows + 2;                                                    \
        if (PADDED) {                                                                                          \
            for (long ci = 0; ci < cin; ci++) {                                                                \
                for (long line = 0; line < lines; line++) {                                                    \
                    float *dst = xp + (ci * lines + line) * wp;                                                \
                    long iy = row0 - 1 + line;                                                                 \
                    if (iy < 0 || iy >= h) {                                                                   \
                        for (long i = 0; i < wp; i++) dst[i] = 0;                                              \
                        continue;                                                                              \
                    }                                                                                          \
                    const float *src = x + ci * channelStride + iy * w;                                        \
                    dst[0] = 0;                                                                                \
                    for (long i = 0; i < w; i++) dst[1 + i] = src[i];                                          \
                    for (long i = w + 1; i < wp; i++) dst[i] = 0;                                              \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
        long channelStep = PADDED ? lines * wp : channelStride, rowStep = PADDED ? wp : w;                     \
        int prefetch = !PADDED && channelStride % 1024 == 0;                                                   \
        long per = (w + 15) / 16, units = rows * per;                                                          \
        if (COUT == 1 && rows <= 4) {                                                                          \
            for (long strip = 0; strip < per; strip++) {                                                       \
                long c = strip * 16;                                                                           \
                const float *base = PADDED ? xp + wp + c + 1 : x + row0 * w + c;                               \
                unsigned short mask[6 * 3];                                                                    \
                for (long line = -1; line <= rows; line++) {                                                   \
                    for (int dx = -1; dx <= 1; dx++) {                                                         \
                        long lo = -(c + dx) > 0 ? -(c + dx) : 0, hi = w - c - dx < 16 ? w - c - dx : 16;       \
                        unsigned bits = hi > lo ? ((1u << hi) - 1) & ~((1u << lo) - 1) : 0;                    \
                        int inside = row0 + line >= 0 && row0 + line < h;                                      \
                        mask[(line + 1) * 3 + dx + 1] = (unsigned short)(inside ? bits : 0);                   \
                    }                                                                                          \
                }                                                                                              \
                if (rows == 4) STACK##_s4(base, mask, channelStep, rowStep, cin, w, weight, y, row0, c, prefetch); \
                else if (rows == 3) STACK##_s3(base, mask, channelStep, rowStep, cin, w, weight, y, row0, c, prefetch); \
                else if (rows == 2) STACK##_s2(base, mask, channelStep, rowStep, cin, w, weight, y, row0, c, prefetch); \
                else STACK##_s1(base, mask, channelStep, rowStep, cin, w, weight, y, row0, c, prefetch);        \
            }                                                                                                  \
            return;                                                                                            \
        }                                                                                                      \
        for (long u = 0; u < units; u += 2) {                                                                  \
            int n = units - u >= 2 ? 2 : 1;                                                                    \
            const float *base[2];                                                                              \
            unsigned short mask[2 * 9];                                                                        \
            long r[2], c[2];                                                                                   \
            for (int i = 0; i < n; i++) {                                                                      \
                r[i] = row0 + (u + i) / per;                                                                   \
                c[i] = (u + i) % per * 16;                                                                     \
                base[i] = PADDED ? xp + (r[i] - row0 + 1) * wp + c[i] + 1 : x + r[i] * w + c[i];               \
                for (int dy = -1; dy <= 1; dy++) {                                                             \
                    for (int dx = -1; dx <= 1; dx++) {                                                         \
                        /* lanes lo..<hi read columns 0..<w */                                                 \
                        long lo = -(c[i] + dx) > 0 ? -(c[i] + dx) : 0, hi = w - c[i] - dx < 16 ? w - c[i] - dx : 16; \
                        unsigned bits = hi > lo ? ((1u << hi) - 1) & ~((1u << lo) - 1) : 0;                    \
                        int inside = r[i] + dy >= 0 && r[i] + dy < h;                                          \
                        mask[i * 9 + (dy + 1) * 3 + dx + 1] = (unsigned short)(inside ? bits : 0);            \
                    }                                                                                          \
                }                                                                                              \
            }                                                                                                  \
            if (n == 2) NAME##_2(base, mask, channelStep, rowStep, cin, w, weight, y, planeStride, r, c, prefetch); \
            else NAME##_1(base, mask, channelStep, rowStep, cin, w, weight, y, planeStride, r, c, prefetch);   \
        }                                                                                                      \
    }

#define CONVT_ISA(SUFFIX, ATTRIBUTES, LOAD, PADDED)                                                              \
    CONVT_UNITS(c1_##SUFFIX##_2, ATTRIBUTES, 1, 2, LOAD)                                                       \
    CONVT_UNITS(c1_##SUFFIX##_1, ATTRIBUTES, 1, 1, LOAD)                                                       \
    CONVT_UNITS(c2_##SUFFIX##_2, ATTRIBUTES, 2, 2, LOAD)                                                       \
    CONVT_UNITS(c2_##SUFFIX##_1, ATTRIBUTES, 2, 1, LOAD)                                                       \
    CONVT_UNITS(c3_##SUFFIX##_2, ATTRIBUTES, 3, 2, LOAD)                                                       \
    CONVT_UNITS(c3_##SUFFIX##_1, ATTRIBUTES, 3, 1, LOAD)                                                       \
    CONVT_STACK(c1_##SUFFIX##_s4, ATTRIBUTES, 4, LOAD)                                                         \
    CONVT_STACK(c1_##SUFFIX##_s3, ATTRIBUTES, 3, LOAD)                                                         \
    CONVT_STACK(c1_##SUFFIX##_s2, ATTRIBUTES, 2, LOAD)                                                         \
    CONVT_STACK(c1_##SUFFIX##_s1, ATTRIBUTES, 1, LOAD)                                                         \
    CONVT_ROWS(c1_##SUFFIX, ATTRIBUTES, 1, PADDED, c1_##SUFFIX)                                                             \
    CONVT_ROWS(c2_##SUFFIX, ATTRIBUTES, 2, PADDED, c1_##SUFFIX)                                                             \
    CONVT_ROWS(c3_##SUFFIX, ATTRIBUTES, 3, PADDED, c1_##SUFFIX)                                                             \
    static void convt_##SUFFIX(const float *x, long channelStride, long cin, long h, long w, long row0,        \
                               long rows, const float *weight, int cout, float *y, long planeStride,           \
                               float *xp) {                                                                    \
        if (cout == 1) c1_##SUFFIX(x, channelStride, cin, h, w, row0, rows, weight, y, planeStride, xp);       \
        else if (cout == 2) c2_##SUFFIX(x, channelStride, cin, h, w, row0, rows, weight, y, planeStride, xp);  \
        else c3_##SUFFIX(x, channelStride, cin, h, w, row0, rows, weight, y, planeStride, xp);                 \
    }

#if defined(__x86_64__)

#include <immintrin.h>

#define LOAD_MASKED(V, P, M) ((V) = (f32x16)_mm512_maskz_loadu_ps((__mmask16)(M), (P)))

// AVX2 has masked loads too (vmaskmovps: 8 lanes, the mask a vector; masked-off lanes are not read), so it reads x
// itself like AVX-512 rather than copying a zero-bordered input first. Its 16 registers still hold fewer
// accumulators than the 24 of two 3-channel units, so it is slower than AVX-512 per FMA.
typedef float f32x8 __attribute__((vector_size(32)));
#define LOAD_MASKED_AVX2(V, P, M)                                                                                \
    do {                                                                                                       \
        const __m256i lanes_ = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);                                 \
        __m256i lo_ = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((M) & 0xff), lanes_), lanes_);    \
        __m256i hi_ = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32((M) >> 8), lanes_), lanes_);      \
        f32x8 a_ = (f32x8)_mm256_maskload_ps((P), lo_), b_ = (f32x8)_mm256_maskload_ps((P) + 8, hi_);          \
        (V) = __builtin_shufflevector(a_, b_, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);           \
    } while (0)

CONVT_ISA(avx2, __attribute__((target("avx2,fma"))), LOAD_MASKED_AVX2, 0)
CONVT_ISA(avx512, __attribute__((target("avx512f"))), LOAD_MASKED, 0)

void gs_convt_k4s2_few(const float *x, long channelStride, long cin, long h, long w, long row0, long rows,
                       const float *weight, int cout, float *y, long planeStride, float *scratch, int avx512) {
    if (avx512) convt_avx512(x, channelStride, cin, h, w, row0, rows, weight, cout, y, planeStride, scratch);
    else convt_avx2(x, channelStride, cin, h, w, row0, rows, weight, cout, y, planeStride, scratch);
}

#else

CONVT_ISA(vector, , LOAD_PLAIN, 1)

void gs_convt_k4s2_few(const float *x, long channelStride, long cin, long h, long w, long row0, long rows,
                       const float *weight, int cout, float *y, long planeStride, float *scratch, int avx512) {
    (void)avx512;
    convt_vector(x, channelStride, cin, h, w, row0, rows, weight, cout, y, planeStride, scratch);
}

#endif
