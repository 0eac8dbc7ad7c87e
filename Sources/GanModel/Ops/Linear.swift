// linear: y = W·x + b (nn.Linear) over a flattened input; a following batch norm's scale and activation run in
// its epilogue. The weights stay as the file stores them, which batch-1 products read in the file's compact form.

import GanKernels

struct Linear: GraphOp {
    static let name = "linear"
    static let inputCount = 1...1
    let inFeatures: Int, outFeatures: Int

    init(_ a: NodeAttributes) throws(ModelError) {
        inFeatures = try a.int("in_features", in: 1...maximumDimension)
        outFeatures = try a.int("out_features", in: 1...maximumDimension)
    }

    var summary: String { "linear \(inFeatures) -> \(outFeatures)" }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape, elements = x.reduce(1, *)
        guard elements == inFeatures else { throw c.mismatch("in_features is \(inFeatures) but its input \(x) has \(elements) values") }
        return NodeSignature(shape: [outFeatures],
                             tensors: [("weight", [outFeatures, inFeatures], false), ("bias", [outFeatures], true)],
                             macs: inFeatures * outFeatures)
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        let weight = planner.take(node, "weight")!
        var bias = planner.take(node, "bias") ?? [Float](repeating: 0, count: outFeatures)
        let (scale, shift, act) = planner.fuseTail()
        // The batch norm's scale stays out of the weights (PackedMatrix applies it per row in the epilogue).
        if let scale, let shift { foldBias(&bias, scale, shift) }
        return Kernel(weight: PackedMatrix(weight, rows: outFeatures, columns: inFeatures, transpose: true, rowScale: scale,
                                           parallelism: planner.parallelism),
                      bias: bias, inShape: planner.graph.nodes[node.inputs[0]].shape, activation: act)
    }

    struct Kernel: StepKernel {
        /// (out, in)
        let weight: PackedMatrix
        let bias: [Float]
        let inShape: [Int]
        let activation: Activation

        func scratchCount(batch: Int) -> Int { inShape.count == 3 ? inShape.reduce(1, *) * batch : 1 }

        func run(_ r: inout StepRun) {
            var input = UnsafePointer(r.x)
            // A (C, H, W) input is (C, n, S) in memory; the product wants (C·S, n).
            if inShape.count == 3, reshapeMovesData(spatial: channelsAndSpatial(inShape).1, spatial: 1, batch: r.n) {
                let (c, s) = channelsAndSpatial(inShape)
                reshapeChannelMajor(x: r.x, channels: c, spatial: s, y: r.scratch, channels: c * s, spatial: 1,
                                    batch: r.n, parallelism: r.parallelism)
                input = UnsafePointer(r.scratch)
            }
            let n = r.n, y = r.output, parallelism = r.parallelism
            bias.withUnsafeBufferPointer { bias in
                gemm(weight, n: n, b: input, ldb: n, c: y, ldc: n, bias: bias.baseAddress!, activation: activation,
                     parallelism: parallelism)
            }
        }
    }
}
