// The AVX-512 tile: up to 24 accumulators of 16 floats (12 rows x 32 columns) in AVX-512's 32 registers. Per step
// of k it loads two B rows and broadcasts twelve A values into 24 FMAs, half the cache traffic per FMA of the
// 6x16 AVX2 tile (two B rows and six broadcasts per twelve 8-wide FMAs); the other shapes (6x32, 12x16, 6x16) are
// the same loop, for the ragged edges of a product.

#include "gs_tiles.h"

#if defined(__x86_64__)
#include <immintrin.h>

int gs_tile_avx512_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 1 : 0;
}

#define TILE(NAME, ROWS, COLS)                                                                                     \
    __attribute__((target("avx512f"))) static void NAME(const float *a, const float *b0, const float *b1, long k, \
                                                         float *sums) {                                           \
        __m512 acc[ROWS][COLS];                                                                                    \
        for (int r = 0; r < ROWS; r++)                                                                             \
            for (int c = 0; c < COLS; c++) acc[r][c] = _mm512_setzero_ps();                                        \
        const float *a1 = a + 6 * k;                                                                               \
        for (long l = 0; l < k; l++) {                                                                             \
            __m512 b[COLS];                                                                                        \
            b[0] = _mm512_loadu_ps(b0 + 16 * l);                                                                   \
            if (COLS == 2) b[COLS - 1] = _mm512_loadu_ps(b1 + 16 * l);                                             \
            for (int r = 0; r < ROWS; r++) {                                                                       \
                __m512 x = _mm512_set1_ps(r < 6 ? a[6 * l + r] : a1[6 * l + r - 6]);                               \
                for (int c = 0; c < COLS; c++) acc[r][c] = _mm512_fmadd_ps(x, b[c], acc[r][c]);                    \
            }                                                                                                      \
        }                                                                                                          \
        for (int r = 0; r < ROWS; r++)                                                                             \
            for (int c = 0; c < COLS; c++) _mm512_storeu_ps(sums + 32 * r + 16 * c, acc[r][c]);                    \
    }

TILE(tile12x32, 12, 2)
TILE(tile12x16, 12, 1)
TILE(tile6x32, 6, 2)
TILE(tile6x16, 6, 1)

void gs_tile_avx512(const float *a, const float *b0, const float *b1, long k, int rowPanels, int columnPanels,
                    float *sums) {
    if (rowPanels == 2) {
        if (columnPanels == 2) tile12x32(a, b0, b1, k, sums);
        else tile12x16(a, b0, b1, k, sums);
    } else {
        if (columnPanels == 2) tile6x32(a, b0, b1, k, sums);
        else tile6x16(a, b0, b1, k, sums);
    }
}

#else

int gs_tile_avx512_available(void) { return 0; }

void gs_tile_avx512(const float *a, const float *b0, const float *b1, long k, int rowPanels, int columnPanels,
                    float *sums) {
    (void)a; (void)b0; (void)b1; (void)k; (void)rowPanels; (void)columnPanels; (void)sums;
    __builtin_trap();  // unreachable: gs_tile_avx512_available() is 0 here
}

#endif
