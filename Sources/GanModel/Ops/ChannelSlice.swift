// channel_slice: channels start ..< start + channels of the input (or features), x[start : start + k] per image:
// BigGAN-deep's skip keeps the first half of its channels, BigGAN's hierarchical z hands a chunk to each block.
// Activations are channel-major (C, n, S), so the slice is k·n·S consecutive values: the output is a view.

struct ChannelSlice: GraphOp {
    static let name = "channel_slice"
    static let inputCount = 1...1
    let start: Int, channels: Int

    init(_ a: NodeAttributes) throws(ModelError) {
        start = try a.int("start", default: 0, in: 0...65535)
        channels = try a.int("channels", in: 1...65536)
    }
    var summary: String { "channel_slice " + (start > 0 ? "\(start)..<\(start + channels)" : "\(channels)") }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape
        guard x.count == 1 || x.count == 3, start + channels <= x[0] else {
            throw c.mismatch("takes channels \(start)..<\(start + channels) of an input \(x)")
        }
        return NodeSignature(shape: [channels] + x.dropFirst())
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        Kernel(start: start, perImage: node.shape.dropFirst().reduce(1, *))
    }

    struct Kernel: StepKernel {
        let start: Int
        /// Values per channel per image (S).
        let perImage: Int
        func run(_ r: inout StepRun) { r.view = r.x + start * r.n * perImage }
        var mayViewInput: Bool { true }
    }
}
