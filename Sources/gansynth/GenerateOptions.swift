// The options of `gansynth generate` that need no model: how many images, from which seeds, which labels in
// words, where they go and in what format. Argument errors are found here, before the model is loaded.

import ArgumentParser
import GanImage
import GanLatent

extension Limits {
    /// Images in one `generate` run (all shards together).
    static let datasetImages = 100_000_000
    /// Seeds `--seeds` may name; the list is held in memory, ranges of --seed/--n are not.
    static let seedListImages = 1 << 20
}

/// `generate` writes images or arrays.
typealias DatasetFormat = OutputFormat

enum DatasetDestination: Equatable {
    case directory(String, ImageFormat)
    case standardOutput(DatasetFormat)
    case npyFile(String)
}

struct DatasetOptions: ParsableArguments {
    @OptionGroup var seedOptions: SeedOptions
    @OptionGroup var truncationOption: TruncationOption
    @OptionGroup var style: StyleOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Conditional models: balanced (image i gets label i mod L), all (every label for every seed) or one label (index or name). Default: drawn from each seed.", valueName: "mode"))
    var labels: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Folder for one file per image and the manifest; created if missing.", valueName: "dir"))
    var outdir: String?

    @OptionGroup var encoding: EncodingOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Make only shard k of N (k = 1…N): a contiguous part of the index range.", valueName: "k/N"), transform: Shard.parse)
    var shard: Shard?

    @Flag(help: "Regenerate images that already exist instead of skipping them.")
    var overwrite = false

    @Flag(help: "No progress line on standard error.")
    var quiet = false

    var truncation: Double? { truncationOption.truncation }
    var quality: Int { encoding.quality }

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        try seedOptions.check(seedLimit: seedOptions.seeds == nil ? Limits.datasetImages : Limits.seedListImages)
        if seedOptions.seeds == nil, seedOptions.count == nil, seedOptions.latents == nil {
            throw ValidationError("say how many images: --n N (or --seeds LIST, or --latents FILE)")
        }
    }

    func seedSource(zDimension: Int) throws(CLIError) -> SeedSource {
        try seedOptions.source(defaultCount: 1, zDimension: zDimension)
    }

    /// Where the images go, from --outdir, the output argument and --format.
    func destination(output: String?) throws -> DatasetDestination {
        let chosen = encoding.chosen
        if let outdir {
            if let output { throw ValidationError("give either --outdir or an output ('\(output)'), not both") }
            guard !outdir.isEmpty else { throw ValidationError("--outdir is empty") }
            switch chosen {
            case .npy: throw ValidationError("--format npy writes one file; name it (e.g. out.npy) instead of --outdir")
            case .image(let f): return .directory(outdir, f)
            case nil: return .directory(outdir, .png)
            }
        }
        guard let output else {
            throw ValidationError("say where the images go: --outdir DIR (one file per image), - (standard output) or a .npy file")
        }
        if output == "-" { return .standardOutput(chosen ?? .image(.png)) }
        if chosen == .npy || (chosen == nil && output.lowercased().hasSuffix(".npy")) { return .npyFile(output) }
        if case .image(let f)? = chosen, output.lowercased().hasSuffix(".npy") {
            throw ValidationError("--format \(f.fileExtension) asks for images, but '\(output)' is a .npy file (arrays); drop --format for the array, or write images with --outdir DIR")
        }
        throw ValidationError("'\(output)': generate writes one file per image into --outdir DIR; a single output must be a .npy file or - (standard output)")
    }
}

extension Shard {
    /// `k/N`, k = 1…N.
    static func parse(_ text: String) throws -> Shard {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw ValidationError("not k/N; write e.g. --shard 3/16 for the third of 16 shards")
        }
        guard (1...Limits.datasetImages).contains(n) else { throw ValidationError("N must be 1 to \(Limits.datasetImages), got \(n)") }
        guard (1...n).contains(k) else { throw ValidationError("k must be 1 to \(n) (shards count from 1)") }
        return Shard(k: k, n: n)
    }
}
