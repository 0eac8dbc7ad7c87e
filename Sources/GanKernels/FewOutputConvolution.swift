// conv2d with at most 4 output channels and stride 1 (an RGB output layer): a GEMM with 3 rows fills a quarter of
// its register tile and first writes Cin·k·k rows of columns, so this computes each output directly instead, 16
// pixels of a row per vector, one accumulator per output channel, summing over (ci, ky, kx) in that order from a
// zero-bordered copy of each image's input. Reference: conv2dReference (Convolution.swift).

public let fewOutputChannels = 4

/// Floats of scratch `conv2dFewOutputs` needs: one image's input with its zero border and 16 floats of slack a row.
public func conv2dFewOutputsScratchCount(_ g: ConvGeometry) -> Int {
    g.inChannels * (g.inHeight + 2 * g.padding) * (g.inWidth + 2 * g.padding + 16)
}

/// Weights (Cout, Cin, k, k) as PyTorch stores them, reordered (ci, ky, kx, 4) for the kernel; Cout ≤ 4.
public func fewOutputsWeights(_ weight: [Float], outChannels: Int, inChannels: Int, kernel k: Int) -> [Float] {
    precondition(outChannels <= fewOutputChannels)
    var packed = [Float](repeating: 0, count: inChannels * k * k * fewOutputChannels)
    for co in 0..<outChannels {
        for tap in 0..<(inChannels * k * k) { packed[tap * fewOutputChannels + co] = weight[co * inChannels * k * k + tap] }
    }
    return packed
}

/// x (Cin, B, H, W) → y (Cout, B, Ho, Wo), stride 1; `weights` from fewOutputsWeights.
public func conv2dFewOutputs(_ g: ConvGeometry, x: UnsafePointer<Float>, weights: UnsafePointer<Float>,
                             bias: UnsafePointer<Float>?, activation: Activation, y: UnsafeMutablePointer<Float>,
                             scratch: UnsafeMutablePointer<Float>, parallelism: Parallelism) {
    precondition(g.stride == 1 && g.outChannels <= fewOutputChannels)
    let k = g.kernel, p = g.padding, ho = g.convOutHeight, wo = g.convOutWidth
    let hp = g.inHeight + 2 * p, wp = g.inWidth + 2 * p + 16
    let io = UncheckedSendable((x, y, scratch, weights, bias))
    for b in 0..<g.batch {
        // Image b with a zero border: rows of wp floats, the input at (p, p).
        parallelism.forEachSlice(of: g.inChannels) { channels in
            let (x, _, padded, _, _) = io.value
            for ci in channels {
                let dst = padded + ci * hp * wp, src = x + (ci * g.batch + b) * g.inHeight * g.inWidth
                dst.update(repeating: 0, count: hp * wp)
                for iy in 0..<g.inHeight { (dst + (iy + p) * wp + p).update(from: src + iy * g.inWidth, count: g.inWidth) }
            }
        }
        parallelism.forEachSlice(of: ho) { rows in
            let (_, y, padded, w, bias) = io.value
            for oy in rows {
                var x0 = 0
                while x0 < wo {
                    var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
                    var tap = w
                    for ci in 0..<g.inChannels {
                        for ky in 0..<k {
                            let row = UnsafeRawPointer(padded + (ci * hp + oy + ky) * wp + x0)
                            for kx in 0..<k {
                                let v = row.loadUnaligned(fromByteOffset: kx * 4, as: Vector.self)
                                a0 = a0.addingProduct(v, tap[0]); a1 = a1.addingProduct(v, tap[1])
                                a2 = a2.addingProduct(v, tap[2]); a3 = a3.addingProduct(v, tap[3])
                                tap += fewOutputChannels
                            }
                        }
                    }
                    let count = min(16, wo - x0)
                    func store(_ sum: Vector, _ co: Int) {
                        guard co < g.outChannels else { return }
                        let out = activate(sum + Vector(repeating: bias?[co] ?? 0), activation)
                        let dst = y + ((co * g.batch + b) * ho + oy) * wo + x0
                        for l in 0..<count { dst[l] = out[l] }
                    }
                    store(a0, 0); store(a1, 1); store(a2, 2); store(a3, 3)
                    x0 += 16
                }
            }
        }
    }
}
