// The few-channel way of TransposedConvolution: ConvTranspose2d(Cin, 1-3, kernel 4, stride 2, padding 1), a
// DCGAN's output layer. Its phases would fill 3 rows of a 12-row tile, and columns-then-scatter adds the k·k
// column rows into the image one value at a time, far below the layers before it (Benchmarks/README.md has the
// figures). CKernels' gs_convt_k4s2_few computes each output as one FMA chain over (ci, ky, kx),
// 16 pixels of a phase per vector.
//
// Work is cut into pieces of `fewChannelsRows` input rows of one image. On x86 the kernel reads the shifted input
// vectors under masks (lanes outside the image read as zero); elsewhere it first copies a piece's rows, and the row
// above and below, into a zero-bordered block of scratch of its own. Either way a piece's outputs are computed the
// same way whatever the batch, piece, thread or instruction set.

import CKernels

/// Input rows per piece of work.
let fewChannelsRows = 4
/// Pieces in flight at once, each with its own block of scratch.
let fewChannelsSlots = 32

extension TransposedConvolution {
    static func fewChannelsFits(outChannels: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int) -> Bool {
        (1...3).contains(outChannels) && kernel == 4 && stride == 2 && padding == 1 && outputPadding == 0
    }

    /// Floats of a padded row: 16-pixel units, a zero column either side.
    static func fewChannelsRowStride(width: Int) -> Int { (width + 15) / 16 * 16 + 2 }

    /// Floats of one piece's block: (Cin, rows + 2, rowStride).
    static func fewChannelsBlock(_ g: ConvGeometry) -> Int {
        g.inChannels * (fewChannelsRows + 2) * fewChannelsRowStride(width: g.inWidth)
    }

    /// Whether gs_convt_k4s2_few copies rows into scratch: only where it has no masked loads (x86 has them). Its
    /// blocks would otherwise count in the workspace, and so in the chunk size, for nothing.
    #if arch(x86_64)
    static let fewChannelsCopiesRows = false
    #else
    static let fewChannelsCopiesRows = true
    #endif

    func fewChannelsScratchCount(_ g: ConvGeometry) -> Int {
        guard Self.fewChannelsCopiesRows else { return 0 }
        let pieces = g.batch * ((g.inHeight + fewChannelsRows - 1) / fewChannelsRows)
        return min(pieces, fewChannelsSlots) * Self.fewChannelsBlock(g)
    }

    func fewChannels(_ g: ConvGeometry, x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, activation: Activation,
                     y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, parallelism: Parallelism) {
        let h = g.inHeight, w = g.inWidth, ho = g.transposedOutHeight, wo = g.transposedOutWidth
        let perImage = (h + fewChannelsRows - 1) / fewChannelsRows, pieces = g.batch * perImage
        let block = Self.fewChannelsCopiesRows ? Self.fewChannelsBlock(g) : 0
        let planeStride = g.batch * ho * wo, avx512: Int32 = parallelism.tiles == .avx512 ? 1 : 0
        let io = UncheckedSendable((x, y, scratch, bias))
        withExtendedLifetime(self) {
            directWeights.withUnsafeBufferPointer { weights in
                let weights = UncheckedSendable(weights.baseAddress!)
                for wave in Swift.stride(from: 0, to: pieces, by: fewChannelsSlots) {
                    parallelism.forEachSlice(of: min(fewChannelsSlots, pieces - wave)) { slots in
                        let (x, y, scratch, bias) = io.value
                        for slot in slots {
                            let piece = wave + slot, b = piece / perImage
                            let r0 = piece % perImage * fewChannelsRows, rows = min(fewChannelsRows, h - r0)
                            gs_convt_k4s2_few(x + b * h * w, g.batch * h * w, g.inChannels, h, w, r0, rows,
                                              weights.value, Int32(outChannels), y + b * ho * wo, planeStride,
                                              scratch + slot * block, avx512)
                            let out = y + b * ho * wo + 2 * r0 * wo
                            for co in 0..<outChannels {
                                applyAffineActivation(out + co * planeStride, count: 2 * rows * wo, scale: 1,
                                                      shift: bias?[co] ?? 0, activation)
                            }
                        }
                    }
                }
            }
        }
    }
}
