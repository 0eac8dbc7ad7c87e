// One hand-built corrupt file per reader rule (GGUFReader.swift, in its order), each asserting the exact error
// case with its numbers and that the message names the offending field.

import GGUFFormat
import Testing

@Suite struct HeaderValidation {
    @Test func fileShorterThanHeader() {
        var file = RawGGUF(tensors: 0, keyValues: 0)
        file.bytes.removeLast(12)
        expectRejects(file.bytes, .fileTooSmall(size: 12), mentioning: "12 bytes")
        expectRejects([], .fileTooSmall(size: 0), mentioning: "at least 24")
    }

    @Test func badMagic() {
        var file = RawGGUF(tensors: 0, keyValues: 0)
        file.bytes.replaceSubrange(0..<4, with: Array("GGML".utf8))
        expectRejects(file.bytes, .badMagic(found: [0x47, 0x47, 0x4D, 0x4C]), mentioning: "magic is 'GGML'")
        // A short file that is not GGUF at all says so rather than "too small".
        expectRejects(Array("PK\u{3}\u{4}xx".utf8), .badMagic(found: [0x50, 0x4B, 3, 4]), mentioning: "magic")
    }

    @Test(arguments: [0, 1, 2, 4, 1000] as [UInt32])
    func unsupportedVersion(version: UInt32) {
        let file = RawGGUF(version: version, tensors: 0, keyValues: 0)
        expectRejects(file.bytes, .unsupportedVersion(version), mentioning: "version is \(version)")
    }

    @Test func byteSwappedVersionIsBigEndian() {
        let file = RawGGUF(version: UInt32(3).byteSwapped, tensors: 0, keyValues: 0)
        expectRejects(file.bytes, .bigEndian(version: 50_331_648), mentioning: "big-endian")
    }

    @Test func tensorCountBoundedByFileSize() {
        var file = RawGGUF(tensors: 1 << 63, keyValues: 0)
        file.zeros(100)
        expectRejects(
            file.bytes, .tooManyTensors(count: 1 << 63, remaining: 100, maxCount: 3), mentioning: "tensor_count")
    }

    @Test func keyValueCountBoundedByFileSize() {
        var file = RawGGUF(tensors: 0, keyValues: 1 << 63)
        file.zeros(100)
        expectRejects(
            file.bytes, .tooManyKeyValues(count: 1 << 63, remaining: 100, maxCount: 7),
            mentioning: "metadata_kv_count")
    }
}

@Suite struct MetadataValidation {
    @Test func truncatedValue() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.key("a", type: 4)  // u32
        file.raw([1, 2])
        expectRejects(
            file.bytes, .truncated(reading: "the value of key 'a'", offset: 37, needed: 4, remaining: 2),
            mentioning: "key 'a'")
    }

    @Test func stringLengthPastEndOfFile() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.u64(1000)
        file.raw(Array("general.na".utf8))
        expectRejects(
            file.bytes,
            .stringTooLong(field: "the key of key/value pair #0", length: 1000, offset: 24, remaining: 10),
            mentioning: "length 1000")
    }

    @Test func emptyKey() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.key("", type: 0)
        file.raw([5, 0])
        expectRejects(file.bytes, .emptyKey(index: 0), mentioning: "key of key/value pair #0")
    }

    @Test func keyNotUTF8() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.rawString([0x61, 0xFF])
        file.u32(0)
        file.u8(1)
        expectRejects(
            file.bytes, .invalidUTF8(field: "the key of key/value pair #0", offset: 32), mentioning: "UTF-8")
    }

    @Test func stringValueNotUTF8() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.key("general.name", type: 8)
        file.rawString([0xC3, 0x28])  // a lead byte followed by a non-continuation byte
        expectRejects(
            file.bytes, .invalidUTF8(field: "the value of key 'general.name'", offset: 56),
            mentioning: "'general.name'")
    }

    @Test func stringArrayElementNotUTF8() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.key("labels", type: 9)
        file.u32(8)
        file.u64(2)
        file.string("zero")
        file.rawString([0xED, 0xA0, 0x80])  // an encoded surrogate, invalid in UTF-8
        expectRejects(
            file.bytes, .invalidUTF8(field: "element 1 of array 'labels'", offset: 74), mentioning: "element 1")
    }

    @Test func duplicateKey() {
        var file = RawGGUF(tensors: 0, keyValues: 3)
        for key in ["a", "b", "a"] {
            file.key(key, type: 0)
            file.u8(1)
        }
        expectRejects(file.bytes, .duplicateKey(key: "a", firstIndex: 0, secondIndex: 2), mentioning: "'a'")
    }

    @Test func unknownValueType() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.key("a", type: 13)
        file.zeros(8)
        expectRejects(file.bytes, .unknownValueType(key: "a", typeID: 13), mentioning: "value type is 13")
    }

    @Test func unknownArrayElementType() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.key("a", type: 9)
        file.u32(0xFFFF_FFFF)
        file.u64(0)
        expectRejects(file.bytes, .unknownValueType(key: "a", typeID: 0xFFFF_FFFF), mentioning: "4294967295")
    }

    @Test func nestedArray() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.key("a", type: 9)
        file.u32(9)
        file.u64(0)
        expectRejects(file.bytes, .nestedArray(key: "a"), mentioning: "arrays of arrays")
    }

    @Test func arrayByteSizeOverflows() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.key("a", type: 9)
        file.u32(4)  // u32 elements: 2^62 × 4 wraps to 0
        file.u64(1 << 62)
        file.zeros(8)
        expectRejects(
            file.bytes, .arrayTooLarge(key: "a", elementType: "u32", count: 1 << 62, remaining: 8),
            mentioning: "4611686018427387904 u32")
    }

    @Test func arrayLongerThanFile() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.key("names", type: 9)
        file.u32(8)  // strings: each at least its 8-byte length
        file.u64(3)
        file.string("ab")
        expectRejects(
            file.bytes, .arrayTooLarge(key: "names", elementType: "string", count: 3, remaining: 10),
            mentioning: "key 'names'")
    }

    @Test func boolOtherThanZeroOrOne() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.key("a", type: 7)
        file.u8(2)
        file.zeros(1)
        expectRejects(file.bytes, .invalidBool(key: "a", byte: 2, offset: 37), mentioning: "bool")
    }

    @Test func boolArrayElementOtherThanZeroOrOne() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.key("flags", type: 9)
        file.u32(7)
        file.u64(3)
        file.raw([1, 0, 0xFF])
        expectRejects(file.bytes, .invalidBool(key: "flags", byte: 255, offset: 55), mentioning: "255")
    }

    @Test func alignmentNotU32() {
        var file = RawGGUF(tensors: 0, keyValues: 1)
        file.key("general.alignment", type: 10)
        file.u64(32)
        expectRejects(file.bytes, .alignmentNotU32(type: "u64"), mentioning: "general.alignment is u64")
    }

    @Test(arguments: [0, 48, 3] as [UInt32])
    func alignmentNotPowerOfTwo(value: UInt32) {
        var writer = GGUFWriter()
        writer.set("general.alignment", .uint32(value))
        expectRejects(writer.bytes(), .alignmentNotPowerOfTwo(value: value), mentioning: "general.alignment")
    }
}

@Suite struct TensorInfoValidation {
    @Test func acceptsTheHandBuiltBase() throws {
        // The corrupt files below differ from this one in a single field.
        let file = try GGUFFile(bytes: oneTensorFile("w", ne: [4, 2], type: 0, dataBytes: 32))
        #expect(file.tensors.first?.shape == [2, 4])
    }

    @Test func truncatedTensorInfo() {
        // 40 bytes after the header pass the count check (one info takes at least 33) but end inside ne[3].
        var file = RawGGUF(tensors: 1, keyValues: 0)
        file.string("w")
        file.u32(4)
        for n: UInt64 in [4, 1, 1] { file.u64(n) }
        file.zeros(3)
        expectRejects(
            file.bytes, .truncated(reading: "ne[3] of tensor 'w'", offset: 61, needed: 8, remaining: 3),
            mentioning: "ne[3]")
    }

    @Test func emptyName() {
        expectRejects(oneTensorFile("", ne: [4], type: 0, dataBytes: 16), .emptyTensorName(index: 0),
                      mentioning: "tensor #0")
    }

    @Test func nameNotUTF8() {
        var file = RawGGUF(tensors: 1, keyValues: 0)
        file.rawString([0x77, 0x80])
        file.u32(1)
        file.u64(4)
        file.u32(0)
        file.u64(0)
        file.padTo(multipleOf: 32)
        file.zeros(16)
        expectRejects(file.bytes, .invalidUTF8(field: "the name of tensor #0", offset: 32), mentioning: "tensor #0")
    }

    @Test func nameOf64Bytes() throws {
        let long = String(repeating: "n", count: 64)
        expectRejects(oneTensorFile(long, ne: [4], type: 0, dataBytes: 16),
                      .tensorNameTooLong(name: long, length: 64), mentioning: "at most 63")
        // 63 bytes still fit ggml's 64-byte name buffer with its NUL.
        _ = try GGUFFile(bytes: oneTensorFile(String(long.dropLast()), ne: [4], type: 0, dataBytes: 16))
    }

    @Test func duplicateName() {
        var file = RawGGUF(tensors: 2, keyValues: 0)
        file.tensorInfo("w", ne: [8], type: 0, offset: 0)
        file.tensorInfo("w", ne: [8], type: 0, offset: 32)
        file.padTo(multipleOf: 32)
        file.zeros(64)
        expectRejects(file.bytes, .duplicateTensorName(name: "w"), mentioning: "'w'")
    }

    @Test func tooManyDimensions() {
        let ne: [UInt64] = [1, 1, 1, 1, 1, 1, 1]
        expectRejects(oneTensorFile("node.1.weight", ne: ne, type: 0, dataBytes: 4),
                      .invalidDimensionCount(tensor: "node.1.weight", nDims: 7),
                      mentioning: "tensor 'node.1.weight': n_dims is 7, at most 4 are supported")
    }

    @Test func zeroDimensions() {
        expectRejects(oneTensorFile("w", ne: [], type: 0, dataBytes: 40),
                      .invalidDimensionCount(tensor: "w", nDims: 0), mentioning: "n_dims is 0")
    }

    @Test func negativeDimension() {
        expectRejects(oneTensorFile("w", ne: [4, UInt64(bitPattern: -3)], type: 0, dataBytes: 16),
                      .invalidDimension(tensor: "w", index: 1, value: -3), mentioning: "ne[1] is -3")
    }

    @Test func zeroSizedDimension() {
        expectRejects(oneTensorFile("w", ne: [4, 0, 2], type: 0, dataBytes: 16),
                      .invalidDimension(tensor: "w", index: 1, value: 0), mentioning: "ne[1] is 0")
    }

    @Test func elementCountOverflows() {
        let ne: [UInt64] = [1 << 32, 1 << 32, 1 << 32]
        expectRejects(oneTensorFile("w", ne: ne, type: 0, dataBytes: 16),
                      .tooManyElements(tensor: "w", dims: [1 << 32, 1 << 32, 1 << 32]),
                      mentioning: "more than 9223372036854775807")
    }

    @Test func elementCountAboveCap() {
        expectRejects(oneTensorFile("w", ne: [65536, 32769], type: 1, dataBytes: 16),
                      .tooManyElements(tensor: "w", dims: [65536, 32769]),
                      mentioning: "2147549184 elements, at most 2147483648")
        // Exactly 2^31 elements passes the count rule and fails only on the missing data.
        #expect(parseError(oneTensorFile("w", ne: [65536, 32768], type: 1, dataBytes: 16))
                == .tensorOutOfBounds(tensor: "w", offset: 0, byteCount: 1 << 32, dataOffset: 96, fileSize: 112))
    }

    @Test func unknownTensorType() {
        expectRejects(oneTensorFile("w", ne: [32], type: 2, dataBytes: 18),
                      .unknownTensorType(tensor: "w", typeID: 2), mentioning: "type is 2 (q4_0)")
        expectRejects(oneTensorFile("w", ne: [32], type: 1000, dataBytes: 18),
                      .unknownTensorType(tensor: "w", typeID: 1000), mentioning: "type is 1000, supported")
    }

    @Test func rowNotWholeBlocks() {
        expectRejects(oneTensorFile("w", ne: [33, 2], type: 8, dataBytes: 68),
                      .blockSizeMismatch(tensor: "w", ne0: 33, type: .q8_0), mentioning: "block size 32")
    }

    @Test func offsetNotAligned() {
        expectRejects(oneTensorFile("w", ne: [4], type: 0, offset: 8, dataBytes: 64),
                      .misalignedOffset(tensor: "w", offset: 8, alignment: 32), mentioning: "alignment 32")
    }

    @Test func dataPastEndOfFile() {
        // 24 header + 8 + 1 name + 4 + 8 ne + 4 + 8 = 57, padded to 64.
        expectRejects(oneTensorFile("w", ne: [100], type: 0, dataBytes: 10),
                      .tensorOutOfBounds(tensor: "w", offset: 0, byteCount: 400, dataOffset: 64, fileSize: 74),
                      mentioning: "400 bytes at offset 0")
    }

    @Test func offsetOverflowsFileSize() {
        let offset = UInt64.max - 31
        expectRejects(oneTensorFile("w", ne: [100], type: 0, offset: offset, dataBytes: 400),
                      .tensorOutOfBounds(tensor: "w", offset: offset, byteCount: 400, dataOffset: 64,
                                         fileSize: 464),
                      mentioning: "tensor 'w'")
    }

    @Test func missingPaddingBeforeData() {
        // The infos end at 57 and the file ends there too: the data section would start past the end.
        var file = RawGGUF(tensors: 1, keyValues: 0)
        file.tensorInfo("w", ne: [1], type: 0)
        expectRejects(file.bytes,
                      .tensorOutOfBounds(tensor: "w", offset: 0, byteCount: 4, dataOffset: 64, fileSize: 57),
                      mentioning: "57-byte file")
    }

    @Test func overlappingTensors() {
        var file = RawGGUF(tensors: 3, keyValues: 0)
        file.tensorInfo("c", ne: [8], type: 0, offset: 128)
        file.tensorInfo("a", ne: [16], type: 0, offset: 0)  // bytes 0..<64
        file.tensorInfo("b", ne: [8], type: 0, offset: 32)  // bytes 32..<64
        file.padTo(multipleOf: 32)
        file.zeros(160)
        expectRejects(file.bytes,
                      .tensorsOverlap(first: "a", firstRange: 0..<64, second: "b", secondRange: 32..<64),
                      mentioning: "'a' (data bytes 0..<64) and 'b'")
    }

    @Test func trailingBytesAfterDataAreAllowed() throws {
        var bytes = oneTensorFile("w", ne: [4], type: 0, dataBytes: 16)
        bytes.append(contentsOf: [1, 2, 3])
        _ = try GGUFFile(bytes: bytes)
    }
}

@Suite struct Robustness {
    static let sample: [UInt8] = {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("gansynth"))
        writer.set("gansynth.labels", .array(.string(["zero", "one"])))
        writer.set("flags", .array(.bool([true, false])))
        writer.addTensor(name: "node.1.weight", shape: [2, 32], floats: (0..<64).map { Float($0) }, as: .q8_0)
        writer.addTensor(name: "node.1.bias", shape: [2], floats: [1, 2], as: .f32)
        return writer.bytes()
    }()

    @Test func everyTruncationBeforeTheLastTensorFails() throws {
        let file = try GGUFFile(bytes: Self.sample)
        let needed = file.tensors.map { file.dataOffset + $0.offset + $0.byteCount }.max()!
        for length in 0..<Self.sample.count {
            let error = parseError(Array(Self.sample[..<length]))
            if length < needed {
                #expect(error != nil, "prefix of \(length) bytes parsed")
            } else {
                #expect(error == nil, "prefix of \(length) bytes: \(String(describing: error))")
            }
        }
    }

    @Test func everySingleByteCorruptionIsHandled() {
        // No crash and no trap for any byte value change; whether it parses depends on the byte.
        for position in Self.sample.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var bytes = Self.sample
                bytes[position] ^= flip
                if let file = try? GGUFFile(bytes: bytes) {
                    for tensor in file.tensors { _ = try? file.floats(of: tensor) }
                }
            }
        }
    }
}
