// Fixed numbers of the GGUF v3 container (ggml docs/gguf.md, src/gguf.cpp) shared by the reader and writer.
// Limits that are gansynth's own choice rather than the spec's say so.

enum GGUFLayout {
    static let magic: [UInt8] = [0x47, 0x47, 0x55, 0x46]  // "GGUF"
    static let version: UInt32 = 3
    /// magic + version + tensor_count + metadata_kv_count.
    static let headerSize = 4 + 4 + 8 + 8
    static let defaultAlignment = 32
    static let alignmentKey = "general.alignment"

    /// Smallest possible key/value pair: u64 key length, a 1-byte key, u32 type, a 1-byte value.
    /// Counts are checked against this before anything is allocated.
    static let minKeyValueBytes = 8 + 1 + 4 + 1
    /// Smallest possible tensor info: u64 name length, a 1-byte name, u32 n_dims, one u64 ne, u32 type, u64 offset.
    static let minTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8

    /// ggml's GGML_MAX_NAME is 64 including the NUL it appends.
    static let maxTensorNameBytes = 63
    static let maxDims = 4
    /// gansynth's cap: a generator weight is far smaller, and it keeps every byte count well inside Int.
    static let maxTensorElements = 1 << 31

    static func align(_ offset: Int, to alignment: Int) -> Int {
        (offset + alignment - 1) / alignment * alignment
    }
}
