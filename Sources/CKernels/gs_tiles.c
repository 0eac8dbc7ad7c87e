// The AVX-512 tile: up to 24 accumulators of 16 floats (12 rows x 32 columns) in AVX-512's 32 registers. Per step
// of k it loads two B rows and broadcasts twelve A values into 24 FMAs, half the cache traffic per FMA of the
// 6x16 AVX2 tile (two B rows and six broadcasts per twelve 8-wide FMAs); the other shapes (6 or 12 rows by 8, 16,
// 24 or 32 columns) are the same loop, for the ragged edges of a product.

#include "gs_tiles.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdint.h>

int gs_tile_avx512_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

// What GanKernels' `epilogue` then `activate` do to a finished sum, in the same operations (so the same bits):
// fma(sum, scale, bias) with row scales, else sum + bias; then relu keeps x unless x < 0, leaky relu takes x * slope
// there. A row past the layer's last reads no bias or scale (its sums are never stored). An 8-wide accumulator goes
// through the same code in the low half of a 512-bit register (finish8): one copy of the epilogue, and no use of
// AVX-512VL, which gs_tile_avx512_available() does not check.
__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) __m512 finish16(__m512 v, const gs_epilogue *ep, int r) {
    if (r >= ep->rows) return v;
    __m512 bias = _mm512_set1_ps(ep->bias ? ep->bias[r] : 0.0f);
    v = ep->scale ? _mm512_fmadd_ps(v, _mm512_set1_ps(ep->scale[r]), bias) : _mm512_add_ps(v, bias);
    __mmask16 negative = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
    switch (ep->activation) {
    case GS_ACTIVATION_RELU: return _mm512_mask_mov_ps(v, negative, _mm512_setzero_ps());
    case GS_ACTIVATION_LEAKY_RELU: return _mm512_mask_mul_ps(v, negative, v, _mm512_set1_ps(ep->slope));
    default: return v;
    }
}

__attribute__((target("avx512f"))) static inline __attribute__((always_inline)) __m256 finish8(__m256 v, const gs_epilogue *ep, int r) {
    return _mm512_castps512_ps256(finish16(_mm512_zextps256_ps512(v), ep, r));
}

// ROWS rows (4, 6, 8 or 12; past 6 from the next A panel) by WIDE 16-wide columns (0-2) and NARROW (0 or 1) 8-wide one after them. The 8-wide column is
// for a last panel with at most 8 columns in use (its first 8): batch 1 on 7×7 inputs (49 columns) computes 56
// columns instead of 64. The loops have constant bounds, so each tile compiles to straight-line register code.
#define TILE(NAME, ROWS, WIDE, NARROW)                                                                             \
    __attribute__((target("avx512f"))) static void NAME(const float *a, const float *const *b0s,                  \
                                                         const float *const *b1s, long depth, int segments,        \
                                                         long k, float *sums, const gs_epilogue *ep) {             \
        __m512 acc[ROWS][WIDE + 1];                                                                                \
        __m256 last[ROWS];                                                                                         \
        for (int r = 0; r < ROWS; r++) {                                                                           \
            for (int c = 0; c < WIDE; c++) acc[r][c] = _mm512_setzero_ps();                                        \
            last[r] = _mm256_setzero_ps();                                                                         \
        }                                                                                                          \
        const float *a1 = a + 6 * k;                                                                               \
        for (int s = 0; s < segments; s++, a += 6 * depth, a1 += 6 * depth) {                                      \
            const float *b0 = b0s[s], *b1 = b1s[s], *narrow = WIDE ? b1 : b0;                                      \
            for (long l = 0; l < depth; l++) {                                                                     \
                __m512 b[WIDE + 1];                                                                                \
                if (WIDE > 0) b[0] = _mm512_loadu_ps(b0 + 16 * l);                                                 \
                if (WIDE > 1) b[1] = _mm512_loadu_ps(b1 + 16 * l);                                                 \
                __m256 bn = NARROW ? _mm256_loadu_ps(narrow + 16 * l) : _mm256_setzero_ps();                       \
                /* The next tile's A into L2: a linear layer streams A (mnist-dcgan's 100 -> 6272: 2.5 MB) from L3   \
                   once per chunk, and its tiles waited on it (68% of peak; 71-74% with this). */                    \
                __builtin_prefetch(a + 12 * k + 6 * l, 0, 2);                                                      \
                __builtin_prefetch(a1 + 12 * k + 6 * l, 0, 2);                                                     \
                for (int r = 0; r < ROWS; r++) {                                                                   \
                    float v = r < 6 ? a[6 * l + r] : a1[6 * l + r - 6];                                            \
                    for (int c = 0; c < WIDE; c++) acc[r][c] = _mm512_fmadd_ps(_mm512_set1_ps(v), b[c], acc[r][c]);\
                    if (NARROW) last[r] = _mm256_fmadd_ps(_mm256_set1_ps(v), bn, last[r]);                         \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
        if (ep) {                                                                                                  \
            /* Unrolled, so that acc stays in registers rather than in an array indexed at run time. */            \
            _Pragma("clang loop unroll(full)") for (int r = 0; r < ROWS; r++) {                                    \
                _Pragma("clang loop unroll(full)") for (int c = 0; c < WIDE; c++)                                  \
                    acc[r][c] = finish16(acc[r][c], ep, r);                                                        \
                if (NARROW) last[r] = finish8(last[r], ep, r);                                                     \
            }                                                                                                      \
        }                                                                                                          \
        for (int r = 0; r < ROWS; r++) {                                                                           \
            for (int c = 0; c < WIDE; c++) _mm512_storeu_ps(sums + 32 * r + 16 * c, acc[r][c]);                    \
            if (NARROW) _mm256_storeu_ps(sums + 32 * r + 16 * WIDE, last[r]);                                      \
        }                                                                                                          \
    }

TILE(tile12x32, 12, 2, 0)
TILE(tile12x24, 12, 1, 1)
TILE(tile12x16, 12, 1, 0)
TILE(tile12x8, 12, 0, 1)
TILE(tile8x32, 8, 2, 0)
TILE(tile8x24, 8, 1, 1)
TILE(tile8x16, 8, 1, 0)
TILE(tile8x8, 8, 0, 1)
TILE(tile6x32, 6, 2, 0)
TILE(tile6x24, 6, 1, 1)
TILE(tile6x16, 6, 1, 0)
TILE(tile6x8, 6, 0, 1)
TILE(tile4x32, 4, 2, 0)
TILE(tile4x24, 4, 1, 1)
TILE(tile4x16, 4, 1, 0)
TILE(tile4x8, 4, 0, 1)

// The variant for `rows` (1-12) and `columns` (8, 16, 24 or 32): rows round up to 4, 6, 8 or 12, the rows past the
// layer's last being the zero padding of its last A panel.
void gs_tile_avx512(const float *a, const float *const *b0, const float *const *b1, long depth, int segments, int rows,
                    int columns, float *sums, const gs_epilogue *epilogue) {
    typedef void (*tile_fn)(const float *, const float *const *, const float *const *, long, int, long, float *,
                            const gs_epilogue *);
    static const tile_fn tiles[4][4] = {
        {tile4x8, tile4x16, tile4x24, tile4x32},
        {tile6x8, tile6x16, tile6x24, tile6x32},
        {tile8x8, tile8x16, tile8x24, tile8x32},
        {tile12x8, tile12x16, tile12x24, tile12x32},
    };
    int r = rows <= 4 ? 0 : rows <= 6 ? 1 : rows <= 8 ? 2 : 3;
    tiles[r][columns / 8 - 1](a, b0, b1, depth, segments, depth * segments, sums, epilogue);
}

// One masked load and one store per channel row: the lanes outside the image (or past the buffer) are neither
// read nor kept, with no bounds test per row. Addresses are formed as integers because the window may start before x.
__attribute__((target("avx512f"))) void gs_gather_avx512(const float *x, long rowStride, long offset, long channels,
                                                           unsigned keep, float *panel) {
    __mmask16 mask = (__mmask16)keep;
    uintptr_t row = (uintptr_t)x + (uintptr_t)(offset * 4);
    for (long c = 0; c < channels; c++) {
        _mm512_storeu_ps(panel + 16 * c, _mm512_maskz_loadu_ps(mask, (const void *)row));
        row += (uintptr_t)(rowStride * 4);
    }
}

#else

int gs_tile_avx512_available(void) { return 0; }

void gs_gather_avx512(const float *x, long rowStride, long offset, long channels, unsigned keep, float *panel) {
    (void)x; (void)rowStride; (void)offset; (void)channels; (void)keep; (void)panel;
    __builtin_trap();  // unreachable: gs_tile_avx512_available() is 0 here
}

void gs_tile_avx512(const float *a, const float *const *b0, const float *const *b1, long depth, int segments, int rows,
                    int columns, float *sums, const gs_epilogue *epilogue) {
    (void)a; (void)b0; (void)b1; (void)depth; (void)segments; (void)rows; (void)columns; (void)sums; (void)epilogue;
    __builtin_trap();  // unreachable: gs_tile_avx512_available() is 0 here
}

#endif
