// The tensor element types gansynth reads, their block geometry, and the description of one stored tensor.
// Ids and sizes follow ggml.h / ggml.c type_traits; only the four types FORMAT.md allows are accepted, the
// other ggml ids are named in error messages so a user learns what the file holds.

public enum GGUFTensorType: UInt32, Sendable, CaseIterable {
    case f32 = 0
    case f16 = 1
    case q8_0 = 8
    case bf16 = 30

    /// Elements per block; a row (ne[0]) must be a whole number of blocks.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: return 1
        case .q8_0: return 32
        }
    }

    public var bytesPerBlock: Int {
        switch self {
        case .f32: return 4
        case .f16, .bf16: return 2
        case .q8_0: return 2 + 32  // f16 scale + 32 × int8
        }
    }

    /// ggml's type_name, e.g. "q8_0".
    public var name: String {
        switch self {
        case .f32: return "f32"
        case .f16: return "f16"
        case .q8_0: return "q8_0"
        case .bf16: return "bf16"
        }
    }

    static var supportedList: String {
        allCases.map { "\($0.name) (\($0.rawValue))" }.joined(separator: ", ")
    }
}

/// " (q4_K)" for an id ggml knows but gansynth does not read, "" for ids nobody knows.
func ggmlTypeNameSuffix(_ id: UInt32) -> String {
    // ggml.h enum ggml_type; gaps are ids ggml has retired.
    let names: [UInt32: String] = [
        2: "q4_0", 3: "q4_1", 6: "q5_0", 7: "q5_1", 9: "q8_1", 10: "q2_K", 11: "q3_K", 12: "q4_K",
        13: "q5_K", 14: "q6_K", 15: "q8_K", 16: "iq2_xxs", 17: "iq2_xs", 18: "iq3_xxs", 19: "iq1_s",
        20: "iq4_nl", 21: "iq3_s", 22: "iq2_s", 23: "iq4_xs", 24: "i8", 25: "i16", 26: "i32", 27: "i64",
        28: "f64", 29: "iq1_m", 34: "tq1_0", 35: "tq2_0", 39: "mxfp4",
    ]
    return names[id].map { " (\($0))" } ?? ""
}

public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    /// GGUF ne order: dims[0] varies fastest.
    public let dims: [Int]
    /// PyTorch order, outermost first.
    public var shape: [Int] { dims.reversed() }
    public let type: GGUFTensorType
    /// Relative to the start of the data section.
    public let offset: Int
    public let byteCount: Int
    public let elementCount: Int
}
