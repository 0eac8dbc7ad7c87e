// Splits a kernel's independent pieces of work over threads. Pieces never share an output element, and
// each element is computed by the same instruction sequence whichever thread runs it, so results do not
// depend on the thread count. The threads are a WorkerPool's. Which register tile the products run on goes with
// them: how the work runs on this machine, never what it computes.

public struct Parallelism: Sendable {
    public let threads: Int
    public let tiles: TileKernel
    /// Most bytes of packed A one block of the tiled loop takes (GEMM.swift); tests shrink it to cross blocks.
    let blockBytes: Int
    /// The helpers, looked up once here rather than at every fork (a forward pass forks once or twice per layer).
    private let pool: WorkerPool?

    public init(threads: Int, tiles: TileKernel = .fastest) {
        self.init(threads: threads, tiles: tiles, blockBytes: 8 << 20)
    }

    init(threads: Int, tiles: TileKernel, blockBytes: Int) {
        precondition(threads >= 1, "thread count must be at least 1")
        precondition(tiles.isAvailable, "the \(tiles) tile needs a CPU feature this machine lacks")
        self.threads = threads
        self.tiles = tiles
        self.blockBytes = blockBytes
        pool = threads > 1 ? WorkerPool.shared(threads: threads) : nil
    }

    public static let serial = Parallelism(threads: 1)

    /// The same tiles and blocks on the calling thread alone, for work that is itself one of several run side by side.
    public var singleThread: Parallelism { Parallelism(threads: 1, tiles: tiles, blockBytes: blockBytes) }

    /// Asks idle helper threads to stay awake for the next `seconds` (in short naps, not asleep: WorkerPool.swift),
    /// for work about to come: a command that loads a model and then computes.
    public func keepHelpersAwake(seconds: Double) {
        pool?.keepAwake(nanoseconds: UInt64(max(0, seconds) * 1e9))
    }

    /// Runs `body(range)` for contiguous slices of `0..<count`, at most one slice per thread.
    public func forEachSlice(of count: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let slices = min(threads, count)
        if slices == 1 {
            body(0..<count)
            return
        }
        func slice(_ s: Int) {
            let lo = count * s / slices, hi = count * (s + 1) / slices
            if lo < hi { body(lo..<hi) }
        }
        // A pool already at work (a second caller, or a kernel inside a kernel): the slices run here, one by one.
        if !pool!.run(slices: slices, slice) {
            for s in 0..<slices { slice(s) }
        }
    }
}

/// Kernels hand raw buffers to worker threads that write disjoint parts of them.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
