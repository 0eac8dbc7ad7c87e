// The generator as a graph of nodes, parsed from `gansynth.node.{i}.*` keys and type-checked: every node's
// inputs come before it, every shape is inferred and checked by its op (Ops/), and the tensors each node needs are
// listed with their PyTorch shapes. No weights are read here. A file may hold a second graph, the encoder
// (image → z), under `gansynth.encoder.*` keys and `encoder.node.{i}.*` tensors: the same ops, parsed the same way.

/// Which of a file's graphs: where its keys and tensors live, and what its input ops may read.
public enum GraphRole: Sendable, Equatable {
    /// The generator: inputs → image.
    case generator
    /// A BiGAN's encoder: an image of the generator's output shape → z.
    case encoder

    /// Prefix of the graph's metadata keys.
    var keyPrefix: String { self == .generator ? "gansynth." : "gansynth.encoder." }
    /// Prefix of its tensor names.
    var tensorPrefix: String { self == .generator ? "" : "encoder." }
}

public struct Node: Equatable, Sendable {
    public var index: Int
    public var role: GraphRole = .generator
    /// The op's name in model files, e.g. "conv2d".
    public var opName: String { type(of: op).name }
    /// The op with its attributes, as `gansynth info` prints it, e.g. "conv2d 64 -> 3 k3 s1 p1".
    public var summary: String { op.summary }
    let op: any GraphOp
    public var inputs: [Int]
    /// Output shape per image: (features) or (channels, height, width).
    public var shape: [Int]
    /// Tensors this node reads: suffix after `node.{i}.` and PyTorch shape; `optional` ones may be absent.
    public var tensors: [(suffix: String, shape: [Int], optional: Bool)]
    /// Multiply-adds per image.
    public var macs: Int

    public var elementCount: Int { shape.reduce(1, *) }
    public func tensorName(_ suffix: String) -> String { "\(role.tensorPrefix)node.\(index).\(suffix)" }

    public static func == (a: Node, b: Node) -> Bool {
        a.index == b.index && a.summary == b.summary && a.inputs == b.inputs && a.shape == b.shape && a.macs == b.macs
    }
}

public struct Graph: Sendable {
    public var nodes: [Node]
    public var output: Node { nodes[nodes.count - 1] }
    public var macsPerImage: Int { nodes.reduce(0) { $0 + $1.macs } }
    /// StyleGAN's W space: the rows (num_ws) and width (w_dim) of the `w_truncation` node's output; nil without one.
    public var wSpace: (count: Int, dimension: Int)? {
        guard let node = nodes.first(where: { $0.op is WTruncation }), let t = node.op as? WTruncation else { return nil }
        return (t.count, node.elementCount / t.count)
    }
    /// Nodes reading each node's output.
    public var consumers: [[Int]] {
        var c = [[Int]](repeating: [], count: nodes.count)
        for n in nodes { for i in n.inputs { c[i].append(n.index) } }
        return c
    }
}

/// Per-image limit on one node's values: a 1024×1024 StyleGAN layer holds 32 channels (2^25 values) and its
/// transposed convolution 1025×1025, so 2^26 (256 MiB of f32) leaves room for 64 channels at 1024 px, while a
/// crafted file cannot ask for more than that per node (Models/FORMAT.md, "Limits").
public let maximumActivationElements = 1 << 26

/// Per-attribute limit on a feature count or a reshape dimension.
public let maximumDimension = 1 << 24

extension Graph {
    /// `image`: the shape of the encoder's input (the generator's output shape).
    init(_ m: Metadata, inputs spec: InputSpec, role: GraphRole = .generator, image: [Int]? = nil) throws(ModelError) {
        let count = try m.int(role.keyPrefix + "graph.node_count", in: 1...1024)
        nodes = []
        nodes.reserveCapacity(count)
        for i in 0..<count {
            let node = try Graph.parseNode(i, m, spec, role, image, nodes)
            guard node.elementCount <= maximumActivationElements else {
                throw .activationTooLarge(node: i, elements: node.elementCount, limit: maximumActivationElements)
            }
            nodes.append(node)
        }
    }

    private static func parseNode(_ i: Int, _ m: Metadata, _ spec: InputSpec, _ role: GraphRole, _ image: [Int]?,
                                  _ earlier: [Node]) throws(ModelError) -> Node {
        let key = { (s: String) in "\(role.keyPrefix)node.\(i).\(s)" }
        let opName = try m.string(key("op"))
        guard let type = opRegistry[opName] else { throw .unknownOp(node: i, op: opName) }
        // The encoder sees only its image; the generator's inputs (z, labels, codes) are not its to read.
        if type.isInput && (role == .encoder) != (type == InputImage.self) {
            throw .badInputs(node: i, op: opName, reason: role == .encoder
                ? "the encoder's input op is input_image" : "input_image belongs to the encoder graph (gansynth.encoder.*)")
        }
        let op = try type.init(NodeAttributes(metadata: m, node: i, keyPrefix: role.keyPrefix))

        let inputs: [Int]
        if type.isInput {
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
        let arity = type.inputCount
        guard arity.contains(inputs.count) else {
            let wanted = arity.lowerBound == arity.upperBound ? "\(arity.lowerBound)" : "at least \(arity.lowerBound)"
            throw .badInputs(node: i, op: opName, reason: "takes \(wanted) input\(arity.upperBound == 1 ? "" : "s"), has \(inputs.count)")
        }
        let signature = try op.signature(inputs.map { earlier[$0] },
                                         SignatureContext(node: i, opName: opName, spec: spec, image: image))
        return Node(index: i, role: role, op: op, inputs: inputs, shape: signature.shape, tensors: signature.tensors,
                    macs: signature.macs)
    }
}
