// swift-tools-version:6.1
// Benchmarks for gansynth's inference core, a package of its own so that the main package does not depend on
// the benchmark framework. See README.md here; `bash Benchmarks/run.sh` runs everything side by side.
//   swift package --package-path Benchmarks benchmark           # ordo-one/benchmark: GeneratorThroughput
//   swift run -c release --package-path Benchmarks gansynth-bench --help
import PackageDescription

#if arch(x86_64)
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let cpuFlags: [SwiftSetting] = []
#endif

let package = Package(
    name: "gansynth-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        // The root package by path; its identity would be its folder's name, so name it explicitly.
        .package(name: "gansynth", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.0", traits: ["MallocInterposer"]),
    ],
    targets: [
        .target(
            name: "BenchSupport",
            dependencies: [
                .product(name: "GanModel", package: "gansynth"),
                .product(name: "GanKernels", package: "gansynth"),
                .product(name: "GanLatent", package: "gansynth"),
            ],
            swiftSettings: cpuFlags
        ),
        // Plain harness: monotonic clock, warm-up, median of N runs; one JSON object per line (used by run.sh).
        .executableTarget(name: "gansynth-bench", dependencies: ["BenchSupport"], swiftSettings: cpuFlags),
        // ordo-one/benchmark suite: `swift package benchmark`.
        .executableTarget(
            name: "GeneratorThroughput",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/GeneratorThroughput",
            swiftSettings: cpuFlags,
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
