// swift-tools-version:6.1
// gansynth: GAN image synthesis from GGUF generator files.
// Data flows one way: GGUFFormat (bytes) → GanModel (graph) + GanLatent (inputs) → GanKernels (forward)
// → GanImage (pixels, grid, encoders) → gansynth (CLI).
import PackageDescription

// Kernels always use fused multiply-add, so every machine computes bit-identical images. On x86_64 that needs
// FMA in hardware: the baseline is Haswell (AVX2 + FMA, 2013 and later). arm64 always has FMA.
// The numeric modules are optimized in debug builds too: unoptimized SIMD code is ~100x slower, which
// would make the test suite (whole-model runs, CLI end to end) take many minutes.
#if arch(x86_64)
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"]), .unsafeFlags(["-O"], .when(configuration: .debug))]
#else
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
#endif

let package = Package(
    name: "gansynth",
    products: [
        .executable(name: "gansynth", targets: ["gansynth"]),
        .library(name: "GGUFFormat", targets: ["GGUFFormat"]),
        .library(name: "GanKernels", targets: ["GanKernels"]),
        .library(name: "GanModel", targets: ["GanModel"]),
        .library(name: "GanLatent", targets: ["GanLatent"]),
        .library(name: "GanImage", targets: ["GanImage"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
    ],
    targets: [
        // MARK: Public modules
        .target(name: "GGUFFormat", dependencies: ["CLibCrypto"], swiftSettings: cpuFlags),
        .target(name: "GanKernels", dependencies: ["CKernels"], swiftSettings: cpuFlags),
        .target(name: "GanModel", dependencies: ["GGUFFormat", "GanKernels", "GanLatent"], swiftSettings: cpuFlags),
        .target(name: "GanLatent", swiftSettings: cpuFlags),
        .target(name: "GanImage", dependencies: ["CPNGShim", "CJPEGShim", "CAnimShim"], swiftSettings: cpuFlags),

        // MARK: C shims (the only code that calls setjmp/longjmp), libcrypto, and the C kernels (code for one CPU feature at a time)
        // The kernels are optimized in debug builds too, like the Swift numeric modules.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(name: "CPNGShim", linkerSettings: [.linkedLibrary("png")]),
        .target(name: "CJPEGShim", linkerSettings: [.linkedLibrary("jpeg")]),
        .target(name: "CAnimShim", linkerSettings: [.linkedLibrary("gif"), .linkedLibrary("webpmux"),
                                                    .linkedLibrary("webpdemux"), .linkedLibrary("webp")]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // MARK: Executable
        .executableTarget(
            name: "gansynth",
            dependencies: [
                "GGUFFormat", "GanModel", "GanKernels", "GanLatent", "GanImage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),

        // MARK: Fuzzing (Tests/Fuzz: libFuzzer harness for model files; a plain build replays a corpus)
        .executableTarget(name: "gansynth-fuzz", dependencies: ["GGUFFormat", "GanModel", "GanKernels"],
                          path: "Tests/Fuzz", exclude: ["corpus"], swiftSettings: cpuFlags),

        // MARK: Tests
        .testTarget(name: "GGUFFormatTests", dependencies: ["GGUFFormat"]),
        .testTarget(name: "GanKernelsTests", dependencies: ["GanKernels", "GGUFFormat"], swiftSettings: cpuFlags),
        .testTarget(name: "GanModelTests", dependencies: ["GanModel", "GGUFFormat", "GanKernels"]),
        .testTarget(name: "GanLatentTests", dependencies: ["GanLatent"]),
        .testTarget(name: "GanImageTests", dependencies: ["GanImage"]),
        .testTarget(name: "GansynthCLITests", dependencies: ["gansynth", "gansynth-fuzz", "GanImage", "GGUFFormat"]),
    ]
)
