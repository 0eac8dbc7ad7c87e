// Builds GGUF v3 files in memory for fixtures and tests, laid out as gguf-py's GGUFWriter does (header, KVs,
// tensor infos, padding, tensor data padded after every tensor including the last) so ggml and gguf-py both
// load them. It checks its own inputs with preconditions; it is not a validator (GGUFReader.swift is).

public struct GGUFWriter {
    private var alignment: Int
    private var metadata: [(key: String, value: GGUFValue)] = []
    private var keyIndex: [String: Int] = [:]
    private var tensors: [(name: String, dims: [Int], type: GGUFTensorType, offset: Int)] = []
    private var data: [UInt8] = []

    /// An alignment other than the default 32 is recorded as general.alignment, first in the metadata.
    public init(alignment: Int = 32) {
        precondition(alignment > 0 && alignment & (alignment - 1) == 0 && alignment <= Int(UInt32.max),
                     "alignment \(alignment) is not a power of two that fits u32")
        self.alignment = alignment
        if alignment != GGUFLayout.defaultAlignment {
            set(GGUFLayout.alignmentKey, .uint32(UInt32(alignment)))
        }
    }

    /// Keeps insertion order; setting an existing key replaces its value in place. A valid u32
    /// general.alignment also changes the padding; any other value is written as given, which is how tests
    /// build files the reader must refuse.
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if key == GGUFLayout.alignmentKey, case let .uint32(a) = value, a != 0, a & (a - 1) == 0 {
            precondition(tensors.isEmpty, "set general.alignment before adding tensors")
            alignment = Int(a)
        }
        if let index = keyIndex[key] {
            metadata[index].value = value
        } else {
            keyIndex[key] = metadata.count
            metadata.append((key: key, value: value))
        }
    }

    /// `shape` in PyTorch order (outermost first); `data` already encoded as `type`.
    public mutating func addTensor(name: String, shape: [Int], type: GGUFTensorType, data bytes: [UInt8]) {
        precondition(!name.isEmpty && name.utf8.count <= GGUFLayout.maxTensorNameBytes,
                     "tensor name '\(name)' must be 1 to \(GGUFLayout.maxTensorNameBytes) bytes")
        precondition(!tensors.contains { $0.name == name }, "tensor '\(name)' added twice")
        precondition(!shape.isEmpty && shape.count <= GGUFLayout.maxDims && shape.allSatisfy { $0 >= 1 },
                     "tensor '\(name)': shape \(shape) must have 1 to 4 dimensions, each at least 1")
        precondition(shape.last! % type.blockSize == 0,
                     "tensor '\(name)': innermost dimension \(shape.last!) is not a multiple of \(type.blockSize)")
        let elements = shape.reduce(1, *)
        let expected = elements / type.blockSize * type.bytesPerBlock
        precondition(bytes.count == expected,
                     "tensor '\(name)': \(bytes.count) bytes given, \(type.name) \(shape) needs \(expected)")

        tensors.append((name: name, dims: shape.reversed(), type: type, offset: data.count))
        data.append(contentsOf: bytes)
        data.append(contentsOf: repeatElement(0, count: GGUFLayout.align(data.count, to: alignment) - data.count))
    }

    /// Encodes `floats` (row-major, PyTorch order) as `type`, quantizing q8_0 the way ggml does.
    public mutating func addTensor(name: String, shape: [Int], floats: [Float], as type: GGUFTensorType) {
        precondition(floats.count == shape.reduce(1, *),
                     "tensor '\(name)': \(floats.count) values given for shape \(shape)")
        addTensor(name: name, shape: shape, type: type, data: encodeTensor(floats, as: type))
    }

    public func bytes() -> [UInt8] {
        var out: [UInt8] = GGUFLayout.magic
        appendLittleEndian(GGUFLayout.version, to: &out)
        appendLittleEndian(UInt64(tensors.count), to: &out)
        appendLittleEndian(UInt64(metadata.count), to: &out)
        for (key, value) in metadata {
            appendString(key, to: &out)
            appendLittleEndian(value.valueType.rawValue, to: &out)
            appendValue(value, to: &out)
        }
        for tensor in tensors {
            appendString(tensor.name, to: &out)
            appendLittleEndian(UInt32(tensor.dims.count), to: &out)
            for dim in tensor.dims { appendLittleEndian(UInt64(dim), to: &out) }
            appendLittleEndian(tensor.type.rawValue, to: &out)
            appendLittleEndian(UInt64(tensor.offset), to: &out)
        }
        if !tensors.isEmpty {
            out.append(contentsOf: repeatElement(0, count: GGUFLayout.align(out.count, to: alignment) - out.count))
            out.append(contentsOf: data)
        }
        return out
    }
}

private func appendString(_ string: String, to out: inout [UInt8]) {
    appendLittleEndian(UInt64(string.utf8.count), to: &out)
    out.append(contentsOf: string.utf8)
}

private func appendValue(_ value: GGUFValue, to out: inout [UInt8]) {
    switch value {
    case let .uint8(v): out.append(v)
    case let .int8(v): appendLittleEndian(v, to: &out)
    case let .uint16(v): appendLittleEndian(v, to: &out)
    case let .int16(v): appendLittleEndian(v, to: &out)
    case let .uint32(v): appendLittleEndian(v, to: &out)
    case let .int32(v): appendLittleEndian(v, to: &out)
    case let .float32(v): appendLittleEndian(v.bitPattern, to: &out)
    case let .bool(v): out.append(v ? 1 : 0)
    case let .string(v): appendString(v, to: &out)
    case let .uint64(v): appendLittleEndian(v, to: &out)
    case let .int64(v): appendLittleEndian(v, to: &out)
    case let .float64(v): appendLittleEndian(v.bitPattern, to: &out)
    case let .array(array): appendArray(array, to: &out)
    }
}

private func appendArray(_ array: GGUFArray, to out: inout [UInt8]) {
    appendLittleEndian(array.elementType.rawValue, to: &out)
    appendLittleEndian(UInt64(array.count), to: &out)
    switch array {
    case let .uint8(a): out.append(contentsOf: a)
    case let .int8(a): for v in a { appendLittleEndian(v, to: &out) }
    case let .uint16(a): for v in a { appendLittleEndian(v, to: &out) }
    case let .int16(a): for v in a { appendLittleEndian(v, to: &out) }
    case let .uint32(a): for v in a { appendLittleEndian(v, to: &out) }
    case let .int32(a): for v in a { appendLittleEndian(v, to: &out) }
    case let .float32(a): for v in a { appendLittleEndian(v.bitPattern, to: &out) }
    case let .bool(a): for v in a { out.append(v ? 1 : 0) }
    case let .string(a): for v in a { appendString(v, to: &out) }
    case let .uint64(a): for v in a { appendLittleEndian(v, to: &out) }
    case let .int64(a): for v in a { appendLittleEndian(v, to: &out) }
    case let .float64(a): for v in a { appendLittleEndian(v.bitPattern, to: &out) }
    }
}
