// conv_transpose2d on (C, B, H, W) activations, two ways. The way is chosen per layer, at load, from the layer's
// shape alone (never from the batch), so an image's bits do not depend on how it was batched.
//
// Sub-pixel (when k + outputPadding − 2·padding == stride, as in DCGAN's k4 s2 p1, and Cout ≥ 8):
//   output pixel (oy, ox) of phase (py, px) = (oy mod s, ox mod s) receives the taps ky ≡ py + padding (mod s),
//   kx likewise, each reading the input at a fixed shift (dy, dx) = ((py + padding − ky)/s, …). So each of the s²
//   phases is an ordinary convolution over the input grid:
//       C_phase (Cout, B·H·W) = A_phase (Cout, taps·Cin) · B_phase (taps·Cin, B·H·W)
//   where row t·Cin + ci of B_phase is channel ci shifted by tap t. B_phase is gathered straight into the GEMM's
//   panels and C_phase stored straight into the phase's output pixels with bias and activation applied: no column
//   matrix, no scatter-add, no zero multiplies, and each output is one fma chain of depth taps·Cin.
// Few channels (a DCGAN's output layer, k4 s2 p1 to 1-3 channels, whose phases would leave most of a tile empty):
//   a direct kernel, 16 pixels of a phase per vector (FewChannelTransposedConvolution.swift).
// Columns then scatter (every other shape): cols = Wᵀ·X (Cout·k·k, B·H·W), then a col2im scatter-add, bias and
//   activation.

import CKernels

/// A conv_transpose2d layer's weights, packed once at load for the way its shape runs fastest.
public struct TransposedConvolution: Sendable {
    public enum Method: Sendable, Equatable { case subPixel, fewChannels, columnsThenScatter }

    public let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int
    public let method: Method
    /// Wᵀ (Cout·k·k, Cin), for columnsThenScatter.
    let columnWeights: PackedMatrix?
    /// W (Cin, Cout, 4, 4) as PyTorch stores it, for fewChannels.
    let directWeights: [Float]
    /// For subPixel, per phase g = (py, px) = (g / s, g mod s): A_g (Cout, taps·Cin), column t·Cin + ci =
    /// W[ci, :, ky_t, kx_t].
    let phaseWeights: [PackedMatrix]
    /// Each phase's packed panels, for the sub-pixel operands (they live as long as `phaseWeights`).
    private let phasePanels: PinnedBuffer<UnsafePointer<Float>>
    /// Phase g's taps are tapStart[g]..<tapStart[g+1]; tap t reads the input shifted by (dy[t], dx[t]). Pinned, as
    /// the tables below, so that the sub-pixel operands hold plain pointers to them.
    private let tapStart: PinnedBuffer<Int>, dy: PinnedBuffer<Int>, dx: PinnedBuffer<Int>
    /// Tap t reads shifted input `slot[t]`: the phases' taps share shifts (DCGAN's k4 s2 p1: 16 taps, 9 shifts), and
    /// the AVX-512 path gathers each shift once for all phases.
    private let slot: PinnedBuffer<Int>, slotDy: PinnedBuffer<Int>, slotDx: PinnedBuffer<Int>

    /// Phases leave a 6-row tile mostly empty below this many output channels.
    static let subPixelMinimumChannels = 8

    /// The way a layer of this shape runs.
    public static func method(inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int,
                              outputPadding: Int) -> Method {
        if fewChannelsFits(outChannels: outChannels, kernel: kernel, stride: stride, padding: padding,
                           outputPadding: outputPadding) { return .fewChannels }
        return kernel + outputPadding - 2 * padding == stride && kernel >= stride && outChannels >= subPixelMinimumChannels
            ? .subPixel : .columnsThenScatter
    }

    /// `weight` as PyTorch stores it: (Cin, Cout, k, k). `method` overrides the choice (tests, benchmarks); sub-pixel
    /// needs k + outputPadding − 2·padding == stride.
    public init(weight: [Float], inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int,
                outputPadding: Int, method: Method? = nil) {
        precondition(weight.count == inChannels * outChannels * kernel * kernel)
        self.inChannels = inChannels; self.outChannels = outChannels; self.kernel = kernel
        self.stride = stride; self.padding = padding; self.outputPadding = outputPadding
        let chosen = method ?? Self.method(inChannels: inChannels, outChannels: outChannels, kernel: kernel,
                                           stride: stride, padding: padding, outputPadding: outputPadding)
        precondition(chosen != .subPixel || (kernel + outputPadding - 2 * padding == stride && kernel >= stride),
                     "sub-pixel transposed convolution needs k + outputPadding - 2·padding == stride and k ≥ stride")
        precondition(chosen != .fewChannels || Self.fewChannelsFits(outChannels: outChannels, kernel: kernel, stride: stride,
                                                                    padding: padding, outputPadding: outputPadding),
                     "the few-channel way needs kernel 4, stride 2, padding 1 and 1-3 output channels")
        self.method = chosen
        if chosen == .fewChannels {
            (directWeights, columnWeights, phaseWeights, phasePanels) = (weight, nil, [], PinnedBuffer([]))
            (tapStart, dy, dx, slot, slotDy, slotDx) = (Self.noTable, Self.noTable, Self.noTable, Self.noTable,
                                                        Self.noTable, Self.noTable)
            return
        }
        directWeights = []
        guard chosen == .subPixel else {
            columnWeights = PackedMatrix(packConvTransposeWeight(weight, inChannels: inChannels, outChannels: outChannels,
                                                                 kernel: kernel),
                                         rows: outChannels * kernel * kernel, columns: inChannels)
            (phaseWeights, phasePanels) = ([], PinnedBuffer([]))
            (tapStart, dy, dx, slot, slotDy, slotDx) = (Self.noTable, Self.noTable, Self.noTable, Self.noTable,
                                                        Self.noTable, Self.noTable)
            return
        }
        columnWeights = nil
        // Taps of phase p along one axis: k ≡ p + padding (mod s), reading the input at (p + padding − k)/s.
        func taps(_ phase: Int) -> [(k: Int, shift: Int)] {
            (0..<kernel).filter { ((phase + padding - $0) % stride + stride) % stride == 0 }
                .map { ($0, (phase + padding - $0) / stride) }
        }
        var phaseWeights: [PackedMatrix] = [], tapStart = [0], dy: [Int] = [], dx: [Int] = []
        for py in 0..<stride {
            for px in 0..<stride {
                var kys: [Int] = [], kxs: [Int] = []
                for ty in taps(py) {
                    for tx in taps(px) { dy.append(ty.shift); dx.append(tx.shift); kys.append(ty.k); kxs.append(tx.k) }
                }
                tapStart.append(dy.count)
                let depth = kys.count * inChannels
                var a = [Float](repeating: 0, count: outChannels * depth)
                for co in 0..<outChannels {
                    for t in 0..<kys.count {
                        for ci in 0..<inChannels {
                            a[co * depth + t * inChannels + ci] =
                                weight[((ci * outChannels + co) * kernel + kys[t]) * kernel + kxs[t]]
                        }
                    }
                }
                phaseWeights.append(PackedMatrix(a, rows: outChannels, columns: depth))
            }
        }
        self.phaseWeights = phaseWeights
        phasePanels = PinnedBuffer(phaseWeights.map { UnsafePointer($0.panels.pointer) })
        (self.tapStart, self.dy, self.dx) = (PinnedBuffer(tapStart), PinnedBuffer(dy), PinnedBuffer(dx))
        var slot: [Int] = [], slotDy: [Int] = [], slotDx: [Int] = []
        for t in dy.indices {
            if let found = slotDy.indices.first(where: { slotDy[$0] == dy[t] && slotDx[$0] == dx[t] }) {
                slot.append(found)
            } else {
                slot.append(slotDy.count); slotDy.append(dy[t]); slotDx.append(dx[t])
            }
        }
        (self.slot, self.slotDy, self.slotDx) = (PinnedBuffer(slot), PinnedBuffer(slotDy), PinnedBuffer(slotDx))
    }

    /// The sub-pixel tables of a layer that runs another way: empty.
    private static let noTable = PinnedBuffer<Int>([])

    /// Floats of scratch `apply` needs for a chunk of this geometry.
    public func scratchCount(_ g: ConvGeometry) -> Int {
        if method == .fewChannels { return fewChannelsScratchCount(g) }
        guard method == .subPixel else { return convTranspose2dScratchCount(g) }
        let columns = g.batch * g.inHeight * g.inWidth
        let rowStride = Self.gatherStride(columns: columns, inChannels: inChannels)
        return rowStride == columns ? 0 : inChannels * rowStride
    }

    /// Distance between the input's channel rows as the sub-pixel gather reads them. A panel reads the same 16
    /// columns of every channel; when the rows are a multiple of 8 cache lines apart (DCGAN 64's 128 × 64·16·16
    /// input: 64 KiB apart), those reads fall into a few cache sets of L1 and L2 and evict each other, and the
    /// gather waits on L3 or memory.
    /// Such an input, when larger than L1, is first copied with rows an odd number of lines apart.
    static func gatherStride(columns: Int, inChannels: Int) -> Int {
        columns % 128 == 0 && inChannels * columns * 4 > 32 << 10 ? columns + 16 : columns
    }

    /// x (Cin, B, H, W), bias (Cout) → y (Cout, B, Ho, Wo); scratch per `scratchCount`.
    public func apply(_ g: ConvGeometry, x: UnsafePointer<Float>, bias: UnsafePointer<Float>?, activation: Activation,
                      y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, parallelism: Parallelism) {
        precondition(g.inChannels == inChannels && g.outChannels == outChannels && g.kernel == kernel
                     && g.stride == stride && g.padding == padding && g.outputPadding == outputPadding)
        switch method {
        case .subPixel:
            subPixel(g, x: x, bias: bias, activation: activation, y: y, scratch: scratch, parallelism: parallelism)
        case .fewChannels:
            fewChannels(g, x: x, bias: bias, activation: activation, y: y, scratch: scratch, parallelism: parallelism)
        case .columnsThenScatter:
            convTranspose2d(g, x: x, packedWeight: columnWeights!, bias: bias, activation: activation, y: y,
                            scratch: scratch, parallelism: parallelism)
        }
    }

    private func subPixel(_ g: ConvGeometry, x input: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          activation: Activation, y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                          parallelism: Parallelism) {
        let columns = g.batch * g.inHeight * g.inWidth
        let rowStride = Self.gatherStride(columns: columns, inChannels: inChannels)
        var x = input
        if rowStride != columns {
            let io = UncheckedSendable((input, scratch))
            parallelism.forEachSlice(of: inChannels) { channels in
                let (input, scratch) = io.value
                for ci in channels {
                    (scratch + ci * rowStride).update(from: input + ci * columns, count: columns)
                    (scratch + ci * rowStride + columns).update(repeating: 0, count: rowStride - columns)
                }
            }
            x = UnsafePointer(scratch)
        }
        withExtendedLifetime(self) {
            let operands = SubPixelProduct(
                x: x, y: y, inChannels: inChannels, outChannels: outChannels, stride: stride,
                height: g.inHeight, width: g.inWidth, outHeight: g.transposedOutHeight,
                outWidth: g.transposedOutWidth, columns: columns, rowStride: rowStride,
                planeStride: g.batch * g.transposedOutHeight * g.transposedOutWidth, groups: phasePanels.count,
                tapStart: tapStart.pointer, dy: dy.pointer, dx: dx.pointer, slot: slot.pointer,
                slots: slotDy.count, slotDy: slotDy.pointer, slotDx: slotDx.pointer,
                phaseWeights: phasePanels.pointer, maskedLoads: parallelism.tiles == .avx512)
            gemm(operands, bias: bias, activation: activation, parallelism: parallelism)
        }
    }
}

// MARK: - Sub-pixel operands

/// The s² phases as row groups of one tiled product; group g is phase (py, px) = (g / s, g mod s). B_phase is
/// never materialised: its row t·Cin + ci is input channel ci shifted by tap t's (dy, dx), zero where the shift
/// reads outside the image; column (b, i, j) of C_phase is stored at output pixel (b, s·i + py, s·j + px) of each
/// channel's plane.
private struct SubPixelProduct: TileOperands {
    let x: UnsafePointer<Float>          // (Cin, B·H·W), rows `rowStride` apart
    let y: UnsafeMutablePointer<Float>   // (Cout, B, Ho, Wo)
    let inChannels: Int, outChannels: Int, stride: Int
    let height: Int, width: Int, outHeight: Int, outWidth: Int
    let columns: Int                     // B·H·W
    let rowStride: Int                   // ≥ columns
    let planeStride: Int                 // B·Ho·Wo
    let groups: Int
    let tapStart: UnsafePointer<Int>     // (phases + 1): phase g's taps are tapStart[g]..<tapStart[g+1]
    let dy: UnsafePointer<Int>, dx: UnsafePointer<Int>   // per tap
    let slot: UnsafePointer<Int>         // per tap: its shift among the `slots` distinct ones
    let slots: Int
    let slotDy: UnsafePointer<Int>, slotDx: UnsafePointer<Int>   // per slot
    let phaseWeights: UnsafeMutablePointer<UnsafePointer<Float>>
    /// AVX-512: gather with masked loads (CKernels) rather than Swift SIMD: the same values, fewer instructions.
    let maskedLoads: Bool

    /// Whether each shift is gathered once per panel into its slot for all phases of a block, the tile reading a
    /// phase's taps from their slots (segments), rather than each phase's (taps·Cin, 16) panel packed on its own:
    /// with masked loads, and while the slots of a pair of panels stay within 8 MiB (a k4 s2 p1 layer's 9 slots
    /// are 2.25 × a phase's 4 taps; 8 MiB is Cin 7,281).
    var sharesShifts: Bool { maskedLoads && 2 * slots * inChannels * panelWidth * 4 <= 8 << 20 }

    func rows(_ group: Int) -> Int { outChannels }
    func depth(_ group: Int) -> Int { (tapStart[group + 1] - tapStart[group]) * inChannels }
    func weights(_ group: Int) -> UnsafePointer<Float> { phaseWeights[group] }
    var panelFloats: Int { (sharesShifts ? slots : maximumSegments) * inChannels * panelWidth }
    /// The most taps of a phase.
    var maximumSegments: Int { (0..<groups).reduce(1) { max($0, tapStart[$1 + 1] - tapStart[$1]) } }

    @inline(__always)
    func prepare(_ panel: UnsafeMutablePointer<Float>, groups range: ClosedRange<Int>, from j0: Int, width count: Int) {
        guard sharesShifts else { return }
        let pixels = PixelRuns(from: j0, lanes: count, height: height, width: width)
        var gathered: UInt64 = 0
        for t in tapStart[range.lowerBound]..<tapStart[range.upperBound + 1] {
            let s = slot[t]
            if s < 64 {
                if gathered & (1 << s) != 0 { continue }
                gathered |= 1 << s
            }
            gs_gather_avx512(x, rowStride, j0 + slotDy[s] * width + slotDx[s], inChannels,
                             pixels.keep(dy: slotDy[s], dx: slotDx[s], height: height, width: width),
                             panel + s * inChannels * panelWidth)
        }
    }

    @inline(__always)
    func segments(_ panel: UnsafeMutablePointer<Float>, group: Int, from j0: Int, width count: Int,
                  into pointers: UnsafeMutablePointer<UnsafePointer<Float>?>) -> Int {
        let first = tapStart[group], taps = tapStart[group + 1] - first
        if sharesShifts {
            for t in 0..<taps { pointers[t] = UnsafePointer(panel + slot[first + t] * inChannels * panelWidth) }
            return taps
        }
        pack(panel, group: group, from: j0, width: count)
        pointers[0] = UnsafePointer(panel)
        return 1
    }

    /// Phase `group`'s (taps·Cin, 16) panel of columns j0..<j0+count, zero past `count`.
    @inline(__always)
    private func pack(_ panel: UnsafeMutablePointer<Float>, group: Int, from j0: Int, width count: Int) {
        let total = inChannels * rowStride
        let pixels = PixelRuns(from: j0, lanes: count, height: height, width: width)
        let lanes = SIMD16<UInt32>(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14,
                                   1 << 15)
        for t in tapStart[group]..<tapStart[group + 1] {
            let shift = dy[t] * width + dx[t]
            var dst = panel + (t - tapStart[group]) * inChannels * panelWidth
            // Lanes whose shifted pixel is inside its image (and, in a short last panel, that exist at all).
            let bits = pixels.keep(dy: dy[t], dx: dx[t], height: height, width: width)
            if maskedLoads {
                gs_gather_avx512(x, rowStride, j0 + shift, inChannels, bits, dst)
                continue
            }
            let kept = (SIMD16<UInt32>(repeating: bits) & lanes) .!= 0
            for ci in 0..<inChannels {
                let src = ci * rowStride + j0 + shift
                if src >= 0 && src + panelWidth <= total {
                    let v = UnsafeRawPointer(x + src).loadUnaligned(as: Vector.self)
                    UnsafeMutableRawPointer(dst).storeBytes(of: Vector().replacing(with: v, where: kept), as: Vector.self)
                } else {
                    // Near either end of x a 16-wide load would leave the buffer; kept lanes are always inside it.
                    for lane in 0..<panelWidth { dst[lane] = kept[lane] ? x[src + lane] : 0 }
                }
                dst += panelWidth
            }
        }
    }

    /// Where phase `group` puts columns j0..<j0+count: each lane's output offset in a channel's plane.
    @inline(__always)
    func columns(group: Int, from j0: Int, width count: Int) -> SIMD16<Int> {
        let runs = PixelRuns(from: j0, lanes: count, height: height, width: width)
        var offsets = InlineArray<16, Int>(repeating: 0)
        for i in 0..<runs.count {
            let start = (runs.image[i] * outHeight + stride * runs.row[i] + group / stride) * outWidth
                + stride * runs.column[i] + group % stride
            for l in 0..<runs.length[i] { offsets[runs.first[i] + l] = start + stride * l }
        }
        return withUnsafeBytes(of: offsets) { $0.loadUnaligned(as: SIMD16<Int>.self) }
    }

    @inline(__always)
    func store(_ values: Vector, group: Int, row: Int, columns offsets: SIMD16<Int>, width count: Int) {
        let out = y + row * planeStride
        if count == panelWidth {
            for lane in 0..<panelWidth { out[offsets[lane]] = values[lane] }
        } else {
            for lane in 0..<count { out[offsets[lane]] = values[lane] }
        }
    }
}

// MARK: - Columns then scatter

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
    let columns = g.outChannels * g.kernel * g.kernel * g.batch * g.inHeight * g.inWidth
    return g.inHeight * g.inWidth == 1 ? columns + g.outChannels * g.kernel * g.kernel : columns
}

/// x (Cin, B, H, W), packedWeight Wᵀ (Cout·k·k, Cin, packed), bias (Cout) → y (Cout, B, Ho, Wo).
///
/// Batches of larger images go in pieces of a few images, each piece's column matrix scattered while it is still in
/// L2 (a whole batch's would be written out to memory and read back); the pieces, not the columns, are shared
/// between threads. Small
/// images (a DCGAN's first layer, 1×1) keep one product over the whole batch, which has the columns to fill a tile.
public func convTranspose2d(_ g: ConvGeometry, x: UnsafePointer<Float>, packedWeight: PackedMatrix,
                            bias: UnsafePointer<Float>?, activation: Activation, y: UnsafeMutablePointer<Float>,
                            scratch: UnsafeMutablePointer<Float>, parallelism: Parallelism) {
    let plane = g.inHeight * g.inWidth, columns = g.batch * plane, rows = packedWeight.rows
    if plane == 1 {
        convTranspose2dFromPoints(g, x: x, packedWeight: packedWeight, bias: bias, activation: activation, y: y,
                                  scratch: scratch, parallelism: parallelism)
        return
    }
    let imagesPerPiece = max(1, (piecesColumns + plane - 1) / plane)
    let io = UncheckedSendable((x, y, scratch, bias))
    guard g.batch >= 2 * imagesPerPiece else {
        gemm(packedWeight, n: columns, b: x, ldb: columns, c: scratch, ldc: columns, bias: nil, activation: .identity,
             parallelism: parallelism)
        parallelism.forEachSlice(of: g.outChannels) { channels in
            let (_, y, cols, bias) = io.value
            scatterColumns(g, cols: cols, ldc: columns, images: 0..<g.batch, channels: channels, bias: bias,
                           activation: activation, y: y)
        }
        return
    }
    let pieces = (g.batch + imagesPerPiece - 1) / imagesPerPiece
    let serial = parallelism.singleThread
    withExtendedLifetime(packedWeight) {
        let weights = UncheckedSendable(packedWeight)
        parallelism.forEachSlice(of: pieces) { slice in
            let (x, y, scratch, bias) = io.value
            for piece in slice {
                let images = (piece * imagesPerPiece)..<min(g.batch, (piece + 1) * imagesPerPiece)
                let n = images.count * plane
                // Each piece's columns in its own part of the scratch, (rows, n): pieces on other threads never meet.
                let cols = scratch + images.lowerBound * plane * rows
                gemm(weights.value, n: n, b: x + images.lowerBound * plane, ldb: columns, c: cols, ldc: n, bias: nil,
                     activation: .identity, parallelism: serial)
                // scatterColumns finds image b's columns at b·H·W: shift the base so that the piece's first image
                // lands on its first column.
                scatterColumns(g, cols: cols - images.lowerBound * plane, ldc: n, images: images,
                               channels: 0..<g.outChannels, bias: bias, activation: activation, y: y)
            }
        }
    }
}

/// A transposed convolution of 1×1 inputs (a DCGAN's first layer, z as 100×1×1) is a linear layer: each output
/// pixel (oy, ox) receives the one tap (oy + p, ox + p), or none. So bias and activation go in the GEMM's epilogue
/// and each channel's (k·k, B) block of columns is then transposed into its (B, Ho, Wo) plane, where the
/// scatter-add would go one scalar at a time. The same bits as the scatter: act(bias + (0 + tap)).
private func convTranspose2dFromPoints(_ g: ConvGeometry, x: UnsafePointer<Float>, packedWeight: PackedMatrix,
                                       bias: UnsafePointer<Float>?, activation: Activation,
                                       y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                                       parallelism: Parallelism) {
    let k = g.kernel, taps = k * k, batch = g.batch, rows = packedWeight.rows
    let ho = g.transposedOutHeight, wo = g.transposedOutWidth
    // cols (Cout·k·k, B), then the bias of each row (Cout·k·k)
    let cols = scratch, rowBias = scratch + rows * batch
    for co in 0..<g.outChannels { (rowBias + co * taps).update(repeating: bias?[co] ?? 0, count: taps) }
    gemm(packedWeight, n: batch, b: x, ldb: batch, c: cols, ldc: batch, bias: rowBias, activation: activation,
         parallelism: parallelism)
    let io = UncheckedSendable((y, UnsafePointer(cols)))
    if ho == k && wo == k && g.padding == 0 {
        // Every output pixel has its tap (DCGAN's k4 s1 p0 from 1×1): each channel's block is a plain transpose.
        parallelism.forEachSlice(of: g.outChannels) { channels in
            let (y, cols) = io.value
            for co in channels { gs_transpose(cols + co * taps * batch, taps, batch, y + co * batch * taps) }
        }
        return
    }
    parallelism.forEachSlice(of: g.outChannels) { channels in
        let (y, cols) = io.value
        for co in channels {
            // What an output pixel without a tap gets (with output padding, or padding cutting taps off).
            var empty: Float = 0
            applyAffineActivation(&empty, count: 1, scale: 1, shift: bias?[co] ?? 0, activation)
            let plane = y + co * batch * ho * wo, block = cols + co * taps * batch
            for b in 0..<batch {
                let dst = plane + b * ho * wo
                for oy in 0..<ho {
                    let ky = oy + g.padding
                    for ox in 0..<wo {
                        let kx = ox + g.padding
                        dst[oy * wo + ox] = ky < k && kx < k ? block[(ky * k + kx) * batch + b] : empty
                    }
                }
            }
        }
    }
}

/// GEMM columns per piece of images in `convTranspose2d`: enough for 16 panels of 16.
private let piecesColumns = 256

/// col2im for `images` and `channels`: y[co, b] = act(bias + Σ over (ky, kx), in that order, of the column rows
/// (co, ky, kx) shifted into place). Column (b, iy, ix) of cols is at cols[row · ldc + b·H·W + iy·W + ix].
private func scatterColumns(_ g: ConvGeometry, cols: UnsafePointer<Float>, ldc: Int, images: Range<Int>,
                            channels: Range<Int>, bias: UnsafePointer<Float>?, activation: Activation,
                            y: UnsafeMutablePointer<Float>) {
    let k = g.kernel, hi = g.inHeight, wi = g.inWidth
    let ho = g.transposedOutHeight, wo = g.transposedOutWidth
    for co in channels {
        let plane = y + co * g.batch * ho * wo
        // Image by image, so the output plane being summed into stays in L1 across all k·k taps; each output
        // still receives its taps in (ky, kx) order.
        for b in images {
            let dst = plane + b * ho * wo
            dst.update(repeating: 0, count: ho * wo)
            for ky in 0..<k {
                // Input rows iy whose tap ky lands inside the output: 0 ≤ iy·s − p + ky < ho. Floor division: a
                // negative numerator truncated toward zero would admit row 0 and write it past the plane.
                let iyLow = max(0, ceilingDivision(g.padding - ky, g.stride))
                let iyHigh = min(hi, floorDivision(ho - 1 + g.padding - ky, g.stride) + 1)
                for kx in 0..<k {
                    let ixLow = max(0, ceilingDivision(g.padding - kx, g.stride))
                    let ixHigh = min(wi, floorDivision(wo - 1 + g.padding - kx, g.stride) + 1)
                    guard iyLow < iyHigh, ixLow < ixHigh else { continue }
                    let src = cols + ((co * k + ky) * k + kx) * ldc + b * hi * wi
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
            applyAffineActivation(dst, count: ho * wo, scale: 1, shift: bias?[co] ?? 0, activation)
        }
    }
}

/// ⌊a / b⌋ for b > 0, whatever the sign of a.
func floorDivision(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

/// ⌈a / b⌉ for b > 0, whatever the sign of a.
func ceilingDivision(_ a: Int, _ b: Int) -> Int { -floorDivision(-a, b) }

// MARK: - Reference

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
