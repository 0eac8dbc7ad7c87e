// reshape: the same values in a new (C) or (C, H, W) shape, as PyTorch's `view` of one image (row-major).

import GanKernels

struct Reshape: GraphOp {
    static let name = "reshape"
    static let inputCount = 1...1
    let shape: [Int]

    init(_ a: NodeAttributes) throws(ModelError) {
        shape = try a.ints("shape", count: 1...3, each: 1...maximumDimension)
    }

    var summary: String { "reshape \(shape.map(String.init).joined(separator: "x"))" }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape, elements = x.reduce(1, *)
        // Each dim is bounded, but their product can still overflow: multiply with a check.
        var product = 1
        for d in shape {
            let (p, overflow) = product.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maximumActivationElements else {
                throw c.mismatch("shape \(shape) has more than \(maximumActivationElements) values")
            }
            product = p
        }
        guard product == elements else { throw c.mismatch("cannot view \(x) (\(elements) values) as \(shape)") }
        guard shape.count != 2 else { throw c.mismatch("shape \(shape) has 2 dims; use (C) or (C, H, W)") }
        return NodeSignature(shape: shape)
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        Kernel(from: planner.graph.nodes[node.inputs[0]].shape, to: shape)
    }

    struct Kernel: StepKernel {
        let from: [Int], to: [Int]
        var mayViewInput: Bool { true }
        func run(_ r: inout StepRun) {
            let (c1, s1) = channelsAndSpatial(from), (c2, s2) = channelsAndSpatial(to)
            // One image, or the same spatial size: (C, n, S) is already the new layout, so the output is a view of
            // the input (a copy would also pull a buffer written by several threads into one core's cache).
            guard reshapeMovesData(spatial: s1, spatial: s2, batch: r.n) else {
                r.view = r.x
                return
            }
            reshapeChannelMajor(x: r.x, channels: c1, spatial: s1, y: r.output, channels: c2, spatial: s2, batch: r.n,
                                parallelism: r.parallelism)
        }
    }
}
