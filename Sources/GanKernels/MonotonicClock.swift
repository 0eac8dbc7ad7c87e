// The worker pool's clock: CLOCK_MONOTONIC in nanoseconds, read in its spin loop, where a raw integer is cheapest.
// Everything else times with the standard library's ContinuousClock.

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

