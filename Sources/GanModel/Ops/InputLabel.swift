// input_label: each image's class as a one-hot vector, or the soft mixture of `labelWeights`, (L).
// An input op: it reads the generator's inputs and takes no `inputs` key.

import GanKernels

struct InputLabel: GraphOp {
    static let name = "input_label"
    static let inputCount = 0...0
    init(_ a: NodeAttributes) {}
    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        guard c.spec.isConditional else { throw c.mismatch("the model declares no gansynth.labels") }
        return NodeSignature(shape: [c.spec.labels.count])
    }
    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel { Kernel() }

    struct Kernel: StepKernel {
        func run(_ r: inout StepRun) {
            let l = r.spec.labels.count, n = r.n, first = r.first, y = r.output
            if r.batch.labelWeights.isEmpty {
                y.update(repeating: 0, count: l * n)
                for b in 0..<n { y[r.batch.labels[first + b] * n + b] = 1 }
            } else {
                r.batch.labelWeights.withUnsafeBufferPointer { w in transpose(w.baseAddress! + first * l, rows: n, columns: l, into: y) }
            }
        }
    }
}
