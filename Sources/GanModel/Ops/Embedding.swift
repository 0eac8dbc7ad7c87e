// embedding: a table row per label (nn.Embedding), read from an input_label node; a soft label mixes the rows.

import GanKernels

struct Embedding: GraphOp {
    static let name = "embedding"
    static let inputCount = 1...1
    let count: Int, dimension: Int

    init(_ a: NodeAttributes) throws(ModelError) {
        count = try a.int("num_embeddings", in: 1...100_000)
        dimension = try a.int("embedding_dim", in: 1...65536)
    }

    var summary: String { "embedding \(count)x\(dimension)" }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        guard inputs[0].op is InputLabel else { throw c.mismatch("its input must be an input_label node") }
        guard count == c.spec.labels.count else {
            throw c.mismatch("num_embeddings is \(count) but the model has \(c.spec.labels.count) labels")
        }
        return NodeSignature(shape: [dimension], tensors: [("weight", [count, dimension], false)])
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        Kernel(table: planner.take(node, "weight")!, dimension: dimension)
    }

    struct Kernel: StepKernel {
        /// (L, D)
        let table: [Float]
        let dimension: Int

        func run(_ r: inout StepRun) {
            let d = dimension, l = r.spec.labels.count, n = r.n, y = r.output
            for b in 0..<n {
                if r.batch.labelWeights.isEmpty {
                    let row = r.batch.labels[r.first + b] * d
                    for j in 0..<d { y[j * n + b] = table[row + j] }
                } else {
                    for j in 0..<d {
                        var acc: Float = 0
                        for c in 0..<l { acc = acc.addingProduct(r.batch.labelWeights[(r.first + b) * l + c], table[c * d + j]) }
                        y[j * n + b] = acc
                    }
                }
            }
        }
    }
}
