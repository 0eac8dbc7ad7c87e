// Load-time planning: which nodes fuse into one kernel step, and the weights each step owns.
// A linear/conv2d/conv_transpose2d node absorbs a following batch_norm (folded into its weights and bias; a linear
// layer's scale is applied in its epilogue instead, so its weights stay as the file stores them) and a following
// activation (applied in its epilogue) when each of them is the only reader of the node
// before it. What cannot fuse runs as its own step.

import GanKernels

enum Kernel: Sendable {
    case inputZ, inputLabel, inputCategorical(index: Int), inputContinuous
    /// table (L, D)
    case embedding(table: [Float], dimension: Int)
    case concat
    case reshape(from: [Int], to: [Int])
    /// weight (out, in), bias (out)
    case linear(weight: PackedMatrix, bias: [Float], inShape: [Int], outFeatures: Int, activation: Activation)
    /// weight (out, in·k·k), bias (out)
    case conv2d(ConvParameters, weight: PackedMatrix, bias: [Float], inShape: [Int], activation: Activation)
    /// weights packed for the layer's method, bias (out)
    case convTranspose2d(ConvParameters, weights: TransposedConvolution, bias: [Float], inShape: [Int],
                         activation: Activation)
    /// per channel: y = act(x·scale + shift)
    case affine(scale: [Float], shift: [Float], shape: [Int], activation: Activation)
    case activation(Activation)
    case upsample(factor: Int, inShape: [Int])
}

struct Step: Sendable {
    /// The node whose output this step writes (the last node of a fused chain).
    var target: Int
    var inputs: [Int]
    var kernel: Kernel
}

struct Planner {
    var steps: [Step] = []

    /// Takes the weights over: each tensor is moved out of `weights` when its layer is planned, so folding a batch
    /// norm into it scales it in place instead of copying it (megabytes of fresh pages at every start).
    /// `parallelism`: the threads that pack the large weight matrices.
    init(graph: Graph, weights: consuming Weights, parallelism: Parallelism = .serial) throws(ModelError) {
        let consumers = graph.consumers
        var absorbed = Set<Int>()
        // The node after `i` in a fusable chain: its only reader, if that reader is `want`.
        func soleReader(of i: Int, _ want: (Op) -> Bool) -> Int? {
            guard consumers[i].count == 1, let r = consumers[i].first, want(graph.nodes[r].op) else { return nil }
            return r
        }
        func isBatchNorm(_ op: Op) -> Bool { if case .batchNorm = op { true } else { false } }
        func activation(of op: Op) -> Activation? {
            switch op {
            case .relu: .relu
            case .leakyReLU(let s): .leakyReLU(slope: s)
            case .tanh: .tanh
            case .sigmoid: .sigmoid
            default: nil
            }
        }
        var weights = weights
        func w(_ node: Node, _ suffix: String) -> [Float]? { weights.tensors.removeValue(forKey: node.tensorName(suffix)) }

        for node in graph.nodes where !absorbed.contains(node.index) {
            let inShape = node.inputs.first.map { graph.nodes[$0].shape } ?? []
            var target = node.index
            // Affine layers: fold a following batch norm, fuse a following activation.
            func fuseTail() -> (scale: [Float]?, shift: [Float]?, Activation) {
                var scale: [Float]? = nil, shift: [Float]? = nil
                if let bn = soleReader(of: target, isBatchNorm) {
                    (scale, shift) = Planner.batchNormAffine(graph.nodes[bn], weights)
                    absorbed.insert(bn); target = bn
                }
                var act = Activation.identity
                if let a = soleReader(of: target, { activation(of: $0) != nil }) {
                    act = activation(of: graph.nodes[a].op)!
                    absorbed.insert(a); target = a
                }
                return (scale, shift, act)
            }
            let kernel: Kernel
            switch node.op {
            case .inputZ: kernel = .inputZ
            case .inputLabel: kernel = .inputLabel
            case .inputCategorical(let i): kernel = .inputCategorical(index: i)
            case .inputContinuous: kernel = .inputContinuous
            case .embedding(_, let d): kernel = .embedding(table: w(node, "weight")!, dimension: d)
            case .concat: kernel = .concat
            case .reshape(let shape): kernel = .reshape(from: inShape, to: shape)
            case .linear(let inF, let outF):
                let weight = w(node, "weight")!
                var bias = w(node, "bias") ?? [Float](repeating: 0, count: outF)
                let (scale, shift, act) = fuseTail()
                // A batch norm's scale stays out of the weights, applied in the epilogue: the weights keep their
                // file's values, which batch-1 products read in the file's compact form (PackedMatrix.swift).
                if let scale, let shift { Planner.foldBias(&bias, scale, shift) }
                kernel = .linear(weight: PackedMatrix(weight, rows: outF, columns: inF, transpose: true, rowScale: scale,
                                                      parallelism: parallelism),
                                 bias: bias, inShape: inShape, outFeatures: outF, activation: act)
            case .conv2d(let p):
                var weight = w(node, "weight")!, bias = w(node, "bias") ?? [Float](repeating: 0, count: p.outChannels)
                let (scale, shift, act) = fuseTail()
                if let scale, let shift {
                    Planner.fold(&weight, &bias, scale, shift, blocksOf: p.inChannels * p.kernel * p.kernel)
                }
                kernel = .conv2d(p, weight: PackedMatrix(weight, rows: p.outChannels, columns: p.inChannels * p.kernel * p.kernel,
                                                         parallelism: parallelism),
                                 bias: bias, inShape: inShape, activation: act)
            case .convTranspose2d(let p):
                var weight = w(node, "weight")!, bias = w(node, "bias") ?? [Float](repeating: 0, count: p.outChannels)
                let (scale, shift, act) = fuseTail()
                if let scale, let shift {
                    // PyTorch's layout (Cin, Cout, k, k): output channel co owns block co of every input channel.
                    let block = p.kernel * p.kernel
                    for ci in 0..<p.inChannels {
                        for co in 0..<p.outChannels {
                            let base = (ci * p.outChannels + co) * block
                            for i in base..<(base + block) { weight[i] *= scale[co] }
                        }
                    }
                    Planner.foldBias(&bias, scale, shift)
                }
                kernel = .convTranspose2d(p, weights: TransposedConvolution(
                                              weight: weight, inChannels: p.inChannels, outChannels: p.outChannels,
                                              kernel: p.kernel, stride: p.stride, padding: p.padding,
                                              outputPadding: p.outputPadding),
                                          bias: bias, inShape: inShape, activation: act)
            case .batchNorm:
                let (scale, shift) = Planner.batchNormAffine(node, weights)
                var act = Activation.identity
                if let a = soleReader(of: target, { activation(of: $0) != nil }) {
                    act = activation(of: graph.nodes[a].op)!
                    absorbed.insert(a); target = a
                }
                kernel = .affine(scale: scale, shift: shift, shape: node.shape, activation: act)
            case .relu, .leakyReLU, .tanh, .sigmoid:
                kernel = .activation(activation(of: node.op)!)
            case .upsampleNearest(let f): kernel = .upsample(factor: f, inShape: inShape)
            }
            steps.append(Step(target: target, inputs: node.inputs, kernel: kernel))
        }
    }

    /// Batch norm in eval mode as y = x·scale + shift, computed in double precision.
    static func batchNormAffine(_ node: Node, _ weights: Weights) -> (scale: [Float], shift: [Float]) {
        guard case .batchNorm(let eps) = node.op else { preconditionFailure("not a batch norm node") }
        let t = { (s: String) in weights.tensors[node.tensorName(s)]! }
        let gamma = t("weight"), beta = t("bias"), mean = t("running_mean"), variance = t("running_var")
        var scale = [Float](), shift = [Float]()
        for c in 0..<gamma.count {
            let s = Double(gamma[c]) / (Double(variance[c]) + Double(eps)).squareRoot()
            scale.append(Float(s))
            shift.append(Float(Double(beta[c]) - Double(mean[c]) * s))
        }
        return (scale, shift)
    }

    /// Scales each output channel's block of `blocksOf` consecutive weights and folds the shift into the bias:
    /// W'[c] = W[c]·scale[c],  b'[c] = b[c]·scale[c] + shift[c].
    static func fold(_ weight: inout [Float], _ bias: inout [Float], _ scale: [Float], _ shift: [Float],
                     blocksOf block: Int) {
        for c in 0..<scale.count {
            for i in (c * block)..<((c + 1) * block) { weight[i] *= scale[c] }
        }
        foldBias(&bias, scale, shift)
    }

    /// b'[c] = b[c]·scale[c] + shift[c], in double precision.
    static func foldBias(_ bias: inout [Float], _ scale: [Float], _ shift: [Float]) {
        for c in 0..<scale.count { bias[c] = Float(Double(bias[c]) * Double(scale[c]) + Double(shift[c])) }
    }
}
