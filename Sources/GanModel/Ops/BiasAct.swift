// bias_act: StyleGAN's bias + activation with gain and clamp, per channel c:
//   y = clamp(act(x + b[c]) · gain, −clamp, clamp),  act(v) = v if v ≥ 0 else negative_slope · v,
// in that order and each step rounded to f32 as the reference's bias_act computes it (x + 0 for no bias). `bias` is optional, a
// negative_slope of 1 is the linear activation, and a clamp below 0 (the default, −1) means no clamp.

import GanKernels

struct BiasAct: GraphOp {
    static let name = "bias_act"
    static let inputCount = 1...1
    let slope: Float, gain: Float, clamp: Float

    init(_ a: NodeAttributes) throws(ModelError) {
        slope = try a.float("negative_slope", default: 1, in: -1000...1000)
        gain = try a.float("gain", default: 1, in: -1000...1000)
        clamp = try a.float("clamp", default: -1, in: -1...1e9)
    }

    var summary: String {
        "bias_act" + (slope == 1 ? " linear" : " lrelu \(slope)") + (gain == 1 ? "" : " gain \(gain)")
            + (clamp >= 0 ? " clamp \(clamp)" : "")
    }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape
        return NodeSignature(shape: x, tensors: [("bias", [x[0]], true)])
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        let (c, s) = channelsAndSpatial(node.shape)
        return Kernel(bias: planner.take(node, "bias"), slope: slope, gain: gain, clamp: clamp, channels: c, spatial: s)
    }

    struct Kernel: StepKernel {
        let bias: [Float]?
        let slope: Float, gain: Float, clamp: Float
        let channels: Int, spatial: Int

        func run(_ r: inout StepRun) {
            let run = r.n * spatial, x = r.x, y = r.output
            // x + 0 is x: a missing bias adds 0.
            for c in 0..<channels {
                biasActivate(x + c * run, y + c * run, count: run, bias: bias?[c] ?? 0, slope: slope, gain: gain, clamp: clamp)
            }
        }
    }
}
