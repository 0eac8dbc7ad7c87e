// conv2d (nn.Conv2d): a following batch norm folds into the weights, a following activation into the epilogue.

import GanKernels

struct Conv2d: GraphOp {
    static let name = "conv2d"
    static let inputCount = 1...1
    let p: ConvParameters

    init(_ a: NodeAttributes) throws(ModelError) { p = try ConvParameters(a, transposed: false) }
    var summary: String { "conv2d " + p.summary }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        try p.signature(inputs[0].shape, transposed: false, c)
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        plan(node, &planner, upsample: 1)
    }

    /// `upsample` > 1: the step reads the input of the upsampling before `node` (already absorbed by the planner).
    func plan(_ node: Node, _ planner: inout StepPlanner, upsample: Int) -> any StepKernel {
        var weight = planner.take(node, "weight")!, bias = planner.take(node, "bias") ?? [Float](repeating: 0, count: p.outChannels)
        let (scale, shift, act) = planner.fuseTail()
        if let scale, let shift {
            // (out, in, k, k): output channel c owns one contiguous block.
            let block = p.inChannels * p.kernel * p.kernel
            for c in 0..<p.outChannels { for i in (c * block)..<((c + 1) * block) { weight[i] *= scale[c] } }
            foldBias(&bias, scale, shift)
        }
        return Conv2d.kernel(p, weight: weight, bias: bias, inShape: planner.graph.nodes[node.inputs[0]].shape,
                             activation: act, upsample: upsample, parallelism: planner.parallelism)
    }

    /// The kernel for a convolution with final weights (out, in, k, k) on `inShape` (upsampled when `upsample` > 1):
    /// Winograd, the few-output kernel or im2col + GEMM, by the layer's shape.
    static func kernel(_ p: ConvParameters, weight: [Float], bias: [Float], inShape: [Int], activation act: Activation,
                       upsample: Int, parallelism: Parallelism) -> any StepKernel {
        let geometry = p.geometry(inShape, batch: 1)
        if winogradApplies(geometry), min(p.inChannels, p.outChannels) >= Conv2d.winogradMinimumChannels,
           inShape[1] * inShape[2] >= Conv2d.winogradMinimumPixels {
            return WinogradKernel(p: p, weights: WinogradWeights(weight, outChannels: p.outChannels, inChannels: p.inChannels,
                                                                 parallelism: parallelism),
                                  bias: bias, inShape: inShape, activation: act, upsample: upsample)
        }
        // The few-output kernel reads its input as stored, so a fused upsampling takes the GEMM path.
        if upsample == 1, p.outChannels <= fewOutputChannels, p.stride == 1 {
            return FewOutputsKernel(p: p, weights: fewOutputsWeights(weight, outChannels: p.outChannels,
                                                                    inChannels: p.inChannels, kernel: p.kernel),
                                    bias: bias, inShape: inShape, activation: act)
        }
        return Kernel(p: p, weight: PackedMatrix(weight, rows: p.outChannels, columns: p.inChannels * p.kernel * p.kernel,
                                                 parallelism: parallelism),
                      bias: bias, inShape: inShape, activation: act, upsample: upsample)
    }

    /// 3×3, stride 1, padding 1 with enough channels on a large enough map: Winograd F(2×2, 3×3)
    /// (WinogradConvolution.swift). On small maps the 16 transformed weight matrices (16/9 of the weights) cost more
    /// to read than the products save; with few channels the transforms, which scale with Cin, outweigh the GEMMs,
    /// which scale with Cin·Cout (Benchmarks/README.md, "BigGAN-deep-128").
    static let winogradMinimumPixels = 16 * 16
    static let winogradMinimumChannels = 128

    struct WinogradKernel: StepKernel {
        let p: ConvParameters
        let weights: WinogradWeights
        let bias: [Float]
        /// The shape the convolution sees (upsampled when `upsample` > 1).
        let inShape: [Int]
        let activation: Activation
        let upsample: Int

        func scratchCount(batch: Int) -> Int { winogradScratchCount(p.geometry(inShape, batch: batch)) }

        func run(_ r: inout StepRun) {
            let g = p.geometry(inShape, batch: r.n), x = r.x, y = r.output, scratch = r.scratch, parallelism = r.parallelism
            bias.withUnsafeBufferPointer { bias in
                conv2dWinograd(g, x: x, weights: weights, bias: bias.baseAddress!, activation: activation, y: y,
                               scratch: scratch, upsample: upsample, parallelism: parallelism)
            }
        }
    }

    /// An output layer of 1–4 channels (RGB), stride 1: computed directly (FewOutputConvolution.swift).
    struct FewOutputsKernel: StepKernel {
        let p: ConvParameters
        /// (Cin, k, k, 4)
        let weights: [Float]
        let bias: [Float]
        let inShape: [Int]
        let activation: Activation

        func scratchCount(batch: Int) -> Int { conv2dFewOutputsScratchCount(p.geometry(inShape, batch: batch)) }

        func run(_ r: inout StepRun) {
            let g = p.geometry(inShape, batch: r.n), x = r.x, y = r.output, scratch = r.scratch, parallelism = r.parallelism
            weights.withUnsafeBufferPointer { w in
                bias.withUnsafeBufferPointer { bias in
                    conv2dFewOutputs(g, x: x, weights: w.baseAddress!, bias: bias.baseAddress!, activation: activation,
                                     y: y, scratch: scratch, parallelism: parallelism)
                }
            }
        }
    }

    struct Kernel: StepKernel {
        let p: ConvParameters
        /// (out, in·k·k)
        let weight: PackedMatrix
        let bias: [Float]
        /// The shape the convolution sees: the upsampled one when `upsample` > 1.
        let inShape: [Int]
        let activation: Activation
        /// A nearest upsampling before the convolution, read in place (UpsampleNearest.plan fuses it).
        var upsample = 1

        func scratchCount(batch: Int) -> Int { conv2dScratchCount(p.geometry(inShape, batch: batch)) }

        func run(_ r: inout StepRun) {
            let g = p.geometry(inShape, batch: r.n), x = r.x, y = r.output, scratch = r.scratch, parallelism = r.parallelism
            bias.withUnsafeBufferPointer { bias in
                conv2d(g, x: x, weight: weight, bias: bias.baseAddress!, activation: activation, y: y, scratch: scratch,
                       upsample: upsample, parallelism: parallelism)
            }
        }
    }
}
