// C = act(A·B + bias): the one matrix kernel every layer reduces to (linear directly, conv2d after im2col,
// conv_transpose2d as sub-pixel phases whose B is gathered on the fly, or before col2im).
//
// Determinism contract: every output element is `acc = 0; for k in 0..<K { acc = fma(A[m,k], B[k,n], acc) }`,
// then `act(acc + bias[m])`, in exactly that order, whatever the blocking, vector width or thread split. So the
// fast kernel is bit-identical to `gemmReference`, and an image never depends on its batch or thread count.
//
// With row scales (a linear layer's batch norm, PackedMatrix.swift) the epilogue is `act(fma(acc, scale[m], bias[m]))`.
//
// Fast path: B is packed 16 columns at a time into (K, 16) panels — one contiguous panel, or (sub-pixel phases on
// AVX-512) per-tap segments shared between phases — while a register tile of C (6×16, or up to 12×32 on AVX-512)
// accumulates over all of K; the columns of a short last panel are zero-padded.
// A is packed into 6-row panels once, when a model is loaded (`PackedMatrix`). How B's panels are gathered and
// where C's rows go is the caller's (`TileOperands`). Products with fewer than `narrowColumns` columns (linear
// layers at batch 1–3) run as matrix–vector products instead (MatrixVector.swift).

import CKernels

/// Shapes: A (M, K) row-major with row stride K; B (K, N) row-major with row stride `ldb`;
/// C (M, N) row-major with row stride `ldc`; bias (M) or nil; rowScale (M) or nil.
public struct GEMMOperands {
    public var m: Int, n: Int, k: Int
    public var a: UnsafePointer<Float>
    public var b: UnsafePointer<Float>
    public var ldb: Int
    public var c: UnsafeMutablePointer<Float>
    public var ldc: Int
    public var bias: UnsafePointer<Float>?
    public var rowScale: UnsafePointer<Float>?
    public var activation: Activation

    public init(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int,
                c: UnsafeMutablePointer<Float>, ldc: Int, bias: UnsafePointer<Float>?,
                rowScale: UnsafePointer<Float>? = nil, activation: Activation) {
        self.m = m; self.n = n; self.k = k; self.a = a; self.b = b; self.ldb = ldb
        self.c = c; self.ldc = ldc; self.bias = bias; self.rowScale = rowScale; self.activation = activation
    }
}

// MARK: - Reference

public func gemmReference(_ p: GEMMOperands) {
    for i in 0..<p.m {
        for j in 0..<p.n {
            var acc: Float = 0
            for l in 0..<p.k { acc = acc.addingProduct(p.a[i * p.k + l], p.b[l * p.ldb + j]) }
            let bias = p.bias?[i] ?? 0
            p.c[i * p.ldc + j] = activate(p.rowScale.map { bias.addingProduct(acc, $0[i]) } ?? acc + bias, p.activation)
        }
    }
}

let panelWidth = 16
let tileRows = 6

// MARK: - Fast

/// Packs A for this one product; layers pack their weights once at load and call the packed form.
public func gemm(_ p: GEMMOperands, parallelism: Parallelism) {
    guard p.m > 0, p.n > 0 else { return }
    let a = PackedMatrix(p.a, rows: p.m, columns: p.k, transpose: p.n < narrowColumns,
                         rowScale: p.rowScale.map { Array(UnsafeBufferPointer(start: $0, count: p.m)) })
    gemm(a, n: p.n, b: p.b, ldb: p.ldb, c: p.c, ldc: p.ldc, bias: p.bias, activation: p.activation,
         parallelism: parallelism)
}

/// C (M, N) = act(A·B + bias) with A packed; B (K, N) with row stride `ldb`, C with row stride `ldc`.
public func gemm(_ a: PackedMatrix, n: Int, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>,
                 ldc: Int, bias: UnsafePointer<Float>?, activation: Activation, parallelism: Parallelism) {
    let m = a.rows
    guard m > 0, n > 0 else { return }
    if n < narrowColumns {
        matrixVector(a, n: n, b: b, ldb: ldb, c: c, ldc: ldc, bias: bias, activation: activation,
                     parallelism: parallelism)
        return
    }
    withExtendedLifetime(a) {
        gemm(DenseProduct(a: a.panels.pointer, m: m, k: a.columns, n: n, b: b, ldb: ldb, c: c, ldc: ldc),
             bias: bias, scale: a.rowScale?.pointer, activation: activation, parallelism: parallelism)
    }
}

/// C = act(A·B + bias) over any operands: the one tiled loop every layer runs. The rows of C come in groups, each
/// with its own packed A and its own way of gathering B (a transposed convolution's phases: TransposedConvolution.swift).
func gemm<Operands: TileOperands>(_ operands: Operands, bias: UnsafePointer<Float>?, scale: UnsafePointer<Float>? = nil,
                                  activation: Activation, parallelism: Parallelism) {
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
                                                 scale: scale, activation: activation, kernel: parallelism.tiles,
                                                 blockBytes: parallelism.blockBytes))
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
/// B_g made ready 16 columns at a time (`prepare` once per block of tiles, `segments` per group), and C_g's
/// finished rows placed by `store`.
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
    /// Floats of panel memory one 16-column panel of B takes (per thread, for `prepare` and `segments`).
    var panelFloats: Int { get }
    /// Most segments `segments` returns.
    var maximumSegments: Int { get }
    /// Readies in `panel` what groups `groups` need of B's columns j0..<j0+width; once per block of tiles and panel.
    func prepare(_ panel: UnsafeMutablePointer<Float>, groups: ClosedRange<Int>, from j0: Int, width: Int)
    /// B_g's columns j0..<j0+width, all `depth(group)` rows, zero past `width`: `count` (depth, 16) panels of
    /// `depth / count` rows each, one after the other in k, at `pointers` (in `panel`).
    func segments(_ panel: UnsafeMutablePointer<Float>, group: Int, from j0: Int, width: Int,
                  into pointers: UnsafeMutablePointer<UnsafePointer<Float>?>) -> Int
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
    var panelFloats: Int { k * panelWidth }
    var maximumSegments: Int { 1 }

    @inline(__always)
    func segments(_ panel: UnsafeMutablePointer<Float>, group: Int, from j0: Int, width: Int,
                  into pointers: UnsafeMutablePointer<UnsafePointer<Float>?>) -> Int {
        pointers[0] = UnsafePointer(panel)
        return 1
    }

    @inline(__always)
    func prepare(_ panel: UnsafeMutablePointer<Float>, groups: ClosedRange<Int>, from j0: Int, width: Int) {
        if width == panelWidth {
            for l in 0..<k {
                let row = UnsafeRawPointer(b + l * ldb + j0).loadUnaligned(as: Vector.self)
                UnsafeMutableRawPointer(panel + l * panelWidth).storeBytes(of: row, as: Vector.self)
            }
            return
        }
        panel.update(repeating: 0, count: k * panelWidth)
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
    let scale: UnsafePointer<Float>?
    let activation: Activation
    let kernel: TileKernel
    let blockBytes: Int

    func run(panels: Range<Int>, tiles range: Range<Int>) {
        let rowStep = kernel.rowPanels, columnStep = kernel.columnPanels
        let panelFloats = operands.panelFloats, maximumSegments = operands.maximumSegments
        let panel = UnsafeMutablePointer<Float>.allocate(capacity: columnStep * panelFloats)
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: sumsRows * sumsStride)  // (12, 32)
        let segments = UnsafeMutablePointer<UnsafePointer<Float>?>.allocate(capacity: 2 * maximumSegments)
        defer { panel.deallocate(); sums.deallocate(); segments.deallocate() }
        let nextPanel = panel + panelFloats, nextSegments = segments + maximumSegments
        let lastWidth = operands.columns - (panels.upperBound - 1) * panelWidth
        let tiled = !panels.isEmpty && lastWidth <= thinColumns ? panels.lowerBound..<(panels.upperBound - 1) : panels
        // The AVX-512 tile finishes its sums itself (bias, scale, activation in registers) for the activations it
        // knows; a pass over the stored sums in Swift cost the sub-pixel layers a call per row vector.
        let fusedEpilogue = kernel == .avx512 ? tileEpilogue(activation) : nil
        // Tiles are taken in blocks whose packed A (up to `blockBytes`, 8 MiB) stays in L3 while every panel of B streams past it
        // (the tile prefetches the next tile's A into L2): without blocks, a layer whose A outgrows L3 would re-read
        // A from memory for each 32 columns. Not blocks that fit L2: each B panel is gathered or packed once per
        // block, so smaller blocks repeat that work, and the tile's prefetch of A already hides L3.
        var blockStart = range.lowerBound
        while blockStart < range.upperBound {
            var blockEnd = blockStart, bytes = 0
            while blockEnd < range.upperBound && (blockEnd == blockStart || bytes < blockBytes) {
                bytes += operands.depth(tiles[blockEnd].group) * tileRows * 4
                blockEnd += 1
            }
            let blockGroups = tiles[blockStart].group...tiles[blockEnd - 1].group
            var q = panels.lowerBound
            while q < tiled.upperBound {
                let columnPanels = min(columnStep, tiled.upperBound - q)
                let j0 = q * panelWidth
                let width0 = min(panelWidth, operands.columns - j0)
                let width1 = columnPanels == 2 ? min(panelWidth, operands.columns - j0 - panelWidth) : 0
                operands.prepare(panel, groups: blockGroups, from: j0, width: width0)
                if columnPanels == 2 { operands.prepare(nextPanel, groups: blockGroups, from: j0 + panelWidth, width: width1) }
                var t = blockStart
                while t < blockEnd {
                    let g = tiles[t].group
                    let count = operands.segments(panel, group: g, from: j0, width: width0, into: segments)
                    let columns0 = operands.columns(group: g, from: j0, width: width0)
                    var columns1 = columns0
                    if columnPanels == 2 {
                        _ = operands.segments(nextPanel, group: g, from: j0 + panelWidth, width: width1, into: nextSegments)
                        columns1 = operands.columns(group: g, from: j0 + panelWidth, width: width1)
                    } else {
                        nextSegments.update(from: segments, count: count)
                    }
                    let a = operands.weights(g), k = operands.depth(g), m = operands.rows(g)
                    while t < blockEnd && tiles[t].group == g {
                        let i = tiles[t].tile * tileRows
                        let rowPanels = rowStep == 2 && t + 1 < blockEnd && tiles[t + 1].group == g ? 2 : 1
                        if kernel == .avx512 {
                            // A last panel with at most 8 columns in use takes an 8-wide accumulator.
                            let used = columnPanels == 2 ? panelWidth + width1 : width0
                            // A last row tile of at most 4 or 8 rows in use takes a 4- or 8-row tile.
                            let rows = min(rowPanels * tileRows, m - i)
                            if var finish = fusedEpilogue {
                                finish.bias = bias.map { $0 + i }
                                finish.scale = scale.map { $0 + i }
                                finish.rows = Int32(rows)
                                gs_tile_avx512(a + i * k, segments, nextSegments, k / count, Int32(count), Int32(rows),
                                               Int32((used + 7) / 8 * 8), sums, &finish)
                            } else {
                                gs_tile_avx512(a + i * k, segments, nextSegments, k / count, Int32(count), Int32(rows),
                                               Int32((used + 7) / 8 * 8), sums, nil)
                            }
                        } else {
                            precondition(count == 1, "the portable tile reads one contiguous panel")
                            multiplyTile(a + i * k, segments[0]!, k: k, into: sums)
                        }
                        let raw = UnsafeRawPointer(sums)
                        // Two loops rather than one with the epilogue behind a test in the hot loop.
                        if kernel == .avx512 && fusedEpilogue != nil {
                            for r in 0..<min(rowPanels * tileRows, m - i) {
                                let v0 = raw.loadUnaligned(fromByteOffset: r * sumsStride * 4, as: Vector.self)
                                operands.store(v0, group: g, row: i + r, columns: columns0, width: width0)
                                if columnPanels == 2 {
                                    let v1 = raw.loadUnaligned(fromByteOffset: (r * sumsStride + panelWidth) * 4,
                                                               as: Vector.self)
                                    operands.store(v1, group: g, row: i + r, columns: columns1, width: width1)
                                }
                            }
                        } else {
                            for r in 0..<min(rowPanels * tileRows, m - i) {
                                let b = Vector(repeating: bias?[i + r] ?? 0)
                                let s = scale.map { Vector(repeating: $0[i + r]) }
                                let v0 = raw.loadUnaligned(fromByteOffset: r * sumsStride * 4, as: Vector.self)
                                operands.store(epilogue(v0, scale: s, bias: b, activation), group: g, row: i + r,
                                               columns: columns0, width: width0)
                                if columnPanels == 2 {
                                    let v1 = raw.loadUnaligned(fromByteOffset: (r * sumsStride + panelWidth) * 4,
                                                               as: Vector.self)
                                    operands.store(epilogue(v1, scale: s, bias: b, activation), group: g, row: i + r,
                                                   columns: columns1, width: width1)
                                }
                            }
                        }
                        t += rowPanels
                    }
                }
                q += columnPanels
            }
            if tiled.upperBound < panels.upperBound {
                thinPanel(panels.upperBound - 1, tiles: blockStart..<blockEnd, groups: blockGroups, panel: panel,
                          segments: segments)
            }
            blockStart = blockEnd
        }
    }

    /// The last panel of B when it has at most `thinColumns` columns (a 28×28 DCGAN's 7×7 phases at batch 1: 49
    /// columns, 3 × 16 + 1), for tiles `range`: a tile would compute 8 or 16 lanes per column, a third of the big
    /// layer's FMAs for one column in 49, where panelColumnSums puts 6 rows of one column in each vector.
    private func thinPanel(_ q: Int, tiles range: Range<Int>, groups: ClosedRange<Int>,
                           panel: UnsafeMutablePointer<Float>, segments: UnsafeMutablePointer<UnsafePointer<Float>?>) {
        let j0 = q * panelWidth, width = operands.columns - j0
        operands.prepare(panel, groups: groups, from: j0, width: width)
        withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: thinColumns * panelColumnChains) { chains in
            let chains = chains.baseAddress!
            var t = range.lowerBound
            while t < range.upperBound {
                let g = tiles[t].group
                var end = t
                while end < range.upperBound && tiles[end].group == g { end += 1 }
                let count = operands.segments(panel, group: g, from: j0, width: width, into: segments)
                let columns = operands.columns(group: g, from: j0, width: width)
                let a = operands.weights(g), k = operands.depth(g), m = operands.rows(g)
                // The group's tiles t..<end are consecutive 6-row panels of its A.
                var p = t
                while p < end {
                    let n = min(panelColumnChains, end - p), first = tiles[p].tile
                    for c in 0..<width {
                        panelColumnSums(a + first * tileRows * k, k: k, count: n, segments: segments, depth: k / count,
                                        offset: c, stride: panelWidth, into: chains + c * panelColumnChains)
                    }
                    for i in 0..<n {
                        // One epilogue for a panel's rows of each column (lanes 0-5), then each row's values stored.
                        let row0 = (first + i) * tileRows, rows = min(tileRows, m - row0)
                        var b = Vector(), factor: Vector? = scale == nil ? nil : Vector()
                        for r in 0..<rows {
                            b[r] = bias?[row0 + r] ?? 0
                            if let scale { factor![r] = scale[row0 + r] }
                        }
                        var finished = (Vector(), Vector())
                        finished.0 = epilogue(widened(chains[i]), scale: factor, bias: b, activation)
                        if width == 2 {
                            finished.1 = epilogue(widened(chains[panelColumnChains + i]), scale: factor, bias: b, activation)
                        }
                        for r in 0..<rows {
                            var v = Vector(repeating: finished.0[r])
                            v[1] = finished.1[r]
                            operands.store(v, group: g, row: row0 + r, columns: columns, width: width)
                        }
                    }
                    p += n
                }
                t = end
            }
        }
    }
}

/// A last panel of B with at most this many columns goes through `panelColumnSums` instead of a tile.
let thinColumns = 2

/// Chains `panelColumnSums` runs at once: eight chains of one FMA each keep both FMA pipes busy.
let panelColumnChains = 8

/// A panel's six sums (lanes 0-5 of a chain) as the lanes of a vector, for the epilogue.
@inline(__always)
private func widened(_ chain: SIMD8<Float>) -> Vector {
    Vector(lowHalf: chain, highHalf: SIMD8<Float>())
}

/// One column of B against A's 6-row panels: chain i, lane r = Σ over k, in order, of A[6i + r, k] · b[k] (lanes 6
/// and 7 are the next k's and meaningless), for panels i < `count` (1–8) of `a`; chains past `count` repeat panel 0,
/// since eight run in the time of one. b[k] is segments[k / depth][(k % depth) · stride + offset].
@inline(never)
func panelColumnSums(_ a: UnsafePointer<Float>, k: Int, count: Int, segments: UnsafePointer<UnsafePointer<Float>?>,
                     depth: Int, offset: Int, stride: Int, into chains: UnsafeMutablePointer<SIMD8<Float>>) {
    let raw = UnsafeRawPointer(a), panelBytes = k * tileRows * 4
    @inline(__always) func at(_ i: Int) -> UnsafeRawPointer { raw + (i < count ? i : 0) * panelBytes }
    let p0 = at(0), p1 = at(1), p2 = at(2), p3 = at(3), p4 = at(4), p5 = at(5), p6 = at(6), p7 = at(7)
    var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), a2 = SIMD8<Float>(), a3 = SIMD8<Float>()
    var a4 = SIMD8<Float>(), a5 = SIMD8<Float>(), a6 = SIMD8<Float>(), a7 = SIMD8<Float>()
    var o = 0
    for s in 0..<(k / depth) {
        var b = segments[s]! + offset
        for _ in 0..<depth {
            let x = b.pointee
            @inline(__always) func row(_ p: UnsafeRawPointer) -> SIMD8<Float> {
                p.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            }
            a0 = a0.addingProduct(row(p0), x); a1 = a1.addingProduct(row(p1), x)
            a2 = a2.addingProduct(row(p2), x); a3 = a3.addingProduct(row(p3), x)
            a4 = a4.addingProduct(row(p4), x); a5 = a5.addingProduct(row(p5), x)
            a6 = a6.addingProduct(row(p6), x); a7 = a7.addingProduct(row(p7), x)
            b += stride
            o += tileRows * 4
        }
    }
    chains[0] = a0; chains[1] = a1; chains[2] = a2; chains[3] = a3
    chains[4] = a4; chains[5] = a5; chains[6] = a6; chains[7] = a7
}

/// What every kernel does to a finished sum: act(sum·scale + bias) as one fused multiply-add when the matrix has
/// row scales, act(sum + bias) otherwise.
@inline(__always)
func epilogue(_ sum: Vector, scale: Vector?, bias: Vector, _ activation: Activation) -> Vector {
    activate(scale.map { bias.addingProduct(sum, $0) } ?? sum + bias, activation)
}

/// What the AVX-512 tile needs to finish its sums for `activation` (bias, scale and rows filled in per tile), or
/// nil where the epilogue stays in Swift.
private func tileEpilogue(_ activation: Activation) -> gs_epilogue? {
    let code: gs_activation, slope: Float
    switch activation {
    case .identity: (code, slope) = (GS_ACTIVATION_IDENTITY, 0)
    case .relu: (code, slope) = (GS_ACTIVATION_RELU, 0)
    case .leakyReLU(let s): (code, slope) = (GS_ACTIVATION_LEAKY_RELU, s)
    case .tanh, .sigmoid: return nil
    }
    return gs_epilogue(bias: nil, scale: nil, rows: 0, activation: Int32(code.rawValue), slope: slope)
}

/// The tiles' results, (12, 32) row-major: the AVX-512 tile fills all of it, the portable one the top-left 6 × 16.
private let sumsRows = 2 * tileRows, sumsStride = 2 * panelWidth

/// sums (6, 16) = one 6×16 block of A·B over all of K (row stride `sumsStride`): twelve 8-wide accumulators, the
/// most AVX2's sixteen registers hold with a B row and a broadcast. Kept out of line so that no caller's state
/// competes for registers. The AVX-512 twin, up to 12 × 32, is gs_tile_avx512 (CKernels).
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
