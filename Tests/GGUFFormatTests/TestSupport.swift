// Helpers for building GGUF bytes by hand, field by field, so a test can corrupt exactly one field; and for
// asserting that the reader refuses a file with one specific error whose message names the field.

import GGUFFormat
import Testing

/// Appends GGUF fields in order; nothing is validated, which is the point.
struct RawGGUF {
    var bytes: [UInt8] = []

    /// magic, version, tensor_count, metadata_kv_count: the 24-byte header.
    init(version: UInt32 = 3, tensors: UInt64, keyValues: UInt64) {
        bytes = Array("GGUF".utf8)
        u32(version)
        u64(tensors)
        u64(keyValues)
    }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func raw(_ v: [UInt8]) { bytes.append(contentsOf: v) }
    mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
    mutating func string(_ s: String) { rawString(Array(s.utf8)) }
    mutating func rawString(_ s: [UInt8]) {
        u64(UInt64(s.count))
        raw(s)
    }
    mutating func padTo(multipleOf alignment: Int) {
        zeros((alignment - bytes.count % alignment) % alignment)
    }

    /// key, then a u32 value type id (the value follows separately).
    mutating func key(_ key: String, type: UInt32) {
        string(key)
        u32(type)
    }

    mutating func tensorInfo(_ name: String, ne: [UInt64], type: UInt32, offset: UInt64 = 0) {
        string(name)
        u32(UInt32(ne.count))
        for n in ne { u64(n) }
        u32(type)
        u64(offset)
    }
}

/// A file holding one tensor whose info is written as given, followed by `dataBytes` bytes of data.
func oneTensorFile(_ name: String, ne: [UInt64], type: UInt32, offset: UInt64 = 0, dataBytes: Int) -> [UInt8] {
    var file = RawGGUF(tensors: 1, keyValues: 0)
    file.tensorInfo(name, ne: ne, type: type, offset: offset)
    file.padTo(multipleOf: 32)
    file.zeros(dataBytes)
    return file.bytes
}

func parseError(_ bytes: [UInt8]) -> GGUFError? {
    do {
        _ = try GGUFFile(bytes: bytes)
        return nil
    } catch {
        return error
    }
}

/// The reader refuses `bytes` with exactly `expected`, and the message is one line that mentions `field`.
func expectRejects(
    _ bytes: [UInt8], _ expected: GGUFError, mentioning field: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let error = parseError(bytes)
    #expect(error == expected, sourceLocation: sourceLocation)
    expectOneLine(error ?? expected, mentioning: field, sourceLocation: sourceLocation)
}

func expectOneLine(
    _ error: GGUFError, mentioning field: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    let message = error.description
    #expect(message.contains(field), "\(message)", sourceLocation: sourceLocation)
    #expect(!message.contains("\n"), sourceLocation: sourceLocation)
    #expect(!message.hasSuffix("."), sourceLocation: sourceLocation)
}
