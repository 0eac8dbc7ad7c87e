// Model files that are valid GGUF but wrong as generators: each is refused with the ModelError that names
// the key, node or tensor, before any forward pass.

import GGUFFormat
import GanModel
import Synchronization
import Testing

/// A minimal valid generator: z(4) → linear 4→12 (+bias) → reshape (3, 2, 2) → tanh.
struct ModelBuilder {
    var keys: [(String, GGUFValue)] = [
        ("general.architecture", .string("gansynth")),
        ("general.name", .string("tiny")),
        ("gansynth.format_version", .uint32(1)),
        ("gansynth.z.dim", .uint32(4)),
        ("gansynth.z.distribution", .string("normal")),
        ("gansynth.output.channels", .uint32(3)),
        ("gansynth.output.height", .uint32(2)),
        ("gansynth.output.width", .uint32(2)),
        ("gansynth.output.range", .string("tanh")),
        ("gansynth.graph.node_count", .uint32(4)),
        ("gansynth.node.0.op", .string("input_z")),
        ("gansynth.node.1.op", .string("linear")),
        ("gansynth.node.1.in_features", .uint32(4)),
        ("gansynth.node.1.out_features", .uint32(12)),
        ("gansynth.node.2.op", .string("reshape")),
        ("gansynth.node.2.shape", .array(.uint32([3, 2, 2]))),
        ("gansynth.node.3.op", .string("tanh")),
    ]
    var tensors: [(String, [Int], [Float])] = [
        ("node.1.weight", [12, 4], (0..<48).map { Float($0) / 48 - 0.5 }),
        ("node.1.bias", [12], (0..<12).map { Float($0) / 12 }),
    ]

    mutating func set(_ key: String, _ value: GGUFValue?) {
        keys.removeAll { $0.0 == key }
        if let value { keys.append((key, value)) }
    }

    func load() throws(ModelError) -> Generator {
        var w = GGUFWriter()
        for (k, v) in keys { w.set(k, v) }
        for (name, shape, values) in tensors { w.addTensor(name: name, shape: shape, floats: values, as: .f32) }
        let file: GGUFFile
        do { file = try GGUFFile(bytes: w.bytes()) } catch { throw .container(error) }
        return try Generator(file: file)
    }
}

func expectModelError(_ b: ModelBuilder, _ check: (ModelError) -> Bool, mentions: String) {
    do {
        _ = try b.load()
        Issue.record("model was accepted; expected an error mentioning \(mentions)")
    } catch {
        #expect(check(error), "\(error)")
        #expect(error.description.contains(mentions), "\(error.description)")
        #expect(!error.description.contains("\n"))
    }
}

/// A stop asked for during a pass ends it within a layer: a large model's batch once ran to its end first.
@Suite struct StoppableGeneration {
    @Test func stopIsAskedBetweenLayersAndEndsThePass() throws {
        let g = try ModelBuilder().load()
        let inputs = GeneratorInputs(count: 4, z: (0..<16).map { Float($0) / 16 })
        // A whole pass in 4 chunks asks before each chunk and each of its layers.
        let fullAsks = Mutex(0)
        let never: StopCheck = { fullAsks.withLock { $0 += 1 }; return false }
        let kept = try #require(try g.generate(inputs, chunkSize: 1, stop: never))
        #expect(try kept == g.generate(inputs, chunkSize: 1))
        #expect(fullAsks.withLock { $0 } > 8)
        // Stopped at the third ask (inside the first chunk): nil, and only the asks that report the stop follow.
        let asked = Mutex(0)
        let thirdTime: StopCheck = { asked.withLock { $0 += 1; return $0 >= 3 } }
        #expect(try g.generate(inputs, chunkSize: 1, stop: thirdTime) == nil)
        #expect(asked.withLock { $0 } <= 5)
    }
}

/// A library caller's bad inputs are errors naming the image and the numbers; a label past the table once wrote
/// past the one-hot buffer.
@Suite struct GeneratorInputChecks {
    @Test func outOfRangeOrMisSizedInputsAreRefused() throws {
        let plain = try ModelBuilder().load()
        #expect(throws: GeneratorInputError.size(array: "z", expected: 8, found: 7)) {
            try plain.generate(GeneratorInputs(count: 2, z: [Float](repeating: 0, count: 7)))
        }
        #expect(throws: GeneratorInputError.notFinite(array: "z", index: 1)) {
            try plain.generate(GeneratorInputs(count: 1, z: [0, .nan, 0, 0]))
        }
        #expect(throws: GeneratorInputError.size(array: "labels", expected: 0, found: 1)) {
            try plain.generate(GeneratorInputs(count: 1, z: [0, 0, 0, 0], labels: [0]))
        }
        let cgan = try Generator(path: fixtures.appendingPathComponent("tiny-cgan.gguf").path)
        let z = [Float](repeating: 0.1, count: 2 * cgan.inputs.zDimension)
        #expect(throws: GeneratorInputError.label(image: 1, value: 3, labels: 3)) {
            try cgan.generate(GeneratorInputs(count: 2, z: z, labels: [0, 3]))
        }
        #expect(throws: GeneratorInputError.label(image: 0, value: -1, labels: 3)) {
            try cgan.generate(GeneratorInputs(count: 2, z: z, labels: [-1, 0]))
        }
        let info = try Generator(path: fixtures.appendingPathComponent("tiny-infogan.gguf").path)
        let zi = [Float](repeating: 0.1, count: info.inputs.zDimension)
        #expect(throws: GeneratorInputError.categorical(image: 0, code: 1, value: 3, size: 3)) {
            try info.generate(GeneratorInputs(count: 1, z: zi, categorical: [0, 3], continuous: [0, 0]))
        }
        #expect(GeneratorInputError.label(image: 1, value: 3, labels: 3).description
                == "image 1 has label 3; the model's labels are 0 to 2")
    }
}

@Suite struct ModelValidation {
    @Test func baselineLoadsAndRuns() throws {
        let g = try ModelBuilder().load()
        #expect(g.parameterCount == 60 && g.macsPerImage == 48)
        let out = try g.generate(GeneratorInputs(count: 2, z: [1, 0, 0, 0, 0, 1, 0, 0]))
        #expect(out.count == 24 && out.allSatisfy { abs($0) < 1 })
    }

    /// Reshapes and a linear layer reading maps move data for a batch and are views for one image: same bits.
    @Test func reshapeViewsGiveTheBatchesImages() throws {
        var b = ModelBuilder()
        b.set("gansynth.graph.node_count", .uint32(6))
        b.set("gansynth.node.3.op", .string("linear"))
        b.set("gansynth.node.3.in_features", .uint32(12))
        b.set("gansynth.node.3.out_features", .uint32(12))
        b.set("gansynth.node.4.op", .string("reshape"))
        b.set("gansynth.node.4.shape", .array(.uint32([3, 2, 2])))
        b.set("gansynth.node.5.op", .string("tanh"))
        b.tensors += [("node.3.weight", [12, 12], (0..<144).map { Float($0 % 13) / 13 - 0.4 }),
                      ("node.3.bias", [12], (0..<12).map { Float($0) / 24 })]
        let g = try b.load()
        let z: [Float] = [1, 0, -1, 0.5, 0.25, 1, 0, -2, 3, -1, 0.5, 0]
        let batch = try g.generate(GeneratorInputs(count: 3, z: z))
        let single = try (0..<3).flatMap { i in try g.generate(GeneratorInputs(count: 1, z: Array(z[(4 * i)..<(4 * i + 4)]))) }
        #expect(batch == single)
    }

    @Test func wrongArchitecture() {
        var b = ModelBuilder(); b.set("general.architecture", .string("llama"))
        expectModelError(b, { if case .notAGenerator = $0 { true } else { false } }, mentions: "llama")
    }

    @Test func futureFormatVersion() {
        var b = ModelBuilder(); b.set("gansynth.format_version", .uint32(2))
        expectModelError(b, { $0 == .unsupportedFormatVersion(2) }, mentions: "version")
    }

    @Test func missingRequiredKey() {
        var b = ModelBuilder(); b.set("gansynth.z.dim", nil)
        expectModelError(b, { $0 == .missingKey("gansynth.z.dim") }, mentions: "gansynth.z.dim")
    }

    @Test func keyOfTheWrongType() {
        var b = ModelBuilder(); b.set("gansynth.output.height", .string("two"))
        expectModelError(b, { if case .wrongKeyType = $0 { true } else { false } }, mentions: "gansynth.output.height")
    }

    @Test(arguments: [("gansynth.z.dim", GGUFValue.uint32(0)), ("gansynth.output.channels", .uint32(2)),
                      ("gansynth.output.width", .uint64(1 << 40)), ("gansynth.z.distribution", .string("cauchy")),
                      ("gansynth.graph.node_count", .uint32(5000)), ("gansynth.node.2.shape", .array(.uint32([0, 12])))])
    func valueOutOfRange(key: String, value: GGUFValue) {
        var b = ModelBuilder(); b.set(key, value)
        expectModelError(b, { if case .valueOutOfRange = $0 { true } else { false } }, mentions: key)
    }

    @Test func unknownOp() {
        var b = ModelBuilder(); b.set("gansynth.node.3.op", .string("gelu"))
        expectModelError(b, { $0 == .unknownOp(node: 3, op: "gelu") }, mentions: "gelu")
    }

    @Test func inputFromTheFuture() {
        var b = ModelBuilder(); b.set("gansynth.node.1.inputs", .array(.uint32([2])))
        expectModelError(b, { if case .badInputs = $0 { true } else { false } }, mentions: "node 1")
    }

    @Test func graphThatDoesNotTypeCheck() {
        var b = ModelBuilder(); b.set("gansynth.node.1.in_features", .uint32(5))
        expectModelError(b, { if case .shapeMismatch = $0 { true } else { false } }, mentions: "in_features is 5")
        var r = ModelBuilder(); r.set("gansynth.node.2.shape", .array(.uint32([5, 2, 2])))
        expectModelError(r, { if case .shapeMismatch = $0 { true } else { false } }, mentions: "[5, 2, 2]")
    }

    @Test func conditionalOpsNeedDeclaredInputs() {
        var b = ModelBuilder(); b.set("gansynth.node.0.op", .string("input_label"))
        expectModelError(b, { if case .shapeMismatch = $0 { true } else { false } }, mentions: "gansynth.labels")
    }

    @Test func outputShapeMustMatchDeclaration() {
        var b = ModelBuilder(); b.set("gansynth.output.height", .uint32(3))
        expectModelError(b, { if case .outputShape = $0 { true } else { false } }, mentions: "[3, 3, 2]")
    }

    @Test func missingTensor() {
        var b = ModelBuilder(); b.tensors.removeFirst()
        expectModelError(b, { $0 == .missingTensor(name: "node.1.weight", node: 1, op: "linear") }, mentions: "node.1.weight")
    }

    @Test func tensorOfTheWrongShape() {
        var b = ModelBuilder(); b.tensors[0] = ("node.1.weight", [4, 12], b.tensors[0].2)
        expectModelError(b, { $0 == .tensorShape(name: "node.1.weight", expected: [12, 4], found: [4, 12]) },
                         mentions: "[12, 4]")
    }

    @Test func unusedTensor() {
        var b = ModelBuilder(); b.tensors.append(("node.9.weight", [2], [0, 0]))
        expectModelError(b, { $0 == .unusedTensor(name: "node.9.weight") }, mentions: "node.9.weight")
    }

    @Test func nonFiniteWeights() {
        var b = ModelBuilder(); b.tensors[1].2[3] = .infinity
        expectModelError(b, { if case .container = $0 { true } else { false } }, mentions: "node.1.bias")
    }

    @Test func hugeActivationIsRefusedBeforeAllocation() {
        // 2^22 channels of 2x2 upsampled 8x would be 2^30 values per image.
        var b = ModelBuilder()
        b.set("gansynth.node.1.out_features", .uint32(1 << 24))
        b.set("gansynth.node.2.shape", .array(.uint32([1 << 22, 2, 2])))
        b.set("gansynth.node.3.op", .string("upsample_nearest"))
        b.set("gansynth.node.3.scale_factor", .uint32(8))
        expectModelError(b, { $0 == .activationTooLarge(node: 3, elements: 1 << 30, limit: 1 << 26) }, mentions: "node 3")
    }

    @Test func modelNeedingMoreThanTheWorkingMemoryBudgetPerImage() {
        // 3 upsamplings take (3, 2, 2) to (3, 1024, 1024); 90 ReLUs of that, each a 12 MiB output, are all read
        // by the two sums at the end, so all of them are held at once.
        var b = ModelBuilder()
        b.set("gansynth.node.3.op", .string("upsample_nearest"))
        b.set("gansynth.node.3.scale_factor", .uint32(8))
        for i in 4...5 {
            b.set("gansynth.node.\(i).op", .string("upsample_nearest"))
            b.set("gansynth.node.\(i).scale_factor", .uint32(8))
        }
        for i in 6..<96 {
            b.set("gansynth.node.\(i).op", .string("relu"))
            b.set("gansynth.node.\(i).inputs", .array(.uint32([5])))
        }
        b.set("gansynth.node.96.op", .string("add"))
        b.set("gansynth.node.96.inputs", .array(.uint32((6..<70).map(UInt32.init))))
        b.set("gansynth.node.97.op", .string("add"))
        b.set("gansynth.node.97.inputs", .array(.uint32((70..<96).map(UInt32.init) + [96])))
        b.set("gansynth.graph.node_count", .uint32(98))
        b.set("gansynth.output.height", .uint32(1024))
        b.set("gansynth.output.width", .uint32(1024))
        expectModelError(b, { if case .workspaceTooLarge = $0 { true } else { false } }, mentions: "MiB of working memory")
    }
}
