// ordo-one/benchmark suite: `Generator.generate` for every model (../Models/*.gguf and the reference graphs in
// Benchmarks/models/, see make_models.py), with 1 and 2 threads and batches of 1, 64 and 256 images.
//   swift package --package-path Benchmarks benchmark                       # all
//   swift package --package-path Benchmarks benchmark --filter 'ref-dcgan64.*'
// One iteration is one `generate` call of `batch` images (chunkSize = batch). Besides wall clock and
// throughput (calls/s) each benchmark reports the custom metrics images/s and MFLOP/s (2 x multiply-adds x images/s).

import Benchmark
import BenchSupport
import GanKernels
import GanModel

let benchmarks: @Sendable () -> Void = {
    let imagesPerSecond = BenchmarkMetric.custom("images/s", polarity: .prefersLarger, useScalingFactor: false)
    let mflops = BenchmarkMetric.custom("MFLOP/s", polarity: .prefersLarger, useScalingFactor: false)
    for path in benchmarkModelPaths() {
        guard let generator = try? Generator(path: path) else {
            print("GeneratorThroughput: cannot load \(path), skipped")
            continue
        }
        let macs = generator.macsPerImage
        for t in defaultThreads {
            for b in defaultBatches {
                let inputs = benchmarkInputs(for: generator, count: b)
                let par = Parallelism(threads: t)
                Benchmark("\(modelName(path)) threads \(t) batch \(b)",
                          configuration: .init(metrics: [.wallClock, .throughput, imagesPerSecond, mflops],
                                               warmupIterations: 3, maxDuration: .seconds(1),
                                               maxIterations: 1000)) { benchmark in
                    for _ in benchmark.scaledIterations {
                        let elapsed = try ContinuousClock().measure {
                            blackHole(try generator.generate(inputs, parallelism: par, chunkSize: b))
                        }
                        let ips = Double(b) / (elapsed / .seconds(1))
                        benchmark.measurement(imagesPerSecond, Int(ips.rounded()))
                        benchmark.measurement(mflops, Int((2 * Double(macs) * ips / 1e6).rounded()))
                    }
                }
            }
        }
    }
}
