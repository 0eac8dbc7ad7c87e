// GanLatent against NumPy: Tests/Fixtures/rng.txt holds values printed by numpy.random.RandomState
// (made by Training/make_test_fixtures.py); every case there must match to the last bit.

import Foundation
import GanLatent
import Testing

private let rngFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/rng.txt")

private struct Case {
    var method: String
    var fields: [String: String]
    var values: [String] { fields["values"]!.split(separator: ",").map(String.init) }
    func int(_ k: String) -> Int { Int(fields[k]!)! }
}

private func cases(_ method: String) throws -> [Case] {
    let text = try String(contentsOf: rngFile, encoding: .utf8)
    return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line in
        let parts = line.split(separator: " ")
        guard parts.first.map(String.init) == method else { return nil }
        var fields: [String: String] = [:]
        for p in parts.dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1)
            fields[String(kv[0])] = String(kv[1])
        }
        return Case(method: method, fields: fields)
    }
}

@Suite struct NumPyParity {
    @Test func randnMatchesNumPy() throws {
        let all = try cases("randn")
        #expect(all.count >= 5)
        for c in all {
            var rng = LegacyRandomState(seed: UInt32(c.int("seed")))
            let drawn = (0..<c.int("n")).map { _ in rng.nextGaussian() }
            let indices = c.fields["indices"].map { $0.split(separator: ",").map { Int($0)! } } ?? Array(0..<drawn.count)
            for (i, v) in zip(indices, c.values) { #expect(drawn[i] == Double(v)!, "seed \(c.int("seed")) index \(i)") }
        }
    }

    @Test func uniformMatchesNumPy() throws {
        for c in try cases("uniform") {
            var rng = LegacyRandomState(seed: UInt32(c.int("seed")))
            let lo = Double(c.fields["low"]!)!, hi = Double(c.fields["high"]!)!
            for v in c.values { #expect(rng.nextUniform(lo, hi) == Double(v)!) }
        }
    }

    @Test func randintMatchesNumPy() throws {
        for c in try cases("randint") {
            var rng = LegacyRandomState(seed: UInt32(c.int("seed")))
            for v in c.values { #expect(rng.nextInt(below: c.int("high")) == Int(v)!) }
        }
    }

    /// BigGAN-deep's latents: scipy's truncnorm(-2, 2) by inversion of RandomState uniforms, in float32.
    @Test func truncatedNormalMatchesSciPy() throws {
        let all = try cases("truncnorm")
        #expect(all.count == 4)
        var mismatches = 0, total = 0
        for c in all {
            let z = latentVector(seed: UInt32(c.int("seed")), dimension: c.int("n"), distribution: .truncatedNormal)
            for (a, b) in zip(z, c.values.map { Float(Double($0)!) }) {
                total += 1
                if a != b { mismatches += 1; #expect(abs(a - b) <= 2 * b.ulp, "\(a) vs \(b)") }
            }
        }
        // A float32 value can only differ where the double lies within a few ulps of a rounding boundary.
        #expect(total == 512 && mismatches <= 2, "\(mismatches) of \(total) differ in the last bit")
        // The truncation scales the float32 values in float32.
        let scaled = latentVector(seed: 0, dimension: 8, distribution: .truncatedNormal, truncation: 0.4)
        #expect(scaled == latentVector(seed: 0, dimension: 8, distribution: .truncatedNormal).map { $0 * Float(0.4) })
    }

    @Test func latentVectorIsRandnCastToFloat() throws {
        let c = try cases("randn").first { $0.int("seed") == 0 }!
        let z = latentVector(seed: 0, dimension: 8, distribution: .normal)
        #expect(z == c.values.map { Float(Double($0)!) })
    }
}

@Suite struct Truncation {
    @Test func everyValueWithinBoundAndDeterministic() {
        let z = latentVector(seed: 11, dimension: 512, distribution: .normal, truncation: 0.5)
        #expect(z.allSatisfy { abs($0) <= 0.5 })
        #expect(z == latentVector(seed: 11, dimension: 512, distribution: .normal, truncation: 0.5))
    }

    @Test func valuesInsideTheBoundAreKeptInOrder() {
        // With a bound no draw exceeds, truncation changes nothing.
        #expect(latentVector(seed: 3, dimension: 64, distribution: .normal, truncation: 100)
                == latentVector(seed: 3, dimension: 64, distribution: .normal))
    }

    @Test func redrawsComeFromTheSameStream() {
        // Element i is the first draw of the stream, after the ones already used, that lies within the bound.
        var rng = LegacyRandomState(seed: 9)
        var expected: [Float] = []
        while expected.count < 16 {
            let v = rng.nextGaussian()
            if abs(v) <= 1 { expected.append(Float(v)) }
        }
        #expect(latentVector(seed: 9, dimension: 16, distribution: .normal, truncation: 1) == expected)
    }
}

@Suite struct Conditions {
    @Test func labelsAndCodesComeFromASecondStream() {
        let d = drawnConditions(seed: 5, labelCount: 10, categoricalSizes: [10], continuousCount: 2)
        var rng = LegacyRandomState(seed: 5 &+ 0x8000_0000)
        #expect(d.label == rng.nextInt(below: 10))
        #expect(d.categorical == [rng.nextInt(below: 10)])
        #expect(d.continuous == [Float(rng.nextUniform(-1, 1)), Float(rng.nextUniform(-1, 1))])
        #expect(d.continuous.allSatisfy { (-1...1).contains($0) })
    }

    @Test func unconditionalModelsDrawNothing() {
        let d = drawnConditions(seed: 1, labelCount: 0, categoricalSizes: [], continuousCount: 0)
        #expect(d.label == nil && d.categorical.isEmpty && d.continuous.isEmpty)
    }
}

@Suite struct SeedLists {
    @Test func rangesAndSingles() throws {
        #expect(try parseSeedList("0-7,100", limit: 100) == [0, 1, 2, 3, 4, 5, 6, 7, 100])
        #expect(try parseSeedList(" 3 , 1 ", limit: 10) == [3, 1])
        #expect(try parseSeedList("4294967295", limit: 1) == [4_294_967_295])
    }

    @Test(arguments: ["", "1,,2", "a", "5-3", "-1", "4294967296", "1-", "0-99999"])
    func rejected(_ text: String) {
        #expect(throws: SeedListError.self) { try parseSeedList(text, limit: 1000) }
    }

    @Test func errorsNameTheProblem() {
        do {
            _ = try parseSeedList("4294967296", limit: 10)
            Issue.record("accepted an out-of-range seed")
        } catch {
            #expect(error.description.contains("4294967296") && error.description.contains("4294967295"))
        }
    }
}
