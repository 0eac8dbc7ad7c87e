// conv_transpose2d (nn.ConvTranspose2d): a following batch norm folds into the weights, a following activation into
// the epilogue; the weights are packed for the method TransposedConvolution picks for the layer's shape.

import GanKernels

struct ConvTranspose2d: GraphOp {
    static let name = "conv_transpose2d"
    static let inputCount = 1...1
    let p: ConvParameters

    init(_ a: NodeAttributes) throws(ModelError) { p = try ConvParameters(a, transposed: true) }
    var summary: String { "conv_transpose2d " + p.summary }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        try p.signature(inputs[0].shape, transposed: true, c)
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        var weight = planner.take(node, "weight")!, bias = planner.take(node, "bias") ?? [Float](repeating: 0, count: p.outChannels)
        let (scale, shift, act) = planner.fuseTail()
        if let scale, let shift {
            // PyTorch's layout (Cin, Cout, k, k): output channel co owns block co of every input channel.
            let block = p.kernel * p.kernel
            for ci in 0..<p.inChannels {
                for co in 0..<p.outChannels {
                    let base = (ci * p.outChannels + co) * block
                    for i in base..<(base + block) { weight[i] *= scale[co] }
                }
            }
            foldBias(&bias, scale, shift)
        }
        return Kernel(p: p, weights: TransposedConvolution(weight: weight, inChannels: p.inChannels, outChannels: p.outChannels,
                                                          kernel: p.kernel, stride: p.stride, padding: p.padding,
                                                          outputPadding: p.outputPadding),
                      bias: bias, inShape: planner.graph.nodes[node.inputs[0]].shape, activation: act)
    }

    struct Kernel: StepKernel {
        let p: ConvParameters
        let weights: TransposedConvolution
        let bias: [Float]
        let inShape: [Int]
        let activation: Activation

        func scratchCount(batch: Int) -> Int { weights.scratchCount(p.geometry(inShape, batch: batch)) }

        func run(_ r: inout StepRun) {
            let g = p.geometry(inShape, batch: r.n), x = r.x, y = r.output, scratch = r.scratch, parallelism = r.parallelism
            bias.withUnsafeBufferPointer { bias in
                weights.apply(g, x: x, bias: bias.baseAddress!, activation: activation, y: y, scratch: scratch,
                              parallelism: parallelism)
            }
        }
    }
}
