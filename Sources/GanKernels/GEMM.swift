// C = act(A·B + bias): the one matrix kernel every layer reduces to (linear directly, conv2d after im2col,
// conv_transpose2d before col2im).
//
// Determinism contract: every output element is `acc = 0; for k in 0..<K { acc = fma(A[m,k], B[k,n], acc) }`,
// then `act(acc + bias[m])`, in exactly that order, whatever the blocking, vector width or thread split. So the
// fast kernel is bit-identical to `gemmReference`, and an image never depends on its batch or thread count.
//
// Fast path: B is packed 16 columns at a time into a contiguous (K, 16) panel that stays in L1 while a 6×16
// register tile of C accumulates over all of K; the columns of a short last panel are zero-padded.
// A is packed into 6-row panels once, when a model is loaded (`PackedMatrix`). Products with fewer than
// `narrowColumns` columns (linear layers at batch 1–3) run as matrix–vector products over the transposed A instead,
// vectorized across rows, so a 16-wide panel is not filled with zeros.

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

private let panelWidth = 16
private let tileRows = 6
/// Below this many columns, C is computed column by column over Aᵀ.
private let narrowColumns = 4

/// A (M, K) matrix packed for `gemm`: panels (ceil(M/6), K, 6) and, if asked for, Aᵀ (K, M rounded up to 16).
public struct PackedMatrix: Sendable {
    public let rows: Int, columns: Int
    let panels: [Float]
    let transposed: [Float]

    /// `transpose`: also keep Aᵀ, for products with few columns (linear layers at small batch).
    public init(_ a: UnsafePointer<Float>, rows: Int, columns: Int, transpose: Bool = false) {
        self.rows = rows
        self.columns = columns
        let tiles = (rows + tileRows - 1) / tileRows
        panels = [Float](unsafeUninitializedCapacity: tiles * tileRows * columns) { out, initialized in
            let dst = out.baseAddress!
            dst.initialize(repeating: 0, count: out.count)
            for row in 0..<rows {
                let src = a + row * columns
                var d = dst + (row / tileRows) * tileRows * columns + row % tileRows
                for l in 0..<columns {
                    d.pointee = src[l]
                    d += tileRows
                }
            }
            initialized = out.count
        }
        guard transpose else { transposed = []; return }
        let width = (rows + 15) / 16 * 16
        transposed = [Float](unsafeUninitializedCapacity: columns * width) { out, initialized in
            let dst = out.baseAddress!
            dst.initialize(repeating: 0, count: out.count)
            for row in 0..<rows {
                let src = a + row * columns
                for l in 0..<columns { dst[l * width + row] = src[l] }
            }
            initialized = out.count
        }
    }

    public init(_ a: [Float], rows: Int, columns: Int, transpose: Bool = false) {
        precondition(a.count == rows * columns, "matrix has \(a.count) values, not \(rows)x\(columns)")
        self = a.withUnsafeBufferPointer { PackedMatrix($0.baseAddress!, rows: rows, columns: columns, transpose: transpose) }
    }
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
            parallelism.forEachSlice(of: (m + 15) / 16) { blocks in
                gemvBlocks(shared.value.0, shared.value.1, blocks: blocks)
            }
        }
        return
    }
    let panels = (n + panelWidth - 1) / panelWidth
    let tiles = (m + tileRows - 1) / tileRows
    a.panels.withUnsafeBufferPointer { packedA in
        let shared = UncheckedSendable((p, packedA.baseAddress!))
        // Split columns when there are enough panels to go round; otherwise split rows.
        if panels >= 2 * parallelism.threads || tiles < 2 * parallelism.threads {
            parallelism.forEachSlice(of: panels) { slice in
                gemmPanels(shared.value.0, shared.value.1, panels: slice, tiles: 0..<tiles)
            }
        } else {
            parallelism.forEachSlice(of: tiles) { slice in
                gemmPanels(shared.value.0, shared.value.1, panels: 0..<panels, tiles: slice)
            }
        }
    }
}

/// Rows 16·blocks of every column of C, over Aᵀ (K, M16): each lane's sum runs over k in order, as in the tiles.
private func gemvBlocks(_ p: GEMMOperands, _ at: UnsafePointer<Float>, blocks: Range<Int>) {
    let width = (p.m + 15) / 16 * 16
    let raw = UnsafeRawPointer(at)
    for j in 0..<p.n {
        for block in blocks {
            let m0 = block * 16
            var acc = Vector()
            for l in 0..<p.k {
                acc = acc.addingProduct(raw.loadUnaligned(fromByteOffset: (l * width + m0) * 4, as: Vector.self),
                                        p.b[l * p.ldb + j])
            }
            let count = min(16, p.m - m0)
            var bias = Vector()
            if let b = p.bias { for r in 0..<count { bias[r] = b[m0 + r] } }
            let out = activate(acc + bias, p.activation)
            for r in 0..<count { p.c[(m0 + r) * p.ldc + j] = out[r] }
        }
    }
}

private func gemmPanels(_ p: GEMMOperands, _ packedA: UnsafePointer<Float>, panels: Range<Int>, tiles: Range<Int>) {
    let panel = UnsafeMutablePointer<Float>.allocate(capacity: max(p.k, 1) * panelWidth)  // (K, 16)
    let tail = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * panelWidth)       // (6, 16)
    defer { panel.deallocate(); tail.deallocate() }
    // Rows are taken in blocks whose packed A (about 256 KiB) stays in L2 while every panel of B streams past
    // it; without this, a large layer (A of several MB) would re-read A from memory for each 16 columns.
    let tilesPerBlock = max(1, (256 << 10) / (max(p.k, 1) * tileRows * 4))
    var blockStart = tiles.lowerBound
    while blockStart < tiles.upperBound {
        let block = blockStart..<min(blockStart + tilesPerBlock, tiles.upperBound)
        for q in panels {
            let j0 = q * panelWidth
            let width = min(panelWidth, p.n - j0)
            if width < panelWidth { panel.update(repeating: 0, count: p.k * panelWidth) }
            for l in 0..<p.k { (panel + l * panelWidth).update(from: p.b + l * p.ldb + j0, count: width) }
            for t in block {
                let i = t * tileRows
                let h = min(tileRows, p.m - i)
                if width == panelWidth && h == tileRows {
                    tile(p, packedA + t * tileRows * p.k, row: i, height: h, panel: panel, out: p.c + i * p.ldc + j0, ldo: p.ldc)
                } else {
                    tile(p, packedA + t * tileRows * p.k, row: i, height: h, panel: panel, out: tail, ldo: panelWidth)
                    for r in 0..<h { (p.c + (i + r) * p.ldc + j0).update(from: tail + r * panelWidth, count: width) }
                }
            }
        }
        blockStart = block.upperBound
    }
}

/// One 6×16 block of C: twelve 8-wide accumulators, the most AVX2's sixteen registers hold with a B row and a broadcast.
@inline(__always)
private func tile(_ p: GEMMOperands, _ a: UnsafePointer<Float>, row i: Int, height: Int, panel: UnsafeMutablePointer<Float>,
                  out: UnsafeMutablePointer<Float>, ldo: Int) {
    let bRaw = UnsafeRawPointer(panel)
    var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector(), c5 = Vector()
    var ap = a
    for l in 0..<p.k {
        let b = bRaw.loadUnaligned(fromByteOffset: l * panelWidth * 4, as: Vector.self)
        c0 = c0.addingProduct(ap[0], b)
        c1 = c1.addingProduct(ap[1], b)
        c2 = c2.addingProduct(ap[2], b)
        c3 = c3.addingProduct(ap[3], b)
        c4 = c4.addingProduct(ap[4], b)
        c5 = c5.addingProduct(ap[5], b)
        ap += tileRows
    }
    let act = p.activation
    let o = UnsafeMutableRawPointer(out)
    @inline(__always) func store(_ v: Vector, _ r: Int) {
        let result = activate(v + (p.bias?[i + r] ?? 0), act)
        o.storeBytes(of: result, toByteOffset: r * ldo * 4, as: Vector.self)
    }
    store(c0, 0)
    if height > 1 { store(c1, 1) }
    if height > 2 { store(c2, 2) }
    if height > 3 { store(c3, 3) }
    if height > 4 { store(c4, 4) }
    if height > 5 { store(c5, 5) }
}
