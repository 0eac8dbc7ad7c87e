// conditional_batch_norm (BigGAN's class-conditional batch norm, eval mode): stored statistics normalize x, and a
// per-image gain and bias come from the condition vector c (a class embedding, often with z chunks joined):
//   gain = gain_offset + gain.weight · c + gain.bias,   bias = bias.weight · c + bias.bias,
//   y = (x − running_mean) / √(running_var + eps) · gain + bias      (per channel and image)
// inputs [x, c]; gain_offset (f32, default 1) is BigGAN's `1 + linear(c)`. A following activation runs in the step.

import GanKernels

struct ConditionalBatchNorm: GraphOp {
    static let name = "conditional_batch_norm"
    static let inputCount = 2...2
    let epsilon: Float, gainOffset: Float
    /// Rows of statistics, chosen by the truncation when more than 1 (TruncationStatistics.swift).
    let statsCount: Int

    init(_ a: NodeAttributes) throws(ModelError) {
        epsilon = try a.float("eps", default: 1e-5, in: 0...1)
        gainOffset = try a.float("gain_offset", default: 1, in: -1000...1000)
        statsCount = try BatchNormStatistics.count(a)
    }

    var summary: String {
        "conditional_batch_norm eps \(epsilon)" + (gainOffset == 1 ? "" : " gain_offset \(gainOffset)")
            + (statsCount > 1 ? " stats \(statsCount)" : "")
    }
    var usesTruncation: Bool { statsCount > 1 }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape, cond = inputs[1].shape
        guard x.count == 1 || x.count == 3 else { throw c.mismatch("expects x (C) or (C, H, W), got \(x)") }
        guard cond.count == 1 else { throw c.mismatch("expects the condition as a vector (D), got \(cond)") }
        let (channels, d) = (x[0], cond[0])
        return NodeSignature(shape: x, tensors: [
            ("gain.weight", [channels, d], false), ("gain.bias", [channels], true),
            ("bias.weight", [channels, d], false), ("bias.bias", [channels], true),
        ] + BatchNormStatistics.tensors(count: statsCount, channels: channels), macs: 2 * channels * d)
    }

    func checkValues(_ node: Node, _ tensors: [String: [Float]]) throws(ModelError) {
        try checkVariances(node, tensors, epsilon: epsilon)
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        let channels = node.shape[0], d = planner.graph.nodes[node.inputs[1]].shape[0]
        let stats = BatchNormStatistics(count: statsCount, means: planner.take(node, "running_mean")!,
                                        variances: planner.take(node, "running_var")!, channels: channels)
        let parallelism = planner.parallelism
        let pack = { (w: [Float]) in PackedMatrix(w, rows: channels, columns: d, transpose: true, parallelism: parallelism) }
        let gainWeight = pack(planner.take(node, "gain.weight")!), biasWeight = pack(planner.take(node, "bias.weight")!)
        var gainBias = planner.take(node, "gain.bias") ?? [Float](repeating: 0, count: channels)
        for c in 0..<channels { gainBias[c] += gainOffset }
        let biasBias = planner.take(node, "bias.bias") ?? [Float](repeating: 0, count: channels)
        let (_, _, act) = planner.fuseTail(foldAffine: false)
        return Kernel(gainWeight: gainWeight, biasWeight: biasWeight, gainBias: gainBias, biasBias: biasBias,
                      stats: stats, epsilon: epsilon, shape: node.shape, activation: act)
    }

    struct Kernel: StepKernel {
        /// (C, D) each
        let gainWeight: PackedMatrix, biasWeight: PackedMatrix
        /// (C); gainBias includes gain_offset
        let gainBias: [Float], biasBias: [Float]
        let stats: BatchNormStatistics
        let epsilon: Float
        let shape: [Int]
        let activation: Activation

        func scratchCount(batch: Int) -> Int { 2 * shape[0] * batch }

        func run(_ r: inout StepRun) {
            let (channels, s) = channelsAndSpatial(shape), n = r.n
            let gain = r.scratch, bias = r.scratch + channels * n  // (C, n) each
            let cond = UnsafePointer(r.inputs[1]), parallelism = r.parallelism
            gainBias.withUnsafeBufferPointer { b in
                gemm(gainWeight, n: n, b: cond, ldb: n, c: gain, ldc: n, bias: b.baseAddress!, activation: .identity,
                     parallelism: parallelism)
            }
            biasBias.withUnsafeBufferPointer { b in
                gemm(biasWeight, n: n, b: cond, ldb: n, c: bias, ldc: n, bias: b.baseAddress!, activation: .identity,
                     parallelism: parallelism)
            }
            let (mean, variance) = stats.at(truncation: r.batch.truncation)
            let invStd = variance.map { Float(1 / (Double($0) + Double(epsilon)).squareRoot()) }
            r.output.update(from: r.x, count: channels * n * s)
            for c in 0..<channels {
                for b in 0..<n {
                    // y = x·scale + shift with scale = gain·invstd, shift = bias − mean·scale: one image's channel.
                    let scale = gain[c * n + b] * invStd[c]
                    let shift = bias[c * n + b] - mean[c] * scale
                    applyAffineActivation(r.output + (c * n + b) * s, count: s, scale: scale, shift: shift, activation)
                }
            }
        }
    }
}
