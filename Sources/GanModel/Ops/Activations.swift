// The elementwise activations: relu, leaky_relu (negative_slope, default 0.01), tanh, sigmoid. After a layer with
// an epilogue they run inside it; on their own each is one step. One file: they are one op with four functions.

import GanKernels

struct ReLU: ActivationOp {
    static let name = "relu"
    init(_ a: NodeAttributes) {}
    var activation: Activation? { .relu }
}

struct LeakyReLU: ActivationOp {
    static let name = "leaky_relu"
    let slope: Float
    init(_ a: NodeAttributes) throws(ModelError) { slope = try a.float("negative_slope", default: 0.01, in: -1000...1000) }
    var summary: String { "leaky_relu \(slope)" }
    var activation: Activation? { .leakyReLU(slope: slope) }
}

struct Tanh: ActivationOp {
    static let name = "tanh"
    init(_ a: NodeAttributes) {}
    var activation: Activation? { .tanh }
}

struct Sigmoid: ActivationOp {
    static let name = "sigmoid"
    init(_ a: NodeAttributes) {}
    var activation: Activation? { .sigmoid }
}

protocol ActivationOp: GraphOp {}

extension ActivationOp {
    static var inputCount: ClosedRange<Int> { 1...1 }
    func signature(_ inputs: [Node], _ c: SignatureContext) -> NodeSignature { NodeSignature(shape: inputs[0].shape) }
    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        ActivationKernel(activation: activation!, count: node.elementCount)
    }
}

struct ActivationKernel: StepKernel {
    let activation: Activation
    /// Values per image.
    let count: Int
    func run(_ r: inout StepRun) {
        r.output.update(from: r.x, count: count * r.n)
        applyActivation(r.output, count: count * r.n, activation)
    }
}
