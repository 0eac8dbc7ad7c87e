// input_z: the latent z of each image, (z_dim).
// An input op: it reads the generator's inputs and takes no `inputs` key.

import GanKernels

struct InputZ: GraphOp {
    static let name = "input_z"
    static let inputCount = 0...0
    init(_ a: NodeAttributes) {}
    func signature(_ inputs: [Node], _ c: SignatureContext) -> NodeSignature { NodeSignature(shape: [c.spec.zDimension]) }
    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel { Kernel() }

    struct Kernel: StepKernel {
        func run(_ r: inout StepRun) {
            let d = r.spec.zDimension, first = r.first, n = r.n, y = r.output
            r.batch.z.withUnsafeBufferPointer { z in transpose(z.baseAddress! + first * d, rows: n, columns: d, into: y) }
        }
    }
}
