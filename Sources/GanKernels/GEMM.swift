// C = act(A·B + bias): the one matrix kernel every layer reduces to (linear directly, conv2d after im2col,
// conv_transpose2d before col2im).
//
// Determinism contract: every output element is `acc = 0; for k in 0..<K { acc = fma(A[m,k], B[k,n], acc) }`,
// then `act(acc + bias[m])`, in exactly that order, whatever the blocking, vector width or thread split. So the
// fast kernel is bit-identical to `gemmReference`, and an image never depends on its batch or thread count.
//
// Fast path: B is packed 16 columns at a time into a contiguous (K, 16) panel that stays in L1 while a 6×16
// register tile of C accumulates over all of K; the columns of a short last panel are zero-padded.
// A is repacked per call into 6-row panels (cheap next to the M·N·K multiply-adds).

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

// MARK: - Fast

private let panelWidth = 16
private let tileRows = 6

public func gemm(_ p: GEMMOperands, parallelism: Parallelism) {
    guard p.m > 0, p.n > 0 else { return }
    let panels = (p.n + panelWidth - 1) / panelWidth
    let tiles = (p.m + tileRows - 1) / tileRows
    // A is repacked into (tiles, K, 6) so the six broadcasts of one k step are adjacent; short tiles are zero-padded.
    let packedA = UnsafeMutablePointer<Float>.allocate(capacity: tiles * tileRows * max(p.k, 1))
    defer { packedA.deallocate() }
    for t in 0..<tiles {
        let dst = packedA + t * tileRows * p.k
        for r in 0..<tileRows {
            let row = t * tileRows + r
            if row < p.m {
                let src = p.a + row * p.k
                for l in 0..<p.k { dst[l * tileRows + r] = src[l] }
            } else {
                for l in 0..<p.k { dst[l * tileRows + r] = 0 }
            }
        }
    }
    let shared = UncheckedSendable((p, UnsafePointer(packedA)))
    // Split columns when there are enough panels to go round; otherwise (batch-1 linear layers) split rows.
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

private func gemmPanels(_ p: GEMMOperands, _ packedA: UnsafePointer<Float>, panels: Range<Int>, tiles: Range<Int>) {
    let panel = UnsafeMutablePointer<Float>.allocate(capacity: max(p.k, 1) * panelWidth)  // (K, 16)
    let tail = UnsafeMutablePointer<Float>.allocate(capacity: tileRows * panelWidth)       // (6, 16)
    defer { panel.deallocate(); tail.deallocate() }
    for q in panels {
        let j0 = q * panelWidth
        let width = min(panelWidth, p.n - j0)
        if width < panelWidth { panel.update(repeating: 0, count: p.k * panelWidth) }
        for l in 0..<p.k { (panel + l * panelWidth).update(from: p.b + l * p.ldb + j0, count: width) }
        for t in tiles {
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
