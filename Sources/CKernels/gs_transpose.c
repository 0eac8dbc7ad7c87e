// gs_transpose.h's 8 x 8 register transpose, in the compiler's vectors (two unpacks and a lane swap: AVX2's
// vunpck/vshufps/vperm2f128, NEON's zip/trn), then the ragged edges one value at a time.

#include "gs_transpose.h"

typedef float f32x8 __attribute__((vector_size(32)));

#if defined(__x86_64__)
#define ISA __attribute__((target("avx2")))
#else
#define ISA
#endif

#define LO(a, b) __builtin_shufflevector(a, b, 0, 8, 1, 9, 4, 12, 5, 13)
#define HI(a, b) __builtin_shufflevector(a, b, 2, 10, 3, 11, 6, 14, 7, 15)
#define PAIRS_LO(a, b) __builtin_shufflevector(a, b, 0, 1, 8, 9, 4, 5, 12, 13)
#define PAIRS_HI(a, b) __builtin_shufflevector(a, b, 2, 3, 10, 11, 6, 7, 14, 15)
#define HALVES_LO(a, b) __builtin_shufflevector(a, b, 0, 1, 2, 3, 8, 9, 10, 11)
#define HALVES_HI(a, b) __builtin_shufflevector(a, b, 4, 5, 6, 7, 12, 13, 14, 15)

ISA static void block8(const float *x, long ldx, float *y, long ldy) {
    f32x8 v[8], t[8], u[8];
    for (int i = 0; i < 8; i++) __builtin_memcpy(&v[i], x + i * ldx, sizeof v[i]);
    for (int i = 0; i < 8; i += 2) { t[i] = LO(v[i], v[i + 1]); t[i + 1] = HI(v[i], v[i + 1]); }
    for (int i = 0; i < 8; i += 4) {
        u[i] = PAIRS_LO(t[i], t[i + 2]);
        u[i + 1] = PAIRS_HI(t[i], t[i + 2]);
        u[i + 2] = PAIRS_LO(t[i + 1], t[i + 3]);
        u[i + 3] = PAIRS_HI(t[i + 1], t[i + 3]);
    }
    for (int i = 0; i < 4; i++) {
        f32x8 a = HALVES_LO(u[i], u[i + 4]), b = HALVES_HI(u[i], u[i + 4]);
        __builtin_memcpy(y + i * ldy, &a, sizeof a);
        __builtin_memcpy(y + (i + 4) * ldy, &b, sizeof b);
    }
}

ISA void gs_transpose(const float *x, long rows, long columns, float *y) {
    long r8 = rows / 8 * 8, c8 = columns / 8 * 8;
    for (long r = 0; r < r8; r += 8) {
        for (long c = 0; c < c8; c += 8) block8(x + r * columns + c, columns, y + c * rows + r, rows);
        for (long c = c8; c < columns; c++)
            for (long i = r; i < r + 8; i++) y[c * rows + i] = x[i * columns + c];
    }
    for (long r = r8; r < rows; r++)
        for (long c = 0; c < columns; c++) y[c * rows + r] = x[r * columns + c];
}
