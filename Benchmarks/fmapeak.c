// Sustained single-precision FMA peak: each thread runs 16 independent chains of 512-bit (AVX-512F) FMAs, or
// with a second argument `avx2` of 256-bit FMAs, on registers, so neither memory nor dependency latency limits
// it. Prints GFLOP/s (2 flops per lane per FMA) for the thread count given (default 1), best of 5 runs.
//   gcc -O2 -mavx512f -mfma -pthread Benchmarks/fmapeak.c -o fmapeak && ./fmapeak 2 && ./fmapeak 2 avx2
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>

#include "probe_threads.h"

#define ITERS 10000000L
static volatile float sink;

static void *work256(void *arg) {
    (void)arg;
    __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    __m256 c0 = _mm256_set1_ps(0.f), c1 = _mm256_set1_ps(1.f), c2 = _mm256_set1_ps(2.f), c3 = _mm256_set1_ps(3.f);
    __m256 c4 = _mm256_set1_ps(4.f), c5 = _mm256_set1_ps(5.f), c6 = _mm256_set1_ps(6.f), c7 = _mm256_set1_ps(7.f);
    __m256 c8 = _mm256_set1_ps(8.f), c9 = _mm256_set1_ps(9.f), ca = _mm256_set1_ps(10.f), cb = _mm256_set1_ps(11.f);
    // 12 chains (not 16): with a and b, 14 of the 16 ymm registers, so nothing spills.
    for (long i = 0; i < 2 * ITERS * 16 / 12; i++) {
#define G(x) x = _mm256_fmadd_ps(x, a, b);
        G(c0) G(c1) G(c2) G(c3) G(c4) G(c5) G(c6) G(c7) G(c8) G(c9) G(ca) G(cb)
        __asm__ volatile("" : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5), "+v"(c6), "+v"(c7));
    }
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                             _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(ca, cb)));
    float f[8];
    _mm256_storeu_ps(f, s);
    sink = f[0] + f[7];
    return NULL;
}

static void *work(void *arg) {
    (void)arg;
    __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    __m512 c0 = _mm512_set1_ps(0.f), c1 = _mm512_set1_ps(1.f), c2 = _mm512_set1_ps(2.f), c3 = _mm512_set1_ps(3.f);
    __m512 c4 = _mm512_set1_ps(4.f), c5 = _mm512_set1_ps(5.f), c6 = _mm512_set1_ps(6.f), c7 = _mm512_set1_ps(7.f);
    __m512 c8 = _mm512_set1_ps(8.f), c9 = _mm512_set1_ps(9.f), ca = _mm512_set1_ps(10.f), cb = _mm512_set1_ps(11.f);
    __m512 cc = _mm512_set1_ps(12.f), cd = _mm512_set1_ps(13.f), ce = _mm512_set1_ps(14.f), cf = _mm512_set1_ps(15.f);
    for (long i = 0; i < ITERS; i++) {
#define F(x) x = _mm512_fmadd_ps(x, a, b);
        F(c0) F(c1) F(c2) F(c3) F(c4) F(c5) F(c6) F(c7) F(c8) F(c9) F(ca) F(cb) F(cc) F(cd) F(ce) F(cf)
        __asm__ volatile("" : "+v"(c0), "+v"(c1), "+v"(c2), "+v"(c3), "+v"(c4), "+v"(c5), "+v"(c6), "+v"(c7));
    }
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                             _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(ca, cb)),
                                       _mm512_add_ps(_mm512_add_ps(cc, cd), _mm512_add_ps(ce, cf))));
    sink = _mm512_reduce_add_ps(s);
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    if (threads < 1 || threads > 256) return 2;
    void *(*fn)(void *) = argc > 2 && argv[2][0] == 'a' ? work256 : work;
    double flops = (double)threads * ITERS * 16 * 16 * 2;
    printf("%.1f GFLOP/s\n", flops / probe_best_seconds(threads, fn) / 1e9);
    return 0;
}
