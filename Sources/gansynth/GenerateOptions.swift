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

enum DatasetFormat: Equatable {
    case image(ImageFormat)
    case npy

    init?(name: String) {
        if name.lowercased() == "npy" { self = .npy } else if let f = ImageFormat(name: name) { self = .image(f) } else { return nil }
    }
}

enum DatasetDestination: Equatable {
    case directory(String, ImageFormat)
    case standardOutput(DatasetFormat)
    case npyFile(String)
}

struct DatasetOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "First seed; image i uses seed seed+i.")
    var seed: Int64 = 0

    @Option(name: .customLong("n"), parsing: .unconditional, help: "Number of seeds: one image each, or one per label with --labels all.")
    var count: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seeds and ranges, e.g. 0-999,5000 (instead of --seed/--n).", valueName: "list"))
    var seeds: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Redraw latent values with |z| > t (normal latents only).", valueName: "t"))
    var truncation: Double?

    @Option(parsing: .unconditional, help: ArgumentHelp("Conditional models: balanced (image i gets label i mod L), all (every label for every seed) or one label (index or name). Default: drawn from each seed.", valueName: "mode"))
    var labels: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Folder for one file per image and the manifest; created if missing.", valueName: "dir"))
    var outdir: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("png, jpg, ppm, pgm or npy. Default: png, npy for a .npy output.", valueName: "fmt"))
    var format: String?

    @Option(parsing: .unconditional, help: "JPEG quality, 1-100.")
    var quality: Int = 90

    @Option(parsing: .unconditional, help: ArgumentHelp("Make only shard k of N (k = 1…N): a contiguous part of the index range.", valueName: "k/N"))
    var shard: String?

    @Flag(help: "Regenerate images that already exist instead of skipping them.")
    var overwrite = false

    @Flag(help: "No progress line on standard error.")
    var quiet = false

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        try validateSeed(seed)
        if let n = count, !(1...Limits.datasetImages).contains(n) {
            throw ValidationError("--n must be 1 to \(Limits.datasetImages), got \(n)")
        }
        if seeds != nil, count != nil { throw ValidationError("give either --seeds or --n, not both") }
        if seeds == nil, count == nil { throw ValidationError("say how many images: --n N (or --seeds LIST)") }
        try validateTruncation(truncation)
        try validateQuality(quality)
        if let format, DatasetFormat(name: format) == nil {
            throw ValidationError("unknown --format '\(format)'; use png, jpg, ppm, pgm or npy")
        }
        _ = try seedSource()
        _ = try parsedShard()
    }

    func seedSource() throws -> SeedSource {
        if let seeds {
            do { return .list(try parseSeedList(seeds, limit: Limits.seedListImages)) } catch { throw ValidationError(error.description) }
        }
        let n = count ?? 1
        guard seed + Int64(n) - 1 <= Int64(maximumSeed) else {
            throw ValidationError("seeds \(seed)…\(seed + Int64(n) - 1) run past the largest seed, \(maximumSeed)")
        }
        return .range(first: UInt32(seed), count: n)
    }

    func parsedShard() throws -> Shard {
        guard let shard else { return .whole }
        let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw ValidationError("--shard '\(shard)' is not k/N; write e.g. --shard 3/16 for the third of 16 shards")
        }
        guard (1...Limits.datasetImages).contains(n) else { throw ValidationError("--shard \(shard): N must be 1 to \(Limits.datasetImages), got \(n)") }
        guard (1...n).contains(k) else { throw ValidationError("--shard \(shard): k must be 1 to \(n) (shards count from 1)") }
        return Shard(k: k, n: n)
    }

    /// Where the images go, from --outdir, the output argument and --format.
    func destination(output: String?) throws -> DatasetDestination {
        let chosen = format.flatMap(DatasetFormat.init(name:))
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
        throw ValidationError("'\(output)': generate writes one file per image into --outdir DIR; a single output must be a .npy file or - (standard output)")
    }
}
