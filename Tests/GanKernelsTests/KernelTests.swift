// Each fast kernel against its slow reference twin, on random shapes that hit every tail case
// (M not a multiple of 4, N not a multiple of 16, padding, strides, output padding), plus hand-worked values.

import Foundation
@testable import GanKernels
import Testing

struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomFloats(_ n: Int, _ rng: inout SeededGenerator) -> [Float] {
    (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
}

func maxAbs(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) } }

@Suite struct GEMMTests {
    // Shapes with N < 4 take the matrix-vector path (over Aᵀ; over the packed panels when A is over 4 MiB, as the
    // last two), the others the register tiles, every tile this CPU runs (the AVX-512 one's 6 or 12 rows by 8, 16,
    // 24 or 32 columns at the ragged edges: odd numbers of row tiles and column panels, last panels of at most 8
    // columns, last row tiles of at most 4 or 8 rows), in one block of A and in blocks of one tile; all must equal
    // the reference.
    static let tileKernels = TileKernel.allCases.filter(\.isAvailable)

    @Test(arguments: [(1, 1, 1), (3, 17, 5), (4, 16, 8), (9, 33, 31), (64, 100, 128), (7, 1, 300), (37, 3, 20), (100, 2, 7),
                      (13, 47, 9), (24, 64, 50), (30, 80, 17), (24, 40, 12), (12, 24, 7), (18, 49, 33),
                      (20, 40, 33), (56, 33, 17), (25, 34, 19), (64, 50, 130), (1101, 1, 1000), (1101, 3, 1000)])
    func fastIsBitIdenticalToReference(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var rng = SeededGenerator(state: UInt64(m * 1000 + n * 10 + k))
        let a = randomFloats(m * k, &rng), b = randomFloats(k * n, &rng), bias = randomFloats(m, &rng)
        for activation in [Activation.identity, .relu, .leakyReLU(slope: 0.2), .tanh, .sigmoid] {
            for threads in [1, 2, 3] { for tiles in Self.tileKernels { for blockBytes in [8 << 20, 1] {
                var fast = [Float](repeating: .nan, count: m * n), slow = fast
                a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in bias.withUnsafeBufferPointer { bias in
                    fast.withUnsafeMutableBufferPointer { c in
                        gemm(GEMMOperands(m: m, n: n, k: k, a: a.baseAddress!, b: b.baseAddress!, ldb: n, c: c.baseAddress!,
                                          ldc: n, bias: bias.baseAddress!, activation: activation),
                             parallelism: Parallelism(threads: threads, tiles: tiles, blockBytes: blockBytes))
                    }
                    slow.withUnsafeMutableBufferPointer { c in
                        gemmReference(GEMMOperands(m: m, n: n, k: k, a: a.baseAddress!, b: b.baseAddress!, ldb: n,
                                                   c: c.baseAddress!, ldc: n, bias: bias.baseAddress!, activation: activation))
                    }
                }}}
                #expect(fast == slow, "\(shape) \(activation) threads \(threads) tiles \(tiles) block \(blockBytes)")
            }}}
        }
    }

    @Test func handWorkedProduct() {
        let a: [Float] = [1, 2, 3, 4, 5, 6]          // (2, 3)
        let b: [Float] = [1, 0, 0, 1, 1, 1]          // (3, 2)
        var c = [Float](repeating: 0, count: 4)
        let bias: [Float] = [0.5, -100]
        a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in bias.withUnsafeBufferPointer { bias in
            c.withUnsafeMutableBufferPointer { c in
                gemm(GEMMOperands(m: 2, n: 2, k: 3, a: a.baseAddress!, b: b.baseAddress!, ldb: 2, c: c.baseAddress!, ldc: 2,
                                  bias: bias.baseAddress!, activation: .relu), parallelism: .serial)
            }
        }}}
        #expect(c == [4.5, 5.5, 0, 0])
    }
}

/// Matrix–vector products over Aᵀ in its compact forms (int8 + scales, f16) and products with row scales must give
/// the reference's bits, at every column count (1–3: slabs; 4+: tiles) and on every tile and thread count.
@Suite struct CompactWeightTests {
    /// Values f16 holds exactly: random f16 bit patterns in [-2, 2], subnormals and zeros of both signs included.
    static func halfValues(_ n: Int, _ rng: inout SeededGenerator) -> [Float] {
        (0..<n).map { i in
            switch i % 97 {
            case 0: return -0.0
            case 1: return Float(Float16(bitPattern: UInt16.random(in: 1...0x3ff, using: &rng)))   // subnormal
            default: return Float(Float16(bitPattern: UInt16.random(in: 0...0x4000, using: &rng)
                                           | (Bool.random(using: &rng) ? 0x8000 : 0)))
            }
        }
    }

    /// q8_0-like values: per block of 32, an f16 scale times int8s with ±127 present (as ggml writes them); one
    /// block all zeros.
    static func q8Values(rows: Int, columns: Int, _ rng: inout SeededGenerator) -> [Float] {
        var out: [Float] = []
        for block in 0..<(rows * columns / 32) {
            let d = Float(Float16(Float.random(in: 1e-4...0.05, using: &rng)))
            var q = (0..<32).map { _ in Float(Int8.random(in: -127...127, using: &rng)) }
            q[Int.random(in: 0..<32, using: &rng)] = Bool.random(using: &rng) ? 127 : -127
            out += q.map { block == 3 ? 0 : $0 * d }
        }
        return out
    }

    func check(_ a: [Float], m: Int, k: Int, scaled: Bool, form: String?) {
        var rng = SeededGenerator(state: UInt64(m * 7 + k))
        let scale = scaled ? (0..<m).map { _ in Float.random(in: 0.5...2, using: &rng) } : nil
        let packed = PackedMatrix(a, rows: m, columns: k, transpose: true, rowScale: scale)
        #expect(packed.matrixVectorForm == form, "\(m)x\(k)")
        let bias = randomFloats(m, &rng)
        for n in [1, 2, 3, 5] {
            let b = randomFloats(k * n, &rng)
            var slow = [Float](repeating: .nan, count: m * n)
            a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in bias.withUnsafeBufferPointer { bias in
                (scale ?? []).withUnsafeBufferPointer { scale in slow.withUnsafeMutableBufferPointer { c in
                    gemmReference(GEMMOperands(m: m, n: n, k: k, a: a.baseAddress!, b: b.baseAddress!, ldb: n,
                                               c: c.baseAddress!, ldc: n, bias: bias.baseAddress!,
                                               rowScale: scaled ? scale.baseAddress! : nil, activation: .leakyReLU(slope: 0.2)))
                }}
            }}}
            for threads in [1, 2] { for tiles in GEMMTests.tileKernels {
                var fast = [Float](repeating: .nan, count: m * n)
                b.withUnsafeBufferPointer { b in bias.withUnsafeBufferPointer { bias in fast.withUnsafeMutableBufferPointer { c in
                    gemm(packed, n: n, b: b.baseAddress!, ldb: n, c: c.baseAddress!, ldc: n, bias: bias.baseAddress!,
                         activation: .leakyReLU(slope: 0.2), parallelism: Parallelism(threads: threads, tiles: tiles))
                }}}
                #expect(fast == slow, "\(m)x\(k) n \(n) scaled \(scaled) threads \(threads) tiles \(tiles)")
            }}
        }
    }

    @Test(arguments: [(16, 32), (37, 64), (100, 1024), (70, 96)])
    func int8Slabs(shape: (Int, Int)) {
        var rng = SeededGenerator(state: UInt64(shape.0 + shape.1))
        let a = Self.q8Values(rows: shape.0, columns: shape.1, &rng)
        check(a, m: shape.0, k: shape.1, scaled: false, form: "q8")
        check(a, m: shape.0, k: shape.1, scaled: true, form: "q8")
    }

    @Test(arguments: [(1, 1), (17, 100), (64, 33), (250, 300)])
    func halfSlabs(shape: (Int, Int)) {
        var rng = SeededGenerator(state: UInt64(shape.0 * 3 + shape.1))
        let a = Self.halfValues(shape.0 * shape.1, &rng)
        check(a, m: shape.0, k: shape.1, scaled: false, form: "f16")
        check(a, m: shape.0, k: shape.1, scaled: true, form: "f16")
    }

    /// f16 values in whole blocks of 32 are not on an int8 grid; one value f16 cannot hold (or off its block's int8
    /// grid) makes the whole matrix f32; large f32 matrices read their panels.
    @Test func formsFallBack() {
        var rng = SeededGenerator(state: 5)
        check(Self.halfValues(20 * 64, &rng), m: 20, k: 64, scaled: false, form: "f16")
        var half = Self.halfValues(20 * 40, &rng)
        half[123] = 0.1
        check(half, m: 20, k: 40, scaled: true, form: "f32")
        var q8 = Self.q8Values(rows: 8, columns: 64, &rng)
        q8[77] += 1e-3
        check(q8, m: 8, k: 64, scaled: false, form: "f32")
        let large = randomFloats(1101 * 1000, &rng)
        check(large, m: 1101, k: 1000, scaled: true, form: nil)
    }

    @Test func exactHalfBitsRoundTrip() {
        for bits in UInt16.min...UInt16.max {
            let h = Float16(bitPattern: bits)
            guard h.isFinite else { continue }
            let got = exactHalfBits(Float(h))
            #expect(got.map { Float(Float16(bitPattern: $0)) == Float(h) } == true, "\(bits)")
            if let got, h != 0 { #expect(got == bits) }
        }
        for v: Float in [0.1, 65520, 1e-8, .infinity, .nan, 3 * 0x1p-26, Float.leastNormalMagnitude] {
            #expect(exactHalfBits(v) == nil, "\(v)")
            #expect(exactHalfBitsSoftware(v) == nil, "\(v)")
        }
    }

    /// Packing on 3 threads gives the same panels and slabs as on one, in every slab form, and refuses a form for a
    /// value that only a later part of the rows holds.
    @Test func packingOnThreadsGivesTheSameBuffers() {
        func bytes<T>(_ b: PinnedBuffer<T>) -> [UInt8] {
            Array(UnsafeRawBufferPointer(start: b.pointer, count: b.count * MemoryLayout<T>.stride))
        }
        func slabBytes(_ s: Slabs?) -> [[UInt8]] {
            switch s {
            case .f32(let v): [bytes(v)]
            case .f16(let h): [bytes(h)]
            case .q8(let q, let scales): [bytes(q), bytes(scales)]
            case nil: []
            }
        }
        var rng = SeededGenerator(state: 77)
        let (m, k) = (101, 64)
        var lateF32 = Self.halfValues(m * k, &rng)
        lateF32[(m - 1) * k + 5] = 0.1   // not an f16: the last slab's part refuses the f16 form
        var lateOffGrid = Self.q8Values(rows: m, columns: k, &rng)
        lateOffGrid[(m - 2) * k + 7] *= 1.01   // off its block's grid: the q8 form refused late (and f16 holds none of it)
        let cases: [([Float], String?)] = [(Self.q8Values(rows: m, columns: k, &rng), "q8"), (Self.halfValues(m * k, &rng), "f16"),
                                          (randomFloats(m * k, &rng), "f32"), (lateF32, "f32"), (lateOffGrid, "f32")]
        for (a, form) in cases {
            let serial = PackedMatrix(a, rows: m, columns: k, transpose: true)
            let threaded = PackedMatrix(a, rows: m, columns: k, transpose: true, parallelism: Parallelism(threads: 3))
            #expect(serial.matrixVectorForm == form && threaded.matrixVectorForm == form)
            #expect(bytes(serial.panels) == bytes(threaded.panels), "\(String(describing: form))")
            #expect(slabBytes(serial.slabs) == slabBytes(threaded.slabs), "\(String(describing: form))")
        }
    }

    /// The vector q8Exact against its scalar definition, on blocks that are exact, perturbed by one ulp, scaled off
    /// the grid, all zero (of both signs), holding a value that rounds half-way, a NaN or an infinity.
    @Test func q8ExactMatchesItsScalarDefinition() {
        func scalar(_ block: [Float]) -> (Float, [Int8])? {
            var largest: Float = 0
            for v in block { largest = max(largest, abs(v)) }
            guard largest.isFinite else { return nil }
            let scale = largest / 127
            var quants: [Int8] = []
            for v in block {
                let q = scale == 0 ? 0 : (v / scale).rounded()
                guard abs(q) <= 127, q * scale == v else { return nil }
                quants.append(Int8(q))
            }
            return (scale, quants)
        }
        var rng = SeededGenerator(state: 8)
        let exact = Self.q8Values(rows: 64, columns: 32, &rng)
        var blocks: [[Float]] = (0..<64).map { Array(exact[($0 * 32)..<($0 * 32 + 32)]) }
        for (i, base) in blocks.enumerated() {
            var b = base
            switch i % 8 {
            case 0: b[i % 32] = b[i % 32].nextUp
            case 1: b = b.map { $0 * 1.1 }
            case 2: b = b.map { _ in i % 16 == 2 ? -0.0 : 0 }
            case 3: b[5] = .nan
            case 4: b[7] = -.infinity
            case 5: b[9] = (b.map(abs).max()! / 127) * 2.5   // q = 2.5: half-way, and off the grid
            case 6: b = b.map { -$0 }
            case 7 where i % 16 == 7: b = b.map { $0 * 0x1p-140 }   // subnormals
            case 7: b = b.indices.map { $0 == 3 ? Float.leastNonzeroMagnitude : 0 }   // a scale that underflows
            default: break
            }
            blocks.append(b)
        }
        let quants = UnsafeMutablePointer<Int8>.allocate(capacity: 32)
        defer { quants.deallocate() }
        var exactCount = 0
        for b in blocks {
            let expected = scalar(b)
            let got = b.withUnsafeBufferPointer { q8Exact($0.baseAddress!, quants: quants) }
            #expect(got?.bitPattern == expected?.0.bitPattern, "\(b)")
            if let expected, got != nil {
                #expect(Array(UnsafeBufferPointer(start: quants, count: 32)) == expected.1)
                exactCount += 1
            }
        }
        #expect(exactCount > 64 && exactCount < blocks.count)
    }

    /// The bit-level form (macOS on Intel) and the Float16 one agree on every half value, the floats either side of
    /// it, and both signs of each.
    @Test func exactHalfBitsFormsAgree() {
        var mismatches = 0
        for bits in UInt16.min...UInt16.max {
            let h = Float(Float16(bitPattern: bits))
            for v in [h, h.nextUp, h.nextDown] where exactHalfBits(v) != exactHalfBitsSoftware(v) {
                mismatches += 1
                if mismatches <= 5 { Issue.record("\(v): \(String(describing: exactHalfBits(v))) != \(String(describing: exactHalfBitsSoftware(v)))") }
            }
        }
        #expect(mismatches == 0)
    }
}

@Suite struct ActivationTests {
    @Test func expIsAccurate() {
        var worst: Double = 0
        for i in -8700...8800 {
            let x = Float(i) / 100
            let got = Double(fastExp(Vector(repeating: x))[0]), want = Foundation.exp(Double(x))
            worst = max(worst, abs(got - want) / want)
        }
        #expect(worst < 3e-7)
    }

    @Test func tanhAndSigmoidMatchLibm() {
        for i in -2000...2000 {
            let x = Float(i) / 200
            #expect(abs(Double(activate(x, .tanh)) - Foundation.tanh(Double(x))) < 2e-7)
            #expect(abs(Double(activate(x, .sigmoid)) - 1 / (1 + Foundation.exp(-Double(x)))) < 2e-7)
        }
        #expect(activate(-100, .tanh) == -1 && activate(100, .tanh) == 1)
        #expect(activate(0, .tanh) == 0 && activate(0, .sigmoid) == 0.5)
    }

    @Test func piecewiseLinear() {
        #expect(activate(-2, .relu) == 0 && activate(3, .relu) == 3)
        #expect(activate(-2, .leakyReLU(slope: 0.2)) == -0.4 && activate(3, .leakyReLU(slope: 0.2)) == 3)
    }

    @Test func vectorAndScalarPathsAgree() {
        var data = (0..<37).map { Float($0) / 5 - 3 }
        let expected = data.map { activate($0, .tanh) }
        data.withUnsafeMutableBufferPointer { applyActivation($0.baseAddress!, count: $0.count, .tanh) }
        #expect(data == expected)
    }
}

@Suite struct ConvolutionTests {
    static let geometries: [ConvGeometry] = [
        ConvGeometry(inChannels: 3, outChannels: 5, kernel: 3, stride: 1, padding: 1, batch: 2, inHeight: 5, inWidth: 6),
        ConvGeometry(inChannels: 4, outChannels: 2, kernel: 4, stride: 2, padding: 1, batch: 3, inHeight: 8, inWidth: 8),
        ConvGeometry(inChannels: 2, outChannels: 3, kernel: 1, stride: 1, padding: 0, batch: 1, inHeight: 3, inWidth: 2),
        ConvGeometry(inChannels: 5, outChannels: 7, kernel: 5, stride: 3, padding: 2, batch: 2, inHeight: 9, inWidth: 7),
    ]

    @Test(arguments: geometries)
    func conv2dMatchesReference(g: ConvGeometry) {
        var rng = SeededGenerator(state: 42)
        let x = randomFloats(g.inChannels * g.batch * g.inHeight * g.inWidth, &rng)
        let w = randomFloats(g.outChannels * g.inChannels * g.kernel * g.kernel, &rng), bias = randomFloats(g.outChannels, &rng)
        let count = g.outChannels * g.batch * g.convOutHeight * g.convOutWidth
        var fast = [Float](repeating: .nan, count: count), slow = fast
        var scratch = [Float](repeating: 0, count: conv2dScratchCount(g))
        let packed = PackedMatrix(w, rows: g.outChannels, columns: g.inChannels * g.kernel * g.kernel)
        conv2d(g, x: x, weight: packed, bias: bias, activation: .leakyReLU(slope: 0.1), y: &fast, scratch: &scratch,
               parallelism: Parallelism(threads: 2))
        conv2dReference(g, x: x, weight: w, bias: bias, activation: .leakyReLU(slope: 0.1), y: &slow)
        #expect(maxAbs(fast, slow) < 1e-5)
    }

    /// Winograd F(2×2, 3×3) against the direct definition, odd and even sizes, with and without an upsampled input;
    /// an image's bits do not depend on the batch or threads.
    @Test(arguments: [(ConvGeometry(inChannels: 5, outChannels: 6, kernel: 3, stride: 1, padding: 1, batch: 2, inHeight: 8, inWidth: 10), 1),
                      (ConvGeometry(inChannels: 3, outChannels: 7, kernel: 3, stride: 1, padding: 1, batch: 3, inHeight: 5, inWidth: 7), 1),
                      (ConvGeometry(inChannels: 17, outChannels: 9, kernel: 3, stride: 1, padding: 1, batch: 1, inHeight: 1, inWidth: 1), 1),
                      (ConvGeometry(inChannels: 4, outChannels: 8, kernel: 3, stride: 1, padding: 1, batch: 2, inHeight: 12, inWidth: 6), 2)])
    func winogradMatchesReference(g: ConvGeometry, factor: Int) {
        var rng = SeededGenerator(state: 13)
        let (h, w) = (g.inHeight / factor, g.inWidth / factor)
        let small = randomFloats(g.inChannels * g.batch * h * w, &rng)
        var big = small
        if factor > 1 {
            big = [Float](repeating: .nan, count: g.inChannels * g.batch * g.inHeight * g.inWidth)
            upsampleNearest(x: small, planes: g.inChannels * g.batch, height: h, width: w, factor: factor, y: &big)
        }
        let weight = randomFloats(g.outChannels * g.inChannels * 9, &rng), bias = randomFloats(g.outChannels, &rng)
        let count = g.outChannels * g.batch * g.inHeight * g.inWidth
        var fast = [Float](repeating: .nan, count: count), slow = fast
        var scratch = [Float](repeating: .nan, count: winogradScratchCount(g))
        let u = WinogradWeights(weight, outChannels: g.outChannels, inChannels: g.inChannels)
        conv2dWinograd(g, x: small, weights: u, bias: bias, activation: .leakyReLU(slope: 0.2), y: &fast, scratch: &scratch,
                       upsample: factor, parallelism: Parallelism(threads: 2))
        conv2dReference(g, x: big, weight: weight, bias: bias, activation: .leakyReLU(slope: 0.2), y: &slow)
        #expect(maxAbs(fast, slow) < 1e-5)
        var one = g
        one.batch = 1
        let plane = h * w, outPlane = g.inHeight * g.inWidth
        var last: [Float] = []
        for ci in 0..<g.inChannels {
            let start = (ci * g.batch + g.batch - 1) * plane
            last += small[start..<(start + plane)]
        }
        var alone = [Float](repeating: .nan, count: g.outChannels * outPlane)
        var scratchOne = [Float](repeating: .nan, count: winogradScratchCount(one))
        conv2dWinograd(one, x: last, weights: u, bias: bias, activation: .leakyReLU(slope: 0.2), y: &alone,
                       scratch: &scratchOne, upsample: factor, parallelism: .serial)
        for co in 0..<g.outChannels {
            let start = (co * g.batch + g.batch - 1) * outPlane
            let inBatch = Array(fast[start..<(start + outPlane)]), single = Array(alone[(co * outPlane)..<((co + 1) * outPlane)])
            #expect(inBatch == single)
        }
    }

    /// conv2d reading a nearest ×f upsampling in place equals upsampling, then the convolution.
    @Test(arguments: [(ConvGeometry(inChannels: 3, outChannels: 6, kernel: 3, stride: 1, padding: 1, batch: 2, inHeight: 8, inWidth: 10), 2),
                      (ConvGeometry(inChannels: 2, outChannels: 5, kernel: 1, stride: 1, padding: 0, batch: 1, inHeight: 6, inWidth: 6), 3),
                      (ConvGeometry(inChannels: 4, outChannels: 7, kernel: 5, stride: 1, padding: 2, batch: 3, inHeight: 4, inWidth: 2), 2)])
    func upsampledInputMatchesUpsamplingFirst(g: ConvGeometry, factor: Int) {
        var rng = SeededGenerator(state: 11)
        let (h, w) = (g.inHeight / factor, g.inWidth / factor)
        let small = randomFloats(g.inChannels * g.batch * h * w, &rng)
        let weight = randomFloats(g.outChannels * g.inChannels * g.kernel * g.kernel, &rng), bias = randomFloats(g.outChannels, &rng)
        var big = [Float](repeating: .nan, count: g.inChannels * g.batch * g.inHeight * g.inWidth)
        upsampleNearest(x: small, planes: g.inChannels * g.batch, height: h, width: w, factor: factor, y: &big)
        let count = g.outChannels * g.batch * g.convOutHeight * g.convOutWidth
        var fused = [Float](repeating: .nan, count: count), plain = fused
        var scratch = [Float](repeating: .nan, count: conv2dScratchCount(g))
        let packed = PackedMatrix(weight, rows: g.outChannels, columns: g.inChannels * g.kernel * g.kernel)
        conv2d(g, x: small, weight: packed, bias: bias, activation: .relu, y: &fused, scratch: &scratch, upsample: factor,
               parallelism: Parallelism(threads: 2))
        conv2d(g, x: big, weight: packed, bias: bias, activation: .relu, y: &plain, scratch: &scratch,
               parallelism: Parallelism(threads: 2))
        #expect(fused == plain)
    }

    /// Output layers of 1–4 channels at stride 1, widths on both sides of a 16-pixel vector, borders 0–2; each
    /// image's values must not depend on the batch.
    static let fewOutputs: [ConvGeometry] = [
        ConvGeometry(inChannels: 5, outChannels: 3, kernel: 3, stride: 1, padding: 1, batch: 2, inHeight: 7, inWidth: 19),
        ConvGeometry(inChannels: 2, outChannels: 1, kernel: 1, stride: 1, padding: 0, batch: 1, inHeight: 3, inWidth: 16),
        ConvGeometry(inChannels: 3, outChannels: 4, kernel: 5, stride: 1, padding: 2, batch: 3, inHeight: 6, inWidth: 33),
        ConvGeometry(inChannels: 4, outChannels: 2, kernel: 4, stride: 1, padding: 0, batch: 2, inHeight: 5, inWidth: 5),
        ConvGeometry(inChannels: 1, outChannels: 3, kernel: 3, stride: 1, padding: 2, batch: 1, inHeight: 1, inWidth: 1),
    ]

    @Test(arguments: fewOutputs)
    func fewOutputsMatchReference(g: ConvGeometry) {
        var rng = SeededGenerator(state: 7)
        let x = randomFloats(g.inChannels * g.batch * g.inHeight * g.inWidth, &rng)
        let w = randomFloats(g.outChannels * g.inChannels * g.kernel * g.kernel, &rng), bias = randomFloats(g.outChannels, &rng)
        let count = g.outChannels * g.batch * g.convOutHeight * g.convOutWidth
        var fast = [Float](repeating: .nan, count: count), slow = fast
        var scratch = [Float](repeating: .nan, count: conv2dFewOutputsScratchCount(g))
        let packed = fewOutputsWeights(w, outChannels: g.outChannels, inChannels: g.inChannels, kernel: g.kernel)
        conv2dFewOutputs(g, x: x, weights: packed, bias: bias, activation: .tanh, y: &fast, scratch: &scratch,
                         parallelism: Parallelism(threads: 2))
        conv2dReference(g, x: x, weight: w, bias: bias, activation: .tanh, y: &slow)
        #expect(maxAbs(fast, slow) < 1e-5)
        // The last image alone gives the same bits as inside the batch.
        var one = g
        one.batch = 1
        let plane = g.inHeight * g.inWidth, outPlane = g.convOutHeight * g.convOutWidth
        var last: [Float] = []
        for ci in 0..<g.inChannels {
            let start = (ci * g.batch + g.batch - 1) * plane
            last += x[start..<(start + plane)]
        }
        var alone = [Float](repeating: .nan, count: g.outChannels * outPlane)
        var scratchOne = [Float](repeating: .nan, count: conv2dFewOutputsScratchCount(one))
        conv2dFewOutputs(one, x: last, weights: packed, bias: bias, activation: .tanh, y: &alone, scratch: &scratchOne,
                         parallelism: .serial)
        for co in 0..<g.outChannels {
            let start = (co * g.batch + g.batch - 1) * outPlane
            let inBatch = Array(fast[start..<(start + outPlane)]), single = Array(alone[(co * outPlane)..<((co + 1) * outPlane)])
            #expect(inBatch == single)
        }
    }

    static let transposed: [ConvGeometry] = [
        ConvGeometry(inChannels: 8, outChannels: 4, kernel: 4, stride: 2, padding: 1, batch: 2, inHeight: 3, inWidth: 3),
        ConvGeometry(inChannels: 3, outChannels: 2, kernel: 3, stride: 2, padding: 1, outputPadding: 1, batch: 3, inHeight: 4, inWidth: 5),
        ConvGeometry(inChannels: 5, outChannels: 3, kernel: 4, stride: 1, padding: 0, batch: 1, inHeight: 1, inWidth: 1),
        ConvGeometry(inChannels: 2, outChannels: 6, kernel: 5, stride: 3, padding: 2, outputPadding: 2, batch: 2, inHeight: 4, inWidth: 3),
    ]

    /// Both methods on every geometry that allows them (sub-pixel needs k + outputPadding − 2·padding == stride).
    static let transposedCases: [(ConvGeometry, TransposedConvolution.Method)] = transposed.flatMap {
        g -> [(ConvGeometry, TransposedConvolution.Method)] in
        let subPixel = g.kernel + g.outputPadding - 2 * g.padding == g.stride
        return subPixel ? [(g, .columnsThenScatter), (g, .subPixel)] : [(g, .columnsThenScatter)]
    } + [
        // Wide enough for full 16-column panels, several row tiles, images crossing panel boundaries.
        (ConvGeometry(inChannels: 16, outChannels: 13, kernel: 4, stride: 2, padding: 1, batch: 3, inHeight: 7, inWidth: 7),
         .subPixel),
        (ConvGeometry(inChannels: 3, outChannels: 9, kernel: 3, stride: 1, padding: 1, batch: 2, inHeight: 5, inWidth: 19),
         .subPixel),
        // Columns then scatter in pieces of images (1 image of 16x16; 3 images of 10x10, the last piece short).
        (ConvGeometry(inChannels: 4, outChannels: 3, kernel: 4, stride: 2, padding: 1, batch: 3, inHeight: 16, inWidth: 16),
         .columnsThenScatter),
        (ConvGeometry(inChannels: 5, outChannels: 2, kernel: 3, stride: 2, padding: 1, outputPadding: 1, batch: 7, inHeight: 10,
                      inWidth: 10), .columnsThenScatter),
        // The few-channel kernel: 1-3 channels; rows of one 16-pixel unit (14: mnist's last layer), of two (32), of a
        // full and a short one (19); row counts that leave a short last piece of rows; images paired across rows.
        (ConvGeometry(inChannels: 6, outChannels: 1, kernel: 4, stride: 2, padding: 1, batch: 3, inHeight: 14, inWidth: 14),
         .fewChannels),
        (ConvGeometry(inChannels: 5, outChannels: 3, kernel: 4, stride: 2, padding: 1, batch: 2, inHeight: 7, inWidth: 32),
         .fewChannels),
        (ConvGeometry(inChannels: 3, outChannels: 2, kernel: 4, stride: 2, padding: 1, batch: 3, inHeight: 5, inWidth: 19),
         .fewChannels),
        (ConvGeometry(inChannels: 4, outChannels: 3, kernel: 4, stride: 2, padding: 1, batch: 1, inHeight: 1, inWidth: 3),
         .fewChannels),
        // 36 pieces of rows: more than the 32 slots of scratch, in two waves.
        (ConvGeometry(inChannels: 2, outChannels: 1, kernel: 4, stride: 2, padding: 1, batch: 9, inHeight: 16, inWidth: 8),
         .fewChannels),
        // 1×1 inputs (a DCGAN's first layer): one GEMM with the epilogue, then each channel's taps transposed into
        // place; with padding cutting taps off, and with output padding leaving pixels without a tap (bias only).
        (ConvGeometry(inChannels: 20, outChannels: 7, kernel: 4, stride: 1, padding: 0, batch: 21, inHeight: 1, inWidth: 1),
         .columnsThenScatter),
        (ConvGeometry(inChannels: 4, outChannels: 5, kernel: 4, stride: 2, padding: 1, batch: 17, inHeight: 1, inWidth: 1),
         .columnsThenScatter),
        (ConvGeometry(inChannels: 3, outChannels: 2, kernel: 3, stride: 2, padding: 0, outputPadding: 1, batch: 18, inHeight: 1,
                      inWidth: 1), .columnsThenScatter),
        // An input of 8 lines per channel row, over 32 KiB: gathered from a copy with rows an odd number of lines apart.
        (ConvGeometry(inChannels: 72, outChannels: 10, kernel: 4, stride: 2, padding: 1, batch: 2, inHeight: 8, inWidth: 8),
         .subPixel),
        // So many input channels that the 9 shifted copies of a panel pair would pass 8 MiB: each phase's taps
        // gathered on their own.
        (ConvGeometry(inChannels: 7_300, outChannels: 8, kernel: 4, stride: 2, padding: 1, batch: 1, inHeight: 3, inWidth: 3),
         .subPixel),
        // Phases of 30 rows (two and a half pairs of row tiles) and 5 column panels (two pairs and one).
        (ConvGeometry(inChannels: 8, outChannels: 30, kernel: 4, stride: 2, padding: 1, batch: 1, inHeight: 9, inWidth: 8),
         .subPixel),
        // A last column panel of one column (7×7: 3 × 16 + 1) and of two (2 images of 5×5), computed panel by panel
        // of A; 75 rows: 8 panels of A at once, then 5.
        (ConvGeometry(inChannels: 9, outChannels: 75, kernel: 4, stride: 2, padding: 1, batch: 1, inHeight: 7, inWidth: 7),
         .subPixel),
        (ConvGeometry(inChannels: 6, outChannels: 13, kernel: 4, stride: 2, padding: 1, batch: 2, inHeight: 5, inWidth: 5),
         .subPixel),
    ]

    @Test(arguments: transposedCases)
    func convTranspose2dMatchesReference(g: ConvGeometry, method: TransposedConvolution.Method) {
        var rng = SeededGenerator(state: 7)
        let x = randomFloats(g.inChannels * g.batch * g.inHeight * g.inWidth, &rng)
        let w = randomFloats(g.inChannels * g.outChannels * g.kernel * g.kernel, &rng), bias = randomFloats(g.outChannels, &rng)
        let layer = TransposedConvolution(weight: w, inChannels: g.inChannels, outChannels: g.outChannels, kernel: g.kernel,
                                          stride: g.stride, padding: g.padding, outputPadding: g.outputPadding,
                                          method: method)
        #expect(layer.method == method)
        if g.inChannels == 72 { #expect(layer.scratchCount(g) == 72 * (128 + 16), "the padded copy of x") }
        let count = g.outChannels * g.batch * g.transposedOutHeight * g.transposedOutWidth
        var slow = [Float](repeating: .nan, count: count)
        convTranspose2dReference(g, x: x, weight: w, bias: bias, activation: .tanh, y: &slow)
        // Against a reference that sums in another order: rounding grows with the length of the sums.
        let tolerance = 1e-5 * max(1, Float(g.inChannels * g.kernel * g.kernel) / 1_000)
        var first: [Float] = []
        // Blocks of 1 byte: every tile its own block, so a phase's shifted inputs are gathered per tile, not shared.
        for threads in [1, 3] { for tiles in GEMMTests.tileKernels { for blockBytes in [8 << 20, 1] {
            var fast = [Float](repeating: .nan, count: count)
            var scratch = [Float](repeating: 0, count: max(layer.scratchCount(g), 1))
            layer.apply(g, x: x, bias: bias, activation: .tanh, y: &fast, scratch: &scratch,
                        parallelism: Parallelism(threads: threads, tiles: tiles, blockBytes: blockBytes))
            #expect(maxAbs(fast, slow) < tolerance, "\(g) \(method) threads \(threads) tiles \(tiles) block \(blockBytes)")
            if first.isEmpty { first = fast } else { #expect(fast == first, "bits depend on the thread count, tile or block") }
        }}}
    }

    @Test func dcganLayersTakeTheSubPixelWay() {
        #expect(TransposedConvolution.method(inChannels: 128, outChannels: 64, kernel: 4, stride: 2, padding: 1,
                                             outputPadding: 0) == .subPixel)
        // The first layer (1x1 → 4x4) keeps the column matrix; the last, to 3 or 1 channels, has its own kernel.
        #expect(TransposedConvolution.method(inChannels: 100, outChannels: 512, kernel: 4, stride: 1, padding: 0,
                                             outputPadding: 0) == .columnsThenScatter)
        #expect(TransposedConvolution.method(inChannels: 64, outChannels: 3, kernel: 4, stride: 2, padding: 1,
                                             outputPadding: 0) == .fewChannels)
        #expect(TransposedConvolution.method(inChannels: 64, outChannels: 1, kernel: 4, stride: 2, padding: 1,
                                             outputPadding: 0) == .fewChannels)
        #expect(TransposedConvolution.method(inChannels: 64, outChannels: 4, kernel: 4, stride: 2, padding: 1,
                                             outputPadding: 0) == .columnsThenScatter)
    }

    @Test func transposedConvolutionOfOnePixelIsTheScaledKernel() {
        // A 1x1 input of value 2 through ConvTranspose2d(1, 1, k=2) paints 2·W, plus the bias.
        let g = ConvGeometry(inChannels: 1, outChannels: 1, kernel: 2, batch: 1, inHeight: 1, inWidth: 1)
        var y = [Float](repeating: 0, count: 4), scratch = [Float](repeating: 0, count: convTranspose2dScratchCount(g))
        #expect(scratch.count == 4 + 4, "the columns, then the bias of each of their rows")
        convTranspose2d(g, x: [2], packedWeight: PackedMatrix([1, 2, 3, 4], rows: 4, columns: 1), bias: [0.5],
                        activation: .identity, y: &y,
                        scratch: &scratch, parallelism: .serial)
        #expect(y == [2.5, 4.5, 6.5, 8.5])
    }
}

@Suite struct LayoutTests {
    @Test func reshapeFollowsPyTorchView() {
        // Two images of (2 channels, 3 pixels) viewed as (3, 2): image b's elements in row-major order stay in order.
        let x: [Float] = [0, 1, 2, 10, 11, 12, 3, 4, 5, 13, 14, 15]   // (C=2, B=2, S=3)
        var y = [Float](repeating: -1, count: 12)
        reshapeChannelMajor(x: x, channels: 2, spatial: 3, y: &y, channels: 3, spatial: 2, batch: 2)
        #expect(y == [0, 1, 10, 11, 2, 3, 12, 13, 4, 5, 14, 15])     // (C=3, B=2, S=2)
    }

    /// The view, image by image, in the plainest terms: image b's flat (C·S) vector cut into rows of `s2`.
    static func viewReference(_ x: [Float], c1: Int, s1: Int, c2: Int, s2: Int, batch: Int) -> [Float] {
        var y = [Float](repeating: .nan, count: x.count)
        for b in 0..<batch {
            for f in 0..<(c1 * s1) {
                y[(f / s2 * batch + b) * s2 + f % s2] = x[(f / s1 * batch + b) * s1 + f % s1]
            }
        }
        return y
    }

    static let views: [(c1: Int, s1: Int, c2: Int, s2: Int, batch: Int)] = [
        (6272, 1, 128, 49, 64),   // a 28x28 DCGAN's linear output to 7x7 maps
        (4096, 1, 256, 16, 9),    // ragged blocks of 8 both ways
        (30, 1, 2, 15, 17),
        (128, 49, 6272, 1, 64),   // maps back to features
        (3, 25, 75, 1, 11),
        (2, 3, 3, 2, 2),          // the general case
    ]

    @Test(arguments: views)
    func reshapeMatchesTheView(v: (c1: Int, s1: Int, c2: Int, s2: Int, batch: Int)) {
        let x = (0..<(v.c1 * v.s1 * v.batch)).map { Float($0) }
        let expected = LayoutTests.viewReference(x, c1: v.c1, s1: v.s1, c2: v.c2, s2: v.s2, batch: v.batch)
        for threads in [1, 3] {
            var y = [Float](repeating: .nan, count: x.count)
            reshapeChannelMajor(x: x, channels: v.c1, spatial: v.s1, y: &y, channels: v.c2, spatial: v.s2,
                                batch: v.batch, parallelism: Parallelism(threads: threads))
            #expect(y == expected, "\(v) threads \(threads)")
        }
    }

    @Test func transposeEveryShapeUpTo20() {
        for rows in 1...20 {
            for columns in 1...20 {
                let x = (0..<(rows * columns)).map { Float($0) }
                var y = [Float](repeating: .nan, count: x.count)
                transpose(x, rows: rows, columns: columns, into: &y)
                var expected = y
                for r in 0..<rows { for c in 0..<columns { expected[c * rows + r] = x[r * columns + c] } }
                #expect(y == expected, "\(rows) x \(columns)")
            }
        }
    }

    @Test func upsampleRepeatsPixels() {
        var y = [Float](repeating: 0, count: 16)
        upsampleNearest(x: [1, 2, 3, 4], planes: 1, height: 2, width: 2, factor: 2, y: &y)
        #expect(y == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    @Test func affinePerChannel() {
        var x: [Float] = [1, 2, 3, 4]
        channelAffine(&x, channels: 2, perChannel: 2, scale: [2, -1], shift: [0, 1], activation: .relu)
        #expect(x == [2, 4, 0, 0])
    }
}

@Suite struct AttentionPieces {
    /// Rows of every width around a vector's 16 lanes, against softmax in double precision.
    @Test(arguments: [1, 5, 16, 17, 40, 1024])
    func softmaxMatchesDoublePrecision(columns: Int) {
        var rng = SeededGenerator(state: UInt64(columns))
        var x = randomFloats(3 * columns, &rng).map { $0 * 8 }
        let input = x
        softmaxRows(&x, rows: 3, columns: columns)
        for r in 0..<3 {
            let row = input[(r * columns)..<((r + 1) * columns)].map(Double.init)
            let peak = row.max()!, sum = row.reduce(0) { $0 + Foundation.exp($1 - peak) }
            for j in 0..<columns {
                let expected = Foundation.exp(row[j] - peak) / sum
                #expect(abs(Double(x[r * columns + j]) - expected) <= 1e-6 * max(1, expected) + 1e-9)
            }
        }
    }

    @Test func maxPoolTakesEachBlocksLargest() {
        let x: [Float] = [1, 5, 2, 0,
                          3, 4, 8, -1,
                          -2, -3, 0, 0,
                          -4, -1, 0, 7]
        var y = [Float](repeating: .nan, count: 4)
        maxPool2x2(x: x, planes: 1, height: 4, width: 4, y: &y)
        #expect(y == [5, 8, -1, 7])
    }
}
