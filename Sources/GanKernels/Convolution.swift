// conv2d and conv_transpose2d on activations laid out (C, B, H, W): channel-major with the batch inside, so
// one GEMM covers the whole batch (N = B·H·W) and the kernels never reorder data between layers.
//
// conv2d:            im2col  (Cin·k·k, B·Ho·Wo)  then  Y = W · cols            W as PyTorch stores it
// conv_transpose2d:  cols = Wᵀ · X  (Cout·k·k, B·H·W)  then col2im scatter-add  Wᵀ packed once at load
// Transposed convolution this way multiplies only real input pixels: no zero-stuffed input, no wasted MACs.

public struct ConvGeometry: Equatable, Sendable {
    public var inChannels: Int, outChannels: Int
    public var kernel: Int, stride: Int, padding: Int, outputPadding: Int
    public var batch: Int, inHeight: Int, inWidth: Int

    public init(inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, batch: Int, inHeight: Int, inWidth: Int) {
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernel = kernel
        self.stride = stride; self.padding = padding; self.outputPadding = outputPadding
        self.batch = batch; self.inHeight = inHeight; self.inWidth = inWidth
    }

    public var convOutHeight: Int { (inHeight + 2 * padding - kernel) / stride + 1 }
    public var convOutWidth: Int { (inWidth + 2 * padding - kernel) / stride + 1 }
    public var transposedOutHeight: Int { (inHeight - 1) * stride - 2 * padding + kernel + outputPadding }
    public var transposedOutWidth: Int { (inWidth - 1) * stride - 2 * padding + kernel + outputPadding }
}

// MARK: - conv2d

/// Floats of scratch `conv2d` needs: the im2col matrix.
public func conv2dScratchCount(_ g: ConvGeometry) -> Int {
    g.inChannels * g.kernel * g.kernel * g.batch * g.convOutHeight * g.convOutWidth
}

/// x (Cin, B, H, W) · weight (Cout, Cin·k·k, packed) + bias (Cout) → y (Cout, B, Ho, Wo); scratch per conv2dScratchCount.
public func conv2d(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: PackedMatrix, bias: UnsafePointer<Float>?,
                   activation: Activation, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                   parallelism: Parallelism) {
    let k = g.kernel, ho = g.convOutHeight, wo = g.convOutWidth
    let columns = g.batch * ho * wo
    let io = UncheckedSendable((x, scratch))
    // Row (ci, ky, kx) of cols holds, for every output pixel, the input pixel that tap reads (0 in the padding).
    parallelism.forEachSlice(of: g.inChannels * k * k) { rows in
        let (x, cols) = io.value
        for row in rows {
            let ci = row / (k * k), ky = row / k % k, kx = row % k
            var out = cols + row * columns
            for b in 0..<g.batch {
                let plane = x + (ci * g.batch + b) * g.inHeight * g.inWidth
                for oy in 0..<ho {
                    let iy = oy * g.stride - g.padding + ky
                    if iy < 0 || iy >= g.inHeight {
                        out.update(repeating: 0, count: wo)
                    } else {
                        for ox in 0..<wo {
                            let ix = ox * g.stride - g.padding + kx
                            out[ox] = ix >= 0 && ix < g.inWidth ? plane[iy * g.inWidth + ix] : 0
                        }
                    }
                    out += wo
                }
            }
        }
    }
    gemm(weight, n: columns, b: scratch, ldb: columns, c: y, ldc: columns, bias: bias, activation: activation,
         parallelism: parallelism)
}

/// Direct definition of PyTorch's Conv2d, for tests.
public func conv2dReference(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                            bias: UnsafePointer<Float>?, activation: Activation, y: UnsafeMutablePointer<Float>) {
    let k = g.kernel, ho = g.convOutHeight, wo = g.convOutWidth
    for co in 0..<g.outChannels {
        for b in 0..<g.batch {
            for oy in 0..<ho {
                for ox in 0..<wo {
                    var acc: Float = 0
                    for ci in 0..<g.inChannels {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let iy = oy * g.stride - g.padding + ky, ix = ox * g.stride - g.padding + kx
                                guard iy >= 0, iy < g.inHeight, ix >= 0, ix < g.inWidth else { continue }
                                let v = x[((ci * g.batch + b) * g.inHeight + iy) * g.inWidth + ix]
                                acc += weight[((co * g.inChannels + ci) * k + ky) * k + kx] * v
                            }
                        }
                    }
                    y[((co * g.batch + b) * ho + oy) * wo + ox] = activate(acc + (bias?[co] ?? 0), activation)
                }
            }
        }
    }
}

// MARK: - conv_transpose2d

/// PyTorch's ConvTranspose2d weight (Cin, Cout, k, k) → Wᵀ (Cout·k·k, Cin), the GEMM's A. Done once at load.
public func packConvTransposeWeight(_ weight: [Float], inChannels: Int, outChannels: Int, kernel: Int) -> [Float] {
    let taps = outChannels * kernel * kernel
    precondition(weight.count == inChannels * taps)
    var packed = [Float](repeating: 0, count: weight.count)
    for ci in 0..<inChannels {
        for t in 0..<taps { packed[t * inChannels + ci] = weight[ci * taps + t] }
    }
    return packed
}

/// Floats of scratch `convTranspose2d` needs: one column matrix row per (co, ky, kx).
public func convTranspose2dScratchCount(_ g: ConvGeometry) -> Int {
    g.outChannels * g.kernel * g.kernel * g.batch * g.inHeight * g.inWidth
}

/// x (Cin, B, H, W), packedWeight Wᵀ (Cout·k·k, Cin, packed), bias (Cout) → y (Cout, B, Ho, Wo).
public func convTranspose2d(_ g: ConvGeometry, x: UnsafePointer<Float>, packedWeight: PackedMatrix,
                            bias: UnsafePointer<Float>?, activation: Activation, y: UnsafeMutablePointer<Float>,
                            scratch: UnsafeMutablePointer<Float>, parallelism: Parallelism) {
    let k = g.kernel, hi = g.inHeight, wi = g.inWidth
    let ho = g.transposedOutHeight, wo = g.transposedOutWidth
    let columns = g.batch * hi * wi
    gemm(packedWeight, n: columns, b: x, ldb: columns, c: scratch, ldc: columns, bias: nil, activation: .identity,
         parallelism: parallelism)
    let io = UncheckedSendable((scratch, y, bias))
    parallelism.forEachSlice(of: g.outChannels) { channels in
        let (cols, y, bias) = io.value
        for co in channels {
            let plane = y + co * g.batch * ho * wo
            plane.update(repeating: 0, count: g.batch * ho * wo)
            // Image by image, so the output plane being summed into stays in L1 across all k·k taps; each output
            // still receives its taps in (ky, kx) order.
            for b in 0..<g.batch {
                let dst = plane + b * ho * wo
                for ky in 0..<k {
                    // Input rows iy whose tap ky lands inside the output: 0 ≤ iy·s − p + ky < ho.
                    let iyLow = max(0, (g.padding - ky + g.stride - 1) / g.stride)
                    let iyHigh = min(hi, (ho - 1 + g.padding - ky) / g.stride + 1)
                    for kx in 0..<k {
                        let ixLow = max(0, (g.padding - kx + g.stride - 1) / g.stride)
                        let ixHigh = min(wi, (wo - 1 + g.padding - kx) / g.stride + 1)
                        guard iyLow < iyHigh, ixLow < ixHigh else { continue }
                        let src = cols + ((co * k + ky) * k + kx) * columns + b * hi * wi
                        for iy in iyLow..<iyHigh {
                            let s = src + iy * wi
                            let d = dst + (iy * g.stride - g.padding + ky) * wo - g.padding + kx
                            if g.stride == 2 {
                                for ix in ixLow..<ixHigh { d[2 * ix] += s[ix] }
                            } else {
                                for ix in ixLow..<ixHigh { d[ix * g.stride] += s[ix] }
                            }
                        }
                    }
                }
            }
            applyAffineActivation(plane, count: g.batch * ho * wo, scale: 1, shift: bias?[co] ?? 0, activation)
        }
    }
}

/// Direct definition of PyTorch's ConvTranspose2d (each input pixel scatters k×k weighted taps), for tests.
public func convTranspose2dReference(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                     bias: UnsafePointer<Float>?, activation: Activation,
                                     y: UnsafeMutablePointer<Float>) {
    let k = g.kernel, ho = g.transposedOutHeight, wo = g.transposedOutWidth
    let total = g.outChannels * g.batch * ho * wo
    y.update(repeating: 0, count: total)
    for ci in 0..<g.inChannels {
        for b in 0..<g.batch {
            for iy in 0..<g.inHeight {
                for ix in 0..<g.inWidth {
                    let v = x[((ci * g.batch + b) * g.inHeight + iy) * g.inWidth + ix]
                    for co in 0..<g.outChannels {
                        for ky in 0..<k {
                            for kx in 0..<k {
                                let oy = iy * g.stride - g.padding + ky, ox = ix * g.stride - g.padding + kx
                                guard oy >= 0, oy < ho, ox >= 0, ox < wo else { continue }
                                y[((co * g.batch + b) * ho + oy) * wo + ox] +=
                                    v * weight[((ci * g.outChannels + co) * k + ky) * k + kx]
                            }
                        }
                    }
                }
            }
        }
    }
    for co in 0..<g.outChannels {
        for i in 0..<(g.batch * ho * wo) {
            let j = co * g.batch * ho * wo + i
            y[j] = activate(y[j] + (bias?[co] ?? 0), activation)
        }
    }
}
