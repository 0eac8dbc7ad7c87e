// batch_norm in eval mode (nn.BatchNorm1d/2d with stored statistics): y = (x − mean)/√(var + eps)·γ + β per channel.
// After a linear or convolution it folds into that layer; on its own it is a per-channel affine step.

import GanKernels

struct BatchNorm: GraphOp {
    static let name = "batch_norm"
    static let inputCount = 1...1
    let epsilon: Float
    /// Rows of statistics, chosen by the truncation when more than 1 (TruncationStatistics.swift).
    let statsCount: Int

    init(_ a: NodeAttributes) throws(ModelError) {
        epsilon = try a.float("eps", default: 1e-5, in: 0...1)
        statsCount = try BatchNormStatistics.count(a)
    }
    var summary: String { "batch_norm eps \(epsilon)" + (statsCount > 1 ? " stats \(statsCount)" : "") }
    var usesTruncation: Bool { statsCount > 1 }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape
        guard x.count == 1 || x.count == 3 else { throw c.mismatch("expects (C) or (C, H, W), got \(x)") }
        return NodeSignature(shape: x, tensors: ["weight", "bias"].map { ($0, [x[0]], false) }
                                 + BatchNormStatistics.tensors(count: statsCount, channels: x[0]))
    }

    func checkValues(_ node: Node, _ tensors: [String: [Float]]) throws(ModelError) {
        try checkVariances(node, tensors, epsilon: epsilon)
    }

    /// Folded into the layer before it only when its statistics do not depend on the truncation.
    var isChannelAffine: Bool { statsCount == 1 }

    /// y = x·scale + shift, computed in double precision.
    func channelAffine(_ node: Node, _ weights: Weights) -> (scale: [Float], shift: [Float]) {
        let t = { (s: String) in weights.tensors[node.tensorName(s)]! }
        let gamma = t("weight"), beta = t("bias"), mean = t("running_mean"), variance = t("running_var")
        var scale = [Float](), shift = [Float]()
        for c in 0..<gamma.count {
            let s = Double(gamma[c]) / (Double(variance[c]) + Double(epsilon)).squareRoot()
            scale.append(Float(s))
            shift.append(Float(Double(beta[c]) - Double(mean[c]) * s))
        }
        return (scale, shift)
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        guard statsCount > 1 else {
            let (scale, shift) = channelAffine(node, planner.weights)
            let (_, _, act) = planner.fuseTail(foldAffine: false)
            return ChannelAffineKernel(scale: scale, shift: shift, shape: node.shape, activation: act)
        }
        let stats = BatchNormStatistics(count: statsCount, means: planner.take(node, "running_mean")!,
                                        variances: planner.take(node, "running_var")!, channels: node.shape[0])
        let gamma = planner.take(node, "weight")!, beta = planner.take(node, "bias")!
        let (_, _, act) = planner.fuseTail(foldAffine: false)
        return TruncatedKernel(stats: stats, gamma: gamma, beta: beta, epsilon: epsilon, shape: node.shape, activation: act)
    }

    /// Statistics picked per pass from the truncation, then the same per-channel affine.
    struct TruncatedKernel: StepKernel {
        let stats: BatchNormStatistics
        let gamma: [Float], beta: [Float]
        let epsilon: Float
        let shape: [Int]
        let activation: Activation

        func run(_ r: inout StepRun) {
            let (mean, variance) = stats.at(truncation: r.batch.truncation)
            var scale = [Float](), shift = [Float]()
            for c in 0..<gamma.count {
                let s = Double(gamma[c]) / (Double(variance[c]) + Double(epsilon)).squareRoot()
                scale.append(Float(s))
                shift.append(Float(Double(beta[c]) - Double(mean[c]) * s))
            }
            ChannelAffineKernel(scale: scale, shift: shift, shape: shape, activation: activation).run(&r)
        }
    }
}

/// y = act(x·scale[c] + shift[c]) per channel.
struct ChannelAffineKernel: StepKernel {
    let scale: [Float], shift: [Float]
    let shape: [Int]
    let activation: Activation

    func run(_ r: inout StepRun) {
        let (c, s) = channelsAndSpatial(shape)
        r.output.update(from: r.x, count: c * s * r.n)
        GanKernels.channelAffine(r.output, channels: c, perChannel: s * r.n, scale: scale, shift: shift, activation: activation)
    }
}

/// A negative variance, or one that eps does not lift above 0, makes every image NaN or Inf.
func checkVariances(_ node: Node, _ tensors: [String: [Float]], epsilon: Float) throws(ModelError) {
    guard let variance = tensors[node.tensorName("running_var")] else { return }
    // Every row, so that any truncation's interpolated variance (a convex mix of rows) is ≥ 0 too.
    for (c, v) in variance.enumerated() where !(v >= 0 && Double(v) + Double(epsilon) > 0) {
        throw .badTensorValue(name: node.tensorName("running_var"), index: c, value: v,
                              reason: "a variance must be ≥ 0 and variance + eps (\(epsilon)) > 0")
    }
}
