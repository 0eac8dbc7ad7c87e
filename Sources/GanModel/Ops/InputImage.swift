// input_image: the encoder's input, each image (C, H, W) in the generator's output range (FORMAT.md, "The
// encoder"). An input op of the encoder graph only; it takes no `inputs` key.

struct InputImage: GraphOp {
    static let name = "input_image"
    static let inputCount = 0...0
    init(_ a: NodeAttributes) {}
    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        guard let image = c.image else { throw c.mismatch("input_image belongs to the encoder graph") }
        return NodeSignature(shape: image)
    }
    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        Kernel(channels: node.shape[0], spatial: node.shape[1] * node.shape[2])
    }

    struct Kernel: StepKernel {
        let channels: Int, spatial: Int

        func run(_ r: inout StepRun) {
            let n = r.n, first = r.first, s = spatial, c = channels, y = r.output
            // (n, C, S) images → (C, n, S)
            r.batch.images.withUnsafeBufferPointer { x in
                for b in 0..<n {
                    for ch in 0..<c { (y + (ch * n + b) * s).update(from: x.baseAddress! + ((first + b) * c + ch) * s, count: s) }
                }
            }
        }
    }
}
