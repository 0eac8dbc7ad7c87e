// `gansynth mix`: StyleGAN's style-mixing grid (NVlabs style_mixing.py). The top row holds the column seeds'
// images, the left column the row seeds', and cell (r, c) row seed r's W with the rows --styles taken from column
// seed c's W: coarse styles (0-3) carry pose and shape, fine ones colour and texture. The corner stays blank.

import ArgumentParser
import GanImage
import GanLatent
import GanModel

struct Mix: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Style-mixing grid of a StyleGAN model: row seeds' W with some rows taken from column seeds'.",
        discussion: """
            W for each seed is mapped as `sample` maps it (--truncation-psi and --truncation-cutoff applied), so the \
            first row and column are exactly `gansynth sample --seeds` of those seeds.
            """)

    @OptionGroup var model: ModelOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Seeds of the rows (their W is kept), at most 256.", valueName: "list"), transform: SeedList.parse)
    var rows: SeedList

    @Option(parsing: .unconditional, help: ArgumentHelp("Seeds of the columns (their W gives the mixed rows), at most 256.", valueName: "list"), transform: SeedList.parse)
    var cols: SeedList

    @Option(parsing: .unconditional, help: ArgumentHelp("W rows taken from the column seeds, e.g. 0-6 (the default: the coarse and middle styles).", valueName: "list"), transform: SeedList.parse)
    var styles: SeedList = SeedList(seeds: Array(0...6))

    @Option(parsing: .unconditional, help: ArgumentHelp("Class for conditional models: an index or a name. Default: drawn from each seed.", valueName: "label"))
    var label: String?

    @OptionGroup var style: StyleOptions
    @OptionGroup var grid: GridOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        for (name, list) in [("--rows", rows), ("--cols", cols)] where list.seeds.count > 256 {
            throw ValidationError("\(name) names \(list.seeds.count) seeds, more than 256")
        }
        if grid.nrow != nil { throw ValidationError("--nrow does not apply: the grid has one column per --cols seed, plus the row images") }
    }

    func run() throws {
        let (generator, path) = try model.load()
        guard let w = generator.wSpace else {
            throw CLIError.usage("mix needs a StyleGAN model (one with a W space); '\(generator.card.name)' has none")
        }
        try style.check(for: generator)
        if let bad = styles.seeds.first(where: { Int($0) >= w.count }) {
            throw CLIError.usage("--styles names W row \(bad); '\(generator.card.name)' has rows 0 to \(w.count - 1)")
        }
        let fixedLabel = try label.map { text throws(CLIError) in try resolveLabel(text, for: generator) }
        let columns = cols.seeds.count + 1
        let cellCount = (rows.seeds.count + 1) * columns
        try checkPictureSize(count: cellCount, generator: generator, grid: grid, columns: columns)
        try checkFormat(output.imageFormat(), for: generator)

        // Every seed's W, once.
        let seeds = Array(Set(rows.seeds + cols.seeds)).sorted()
        let mapped = generatorInputs(for: seeds.map { ImageRequest(seed: $0, label: fixedLabel) }, generator: generator,
                                     truncation: nil, style: style.controls)
        let all: [Float]
        do { all = try generator.mapping(mapped, parallelism: model.parallelism) } catch { throw CLIError.refusedInputs(error) }
        let per = w.count * w.dimension
        let wOf = Dictionary(uniqueKeysWithValues: seeds.enumerated().map { ($1, Array(all[($0 * per)..<(($0 + 1) * per)])) })

        // Row-major cells after the corner: the column seeds, then per row its own image and its mixes.
        var requests = cols.seeds.map { ImageRequest(seed: $0, label: fixedLabel, ws: wOf[$0]!) }
        let taken = Set(styles.seeds.map(Int.init))
        for r in rows.seeds {
            requests.append(ImageRequest(seed: r, label: fixedLabel, ws: wOf[r]!))
            for c in cols.seeds {
                var mixed = wOf[r]!
                let from = wOf[c]!
                for k in taken { for i in 0..<w.dimension { mixed[k * w.dimension + i] = from[k * w.dimension + i] } }
                requests.append(ImageRequest(seed: r, label: fixedLabel, ws: mixed))
            }
        }
        let (images, inputs) = try render(requests, generator: generator, model: model, truncation: nil,
                                          style: style.controls)
        let o = generator.output
        let corner = Image(width: o.width, height: o.height, channels: images[0].channels, fill: 0)
        let text = provenance(generator: generator, modelPath: path, seeds: rows.seeds + cols.seeds, truncation: nil,
                              extra: [("gansynth:mix", "rows \(formatSeedList(rows.seeds)); columns \(formatSeedList(cols.seeds)); W rows \(formatSeedList(styles.seeds)) from the columns")]
                                  + conditionsText(inputs, generator: generator) + style.controls.text(for: generator))
        try write(compose([corner] + images, grid: grid, columns: columns), to: output, text: text)
    }
}
