// Read bandwidth of a buffer of the given size (MiB, default 10: the ref-mlp's f32 weights), each of `threads`
// threads summing its own contiguous part again and again with 512-bit loads, as a matrix-vector product at batch
// 1 reads its weights. Prints GB/s, best of 5 runs.
//   gcc -O2 -mavx512f -pthread Benchmarks/membw.c -o membw && ./membw 2 10
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>

#include "probe_threads.h"

static size_t per_thread;  // floats
static int reps;
static float *buf;
static volatile float sink;

static void *work(void *arg) {
    const float *p = buf + (size_t)(long)arg * per_thread;
    __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    for (int r = 0; r < reps; r++)
        for (size_t i = 0; i < per_thread; i += 64) {
            s0 = _mm512_add_ps(s0, _mm512_load_ps(p + i));
            s1 = _mm512_add_ps(s1, _mm512_load_ps(p + i + 16));
            s2 = _mm512_add_ps(s2, _mm512_load_ps(p + i + 32));
            s3 = _mm512_add_ps(s3, _mm512_load_ps(p + i + 48));
        }
    sink = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    double mib = argc > 2 ? atof(argv[2]) : 10;
    if (threads < 1 || threads > 64 || mib <= 0) return 2;
    per_thread = ((size_t)(mib * 1048576 / 4) / threads) & ~(size_t)63;
    buf = aligned_alloc(64, per_thread * threads * 4);
    for (size_t i = 0; i < per_thread * threads; i++) buf[i] = 1e-9f * (float)(i & 1023);
    reps = (int)(2e9 / (per_thread * threads * 4)) + 1;
    double bytes = (double)per_thread * threads * 4 * reps;
    printf("%.1f GB/s\n", bytes / probe_best_seconds(threads, work) / 1e9);
    return 0;
}
