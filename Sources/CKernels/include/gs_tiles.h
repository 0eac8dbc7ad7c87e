// gs_tiles.h: the AVX-512 register tile of gansynth's GEMM, for CPUs that have it (checked at run time).
//
// Swift cannot compile one function for AVX-512 and the rest of a module for AVX2, so this tile lives in C with a
// per-function target attribute. It computes exactly what the portable 6x16 tile computes (each output element
// acc = fma(a[m,k], b[k,n], acc) over k in order, one rounding per step), so images are bit-identical whichever
// tile runs; only the number of rows and columns done at once differs.
//
// Operands, in the packing of GanKernels/GEMM.swift:
//   a      packed A: row panels of (k, 6) floats, one after another; `rows` (1-12) rows are computed, from one panel
//          (up to 6) or two consecutive ones; a tile for 4, 6, 8 or 12 rows runs, rows past `rows` being the zero
//          padding of a last panel
//   b0, b1 B panels of (k, 16) floats, each given as `segments` pieces of `depth` rows (k = segments * depth) that
//          may lie anywhere (a sub-pixel phase's taps, each a shifted copy of the input shared with other phases);
//          columns (8, 16, 24 or 32) says how many of their columns are computed: 8 or 16 from b0 alone, 24 or 32 from
//          b0 and the first 8 or all 16 of b1
//   sums   (12, 32) floats, row-major: rows 0-5 from the first A panel, 6-11 from the second; columns 0-15 from b0,
//          16-31 from b1. Entries not computed are left untouched.
//   epilogue  NULL: sums are the raw dot products; else each of the first `epilogue->rows` rows r is finished as
//          act(fma(sum, scale[r], bias[r])) (or act(sum + bias[r]) without scale; bias NULL reads as 0) in the same
//          operations as GanKernels' Swift epilogue, for the activations listed in gs_activation.

#ifndef GS_TILES_H
#define GS_TILES_H

#ifdef __cplusplus
extern "C" {
#endif

/// The activations a tile finishes itself; the others (tanh, sigmoid) are left to Swift.
typedef enum { GS_ACTIVATION_IDENTITY = 0, GS_ACTIVATION_RELU = 1, GS_ACTIVATION_LEAKY_RELU = 2 } gs_activation;

typedef struct {
    const float *bias;   // (rows) or NULL, from the tile's first row
    const float *scale;  // (rows) or NULL
    int rows;            // rows of the layer from the tile's first: min(12, M - i)
    int activation;      // a gs_activation
    float slope;         // of GS_ACTIVATION_LEAKY_RELU
} gs_epilogue;

/// 1 if this CPU and OS run AVX-512F (and so gs_tile_avx512), 0 otherwise (and on every CPU that is not x86-64).
int gs_tile_avx512_available(void);

/// One tile of up to 12 x 32 outputs over all k. Call only where gs_tile_avx512_available() is 1.
void gs_tile_avx512(const float *a, const float *const *b0, const float *const *b1, long depth, int segments, int rows,
                    int columns, float *sums, const gs_epilogue *epilogue);

/// The sub-pixel gather (GanKernels/TransposedConvolution.swift) for one tap: for each of `channels` rows,
/// panel[16c + lane] = keep bit `lane` ? x[c * rowStride + offset + lane] : 0. Masked-off lanes are never read, so
/// they may lie outside x (the shifted window at either end of it). Call only where gs_tile_avx512_available() is 1.
void gs_gather_avx512(const float *x, long rowStride, long offset, long channels, unsigned keep, float *panel);

#ifdef __cplusplus
}
#endif

#endif
