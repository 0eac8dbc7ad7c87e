// Helper threads that wait for work by spinning briefly before they sleep. A forward pass forks and joins
// once per layer, and waking a sleeping thread costs as much as a whole small layer: with threads that slept
// between layers, 2 threads ran a batch-1 MLP slower than 1.
//
// Protocol. `ticket` packs (generation: 32 bits, slices: 16, next: 16). The submitter publishes a job by
// writing `body` and then storing a ticket of a new generation with next = 0. Anyone claims slice `next` by
// compare-and-swapping the ticket to next + 1 within the same generation, and only then reads `body`: while a
// slice is claimed and not done the job cannot finish, so `body` cannot change under a reader. A thread that
// saw an older generation fails its swap and claims nothing. The submitter runs slices too and returns when
// `done` reaches the slice count.

import CKernels
import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class WorkerPool: @unchecked Sendable {
    /// One pool per thread count, made on first use; its threads live as long as the process.
    static func shared(threads: Int) -> WorkerPool {
        pools.withLock { pools in
            if let pool = pools[threads] { return pool }
            let pool = WorkerPool(helpers: threads - 1)
            pools[threads] = pool
            return pool
        }
    }
    private static let pools = Mutex<[Int: WorkerPool]>([:])

    /// How long a helper spins for the next job before it sleeps: 200 µs, or not at all when the pool has more
    /// threads than the machine has cores (a spinning helper would then hold a core a working thread needs).
    private let spinNanoseconds: UInt64

    /// Until this time (monotonicNanoseconds) idle helpers nap rather than sleep.
    private let awakeUntil = Atomic<UInt64>(0)

    private let ticket = Atomic<UInt64>(0)
    private let done = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private var body: ((Int) -> Void)?

    /// A pool of its own, for tests; kernels use `shared(threads:)`.
    init(helpers: Int) {
        spinNanoseconds = helpers + 1 <= sysconf(Int32(_SC_NPROCESSORS_ONLN)) ? 200_000 : 0
        for _ in 0..<helpers {
            let context = Unmanaged.passRetained(self).toOpaque()
            #if canImport(Darwin)
            var thread: pthread_t? = nil
            #else
            var thread = pthread_t()
            #endif
            let started = pthread_create(&thread, nil, { context in
                Unmanaged<WorkerPool>.fromOpaque(context!).takeRetainedValue().helperLoop()
            }, context)
            guard started == 0 else {
                // Out of threads (a process limit): the submitter runs every slice no helper claims, so fewer
                // helpers only mean less parallelism, never a wrong or missing result.
                Unmanaged<WorkerPool>.fromOpaque(context).release()
                break
            }
            #if canImport(Darwin)
            pthread_detach(thread!)
            #else
            pthread_detach(thread)
            #endif
        }
    }

    /// Keeps idle helpers awake, in short naps instead of asleep on the semaphore, for the next `nanoseconds`: woken
    /// from the semaphore, a helper starts the CLI's first job milliseconds late. Nothing where helpers do not spin
    /// at all (more threads than cores).
    func keepAwake(nanoseconds: UInt64) {
        guard spinNanoseconds > 0 else { return }
        awakeUntil.store(monotonicNanoseconds() + nanoseconds, ordering: .sequentiallyConsistent)
        let asleep = sleepers.exchange(0, ordering: .sequentiallyConsistent)
        for _ in 0..<asleep { wake.signal() }
    }

    /// Runs body(0..<slices), each index once, on the caller and the helpers; false (nothing run) if the pool is
    /// already running a job (a second caller, or a kernel inside a kernel), so that the caller runs them itself.
    func run(slices: Int, _ body: (Int) -> Void) -> Bool {
        precondition(slices > 0 && slices < 1 << 16)
        guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { busy.store(false, ordering: .releasing) }
        withoutActuallyEscaping(body) { body in
            self.body = body
            done.store(0, ordering: .relaxed)
            let generation = (ticket.load(ordering: .relaxed) >> 32) &+ 1
            ticket.store((generation & 0xffff_ffff) << 32 | UInt64(slices) << 16, ordering: .sequentiallyConsistent)
            let asleep = sleepers.exchange(0, ordering: .sequentiallyConsistent)
            for _ in 0..<asleep { wake.signal() }
            runSlices(of: (generation & 0xffff_ffff) << 32)
            while done.load(ordering: .acquiring) < slices { gs_spin_pause() }
            self.body = nil
        }
        return true
    }

    /// Claims and runs slices of the job of `generation` (high 32 bits) until none is left.
    private func runSlices(of generation: UInt64) {
        var t = ticket.load(ordering: .acquiring)
        while t & 0xffff_ffff_0000_0000 == generation {
            let slices = (t >> 16) & 0xffff, next = t & 0xffff
            guard next < slices else { return }
            let (swapped, current) = ticket.compareExchange(expected: t, desired: t + 1, ordering: .acquiringAndReleasing)
            if swapped {
                body!(Int(next))
                done.add(1, ordering: .releasing)
                t = ticket.load(ordering: .acquiring)
            } else {
                t = current
            }
        }
    }

    private func helperLoop() -> Never {
        // Generation 0 is the ticket the pool starts with, not a job: a helper that reads the ticket only after the
        // first job was published (a thread starts tens of microseconds after pthread_create) must still take that
        // job's slices, or the submitter runs them all (the CLI's whole batch, on one thread).
        var seen: UInt64 = 0
        while true {
            var spinStart: UInt64 = 0, spins = 0
            while ticket.load(ordering: .acquiring) & 0xffff_ffff_0000_0000 == seen {
                spins += 1
                gs_spin_pause()
                guard spins % 64 == 0 else { continue }
                if spinStart == 0 { spinStart = monotonicNanoseconds() }
                let now = monotonicNanoseconds()
                guard now - spinStart >= spinNanoseconds else { continue }
                if now < awakeUntil.load(ordering: .relaxed) {
                    // Naps, not spinning: a helper spinning through a model load slows the loading thread.
                    var nap = timespec(tv_sec: 0, tv_nsec: 100_000)
                    nanosleep(&nap, nil)
                    continue
                }
                sleepers.add(1, ordering: .sequentiallyConsistent)
                // A job published after this check finds us counted and signals; one published before it is seen
                // here. A signal meant for an earlier round only makes us look again.
                if ticket.load(ordering: .sequentiallyConsistent) & 0xffff_ffff_0000_0000 == seen { wake.wait() }
                spinStart = 0
            }
            seen = ticket.load(ordering: .acquiring) & 0xffff_ffff_0000_0000
            runSlices(of: seen)
        }
    }
}
