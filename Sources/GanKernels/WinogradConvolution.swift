// conv2d 3×3, stride 1, padding 1 by Winograd's minimal filtering F(2×2, 3×3) (Lavin & Gray 2016): each 2×2 block
// of outputs comes from a 4×4 input tile, with 16 products per (ci, co) instead of 36.
//   V = Bᵀ d B (input tile d),  U = G g Gᵀ (filter g, at load),  M = Σ_ci U ⊙ V,  Y = Aᵀ M A
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 −1]
// The sum over ci is 16 GEMMs, M_ξ (Cout, T) = U_ξ (Cout, Cin) · V_ξ (Cin, T), T = tiles of the whole chunk; as
// every GEMM column is computed the same way whatever T, an image's bits do not depend on the batch, chunk or
// threads. The transforms are fixed sequences of adds per tile. Reference: conv2dReference (Convolution.swift).

/// U_ξ for ξ = 0 … 15, each (Cout, Cin) packed for the GEMM, from PyTorch's (Cout, Cin, 3, 3).
public struct WinogradWeights: Sendable {
    public let transformed: [PackedMatrix]

    public init(_ weight: [Float], outChannels: Int, inChannels: Int, parallelism: Parallelism = .serial) {
        var u = [[Float]](repeating: [Float](repeating: 0, count: outChannels * inChannels), count: 16)
        for co in 0..<outChannels {
            for ci in 0..<inChannels {
                let g = weight[((co * inChannels + ci) * 9)...].prefix(9).map(Double.init)
                // G g (4×3), then (G g) Gᵀ (4×4), in double: the transformed weights are rounded once.
                var gg = [Double](repeating: 0, count: 12)
                for c in 0..<3 {
                    let (a, b, d) = (g[c], g[3 + c], g[6 + c])
                    gg[c] = a; gg[3 + c] = (a + b + d) / 2; gg[6 + c] = (a - b + d) / 2; gg[9 + c] = d
                }
                for r in 0..<4 {
                    let (a, b, d) = (gg[r * 3], gg[r * 3 + 1], gg[r * 3 + 2])
                    let row = [a, (a + b + d) / 2, (a - b + d) / 2, d]
                    for c in 0..<4 { u[r * 4 + c][co * inChannels + ci] = Float(row[c]) }
                }
            }
        }
        transformed = u.map { PackedMatrix($0, rows: outChannels, columns: inChannels, parallelism: parallelism) }
    }
}

/// Whether the Winograd method applies: 3×3, stride 1, padding 1.
public func winogradApplies(_ g: ConvGeometry) -> Bool { g.kernel == 3 && g.stride == 1 && g.padding == 1 }

/// Floats of scratch: V (16, Cin, T) and M (16, Cout, T).
public func winogradScratchCount(_ g: ConvGeometry) -> Int {
    let tiles = g.batch * ((g.inHeight + 1) / 2) * ((g.inWidth + 1) / 2)
    return 16 * (g.inChannels + g.outChannels) * tiles
}

/// x (Cin, B, H, W) → y (Cout, B, H, W). `upsample` f > 1: x is (Cin, B, H/f, W/f) and is read upsampled (nearest).
public func conv2dWinograd(_ g: ConvGeometry, x: UnsafePointer<Float>, weights: WinogradWeights,
                           bias: UnsafePointer<Float>?, activation: Activation, y: UnsafeMutablePointer<Float>,
                           scratch: UnsafeMutablePointer<Float>, upsample f: Int = 1, parallelism: Parallelism) {
    precondition(winogradApplies(g))
    let (h, w, cin, cout) = (g.inHeight, g.inWidth, g.inChannels, g.outChannels)
    let (th, tw) = ((h + 1) / 2, (w + 1) / 2), perImage = th * tw, tiles = g.batch * perImage
    let (sh, sw) = (h / f, w / f)
    let v = scratch, m = scratch + 16 * cin * tiles
    let io = UncheckedSendable((x, y, v, m, bias))
    // V_ξ[ci, t] = (Bᵀ d B)_ξ for the tile t of channel ci.
    parallelism.forEachSlice(of: cin) { channels in
        let (x, _, v, _, _) = io.value
        for ci in channels {
            for b in 0..<g.batch {
                let plane = x + (ci * g.batch + b) * sh * sw
                @inline(__always) func at(_ iy: Int, _ ix: Int) -> Float {
                    iy < 0 || iy >= h || ix < 0 || ix >= w ? 0 : plane[(iy / f) * sw + ix / f]
                }
                for ty in 0..<th {
                    for tx in 0..<tw {
                        let (y0, x0) = (2 * ty - 1, 2 * tx - 1)
                        func row(_ r: Int) -> SIMD4<Float> {
                            SIMD4(at(y0 + r, x0), at(y0 + r, x0 + 1), at(y0 + r, x0 + 2), at(y0 + r, x0 + 3))
                        }
                        let (d0, d1, d2, d3) = (row(0), row(1), row(2), row(3))
                        // Bᵀ d on rows, then B on columns: (a0 − a2, a1 + a2, a2 − a1, a1 − a3) both times.
                        let column = (b * th + ty) * tw + tx
                        func emit(_ r: Int, _ a: SIMD4<Float>) {
                            let out = SIMD4(a.x - a.z, a.y + a.z, a.z - a.y, a.y - a.w)
                            for c in 0..<4 { v[((r * 4 + c) * cin + ci) * tiles + column] = out[c] }
                        }
                        emit(0, d0 - d2); emit(1, d1 + d2); emit(2, d2 - d1); emit(3, d1 - d3)
                    }
                }
            }
        }
    }
    for xi in 0..<16 {
        gemm(weights.transformed[xi], n: tiles, b: v + xi * cin * tiles, ldb: tiles, c: m + xi * cout * tiles, ldc: tiles,
             bias: nil, activation: .identity, parallelism: parallelism)
    }
    // Y = Aᵀ M A per tile, then bias and activation.
    parallelism.forEachSlice(of: cout) { outs in
        let (_, y, _, m, bias) = io.value
        for co in outs {
            let beta = bias?[co] ?? 0
            for b in 0..<g.batch {
                let out = y + (co * g.batch + b) * h * w
                for ty in 0..<th {
                    for tx in 0..<tw {
                        let column = (b * th + ty) * tw + tx
                        func q(_ r: Int) -> SIMD4<Float> {
                            let base = m + (r * 4 * cout + co) * tiles + column, step = cout * tiles
                            return SIMD4(base[0], base[step], base[2 * step], base[3 * step])
                        }
                        let (q0, q1, q2, q3) = (q(0), q(1), q(2), q(3))
                        // Aᵀ q on rows, then A on columns: (a0 + a1 + a2, a1 − a2 − a3) both times.
                        func emit(_ r: Int, _ a: SIMD4<Float>) {
                            let oy = 2 * ty + r
                            guard oy < h else { return }
                            out[oy * w + 2 * tx] = activate(a.x + a.y + a.z + beta, activation)
                            if 2 * tx + 1 < w { out[oy * w + 2 * tx + 1] = activate(a.y - a.z - a.w + beta, activation) }
                        }
                        emit(0, q0 + q1 + q2); emit(1, q1 - q2 - q3)
                    }
                }
            }
        }
    }
}
