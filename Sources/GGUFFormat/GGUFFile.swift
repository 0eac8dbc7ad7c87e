// A validated GGUF file: metadata and tensor infos in file order with O(1) lookup by name, and zero-copy access to
// each tensor's bytes. Construction is the only place validation happens (GGUFReader.swift); once a GGUFFile
// exists every tensor's bytes are known to lie inside the file. `header(path:)` reads only the header and tensor
// table, so a file that is not wanted is refused without reading its data; `withData()` then reads the rest.

import CLibCrypto

public struct GGUFFile: Sendable {
    public let version: UInt32
    public let alignment: Int
    /// File order.
    public let metadata: [(key: String, value: GGUFValue)]
    /// File order.
    public let tensors: [GGUFTensorInfo]
    /// Start of the data section (D in the layout); tensor offsets count from here.
    public let dataOffset: Int

    /// The whole file, or (from `header(path:)`) its first bytes, through the tensor table at least.
    let bytes: [UInt8]
    /// The file's size in bytes.
    public let byteCount: Int
    /// Where a header-only file came from, for `withData()`.
    private let path: String?
    private let keyIndex: [String: Int]
    private let tensorIndex: [String: Int]

    /// Whether the tensor data is in memory (false for `header(path:)`).
    public var hasTensorData: Bool { bytes.count == byteCount }

    init(
        version: UInt32, alignment: Int, metadata: [(key: String, value: GGUFValue)], keyIndex: [String: Int],
        tensors: [GGUFTensorInfo], dataOffset: Int, size: Int, bytes: [UInt8], path: String?
    ) {
        self.byteCount = size
        self.path = path
        self.version = version
        self.alignment = alignment
        self.metadata = metadata
        self.keyIndex = keyIndex
        self.tensors = tensors
        self.dataOffset = dataOffset
        self.bytes = bytes
        var tensorIndex: [String: Int] = [:]
        tensorIndex.reserveCapacity(tensors.count)
        for (i, tensor) in tensors.enumerated() { tensorIndex[tensor.name] = i }
        self.tensorIndex = tensorIndex
    }

    /// Validates the whole container and keeps `bytes` as the backing store.
    public init(bytes: [UInt8]) throws(GGUFError) {
        self = try GGUFReader.parse(bytes)
    }

    public init(path: String) throws(GGUFError) {
        self = try GGUFFile.header(path: path).withData()
    }

    /// The header and tensor table only, validated (tensor extents against the file's size); no tensor data read.
    public static func header(path: String) throws(GGUFError) -> GGUFFile {
        try GGUFReader.parseHeader(try OpenFile(path: path))
    }

    /// This file with its tensor data read; the file must still have the size and first bytes it had.
    public func withData() throws(GGUFError) -> GGUFFile {
        guard !hasTensorData, let path else { return self }
        let file = try OpenFile(path: path)
        let all = try file.read(0..<file.size)
        guard all.count == byteCount, all.prefix(bytes.count).elementsEqual(bytes) else {
            throw .ioFailure(path: path, operation: "read", message: "the file changed while it was being read")
        }
        return GGUFFile(version: version, alignment: alignment, metadata: metadata, keyIndex: keyIndex,
                        tensors: tensors, dataOffset: dataOffset, size: byteCount, bytes: all, path: path)
    }

    /// The SHA-256 of the whole file, in lowercase hex: what identifies the exact file that made an image.
    public func sha256() -> String {
        precondition(hasTensorData, "GGUFFile.header(path:) holds only the first bytes: call withData() first")
        return sha256Hex(bytes)
    }

    public subscript(key: String) -> GGUFValue? {
        keyIndex[key].map { metadata[$0].value }
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The tensor's stored bytes, valid only inside `body`.
    public func withRawBytes<R>(
        of tensor: GGUFTensorInfo, _ body: (UnsafeRawBufferPointer) throws -> R
    ) rethrows -> R {
        let start = dataOffset + tensor.offset
        // Infos from this file always pass; this stops one from another file reading out of bounds.
        precondition(hasTensorData, "GGUFFile.header(path:) holds no tensor data: call withData() first")
        precondition(
            tensor.offset >= 0 && tensor.byteCount >= 0 && start <= bytes.count - tensor.byteCount,
            "tensor '\(tensor.name)' does not lie inside this \(bytes.count)-byte file")
        return try bytes.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + tensor.byteCount)]))
        }
    }

    /// The tensor's values as f32 in stored order (row-major in PyTorch order), refusing NaN and ±Inf.
    public func floats(of tensor: GGUFTensorInfo) throws(GGUFError) -> [Float] {
        try floats(of: tensor) { count, body in body(0..<count) }
    }

    /// `floats(of:)`, decoded in parts: `split(n, body)` must call `body` on ranges that cover 0..<n once each, in
    /// any order and on any threads at once (the model loader hands it its worker threads). The same values, and
    /// the same error.
    public func floats(of tensor: GGUFTensorInfo,
                       split: (_ count: Int, _ body: (Range<Int>) -> Void) -> Void) throws(GGUFError) -> [Float] {
        let count = tensor.elementCount, blockSize = tensor.type.blockSize
        guard count > 0 else { return [] }
        let values = withRawBytes(of: tensor) { raw in
            [Float](unsafeUninitializedCapacity: count) { out, initialized in
                let out = out.baseAddress!
                split(count / blockSize) { blocks in decodeBlocks(raw, type: tensor.type, blocks: blocks, into: out) }
                initialized = count
            }
        }
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteValue(tensor: tensor.name, index: index, bits: values[index].bitPattern)
        }
        return values
    }
}

/// SHA-256 of `bytes` in lowercase hex (libcrypto).
public func sha256Hex(_ bytes: [UInt8]) -> String {
    var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var length: UInt32 = 0
    let ok = bytes.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &length, EVP_sha256(), nil) }
    precondition(ok == 1 && length == 32, "libcrypto's SHA-256 failed")
    return digest.prefix(32).map { byte in
        let hex = String(byte, radix: 16)
        return byte < 16 ? "0" + hex : hex
    }.joined()
}
