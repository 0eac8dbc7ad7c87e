// libFuzzer harness for everything that reads an untrusted model file: the GGUF container reader, the
// metadata and graph checks, weight decoding, and — for files that pass — one forward pass of one image.
//
// Fuzz (README "Robustness"):
//   swift build -c release --product gansynth-fuzz --scratch-path .build-fuzz \
//       -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
//   .build-fuzz/release/gansynth-fuzz -max_total_time=1800 -rss_limit_mb=2048 -timeout=10 fuzz-corpus Tests/Fuzz/corpus
// Replay (a normal build; the test suite does the same for every file in Tests/Fuzz/corpus):
//   swift run gansynth-fuzz Tests/Fuzz/corpus/*

import GGUFFormat
import GanKernels
import GanModel

/// Anything a crafted file can make the loader do must end in a value or a thrown error, within bounded
/// memory and time. A file that loads is also run, because a graph that type-checks must also execute.
func exercise(_ bytes: [UInt8]) {
    guard let file = try? GGUFFile(bytes: bytes), let generator = try? Generator(file: file) else { return }
    // Keep fuzzing fast: a valid but huge graph is legitimate input, just not worth running here.
    guard generator.macsPerImage <= 50_000_000 else { return }
    let spec = generator.inputs
    let inputs = GeneratorInputs(
        count: 1, z: [Float](repeating: 0.5, count: spec.zDimension),
        labels: spec.isConditional ? [spec.labels.count - 1] : [],
        categorical: spec.categoricalSizes.map { $0 - 1 },
        continuous: [Float](repeating: -1, count: spec.continuousCount))
    // Inputs in range for the model: a refusal is a bug the fuzzer should report.
    do { _ = try generator.generate(inputs) } catch { fatalError("valid inputs refused: \(error)") }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if FUZZING
// SwiftPM links an executable's entry point under its own name, so libFuzzer's `main` is not used; this one hands
// the command line to libFuzzer's driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv) { data, size in
            exercise(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
            return 0
        })
    }
}
#else
@main
struct Replay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else { print("cannot open \(path)"); exit(1) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = fread(&chunk, 1, chunk.count, file)
                if n <= 0 { break }
                bytes += chunk[0..<n]
            }
            fclose(file)
            exercise(bytes)
        }
        print("replayed \(CommandLine.arguments.count - 1) inputs")
    }
}
#endif
