// Plain throughput harness for gansynth's inference core (`Generator.generate`), one JSON object per line:
//   gansynth-bench [MODEL.gguf ...] [--threads 1,2] [--batches 1,64,256] [--seconds 1.0] [--chunk N]
//                  [--tiles portable|avx512]
// With no model, every model of benchmarkModelPaths(). Each configuration: 3 warm-up calls, then calls until
// `seconds` have passed (at least 5); images/s = batch / median call time. Rows with engine "gansynth" call
// `generate` with the whole batch as one chunk (chunkSize = batch; --chunk N overrides); for batches above 64,
// rows with engine "gansynth-chunk64" add the library's default chunkSize (64 images at a time). --tiles picks the
// GEMM's register tile (default: the widest this CPU runs), to measure one against the other.
// --profile prints, instead, where each configuration's time goes: every planned step (a layer with its fused
// batch norm and activation) with its ms per batch, share of the pass, GFLOP/s and share of the FMA peak.

import BenchSupport
import Foundation
import GanKernels
import GanModel

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(("gansynth-bench: " + message + "\n").data(using: .utf8)!)
    exit(2)
}

var paths: [String] = []
var threads = defaultThreads, batches = defaultBatches
var seconds = 1.0
var chunkOverride: Int?
var tiles = TileKernel.fastest
var profiling = false
var args = CommandLine.arguments.dropFirst()
func intList(_ s: String?) -> [Int] {
    guard let s, case let v = s.split(separator: ",").compactMap({ Int($0) }), !v.isEmpty, v.allSatisfy({ $0 > 0 })
    else { fail("expected a comma-separated list of positive integers") }
    return v
}
while let a = args.popFirst() {
    switch a {
    case "--threads": threads = intList(args.popFirst())
    case "--batches": batches = intList(args.popFirst())
    case "--seconds":
        guard let v = Double(args.popFirst() ?? ""), v >= 0 else { fail("--seconds needs a number") }
        seconds = v
    case "--chunk": chunkOverride = intList(args.popFirst()).first
    case "--tiles":
        guard let v = args.popFirst().flatMap(TileKernel.init(rawValue:)), v.isAvailable else {
            fail("--tiles needs one of \(TileKernel.allCases.filter(\.isAvailable).map(\.rawValue))")
        }
        tiles = v
    case "--profile": profiling = true
    case "-h", "--help":
        print("usage: gansynth-bench [MODEL.gguf ...] [--threads 1,2] [--batches 1,64,256] [--seconds S] [--chunk N] [--tiles T] [--profile]")
        exit(0)
    default:
        if a.hasPrefix("-") { fail("unknown option \(a)") }
        paths.append(a)
    }
}
if paths.isEmpty { paths = benchmarkModelPaths() }

let peak: [Int: Double] = [1: 116, 2: 229]  // GFLOP/s, the issue's measured FMA peak of this machine
for path in paths {
    let generator: Generator
    do { generator = try Generator(path: path) } catch { fail("\(path): \(error)") }
    let macs = generator.macsPerImage
    for t in threads {
        let par = Parallelism(threads: t, tiles: tiles)
        for b in batches {
            let inputs = benchmarkInputs(for: generator, count: b)
            if profiling {
                try printProfile(modelName(path), generator, inputs, threads: t, parallelism: par, seconds: seconds)
                continue
            }
            var variants = [("gansynth", chunkOverride ?? b)]
            if chunkOverride == nil && b > 64 { variants.append(("gansynth-chunk64", 64)) }
            for (engine, chunk) in variants {
            let timing = try measure(seconds: seconds) {
                consume(try generator.generate(inputs, parallelism: par, chunkSize: chunk))
            }
            let ips = Double(b) / timing.median
            let gflops = 2 * Double(macs) * ips / 1e9
            let share = gflops / (peak[t] ?? 116 * Double(t))
            FileHandle.standardOutput.write(("""
                {"engine": "\(engine)", "model": "\(modelName(path))", "threads": \(t), "batch": \(b), \
                "chunk": \(chunk), "tiles": "\(tiles)", "seconds_per_call": \(timing.median), "best_seconds_per_call": \(timing.minimum), \
                "runs": \(timing.runs), "images_per_s": \(ips), "gflops": \(gflops), "macs_per_image": \(macs), \
                "peak_share": \(share)}

                """).data(using: .utf8)!)
            }
        }
    }
}

@MainActor func printProfile(_ name: String, _ generator: Generator, _ inputs: GeneratorInputs, threads: Int,
                             parallelism: Parallelism, seconds: Double) throws {
    let once = try measure(seconds: 0, warmup: 1, minRuns: 1) { consume(try generator.generate(inputs, parallelism: parallelism, chunkSize: inputs.count)) }
    let rounds = max(5, Int(seconds / once.median))
    let steps = try generator.profile(inputs, parallelism: parallelism, rounds: rounds)
    let total = steps.reduce(0) { $0 + $1.seconds }
    let peakGflops = peak[threads] ?? 116 * Double(threads)
    print("\(name) threads \(threads) batch \(inputs.count): \(String(format: "%.3f", total * 1e3)) ms, \(rounds) rounds")
    for s in steps {
        let gflops = 2 * Double(s.macsPerImage * inputs.count) / s.seconds / 1e9
        let shape = s.shape.map(String.init).joined(separator: "x")
        print(String(format: "  %-42@ %-10@ %8.1f MMAC %8.3f ms %5.1f%%", s.ops as NSString, shape as NSString,
                     Double(s.macsPerImage) / 1e6, s.seconds * 1e3, 100 * s.seconds / total)
              + (s.macsPerImage > 0 ? String(format: " %7.1f GFLOP/s %4.0f%% peak", gflops, 100 * gflops / peakGflops) : ""))
    }
}
