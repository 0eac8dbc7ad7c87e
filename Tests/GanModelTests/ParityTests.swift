// Whole-model parity: the Swift forward pass against PyTorch's, on fixtures exported by
// Training/make_test_fixtures.py and Training/export_model.py, and against the original projects' own code on
// converted networks (Training/make_converter_fixtures.py) (Tests/Fixtures/*.expected.gguf).

import Foundation
import GGUFFormat
import GanKernels
import GanModel
import Testing

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")
let models = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Models")

struct Fixture {
    let generator: Generator
    var inputs: GeneratorInputs
    let expected: [Float]
    /// A BiGAN fixture's encoder inputs (M, C, H, W) and the z PyTorch made of them; empty otherwise.
    let images: [Float], encoded: [Float]

    init(model: URL, expected url: URL) throws {
        generator = try Generator(path: model.path)
        let file = try GGUFFile(path: url.path)
        func floats(_ name: String) throws -> [Float] {
            guard let t = file.tensor(named: name) else { return [] }
            return try file.floats(of: t)
        }
        let z = try floats("inputs.z")
        let count = z.count / generator.inputs.zDimension
        inputs = GeneratorInputs(count: count, z: z,
                                 labels: try floats("inputs.label").map { Int($0) },
                                 categorical: try floats("inputs.categorical").map { Int($0) },
                                 continuous: try floats("inputs.continuous"))
        if let t = file["inputs.truncation"]?.doubleValue { inputs.truncation = t }
        if let psi = file["inputs.truncation_psi"]?.doubleValue { inputs.truncationPsi = psi }
        inputs.truncationCutoff = file["inputs.truncation_cutoff"]?.intValue
        if let mode = file["inputs.noise_mode"]?.stringValue { inputs.noiseMode = NoiseMode(rawValue: mode)! }
        expected = try floats("output")
        images = try floats("inputs.images")
        encoded = try floats("encoder_output")
    }
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

@Suite struct WholeModelParity {
    static let tinyModels = ["tiny-dcgan", "tiny-dcgan-f16", "tiny-dcgan-q8_0", "tiny-cgan", "tiny-cgan-onehot",
                             "tiny-infogan", "tiny-resnet", "tiny-biggan", "tiny-sagan", "tiny-bigan",
                             "biggan-deep-tiny", "biggan-cifar-tiny", "biggan-hier-tiny"]

    @Test(arguments: tinyModels)
    func matchesPyTorch(name: String) throws {
        let f = try Fixture(model: fixtures.appendingPathComponent("\(name).gguf"),
                            expected: fixtures.appendingPathComponent("\(name).expected.gguf"))
        let out = try f.generator.generate(f.inputs)
        #expect(out.count == f.expected.count)
        #expect(maxAbsDifference(out, f.expected) <= 1e-4)
        // Every register tile this CPU runs gives the same bits.
        for tiles in TileKernel.allCases where tiles.isAvailable {
            #expect(try f.generator.generate(f.inputs, parallelism: Parallelism(threads: 2, tiles: tiles)) == out, "\(tiles) tile")
        }
    }

    @Test func theEncoderMatchesPyTorch() throws {
        let f = try Fixture(model: fixtures.appendingPathComponent("tiny-bigan.gguf"),
                            expected: fixtures.appendingPathComponent("tiny-bigan.expected.gguf"))
        let g = f.generator
        #expect(g.encoderGraph?.nodes.count == 6)
        let count = f.images.count / (g.output.channels * g.output.height * g.output.width)
        #expect(count == 6)
        let z = try g.encode(f.images, count: count)
        #expect(z.count == f.encoded.count)
        #expect(maxAbsDifference(z, f.encoded) <= 1e-5)
        for tiles in TileKernel.allCases where tiles.isAvailable {
            #expect(try g.encode(f.images, count: count, parallelism: Parallelism(threads: 2, tiles: tiles)) == z, "\(tiles) tile")
        }
        // Each image's z alone equals its row of the batch.
        let per = f.images.count / count
        for i in 0..<count {
            let one = try g.encode(Array(f.images[(i * per)..<((i + 1) * per)]), count: 1)
            #expect(one == Array(z[(i * 4)..<((i + 1) * 4)]))
        }
        #expect(throws: GeneratorInputError.size(array: "images", expected: 2 * per, found: per)) {
            try g.encode(Array(f.images[0..<per]), count: 2)
        }
    }

    /// StyleGAN2 networks converted from the official code's pickles, one expected file per truncation and noise
    /// case; their outputs span about ±10, so the bound is relative to that span.
    static let styleCases = [("stylegan2-tiny", "psi1"), ("stylegan2-tiny", "psi0.5"), ("stylegan2-tiny", "psi0.7-cutoff3"),
                             ("stylegan2-tiny", "nonoise"), ("stylegan2-cond-tiny", "psi0.7")]

    @Test(arguments: styleCases)
    func styleGAN2MatchesTheOfficialCode(name: String, testCase: String) throws {
        let f = try Fixture(model: fixtures.appendingPathComponent("\(name).gguf"),
                            expected: fixtures.appendingPathComponent("\(name).\(testCase).expected.gguf"))
        let out = try f.generator.generate(f.inputs)
        #expect(out.count == f.expected.count)
        let span = f.expected.map(abs).max()!
        #expect(maxAbsDifference(out, f.expected) <= 2e-5 * max(span, 1), "span \(span)")
        for tiles in TileKernel.allCases where tiles.isAvailable {
            #expect(try f.generator.generate(f.inputs, parallelism: Parallelism(threads: 2, tiles: tiles)) == out, "\(tiles) tile")
        }
        // Image by image, the same bits as the batch.
        let perImage = out.count / f.inputs.count
        for i in 0..<f.inputs.count {
            var one = f.inputs
            one.count = 1
            one.z = Array(f.inputs.z[(i * f.generator.inputs.zDimension)...].prefix(f.generator.inputs.zDimension))
            one.labels = f.inputs.labels.isEmpty ? [] : [f.inputs.labels[i]]
            #expect(try f.generator.generate(one) == Array(out[(i * perImage)..<((i + 1) * perImage)]), "image \(i)")
        }
    }

    /// Every shipped model; each must come with its PyTorch fixture.
    static let shippedModels = ((try? FileManager.default.contentsOfDirectory(atPath: models.path)) ?? [])
        .filter { $0.hasSuffix(".gguf") }.map { String($0.dropLast(5)) }.sorted()

    @Test func theDefaultModelIsShipped() {
        #expect(WholeModelParity.shippedModels.contains("mnist-infogan"))
    }

    @Test(arguments: shippedModels)
    func shippedModelMatchesPyTorch(name: String) throws {
        let f = try Fixture(model: models.appendingPathComponent("\(name).gguf"),
                            expected: fixtures.appendingPathComponent("\(name).expected.gguf"))
        let out = try f.generator.generate(f.inputs)
        #expect(out.count == f.expected.count)
        #expect(maxAbsDifference(out, f.expected) <= 1e-4)
        // Every register tile this CPU runs gives the same bits.
        for tiles in TileKernel.allCases where tiles.isAvailable {
            #expect(try f.generator.generate(f.inputs, parallelism: Parallelism(threads: 2, tiles: tiles)) == out, "\(tiles) tile")
        }
        // A BiGAN's encoder, on the fixture's images.
        #expect((f.generator.encoderGraph != nil) == !f.images.isEmpty)
        if !f.images.isEmpty {
            let count = f.encoded.count / f.generator.inputs.zDimension
            #expect(maxAbsDifference(try f.generator.encode(f.images, count: count), f.encoded) <= 1e-4)
        }
    }

    /// A model decoded and packed on 2 threads computes the same bits as one loaded on one.
    @Test(arguments: shippedModels)
    func loadingOnThreadsGivesTheSameGenerator(name: String) throws {
        let f = try Fixture(model: models.appendingPathComponent("\(name).gguf"),
                            expected: fixtures.appendingPathComponent("\(name).expected.gguf"))
        let threaded = try Generator(path: models.appendingPathComponent("\(name).gguf").path,
                                     parallelism: Parallelism(threads: 2))
        #expect(try threaded.generate(f.inputs) == f.generator.generate(f.inputs))
        // One image: the batch-1 forms of the weights (the slabs) as well.
        let spec = f.generator.inputs
        let one = GeneratorInputs(count: 1, z: Array(f.inputs.z.prefix(spec.zDimension)),
                                  labels: Array(f.inputs.labels.prefix(1)),
                                  categorical: Array(f.inputs.categorical.prefix(spec.categoricalSizes.count)),
                                  continuous: Array(f.inputs.continuous.prefix(spec.continuousCount)))
        #expect(try threaded.generate(one) == f.generator.generate(one))
    }

    @Test func profileNamesEveryStepAndCountsEveryMultiplyAdd() throws {
        let f = try Fixture(model: fixtures.appendingPathComponent("tiny-dcgan.gguf"),
                            expected: fixtures.appendingPathComponent("tiny-dcgan.expected.gguf"))
        let steps = try f.generator.profile(f.inputs, parallelism: Parallelism(threads: 2), rounds: 3)
        #expect(steps.last?.ops == "output")
        #expect(steps.reduce(0) { $0 + $1.macsPerImage } == f.generator.macsPerImage)
        #expect(steps.allSatisfy { $0.seconds >= 0 })
        #expect(steps.contains { $0.ops.hasPrefix("conv_transpose2d+") }, "fused steps list their ops: \(steps.map(\.ops))")
        #expect(steps.first?.ops == "input_z")
    }

    @Test func repeatedCallsReuseTheWorkspaceSafely() throws {
        let f = try Fixture(model: models.appendingPathComponent("mnist-dcgan.gguf"),
                            expected: fixtures.appendingPathComponent("mnist-dcgan.expected.gguf"))
        let one = GeneratorInputs(count: 1, z: Array(f.inputs.z.prefix(100)))
        let first = try f.generator.generate(one)
        for chunk in [1, 64, 1, 3, 1] {
            #expect(try f.generator.generate(one, chunkSize: chunk) == first)
            #expect(try f.generator.generate(f.inputs, parallelism: Parallelism(threads: 2), chunkSize: chunk).count == f.expected.count)
        }
    }

    @Test(arguments: tinyModels)
    func imagesDoNotDependOnBatchChunkOrThreads(name: String) throws {
        let f = try Fixture(model: fixtures.appendingPathComponent("\(name).gguf"),
                            expected: fixtures.appendingPathComponent("\(name).expected.gguf"))
        let whole = try f.generator.generate(f.inputs, parallelism: .serial, chunkSize: 64)
        let single = try f.generator.generate(f.inputs, parallelism: Parallelism(threads: 3), chunkSize: 1)
        let pairs = try f.generator.generate(f.inputs, parallelism: Parallelism(threads: 2), chunkSize: 2)
        #expect(whole == single)
        #expect(whole == pairs)
        for tiles in TileKernel.allCases where tiles.isAvailable {
            #expect(try f.generator.generate(f.inputs, parallelism: Parallelism(threads: 2, tiles: tiles), chunkSize: 5) == whole,
                    "\(tiles) tile")
        }
    }

    /// The default model's images one at a time (its big layer's last column panel then holds one column of 49,
    /// computed panel by panel of A) and as a batch (in tiles): the same bits.
    @Test func theDefaultModelGivesTheSameImageAloneAndInABatch() throws {
        let f = try Fixture(model: models.appendingPathComponent("mnist-dcgan.gguf"),
                            expected: fixtures.appendingPathComponent("mnist-dcgan.expected.gguf"))
        let batch = try f.generator.generate(f.inputs, parallelism: Parallelism(threads: 2))
        let perImage = batch.count / f.inputs.count, d = f.generator.inputs.zDimension
        for i in 0..<f.inputs.count {
            let one = GeneratorInputs(count: 1, z: Array(f.inputs.z[(i * d)..<((i + 1) * d)]))
            for threads in [1, 2] {
                #expect(try f.generator.generate(one, parallelism: Parallelism(threads: threads))
                        == Array(batch[(i * perImage)..<((i + 1) * perImage)]), "image \(i), \(threads) threads")
            }
        }
    }

    /// Chunks run side by side, one per thread, and the chunks left over, each layer split over the threads, give
    /// the images one thread gives. 11 images: chunks of 4 on 2 threads are 8 images side by side and 3 split;
    /// chunks of 2 on 3 threads, 6 and 5; chunks of 16, all 11 split.
    @Test(arguments: tinyModels)
    func chunksSideBySideGiveTheSameImages(name: String) throws {
        let f = try Fixture(model: fixtures.appendingPathComponent("\(name).gguf"),
                            expected: fixtures.appendingPathComponent("\(name).expected.gguf"))
        let n = f.inputs.count, count = 11
        func cycled<T>(_ values: [T]) -> [T] {
            let width = values.count / n
            return (0..<count).flatMap { values[($0 % n) * width ..< ($0 % n + 1) * width] }
        }
        let inputs = GeneratorInputs(count: count, z: cycled(f.inputs.z).enumerated().map { $1 + Float($0 / 100) * 0.01 },
                                     labels: cycled(f.inputs.labels), categorical: cycled(f.inputs.categorical),
                                     continuous: cycled(f.inputs.continuous))
        let serial = try f.generator.generate(inputs, parallelism: .serial, chunkSize: 1)
        for (threads, chunk) in [(2, 4), (3, 2), (2, 16), (2, 1)] {
            #expect(try f.generator.generate(inputs, parallelism: Parallelism(threads: threads), chunkSize: chunk) == serial,
                    "\(threads) threads, chunks of \(chunk)")
        }
    }
}
