// What a model file says about itself: descriptive card, inputs, output. Read from `general.*` and
// `gansynth.*` keys (Models/FORMAT.md) with every type and range checked.

import GGUFFormat
import GanLatent

public struct ModelCard: Equatable, Sendable {
    public var name: String
    public var description: String?
    public var license: String?
    public var dataset: String?
    public var paper: String?
    public var trainingCommand: String?
    public var epochs: Int?
}

/// The output layer the file declares; `bounds` is the interval its values fill.
public enum OutputRange: String, Equatable, Sendable {
    case tanh, sigmoid
    public var bounds: (low: Float, high: Float) { self == .tanh ? (-1, 1) : (0, 1) }
}

public struct InputSpec: Equatable, Sendable {
    public var zDimension: Int
    public var zDistribution: LatentDistribution
    /// Class names; empty for an unconditional model.
    public var labels: [String]
    /// Number of values of each InfoGAN categorical code.
    public var categoricalSizes: [Int]
    public var continuousCount: Int

    public var isConditional: Bool { !labels.isEmpty }
}

public struct OutputSpec: Equatable, Sendable {
    public var channels: Int, height: Int, width: Int
    public var range: OutputRange
    public var shape: [Int] { [channels, height, width] }
}

/// Typed access to metadata, producing ModelError's one-line messages.
struct Metadata {
    let file: GGUFFile

    func string(_ key: String) throws(ModelError) -> String {
        guard let v = file[key] else { throw .missingKey(key) }
        guard let s = v.stringValue else { throw .wrongKeyType(key: key, expected: "a string", found: v.typeDescription) }
        if let nul = s.utf8.firstIndex(of: 0) {
            throw .nulInString(key: key, element: nil, byteOffset: s.utf8.distance(from: s.utf8.startIndex, to: nul))
        }
        return s
    }

    func optionalString(_ key: String) throws(ModelError) -> String? {
        file[key] == nil ? nil : try string(key)
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(ModelError) -> Int {
        guard let v = file[key] else { throw .missingKey(key) }
        return try int(key, v, in: range)
    }

    func int(_ key: String, default value: Int, in range: ClosedRange<Int>) throws(ModelError) -> Int {
        guard let v = file[key] else { return value }
        return try int(key, v, in: range)
    }

    private func int(_ key: String, _ v: GGUFValue, in range: ClosedRange<Int>) throws(ModelError) -> Int {
        if case .uint64(let big) = v, big > UInt64(Int.max) {
            throw .valueOutOfRange(key: key, value: String(big), allowed: "\(range.lowerBound) to \(range.upperBound)")
        }
        guard let i = v.intValue else { throw .wrongKeyType(key: key, expected: "an integer", found: v.typeDescription) }
        guard range.contains(i) else {
            throw .valueOutOfRange(key: key, value: String(i), allowed: "\(range.lowerBound) to \(range.upperBound)")
        }
        return i
    }

    func float(_ key: String, default value: Float, in range: ClosedRange<Float>) throws(ModelError) -> Float {
        guard let v = file[key] else { return value }
        guard let d = v.doubleValue else { throw .wrongKeyType(key: key, expected: "a float", found: v.typeDescription) }
        let f = Float(d)
        guard f.isFinite, range.contains(f) else {
            throw .valueOutOfRange(key: key, value: String(d), allowed: "\(range.lowerBound) to \(range.upperBound)")
        }
        return f
    }

    func intArray(_ key: String, count: ClosedRange<Int>, each range: ClosedRange<Int>) throws(ModelError) -> [Int]? {
        guard let v = file[key] else { return nil }
        // A u64 element past Int.max is an integer out of range, not the wrong type (as for scalars above).
        if case .array(.uint64(let values)) = v, let big = values.first(where: { $0 > UInt64(Int.max) }) {
            throw .valueOutOfRange(key: key, value: String(big), allowed: "\(range.lowerBound) to \(range.upperBound)")
        }
        guard let a = v.intArray else {
            throw .wrongKeyType(key: key, expected: "an array of integers", found: v.typeDescription)
        }
        guard count.contains(a.count) else {
            throw .valueOutOfRange(key: key, value: "\(a.count) elements",
                                   allowed: "\(count.lowerBound) to \(count.upperBound) elements")
        }
        for x in a where !range.contains(x) {
            throw .valueOutOfRange(key: key, value: String(x), allowed: "\(range.lowerBound) to \(range.upperBound)")
        }
        return a
    }

    func stringArray(_ key: String) throws(ModelError) -> [String]? {
        guard let v = file[key] else { return nil }
        guard let a = v.stringArray else {
            throw .wrongKeyType(key: key, expected: "an array of strings", found: v.typeDescription)
        }
        for (i, s) in a.enumerated() {
            if let nul = s.utf8.firstIndex(of: 0) {
                throw .nulInString(key: key, element: i, byteOffset: s.utf8.distance(from: s.utf8.startIndex, to: nul))
            }
        }
        return a
    }

    func choice<T: RawRepresentable>(_ key: String, _: T.Type, allowed: [T]) throws(ModelError) -> T
    where T.RawValue == String {
        let s = try string(key)
        guard let value = T(rawValue: s) else {
            throw .valueOutOfRange(key: key, value: "'\(s)'", allowed: allowed.map { $0.rawValue }.joined(separator: ", "))
        }
        return value
    }
}

extension ModelCard {
    init(_ m: Metadata) throws(ModelError) {
        name = try m.string("general.name")
        description = try m.optionalString("general.description")
        license = try m.optionalString("general.license")
        dataset = try m.optionalString("gansynth.dataset")
        paper = try m.optionalString("gansynth.paper")
        trainingCommand = try m.optionalString("gansynth.training.command")
        epochs = m.file["gansynth.training.epochs"] == nil ? nil
            : try m.int("gansynth.training.epochs", in: 0...1_000_000)
    }
}

extension InputSpec {
    init(_ m: Metadata) throws(ModelError) {
        zDimension = try m.int("gansynth.z.dim", in: 1...65536)
        zDistribution = try m.choice("gansynth.z.distribution", LatentDistribution.self, allowed: [.normal, .uniform, .truncatedNormal])
        labels = try m.stringArray("gansynth.labels") ?? []
        if m.file["gansynth.labels"] != nil, labels.count < 2 || labels.count > 100_000 {
            throw .valueOutOfRange(key: "gansynth.labels", value: "\(labels.count) name\(labels.count == 1 ? "" : "s")",
                                   allowed: "2 to 100000 names")
        }
        var seen: [String: Int] = [:]
        for (i, name) in labels.enumerated() {
            guard !name.isEmpty else {
                throw .valueOutOfRange(key: "gansynth.labels", value: "an empty name at index \(i)", allowed: "non-empty names")
            }
            if let first = seen[name.lowercased()] {
                throw .valueOutOfRange(key: "gansynth.labels", value: "'\(name)' at index \(i), the same as '\(labels[first])' at index \(first)",
                                       allowed: "names unique ignoring case")
            }
            seen[name.lowercased()] = i
        }
        categoricalSizes = try m.intArray("gansynth.codes.categorical", count: 1...64, each: 2...100_000) ?? []
        continuousCount = try m.int("gansynth.codes.continuous", default: 0, in: 0...1024)
    }
}

extension OutputSpec {
    init(_ m: Metadata) throws(ModelError) {
        channels = try m.int("gansynth.output.channels", in: 1...3)
        if channels == 2 {
            throw .valueOutOfRange(key: "gansynth.output.channels", value: "2", allowed: "1 (gray) or 3 (RGB)")
        }
        height = try m.int("gansynth.output.height", in: 1...4096)
        width = try m.int("gansynth.output.width", in: 1...4096)
        range = try m.choice("gansynth.output.range", OutputRange.self, allowed: [.tanh, .sigmoid])
    }
}
