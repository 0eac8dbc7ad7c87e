// The worker pool's hand-off, on a pool of its own: a job published the moment the pool is made must still reach
// the helper, which starts only some tens of microseconds after pthread_create.

import Foundation
@testable import GanKernels
import Synchronization
import Testing

@Suite struct WorkerPoolHandOff {
    @Test func helperTakesTheFirstJobOfANewPool() {
        let pool = WorkerPool(helpers: 1)
        let started = Atomic<Int>(0)
        let threads = Mutex<[UInt64]>([])
        let ran = pool.run(slices: 2) { _ in
            threads.withLock { $0.append(currentThreadID()) }
            started.add(1, ordering: .sequentiallyConsistent)
            // Each slice waits for the other to start: on one thread the first would wait out the whole deadline.
            let deadline = Date().addingTimeInterval(5)
            while started.load(ordering: .sequentiallyConsistent) < 2 && Date() < deadline {}
        }
        #expect(ran)
        let seen = threads.withLock { $0 }
        #expect(seen.count == 2 && seen[0] != seen[1], "both slices ran on thread \(seen.first ?? 0)")
    }
}

private func currentThreadID() -> UInt64 {
    #if canImport(Darwin)
    UInt64(UInt(bitPattern: pthread_self()))
    #else
    UInt64(pthread_self())
    #endif
}
