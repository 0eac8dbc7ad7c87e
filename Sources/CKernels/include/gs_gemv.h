// gs_gemv.h: matrix-vector products over weights in the compact form a model file stores them in (f16, or int8 with
// a scale per 32 values of a row). A linear layer at batch 1-3 reads each of its weights once or twice per image, so
// it runs at the speed of reading them: 2 bytes (f16) or 1 byte and a bit (int8) instead of f32's 4.
//
// Each weight is widened to f32 exactly (f16 -> f32 is exact; so is q * scale, which the caller has checked), and
// each output is acc = fma(w[m,k], x[k], acc) over k in order: the same values and the same FMA sequence as the f32
// kernels of GanKernels/GEMM.swift, so a batch of 1 gives the same bits as a batch of 64.
//
// Operands: Aᵀ in slabs of 16 rows of A. Slab s holds, for each l in 0..<k, the 16 values of rows 16s..16s+15 at
// column l, one after another:
//   f16     halves (k, 16) per slab, IEEE binary16 bits
//   q8      quants (k, 16) int8 per slab and scales (k/32, 16) floats per slab: w = (float)q * scale[l / 32][r];
//           k is a multiple of 32
//   x       k floats, `ldx` apart
//   sums    (count, 16) floats: row 16s + r of the slabs' block of rows, before bias and activation
// `count` (1-4) consecutive slabs are done in one call: four chains of FMAs hide each other's latency.
// x86-64 needs AVX2, FMA and F16C (the package's baseline); elsewhere the compiler's vectors (NEON on arm64).
// gs_gemv_q8's `avx512` 1 uses AVX-512F (call only where gs_tile_avx512_available() is 1). All give the same bits.

#ifndef GS_GEMV_H
#define GS_GEMV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void gs_gemv_f16(const uint16_t *halves, long k, int count, const float *x, long ldx, float *sums);

void gs_gemv_q8(const int8_t *quants, const float *scales, long k, int count, const float *x, long ldx, float *sums,
                int avx512);

#ifdef __cplusplus
}
#endif

#endif
