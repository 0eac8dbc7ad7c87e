// C = act(A·B + bias): the one matrix kernel every layer reduces to (linear directly, conv2d after im2col,
// conv_transpose2d as sub-pixel phases whose B is gathered on the fly, or before col2im).
//
// Determinism contract: every output element is `acc = 0; for k in 0..<K { acc = fma(A[m,k], B[k,n], acc) }`,
// then `act(acc + bias[m])`, in exactly that order, whatever the blocking, vector width or thread split. So the
// fast kernel is bit-identical to `gemmReference`, and an image never depends on its batch or thread count.
//
// Fast path: B is packed 16 columns at a time into a contiguous (K, 16) panel that stays in L1 while a 6×16
// register tile of C accumulates over all of K; the columns of a short last panel are zero-padded.
// A is packed into 6-row panels once, when a model is loaded (`PackedMatrix`). How B's panels are gathered and
// where C's rows go is the caller's (`TileOperands`). Products with fewer than `narrowColumns` columns (linear
// layers at batch 1–3) run as matrix–vector products instead, vectorized across rows (over Aᵀ in 16-row slabs, or
// over the 6-row panels for layers too large for a second copy), so a 16-wide panel is not filled with zeros.

import CTileKernels

/// Shapes: A (M, K) row-major with row stride K; B (K, N) row-major with row stride `ldb`;
/// C (M, N) row-major with row stride `ldc`; bias (M) or nil.
public struct GEMMOperands {
    public var m: Int, n: Int, k: Int
    public var a: UnsafePointer<Float>
    public var b: UnsafePointer<Float>
    public var ldb: Int
    public var c: UnsafeMutablePointer<Float>
    public var ldc: Int
    public var bias: UnsafePointer<Float>?
    public var activation: Activation

    public init(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
                c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?, activation: Activation) {
        self.m = m; self.n = n; self.k = k; self.a = a; self.b = b; self.ldb = ldb
        self.c = c; self.ldc = ldc; self.bias = bias; self.activation = activation
    }
}

// MARK: - Reference

public func gemmReference(_ p: GEMMOperands) {
    for i in 0..<p.m {
        for j in 0..<p.n {
            var acc: Float = 0
            for l in 0..<p.k { acc = acc.addingProduct(p.a[i * p.k + l], p.b[l * p.ldb + j]) }
            p.c[i * p.ldc + j] = activate(acc + (p.bias?[i] ?? 0), p.activation)
        }
    }
}

// MARK: - Packed weights

let panelWidth = 16
private let tileRows = 6
/// Below this many columns, C is computed column by column over Aᵀ.
private let narrowColumns = 4

/// A (M, K) matrix packed for `gemm`: panels (ceil(M/6), K, 6) and, if asked for, Aᵀ in 16-row slabs
/// (ceil(M/16), K, 16), which a matrix–vector product reads front to back.
public struct PackedMatrix: Sendable {
    public let rows: Int, columns: Int
    let panels: FloatStorage
    let transposed: [Float]

    /// `transpose`: also keep Aᵀ, for products with few columns (linear layers at small batch), unless A is over
    /// `transposedLimit` bytes: a second copy of a large layer costs more at load and in memory (26 MB for
    /// mnist-infogan's linear 1024 → 6272) than the slab layout gains, and such a layer's matrix–vector product is
    /// bound by reading its weights either way (2 threads, batch 1: 2,120 images/s over the panels, 1,575 over Aᵀ).
    public init(_ a: UnsafePointer<Float>, rows: Int, columns: Int, transpose: Bool = false) {
        self.rows = rows
        self.columns = columns
        let tiles = (rows + tileRows - 1) / tileRows
        // Two floats of padding: the matrix–vector path over the panels reads each k's six values as 8.
        panels = FloatStorage(count: tiles * tileRows * columns + 2)
        for row in 0..<rows {
            let src = a + row * columns
            var d = panels.pointer + (row / tileRows) * tileRows * columns + row % tileRows
            for l in 0..<columns {
                d.pointee = src[l]
                d += tileRows
            }
        }
        guard transpose && rows * columns * 4 <= PackedMatrix.transposedLimit else { transposed = []; return }
        let width = (rows + 15) / 16 * 16
        transposed = [Float](unsafeUninitializedCapacity: columns * width) { out, initialized in
            let dst = out.baseAddress!
            dst.initialize(repeating: 0, count: out.count)
            for row in 0..<rows {
                let src = a + row * columns, slab = dst + row / 16 * 16 * columns + row % 16
                for l in 0..<columns { slab[l * 16] = src[l] }
            }
            initialized = out.count
        }
    }

    static let transposedLimit = 4 << 20

    public init(_ a: [Float], rows: Int, columns: Int, transpose: Bool = false) {
        precondition(a.count == rows * columns, "matrix has \(a.count) values, not \(rows)x\(columns)")
        self = a.withUnsafeBufferPointer { PackedMatrix($0.baseAddress!, rows: rows, columns: columns, transpose: transpose) }
    }
}

/// Zero-initialised floats that never move and never change after packing, so that kernels on any thread can hold
/// plain pointers into a layer's weights for as long as the layer lives.
final class FloatStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}

// MARK: - Fast

/// Packs A for this one product; layers pack their weights once at load and call the packed form.
public func gemm(_ p: GEMMOperands, parallelism: Parallelism) {
    guard p.m > 0, p.n > 0 else { return }
    let a = PackedMatrix(p.a, rows: p.m, columns: p.k, transpose: p.n < narrowColumns)
    gemm(a, n: p.n, b: p.b, ldb: p.ldb, c: p.c, ldc: p.ldc, bias: p.bias, activation: p.activation,
         parallelism: parallelism)
}

/// C (M, N) = act(A·B + bias) with A packed; B (K, N) with row stride `ldb`, C with row stride `ldc`.
public func gemm(_ a: PackedMatrix, n: Int, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>,
                 ldc: Int, bias: UnsafePointer<Float>?, activation: Activation, parallelism: Parallelism) {
    let m = a.rows
    guard m > 0, n > 0 else { return }
    let p = GEMMOperands(m: m, n: n, k: a.columns, a: b, b: b, ldb: ldb, c: c, ldc: ldc, bias: bias, activation: activation)
    if n < narrowColumns && !a.transposed.isEmpty {
        a.transposed.withUnsafeBufferPointer { at in
            let shared = UncheckedSendable((p, at.baseAddress!))
            // Slices of whole groups of four slabs, the unit gemvBlocks runs at full speed.
            let slabs = (m + 15) / 16
            parallelism.forEachSlice(of: (slabs + 3) / 4) { groups in
                gemvBlocks(shared.value.0, shared.value.1,
                           blocks: (groups.lowerBound * 4)..<min(slabs, groups.upperBound * 4))
            }
        }
        return
    }
    if n < narrowColumns {
        // Slices of whole groups of panels, the unit gemvPanels runs at full speed.
        let tiles = (m + tileRows - 1) / tileRows, group = gemvPanelsAtOnce
        withExtendedLifetime(a) {
            let shared = UncheckedSendable((p, UnsafePointer(a.panels.pointer)))
            parallelism.forEachSlice(of: (tiles + group - 1) / group) { groups in
                gemvPanels(shared.value.0, shared.value.1,
                           tiles: (groups.lowerBound * group)..<min(tiles, groups.upperBound * group))
            }
        }
        return
    }
    withExtendedLifetime(a) {
        gemm(DenseProduct(a: a.panels.pointer, m: m, k: a.columns, n: n, b: b, ldb: ldb, c: c, ldc: ldc),
             bias: bias, activation: activation, parallelism: parallelism)
    }
}

/// C = act(A·B + bias) over any operands: the one tiled loop every layer runs. The rows of C come in groups, each
/// with its own packed A and its own way of gathering B (a transposed convolution's phases: TransposedConvolution.swift).
func gemm<Operands: TileOperands>(_ operands: Operands, bias: UnsafePointer<Float>?, activation: Activation,
                                  parallelism: Parallelism) {
    let n = operands.columns
    guard n > 0 else { return }
    var tiles: [(group: Int, tile: Int)] = []
    for g in 0..<operands.groups {
        for t in 0..<((operands.rows(g) + tileRows - 1) / tileRows) { tiles.append((g, t)) }
    }
    guard !tiles.isEmpty else { return }
    let panels = (n + panelWidth - 1) / panelWidth
    tiles.withUnsafeBufferPointer { tiles in
        let job = UncheckedSendable(TiledProduct(operands: operands, tiles: tiles.baseAddress!, bias: bias,
                                                 activation: activation, kernel: parallelism.tiles))
        // Split rows when A is the larger operand and there are enough tiles to go round: each thread then reads only
        // its part of A (a thread given columns streams all of A; for a 26 MB A at 64 columns that doubled the
        // memory traffic). Otherwise split columns when there are enough panels, else rows.
        let rowsFirst = operands.columns < (0..<operands.groups).reduce(0) { $0 + operands.rows($1) }
        let splitRows = tiles.count >= 2 * parallelism.threads
            && (rowsFirst || panels < 2 * parallelism.threads)
        if !splitRows {
            parallelism.forEachSlice(of: panels) { slice in job.value.run(panels: slice, tiles: 0..<tiles.count) }
        } else {
            parallelism.forEachSlice(of: tiles.count) { slice in job.value.run(panels: 0..<panels, tiles: slice) }
        }
    }
}

// MARK: - Operands

/// What the tiled loop multiplies: row groups g, each C_g (rows(g), N) = A_g · B_g, with A_g packed in 6-row panels,
/// B_g gathered 16 columns at a time into an L1 panel, and C_g's finished rows placed by `store`.
protocol TileOperands {
    /// Whatever `store` needs to know about the columns j0..<j0+width, worked out once per panel.
    associatedtype Columns
    var groups: Int { get }
    /// N, shared by all groups.
    var columns: Int { get }
    func rows(_ group: Int) -> Int
    func depth(_ group: Int) -> Int
    /// Packed A_g: (ceil(rows/6), depth, 6).
    func weights(_ group: Int) -> UnsafePointer<Float>
    /// All `depth(group)` rows of B_g's columns j0..<j0+width into a (depth, 16) panel, zero past `width`.
    func pack(_ panel: UnsafeMutablePointer<Float>, group: Int, from j0: Int, width: Int)
    func columns(group: Int, from j0: Int, width: Int) -> Columns
    func store(_ values: Vector, group: Int, row: Int, columns: Columns, width: Int)
}

/// One group: B a (K, N) matrix with row stride `ldb`, C an (M, N) matrix with row stride `ldc`.
private struct DenseProduct: TileOperands {
    let a: UnsafePointer<Float>, m: Int, k: Int, n: Int
    let b: UnsafePointer<Float>, ldb: Int
    let c: UnsafeMutablePointer<Float>, ldc: Int

    var groups: Int { 1 }
    var columns: Int { n }
    func rows(_ group: Int) -> Int { m }
    func depth(_ group: Int) -> Int { k }
    func weights(_ group: Int) -> UnsafePointer<Float> { a }

    @inline(__always)
    func pack(_ panel: UnsafeMutablePointer<Float>, group: Int, from j0: Int, width: Int) {
        if width < panelWidth { panel.update(repeating: 0, count: k * panelWidth) }
        for l in 0..<k { (panel + l * panelWidth).update(from: b + l * ldb + j0, count: width) }
    }

    @inline(__always)
    func columns(group: Int, from j0: Int, width: Int) -> UnsafeMutablePointer<Float> { c + j0 }

    @inline(__always)
    func store(_ values: Vector, group: Int, row: Int, columns: UnsafeMutablePointer<Float>, width: Int) {
        let out = columns + row * ldc
        if width == panelWidth {
            UnsafeMutableRawPointer(out).storeBytes(of: values, as: Vector.self)
        } else {
            for j in 0..<width { out[j] = values[j] }
        }
    }
}

// MARK: - Tiles

private struct TiledProduct<Operands: TileOperands> {
    let operands: Operands
    let tiles: UnsafePointer<(group: Int, tile: Int)>   // every 6-row tile of every group, group by group
    let bias: UnsafePointer<Float>?
    let activation: Activation
    let kernel: TileKernel

    func run(panels: Range<Int>, tiles range: Range<Int>) {
        var maxDepth = 1
        for g in 0..<operands.groups { maxDepth = max(maxDepth, operands.depth(g)) }
        let rowStep = kernel.rowPanels, columnStep = kernel.columnPanels
        let panel = UnsafeMutablePointer<Float>.allocate(capacity: columnStep * maxDepth * panelWidth)  // (K, 16) each
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: sumsRows * sumsStride)  // (12, 32)
        defer { panel.deallocate(); sums.deallocate() }
        let nextPanel = panel + maxDepth * panelWidth
        // Tiles are taken in blocks whose packed A (up to 768 KiB, most of a Zen 4 core's 1 MiB L2) stays in L2 while
        // every panel of B streams past it: without blocks, a large layer (A of several MB) would re-read A from
        // memory for each 16 columns; with smaller blocks, gathered panels (sub-pixel phases) are gathered again
        // for each block (256 KiB measured 5-8% slower on DCGAN 64).
        var blockStart = range.lowerBound
        while blockStart < range.upperBound {
            var blockEnd = blockStart, bytes = 0
            while blockEnd < range.upperBound && (blockEnd == blockStart || bytes < 768 << 10) {
                bytes += operands.depth(tiles[blockEnd].group) * tileRows * 4
                blockEnd += 1
            }
            var q = panels.lowerBound
            while q < panels.upperBound {
                let columnPanels = min(columnStep, panels.upperBound - q)
                let j0 = q * panelWidth
                let width0 = min(panelWidth, operands.columns - j0)
                let width1 = columnPanels == 2 ? min(panelWidth, operands.columns - j0 - panelWidth) : 0
                var t = blockStart
                while t < blockEnd {
                    let g = tiles[t].group
                    operands.pack(panel, group: g, from: j0, width: width0)
                    let columns0 = operands.columns(group: g, from: j0, width: width0)
                    var columns1 = columns0
                    if columnPanels == 2 {
                        operands.pack(nextPanel, group: g, from: j0 + panelWidth, width: width1)
                        columns1 = operands.columns(group: g, from: j0 + panelWidth, width: width1)
                    }
                    let a = operands.weights(g), k = operands.depth(g), m = operands.rows(g)
                    while t < blockEnd && tiles[t].group == g {
                        let i = tiles[t].tile * tileRows
                        let rowPanels = rowStep == 2 && t + 1 < blockEnd && tiles[t + 1].group == g ? 2 : 1
                        if kernel == .avx512 {
                            // A last panel with at most 8 columns in use takes an 8-wide accumulator.
                            let used = columnPanels == 2 ? panelWidth + width1 : width0
                            gs_tile_avx512(a + i * k, panel, nextPanel, k, Int32(rowPanels), Int32((used + 7) / 8 * 8), sums)
                        } else {
                            multiplyTile(a + i * k, panel, k: k, into: sums)
                        }
                        let raw = UnsafeRawPointer(sums)
                        for r in 0..<min(rowPanels * tileRows, m - i) {
                            let b = bias?[i + r] ?? 0
                            let v0 = raw.loadUnaligned(fromByteOffset: r * sumsStride * 4, as: Vector.self)
                            operands.store(activate(v0 + b, activation), group: g, row: i + r, columns: columns0,
                                           width: width0)
                            if columnPanels == 2 {
                                let v1 = raw.loadUnaligned(fromByteOffset: (r * sumsStride + panelWidth) * 4, as: Vector.self)
                                operands.store(activate(v1 + b, activation), group: g, row: i + r, columns: columns1,
                                               width: width1)
                            }
                        }
                        t += rowPanels
                    }
                }
                q += columnPanels
            }
            blockStart = blockEnd
        }
    }
}

/// The tiles' results, (12, 32) row-major: the AVX-512 tile fills all of it, the portable one the top-left 6 × 16.
private let sumsRows = 2 * tileRows, sumsStride = 2 * panelWidth

/// sums (6, 16) = one 6×16 block of A·B over all of K (row stride `sumsStride`): twelve 8-wide accumulators, the
/// most AVX2's sixteen registers hold with a B row and a broadcast. Kept out of line so that no caller's state
/// competes for registers. The AVX-512 twin, up to 12 × 32, is gs_tile_avx512 (CTileKernels).
@inline(never)
private func multiplyTile(_ a: UnsafePointer<Float>, _ panel: UnsafePointer<Float>, k: Int,
                          into sums: UnsafeMutablePointer<Float>) {
    let bRaw = UnsafeRawPointer(panel)
    var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector(), c5 = Vector()
    var ap = a
    for l in 0..<k {
        let b = bRaw.loadUnaligned(fromByteOffset: l * panelWidth * 4, as: Vector.self)
        c0 = c0.addingProduct(ap[0], b)
        c1 = c1.addingProduct(ap[1], b)
        c2 = c2.addingProduct(ap[2], b)
        c3 = c3.addingProduct(ap[3], b)
        c4 = c4.addingProduct(ap[4], b)
        c5 = c5.addingProduct(ap[5], b)
        ap += tileRows
    }
    let out = UnsafeMutableRawPointer(sums)
    out.storeBytes(of: c0, toByteOffset: 0 * sumsStride * 4, as: Vector.self)
    out.storeBytes(of: c1, toByteOffset: 1 * sumsStride * 4, as: Vector.self)
    out.storeBytes(of: c2, toByteOffset: 2 * sumsStride * 4, as: Vector.self)
    out.storeBytes(of: c3, toByteOffset: 3 * sumsStride * 4, as: Vector.self)
    out.storeBytes(of: c4, toByteOffset: 4 * sumsStride * 4, as: Vector.self)
    out.storeBytes(of: c5, toByteOffset: 5 * sumsStride * 4, as: Vector.self)
}

/// Rows 16·blocks of every column of C, over Aᵀ's 16-row slabs: each lane's sum runs over k in order, as in the
/// tiles. Four slabs go at once: one slab's chain of dependent FMAs would wait out each FMA's latency.
private func gemvBlocks(_ p: GEMMOperands, _ at: UnsafePointer<Float>, blocks: Range<Int>) {
    let raw = UnsafeRawPointer(at), slabBytes = p.k * 16 * 4
    for j in 0..<p.n {
        var block = blocks.lowerBound
        while block < blocks.upperBound {
            let count = min(4, blocks.upperBound - block)
            var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
            let s0 = raw + block * slabBytes
            var b = p.b + j
            if count == 4 {
                for l in 0..<p.k {
                    let x = b.pointee
                    a0 = a0.addingProduct(s0.loadUnaligned(fromByteOffset: l * 64, as: Vector.self), x)
                    a1 = a1.addingProduct(s0.loadUnaligned(fromByteOffset: slabBytes + l * 64, as: Vector.self), x)
                    a2 = a2.addingProduct(s0.loadUnaligned(fromByteOffset: 2 * slabBytes + l * 64, as: Vector.self), x)
                    a3 = a3.addingProduct(s0.loadUnaligned(fromByteOffset: 3 * slabBytes + l * 64, as: Vector.self), x)
                    b += p.ldb
                }
            } else {
                for l in 0..<p.k {
                    a0 = a0.addingProduct(s0.loadUnaligned(fromByteOffset: l * 64, as: Vector.self), b.pointee)
                    b += p.ldb
                }
            }
            @inline(__always) func store(_ acc: Vector, _ i: Int) {
                let m0 = (block + i) * 16, rows = min(16, p.m - m0)
                if rows == 16 && p.ldc == 1 {
                    // One column (batch 1): bias and C rows are contiguous.
                    let bias = p.bias.map { UnsafeRawPointer($0 + m0).loadUnaligned(as: Vector.self) } ?? Vector()
                    UnsafeMutableRawPointer(p.c + m0).storeBytes(of: activate(acc + bias, p.activation), as: Vector.self)
                    return
                }
                var bias = Vector()
                if let b = p.bias { for r in 0..<rows { bias[r] = b[m0 + r] } }
                let out = activate(acc + bias, p.activation)
                for r in 0..<rows { p.c[(m0 + r) * p.ldc + j] = out[r] }
            }
            store(a0, 0)
            if count == 4 { store(a1, 1); store(a2, 2); store(a3, 3) }
            block += count == 4 ? 4 : 1
        }
    }
}

/// Rows 6·tiles of every column of C, over A's packed panels, for layers without Aᵀ: each k's six values of a
/// panel are one 8-wide vector (the last two lanes belong to the next k and are dropped), and each lane's sum runs
/// over k in order, as in the tiles. Several panels go at once: one panel's chain of dependent FMAs would wait out
/// each FMA's latency.
private func gemvPanels(_ p: GEMMOperands, _ packed: UnsafePointer<Float>, tiles: Range<Int>) {
    let raw = UnsafeRawPointer(packed), panelBytes = p.k * tileRows * 4, rowBytes = tileRows * 4
    @inline(__always) func row(_ s: UnsafeRawPointer, _ panel: Int, _ l: Int) -> SIMD8<Float> {
        s.loadUnaligned(fromByteOffset: panel * panelBytes + l * rowBytes, as: SIMD8<Float>.self)
    }
    for j in 0..<p.n {
        var t = tiles.lowerBound
        while t < tiles.upperBound {
            let count = tiles.upperBound - t >= gemvPanelsAtOnce ? gemvPanelsAtOnce : 1
            var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
            var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
            let s0 = raw + t * panelBytes
            var b = p.b + j
            if count == gemvPanelsAtOnce {
                for l in 0..<p.k {
                    let x = b.pointee
                    a0 = a0.addingProduct(row(s0, 0, l), x)
                    a1 = a1.addingProduct(row(s0, 1, l), x)
                    a2 = a2.addingProduct(row(s0, 2, l), x)
                    a3 = a3.addingProduct(row(s0, 3, l), x)
                    a4 = a4.addingProduct(row(s0, 4, l), x)
                    a5 = a5.addingProduct(row(s0, 5, l), x)
                    a6 = a6.addingProduct(row(s0, 6, l), x)
                    a7 = a7.addingProduct(row(s0, 7, l), x)
                    b += p.ldb
                }
            } else {
                for l in 0..<p.k {
                    a0 = a0.addingProduct(row(s0, 0, l), b.pointee)
                    b += p.ldb
                }
            }
            @inline(__always) func store(_ acc: SIMD8<Float>, _ i: Int) {
                let m0 = (t + i) * tileRows, rows = min(tileRows, p.m - m0)
                var v = Vector()
                for r in 0..<rows { v[r] = acc[r] + (p.bias?[m0 + r] ?? 0) }
                let out = activate(v, p.activation)
                for r in 0..<rows { p.c[(m0 + r) * p.ldc + j] = out[r] }
            }
            store(a0, 0)
            if count == gemvPanelsAtOnce {
                store(a1, 1); store(a2, 2); store(a3, 3); store(a4, 4); store(a5, 5); store(a6, 6); store(a7, 7)
            }
            t += count
        }
    }
}

/// Panels a matrix–vector product runs at once: eight chains of one FMA each keep both FMA pipes busy.
private let gemvPanelsAtOnce = 8
