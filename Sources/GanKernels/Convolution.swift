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

/// At most this many floats of im2col at a time (1 MiB, a Zen 4 core's L2): convolutions run in bands of output
/// rows, each its own im2col and GEMM, so the GEMM reads columns im2col has just written into cache (paper256's
/// 64- and 128-channel layers: 41 → 35 ms; Benchmarks/README.md, "StyleGAN2"), and a 1024² map never needs its
/// 302 M-float im2col. The GEMM computes each column by the same instructions wherever it lies, so bands change
/// no bit.
let im2colBudget = 1 << 18

/// Output rows (of Wo pixels, over the batch) per im2col band.
func conv2dBandRows(_ g: ConvGeometry) -> Int {
    let perRow = g.inChannels * g.kernel * g.kernel * g.convOutWidth
    return max(1, min(g.batch * g.convOutHeight, im2colBudget / max(1, perRow)))
}

/// Floats of scratch `conv2d` needs: the im2col matrix of one band.
public func conv2dScratchCount(_ g: ConvGeometry) -> Int {
    g.inChannels * g.kernel * g.kernel * conv2dBandRows(g) * g.convOutWidth
}

/// x (Cin, B, H, W) · weight (Cout, Cin·k·k, packed) + bias (Cout) → y (Cout, B, Ho, Wo); scratch per conv2dScratchCount.
/// `upsample` f > 1: x is (Cin, B, H/f, W/f) and the convolution reads its nearest upsampling x[iy / f, ix / f]
/// (g describes the upsampled input), which is then never written out.
public func conv2d(_ g: ConvGeometry, x: UnsafePointer<Float>, weight: PackedMatrix, bias: UnsafePointer<Float>?,
                   activation: Activation, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                   upsample f: Int = 1, parallelism: Parallelism) {
    precondition(f == 1 || (g.stride == 1 && g.inHeight % f == 0 && g.inWidth % f == 0), "conv2d: upsampling needs stride 1")
    let ho = g.convOutHeight, wo = g.convOutWidth
    let columns = g.batch * ho * wo, outputRows = g.batch * ho
    let band = conv2dBandRows(g)
    for first in stride(from: 0, to: outputRows, by: band) {
        let rows = first..<min(first + band, outputRows)
        let width = rows.count * wo
        im2col(g, x: x, outputRows: rows, cols: scratch, upsample: f, parallelism: parallelism)
        gemm(weight, n: width, b: scratch, ldb: width, c: y + first * wo, ldc: columns, bias: bias, activation: activation,
             parallelism: parallelism)
    }
}

/// Rows (ci, ky, kx) of the im2col matrix for output rows `outputRows` (index b·Ho + oy): for each of their output
/// pixels, the input pixel that tap reads (0 in the padding); cols is (Cin·k·k, outputRows.count·Wo).
private func im2col(_ g: ConvGeometry, x: UnsafePointer<Float>, outputRows: Range<Int>, cols: UnsafeMutablePointer<Float>,
                    upsample f: Int, parallelism: Parallelism) {
    let k = g.kernel, ho = g.convOutHeight, wo = g.convOutWidth
    let (sh, sw) = (g.inHeight / f, g.inWidth / f)  // the stored input's size
    let width = outputRows.count * wo
    let io = UncheckedSendable((x, cols))
    parallelism.forEachSlice(of: g.inChannels * k * k) { rows in
        let (x, cols) = io.value
        for row in rows {
            let ci = row / (k * k), ky = row / k % k, kx = row % k
            var out = cols + row * width
            for r in outputRows {
                let b = r / ho, oy = r % ho
                let plane = x + (ci * g.batch + b) * sh * sw
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
