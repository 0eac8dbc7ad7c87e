// A loaded generator: the graph turned once, at load, into a list of kernel steps with f32 weights (and, for the
// batch-1 products of linear layers, the file's f16 or int8 form of the same values), batch norm folded into the
// layer before it (a linear layer's as a scale in its epilogue), activations fused into that layer's epilogue and
// conv_transpose2d weights packed for the GEMM. `generate` then only runs kernels.
//
// Activations are kept (C, B, S) — channel-major with the batch inside, S = H·W — so a whole batch is one GEMM.
// Batches are cut into chunks of at most `chunkSize` images; as every kernel computes each image's values by
// the same instruction sequence whatever the batch, the chunk size and thread count never change a bit.

import GGUFFormat
import GanKernels
import Synchronization

/// Inputs for `count` images, image-major.
public struct GeneratorInputs: Sendable {
    public var count: Int
    /// (count, zDimension)
    public var z: [Float]
    /// (count) label indices; empty for unconditional models.
    public var labels: [Int]
    /// (count, number of labels) soft labels, used instead of `labels` when not empty: the one-hot input
    /// becomes this mixture (and an embedding the same mixture of its rows), to morph between classes.
    public var labelWeights: [Float] = []
    /// (count, number of categorical codes) value indices.
    public var categorical: [Int]
    /// (count, sum of the categorical codes' sizes) soft codes, used instead of `categorical` when not empty:
    /// each code's one-hot input becomes this mixture of its values, to morph between them.
    public var categoricalWeights: [Float] = []
    /// (count, number of continuous codes)
    public var continuous: [Float]
    /// The truncation that picks batch-norm statistics in models that store them per truncation (BigGAN-deep's
    /// `stats_count`), 0 < t ≤ 1; other models ignore it.
    public var truncation: Double = 1
    /// StyleGAN's truncation in W (models with a `w_truncation` node): w' = w_avg + psi·(w − w_avg) for the first
    /// `truncationCutoff` of the num_ws rows (all of them when nil); other models ignore it.
    public var truncationPsi: Double = 1
    public var truncationCutoff: Int? = nil
    /// What `noise` nodes add; `noiseSeeds` (count) seeds each image's draws in `.random` mode, image i's index
    /// when empty.
    public var noiseMode: NoiseMode = .const
    public var noiseSeeds: [UInt32] = []
    /// (count, num_ws, w_dim) W latents used as the `w_truncation` node's output instead of mapping z (as
    /// given: no truncation is applied to them); empty to map z.
    public var ws: [Float] = []
    /// (count, C, H, W) images in the output range: the encoder's input (`Generator.encode`); empty otherwise.
    public var images: [Float] = []

    public init(count: Int, z: [Float], labels: [Int] = [], categorical: [Int] = [], continuous: [Float] = []) {
        self.count = count; self.z = z; self.labels = labels; self.categorical = categorical; self.continuous = continuous
    }
}

public enum NoiseMode: String, Sendable, CaseIterable {
    /// The noise buffers stored in the file (NVlabs' `noise_mode='const'`).
    case const
    /// Fresh normal noise per image and layer, from the image's noise seed.
    case random
    /// No noise.
    case none
}

/// Asked between layers of a forward pass: true to end it early.
public typealias StopCheck = @Sendable () -> Bool

public final class Generator: Sendable {
    public let card: ModelCard
    public let inputs: InputSpec
    public let output: OutputSpec
    public let graph: Graph
    /// The encoder (image → z) of a BiGAN file, nil for files without one.
    public let encoderGraph: Graph?
    /// Weights of both graphs.
    public let parameterCount: Int
    /// SHA-256 of the model file (lowercase hex).
    public let fileSHA256: String
    let steps: [Step]
    let encoderSteps: [Step]
    /// Working memory of one image, in floats; `generate` sizes its chunks to stay within `workspaceBudget`.
    let workspaceFloatsPerImage: Int
    /// Workspaces left by an earlier call (one per chunk it ran at once), reused by the next one that fits in them.
    private let spareWorkspaces = Mutex<[Workspace]>([])

    /// `parallelism`: the threads that decode and pack the weights (the same generator whatever their number).
    public convenience init(path: String, parallelism: Parallelism = .serial) throws(ModelError) {
        // The metadata and graph are checked from the header alone, so that another program's GGUF (an LLM's,
        // gigabytes) or a broken graph is refused before any tensor data is read.
        let header: GGUFFile
        do { header = try GGUFFile.header(path: path) } catch { throw .container(error) }
        let d = try Self.describe(header)
        try Weights.checkTensorTable(header, graphs: [d.graph] + (d.encoder.map { [$0] } ?? []))
        let file: GGUFFile
        do { file = try header.withData() } catch { throw .container(error) }
        try self.init(file: file, parallelism: parallelism)
    }

    /// What a model file declares (card, inputs, output), from its header alone: no tensor data is read.
    public static func declaration(path: String) throws(ModelError) -> (card: ModelCard, inputs: InputSpec, output: OutputSpec) {
        let header: GGUFFile
        do { header = try GGUFFile.header(path: path) } catch { throw .container(error) }
        let d = try describe(header)
        return (d.card, d.inputs, d.output)
    }

    /// What a model file declares and the graphs it builds, from its header alone (`gansynth serve`'s model list):
    /// the weights' element count comes from the tensor table, checked against the graphs.
    public static func outline(path: String) throws(ModelError)
        -> (card: ModelCard, inputs: InputSpec, output: OutputSpec, graph: Graph, encoder: Graph?, parameterCount: Int) {
        let header: GGUFFile
        do { header = try GGUFFile.header(path: path) } catch { throw .container(error) }
        let d = try describe(header)
        try Weights.checkTensorTable(header, graphs: [d.graph] + (d.encoder.map { [$0] } ?? []))
        return (d.card, d.inputs, d.output, d.graph, d.encoder, header.tensors.reduce(0) { $0 + $1.elementCount })
    }

    /// The model's card, inputs, output and graphs, from metadata alone.
    private static func describe(_ file: GGUFFile) throws(ModelError)
        -> (card: ModelCard, inputs: InputSpec, output: OutputSpec, graph: Graph, encoder: Graph?) {
        let m = Metadata(file: file)
        let arch = file["general.architecture"]?.stringValue
        guard arch == "gansynth" else { throw .notAGenerator(architecture: arch) }
        let version = try m.int("gansynth.format_version", in: 0...Int(Int32.max))
        guard version == 1 else { throw .unsupportedFormatVersion(version) }
        let card = try ModelCard(m), inputs = try InputSpec(m), output = try OutputSpec(m)
        let graph = try Graph(m, inputs: inputs)
        guard graph.output.shape == output.shape else {
            throw .outputShape(expected: output.shape, found: graph.output.shape)
        }
        var encoder: Graph? = nil
        if file[GraphRole.encoder.keyPrefix + "graph.node_count"] != nil {
            do throws(ModelError) {
                let e = try Graph(m, inputs: inputs, role: .encoder, image: output.shape)
                guard e.output.shape == [inputs.zDimension] else {
                    throw .encoderOutputShape(zDimension: inputs.zDimension, found: e.output.shape)
                }
                encoder = e
            } catch { throw .encoder(error) }
        }
        return (card, inputs, output, graph, encoder)
    }

    public init(file: GGUFFile, parallelism: Parallelism = .serial) throws(ModelError) {
        (card, inputs, output, graph, encoderGraph) = try Self.describe(file)
        usesTruncation = graph.nodes.contains { $0.op.usesTruncation }
        wSpace = graph.wSpace
        hasNoise = graph.nodes.contains { $0.op is Noise }
        fileSHA256 = file.sha256()
        let graphs = [graph] + (encoderGraph.map { [$0] } ?? [])
        try Weights.checkTensorTable(file, graphs: graphs)
        let weights = try Weights(file: file, graph: graph, parallelism: parallelism)
        var count = weights.parameterCount
        steps = try StepPlanner.steps(graph: graph, weights: consume weights, parallelism: parallelism)
        workspaceFloatsPerImage = Workspace.floatCount(graph: graph, steps: steps, batch: 1)
        guard workspaceFloatsPerImage <= Generator.workspaceBudget else {
            throw .workspaceTooLarge(bytesPerImage: workspaceFloatsPerImage * 4, limit: Generator.workspaceBudget * 4)
        }
        if let e = encoderGraph {
            let w = try Weights(file: file, graph: e, parallelism: parallelism)
            count += w.parameterCount
            encoderSteps = try StepPlanner.steps(graph: e, weights: consume w, parallelism: parallelism)
            let floats = Workspace.floatCount(graph: e, steps: encoderSteps, batch: 1)
            guard floats <= Generator.workspaceBudget else {
                throw .encoder(.workspaceTooLarge(bytesPerImage: floats * 4, limit: Generator.workspaceBudget * 4))
            }
        } else {
            encoderSteps = []
        }
        parameterCount = count
    }

    /// At most 1 GiB of activations and scratch at a time, whatever the model and batch.
    public static let workspaceBudget = 1 << 28

    /// Images per chunk: enough that the weights, which every chunk reads once, cost at most 1 MiB of reading per
    /// image, otherwise as many as fit their activations and
    /// scratch in about 2 MiB (a Zen 4 core's L2 is 1 MiB), so that a layer's input is still in cache while the
    /// next layer gathers it; a multiple of 16 (the GEMM panel width) and never below 16: a layer on 1×1 inputs (a
    /// DCGAN's first transposed convolution) has one GEMM column per image. Figures: Benchmarks/README.md.
    var cacheFriendlyChunk: Int {
        let forActivations = (2 << 20) / 4 / workspaceFloatsPerImage / 16 * 16
        let forWeights = (parameterCount * 4 / (1 << 20) + 15) / 16 * 16
        return max(16, forActivations, forWeights)
    }

    public var macsPerImage: Int { graph.macsPerImage }

    /// Whether batch-norm statistics depend on `GeneratorInputs.truncation` (BigGAN-deep's 51 rows per layer).
    public let usesTruncation: Bool

    /// StyleGAN's W space: the rows (num_ws) and width (w_dim) of the `w_truncation` node's output; nil for models
    /// without one.
    public let wSpace: (count: Int, dimension: Int)?

    /// Whether the model has `noise` nodes (GeneratorInputs.noiseMode matters).
    public let hasNoise: Bool

    /// The W latents (count, num_ws, w_dim) the `w_truncation` node makes for `batch` (psi and cutoff applied, or
    /// `batch.ws` as given): only the steps up to it run.
    public func mapping(_ batch: GeneratorInputs, parallelism: Parallelism = .serial) throws(GeneratorInputError) -> [Float] {
        guard let w = wSpace, let node = graph.nodes.firstIndex(where: { $0.op is WTruncation }) else { throw .noWSpace }
        try check(batch)
        let perImage = w.count * w.dimension
        var result = [Float](repeating: 0, count: batch.count * perImage)
        guard batch.count > 0 else { return result }
        let mappingSteps = Array(steps.prefix { $0.target <= node })
        let chunk = 64
        let workspace = Workspace(graph: graph, steps: mappingSteps, batch: min(chunk, batch.count))
        result.withUnsafeMutableBufferPointer { out in
            for start in stride(from: 0, to: batch.count, by: chunk) {
                let n = min(chunk, batch.count - start)
                run(batch, images: start..<(start + n), workspace: workspace, parallelism: parallelism,
                    into: out.baseAddress! + start * perImage, steps: mappingSteps, output: node)
            }
        }
        return result
    }

    /// Images for `batch`, as floats (count, C, H, W) in the model's output range; the inputs are checked first
    /// (`check`).
    public func generate(_ batch: GeneratorInputs, parallelism: Parallelism = .serial,
                         chunkSize: Int = 64) throws(GeneratorInputError) -> [Float] {
        try generate(batch, parallelism: parallelism, chunkSize: chunkSize, stop: nil)!
    }

    /// As `generate`, but `stop` is asked before every layer of every chunk, so that a long pass ends within one
    /// layer of a stop request; nil when it was stopped. `stop` must stay true once it has returned true.
    public func generate(_ batch: GeneratorInputs, parallelism: Parallelism = .serial, chunkSize: Int = 64,
                         stop: StopCheck?) throws(GeneratorInputError) -> [Float]? {
        try check(batch)
        let perImage = output.channels * output.height * output.width
        var result = [Float](repeating: 0, count: batch.count * perImage)
        guard batch.count > 0 else { return result }
        var chunk = max(1, min(chunkSize, batch.count, Generator.workspaceBudget / workspaceFloatsPerImage,
                                cacheFriendlyChunk))
        // Whole chunks side by side, one thread each, in rounds while every thread has one: each thread then reads
        // only what its own core wrote, where a layer split over threads reads the other core's half of its input.
        // What is left,
        // fewer chunks than threads, runs chunk by chunk with each layer split over the threads. Chunks shrink (not
        // below 16 images) until every thread has one: chunks side by side beat one chunk split layer by layer.
        let threads = parallelism.threads
        let share = batch.count / threads / 16 * 16
        if threads > 1 && share >= 16 && chunk > share { chunk = share }
        let rounds = threads > 1 && chunk * threads <= Generator.workspaceBudget / workspaceFloatsPerImage
            ? batch.count / (chunk * threads) : 0
        let sideBySide = rounds * chunk * threads
        var workspaces = spareWorkspaces.withLock { w in
            defer { w = [] }
            return w
        }.filter { $0.batch >= chunk }
        let needed = sideBySide > 0 ? threads : 1
        while workspaces.count < needed { workspaces.append(Workspace(graph: graph, steps: steps, batch: chunk)) }
        defer { spareWorkspaces.withLock { $0 = workspaces } }
        result.withUnsafeMutableBufferPointer { out in
            if sideBySide > 0 {
                let shared = UncheckedSendable((out.baseAddress!, workspaces))
                parallelism.forEachSlice(of: threads) { slice in
                    let (out, workspaces) = shared.value
                    for t in slice {
                        for r in 0..<rounds {
                            let start = (t * rounds + r) * chunk
                            run(batch, images: start..<(start + chunk), workspace: workspaces[t],
                                parallelism: parallelism.singleThread, into: out + start * perImage, stop: stop)
                        }
                    }
                }
            }
            var start = sideBySide
            while start < batch.count {
                let n = min(chunk, batch.count - start)
                if let stop, stop() { return }
                run(batch, images: start..<(start + n), workspace: workspaces[0], parallelism: parallelism,
                    into: out.baseAddress! + start * perImage, stop: stop)
                start += n
            }
        }
        if let stop, stop() { return nil }
        return result
    }
}

/// One planned step's share of a forward pass, from `Generator.profile`.
public struct StepTiming: Sendable {
    /// The ops the step runs, fused ones joined by "+", e.g. "conv_transpose2d+batch_norm+relu"; the last entry of a
    /// profile is "output" (the move into image-major order).
    public var ops: String
    /// The step's output shape per image.
    public var shape: [Int]
    public var macsPerImage: Int
    /// Mean wall time of the step per call of `profile`'s batch.
    public var seconds: Double
}

extension Generator {
    /// Where a forward pass spends its time: `batch` run as one chunk `rounds` times, each step timed. For
    /// benchmarks; the clock reads between steps cost well under a microsecond per step.
    public func profile(_ batch: GeneratorInputs, parallelism: Parallelism = .serial,
                        rounds: Int = 10) throws(GeneratorInputError) -> [StepTiming] {
        precondition(batch.count > 0 && rounds > 0)
        try check(batch)
        let perImage = output.channels * output.height * output.width
        let workspace = Workspace(graph: graph, steps: steps, batch: batch.count)
        var out = [Float](repeating: 0, count: batch.count * perImage)
        var seconds = [Double](repeating: 0, count: steps.count + 1)
        for _ in 0..<rounds {
            out.withUnsafeMutableBufferPointer { out in
                seconds.withUnsafeMutableBufferPointer { seconds in
                    run(batch, images: 0..<batch.count, workspace: workspace, parallelism: parallelism,
                        into: out.baseAddress!, stepSeconds: seconds)
                }
            }
        }
        var timings: [StepTiming] = []
        var firstNode = 0
        for (i, step) in steps.enumerated() {
            // Steps follow the node order; a step covers the nodes since the previous step's target.
            let fused = graph.nodes[min(firstNode, step.target)...step.target]
            timings.append(StepTiming(ops: fused.map(\.opName).joined(separator: "+"), shape: graph.nodes[step.target].shape,
                                      macsPerImage: fused.reduce(0) { $0 + $1.macs }, seconds: seconds[i] / Double(rounds)))
            firstNode = step.target + 1
        }
        timings.append(StepTiming(ops: "output", shape: output.shape, macsPerImage: 0,
                                  seconds: seconds[steps.count] / Double(rounds)))
        return timings
    }
}

/// The dequantized f32 tensors of a file, checked against what the graph asks for.
struct Weights {
    var tensors: [String: [Float]] = [:]
    var parameterCount = 0

    /// Every tensor the graphs need is in the table with its shape, and the table holds no other: checked from
    /// the header, before any data is read.
    static func checkTensorTable(_ file: GGUFFile, graphs: [Graph]) throws(ModelError) {
        var expected = Set<String>()
        for node in graphs.flatMap(\.nodes) {
            for t in node.tensors {
                let name = node.tensorName(t.suffix)
                expected.insert(name)
                guard let info = file.tensor(named: name) else {
                    if t.optional { continue }
                    throw .missingTensor(name: name, node: node.index, op: node.opName)
                }
                guard info.shape == t.shape else { throw .tensorShape(name: name, expected: t.shape, found: info.shape) }
            }
        }
        for t in file.tensors where !expected.contains(t.name) { throw .unusedTensor(name: t.name) }
    }

    /// The tensors of `graph`'s nodes (the table is checked first: `checkTensorTable`).
    init(file: GGUFFile, graph: Graph, parallelism: Parallelism = .serial) throws(ModelError) {
        for node in graph.nodes {
            for t in node.tensors {
                let name = node.tensorName(t.suffix)
                guard let info = file.tensor(named: name) else { continue }
                do {
                    // Large tensors decoded in parts on the threads: decoding is a visible share of a load.
                    tensors[name] = info.elementCount < 1 << 16 || parallelism.threads == 1
                        ? try file.floats(of: info)
                        : try file.floats(of: info) { count, body in parallelism.forEachSlice(of: count, body) }
                } catch { throw .container(error) }
                parameterCount += info.elementCount
            }
            try node.op.checkValues(node, tensors)
        }
    }
}
