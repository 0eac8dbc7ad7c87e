// upsample_nearest (nn.Upsample(mode="nearest"), integer factor): out[c, y, x] = in[c, y / f, x / f].

import GanKernels

struct UpsampleNearest: GraphOp {
    static let name = "upsample_nearest"
    static let inputCount = 1...1
    let factor: Int

    init(_ a: NodeAttributes) throws(ModelError) { factor = try a.int("scale_factor", in: 1...8) }
    var summary: String { "upsample_nearest x\(factor)" }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape
        guard x.count == 3 else { throw c.mismatch("expects (C, H, W), got \(x)") }
        guard x[1] * factor <= 65536, x[2] * factor <= 65536 else { throw c.mismatch("output too large") }
        return NodeSignature(shape: [x[0], x[1] * factor, x[2] * factor])
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        // A stride-1 conv2d (of more than a few outputs) that alone reads the upsampling reads its input in place:
        // the 4x larger activation is never written.
        if let conv = planner.soleReader(where: { ($0 as? Conv2d).map { $0.p.stride == 1 && $0.p.outChannels > fewOutputChannels } ?? false }) {
            planner.absorb(conv)
            return (conv.op as! Conv2d).plan(conv, &planner, upsample: factor)
        }
        return Kernel(factor: factor, inShape: planner.graph.nodes[node.inputs[0]].shape)
    }

    struct Kernel: StepKernel {
        let factor: Int
        let inShape: [Int]
        func run(_ r: inout StepRun) {
            upsampleNearest(x: r.x, planes: inShape[0] * r.n, height: inShape[1], width: inShape[2], factor: factor, y: r.output)
        }
    }
}
