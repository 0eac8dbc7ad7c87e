// `gansynth generate`: a data set of many images, one batch in memory at a time. Three destinations: a folder of
// one file per image with a manifest (resumable, shardable), one .npy array, or a stream on standard output.

import ArgumentParser
import GanImage
import GanLatent
import GanModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a data set: one file per image plus a manifest, a .npy array, or a stream on stdout.",
        discussion: """
            Image i uses seed seed+i; file names carry i (000042.png). With --shard k/N only part k of the index \
            range is made, and the shards together are byte for byte the single run. A re-run skips images \
            that exist (--overwrite redoes them). SIGINT or SIGTERM stop after the current image with the \
            manifest matching the files (status 130 or 143).
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var dataset: DatasetOptions

    @Argument(help: ArgumentHelp("- for standard output (concatenated ppm, pgm, png or jpg, or npy), or a .npy file. Not with --outdir. ffmpeg reads a JPEG stream with -f image2pipe -c:v mjpeg.", valueName: "output"))
    var output: String?

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        _ = try dataset.destination(output: output)
    }

    func run() throws {
        let (generator, path) = try model.load()
        let plan = try makePlan(for: generator)
        let destination = try dataset.destination(output: output)
        switch destination {
        case .directory(_, let format), .standardOutput(.image(let format)): try checkFormat(format, for: generator)
        default: break
        }
        let job = DatasetJob(generator: generator, modelPath: path, plan: plan, truncation: dataset.truncation,
                             style: dataset.style.controls,
                             parallelism: model.parallelism, batch: imagesPerBatch(requested: model.batch, generator: generator), quality: dataset.quality,
                             overwrite: dataset.overwrite,
                             showProgress: !dataset.quiet && isatty(STDERR_FILENO) != 0)
        StopSignals.install()
        switch destination {
        case let .directory(dir, format): try job.writeDirectory(dir, format: format)
        case let .standardOutput(format): try job.writeStandardOutput(format: format)
        case let .npyFile(file): try job.writeNPYFile(file)
        }
    }

    private func makePlan(for generator: Generator) throws -> DatasetPlan {
        try checkTruncation(dataset.truncation, for: generator, latents: dataset.seedOptions.latents != nil)
        try dataset.style.check(for: generator)
        let names = generator.inputs.labels
        var mode = LabelMode.drawn
        if let text = dataset.labels {
            switch text.lowercased() {
            case "balanced", "all":
                guard !names.isEmpty else {
                    throw CLIError.usage("model '\(generator.card.name)' is not conditional; --labels needs a model with labels")
                }
                mode = text.lowercased() == "all" ? .all : .balanced
            default:
                mode = .fixed(try resolveLabel(text, for: generator, option: "--labels"))
            }
        }
        let plan = DatasetPlan(seeds: try dataset.seedSource(zDimension: generator.inputs.zDimension), labels: mode, labelCount: names.count,
                               shard: dataset.shard ?? .whole)
        if plan.total > Limits.datasetImages {
            throw CLIError.usage("--labels all makes \(plan.seeds.count) x \(names.count) = \(plan.total) images, over the limit of \(Limits.datasetImages)")
        }
        return plan
    }
}
