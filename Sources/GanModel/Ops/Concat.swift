// concat: inputs joined along the first dim (features or channels); the other dims must agree.

struct Concat: GraphOp {
    static let name = "concat"
    static let inputCount = 2...64
    init(_ a: NodeAttributes) {}

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let ins = inputs.map(\.shape), x = ins[0]
        guard ins.allSatisfy({ $0.count == x.count && Array($0.dropFirst()) == Array(x.dropFirst()) }) else {
            throw c.mismatch("inputs \(ins) differ in rank or in dimensions after the first")
        }
        return NodeSignature(shape: [ins.reduce(0) { $0 + $1[0] }] + x.dropFirst())
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        Kernel(counts: node.inputs.map { planner.graph.nodes[$0].elementCount })
    }

    struct Kernel: StepKernel {
        /// Values per image of each input.
        let counts: [Int]
        func run(_ r: inout StepRun) {
            // Channel-major (C, n, S): each input's block is contiguous for the whole chunk.
            var offset = 0
            for (input, count) in zip(r.inputs, counts) {
                (r.output + offset).update(from: input, count: count * r.n)
                offset += count * r.n
            }
        }
    }
}
