// Converts tensor bytes to and from f32 for the four supported types. Decoding serves GGUFFile.floats(of:),
// encoding serves GGUFWriter; quantization matches ggml's quantize_row_q8_0_ref so a re-encoded file is
// byte-identical to what ggml would write. Layouts: ggml.c type_traits, ggml-quants.c.

/// Q8_0 block: f16 scale d, then 32 int8 q; value = d × q.
let q8BlockElements = 32

/// Blocks `blocks` of a tensor of `type` (a block is one value, or 32 for q8_0) from `raw`, the tensor's bytes, to
/// `out`, which holds the whole tensor's values: block b's go to out[b · blockSize...].
func decodeBlocks(_ raw: UnsafeRawBufferPointer, type: GGUFTensorType, blocks: Range<Int>,
                  into out: UnsafeMutablePointer<Float>) {
    precondition(blocks.lowerBound >= 0 && blocks.upperBound * type.bytesPerBlock <= raw.count)
    switch type {
    case .f32:
        for i in blocks { out[i] = Float(bitPattern: loadLittleEndian(raw, 4 * i)) }
    case .f16:
        for i in blocks { out[i] = float16ToFloat(loadLittleEndian(raw, 2 * i)) }
    case .bf16:
        for i in blocks { out[i] = bfloat16ToFloat(loadLittleEndian(raw, 2 * i)) }
    case .q8_0:
        for block in blocks {
            let base = block * type.bytesPerBlock
            let scale = float16ToFloat(loadLittleEndian(raw, base))
            for j in 0..<q8BlockElements {
                out[block * q8BlockElements + j] = Float(Int8(bitPattern: raw[base + 2 + j])) * scale
            }
        }
    }
}

/// The bytes `type` stores for `values`; `values.count` must be a whole number of blocks.
func encodeTensor(_ values: [Float], as type: GGUFTensorType) -> [UInt8] {
    precondition(values.count % type.blockSize == 0, "\(values.count) values are not whole \(type.name) blocks")
    var out: [UInt8] = []
    out.reserveCapacity(values.count / type.blockSize * type.bytesPerBlock)
    switch type {
    case .f32:
        for v in values { appendLittleEndian(v.bitPattern, to: &out) }
    case .f16:
        for v in values { appendLittleEndian(float16Bits(v), to: &out) }
    case .bf16:
        for v in values { appendLittleEndian(bfloat16Bits(v), to: &out) }
    case .q8_0:
        for start in stride(from: 0, to: values.count, by: q8BlockElements) {
            let block = values[start..<(start + q8BlockElements)]
            precondition(block.allSatisfy(\.isFinite), "q8_0 cannot encode NaN or Inf (block at element \(start))")
            let amax = block.reduce(Float(0)) { max($0, abs($1)) }
            let scale = amax / 127
            let inverse: Float = scale != 0 ? 1 / scale : 0
            appendLittleEndian(float16Bits(scale), to: &out)
            // roundf rounds halves away from zero, which is Swift's default rounding rule.
            for v in block { out.append(UInt8(bitPattern: Int8((v * inverse).rounded()))) }
        }
    }
    return out
}

@inline(__always)
private func loadLittleEndian<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, _ offset: Int) -> T {
    T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
}

func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
}
