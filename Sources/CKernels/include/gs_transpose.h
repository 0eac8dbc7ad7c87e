// gs_transpose.h: y (columns, rows) = transpose of x (rows, columns), both row-major and dense. The layout moves of
// the (C, B, S) activations: a linear layer's (C·S, B) output viewed as C maps of (B, S) is one transpose per
// channel, and so is the batch-major input turned channel-major. 8 x 8 blocks are turned in registers (a scalar
// loop's strided stores were a visible share of a small DCGAN's pass); data only moves, so the bits are the input's.

#ifndef GS_TRANSPOSE_H
#define GS_TRANSPOSE_H

#ifdef __cplusplus
extern "C" {
#endif

void gs_transpose(const float *x, long rows, long columns, float *y);

#ifdef __cplusplus
}
#endif

#endif
