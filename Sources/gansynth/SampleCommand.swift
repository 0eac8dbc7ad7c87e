// `gansynth sample`: a grid (or one image) of samples for a list of seeds, or a class table with one row per
// label (`--labels all --per-label K`: every row uses the same K seeds, so a column shares its z).

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
    @OptionGroup var truncationOption: TruncationOption
    @OptionGroup var style: StyleOptions
    @Option(parsing: .unconditional, help: ArgumentHelp("StyleGAN: W latents from a .npy file (N x num_ws x w_dim float32, as projector.py's projected_w) instead of seeds: image i is row i.", valueName: "file.npy"))
    var ws: String?
    @Option(name: [.customLong("label"), .customLong("class")], parsing: .unconditional, help: ArgumentHelp("Class for conditional models: an index or a name (case-insensitive); --class is the same option (gen_images.py's name). Default: drawn from each seed.", valueName: "label"))
    var label: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("InfoGAN: fix the categorical codes, one value per code, e.g. 3 or 3,1. Default: drawn from each seed.", valueName: "list"))
    var categorical: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("InfoGAN: fix the continuous codes, one value per code in [-1, 1], e.g. 0.5,-0.25. Default: drawn from each seed.", valueName: "list"))
    var continuous: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Class table: 'all' or a comma-separated list of labels, one row each.", valueName: "labels"))
    var labels: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("Images per row of the class table (seeds seed … seed+k-1), 1-1024. Default: 8.", valueName: "k"))
    var perLabel: Int?
    @OptionGroup var grid: GridOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        try seeds.check(seedLimit: Limits.images)
        if labels != nil {
            if label != nil { throw ValidationError("give either --label or --labels, not both") }
            if seeds.count != nil || seeds.seeds != nil { throw ValidationError("--labels takes --per-label and --seed, not --n or --seeds") }
            if let k = perLabel, !(1...1024).contains(k) { throw ValidationError("--per-label must be 1 to 1024, got \(k)") }
        } else if perLabel != nil {
            throw ValidationError("--per-label needs --labels")
        }
        if ws != nil {
            if seeds.latents != nil || seeds.seeds != nil || seeds.seed != nil || seeds.count != nil {
                throw ValidationError("give either --ws or seeds (--seed, --n, --seeds, --latents): the file's rows are the images")
            }
            if label != nil || labels != nil { throw ValidationError("--ws gives W itself; a label only enters the mapping to W") }
            if style.psi != nil || truncationOption.truncation != nil {
                throw ValidationError("--ws is used as given; truncation applies when z is mapped to W")
            }
        }
    }

    func run() throws {
        let (generator, path) = try model.load()
        let truncation = truncationOption.truncation
        try checkTruncation(truncation, for: generator, latents: seeds.latents != nil)
        try style.check(for: generator)
        let z = generator.inputs.zDimension
        var requests: [ImageRequest]
        var columns: Int? = nil
        var latentsFile: LatentsFile? = nil
        if let ws {
            guard let w = generator.wSpace else {
                throw CLIError.usage("--ws gives StyleGAN W latents; '\(generator.card.name)' has no W space")
            }
            let file = try LatentsFile.load(ws, row: [w.count, w.dimension], option: "--ws")
            guard file.rows <= Limits.images else { throw CLIError.usage("--ws '\(terminalSafe(ws))' has \(file.rows) rows; at most \(Limits.images) images") }
            requests = (0..<file.rows).map { ImageRequest(seed: UInt32($0), ws: file.row($0)) }
            latentsFile = file
        } else if let labels {
            let rows = try resolveLabelList(labels, for: generator)
            let k = perLabel ?? 8
            let seedList = try seeds.source(defaultCount: k, zDimension: z)
            requests = rows.flatMap { label in
                (0..<seedList.count).map { ImageRequest(seed: seedList[$0], label: label, z: seedList.z($0)) }
            }
            columns = seedList.count
            latentsFile = seedList.latents
        } else {
            let fixedLabel = try label.map { text throws(CLIError) in try resolveLabel(text, for: generator) }
            let seedList = try seeds.source(defaultCount: 64, zDimension: z)
            let codes = try fixedCodes(for: generator)
            requests = (0..<seedList.count).map {
                ImageRequest(seed: seedList[$0], label: fixedLabel, z: seedList.z($0), categorical: codes.categorical,
                             continuous: codes.continuous)
            }
            latentsFile = seedList.latents
        }
        try checkPictureSize(count: requests.count, generator: generator, grid: grid, columns: columns)
        try checkFormat(output.imageFormat(), for: generator)

        let (images, inputs) = try render(requests, generator: generator, model: model, truncation: truncation,
                                          style: style.controls)
        let fileText: [(String, String)]
        if let latentsFile {
            fileText = ws != nil ? [("gansynth:ws", "\(latentsFile.name) (sha256 \(latentsFile.sha256)): image i's W is row i")]
                : [("gansynth:latents", latentsFile.describe())]
        } else {
            fileText = []
        }
        try write(compose(images, grid: grid, columns: columns), to: output,
                  text: provenance(generator: generator, modelPath: path, seeds: requests.map(\.seed),
                                   truncation: truncation, extra: conditionsText(inputs, generator: generator)
                                       + style.controls.text(for: generator) + fileText))
    }
}

extension Sample {
    /// --categorical and --continuous, checked against the model's codes; nil where not given.
    func fixedCodes(for generator: Generator) throws(CLIError) -> (categorical: [Int]?, continuous: [Float]?) {
        let spec = generator.inputs
        var cat: [Int]? = nil, cont: [Float]? = nil
        if let categorical {
            let sizes = spec.categoricalSizes
            guard !sizes.isEmpty else { throw .usage("--categorical: '\(generator.card.name)' has no categorical codes") }
            let parts = categorical.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == sizes.count else {
                throw .usage("--categorical gives \(parts.count) values; '\(generator.card.name)' has \(sizes.count) categorical code\(sizes.count == 1 ? "" : "s")")
            }
            cat = []
            for (k, part) in parts.enumerated() {
                guard let v = Int(part), (0..<sizes[k]).contains(v) else {
                    throw .usage("--categorical: code \(k + 1) takes 0 to \(sizes[k] - 1), got '\(terminalSafe(String(part)))'")
                }
                cat!.append(v)
            }
        }
        if let continuous {
            let n = spec.continuousCount
            guard n > 0 else { throw .usage("--continuous: '\(generator.card.name)' has no continuous codes") }
            let parts = continuous.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == n else { throw .usage("--continuous gives \(parts.count) values; '\(generator.card.name)' has \(n)") }
            cont = []
            for (k, part) in parts.enumerated() {
                guard let v = Float(part), v.isFinite, abs(v) <= 1000 else {
                    throw .usage("--continuous: code \(k + 1) must be a number within ±1000, got '\(terminalSafe(String(part)))'")
                }
                cont!.append(v)
            }
        }
        return (cat, cont)
    }
}

/// `all` or a comma-separated list of labels (names or indices).
func resolveLabelList(_ text: String, for generator: Generator) throws(CLIError) -> [Int] {
    guard !generator.inputs.labels.isEmpty else {
        throw .usage("model '\(generator.card.name)' is not conditional; --labels needs a model with labels")
    }
    if text.lowercased() == "all" { return Array(generator.inputs.labels.indices) }
    var result: [Int] = []
    for part in text.split(separator: ",", omittingEmptySubsequences: false) {
        result.append(try resolveLabel(String(part), for: generator, option: "--labels"))
    }
    return result
}
