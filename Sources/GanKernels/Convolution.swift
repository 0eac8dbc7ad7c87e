// conv2d on activations laid out (C, B, H, W): channel-major with the batch inside, so one GEMM covers the whole
// batch (N = B·H·W) and the kernels never reorder data between layers (conv_transpose2d: TransposedConvolution.swift).
//
// conv2d:  im2col (Cin·k·k, B·Ho·Wo), then Y = W · cols with W as PyTorch stores it, packed once at load.

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
/// `upsample` f > 1: x is (Cin, B, H/f, W/f) and the convolution reads its nearest upsampling x[iy / f, ix / f]
/// (g describes the upsampled input), which is then never written out.
public func conv2d(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: PackedMatrix, bias: UnsafePointer<Float>?,
                   activation: Activation, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                   upsample f: Int = 1, parallelism: Parallelism) {
    precondition(f == 1 || (g.stride == 1 && g.inHeight % f == 0 && g.inWidth % f == 0), "conv2d: upsampling needs stride 1")
    let k = g.kernel, ho = g.convOutHeight, wo = g.convOutWidth
    let (sh, sw) = (g.inHeight / f, g.inWidth / f)  // the stored input's size
    let columns = g.batch * ho * wo
    let io = UncheckedSendable((x, scratch))
    // Row (ci, ky, kx) of cols holds, for every output pixel, the input pixel that tap reads (0 in the padding).
    parallelism.forEachSlice(of: g.inChannels * k * k) { rows in
        let (x, cols) = io.value
        for row in rows {
            let ci = row / (k * k), ky = row / k % k, kx = row % k
            var out = cols + row * columns
            for b in 0..<g.batch {
                let plane = x + (ci * g.batch + b) * sh * sw
                for oy in 0..<ho {
                    let iy = oy * g.stride - g.padding + ky
                    if iy < 0 || iy >= g.inHeight {
                        out.update(repeating: 0, count: wo)
                    } else if f > 1 {
                        let first = min(wo, max(0, g.padding - kx)), end = max(first, min(wo, g.inWidth + g.padding - kx))
                        let source = plane + (iy / f) * sw
                        out.update(repeating: 0, count: first)
                        // Input ix = ox − p + kx reads source[ix / f]; for f = 2, 8 values become 16 in registers.
                        var ox = first, ix = first - g.padding + kx
                        if f == 2 {
                            if ix % 2 == 1, ox < end { out[ox] = source[ix / 2]; ox += 1; ix += 1 }
                            while ox + 16 <= end {
                                let v = UnsafeRawPointer(source + ix / 2).loadUnaligned(as: SIMD8<Float>.self)
                                let lo = SIMD8(v[0], v[0], v[1], v[1], v[2], v[2], v[3], v[3])
                                let hi = SIMD8(v[4], v[4], v[5], v[5], v[6], v[6], v[7], v[7])
                                UnsafeMutableRawPointer(out + ox).storeBytes(of: lo, as: SIMD8<Float>.self)
                                UnsafeMutableRawPointer(out + ox + 8).storeBytes(of: hi, as: SIMD8<Float>.self)
                                ox += 16; ix += 16
                            }
                        }
                        while ox < end { out[ox] = source[ix / f]; ox += 1; ix += 1 }
                        (out + end).update(repeating: 0, count: wo - end)
                    } else if g.stride == 1 {
                        // ix = ox − p + kx: one run of the input row, zeros where it falls in the padding.
                        let first = min(wo, max(0, g.padding - kx)), end = max(first, min(wo, g.inWidth + g.padding - kx))
                        out.update(repeating: 0, count: first)
                        (out + first).update(from: plane + iy * g.inWidth + first - g.padding + kx, count: end - first)
                        (out + end).update(repeating: 0, count: wo - end)
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
