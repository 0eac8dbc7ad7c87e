// input_categorical: InfoGAN categorical code `index` of each image as a one-hot vector, or its soft mixture in
// `categoricalWeights`, (K).
// An input op: it reads the generator's inputs and takes no `inputs` key.

struct InputCategorical: GraphOp {
    static let name = "input_categorical"
    static let inputCount = 0...0
    let index: Int
    init(_ a: NodeAttributes) throws(ModelError) { index = try a.int("index", in: 0...63) }
    var summary: String { "input_categorical \(index)" }
    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        guard index < c.spec.categoricalSizes.count else {
            throw c.mismatch("categorical code \(index) is not declared; gansynth.codes.categorical has \(c.spec.categoricalSizes.count)")
        }
        return NodeSignature(shape: [c.spec.categoricalSizes[index]])
    }
    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel { Kernel(index: index) }

    struct Kernel: StepKernel {
        let index: Int
        func run(_ r: inout StepRun) {
            let sizes = r.spec.categoricalSizes, n = r.n, size = sizes[index]
            if r.batch.categoricalWeights.isEmpty {
                r.output.update(repeating: 0, count: size * n)
                for b in 0..<n { r.output[r.batch.categorical[(r.first + b) * sizes.count + index] * n + b] = 1 }
            } else {
                // Image-major rows of every code's weights; this code's columns start at the sizes before it.
                let row = sizes.reduce(0, +), offset = sizes[..<index].reduce(0, +)
                r.batch.categoricalWeights.withUnsafeBufferPointer { w in
                    for b in 0..<n {
                        for v in 0..<size { r.output[v * n + b] = w[(r.first + b) * row + offset + v] }
                    }
                }
            }
        }
    }
}
