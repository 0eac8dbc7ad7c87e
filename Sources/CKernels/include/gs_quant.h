// gs_quant.h: whether a block of 32 floats is exactly an int8 grid, as a q8_0 tensor decodes to: the test behind the
// int8 slabs of GanKernels/PackedMatrix.swift, run once per 32 weights at load.
//
// scale = max |v| / 127; per value q = v / scale rounded half away from zero (0 when scale is 0), kept if
// |q| <= 127 and q * scale == v. A NaN or infinity anywhere refuses the block. IEEE single-precision operations
// only, no contraction, so the answer is the same on every machine.

#ifndef GS_QUANT_H
#define GS_QUANT_H

#ifdef __cplusplus
extern "C" {
#endif

// 1 with quants[0..31] and *scale written if `block` (32 floats) is exact, else 0 (outputs then unspecified).
int gs_q8_exact(const float *block, signed char *quants, float *scale);

#ifdef __cplusplus
}
#endif

#endif
