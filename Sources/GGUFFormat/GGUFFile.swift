// A validated GGUF file held in memory: metadata and tensor infos in file order with O(1) lookup by name, and
// zero-copy access to each tensor's bytes. Construction is the only place validation happens (GGUFReader.swift);
// once a GGUFFile exists every tensor's bytes are known to lie inside `bytes`.

public struct GGUFFile: Sendable {
    public let version: UInt32
    public let alignment: Int
    /// File order.
    public let metadata: [(key: String, value: GGUFValue)]
    /// File order.
    public let tensors: [GGUFTensorInfo]
    /// Start of the data section (D in the layout); tensor offsets count from here.
    public let dataOffset: Int

    let bytes: [UInt8]
    private let keyIndex: [String: Int]
    private let tensorIndex: [String: Int]

    init(
        version: UInt32, alignment: Int, metadata: [(key: String, value: GGUFValue)], keyIndex: [String: Int],
        tensors: [GGUFTensorInfo], dataOffset: Int, bytes: [UInt8]
    ) {
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
        try self.init(bytes: try readWholeFile(path: path))
    }

    /// The file's size in bytes.
    public var byteCount: Int { bytes.count }

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
