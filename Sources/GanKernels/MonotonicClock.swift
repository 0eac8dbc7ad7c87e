// The one clock of the project: the worker pool's spin limit, per-step timings, the CLI's progress line and the
// benchmarks all read CLOCK_MONOTONIC, which never jumps with the wall clock.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

public func monotonicSeconds() -> Double { Double(monotonicNanoseconds()) / 1e9 }
