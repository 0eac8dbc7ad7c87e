// The one place the reader touches bytes: a position in the file plus reads that check the remaining length
// first and name what they were reading when they fail. Everything is little-endian and may be unaligned,
// hence loadUnaligned + T(littleEndian:); nothing here knows the GGUF layout itself (see GGUFReader.swift).

struct ByteCursor {
    /// The file's first bytes: all of it when parsing from memory, as much as has been read when parsing a file.
    private(set) var bytes: [UInt8]
    /// The whole file's size; lengths are checked against this, not against what has been read so far.
    let size: Int
    private let file: OpenFile?
    private(set) var offset = 0

    init(_ bytes: [UInt8]) {
        (self.bytes, size, file) = (bytes, bytes.count, nil)
    }

    /// Reads `file` as far as the parse goes: a header of a few KiB costs a few KiB of reading, whatever the
    /// file's size.
    init(_ file: OpenFile) throws(GGUFError) {
        self.file = file
        size = file.size
        bytes = try file.read(0..<min(file.size, Self.firstRead))
    }

    private static let firstRead = 64 << 10

    var remaining: Int { size - offset }

    /// Claims the next `count` bytes. `what` is only built when the read fails.
    mutating func take(_ count: Int, reading what: @autoclosure () -> String) throws(GGUFError) -> Range<Int> {
        guard count >= 0, count <= remaining else {
            throw .truncated(reading: what(), offset: offset, needed: count, remaining: remaining)
        }
        let range = offset..<(offset + count)
        if range.upperBound > bytes.count, let file {
            // At least double what is held, so a header of many small fields costs few reads.
            let end = min(size, max(range.upperBound, 2 * bytes.count))
            bytes += try file.read(bytes.count..<end)
        }
        offset += count
        return range
    }

    mutating func read<T: FixedWidthInteger>(
        _: T.Type, _ what: @autoclosure () -> String
    ) throws(GGUFError) -> T {
        let range = try take(MemoryLayout<T>.size, reading: what())
        let raw = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: range.lowerBound, as: T.self) }
        return T(littleEndian: raw)
    }

    /// `count` values stored back to back, copied in one go; the caller has already bounded `count` by the
    /// remaining bytes, this re-checks so the cursor stays safe on its own.
    mutating func readArray<T: FixedWidthInteger>(
        _: T.Type, count: Int, _ what: @autoclosure () -> String
    ) throws(GGUFError) -> [T] {
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: MemoryLayout<T>.size)
        guard !overflow else {
            throw .truncated(reading: what(), offset: offset, needed: Int.max, remaining: remaining)
        }
        let range = try take(byteCount, reading: what())
        let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[range]))
            }
            initialized = count
        }
        #if _endian(big)
        return values.map { T(littleEndian: $0) }
        #else
        return values
        #endif
    }

    /// A GGUF string: u64 length, then that many bytes of UTF-8 with no NUL.
    mutating func readString(_ what: @autoclosure () -> String) throws(GGUFError) -> String {
        let start = offset
        let length = try read(UInt64.self, "the length of " + what())
        guard length <= UInt64(remaining) else {
            throw .stringTooLong(field: what(), length: length, offset: start, remaining: remaining)
        }
        let range = try take(Int(length), reading: what())
        guard let string = decodeUTF8(bytes[range]) else {
            throw .invalidUTF8(field: what(), offset: range.lowerBound)
        }
        return string
    }

    mutating func seek(to newOffset: Int) {
        precondition(newOffset >= 0 && newOffset <= size, "seek to \(newOffset) outside the file")
        offset = newOffset
    }
}

/// String(decoding:) repairs bad sequences with U+FFFD, so the result re-encodes to the input exactly when the
/// input was valid; this avoids String(validating:), which Apple platforms only ship in recent releases.
func decodeUTF8(_ bytes: ArraySlice<UInt8>) -> String? {
    let string = String(decoding: bytes, as: UTF8.self)
    return string.utf8.elementsEqual(bytes) ? string : nil
}
