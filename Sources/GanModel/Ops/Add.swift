// add: the elementwise sum of two or more inputs of one shape (a residual connection), summed in input order.

struct Add: GraphOp {
    static let name = "add"
    static let inputCount = 2...64
    init(_ a: NodeAttributes) {}

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape
        guard inputs.allSatisfy({ $0.shape == x }) else { throw c.mismatch("inputs \(inputs.map(\.shape)) differ in shape") }
        return NodeSignature(shape: x)
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel { Kernel(count: node.elementCount) }

    struct Kernel: StepKernel {
        /// Values per image.
        let count: Int
        func run(_ r: inout StepRun) {
            let total = count * r.n, y = r.output
            y.update(from: r.inputs[0], count: total)
            // ((x0 + x1) + x2) + …, as PyTorch's chained `+`.
            for input in r.inputs.dropFirst() { for i in 0..<total { y[i] += input[i] } }
        }
    }
}
