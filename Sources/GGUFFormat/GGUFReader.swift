// Parses and validates a GGUF v3 container the way ggml's gguf.cpp does, in the same order, so a file this
// accepts loads in ggml and gguf-py too. It does not read tensor values (TensorData.swift) or interpret any
// key (gansynth.* belongs to GanModel). Spec: ggml docs/gguf.md; the byte layout below.
//
// Byte layout, all integers little-endian, no implicit padding:
//
//   offset  type                        field
//   0       u8[4]                       magic 'G' 'G' 'U' 'F'
//   4       u32                         version = 3
//   8       u64                         tensor_count
//   16      u64                         metadata_kv_count
//   24      KV[metadata_kv_count]       string key, u32 value_type, value
//   …       TensorInfo[tensor_count]    string name, u32 n_dims, u64 ne[n_dims], u32 ggml_type, u64 offset
//   …       u8[]                        zero padding to a multiple of general.alignment (only if tensor_count > 0)
//   D       u8[]                        tensor data; each TensorInfo.offset counts from D
//
//   string = u64 length + that many bytes of UTF-8, no NUL
//   value  = u8 | i8 | u16 | i16 | u32 | i32 | f32 | bool (1 byte) | string | u64 | i64 | f64
//          | array = u32 element_type + u64 count + count elements (arrays of arrays are refused, like ggml)

enum GGUFReader {
    static func parse(_ bytes: [UInt8]) throws(GGUFError) -> GGUFFile {
        var cursor = ByteCursor(bytes)
        return try parse(&cursor, path: nil)
    }

    /// The header and tensor table of `file`, read no further than they go.
    static func parseHeader(_ file: OpenFile) throws(GGUFError) -> GGUFFile {
        var cursor = try ByteCursor(file)
        return try parse(&cursor, path: file.path)
    }

    private static func parse(_ cursor: inout ByteCursor, path: String?) throws(GGUFError) -> GGUFFile {
        // Magic first, so a short file that is not GGUF at all is reported as such.
        let head = cursor.bytes.prefix(4)
        if head.count == 4, !head.elementsEqual(GGUFLayout.magic) { throw .badMagic(found: Array(head)) }
        guard cursor.size >= GGUFLayout.headerSize else { throw .fileTooSmall(size: cursor.size) }

        _ = try cursor.take(4, reading: "the magic")
        let version = try cursor.read(UInt32.self, "the version")
        try checkVersion(version)

        // Both counts are bounded by the bytes left before anything is sized from them, so a count of 2^63
        // fails here instead of in an allocation.
        let tensorCount = try cursor.read(UInt64.self, "tensor_count")
        let kvCount = try cursor.read(UInt64.self, "metadata_kv_count")
        let maxTensors = cursor.remaining / GGUFLayout.minTensorInfoBytes
        guard tensorCount <= UInt64(maxTensors) else {
            throw .tooManyTensors(count: tensorCount, remaining: cursor.remaining, maxCount: maxTensors)
        }
        let maxKeyValues = cursor.remaining / GGUFLayout.minKeyValueBytes
        guard kvCount <= UInt64(maxKeyValues) else {
            throw .tooManyKeyValues(count: kvCount, remaining: cursor.remaining, maxCount: maxKeyValues)
        }

        let (metadata, keyIndex) = try readMetadata(count: Int(kvCount), &cursor)
        let alignment = try readAlignment(metadata, keyIndex)
        let pending = try readTensorInfos(count: Int(tensorCount), alignment: alignment, &cursor)

        // ggml seeks to the aligned data start only when there are tensors; with none, D is where infos end.
        let dataOffset = pending.isEmpty ? cursor.offset : GGUFLayout.align(cursor.offset, to: alignment)
        let tensors = try placeTensors(pending, dataOffset: dataOffset, fileSize: cursor.size)

        return GGUFFile(
            version: version, alignment: alignment, metadata: metadata, keyIndex: keyIndex,
            tensors: tensors, dataOffset: dataOffset, size: cursor.size, bytes: cursor.bytes, path: path)
    }

    private static func checkVersion(_ version: UInt32) throws(GGUFError) {
        // A big-endian writer puts the small version number in the high bytes; gguf.cpp tests the same mask.
        if version != 0, version & 0x0000_FFFF == 0 { throw .bigEndian(version: version) }
        guard version == GGUFLayout.version else { throw .unsupportedVersion(version) }
    }

    // MARK: Metadata

    private static func readMetadata(
        count: Int, _ cursor: inout ByteCursor
    ) throws(GGUFError) -> ([(key: String, value: GGUFValue)], [String: Int]) {
        var metadata: [(key: String, value: GGUFValue)] = []
        var keyIndex: [String: Int] = [:]
        metadata.reserveCapacity(count)
        keyIndex.reserveCapacity(count)
        for index in 0..<count {
            let key = try cursor.readString("the key of key/value pair #\(index)")
            guard !key.isEmpty else { throw .emptyKey(index: index) }
            if let first = keyIndex[key] { throw .duplicateKey(key: key, firstIndex: first, secondIndex: index) }
            let typeID = try cursor.read(UInt32.self, "the value type of key '\(key)'")
            let value = try readValue(typeID: typeID, key: key, &cursor)
            keyIndex[key] = index
            metadata.append((key: key, value: value))
        }
        return (metadata, keyIndex)
    }

    private static func readValue(
        typeID: UInt32, key: String, _ cursor: inout ByteCursor
    ) throws(GGUFError) -> GGUFValue {
        guard let type = GGUFValueType(rawValue: typeID) else {
            throw .unknownValueType(key: key, typeID: typeID)
        }
        let what = "the value of key '\(key)'"
        switch type {
        case .uint8: return .uint8(try cursor.read(UInt8.self, what))
        case .int8: return .int8(try cursor.read(Int8.self, what))
        case .uint16: return .uint16(try cursor.read(UInt16.self, what))
        case .int16: return .int16(try cursor.read(Int16.self, what))
        case .uint32: return .uint32(try cursor.read(UInt32.self, what))
        case .int32: return .int32(try cursor.read(Int32.self, what))
        case .float32: return .float32(Float(bitPattern: try cursor.read(UInt32.self, what)))
        case .uint64: return .uint64(try cursor.read(UInt64.self, what))
        case .int64: return .int64(try cursor.read(Int64.self, what))
        case .float64: return .float64(Double(bitPattern: try cursor.read(UInt64.self, what)))
        case .string: return .string(try cursor.readString(what))
        case .bool:
            let offset = cursor.offset
            return .bool(try checkedBool(try cursor.read(UInt8.self, what), key: key, offset: offset))
        case .array: return .array(try readArray(key: key, &cursor))
        }
    }

    private static func readArray(key: String, _ cursor: inout ByteCursor) throws(GGUFError) -> GGUFArray {
        let typeID = try cursor.read(UInt32.self, "the element type of array '\(key)'")
        guard let type = GGUFValueType(rawValue: typeID) else {
            throw .unknownValueType(key: key, typeID: typeID)
        }
        guard type != .array else { throw .nestedArray(key: key) }
        let count = try cursor.read(UInt64.self, "the element count of array '\(key)'")
        let (minimumBytes, overflow) = count.multipliedReportingOverflow(by: UInt64(type.minimumSize))
        guard !overflow, minimumBytes <= UInt64(cursor.remaining) else {
            throw .arrayTooLarge(key: key, elementType: type.name, count: count, remaining: cursor.remaining)
        }
        let n = Int(count)
        let what = "the elements of array '\(key)'"
        switch type {
        case .uint8: return .uint8(try cursor.readArray(UInt8.self, count: n, what))
        case .int8: return .int8(try cursor.readArray(Int8.self, count: n, what))
        case .uint16: return .uint16(try cursor.readArray(UInt16.self, count: n, what))
        case .int16: return .int16(try cursor.readArray(Int16.self, count: n, what))
        case .uint32: return .uint32(try cursor.readArray(UInt32.self, count: n, what))
        case .int32: return .int32(try cursor.readArray(Int32.self, count: n, what))
        case .uint64: return .uint64(try cursor.readArray(UInt64.self, count: n, what))
        case .int64: return .int64(try cursor.readArray(Int64.self, count: n, what))
        case .float32: return .float32(try cursor.readArray(UInt32.self, count: n, what).map(Float.init(bitPattern:)))
        case .float64:
            return .float64(try cursor.readArray(UInt64.self, count: n, what).map(Double.init(bitPattern:)))
        case .bool:
            let start = cursor.offset
            let raw = try cursor.readArray(UInt8.self, count: n, what)
            var values: [Bool] = []
            values.reserveCapacity(n)
            for (i, byte) in raw.enumerated() {
                values.append(try checkedBool(byte, key: key, offset: start + i))
            }
            return .bool(values)
        case .string:
            var values: [String] = []
            values.reserveCapacity(n)
            for i in 0..<n {
                values.append(try cursor.readString("element \(i) of array '\(key)'"))
            }
            return .string(values)
        case .array:
            preconditionFailure("nested arrays are refused above")
        }
    }

    // The spec allows only 0 and 1; ggml reads any non-zero byte as true, which would hide a corrupt file.
    private static func checkedBool(_ byte: UInt8, key: String, offset: Int) throws(GGUFError) -> Bool {
        guard byte <= 1 else { throw .invalidBool(key: key, byte: byte, offset: offset) }
        return byte == 1
    }

    private static func readAlignment(
        _ metadata: [(key: String, value: GGUFValue)], _ keyIndex: [String: Int]
    ) throws(GGUFError) -> Int {
        guard let index = keyIndex[GGUFLayout.alignmentKey] else { return GGUFLayout.defaultAlignment }
        guard case let .uint32(value) = metadata[index].value else {
            throw .alignmentNotU32(type: metadata[index].value.typeDescription)
        }
        guard value != 0, value & (value - 1) == 0 else { throw .alignmentNotPowerOfTwo(value: value) }
        return Int(value)
    }

    // MARK: Tensor infos

    /// A tensor info whose own fields are valid but whose place in the data section is not yet checked.
    private struct PendingTensor {
        var name: String
        var dims: [Int]
        var type: GGUFTensorType
        var offset: UInt64
        var elementCount: Int
        var byteCount: Int
    }

    private static func readTensorInfos(
        count: Int, alignment: Int, _ cursor: inout ByteCursor
    ) throws(GGUFError) -> [PendingTensor] {
        var tensors: [PendingTensor] = []
        var seen: Set<String> = []
        tensors.reserveCapacity(count)
        seen.reserveCapacity(count)
        for index in 0..<count {
            let name = try cursor.readString("the name of tensor #\(index)")
            guard !name.isEmpty else { throw .emptyTensorName(index: index) }
            guard name.utf8.count <= GGUFLayout.maxTensorNameBytes else {
                throw .tensorNameTooLong(name: name, length: name.utf8.count)
            }
            guard seen.insert(name).inserted else { throw .duplicateTensorName(name: name) }

            let nDims = try cursor.read(UInt32.self, "n_dims of tensor '\(name)'")
            guard nDims >= 1, nDims <= GGUFLayout.maxDims else {
                throw .invalidDimensionCount(tensor: name, nDims: nDims)
            }
            var ne: [Int64] = []
            for d in 0..<Int(nDims) {
                ne.append(try cursor.read(Int64.self, "ne[\(d)] of tensor '\(name)'"))
            }
            // A zero dimension is legal GGUF, but no generator weight has one and it would make an empty tensor
            // that shares its offset with the next one.
            for (d, value) in ne.enumerated() where value < 1 {
                throw .invalidDimension(tensor: name, index: d, value: value)
            }
            var elementCount: Int64 = 1
            for value in ne {
                let (product, overflow) = elementCount.multipliedReportingOverflow(by: value)
                guard !overflow, product <= Int64(GGUFLayout.maxTensorElements) else {
                    throw .tooManyElements(tensor: name, dims: ne)
                }
                elementCount = product
            }

            let typeID = try cursor.read(UInt32.self, "the type of tensor '\(name)'")
            guard let type = GGUFTensorType(rawValue: typeID) else {
                throw .unknownTensorType(tensor: name, typeID: typeID)
            }
            guard ne[0] % Int64(type.blockSize) == 0 else {
                throw .blockSizeMismatch(tensor: name, ne0: Int(ne[0]), type: type)
            }

            let offset = try cursor.read(UInt64.self, "the offset of tensor '\(name)'")
            guard offset % UInt64(alignment) == 0 else {
                throw .misalignedOffset(tensor: name, offset: offset, alignment: alignment)
            }

            // Both factors are capped above (2^31 elements, 34 bytes a block), so this cannot overflow.
            let byteCount = Int(elementCount) / type.blockSize * type.bytesPerBlock
            tensors.append(PendingTensor(
                name: name, dims: ne.map { Int($0) }, type: type, offset: offset,
                elementCount: Int(elementCount), byteCount: byteCount))
        }
        return tensors
    }

    // MARK: Data section

    /// gguf.cpp demands dense, ordered offsets; gansynth only needs each tensor inside the file and no two
    /// sharing a byte, which every ggml or gguf-py file also satisfies.
    private static func placeTensors(
        _ pending: [PendingTensor], dataOffset: Int, fileSize: Int
    ) throws(GGUFError) -> [GGUFTensorInfo] {
        let dataSize = UInt64(max(0, fileSize - dataOffset))
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(pending.count)
        for t in pending {
            let (end, overflow) = t.offset.addingReportingOverflow(UInt64(t.byteCount))
            guard dataOffset <= fileSize, !overflow, end <= dataSize else {
                throw .tensorOutOfBounds(
                    tensor: t.name, offset: t.offset, byteCount: t.byteCount, dataOffset: dataOffset,
                    fileSize: fileSize)
            }
            tensors.append(GGUFTensorInfo(
                name: t.name, dims: t.dims, type: t.type, offset: Int(t.offset), byteCount: t.byteCount,
                elementCount: t.elementCount))
        }

        let byStart = tensors.indices.sorted { tensors[$0].offset < tensors[$1].offset }
        for (a, b) in zip(byStart, byStart.dropFirst()) {
            let first = tensors[a].offset..<(tensors[a].offset + tensors[a].byteCount)
            let second = tensors[b].offset..<(tensors[b].offset + tensors[b].byteCount)
            if second.lowerBound < first.upperBound {
                throw .tensorsOverlap(
                    first: tensors[a].name, firstRange: first, second: tensors[b].name, secondRange: second)
            }
        }
        return tensors
    }
}
