// input_continuous: the InfoGAN continuous codes of each image, (C).
// An input op: it reads the generator's inputs and takes no `inputs` key.

import GanKernels

struct InputContinuous: GraphOp {
    static let name = "input_continuous"
    static let inputCount = 0...0
    init(_ a: NodeAttributes) {}
    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        guard c.spec.continuousCount > 0 else { throw c.mismatch("the model declares no gansynth.codes.continuous") }
        return NodeSignature(shape: [c.spec.continuousCount])
    }
    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel { Kernel() }

    struct Kernel: StepKernel {
        func run(_ r: inout StepRun) {
            let c = r.spec.continuousCount, first = r.first, n = r.n, y = r.output
            r.batch.continuous.withUnsafeBufferPointer { v in transpose(v.baseAddress! + first * c, rows: n, columns: c, into: y) }
        }
    }
}
