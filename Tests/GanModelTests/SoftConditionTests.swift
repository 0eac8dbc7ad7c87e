// Soft labels and soft categorical codes (the mixtures `interpolate` morphs through): a one-hot mixture must give
// the bits of the index it spells, so the PyTorch fixtures of the index inputs cover the soft path too.

import GanModel
import Testing

@Suite struct SoftConditions {
    static func oneHotRows(_ values: [Int], sizes: [Int]) -> [Float] {
        values.enumerated().flatMap { j, v in (0..<sizes[j % sizes.count]).map { $0 == v ? Float(1) : 0 } }
    }

    @Test func oneHotCategoricalWeightsGiveTheIndexInputsBits() throws {
        let f = try Fixture(model: fixtures.appendingPathComponent("tiny-infogan.gguf"),
                            expected: fixtures.appendingPathComponent("tiny-infogan.expected.gguf"))
        let sizes = f.generator.inputs.categoricalSizes
        #expect(sizes.count == 2 && sizes[0] != sizes[1])  // two codes of different sizes: the offsets matter
        var soft = f.inputs
        soft.categoricalWeights = Self.oneHotRows(f.inputs.categorical, sizes: sizes)
        soft.categorical = f.inputs.categorical.map { _ in 0 }  // ignored when weights are given
        let byIndex = try f.generator.generate(f.inputs), byWeights = try f.generator.generate(soft)
        #expect(byIndex == byWeights)
        #expect(maxAbsDifference(byIndex, f.expected) < 1e-4)
    }

    @Test func aMixtureLiesBetweenItsEnds() throws {
        let f = try Fixture(model: fixtures.appendingPathComponent("tiny-infogan.gguf"),
                            expected: fixtures.appendingPathComponent("tiny-infogan.expected.gguf"))
        let sizes = f.generator.inputs.categoricalSizes
        var one = f.inputs, other = f.inputs, half = f.inputs
        other.categorical = f.inputs.categorical.enumerated().map { j, v in (v + 1) % sizes[j % sizes.count] }
        let a = Self.oneHotRows(one.categorical, sizes: sizes), b = Self.oneHotRows(other.categorical, sizes: sizes)
        half.categoricalWeights = zip(a, b).map { 0.5 * $0 + 0.5 * $1 }
        one.categoricalWeights = a
        let ya = try f.generator.generate(one), yb = try f.generator.generate(other), ym = try f.generator.generate(half)
        #expect(ym != ya && ym != yb)
        #expect(maxAbsDifference(ym, ya) < maxAbsDifference(ya, yb))
    }

    @Test func oneHotLabelWeightsGiveTheLabelsBits() throws {
        for name in ["tiny-cgan", "tiny-cgan-onehot"] {  // an embedding and a concatenated one-hot
            let f = try Fixture(model: fixtures.appendingPathComponent("\(name).gguf"),
                                expected: fixtures.appendingPathComponent("\(name).expected.gguf"))
            var soft = f.inputs
            soft.labelWeights = Self.oneHotRows(f.inputs.labels, sizes: [f.generator.inputs.labels.count])
            soft.labels = []
            #expect(try f.generator.generate(f.inputs) == f.generator.generate(soft), "\(name)")
        }
    }

    @Test func weightsOfTheWrongSizeAreRefused() throws {
        let f = try Fixture(model: fixtures.appendingPathComponent("tiny-infogan.gguf"),
                            expected: fixtures.appendingPathComponent("tiny-infogan.expected.gguf"))
        var bad = f.inputs
        bad.categoricalWeights = [Float](repeating: 0.5, count: 5)
        #expect(throws: GeneratorInputError.self) { try f.generator.generate(bad) }
        bad.categoricalWeights = [Float](repeating: .nan, count: f.inputs.count * 7)
        #expect(throws: GeneratorInputError.self) { try f.generator.generate(bad) }
    }
}
