// The generator as a graph of layers, parsed from `gansynth.node.{i}.*` keys and type-checked: every node's
// inputs come before it, every shape is inferred and checked, and the tensors each node needs are listed
// with their PyTorch shapes. No weights are read here.

public struct ConvParameters: Equatable, Sendable {
    public var inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int
}

public enum Op: Equatable, Sendable {
    case inputZ
    case inputLabel
    case inputCategorical(index: Int)
    case inputContinuous
    case embedding(count: Int, dimension: Int)
    case concat
    case reshape([Int])
    case linear(inFeatures: Int, outFeatures: Int)
    case conv2d(ConvParameters)
    case convTranspose2d(ConvParameters)
    case batchNorm(epsilon: Float)
    case relu
    case leakyReLU(slope: Float)
    case tanh
    case sigmoid
    case upsampleNearest(factor: Int)

    public var name: String {
        switch self {
        case .inputZ: "input_z"
        case .inputLabel: "input_label"
        case .inputCategorical: "input_categorical"
        case .inputContinuous: "input_continuous"
        case .embedding: "embedding"
        case .concat: "concat"
        case .reshape: "reshape"
        case .linear: "linear"
        case .conv2d: "conv2d"
        case .convTranspose2d: "conv_transpose2d"
        case .batchNorm: "batch_norm"
        case .relu: "relu"
        case .leakyReLU: "leaky_relu"
        case .tanh: "tanh"
        case .sigmoid: "sigmoid"
        case .upsampleNearest: "upsample_nearest"
        }
    }

    var isInput: Bool {
        switch self {
        case .inputZ, .inputLabel, .inputCategorical, .inputContinuous: true
        default: false
        }
    }
}

public struct Node: Equatable, Sendable {
    public var index: Int
    public var op: Op
    public var inputs: [Int]
    /// Output shape per image: (features) or (channels, height, width).
    public var shape: [Int]
    /// Tensors this node reads: suffix after `node.{i}.` and PyTorch shape; `optional` ones may be absent.
    public var tensors: [(suffix: String, shape: [Int], optional: Bool)]
    /// Multiply-adds per image.
    public var macs: Int

    public var elementCount: Int { shape.reduce(1, *) }
    public func tensorName(_ suffix: String) -> String { "node.\(index).\(suffix)" }

    public static func == (a: Node, b: Node) -> Bool {
        a.index == b.index && a.op == b.op && a.inputs == b.inputs && a.shape == b.shape && a.macs == b.macs
    }
}

public struct Graph: Sendable {
    public var nodes: [Node]
    public var output: Node { nodes[nodes.count - 1] }
    public var macsPerImage: Int { nodes.reduce(0) { $0 + $1.macs } }
    /// Nodes reading each node's output.
    public var consumers: [[Int]] {
        var c = [[Int]](repeating: [], count: nodes.count)
        for n in nodes { for i in n.inputs { c[i].append(n.index) } }
        return c
    }
}

/// Per-image activation limit: keeps a crafted file from asking for huge buffers.
public let maximumActivationElements = 1 << 24

extension Graph {
    init(_ m: Metadata, inputs spec: InputSpec) throws(ModelError) {
        let count = try m.int("gansynth.graph.node_count", in: 1...1024)
        nodes = []
        nodes.reserveCapacity(count)
        for i in 0..<count {
            let node = try Graph.parseNode(i, m, spec, nodes)
            guard node.elementCount <= maximumActivationElements else {
                throw .activationTooLarge(node: i, elements: node.elementCount, limit: maximumActivationElements)
            }
            nodes.append(node)
        }
    }

    private static func parseNode(_ i: Int, _ m: Metadata, _ spec: InputSpec, _ earlier: [Node]) throws(ModelError) -> Node {
        let key = { (s: String) in "gansynth.node.\(i).\(s)" }
        let opName = try m.string(key("op"))
        let u = { (s: String, r: ClosedRange<Int>) throws(ModelError) -> Int in try m.int(key(s), in: r) }
        let uDefault = { (s: String, d: Int, r: ClosedRange<Int>) throws(ModelError) -> Int in
            try m.int(key(s), default: d, in: r)
        }
        let op: Op
        switch opName {
        case "input_z": op = .inputZ
        case "input_label": op = .inputLabel
        case "input_categorical": op = .inputCategorical(index: try u("index", 0...63))
        case "input_continuous": op = .inputContinuous
        case "embedding": op = .embedding(count: try u("num_embeddings", 1...100_000), dimension: try u("embedding_dim", 1...65536))
        case "concat": op = .concat
        case "reshape":
            guard let shape = try m.intArray(key("shape"), count: 1...3, each: 1...maximumActivationElements) else {
                throw .missingKey(key("shape"))
            }
            op = .reshape(shape)
        case "linear": op = .linear(inFeatures: try u("in_features", 1...maximumActivationElements),
                                    outFeatures: try u("out_features", 1...maximumActivationElements))
        case "conv2d", "conv_transpose2d":
            let kernel = try u("kernel_size", 1...15)
            let stride = try uDefault("stride", 1, 1...8)
            let p = ConvParameters(
                inChannels: try u("in_channels", 1...65536), outChannels: try u("out_channels", 1...65536),
                kernel: kernel, stride: stride, padding: try uDefault("padding", 0, 0...(kernel - 1)),
                outputPadding: opName == "conv2d" ? 0 : try uDefault("output_padding", 0, 0...(stride - 1)))
            op = opName == "conv2d" ? .conv2d(p) : .convTranspose2d(p)
        case "batch_norm": op = .batchNorm(epsilon: try m.float(key("eps"), default: 1e-5, in: 0...1))
        case "relu": op = .relu
        case "leaky_relu": op = .leakyReLU(slope: try m.float(key("negative_slope"), default: 0.01, in: -1000...1000))
        case "tanh": op = .tanh
        case "sigmoid": op = .sigmoid
        case "upsample_nearest": op = .upsampleNearest(factor: try u("scale_factor", 1...8))
        default: throw .unknownOp(node: i, op: opName)
        }

        let inputs: [Int]
        if op.isInput {
            if m.file[key("inputs")] != nil { throw .badInputs(node: i, op: opName, reason: "an input node takes no inputs") }
            inputs = []
        } else if let listed = try m.intArray(key("inputs"), count: 1...64, each: 0...1023) {
            inputs = listed
        } else {
            guard i > 0 else { throw .badInputs(node: i, op: opName, reason: "the first node must be an input node") }
            inputs = [i - 1]
        }
        for j in inputs where j >= i {
            throw .badInputs(node: i, op: opName, reason: "input \(j) does not come before node \(i)")
        }
        let arity = op == .concat ? 2...64 : (op.isInput ? 0...0 : 1...1)
        guard arity.contains(inputs.count) else {
            let wanted = arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "at least \(arity.lowerBound)"
            throw .badInputs(node: i, op: opName, reason: "takes \(wanted) input\(arity.upperBound == 1 ? "" : "s"), has \(inputs.count)")
        }
        let ins = inputs.map { earlier[$0].shape }
        return try inferShape(i, op, opName, inputs, ins, spec, earlier)
    }

    private static func inferShape(_ i: Int, _ op: Op, _ name: String, _ inputs: [Int], _ ins: [[Int]],
                                   _ spec: InputSpec, _ earlier: [Node]) throws(ModelError) -> Node {
        func fail(_ reason: String) -> ModelError { .shapeMismatch(node: i, op: name, reason: reason) }
        var node = Node(index: i, op: op, inputs: inputs, shape: [], tensors: [], macs: 0)
        let x = ins.first ?? []
        let elements = x.reduce(1, *)
        switch op {
        case .inputZ:
            node.shape = [spec.zDimension]
        case .inputLabel:
            guard spec.isConditional else { throw fail("the model declares no gansynth.labels") }
            node.shape = [spec.labels.count]
        case .inputCategorical(let index):
            guard index < spec.categoricalSizes.count else {
                throw fail("categorical code \(index) is not declared; gansynth.codes.categorical has \(spec.categoricalSizes.count)")
            }
            node.shape = [spec.categoricalSizes[index]]
        case .inputContinuous:
            guard spec.continuousCount > 0 else { throw fail("the model declares no gansynth.codes.continuous") }
            node.shape = [spec.continuousCount]
        case .embedding(let count, let dimension):
            guard earlier[inputs[0]].op == .inputLabel else { throw fail("its input must be an input_label node") }
            guard count == spec.labels.count else {
                throw fail("num_embeddings is \(count) but the model has \(spec.labels.count) labels")
            }
            node.shape = [dimension]
            node.tensors = [("weight", [count, dimension], false)]
        case .concat:
            guard ins.allSatisfy({ $0.count == x.count && Array($0.dropFirst()) == Array(x.dropFirst()) }) else {
                throw fail("inputs \(ins) differ in rank or in dimensions after the first")
            }
            node.shape = [ins.reduce(0) { $0 + $1[0] }] + x.dropFirst()
        case .reshape(let shape):
            // Each dim is bounded, but their product can still overflow: multiply with a check.
            var product = 1
            for d in shape {
                let (p, overflow) = product.multipliedReportingOverflow(by: d)
                guard !overflow, p <= maximumActivationElements else {
                    throw fail("shape \(shape) has more than \(maximumActivationElements) values")
                }
                product = p
            }
            guard product == elements else {
                throw fail("cannot view \(x) (\(elements) values) as \(shape)")
            }
            guard shape.count != 2 else { throw fail("shape \(shape) has 2 dims; use (C) or (C, H, W)") }
            node.shape = shape
        case .linear(let inFeatures, let outFeatures):
            guard elements == inFeatures else { throw fail("in_features is \(inFeatures) but its input \(x) has \(elements) values") }
            node.shape = [outFeatures]
            node.tensors = [("weight", [outFeatures, inFeatures], false), ("bias", [outFeatures], true)]
            node.macs = inFeatures * outFeatures
        case .conv2d(let p), .convTranspose2d(let p):
            guard x.count == 3, x[0] == p.inChannels else {
                throw fail("expects (\(p.inChannels), H, W) input, got \(x)")
            }
            let transposed = { if case .convTranspose2d = op { true } else { false } }()
            let (h, w) = transposed
                ? ((x[1] - 1) * p.stride - 2 * p.padding + p.kernel + p.outputPadding,
                   (x[2] - 1) * p.stride - 2 * p.padding + p.kernel + p.outputPadding)
                : (x[1] + 2 * p.padding - p.kernel < 0 ? 0 : (x[1] + 2 * p.padding - p.kernel) / p.stride + 1,
                   x[2] + 2 * p.padding - p.kernel < 0 ? 0 : (x[2] + 2 * p.padding - p.kernel) / p.stride + 1)
            guard h >= 1, w >= 1, h <= 65536, w <= 65536 else {
                throw fail("kernel \(p.kernel), stride \(p.stride), padding \(p.padding) on input \(x) give an output of \(h)x\(w)")
            }
            node.shape = [p.outChannels, h, w]
            let taps = p.kernel * p.kernel
            node.tensors = [("weight", transposed ? [p.inChannels, p.outChannels, p.kernel, p.kernel]
                                                  : [p.outChannels, p.inChannels, p.kernel, p.kernel], false),
                            ("bias", [p.outChannels], true)]
            let (mh, mw) = transposed ? (x[1], x[2]) : (h, w)
            let (macs, overflow) = (p.inChannels * p.outChannels * taps).multipliedReportingOverflow(by: mh * mw)
            guard !overflow else { throw fail("too many multiply-adds") }
            node.macs = macs
        case .batchNorm:
            guard x.count == 1 || x.count == 3 else { throw fail("expects (C) or (C, H, W), got \(x)") }
            node.shape = x
            node.tensors = ["weight", "bias", "running_mean", "running_var"].map { ($0, [x[0]], false) }
        case .relu, .leakyReLU, .tanh, .sigmoid:
            node.shape = x
        case .upsampleNearest(let f):
            guard x.count == 3 else { throw fail("expects (C, H, W), got \(x)") }
            guard x[1] * f <= 65536, x[2] * f <= 65536 else { throw fail("output too large") }
            node.shape = [x[0], x[1] * f, x[2] * f]
        }
        return node
    }
}
