// modulated_conv2d: StyleGAN2's style-modulated convolution, computed as conv(x ⊙ s) ⊙ d so the weights stay
// shared across the batch (inputs: x (Cin, H, W) and the styles s (Cin) of each image):
//   d[o] = rsqrt(Σ_i s[i]² · Σ_k W[o, i, k]² + 1e-8) with demodulate = 1, else 1
//   up 1: y[o] = d[o] · Σ_i W[o, i] ⋆ (s[i] · x[i]), a k×k correlation with padding k / 2 (same size)
//   up 2: y[o] = d[o] · Σ_i s[i] · x[i] scattered by conv_transpose2d(stride 2, padding 0) with W[o, i] as the
//         (Cin, Cout) kernel's slice (i, o): (2H + k − 2) × (2W + k − 2), which an upfirdn2d then filters to 2H × 2W.
// W is stored (Cout, Cin, k, k) as the reference holds it, without a weight gain (demodulation cancels it; a
// converter bakes ToRGB's gain into the styles' affine layer).

import GanKernels

struct ModulatedConv2d: GraphOp {
    static let name = "modulated_conv2d"
    static let inputCount = 2...2
    let inChannels: Int, outChannels: Int, kernel: Int, up: Int, demodulate: Bool

    init(_ a: NodeAttributes) throws(ModelError) {
        inChannels = try a.int("in_channels", in: 1...65536)
        outChannels = try a.int("out_channels", in: 1...65536)
        kernel = try a.int("kernel_size", in: 1...7)
        guard kernel % 2 == 1 else {
            throw .valueOutOfRange(key: a.key("kernel_size"), value: "\(kernel)", allowed: "an odd size from 1 to 7")
        }
        up = try a.int("up", default: 1, in: 1...2)
        demodulate = try a.int("demodulate", default: 1, in: 0...1) == 1
    }

    var summary: String {
        "modulated_conv2d \(inChannels) -> \(outChannels) k\(kernel)" + (up > 1 ? " up\(up)" : "") + (demodulate ? "" : " no-demod")
    }

    var conv: ConvParameters {
        up == 1 ? ConvParameters(inChannels: inChannels, outChannels: outChannels, kernel: kernel, padding: kernel / 2)
            : ConvParameters(inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: up)
    }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape, s = inputs[1].shape
        guard s == [inChannels] else { throw c.mismatch("its styles must be (\(inChannels)), got \(s)") }
        var signature = try conv.signature(x, transposed: up > 1, c)
        signature.tensors = [("weight", [outChannels, inChannels, kernel, kernel], false)]
        signature.macs += inChannels * x[1] * x[2] + (demodulate ? inChannels * outChannels : 0)
        return signature
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        let weight = planner.take(node, "weight")!
        let inShape = planner.graph.nodes[node.inputs[0]].shape
        let zero = [Float](repeating: 0, count: outChannels)
        let k2 = kernel * kernel
        // Σ_k W[o, i, k]², (Cout, Cin), summed in double; only demodulation reads it.
        var squares = [Float](repeating: 0, count: demodulate ? outChannels * inChannels : 0)
        for j in squares.indices {
            var sum = 0.0
            for t in 0..<k2 { let w = Double(weight[j * k2 + t]); sum += w * w }
            squares[j] = Float(sum)
        }
        let inner: any StepKernel
        if up == 1 {
            inner = Conv2d.kernel(conv, weight: weight, bias: zero, inShape: inShape, activation: .identity, upsample: 1,
                                  parallelism: planner.parallelism)
        } else {
            // (Cout, Cin, k, k) → conv_transpose2d's (Cin, Cout, k, k).
            var transposed = [Float](repeating: 0, count: weight.count)
            for o in 0..<outChannels {
                for i in 0..<inChannels {
                    for t in 0..<k2 { transposed[(i * outChannels + o) * k2 + t] = weight[(o * inChannels + i) * k2 + t] }
                }
            }
            let p = conv
            inner = ConvTranspose2d.Kernel(
                p: p, weights: TransposedConvolution(weight: transposed, inChannels: inChannels, outChannels: outChannels,
                                                     kernel: kernel, stride: up, padding: 0, outputPadding: 0),
                bias: zero, inShape: inShape, activation: .identity)
        }
        return Kernel(inner: inner, squares: squares, inChannels: inChannels, outChannels: outChannels,
                      inSpatial: inShape[1] * inShape[2], outSpatial: node.shape[1] * node.shape[2])
    }

    struct Kernel: StepKernel {
        let inner: any StepKernel
        /// (Cout, Cin) Σ_k W²; empty without demodulation.
        let squares: [Float]
        let inChannels: Int, outChannels: Int, inSpatial: Int, outSpatial: Int

        /// The modulated input (Cin, n, S), the coefficients d (Cout, n), then the convolution's own scratch.
        func scratchCount(batch: Int) -> Int {
            inChannels * batch * inSpatial + outChannels * batch + inner.scratchCount(batch: batch)
        }

        func run(_ r: inout StepRun) {
            let n = r.n, x = r.x, styles = r.inputs[1], s = inSpatial
            let modulated = r.scratch, coefficients = r.scratch + inChannels * n * s
            for i in 0..<inChannels {
                for b in 0..<n {
                    let k = styles[i * n + b], src = x + (i * n + b) * s, dst = modulated + (i * n + b) * s
                    for j in 0..<s { dst[j] = src[j] * k }
                }
            }
            var convRun = StepRun(inputs: [modulated], output: r.output, n: n, first: r.first, batch: r.batch, spec: r.spec,
                                  scratch: coefficients + outChannels * n, parallelism: r.parallelism)
            inner.run(&convRun)
            guard !squares.isEmpty else { return }
            squares.withUnsafeBufferPointer { w2 in
                for o in 0..<outChannels {
                    for b in 0..<n {
                        var sum: Float = 0
                        for i in 0..<inChannels { let v = styles[i * n + b]; sum += w2[o * inChannels + i] * (v * v) }
                        coefficients[o * n + b] = 1 / (sum + 1e-8).squareRoot()
                    }
                }
            }
            let y = r.output, os = outSpatial
            for o in 0..<outChannels {
                for b in 0..<n {
                    let d = coefficients[o * n + b], plane = y + (o * n + b) * os
                    for j in 0..<os { plane[j] *= d }
                }
            }
        }
    }
}
