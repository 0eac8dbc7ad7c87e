// Shared by the machine probes (fmapeak.c, membw.c): start `threads` threads on fn((void *)i) together, wait for
// all, five times; the shortest wall time wins, so a run disturbed by another process does not count.
#include <pthread.h>
#include <time.h>

static double probe_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/// Seconds of the fastest of five runs; threads at most 256.
static double probe_best_seconds(int threads, void *(*fn)(void *)) {
    pthread_t th[256];
    double best = 1e300;
    for (int run = 0; run < 5; run++) {
        double t0 = probe_now();
        for (long i = 0; i < threads; i++) pthread_create(&th[i], NULL, fn, (void *)i);
        for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
        double dt = probe_now() - t0;
        if (dt < best) best = dt;
    }
    return best;
}
