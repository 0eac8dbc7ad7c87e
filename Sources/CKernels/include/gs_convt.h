// gs_convt.h: the DCGAN output layer — ConvTranspose2d(Cin, Cout, kernel 4, stride 2, padding 1) to 1-3 channels —
// computed directly, a few rows of one image at a time. With so few output channels the GEMM ways waste their tiles (3 of 12
// rows) or scatter-add a column matrix one value at a time; here each vector holds 16 neighbouring pixels of one
// output phase and every loaded input vector feeds up to 4 phases x Cout channels of FMAs.
//
// Output pixel (2iy + py, 2ix + px) = sum over ci, and over the taps (ky, kx) with ky = 1 - py (mod 2) and
// kx = 1 - px (mod 2), of W[ci, co, ky, kx] * x[ci, iy + (py + 1 - ky) / 2, ix + (px + 1 - kx) / 2]
// (PyTorch's definition, out-of-range inputs zero). Each output is one chain of FMAs: ci outer, then (ky, kx) in
// row-major order, from 0; bias and activation are the caller's.
//
// Operands: input rows row0..<row0+rows of one image, to output rows 2*row0..<2*(row0+rows).
//   x        the image's channel 0, (h, w); channel ci at x + ci * channelStride
//   weight   (cin, cout, 4, 4), as PyTorch stores it
//   y        the image's cout output planes of (2h, 2w), `planeStride` floats apart; the rows' outputs all written
//   scratch  cin * (rows + 2) * (16 * ceil(w / 16) + 2) floats: targets without masked loads (NEON) copy the rows
//            there with zero borders; x86 (AVX-512, AVX2) reads x itself under masks
// cout is 1, 2 or 3. `avx512` 1 uses AVX-512F (call only where gs_tile_avx512_available() is 1); every path gives
// the same bits (the same FMAs in the same order, lane by lane).

#ifndef GS_CONVT_H
#define GS_CONVT_H

#ifdef __cplusplus
extern "C" {
#endif

void gs_convt_k4s2_few(const float *x, long channelStride, long cin, long h, long w, long row0, long rows,
                       const float *weight, int cout, float *y, long planeStride, float *scratch, int avx512);

#ifdef __cplusplus
}
#endif

#endif
