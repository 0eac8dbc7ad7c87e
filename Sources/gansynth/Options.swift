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

// MARK: - Argument types: each parsed once, where ArgumentParser reads it, with its own one-line error

/// A seed, 0 … 2^32−1.
func parseSeed(_ text: String) throws -> UInt32 {
    guard let value = Int64(text) else { throw ValidationError("not a whole number") }
    guard let seed = UInt32(exactly: value) else {
        throw ValidationError("out of range; seeds go from 0 to \(maximumSeed)")
    }
    return seed
}

/// Seeds and ranges, e.g. 0-7,100: at most `Limits.seedListImages` (each command may allow fewer).
struct SeedList: Equatable {
    var seeds: [UInt32]
    static func parse(_ text: String) throws -> SeedList {
        do { return SeedList(seeds: try parseSeedList(text, limit: Limits.seedListImages)) } catch {
            throw ValidationError(error.description)
        }
    }
}

/// A truncation threshold t ≥ `minimumTruncation`: below 0.01 a draw falls inside ±t less than once in 125
/// tries, and tiny values would spin for minutes.
func parseTruncation(_ text: String) throws -> Double {
    guard let t = Double(text), t.isFinite else { throw ValidationError("not a number") }
    guard t >= minimumTruncation else { throw ValidationError("must be ≥ \(minimumTruncation)") }
    return t
}

/// JPEG quality, 1–100.
func parseQuality(_ text: String) throws -> Int {
    guard let q = Int(text), (1...100).contains(q) else { throw ValidationError("JPEG quality goes from 1 to 100") }
    return q
}

/// An output format name: an image format, or npy (arrays, for `generate` only).
enum OutputFormat: Equatable {
    case image(ImageFormat)
    case npy

    static func parse(_ text: String) throws -> OutputFormat {
        if text.lowercased() == "npy" { return .npy }
        guard let f = ImageFormat(name: text) else { throw ValidationError("use png, jpg, ppm or pgm (or npy with generate)") }
        return .image(f)
    }
}

/// Truncation redraws Gaussian values; a uniform latent has nothing to truncate.
/// Normal latents redraw values past t; truncated-normal ones (BigGAN-deep) are scaled by t, which also picks the
/// batch-norm statistics of models that store them per truncation, so t ≤ 1 there.
func checkTruncation(_ t: Double?, for generator: Generator, latents: Bool = false) throws(CLIError) {
    guard let t else { return }
    if latents && !generator.usesTruncation {
        throw .usage("--truncation redraws the values seeds draw; z from --latents is used as given ('\(generator.card.name)' keeps no statistics per truncation)")
    }
    if generator.inputs.zDistribution == .uniform {
        throw .usage("--truncation applies to normal latents; '\(generator.card.name)' draws z uniformly")
    }
    if (generator.inputs.zDistribution == .truncatedNormal || generator.usesTruncation) && t > 1 {
        throw .usage("--truncation must be at most 1 for '\(generator.card.name)' (BigGAN-deep's truncation: z·t and the statistics measured at t), got \(t)")
    }
}

// MARK: - Option groups

struct ModelOptions: ParsableArguments {
    @Option(name: .shortAndLong, parsing: .unconditional, help: "Model name (see 'gansynth models') or path to a .gguf file. Default: \(ModelLocator.defaultModel).")
    var model: String?

    @Option(parsing: .unconditional, help: "Worker threads, 1-256. Default: one per core.")
    var threads: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Images computed together, 1-4096; any value gives the same images.", valueName: "n"))
    var batch: Int = 64

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        if let t = threads, !(1...256).contains(t) { throw ValidationError("--threads must be 1 to 256, got \(t)") }
        guard (1...4096).contains(batch) else { throw ValidationError("--batch must be 1 to 4096, got \(batch)") }
    }

    var parallelism: Parallelism {
        // A served request is one of many computed at once: one thread each (the images are the same).
        if Served.request != nil { return .serial }
        return Parallelism(threads: threads ?? max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
    }

    /// The model, decoded and packed on the worker threads, and where it was found. `compute`: the caller runs the
    /// model next, so the helpers stay awake through the load and for the first images (0.2 s).
    /// `path`: the file to load when --model is not given (instead of the default model).
    func load(compute: Bool = true, path chosen: String? = nil) throws(CLIError) -> (generator: Generator, path: String) {
        if let served = Served.request { return try served.models.generator(named: model ?? ModelLocator.defaultModel, parallelism: parallelism) }
        if compute { parallelism.keepHelpersAwake(seconds: 0.2) }
        let path: String
        if model == nil, let chosen { path = chosen } else { path = try ModelLocator.locate(model) }
        do { return (try Generator(path: path, parallelism: parallelism), path) } catch { throw .model(path, error) }
    }
}

/// Which seeds: --seed/--n (a range) or --seeds (a list), for `sample` and `generate`.
struct SeedOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "First seed (0-4294967295); image i uses seed seed+i. Default: 0.", transform: parseSeed)
    var seed: UInt32?

    @Option(name: .customLong("n"), parsing: .unconditional, help: "Number of seeds: one image each (with --labels all, one per label). sample: 1-65536; generate: 1-100000000.")
    var count: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seeds and ranges, e.g. 0-7,100, instead of --seed/--n (sample: up to 65536 seeds; generate: 1048576).", valueName: "list"), transform: SeedList.parse)
    var seeds: SeedList?

    @Option(parsing: .unconditional, help: ArgumentHelp("z vectors from a .npy file (N x z_dim float32, as numpy.save writes it) instead of seeds: image i uses row i, and draws what it does not fix from seed i.", valueName: "file.npy"))
    var latents: String?

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        if seeds != nil, count != nil { throw ValidationError("give either --seeds or --n, not both") }
        if seeds != nil, seed != nil { throw ValidationError("give either --seeds or --seed, not both: --seed starts the range of --n") }
        if latents != nil, seeds != nil || seed != nil || count != nil {
            throw ValidationError("give either --latents or seeds (--seed, --n, --seeds): the file's rows are the images")
        }
    }

    /// `seedLimit`: the most seeds the command takes (in a range or a list).
    func check(seedLimit: Int) throws {
        if let n = count, !(1...seedLimit).contains(n) { throw ValidationError("--n must be 1 to \(seedLimit), got \(n)") }
        if let list = seeds, list.seeds.count > seedLimit {
            throw ValidationError("--seeds names \(list.seeds.count) seeds, more than the limit of \(seedLimit)")
        }
    }

    /// The seeds, as a range (--seed/--n, `defaultCount` images without --n), the list, or --latents' rows for a z of
    /// `zDimension` values.
    func source(defaultCount: Int, zDimension: Int) throws(CLIError) -> SeedSource {
        if let latents { return .latents(try LatentsFile.load(latents, dimension: zDimension)) }
        if let seeds { return .list(seeds.seeds) }
        let first = seed ?? 0, n = count ?? defaultCount
        guard Int64(first) + Int64(n) - 1 <= Int64(maximumSeed) else {
            throw .usage("seeds \(first)…\(Int64(first) + Int64(n) - 1) run past the largest seed, \(maximumSeed)")
        }
        return .range(first: first, count: n)
    }
}

struct TruncationOption: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Redraw latent values with |z| > t, t ≥ \(minimumTruncation) (normal latents only).", valueName: "t"), transform: parseTruncation)
    var truncation: Double?
}

extension NoiseMode: ExpressibleByArgument {}

/// StyleGAN's controls: truncation in W and the noise inputs (models with a W space and noise nodes).
struct StyleOptions: ParsableArguments {
    @Option(name: .customLong("truncation-psi"), parsing: .unconditional, help: ArgumentHelp("StyleGAN: w = w_avg + psi·(w − w_avg), -10 to 10 (1: none; 0.7 is the usual choice).", valueName: "psi"), transform: parsePsi)
    var psi: Double?

    @Option(name: .customLong("truncation-cutoff"), parsing: .unconditional, help: ArgumentHelp("StyleGAN: truncate only the first k of the W rows (the coarse styles), 1-64.", valueName: "k"))
    var cutoff: Int?

    @Option(name: .customLong("noise-mode"), parsing: .unconditional, help: ArgumentHelp("StyleGAN noise inputs: const (the file's, as NVlabs' tools default), random (drawn from each seed) or none.", valueName: "mode"))
    var noiseMode: NoiseMode?

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        if let k = cutoff, !(1...64).contains(k) { throw ValidationError("--truncation-cutoff must be 1 to 64, got \(k)") }
        if cutoff != nil, psi == nil { throw ValidationError("--truncation-cutoff limits --truncation-psi; give --truncation-psi too") }
    }

    /// Refuses the options a model has nothing for.
    func check(for generator: Generator) throws(CLIError) {
        if psi != nil, generator.wSpace == nil {
            throw .usage("--truncation-psi is StyleGAN's truncation in W; '\(generator.card.name)' has no W space (use --truncation)")
        }
        if let k = cutoff, let w = generator.wSpace, k > w.count {
            throw .usage("--truncation-cutoff \(k) is past the \(w.count) W rows of '\(generator.card.name)'")
        }
        if noiseMode != nil, !generator.hasNoise {
            throw .usage("--noise-mode applies to models with noise inputs (StyleGAN); '\(generator.card.name)' has none")
        }
    }

    var controls: StyleControls { StyleControls(psi: psi, cutoff: cutoff, noise: noiseMode) }
}

/// A truncation psi: finite, −10 … 10.
func parsePsi(_ text: String) throws -> Double {
    guard let psi = Double(text), psi.isFinite else { throw ValidationError("not a number") }
    guard abs(psi) <= 10 else { throw ValidationError("must be from -10 to 10") }
    return psi
}

/// --scale: an enlargement k (nearest neighbour, of the whole picture) or a reduction 1/k (area, of each image).
struct PictureScale: Equatable {
    var up = 1, down = 1

    static func parse(_ text: String) throws -> PictureScale {
        if let k = Int(text) {
            guard (1...32).contains(k) else { throw ValidationError("must be 1 to 32, or a fraction 1/k") }
            return PictureScale(up: k)
        }
        var k: Int?
        if text.hasPrefix("1/") { k = Int(text.dropFirst(2)) }
        else if let f = Double(text), f > 0, f < 1 {
            let inverse = (1 / f).rounded()
            if abs(inverse * f - 1) < 1e-9 { k = Int(inverse) }
        }
        guard let k, (2...64).contains(k) else {
            throw ValidationError("'\(text)' is not a scale: use 1 to 32, or 1/k for k 2 to 64 (1/2, 0.25, …)")
        }
        return PictureScale(up: 1, down: k)
    }

    /// A side of `pixels` after the scale.
    func apply(_ pixels: Int) -> Int { pixels * up / down }
}

struct GridOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Images per grid row, 1-65536. Default: ceil(sqrt(n)) for a plain sample; one row per path, code value or class where the picture has rows of its own.", valueName: "k"))
    var nrow: Int?

    @Option(parsing: .unconditional, help: "Pixels between and around grid cells, 0-64.")
    var padding: Int = 2

    @Option(parsing: .unconditional, help: ArgumentHelp("Gray level of the padding, 0-255.", valueName: "v"))
    var padValue: Int = 0

    @Option(parsing: .unconditional, help: ArgumentHelp("Nearest-neighbour upscaling of the whole picture, 1-32, or a fraction 1/k (0.5, 1/4, 0.125: k 2-64) that shrinks each image by area averaging (k must divide its size).", valueName: "k"), transform: PictureScale.parse)
    var scale: PictureScale = PictureScale(up: 1)

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        if let k = nrow, !(1...Limits.images).contains(k) { throw ValidationError("--nrow must be 1 to \(Limits.images), got \(k)") }
        guard (0...64).contains(padding) else { throw ValidationError("--padding must be 0 to 64, got \(padding)") }
        guard (0...255).contains(padValue) else { throw ValidationError("--pad-value must be 0 to 255, got \(padValue)") }
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
    @Option(name: .customLong("format"), parsing: .unconditional, help: ArgumentHelp("png, jpg, ppm or pgm (generate: also npy). Default: from the file name; png for - and for --outdir.", valueName: "fmt"), transform: OutputFormat.parse)
    var chosen: OutputFormat?

    @Option(parsing: .unconditional, help: "JPEG quality, 1-100.", transform: parseQuality)
    var quality: Int = 90

    /// --format as an image format; nil when not given.
    func imageFormat() throws -> ImageFormat? {
        switch chosen {
        case nil: return nil
        case .image(let f): return f
        case .npy: throw ValidationError("--format npy is for 'gansynth generate'; pictures are png, jpg, ppm or pgm")
        }
    }

    /// --format, else the file name's extension; png for standard output.
    func imageFormat(for path: String) throws -> ImageFormat {
        if let f = try imageFormat() { return f }
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

    var quality: Int { encoding.quality }

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        _ = try imageFormat()
    }

    func imageFormat() throws -> ImageFormat { try encoding.imageFormat(for: output) }
}
