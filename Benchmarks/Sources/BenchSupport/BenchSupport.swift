// What the benchmark executables share: which models, which configurations, the inputs, and the clock.

import Foundation
import GanKernels
import GanLatent
import GanModel

/// The Benchmarks folder (this package's root), found from this source file's path.
public let benchmarksDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }  // Sources/BenchSupport/BenchSupport.swift
    return url.path
}()

/// Every shipped model (../Models/*.gguf) and every reference graph built by make_models.py (models/*.gguf),
/// sorted by name within each folder. `GANSYNTH_BENCH_MODELS` (colon-separated paths) overrides the list.
public func benchmarkModelPaths() -> [String] {
    if let list = ProcessInfo.processInfo.environment["GANSYNTH_BENCH_MODELS"], !list.isEmpty {
        return list.split(separator: ":").map(String.init)
    }
    let fm = FileManager.default
    var paths: [String] = []
    for dir in [benchmarksDirectory + "/../Models", benchmarksDirectory + "/models"] {
        let names = (try? fm.contentsOfDirectory(atPath: dir)) ?? []
        paths += names.filter { $0.hasSuffix(".gguf") }.sorted().map { dir + "/" + $0 }
    }
    return paths
}

public let defaultThreads = [1, 2]
public let defaultBatches = [1, 64, 256]

public func modelName(_ path: String) -> String {
    let base = (path as NSString).lastPathComponent
    return base.hasSuffix(".gguf") ? String(base.dropLast(5)) : base
}

/// Inputs for `count` images: seeds 0..<count as the CLI draws them (z, and labels/codes for conditional models).
public func benchmarkInputs(for generator: Generator, count: Int) -> GeneratorInputs {
    let spec = generator.inputs
    let dist: LatentDistribution = spec.zDistribution == .uniform ? .uniform : .normal
    var z: [Float] = []
    z.reserveCapacity(count * spec.zDimension)
    var labels: [Int] = [], categorical: [Int] = [], continuous: [Float] = []
    for i in 0..<count {
        let seed = UInt32(i)
        z += latentVector(seed: seed, dimension: spec.zDimension, distribution: dist)
        let c = drawnConditions(seed: seed, labelCount: spec.labels.count, categoricalSizes: spec.categoricalSizes,
                                continuousCount: spec.continuousCount)
        if spec.isConditional { labels.append(c.label ?? 0) }
        categorical += c.categorical
        continuous += c.continuous
    }
    return GeneratorInputs(count: count, z: z, labels: labels, categorical: categorical, continuous: continuous)
}

public struct Timing: Sendable {
    public var median: Double
    public var minimum: Double
    public var runs: Int
}

/// Runs `body` `warmup` times, then at least `minRuns` times and for at least `seconds` in all (at most
/// `maxRuns`); returns the median and the minimum of the timed runs.
public func measure(seconds: Double, warmup: Int = 3, minRuns: Int = 5, maxRuns: Int = 2000,
                    _ body: () throws -> Void) rethrows -> Timing {
    for _ in 0..<warmup { try body() }
    var times: [Double] = []
    let clock = ContinuousClock(), start = clock.now
    while times.count < minRuns || ((clock.now - start) / .seconds(1) < seconds && times.count < maxRuns) {
        times.append(try clock.measure(body) / .seconds(1))
    }
    times.sort()
    let n = times.count
    let median = n % 2 == 1 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2
    return Timing(median: median, minimum: times[0], runs: n)
}

/// Keeps a value alive so the optimizer cannot drop the work that made it.
@inline(never) public func consume<T>(_ value: T) { withExtendedLifetime(value) {} }
