// `gansynth sample`: a grid (or one image) of samples for a list of seeds.

import ArgumentParser
import GanImage
import GanModel

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a grid of samples (or a single image with --n 1).",
        discussion: """
            Image i uses seed seed+i (or the i-th of --seeds): z = numpy.random.RandomState(seed).randn(z_dim), \
            as in the StyleGAN tools. An image depends only on the model, its seed and the options, never on \
            --batch or --threads.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var seeds: SeedOptions
    @Option(help: ArgumentHelp("Class for conditional models: an index or a name (case-insensitive). Default: drawn from each seed.", valueName: "label"))
    var label: String?
    @OptionGroup var grid: GridOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let seedList = try seeds.seedList(defaultCount: 64)
        let (generator, path) = try model.load()
        if seeds.truncation != nil, generator.inputs.zDistribution != .normal {
            throw CLIError.usage("--truncation applies to normal latents; '\(generator.card.name)' draws z uniformly")
        }
        let fixedLabel = try label.map { text throws(CLIError) in try resolveLabel(text, for: generator) }
        try checkPictureSize(count: seedList.count, generator: generator, grid: grid)

        let requests = seedList.map { ImageRequest(seed: $0, label: fixedLabel) }
        let inputs = generatorInputs(for: requests, generator: generator, truncation: seeds.truncation)
        let values = generator.generate(inputs, parallelism: model.parallelism, chunkSize: model.batch)
        let picture = compose(tiles(values, generator: generator), grid: grid)
        var extra: [(String, String)] = []
        if generator.inputs.isConditional {
            extra.append(("gansynth:labels", inputs.labels.map { generator.inputs.labels[$0] }.joined(separator: ",")))
        }
        try write(picture, to: output, text: provenance(generator: generator, modelPath: path, seeds: seedList,
                                                        truncation: seeds.truncation, extra: extra))
    }
}
