// Matrix-vector products over f16 and int8 weights (gs_gemv.h). One body per weight form, written with the
// compiler's vector extensions and instantiated once per instruction set: 16 floats are one AVX-512 register, two
// AVX2 ones, four NEON ones. Conversions: vcvtph2ps (F16C / AVX-512F), vpmovsxbd + vcvtdq2ps; fcvtl, sxtl + scvtf.

#include "gs_gemv.h"

typedef float f32x16 __attribute__((vector_size(64)));
typedef signed char i8x16 __attribute__((vector_size(16)));
typedef _Float16 f16x16 __attribute__((vector_size(32)));

// x in all 16 lanes: a shuffle, where `(f32x16){0} + x` would cost an add (0 + -0 is not -0).
#define SPLAT(x) __builtin_shufflevector((f32x16){(x)}, (f32x16){0}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

// COUNT slabs of f16 weights: one accumulator each, over all of k.
#define GEMV_F16(NAME, ATTRIBUTES, COUNT)                                                                        \
    ATTRIBUTES static void NAME(const uint16_t *halves, long k, const float *x, long ldx, float *sums) {        \
        f32x16 acc[COUNT];                                                                                     \
        for (int s = 0; s < COUNT; s++) acc[s] = (f32x16){0};                                                  \
        for (long l = 0; l < k; l++) {                                                                         \
            f32x16 xs = SPLAT(x[l * ldx]);                                                              \
            for (int s = 0; s < COUNT; s++) {                                                                  \
                f16x16 h;                                                                                      \
                __builtin_memcpy(&h, halves + (s * k + l) * 16, sizeof h);                                     \
                acc[s] = __builtin_elementwise_fma(__builtin_convertvector(h, f32x16), xs, acc[s]);            \
            }                                                                                                  \
        }                                                                                                      \
        for (int s = 0; s < COUNT; s++) __builtin_memcpy(sums + 16 * s, &acc[s], sizeof acc[s]);               \
    }

// COUNT slabs of int8 weights with a scale per 32 values of a row: the scales change once per block of 32 l.
#define GEMV_Q8(NAME, ATTRIBUTES, COUNT)                                                                         \
    ATTRIBUTES static void NAME(const int8_t *quants, const float *scales, long k, const float *x, long ldx,   \
                                float *sums) {                                                                 \
        f32x16 acc[COUNT];                                                                                     \
        for (int s = 0; s < COUNT; s++) acc[s] = (f32x16){0};                                                  \
        long blocks = k / 32;                                                                                  \
        for (long b = 0; b < blocks; b++) {                                                                    \
            f32x16 scale[COUNT];                                                                               \
            for (int s = 0; s < COUNT; s++)                                                                    \
                __builtin_memcpy(&scale[s], scales + (s * blocks + b) * 16, sizeof scale[s]);                 \
            for (long l = 32 * b; l < 32 * b + 32; l++) {                                                      \
                f32x16 xs = SPLAT(x[l * ldx]);                                                          \
                for (int s = 0; s < COUNT; s++) {                                                              \
                    i8x16 q;                                                                                   \
                    __builtin_memcpy(&q, quants + (s * k + l) * 16, sizeof q);                                 \
                    f32x16 w = __builtin_convertvector(q, f32x16) * scale[s];                                  \
                    acc[s] = __builtin_elementwise_fma(w, xs, acc[s]);                                         \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
        for (int s = 0; s < COUNT; s++) __builtin_memcpy(sums + 16 * s, &acc[s], sizeof acc[s]);               \
    }

// One instruction set: the four-slab and one-slab bodies and the entry that picks between them.
#define ENTRY_F16(SUFFIX)                                                                                        \
    static void f16_##SUFFIX(const uint16_t *halves, long k, int count, const float *x, long ldx, float *sums) { \
        if (count == 4) { f16x4_##SUFFIX(halves, k, x, ldx, sums); return; }                                   \
        for (int s = 0; s < count; s++) f16x1_##SUFFIX(halves + s * k * 16, k, x, ldx, sums + 16 * s);         \
    }
#define ENTRY_Q8(SUFFIX)                                                                                         \
    static void q8_##SUFFIX(const int8_t *quants, const float *scales, long k, int count, const float *x,       \
                            long ldx, float *sums) {                                                           \
        if (count == 4) { q8x4_##SUFFIX(quants, scales, k, x, ldx, sums); return; }                            \
        for (int s = 0; s < count; s++)                                                                        \
            q8x1_##SUFFIX(quants + s * k * 16, scales + s * (k / 32) * 16, k, x, ldx, sums + 16 * s);          \
    }

#if defined(__x86_64__)

// f16 on x86 always widens 8 at a time (F16C's vcvtph2ps ymm): on Zen 4 the 16-wide AVX-512 form runs at half the
// rate per value, so an AVX-512 f16 kernel read 27.5 weights/ns from L2 where this one reads 48 (1 thread, 256 x
// 1024). The int8 kernel has no such step and runs at the same rate either way (21-22 weights/ns); it keeps both.
#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define AVX512 __attribute__((target("avx512f")))
GEMV_F16(f16x4_avx2, AVX2, 4)
GEMV_F16(f16x1_avx2, AVX2, 1)
ENTRY_F16(avx2)
GEMV_Q8(q8x4_avx2, AVX2, 4)
GEMV_Q8(q8x1_avx2, AVX2, 1)
ENTRY_Q8(avx2)
GEMV_Q8(q8x4_avx512, AVX512, 4)
GEMV_Q8(q8x1_avx512, AVX512, 1)
ENTRY_Q8(avx512)

void gs_gemv_f16(const uint16_t *halves, long k, int count, const float *x, long ldx, float *sums) {
    f16_avx2(halves, k, count, x, ldx, sums);
}

void gs_gemv_q8(const int8_t *quants, const float *scales, long k, int count, const float *x, long ldx, float *sums,
                int avx512) {
    if (avx512) q8_avx512(quants, scales, k, count, x, ldx, sums);
    else q8_avx2(quants, scales, k, count, x, ldx, sums);
}

#else

GEMV_F16(f16x4_vector, , 4)
GEMV_F16(f16x1_vector, , 1)
ENTRY_F16(vector)
GEMV_Q8(q8x4_vector, , 4)
GEMV_Q8(q8x1_vector, , 1)
ENTRY_Q8(vector)

void gs_gemv_f16(const uint16_t *halves, long k, int count, const float *x, long ldx, float *sums) {
    f16_vector(halves, k, count, x, ldx, sums);
}

void gs_gemv_q8(const int8_t *quants, const float *scales, long k, int count, const float *x, long ldx, float *sums,
                int avx512) {
    (void)avx512;
    q8_vector(quants, scales, k, count, x, ldx, sums);
}

#endif
