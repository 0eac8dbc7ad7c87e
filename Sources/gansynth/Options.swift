// Option groups shared by the subcommands. Argument errors are found in validate(), before any work.

import ArgumentParser
import GanImage
import GanKernels
import GanLatent
import GanModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum Limits {
    static let images = 65_536
    static let outputPixels = 1 << 28
}

// MARK: - Checks shared by the option groups and commands

func validateSeed(_ seed: Int64) throws {
    guard (0...Int64(maximumSeed)).contains(seed) else {
        throw ValidationError("--seed \(seed) is out of range; seeds go from 0 to \(maximumSeed)")
    }
}

func validateTruncation(_ t: Double?) throws {
    // Below 0.01 a draw falls inside ±t less than once in 125 tries: tiny values would spin for minutes.
    if let t, !(t.isFinite && t >= minimumTruncation) {
        throw ValidationError("--truncation must be a number ≥ \(minimumTruncation), got \(t)")
    }
}

func validateQuality(_ quality: Int) throws {
    guard (1...100).contains(quality) else { throw ValidationError("--quality must be 1 to 100, got \(quality)") }
}

/// Truncation redraws Gaussian values; a uniform latent has nothing to truncate.
func checkTruncation(_ t: Double?, for generator: Generator) throws(CLIError) {
    if t != nil, generator.inputs.zDistribution != .normal {
        throw .usage("--truncation applies to normal latents; '\(generator.card.name)' draws z uniformly")
    }
}

// MARK: - Option groups

struct ModelOptions: ParsableArguments {
    @Option(name: .shortAndLong, parsing: .unconditional, help: "Model name (see 'gansynth models') or path to a .gguf file. Default: mnist-dcgan.")
    var model: String?

    @Option(parsing: .unconditional, help: "Worker threads. Default: one per core.")
    var threads: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Images computed together; any value gives the same images.", valueName: "n"))
    var batch: Int = 64

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        if let t = threads, !(1...256).contains(t) { throw ValidationError("--threads must be 1 to 256, got \(t)") }
        guard (1...4096).contains(batch) else { throw ValidationError("--batch must be 1 to 4096, got \(batch)") }
    }

    var parallelism: Parallelism {
        Parallelism(threads: threads ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    }

    /// The model, decoded and packed on the worker threads, and where it was found. `compute`: the caller runs the
    /// model next, so the helpers stay awake through the load and for the first images (0.2 s).
    func load(compute: Bool = true) throws(CLIError) -> (generator: Generator, path: String) {
        if compute { parallelism.keepHelpersAwake(seconds: 0.2) }
        let path = try ModelLocator.locate(model)
        do { return (try Generator(path: path, parallelism: parallelism), path) } catch { throw .model(path, error) }
    }
}

struct SeedOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "First seed; images use seeds seed … seed+n-1.")
    var seed: Int64 = 0

    @Option(name: .customLong("n"), parsing: .unconditional, help: "Number of images.")
    var count: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seeds and ranges, e.g. 0-7,100 (instead of --seed/--n).", valueName: "list"))
    var seeds: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Redraw latent values with |z| > t (normal latents only).", valueName: "t"))
    var truncation: Double?

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        try validateSeed(seed)
        if let n = count, !(1...Limits.images).contains(n) {
            throw ValidationError("--n must be 1 to \(Limits.images), got \(n)")
        }
        if seeds != nil, count != nil { throw ValidationError("give either --seeds or --n, not both") }
        try validateTruncation(truncation)
        _ = try seedList(defaultCount: 1)
    }

    func seedList(defaultCount: Int) throws -> [UInt32] {
        if let seeds {
            do { return try parseSeedList(seeds, limit: Limits.images) } catch { throw ValidationError(error.description) }
        }
        let n = count ?? defaultCount
        guard seed + Int64(n) - 1 <= Int64(maximumSeed) else {
            throw ValidationError("seeds \(seed)…\(seed + Int64(n) - 1) run past the largest seed, \(maximumSeed)")
        }
        return (0..<n).map { UInt32(seed + Int64($0)) }
    }
}

struct GridOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Images per grid row, 1-65536. Default: ceil(sqrt(n)) for a plain sample; one row per path, code value or class where the picture has rows of its own.", valueName: "k"))
    var nrow: Int?

    @Option(parsing: .unconditional, help: "Pixels between and around grid cells.")
    var padding: Int = 2

    @Option(parsing: .unconditional, help: ArgumentHelp("Gray level of the padding, 0-255.", valueName: "v"))
    var padValue: Int = 0

    @Option(parsing: .unconditional, help: ArgumentHelp("Nearest-neighbour upscaling of the whole picture.", valueName: "k"))
    var scale: Int = 1

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        if let k = nrow, !(1...Limits.images).contains(k) { throw ValidationError("--nrow must be 1 to \(Limits.images), got \(k)") }
        guard (0...64).contains(padding) else { throw ValidationError("--padding must be 0 to 64, got \(padding)") }
        guard (0...255).contains(padValue) else { throw ValidationError("--pad-value must be 0 to 255, got \(padValue)") }
        guard (1...32).contains(scale) else { throw ValidationError("--scale must be 1 to 32, got \(scale)") }
    }
}

extension GridOptions {
    /// --nrow, else the layout's own row length, else a square-ish grid.
    func columns(count: Int, natural: Int?) -> Int {
        nrow ?? natural ?? Int(Double(count).squareRoot().rounded(.up))
    }
}

/// How pictures are encoded; the file name comes from each command.
struct EncodingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("png, jpg, ppm or pgm. Default: from the file name; png for -.", valueName: "fmt"))
    var format: String?

    @Option(parsing: .unconditional, help: "JPEG quality, 1-100.")
    var quality: Int = 90

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        try validateQuality(quality)
        if let format, ImageFormat(name: format) == nil {
            throw ValidationError("unknown --format '\(format)'; use png, jpg, ppm or pgm")
        }
    }

    /// --format, else the file name's extension; png for standard output.
    func imageFormat(for path: String) throws -> ImageFormat {
        if let format {
            guard let f = ImageFormat(name: format) else {
                throw ValidationError("unknown --format '\(format)'; use png, jpg, ppm or pgm")
            }
            return f
        }
        if path == "-" { return .png }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), let f = ImageFormat(pathExtension: String(name[name.index(after: dot)...])) else {
            throw ValidationError("cannot tell the image format of '\(path)'; name it .png, .jpg, .ppm or .pgm, or pass --format")
        }
        return f
    }
}

struct OutputOptions: ParsableArguments {
    @Argument(help: "Output file (.png, .jpg, .ppm, .pgm) or - for standard output.")
    var output: String

    @OptionGroup var encoding: EncodingOptions

    var format: String? { encoding.format }
    var quality: Int { encoding.quality }

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        _ = try imageFormat()
    }

    func imageFormat() throws -> ImageFormat { try encoding.imageFormat(for: output) }
}
