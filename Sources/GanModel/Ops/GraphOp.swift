// The op set's extension point. An op is one type in its own file of Ops/ and one line of `opRegistry`: it reads
// and checks its attributes (`gansynth.node.{i}.*`), infers its output shape and lists the tensors it needs,
// says what `gansynth info` prints for it, and plans the kernel step that computes it at load time. Models/FORMAT.md
// documents each op and Tests/Fixtures holds its PyTorch parity fixture. Kernel types stay internal to GanModel.

import GanKernels

/// Every op a model file may name, by its FORMAT.md name.
let opRegistry: [String: any GraphOp.Type] = Dictionary(uniqueKeysWithValues: [
    InputZ.self, InputLabel.self, InputCategorical.self, InputContinuous.self, InputImage.self,
    Embedding.self, Concat.self, Reshape.self,
    Linear.self, Conv2d.self, ConvTranspose2d.self, BatchNorm.self,
    ReLU.self, LeakyReLU.self, Tanh.self, Sigmoid.self,
    UpsampleNearest.self, Add.self, ConditionalBatchNorm.self, SelfAttention.self, ChannelSlice.self,
    PixelNorm.self, WTruncation.self, Constant.self, ModulatedConv2d.self, FIRFilter.self, Noise.self, BiasAct.self,
].map { ($0.name, $0) })

protocol GraphOp: Sendable {
    /// The name in model files.
    static var name: String { get }
    /// How many inputs a node takes; 0...0 marks an input op (it reads the generator's inputs, never `inputs`).
    static var inputCount: ClosedRange<Int> { get }
    /// Reads and checks the node's attributes.
    init(_ attributes: NodeAttributes) throws(ModelError)
    /// Output shape per image, tensors and multiply-adds, from the input nodes (their shapes are final).
    func signature(_ inputs: [Node], _ context: SignatureContext) throws(ModelError) -> NodeSignature
    /// The op with its attributes, for `gansynth info` (e.g. "conv2d 64 -> 3 k3 s1 p1").
    var summary: String { get }
    /// The kernel step that computes `node`; it may absorb the nodes after it through `planner`.
    func plan(_ node: Node, _ planner: inout StepPlanner) throws(ModelError) -> any StepKernel
    /// Checks values of its tensors that no shape can express (a batch norm's variances), once they are decoded.
    func checkValues(_ node: Node, _ tensors: [String: [Float]]) throws(ModelError)
    /// The elementwise activation this op is, if it is one: a layer before it applies it in its epilogue.
    var activation: Activation? { get }
    /// Whether the op reads `GeneratorInputs.truncation` (statistics stored per truncation).
    var usesTruncation: Bool { get }
    /// Whether this op is y = x·scale + shift per channel (`channelAffine`): a layer before it folds it in.
    var isChannelAffine: Bool { get }
    func channelAffine(_ node: Node, _ weights: Weights) -> (scale: [Float], shift: [Float])
}

extension GraphOp {
    static var isInput: Bool { inputCount == 0...0 }
    var summary: String { Self.name }
    func checkValues(_ node: Node, _ tensors: [String: [Float]]) throws(ModelError) {}
    var activation: Activation? { nil }
    var usesTruncation: Bool { false }
    var isChannelAffine: Bool { false }
    func channelAffine(_ node: Node, _ weights: Weights) -> (scale: [Float], shift: [Float]) {
        preconditionFailure("\(Self.name) is not a per-channel affine op")
    }
}

struct NodeSignature {
    /// Output shape per image: (features) or (channels, height, width).
    var shape: [Int]
    var tensors: [(suffix: String, shape: [Int], optional: Bool)] = []
    var macs = 0
}

/// What shape inference may consult besides the inputs, and the one way it reports a mismatch.
struct SignatureContext {
    let node: Int
    let opName: String
    let spec: InputSpec
    /// The encoder's input shape (C, H, W); nil in the generator graph.
    var image: [Int]? = nil

    func mismatch(_ reason: String) -> ModelError { .shapeMismatch(node: node, op: opName, reason: reason) }
}

/// A node's `gansynth.node.{i}.*` keys, read with their types and ranges checked.
struct NodeAttributes {
    let metadata: Metadata
    let node: Int
    var keyPrefix = "gansynth."

    func key(_ name: String) -> String { "\(keyPrefix)node.\(node).\(name)" }
    func int(_ name: String, in range: ClosedRange<Int>) throws(ModelError) -> Int { try metadata.int(key(name), in: range) }
    func int(_ name: String, default value: Int, in range: ClosedRange<Int>) throws(ModelError) -> Int {
        try metadata.int(key(name), default: value, in: range)
    }
    func float(_ name: String, default value: Float, in range: ClosedRange<Float>) throws(ModelError) -> Float {
        try metadata.float(key(name), default: value, in: range)
    }
    func ints(_ name: String, count: ClosedRange<Int>, each range: ClosedRange<Int>) throws(ModelError) -> [Int] {
        guard let values = try metadata.intArray(key(name), count: count, each: range) else { throw .missingKey(key(name)) }
        return values
    }
}

// MARK: - Planning

/// Turns nodes into steps at load time: owns the decoded weights (each tensor moved out when its layer takes it,
/// so folding scales it in place) and the fusion of a node with the nodes after it.
struct StepPlanner {
    let graph: Graph
    let parallelism: Parallelism
    var weights: Weights
    /// The last node the step being planned covers.
    var target: Int
    private(set) var absorbed = Set<Int>()
    private let consumers: [[Int]]

    init(graph: Graph, weights: consuming Weights, parallelism: Parallelism) {
        self.graph = graph
        self.weights = weights
        self.parallelism = parallelism
        consumers = graph.consumers
        target = 0
    }

    /// The tensor `node.{i}.suffix`, moved out of the weights; nil for an absent optional tensor.
    mutating func take(_ node: Node, _ suffix: String) -> [Float]? {
        weights.tensors.removeValue(forKey: node.tensorName(suffix))
    }

    /// The node after the target when the target is its only input and it is the target's only reader.
    func soleReader(where accept: (any GraphOp) -> Bool) -> Node? {
        guard consumers[target].count == 1, let r = consumers[target].first else { return nil }
        let reader = graph.nodes[r]
        guard reader.inputs == [target], accept(reader.op) else { return nil }
        return reader
    }

    /// Absorbs a following per-channel affine op (a batch norm) if `foldAffine`, then a following activation:
    /// what an affine layer computes in its epilogue.
    mutating func fuseTail(foldAffine: Bool = true) -> (scale: [Float]?, shift: [Float]?, activation: Activation) {
        var scale: [Float]? = nil, shift: [Float]? = nil
        if foldAffine, let bn = soleReader(where: { $0.isChannelAffine }) {
            (scale, shift) = bn.op.channelAffine(bn, weights)
            absorb(bn)
        }
        var act = Activation.identity
        if let a = soleReader(where: { $0.activation != nil }) {
            act = a.op.activation!
            absorb(a)
        }
        return (scale, shift, act)
    }

    mutating func absorb(_ node: Node) {
        absorbed.insert(node.index)
        target = node.index
    }

    /// The steps of `graph`, in node order.
    static func steps(graph: Graph, weights: consuming Weights, parallelism: Parallelism) throws(ModelError) -> [Step] {
        var planner = StepPlanner(graph: graph, weights: weights, parallelism: parallelism)
        var steps: [Step] = []
        for node in graph.nodes where !planner.absorbed.contains(node.index) {
            planner.target = node.index
            let kernel = try node.op.plan(node, &planner)
            steps.append(Step(target: planner.target, inputs: node.inputs, kernel: kernel))
        }
        return steps
    }
}

/// b'[c] = b[c]·scale[c] + shift[c], in double precision.
func foldBias(_ bias: inout [Float], _ scale: [Float], _ shift: [Float]) {
    for c in 0..<scale.count { bias[c] = Float(Double(bias[c]) * Double(scale[c]) + Double(shift[c])) }
}

// MARK: - Execution

struct Step: Sendable {
    /// The node whose output this step writes (the last node of a fused chain).
    var target: Int
    var inputs: [Int]
    var kernel: any StepKernel
}

/// A planned step's computation on one chunk of images, activations (C, n, S).
protocol StepKernel: Sendable {
    /// Scratch floats a chunk of `batch` images needs.
    func scratchCount(batch: Int) -> Int
    func run(_ r: inout StepRun)
    /// Whether `run` may leave its output as a view of its first input (`StepRun.view`): that input's buffer then
    /// lives as long as this step's output.
    var mayViewInput: Bool { get }
}

extension StepKernel {
    func scratchCount(batch: Int) -> Int { 1 }
    var mayViewInput: Bool { false }
}

/// One step's view of a chunk: its input and output buffers, the generator's inputs for the chunk, scratch and
/// threads.
struct StepRun {
    /// Input buffers, in the node's input order, each (C, n, S) of its input node.
    let inputs: [UnsafeMutablePointer<Float>]
    let output: UnsafeMutablePointer<Float>
    /// Images in the chunk, and the first one's index in `batch`.
    let n: Int, first: Int
    let batch: GeneratorInputs
    let spec: InputSpec
    let scratch: UnsafeMutablePointer<Float>
    let parallelism: Parallelism
    /// Set by a step whose output is its input unchanged (a reshape that moves nothing): later steps read this.
    var view: UnsafeMutablePointer<Float>? = nil

    var x: UnsafeMutablePointer<Float> { inputs[0] }
}

/// (C, S) split of a per-image shape.
func channelsAndSpatial(_ shape: [Int]) -> (Int, Int) { (shape[0], shape.dropFirst().reduce(1, *)) }
