// constant: a learned tensor, the same for every image (StyleGAN's 4×4 input of the synthesis network).
// It reads no input, so it is listed among the input ops.

struct Constant: GraphOp {
    static let name = "constant"
    static let inputCount = 0...0
    let shape: [Int]

    init(_ a: NodeAttributes) throws(ModelError) {
        shape = try a.ints("shape", count: 1...3, each: 1...65536)
        guard shape.reduce(1, *) <= maximumActivationElements else {
            throw .activationTooLarge(node: a.node, elements: shape.reduce(1, *), limit: maximumActivationElements)
        }
    }
    var summary: String { "constant \(shape.map(String.init).joined(separator: "x"))" }

    func signature(_ inputs: [Node], _ c: SignatureContext) -> NodeSignature {
        NodeSignature(shape: shape, tensors: [("value", shape, false)])
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        let (c, s) = channelsAndSpatial(shape)
        return Kernel(value: planner.take(node, "value")!, channels: c, spatial: s)
    }

    struct Kernel: StepKernel {
        /// (C, S)
        let value: [Float]
        let channels: Int, spatial: Int
        func run(_ r: inout StepRun) {
            let n = r.n, y = r.output, s = spatial
            value.withUnsafeBufferPointer { v in
                for c in 0..<channels { for b in 0..<n { (y + (c * n + b) * s).update(from: v.baseAddress! + c * s, count: s) } }
            }
        }
    }
}
