// channel_slice: the first `channels` channels (or features) of the input, x[:k] per image: BigGAN-deep's skip
// connection keeps the first half of its channels. Activations are channel-major (C, n, S), so the first k
// channels are the input's first k·n·S values: the output is a view of the input.

struct ChannelSlice: GraphOp {
    static let name = "channel_slice"
    static let inputCount = 1...1
    let channels: Int

    init(_ a: NodeAttributes) throws(ModelError) { channels = try a.int("channels", in: 1...65536) }
    var summary: String { "channel_slice \(channels)" }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape
        guard x.count == 1 || x.count == 3, channels <= x[0] else {
            throw c.mismatch("keeps \(channels) channels of an input \(x)")
        }
        return NodeSignature(shape: [channels] + x.dropFirst())
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel { Kernel() }

    struct Kernel: StepKernel {
        func run(_ r: inout StepRun) { r.view = r.x }
    }
}
