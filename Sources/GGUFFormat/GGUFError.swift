// Every way a GGUF file can be refused, one case per rule, each carrying the names and numbers a user needs.
// Descriptions read like ggml's log lines: one sentence, no trailing newline. The rules themselves live in
// GGUFReader.swift (container) and TensorData.swift (values); gansynth.* schema errors belong to GanModel.

public enum GGUFError: Error, Sendable, Equatable, CustomStringConvertible {
    // Opening the file (FileIO.swift).
    case fileNotFound(path: String)
    case notARegularFile(path: String, kind: String)
    case fileTooLarge(path: String, size: UInt64, limit: UInt64)
    case ioFailure(path: String, operation: String, message: String)

    // Header.
    case fileTooSmall(size: Int)
    case badMagic(found: [UInt8])
    case bigEndian(version: UInt32)
    case unsupportedVersion(UInt32)
    case tooManyTensors(count: UInt64, remaining: Int, maxCount: Int)
    case tooManyKeyValues(count: UInt64, remaining: Int, maxCount: Int)

    // Anywhere in the header, metadata or tensor infos.
    case truncated(reading: String, offset: Int, needed: Int, remaining: Int)
    case stringTooLong(field: String, length: UInt64, offset: Int, remaining: Int)
    case invalidUTF8(field: String, offset: Int)

    // Metadata.
    case emptyKey(index: Int)
    case duplicateKey(key: String, firstIndex: Int, secondIndex: Int)
    case unknownValueType(key: String, typeID: UInt32)
    case nestedArray(key: String)
    case arrayTooLarge(key: String, elementType: String, count: UInt64, remaining: Int)
    case invalidBool(key: String, byte: UInt8, offset: Int)
    case alignmentNotU32(type: String)
    case alignmentNotPowerOfTwo(value: UInt32)

    // Tensor infos.
    case emptyTensorName(index: Int)
    case tensorNameTooLong(name: String, length: Int)
    case duplicateTensorName(name: String)
    case invalidDimensionCount(tensor: String, nDims: UInt32)
    case invalidDimension(tensor: String, index: Int, value: Int64)
    case tooManyElements(tensor: String, dims: [Int64])
    case unknownTensorType(tensor: String, typeID: UInt32)
    case blockSizeMismatch(tensor: String, ne0: Int, type: GGUFTensorType)
    case misalignedOffset(tensor: String, offset: UInt64, alignment: Int)
    case tensorOutOfBounds(tensor: String, offset: UInt64, byteCount: Int, dataOffset: Int, fileSize: Int)
    case tensorsOverlap(first: String, firstRange: Range<Int>, second: String, secondRange: Range<Int>)

    // Tensor values. The float is kept as its bit pattern so that two NaN errors still compare equal.
    case nonFiniteValue(tensor: String, index: Int, bits: UInt32)

    public var description: String {
        switch self {
        case let .fileNotFound(path):
            return "cannot open '\(path)': no such file"
        case let .notARegularFile(path, kind):
            return "cannot read '\(path)': it is \(kind), not a regular file"
        case let .fileTooLarge(path, size, limit):
            return "cannot read '\(path)': it is \(size) bytes, more than the \(limit) bytes gansynth reads"
        case let .ioFailure(path, operation, message):
            return "cannot read '\(path)': \(operation) failed: \(message)"

        case let .fileTooSmall(size):
            return "file is \(size) bytes, too small for a GGUF header (at least \(GGUFLayout.headerSize))"
        case let .badMagic(found):
            return "magic is \(quotedMagic(found)), expected 'GGUF' (47 47 55 46): not a GGUF file"
        case let .bigEndian(version):
            return "version reads \(version), which is version \(version.byteSwapped) byte-swapped: "
                + "big-endian GGUF files are not supported"
        case let .unsupportedVersion(version):
            return "version is \(version), only GGUF version 3 is supported"
        case let .tooManyTensors(count, remaining, maxCount):
            return "tensor_count is \(count), but the \(remaining) bytes after the header hold at most "
                + "\(maxCount) tensor infos"
        case let .tooManyKeyValues(count, remaining, maxCount):
            return "metadata_kv_count is \(count), but the \(remaining) bytes after the header hold at most "
                + "\(maxCount) key/value pairs"

        case let .truncated(reading, offset, needed, remaining):
            return "file ends while reading \(reading) at offset \(offset): needs \(needed) bytes, "
                + "\(remaining) left"
        case let .stringTooLong(field, length, offset, remaining):
            return "\(field) at offset \(offset) has length \(length), but only \(remaining) bytes remain"
        case let .invalidUTF8(field, offset):
            return "\(field) at offset \(offset) is not valid UTF-8"

        case let .emptyKey(index):
            return "key of key/value pair #\(index) is empty"
        case let .duplicateKey(key, firstIndex, secondIndex):
            return "key '\(key)' appears twice, as key/value pairs #\(firstIndex) and #\(secondIndex)"
        case let .unknownValueType(key, typeID):
            return "key '\(key)': value type is \(typeID), valid types are 0 to \(GGUFValueType.maxRawValue)"
        case let .nestedArray(key):
            return "key '\(key)': arrays of arrays are not supported"
        case let .arrayTooLarge(key, elementType, count, remaining):
            return "key '\(key)': array of \(count) \(elementType) does not fit in the \(remaining) bytes left"
        case let .invalidBool(key, byte, offset):
            return "key '\(key)': bool at offset \(offset) is \(byte), expected 0 or 1"
        case let .alignmentNotU32(type):
            return "general.alignment is \(type), it must be u32"
        case let .alignmentNotPowerOfTwo(value):
            return "general.alignment is \(value), it must be a non-zero power of two"

        case let .emptyTensorName(index):
            return "name of tensor #\(index) is empty"
        case let .tensorNameTooLong(name, length):
            return "tensor '\(name)': name is \(length) bytes, at most \(GGUFLayout.maxTensorNameBytes) "
                + "are supported"
        case let .duplicateTensorName(name):
            return "tensor '\(name)' appears twice"
        case let .invalidDimensionCount(tensor, nDims):
            return nDims == 0
                ? "tensor '\(tensor)': n_dims is 0, at least 1 is required"
                : "tensor '\(tensor)': n_dims is \(nDims), at most \(GGUFLayout.maxDims) are supported"
        case let .invalidDimension(tensor, index, value):
            return "tensor '\(tensor)': ne[\(index)] is \(value), every dimension must be at least 1"
        case let .tooManyElements(tensor, dims):
            return "tensor '\(tensor)': ne \(dims) has \(elementCountText(dims)) elements, at most "
                + "\(GGUFLayout.maxTensorElements) are supported"
        case let .unknownTensorType(tensor, typeID):
            return "tensor '\(tensor)': type is \(typeID)\(ggmlTypeNameSuffix(typeID)), supported types are "
                + GGUFTensorType.supportedList
        case let .blockSizeMismatch(tensor, ne0, type):
            return "tensor '\(tensor)': ne[0] is \(ne0), not a multiple of \(type.name)'s block size "
                + "\(type.blockSize)"
        case let .misalignedOffset(tensor, offset, alignment):
            return "tensor '\(tensor)': offset \(offset) is not a multiple of the alignment \(alignment)"
        case let .tensorOutOfBounds(tensor, offset, byteCount, dataOffset, fileSize):
            return "tensor '\(tensor)': \(byteCount) bytes at offset \(offset) of the data section (which "
                + "starts at \(dataOffset)) run past the end of the \(fileSize)-byte file"
        case let .tensorsOverlap(first, firstRange, second, secondRange):
            return "tensors '\(first)' (data bytes \(firstRange)) and '\(second)' (data bytes \(secondRange)) "
                + "overlap"

        case let .nonFiniteValue(tensor, index, bits):
            return "tensor '\(tensor)': element \(index) is \(Float(bitPattern: bits))"
        }
    }
}

private func quotedMagic(_ bytes: [UInt8]) -> String {
    let printable = bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    let text = printable ? String(decoding: bytes, as: UTF8.self) : "?"
    let hex = bytes.map { byte in
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
    return "'\(text)' (\(hex.joined(separator: " ")))"
}

// The dims are the ones that overflowed or ran past the cap, so the product is recomputed only for the message.
private func elementCountText(_ dims: [Int64]) -> String {
    var product: Int64 = 1
    for dim in dims {
        let (next, overflow) = product.multipliedReportingOverflow(by: dim)
        if overflow { return "more than \(Int64.max)" }
        product = next
    }
    return "\(product)"
}
