// A layer's weight matrix A (M, K), packed once at load for the two ways it is multiplied:
//   panels  (ceil(M/6), K, 6) floats: the GEMM's register tiles read six rows of one column at a time (GEMM.swift);
//   slabs   Aᵀ in 16-row slabs, (ceil(M/16), K, 16), for matrix–vector products (linear layers at batch 1–3,
//           MatrixVector.swift), in the most compact form that holds every value exactly: int8 with one scale per
//           32 values of a row (what a q8_0 tensor decodes to), f16, or f32. A matrix–vector product reads every
//           weight once per image, so its speed is the bytes it reads: a quarter or half of f32's.
// and, if given, one scale per row that every kernel applies in its epilogue, C = act(scale ⊙ (A·B) + bias): a
// linear layer's batch norm, kept out of A so that A keeps its file's exact values (folded in, f16 weights would
// become f32 ones and the slabs would be twice as large).

import CKernels
import Synchronization

public struct PackedMatrix: Sendable {
    public let rows: Int, columns: Int
    let panels: PinnedBuffer<Float>
    /// Aᵀ for products with few columns; nil for matrices only ever multiplied by many columns, and for f32 matrices
    /// over `transposedLimit` bytes (those read their panels instead).
    let slabs: Slabs?
    /// (M) or nil.
    let rowScale: PinnedBuffer<Float>?

    /// `transpose`: also keep Aᵀ in slabs, for products with few columns. An f32 Aᵀ is kept only up to
    /// `transposedLimit` bytes: a second f32 copy of a large layer costs more at load and in memory than the slab
    /// layout gains over reading the panels; the compact forms are
    /// always kept (at most half the panels' size).
    /// `parallelism`: the threads that pack (rows of A split between them; the same buffers whatever the split).
    public init(_ a: UnsafePointer<Float>, rows: Int, columns: Int, transpose: Bool = false, rowScale: [Float]? = nil,
                parallelism: Parallelism = .serial) {
        precondition(rowScale.map { $0.count == rows } ?? true, "\(rowScale?.count ?? 0) row scales for \(rows) rows")
        self.rows = rows
        self.columns = columns
        let tiles = (rows + tileRows - 1) / tileRows
        // Two floats of padding: the matrix–vector path over the panels reads each k's six values as 8.
        let panels = PinnedBuffer<Float>(zeroed: tiles * tileRows * columns + 2)
        parallelism.forEachSlice(of: tiles) { part in
            for row in (part.lowerBound * tileRows)..<min(rows, part.upperBound * tileRows) {
                let src = a + row * columns
                var d = panels.pointer + (row / tileRows) * tileRows * columns + row % tileRows
                for l in 0..<columns {
                    d.pointee = src[l]
                    d += tileRows
                }
            }
        }
        self.panels = panels
        slabs = transpose
            ? Slabs(a, rows: rows, columns: columns, f32Limit: PackedMatrix.transposedLimit, parallelism: parallelism)
            : nil
        self.rowScale = rowScale.map { scale in
            let buffer = PinnedBuffer<Float>(zeroed: rows)
            buffer.pointer.update(from: scale, count: rows)
            return buffer
        }
    }

    static let transposedLimit = 4 << 20

    public init(_ a: [Float], rows: Int, columns: Int, transpose: Bool = false, rowScale: [Float]? = nil,
                parallelism: Parallelism = .serial) {
        precondition(a.count == rows * columns, "matrix has \(a.count) values, not \(rows)x\(columns)")
        self = a.withUnsafeBufferPointer {
            PackedMatrix($0.baseAddress!, rows: rows, columns: columns, transpose: transpose, rowScale: rowScale,
                         parallelism: parallelism)
        }
    }

    /// The form of Aᵀ matrix–vector products read ("q8", "f16", "f32"), or nil when they read the panels.
    public var matrixVectorForm: String? {
        switch slabs {
        case .q8: "q8"
        case .f16: "f16"
        case .f32: "f32"
        case nil: nil
        }
    }
}

/// Aᵀ in slabs of 16 rows of A: slab s holds, for each column l, the values of rows 16s..<16s+16 side by side; rows
/// past M are zero.
enum Slabs: Sendable {
    /// (slabs, K, 16) floats
    case f32(PinnedBuffer<Float>)
    /// (slabs, K, 16) IEEE binary16 bits
    case f16(PinnedBuffer<UInt16>)
    /// quants (slabs, K, 16) and scales (slabs, K/32, 16): A[m, l] = Float(quant) · scale[l / 32], exactly.
    case q8(quants: PinnedBuffer<Int8>, scales: PinnedBuffer<Float>)

    static let slabRows = 16, q8Block = 32

    /// The most compact exact form, or nil when only f32 holds A and A is over `f32Limit` bytes.
    init?(_ a: UnsafePointer<Float>, rows: Int, columns: Int, f32Limit: Int, parallelism: Parallelism) {
        if let q8 = Slabs.q8(a, rows: rows, columns: columns, parallelism) { self = q8; return }
        if let f16 = Slabs.f16(a, rows: rows, columns: columns, parallelism) { self = f16; return }
        guard rows * columns * 4 <= f32Limit else { return nil }
        let values = PinnedBuffer<Float>(zeroed: Slabs.count(rows, columns))
        _ = Slabs.eachPart(rows: rows, parallelism) { part in
            for row in part {
                for l in 0..<columns { values.pointer[Slabs.index(row, l, columns)] = a[row * columns + l] }
            }
            return true
        }
        self = .f32(values)
    }

    static func count(_ rows: Int, _ columns: Int) -> Int { (rows + slabRows - 1) / slabRows * slabRows * columns }

    static func index(_ row: Int, _ l: Int, _ columns: Int) -> Int {
        row / slabRows * slabRows * columns + l * slabRows + row % slabRows
    }

    /// `body` on the rows of A in parts of whole slabs, split between the threads (so no two parts write into one
    /// slab); false if any part returned false (a value the form cannot hold), after which the others may stop early.
    private static func eachPart(rows: Int, _ parallelism: Parallelism, _ body: (Range<Int>) -> Bool) -> Bool {
        let refused = Atomic<Bool>(false)
        parallelism.forEachSlice(of: (rows + slabRows - 1) / slabRows) { slabs in
            guard !refused.load(ordering: .relaxed) else { return }
            if !body((slabs.lowerBound * slabRows)..<min(rows, slabs.upperBound * slabRows)) {
                refused.store(true, ordering: .relaxed)
            }
        }
        return !refused.load(ordering: .relaxed)
    }

    private static func f16(_ a: UnsafePointer<Float>, rows: Int, columns: Int, _ parallelism: Parallelism) -> Slabs? {
        // An f32 matrix almost always shows it in its first row: refuse before allocating the slabs.
        for l in 0..<min(columns, rows * columns) where exactHalfBits(a[l]) == nil { return nil }
        let halves = PinnedBuffer<UInt16>(zeroed: count(rows, columns))
        let exact = eachPart(rows: rows, parallelism) { part in
            for row in part {
                let src = a + row * columns, slab = halves.pointer + row / slabRows * slabRows * columns
                for l in 0..<columns {
                    guard let h = exactHalfBits(src[l]) else { return false }
                    slab[l * slabRows + row % slabRows] = h
                }
            }
            return true
        }
        return exact ? .f16(halves) : nil
    }

    /// Each block of 32 values of a row as int8 quants times one f32 scale, if every value is exactly
    /// Float(quant) · scale. A q8_0 block's largest value is 127 · d (ggml rounds it to 127 exactly), so
    /// scale = max |value| / 127 recovers d; the check, not that reasoning, is what makes the form exact.
    private static func q8(_ a: UnsafePointer<Float>, rows: Int, columns: Int, _ parallelism: Parallelism) -> Slabs? {
        guard columns % q8Block == 0, rows > 0 else { return nil }
        let first = UnsafeMutablePointer<Int8>.allocate(capacity: q8Block)
        defer { first.deallocate() }
        guard q8Exact(a, quants: first) != nil else { return nil }  // the first block, before allocating the slabs
        let blocks = columns / q8Block
        let quants = PinnedBuffer<Int8>(zeroed: count(rows, columns))
        let scales = PinnedBuffer<Float>(zeroed: count(rows, blocks))
        let exact = eachPart(rows: rows, parallelism) { part in
            let block = UnsafeMutablePointer<Int8>.allocate(capacity: q8Block)
            defer { block.deallocate() }
            for row in part {
                for b in 0..<blocks {
                    guard let scale = q8Exact(a + row * columns + b * q8Block, quants: block) else { return false }
                    for i in 0..<q8Block { quants.pointer[index(row, b * q8Block + i, columns)] = block[i] }
                    scales.pointer[index(row, b, blocks)] = scale
                }
            }
            return true
        }
        return exact ? .q8(quants: quants, scales: scales) : nil
    }
}

/// The scale that makes 32 values exactly Float(quant) · scale, their quants written to `quants`; nil if none does
/// (gs_quant.h: q = v / scale rounded half away from zero, kept if |q| ≤ 127 and q · scale == v).
func q8Exact(_ block: UnsafePointer<Float>, quants: UnsafeMutablePointer<Int8>) -> Float? {
    var scale: Float = 0
    return gs_q8_exact(block, quants, &scale) == 1 ? scale : nil
}

/// The binary16 bits of `v` if binary16 holds it exactly (±0 included), else nil: one conversion each way (F16C
/// instructions on x86, where a bit-level test was a noticeable part of a large layer's load).
@inline(__always)
func exactHalfBits(_ v: Float) -> UInt16? {
    #if (os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64)
    return exactHalfBitsSoftware(v)
    #else
    let h = Float16(v)
    return v.isFinite && Float(h).bitPattern == v.bitPattern ? h.bitPattern : nil
    #endif
}

/// `exactHalfBits` from the bits alone, where Swift has no Float16 (macOS on Intel); tested against the Float16 form.
func exactHalfBitsSoftware(_ v: Float) -> UInt16? {
    let bits = v.bitPattern, sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
    let magnitude = bits & 0x7fff_ffff
    if magnitude == 0 { return sign }
    let exponent = Int(magnitude >> 23) - 127
    // Finite, and within binary16's range: 2^-24 (smallest subnormal) up to 65504 (exponent 15).
    guard magnitude < 0x7f80_0000, (-24)...15 ~= exponent else { return nil }
    let significand = magnitude & 0x7f_ffff | 0x80_0000
    // Normal halves keep 10 of the 23 fraction bits; subnormal ones (exponent below -14) fewer, down to none.
    let dropped = exponent >= -14 ? 13 : 13 + (-14 - exponent)
    guard significand & (1 << dropped - 1) == 0 else { return nil }
    let biased = exponent >= -14 ? UInt16(exponent + 15) << 10 : 0
    return sign | biased | UInt16(truncatingIfNeeded: significand >> dropped) & (exponent >= -14 ? 0x3ff : 0x7ff)
}
