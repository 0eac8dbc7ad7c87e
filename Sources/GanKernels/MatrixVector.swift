// C = act(A·B + bias) for products with fewer than `narrowColumns` columns (linear layers at batch 1–3), column by
// column, vectorized across rows: over Aᵀ's 16-row slabs (f32, f16 or int8; PackedMatrix.swift), or over the 6-row
// panels for f32 layers too large for a second copy. A 16-wide GEMM panel would be mostly zeros here.
// Each lane's sum runs over k in order with one FMA per step, as in the tiles, so a column gives the same bits
// here as in a batch of 64.

import CKernels

/// Below this many columns, C is computed column by column.
let narrowColumns = 4

/// C (M, N) = act(scale ⊙ (A·B) + bias), N < `narrowColumns`; B (K, N) with row stride `ldb`, C with row stride `ldc`.
func matrixVector(_ a: PackedMatrix, n: Int, b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>,
                  ldc: Int, bias: UnsafePointer<Float>?, activation: Activation, parallelism: Parallelism) {
    withExtendedLifetime(a) {
        let p = UncheckedSendable(NarrowProduct(m: a.rows, n: n, k: a.columns, b: b, ldb: ldb, c: c, ldc: ldc,
                                                bias: bias, scale: a.rowScale?.pointer, activation: activation))
        if let slabs = a.slabs {
            // Slices of slabs, not of the groups of four the kernels run at full speed: 75 slabs (1200 rows) split
            // 38/37 instead of 40/35.
            let count = (a.rows + Slabs.slabRows - 1) / Slabs.slabRows
            let avx512 = parallelism.tiles == .avx512
            parallelism.forEachSlice(of: count) { range in
                gemvSlabs(p.value, slabs, avx512: avx512, slabs: range)
            }
        } else {
            // Slices of whole groups of panels, the unit gemvPanels runs at full speed.
            let tiles = (a.rows + tileRows - 1) / tileRows, group = panelColumnChains
            let panels = UncheckedSendable(UnsafePointer(a.panels.pointer))
            parallelism.forEachSlice(of: (tiles + group - 1) / group) { groups in
                gemvPanels(p.value, panels.value,
                           tiles: (groups.lowerBound * group)..<min(tiles, groups.upperBound * group))
            }
        }
    }
}

/// Shapes: A (M, K) packed; B (K, N) row-major with row stride `ldb`; C (M, N) with row stride `ldc`; bias and
/// scale (M) or nil.
private struct NarrowProduct {
    let m: Int, n: Int, k: Int
    let b: UnsafePointer<Float>, ldb: Int
    let c: UnsafeMutablePointer<Float>, ldc: Int
    let bias: UnsafePointer<Float>?, scale: UnsafePointer<Float>?
    let activation: Activation
}

/// Rows 16·slabs of every column of C. Four slabs go at once: one slab's chain of dependent FMAs would wait out
/// each FMA's latency.
private func gemvSlabs(_ p: NarrowProduct, _ slabs: Slabs, avx512: Bool, slabs range: Range<Int>) {
    var sums = (Vector(), Vector(), Vector(), Vector())  // (4, 16): one slab's rows each
    withUnsafeMutableBytes(of: &sums) { raw in
        let sums = raw.baseAddress!.assumingMemoryBound(to: Float.self)
        for j in 0..<p.n {
            var s = range.lowerBound
            while s < range.upperBound {
                let count = min(4, range.upperBound - s)
                let x = p.b + j
                switch slabs {
                case .f32(let values):
                    slabSumsF32(values.pointer + s * p.k * 16, k: p.k, count: count, x: x, ldx: p.ldb, into: sums)
                case .f16(let halves):
                    gs_gemv_f16(halves.pointer + s * p.k * 16, p.k, Int32(count), x, p.ldb, sums)
                case .q8(let quants, let scales):
                    gs_gemv_q8(quants.pointer + s * p.k * 16, scales.pointer + s * p.k / Slabs.q8Block * 16, p.k,
                               Int32(count), x, p.ldb, sums, avx512 ? 1 : 0)
                }
                for i in 0..<count {
                    let m0 = (s + i) * 16, rows = min(16, p.m - m0)
                    let acc = raw.load(fromByteOffset: i * 64, as: Vector.self)
                    if rows == 16 && p.ldc == 1 {
                        // One column (batch 1): bias, scales and C's rows are contiguous.
                        let bias = p.bias.map { UnsafeRawPointer($0 + m0).loadUnaligned(as: Vector.self) } ?? Vector()
                        let factor = p.scale.map { UnsafeRawPointer($0 + m0).loadUnaligned(as: Vector.self) }
                        UnsafeMutableRawPointer(p.c + m0).storeBytes(
                            of: epilogue(acc, scale: factor, bias: bias, p.activation), as: Vector.self)
                        continue
                    }
                    var bias = Vector(), factor: Vector? = p.scale == nil ? nil : Vector()
                    for r in 0..<rows {
                        bias[r] = p.bias?[m0 + r] ?? 0
                        if let scale = p.scale { factor![r] = scale[m0 + r] }
                    }
                    let out = epilogue(acc, scale: factor, bias: bias, p.activation)
                    for r in 0..<rows { p.c[(m0 + r) * p.ldc + j] = out[r] }
                }
                s += count
            }
        }
    }
}

/// sums (count, 16) over `count` (1–4) consecutive f32 slabs.
@inline(__always)
private func slabSumsF32(_ slabs: UnsafePointer<Float>, k: Int, count: Int, x: UnsafePointer<Float>, ldx: Int,
                         into sums: UnsafeMutablePointer<Float>) {
    let raw = UnsafeRawPointer(slabs), slabBytes = k * 16 * 4
    var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
    var b = x
    if count == 4 {
        for l in 0..<k {
            let x = b.pointee
            a0 = a0.addingProduct(raw.loadUnaligned(fromByteOffset: l * 64, as: Vector.self), x)
            a1 = a1.addingProduct(raw.loadUnaligned(fromByteOffset: slabBytes + l * 64, as: Vector.self), x)
            a2 = a2.addingProduct(raw.loadUnaligned(fromByteOffset: 2 * slabBytes + l * 64, as: Vector.self), x)
            a3 = a3.addingProduct(raw.loadUnaligned(fromByteOffset: 3 * slabBytes + l * 64, as: Vector.self), x)
            b += ldx
        }
        let out = UnsafeMutableRawPointer(sums)
        out.storeBytes(of: a0, toByteOffset: 0, as: Vector.self)
        out.storeBytes(of: a1, toByteOffset: 64, as: Vector.self)
        out.storeBytes(of: a2, toByteOffset: 128, as: Vector.self)
        out.storeBytes(of: a3, toByteOffset: 192, as: Vector.self)
        return
    }
    for i in 0..<count {
        a0 = Vector()
        b = x
        for l in 0..<k {
            a0 = a0.addingProduct(raw.loadUnaligned(fromByteOffset: i * slabBytes + l * 64, as: Vector.self), b.pointee)
            b += ldx
        }
        UnsafeMutableRawPointer(sums).storeBytes(of: a0, toByteOffset: i * 64, as: Vector.self)
    }
}

/// Rows 6·tiles of every column of C, over A's packed panels, for layers without slabs: eight panels at a time
/// (`panelColumnSums`, GEMM.swift), each k's six values of a panel one 8-wide vector.
private func gemvPanels(_ p: NarrowProduct, _ packed: UnsafePointer<Float>, tiles: Range<Int>) {
    withUnsafeTemporaryAllocation(of: SIMD8<Float>.self, capacity: panelColumnChains) { chains in
        let chains = chains.baseAddress!
        for j in 0..<p.n {
            var column: UnsafePointer<Float>? = p.b + j
            var t = tiles.lowerBound
            while t < tiles.upperBound {
                let count = min(panelColumnChains, tiles.upperBound - t)
                panelColumnSums(packed + t * tileRows * p.k, k: p.k, count: count, segments: &column, depth: p.k,
                                offset: 0, stride: p.ldb, into: chains)
                for i in 0..<count {
                    let m0 = (t + i) * tileRows, rows = min(tileRows, p.m - m0)
                    var sum = Vector(), bias = Vector(), factor: Vector? = p.scale == nil ? nil : Vector()
                    for r in 0..<rows {
                        sum[r] = chains[i][r]
                        bias[r] = p.bias?[m0 + r] ?? 0
                        if let scale = p.scale { factor![r] = scale[m0 + r] }
                    }
                    let out = epilogue(sum, scale: factor, bias: bias, p.activation)
                    for r in 0..<rows { p.c[(m0 + r) * p.ldc + j] = out[r] }
                }
                t += count
            }
        }
    }
}
