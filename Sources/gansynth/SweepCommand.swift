// `gansynth sweep`: the InfoGAN paper's Figure 2 layout. Rows are the values of the categorical code (or seeds),
// columns vary one continuous code over a range (or, without --code, are different seeds). Codes that are not
// swept are held at 0, the mean of their U[-1, 1] prior, so a row shows the swept code's effect alone.

import ArgumentParser
import GanImage
import GanLatent
import GanModel

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sweep InfoGAN latent codes: categorical values down, a continuous code across.",
        discussion: """
            gansynth sweep --model mnist-infogan --code 1 --range -2:2 --steps 10 rotation.png
            gansynth sweep --model mnist-infogan --categorical rows --steps 10 digits.png
            Without --model, the first installed model with InfoGAN codes is used. \
            Codes are numbered from 1, as in 'gansynth info'. The paper sweeps them from -2 to 2, \
            beyond the [-1, 1] they were trained on, to show that they extrapolate.
            """)

    @OptionGroup var model: ModelOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Continuous code to vary across columns (1 = first). Without it, columns are seeds.", valueName: "k"))
    var code: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("Range of the swept code, low:high, each within ±1000 (may start with '-').", valueName: "a:b"))
    var range: String = "-2:2"

    @Option(parsing: .unconditional, help: "Columns, 1-1000.")
    var steps: Int = 10

    @Option(parsing: .unconditional, help: ArgumentHelp("'rows' for one row per value of the first categorical code (the default when the model has one), or a value to fix it (rows are then seeds).", valueName: "rows|v"))
    var categorical: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Rows when rows are seeds (a model without a categorical code, or --categorical V), 1-1000. Default: 10.", valueName: "n"))
    var rows: Int?

    @Option(parsing: .unconditional, help: "Seed of the fixed z (first seed when rows or columns are seeds), 0-4294967295. Default: 0.", transform: parseSeed)
    var seed: UInt32 = 0

    @Option(parsing: .unconditional, help: ArgumentHelp("Class for conditional models (index or name).", valueName: "label"))
    var label: String?

    @OptionGroup var grid: GridOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        guard (1...1000).contains(steps) else { throw ValidationError("--steps must be 1 to 1000, got \(steps)") }
        if let rows, !(1...1000).contains(rows) { throw ValidationError("--rows must be 1 to 1000, got \(rows)") }
        if rows != nil && categorical == "rows" {
            throw ValidationError("--categorical rows puts one row per value of the code; --rows counts seed rows (give one or the other)")
        }
        guard Int64(seed) + 1000 <= Int64(maximumSeed) else { throw ValidationError("--seed must be 0 to \(maximumSeed - 1000)") }
        _ = try sweepRange()
        if let c = categorical, c != "rows", Int(c) == nil {
            throw ValidationError("--categorical takes 'rows' or a value index, got '\(c)'")
        }
    }

    func sweepRange() throws -> (Double, Double) {
        let parts = range.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Double(parts[0]), let b = Double(parts[1]), a.isFinite, b.isFinite,
              abs(a) <= 1000, abs(b) <= 1000 else {
            throw ValidationError("--range must look like -2:2 (two numbers within ±1000), got '\(range)'")
        }
        return (a, b)
    }

    func run() throws {
        let (generator, path) = try model.load(path: firstModelWithCodes())
        let spec = generator.inputs
        guard !spec.categoricalSizes.isEmpty || spec.continuousCount > 0 else {
            let withCodes = ModelLocator.installedModels().filter { m in
                (try? Generator.declaration(path: m.path)).map { !$0.inputs.categoricalSizes.isEmpty || $0.inputs.continuousCount > 0 } ?? false
            }.map(\.name)
            throw CLIError.usage("model '\(generator.card.name)' has no InfoGAN codes; models with codes: "
                                 + (withCodes.isEmpty ? "none installed" : withCodes.joined(separator: ", ")))
        }
        if let code, !(1...max(1, spec.continuousCount)).contains(code) || spec.continuousCount == 0 {
            throw CLIError.usage("--code \(code) is out of range; '\(generator.card.name)' has \(spec.continuousCount) continuous code\(spec.continuousCount == 1 ? "" : "s")")
        }
        let fixedLabel = try label.map { text throws(CLIError) in try resolveLabel(text, for: generator) }
        let (low, high) = try sweepRange()

        // Rows: categorical values (fixed z) or seeds.
        var fixedCategorical: Int? = nil
        if let c = categorical, let v = Int(c) {
            guard let size = spec.categoricalSizes.first, (0..<size).contains(v) else {
                throw CLIError.usage("--categorical \(v) is out of range; '\(generator.card.name)' has \(spec.categoricalSizes.first.map { "values 0 to \($0 - 1)" } ?? "no categorical code")")
            }
            fixedCategorical = v
        }
        let rowsAreCategorical = fixedCategorical == nil && !spec.categoricalSizes.isEmpty
        if categorical == "rows" && spec.categoricalSizes.isEmpty {
            throw CLIError.usage("'\(generator.card.name)' has no categorical code to put in rows")
        }
        if code == nil && !rowsAreCategorical {
            throw CLIError.usage("say what varies across columns: --code K (a continuous code), or categorical rows with seed columns")
        }
        if rowsAreCategorical && rows != nil {
            throw CLIError.usage("'\(generator.card.name)' puts one row per value of its categorical code; --rows counts seed rows (fix the code with --categorical V to use it)")
        }
        let rowCount = rowsAreCategorical ? spec.categoricalSizes[0] : rows ?? 10
        let values = interpolationSteps(steps).map { low + (high - low) * $0 }

        var requests: [ImageRequest] = []
        for row in 0..<rowCount {
            for column in 0..<steps {
                let s = seed + UInt32(rowsAreCategorical ? (code == nil ? column : 0) : row)
                var r = ImageRequest(seed: s, label: fixedLabel)
                let drawn = drawnConditions(seed: s, labelCount: spec.labels.count, categoricalSizes: spec.categoricalSizes,
                                            continuousCount: spec.continuousCount)
                var cat = drawn.categorical
                if !cat.isEmpty { cat[0] = rowsAreCategorical ? row : (fixedCategorical ?? cat[0]) }
                r.categorical = cat
                var cont = [Float](repeating: 0, count: spec.continuousCount)
                if let code { cont[code - 1] = Float(values[column]) }
                r.continuous = cont
                requests.append(r)
            }
        }
        try checkPictureSize(count: requests.count, generator: generator, grid: grid, columns: steps)
        try checkFormat(output.imageFormat(), for: generator)
        let (images, inputs) = try render(requests, generator: generator, model: model, truncation: nil)
        var extra = conditionsText(inputs, generator: generator)
        extra += [("gansynth:sweep", code.map { "continuous code \($0) over \(low):\(high)" } ?? "seeds across")]
        extra.append(("gansynth:rows", rowsAreCategorical ? "categorical code 1 values" : "seeds"))
        try write(compose(images, grid: grid, columns: steps), to: output,
                  text: provenance(generator: generator, modelPath: path, seeds: requests.map(\.seed), truncation: nil, extra: extra))
    }

    /// Without --model: the first installed model that has InfoGAN codes (the default model has none).
    private func firstModelWithCodes() -> String? {
        ModelLocator.installedModels().first { m in
            (try? Generator.declaration(path: m.path)).map { !$0.inputs.categoricalSizes.isEmpty || $0.inputs.continuousCount > 0 } ?? false
        }?.path
    }
}
