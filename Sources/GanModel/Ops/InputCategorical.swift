// input_categorical: InfoGAN categorical code `index` of each image as a one-hot vector, (K).
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
            let codes = r.spec.categoricalSizes.count, n = r.n
            r.output.update(repeating: 0, count: r.spec.categoricalSizes[index] * n)
            for b in 0..<n { r.output[r.batch.categorical[(r.first + b) * codes + index] * n + b] = 1 }
        }
    }
}
