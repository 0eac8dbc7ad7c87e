// Writer → reader round trips: every value type, every tensor type, metadata order, lookups and alignment.

import GGUFFormat
import Testing

@Suite struct MetadataRoundTrip {
    static let values: [(String, GGUFValue)] = [
        ("t.u8", .uint8(250)), ("t.i8", .int8(-100)), ("t.u16", .uint16(65000)), ("t.i16", .int16(-32000)),
        ("t.u32", .uint32(4_000_000_000)), ("t.i32", .int32(-2_000_000_000)), ("t.f32", .float32(-1.5e-3)),
        ("t.bool.true", .bool(true)), ("t.bool.false", .bool(false)), ("t.string", .string("héllo, 世界")),
        ("t.string.empty", .string("")), ("t.u64", .uint64(.max)), ("t.i64", .int64(.min)),
        ("t.f64", .float64(-2.5e300)),
        ("a.u8", .array(.uint8([0, 1, 255]))), ("a.i8", .array(.int8([-128, 127]))),
        ("a.u16", .array(.uint16([1, 65535]))), ("a.i16", .array(.int16([-32768, 5]))),
        ("a.u32", .array(.uint32([7, 14, 28]))), ("a.i32", .array(.int32([-1, 0, 1]))),
        ("a.f32", .array(.float32([0.5, -0.0, .infinity]))), ("a.bool", .array(.bool([true, false, true]))),
        ("a.string", .array(.string(["zero", "", "two"]))), ("a.u64", .array(.uint64([.max, 0]))),
        ("a.i64", .array(.int64([.min, .max]))), ("a.f64", .array(.float64([1e-300, 3.25]))),
        ("a.empty", .array(.uint32([]))),
    ]

    @Test func everyValueTypeInOrder() throws {
        var writer = GGUFWriter()
        for (key, value) in Self.values { writer.set(key, value) }
        let file = try GGUFFile(bytes: writer.bytes())
        #expect(file.version == 3)
        #expect(file.alignment == 32)
        #expect(file.tensors.isEmpty)
        #expect(file.metadata.map(\.key) == Self.values.map(\.0))
        for (key, value) in Self.values {
            #expect(file[key] == value, "\(key)")
        }
        #expect(file["missing"] == nil)
        // With no tensors there is no padding: the data section starts where the metadata ends.
        #expect(file.dataOffset == file.byteCount)
    }

    @Test func setReplacesInPlace() throws {
        var writer = GGUFWriter()
        writer.set("a", .uint32(1))
        writer.set("b", .uint32(2))
        writer.set("a", .string("again"))
        let file = try GGUFFile(bytes: writer.bytes())
        #expect(file.metadata.map(\.key) == ["a", "b"])
        #expect(file["a"] == .string("again"))
    }

    @Test func accessors() {
        #expect(GGUFValue.uint32(7).intValue == 7)
        #expect(GGUFValue.int64(-7).intValue == -7)
        #expect(GGUFValue.uint64(.max).intValue == nil)
        #expect(GGUFValue.bool(true).intValue == nil)
        #expect(GGUFValue.float32(1).intValue == nil)
        #expect(GGUFValue.float32(0.25).doubleValue == 0.25)
        #expect(GGUFValue.uint16(3).doubleValue == 3)
        #expect(GGUFValue.string("x").doubleValue == nil)
        #expect(GGUFValue.string("x").stringValue == "x")
        #expect(GGUFValue.uint8(1).stringValue == nil)
        #expect(GGUFValue.array(.string(["a", "b"])).stringArray == ["a", "b"])
        #expect(GGUFValue.array(.uint32([1, 2])).stringArray == nil)
        #expect(GGUFValue.array(.uint32([1, 2])).intArray == [1, 2])
        #expect(GGUFValue.array(.int8([-1])).intArray == [-1])
        #expect(GGUFValue.array(.uint64([.max])).intArray == nil)
        #expect(GGUFValue.array(.float32([1])).intArray == nil)
        #expect(GGUFValue.uint32(1).intArray == nil)
        #expect(GGUFValue.uint32(1).typeDescription == "u32")
        #expect(GGUFValue.bool(true).typeDescription == "bool")
        #expect(GGUFValue.string("").typeDescription == "string")
        #expect(GGUFValue.array(.uint32([])).typeDescription == "array[u32]")
        #expect(GGUFValue.array(.string([])).typeDescription == "array[string]")
        #expect(GGUFArray.float64([1, 2, 3]).count == 3)
    }
}

@Suite struct TensorRoundTrip {
    /// 2 × 3 × 64 values spanning several magnitudes and both signs.
    static let shape = [2, 3, 64]
    static let values: [Float] = (0..<384).map { i in
        let x = Float(i)
        return (x * 0.37).truncatingRemainder(dividingBy: 5) * (i % 3 == 0 ? -1 : 1) * (i < 192 ? 1 : 0.01)
    }

    static func file(_ type: GGUFTensorType) throws -> (GGUFFile, GGUFTensorInfo) {
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("test"))
        writer.addTensor(name: "first", shape: [1], floats: [42], as: .f32)
        writer.addTensor(name: "w", shape: shape, floats: values, as: type)
        let file = try GGUFFile(bytes: writer.bytes())
        return (file, try #require(file.tensor(named: "w")))
    }

    @Test func f32IsExact() throws {
        let (file, info) = try Self.file(.f32)
        #expect(try file.floats(of: info) == Self.values)
        #expect(try file.floats(of: file.tensor(named: "first")!) == [42])
    }

    /// Decoded in uneven parts, in reverse order, the same values for every type; and the same error for a NaN.
    @Test func decodingInPartsGivesTheSameValues() throws {
        func parts(_ n: Int, _ body: (Range<Int>) -> Void) {
            let cuts = [0, n / 3, min(n, n / 3 + 1), n]
            for i in (0..<3).reversed() where cuts[i] < cuts[i + 1] { body(cuts[i]..<cuts[i + 1]) }
        }
        for type in [GGUFTensorType.f32, .f16, .bf16, .q8_0] {
            let (file, info) = try Self.file(type)
            #expect(try file.floats(of: info, split: parts) == file.floats(of: info), "\(type)")
        }
        var writer = GGUFWriter()
        writer.set("general.architecture", .string("test"))
        writer.addTensor(name: "w", shape: [64], floats: (0..<64).map { $0 == 40 ? .nan : Float($0) }, as: .f32)
        let file = try GGUFFile(bytes: writer.bytes())
        let info = try #require(file.tensor(named: "w"))
        let whole = #expect(throws: GGUFError.self) { try file.floats(of: info) }
        let inParts = #expect(throws: GGUFError.self) { try file.floats(of: info, split: parts) }
        #expect(whole.map { "\($0)" } == inParts.map { "\($0)" })
        #expect("\(String(describing: inParts))".contains("40"))
    }

    @Test func infoDescribesTheTensor() throws {
        let (file, info) = try Self.file(.q8_0)
        #expect(file.tensors.map(\.name) == ["first", "w"])
        #expect(info.dims == [64, 3, 2])
        #expect(info.shape == [2, 3, 64])
        #expect(info.type == .q8_0)
        #expect(info.elementCount == 384)
        #expect(info.byteCount == 12 * 34)
        #expect(info.offset == 32)  // "first" takes 4 bytes, padded to 32
        #expect(file.dataOffset % 32 == 0)
        #expect(file.tensor(named: "nope") == nil)
    }

    @Test(arguments: [(GGUFTensorType.f16, Float(1) / 2048), (.bf16, 1 / 256)])
    func halfTypesWithinTolerance(type: GGUFTensorType, relative: Float) throws {
        let (file, info) = try Self.file(type)
        let decoded = try file.floats(of: info)
        for (x, y) in zip(Self.values, decoded) {
            #expect(abs(x - y) <= abs(x) * relative, "\(x) decoded as \(y)")
        }
        try expectReencodesExactly(file, info, decoded)
    }

    @Test func q8_0WithinHalfAStep() throws {
        let (file, info) = try Self.file(.q8_0)
        let decoded = try file.floats(of: info)
        for block in stride(from: 0, to: Self.values.count, by: 32) {
            let original = Self.values[block..<(block + 32)]
            let step = original.map(abs).max()! / 127
            for (x, y) in zip(original, decoded[block..<(block + 32)]) {
                // Half a quantization step, plus the f16 rounding of the scale times the largest q.
                #expect(abs(x - y) <= (step * 0.5 + step * 127 / 2048) * 1.001, "\(x) decoded as \(y)")
            }
        }
        try expectReencodesExactly(file, info, decoded)
    }

    @Test func q8_0MatchesGGMLOnAKnownBlock() throws {
        // amax = 31 → d = 31/127 → f16 0x33D0 (0.244140625); q = round(x·127/31).
        var writer = GGUFWriter()
        writer.addTensor(name: "w", shape: [32], floats: (0..<32).map { Float($0) }, as: .q8_0)
        let file = try GGUFFile(bytes: writer.bytes())
        let info = file.tensors[0]
        let raw = file.withRawBytes(of: info) { Array($0) }
        #expect(raw[0] == 0xD0 && raw[1] == 0x33)
        let q = raw[2...].map { Int8(bitPattern: $0) }
        #expect(Array(q.prefix(4)) == [0, 4, 8, 12])
        #expect(q.last == 127)
        #expect(try file.floats(of: info)[31] == 127 * 0.244140625)
    }

    @Test func rawBytesAreTheWrittenBytes() throws {
        let data: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x7C]  // f16 1, -2, +Inf
        var writer = GGUFWriter()
        writer.addTensor(name: "w", shape: [3], type: .f16, data: data)
        let file = try GGUFFile(bytes: writer.bytes())
        #expect(file.withRawBytes(of: file.tensors[0]) { Array($0) } == data)
    }

    @Test func customAlignment() throws {
        var writer = GGUFWriter(alignment: 64)
        writer.set("general.name", .string("x"))
        writer.addTensor(name: "a", shape: [3], floats: [1, 2, 3], as: .f32)
        writer.addTensor(name: "b", shape: [2], floats: [4, 5], as: .f32)
        let bytes = writer.bytes()
        let file = try GGUFFile(bytes: bytes)
        #expect(file.metadata.first?.key == "general.alignment")
        #expect(file["general.alignment"] == .uint32(64))
        #expect(file.alignment == 64)
        #expect(file.dataOffset % 64 == 0)
        #expect(file.tensors.map(\.offset) == [0, 64])
        #expect(bytes.count == file.dataOffset + 128)  // padded after the last tensor too
        #expect(try file.floats(of: file.tensors[1]) == [4, 5])
    }

    private func expectReencodesExactly(_ file: GGUFFile, _ info: GGUFTensorInfo, _ decoded: [Float]) throws {
        var writer = GGUFWriter()
        writer.addTensor(name: "w", shape: info.shape, floats: decoded, as: info.type)
        let again = try GGUFFile(bytes: writer.bytes())
        let original = file.withRawBytes(of: info) { Array($0) }
        #expect(again.withRawBytes(of: again.tensors[0]) { Array($0) } == original)
    }
}

@Suite struct NonFiniteValues {
    @Test func nanInF32() throws {
        var writer = GGUFWriter()
        writer.addTensor(name: "node.8.bias", shape: [5], floats: [0, 1, 2, .nan, 4], as: .f32)
        let file = try GGUFFile(bytes: writer.bytes())
        let error = #expect(throws: GGUFError.self) { try file.floats(of: file.tensors[0]) }
        guard case let .nonFiniteValue(tensor, index, bits) = error else {
            Issue.record("unexpected \(String(describing: error))")
            return
        }
        #expect(tensor == "node.8.bias" && index == 3 && Float(bitPattern: bits).isNaN)
        expectOneLine(error!, mentioning: "tensor 'node.8.bias': element 3 is nan")
    }

    @Test func infinityInF16() throws {
        var writer = GGUFWriter()
        writer.addTensor(name: "w", shape: [2, 2], type: .f16, data: [0, 0, 0, 0, 0, 0, 0x00, 0xFC])
        let file = try GGUFFile(bytes: writer.bytes())
        #expect(throws: GGUFError.nonFiniteValue(tensor: "w", index: 3, bits: Float(-Float.infinity).bitPattern)) {
            try file.floats(of: file.tensors[0])
        }
        expectOneLine(.nonFiniteValue(tensor: "w", index: 3, bits: (-Float.infinity).bitPattern),
                      mentioning: "element 3 is -inf")
    }

    @Test func overflowingF16BecomesInfinity() throws {
        var writer = GGUFWriter()
        writer.addTensor(name: "w", shape: [2], floats: [1, 70000], as: .f16)
        let file = try GGUFFile(bytes: writer.bytes())
        #expect(throws: GGUFError.nonFiniteValue(tensor: "w", index: 1, bits: Float.infinity.bitPattern)) {
            try file.floats(of: file.tensors[0])
        }
    }

    @Test func infiniteQ8_0Scale() throws {
        var block: [UInt8] = [0x00, 0x7C]  // scale +Inf
        block += [1] + [UInt8](repeating: 0, count: 31)
        var writer = GGUFWriter()
        writer.addTensor(name: "w", shape: [32], type: .q8_0, data: block)
        let file = try GGUFFile(bytes: writer.bytes())
        #expect(throws: GGUFError.nonFiniteValue(tensor: "w", index: 0, bits: Float.infinity.bitPattern)) {
            try file.floats(of: file.tensors[0])
        }
    }
}
