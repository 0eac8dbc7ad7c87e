// Memory for a layer's packed weights and tables: zero-filled, never moved, freed with the layer, so that kernels
// on any thread can hold plain pointers into it. calloc, because a large block comes fresh from mmap and is zero
// already: no zeroing pass over memory about to be written anyway.
// No transparent huge pages: madvise saved a few faults but stalled some loads for tens of ms in compaction.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class PinnedBuffer<Element: BitwiseCopyable>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    /// `count` elements, every byte zero.
    init(zeroed count: Int) {
        precondition(count >= 0, "negative element count \(count)")
        self.count = count
        guard let raw = calloc(max(count, 1), MemoryLayout<Element>.stride) else {
            fatalError("out of memory for \(count) × \(MemoryLayout<Element>.stride) bytes")
        }
        pointer = raw.bindMemory(to: Element.self, capacity: max(count, 1))
    }

    /// A pinned copy of `values` (a layer's small tables, read by kernels through plain pointers).
    convenience init(_ values: [Element]) {
        self.init(zeroed: values.count)
        pointer.update(from: values, count: values.count)
    }

    deinit { free(pointer) }
}
