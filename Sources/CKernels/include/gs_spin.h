// gs_spin.h: a hint for threads that spin on a memory location (GanKernels/WorkerPool.swift). It lets the other
// hardware thread of the core run and stops the spinning loop from filling the pipeline with loads of a line
// another core is about to write.

#ifndef GS_SPIN_H
#define GS_SPIN_H

static inline void gs_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
