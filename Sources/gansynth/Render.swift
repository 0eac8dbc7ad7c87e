// The pipeline every image-making subcommand shares: seeds → generator inputs → forward pass → tiles →
// grid → encoded file. Subcommands differ only in how they choose seeds, labels and codes.

import ArgumentParser
import GanImage
import GanKernels
import GanLatent
import GanModel

/// Label for `--label`: an index or a class name (case-insensitive).
/// `option`: the option the label came from, named in the errors.
func resolveLabel(_ text: String, for generator: Generator, option: String = "--label") throws(CLIError) -> Int {
    let names = generator.inputs.labels
    guard !names.isEmpty else {
        throw .usage("model '\(generator.card.name)' is not conditional; \(option) needs a model with labels")
    }
    if let i = Int(text) {
        guard names.indices.contains(i) else {
            throw .usage("\(option) \(i) is out of range; '\(generator.card.name)' has labels 0 to \(names.count - 1)")
        }
        return i
    }
    if let i = names.firstIndex(where: { $0.lowercased() == text.lowercased() }) { return i }
    let near = closestNames(to: text, in: names)
    let hint = near.isEmpty
        ? (names.count <= 20 ? "'\(generator.card.name)' has: \(names.joined(separator: ", "))"
                             : "see 'gansynth info \(generator.card.name)' for its \(names.count) labels")
        : "did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?"
    throw .usage("unknown label '\(text)' for \(option); \(hint)")
}

/// Up to three labels within a third of the typed name's length in edits (case-insensitive), nearest first.
func closestNames(to typed: String, in names: [String]) -> [String] {
    let t = Array(typed.lowercased())
    let limit = max(1, t.count / 3)
    return names.map { ($0, editDistance(t, Array($0.lowercased()))) }
        .filter { $0.1 <= limit }.sorted { $0.1 < $1.1 }.prefix(3).map(\.0)
}

/// Edits between two names: insertions, deletions, substitutions and swaps of neighbours ("dgo" → "dog" is 1).
private func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
    var d = (0...a.count).map { i in (0...b.count).map { j in i == 0 ? j : (j == 0 ? i : 0) } }
    for i in 1...a.count {
        for j in 1...b.count {
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
        }
    }
    return d[a.count][b.count]
}

/// One image's inputs: z from its seed, label and codes fixed by the user or drawn from the seed.
/// Any field that is set overrides what the seed would give.
struct ImageRequest {
    var seed: UInt32
    var label: Int? = nil
    /// Soft label (one weight per class), for morphing between classes.
    var labelWeights: [Float]? = nil
    var z: [Float]? = nil
    var categorical: [Int]? = nil
    /// Soft categorical codes (each code's weights, one per value, codes in order), for morphing between values.
    var categoricalWeights: [Float]? = nil
    var continuous: [Float]? = nil
    /// W latents (num_ws · w_dim) instead of mapping z (StyleGAN: --ws, mixes, walks in W).
    var ws: [Float]? = nil
}

/// StyleGAN's truncation in W and noise mode for a run; nil fields keep the model's defaults (psi 1, const noise).
struct StyleControls: Equatable {
    var psi: Double? = nil
    var cutoff: Int? = nil
    var noise: NoiseMode? = nil

    func apply(_ inputs: inout GeneratorInputs, seeds: [UInt32]) {
        inputs.truncationPsi = psi ?? 1
        inputs.truncationCutoff = cutoff
        inputs.noiseMode = noise ?? .const
        inputs.noiseSeeds = seeds
    }

    /// PNG text for a StyleGAN model's pictures.
    func text(for generator: Generator) -> [(String, String)] {
        var chunks: [(String, String)] = []
        if generator.wSpace != nil {
            chunks.append(("gansynth:truncation-psi", String(psi ?? 1) + (cutoff.map { " (first \($0) rows)" } ?? "")))
        }
        if generator.hasNoise { chunks.append(("gansynth:noise-mode", (noise ?? .const).rawValue)) }
        return chunks
    }
}

func generatorInputs(for requests: [ImageRequest], generator: Generator, truncation: Double?,
                     style: StyleControls = StyleControls()) -> GeneratorInputs {
    let spec = generator.inputs
    var inputs = GeneratorInputs(count: requests.count, z: [])
    inputs.z.reserveCapacity(requests.count * spec.zDimension)
    let soft = requests.contains { $0.labelWeights != nil }
    let softCodes = requests.contains { $0.categoricalWeights != nil }
    for r in requests {
        inputs.z += r.z ?? latentVector(seed: r.seed, dimension: spec.zDimension, distribution: spec.zDistribution,
                                        truncation: truncation)
        let drawn = drawnConditions(seed: r.seed, labelCount: spec.labels.count,
                                    categoricalSizes: spec.categoricalSizes, continuousCount: spec.continuousCount)
        if spec.isConditional {
            let label = r.label ?? drawn.label!
            if soft {
                inputs.labelWeights += r.labelWeights ?? spec.labels.indices.map { $0 == label ? 1 : 0 }
            } else {
                inputs.labels.append(label)
            }
        }
        let categorical = r.categorical ?? drawn.categorical
        if softCodes {
            inputs.categoricalWeights += r.categoricalWeights ?? oneHot(categorical, sizes: spec.categoricalSizes)
        }
        inputs.categorical += categorical
        inputs.continuous += r.continuous ?? drawn.continuous
        if let ws = r.ws { inputs.ws += ws }
    }
    inputs.truncation = truncation ?? 1
    style.apply(&inputs, seeds: requests.map(\.seed))
    return inputs
}

/// Each code's value as a one-hot row of its size, codes in order.
func oneHot(_ values: [Int], sizes: [Int]) -> [Float] {
    zip(values, sizes).flatMap { value, size in (0..<size).map { $0 == value ? Float(1) : 0 } }
}

/// Runs the generator on `requests`: one 8-bit image per request, and the inputs used.
func render(_ requests: [ImageRequest], generator: Generator, model: ModelOptions, truncation: Double?,
            style: StyleControls = StyleControls()) throws(CLIError) -> (images: [Image], inputs: GeneratorInputs) {
    let inputs = generatorInputs(for: requests, generator: generator, truncation: truncation, style: style)
    // A batch's floats at a time, turned into tiles before the next: only the tiles of the whole picture stay.
    let step = imagesPerBatch(requested: model.batch, generator: generator)
    var images: [Image] = []
    images.reserveCapacity(requests.count)
    for start in stride(from: 0, to: requests.count, by: step) {
        let part = start..<min(start + step, requests.count)
        let values: [Float]
        do { values = try generator.generate(inputs.slice(part, generator: generator), parallelism: model.parallelism, chunkSize: step) } catch {
            throw .refusedInputs(error)
        }
        images += tiles(values, generator: generator)
    }
    return (images, inputs)
}

/// What a batch may hold outside the generator's own working memory (which `Generator` keeps within 1 GiB): the
/// batch's output floats, its 8-bit tiles and its encoded bytes. Together at most 2 GiB, whatever --batch and the
/// model's output size.
let batchHoldingsBudget = 1 << 30

/// --batch, shrunk so the batch's holdings fit `batchHoldingsBudget`: per image its floats (4 bytes a value), its
/// tile (1), its encoded bytes and their copy in the output buffer (at most about 1 each, PNG's worst case
/// included). Any batch size makes the same images, so shrinking never changes a pixel.
func imagesPerBatch(requested: Int, generator: Generator) -> Int {
    let o = generator.output
    let held = 8 * o.channels * o.height * o.width
    return max(1, min(requested, batchHoldingsBudget / held))
}

extension GeneratorInputs {
    /// Images `range` of these inputs.
    func slice(_ range: Range<Int>, generator: Generator) -> GeneratorInputs {
        let spec = generator.inputs
        let zd = spec.zDimension, nk = spec.categoricalSizes.count, nc = spec.continuousCount, nl = spec.labels.count
        var part = GeneratorInputs(count: range.count, z: Array(z[(range.lowerBound * zd)..<(range.upperBound * zd)]),
                                   labels: labels.isEmpty ? [] : Array(labels[range]),
                                   categorical: Array(categorical[(range.lowerBound * nk)..<(range.upperBound * nk)]),
                                   continuous: Array(continuous[(range.lowerBound * nc)..<(range.upperBound * nc)]))
        if !labelWeights.isEmpty { part.labelWeights = Array(labelWeights[(range.lowerBound * nl)..<(range.upperBound * nl)]) }
        if !categoricalWeights.isEmpty {
            let nw = spec.categoricalSizes.reduce(0, +)
            part.categoricalWeights = Array(categoricalWeights[(range.lowerBound * nw)..<(range.upperBound * nw)])
        }
        part.truncation = truncation
        part.truncationPsi = truncationPsi
        part.truncationCutoff = truncationCutoff
        part.noiseMode = noiseMode
        if !noiseSeeds.isEmpty { part.noiseSeeds = Array(noiseSeeds[range]) }
        if !ws.isEmpty {
            let per = ws.count / count
            part.ws = Array(ws[(range.lowerBound * per)..<(range.upperBound * per)])
        }
        return part
    }
}

/// Generated floats (count, C, H, W) → one 8-bit image per request.
func tiles(_ values: [Float], generator: Generator) -> [Image] {
    let o = generator.output
    let perImage = o.channels * o.height * o.width
    return values.withUnsafeBufferPointer { all in
        (0..<(values.count / perImage)).map { i in
            quantizePlanar(UnsafeBufferPointer(rebasing: all[(i * perImage)..<((i + 1) * perImage)]),
                           channels: o.channels, height: o.height, width: o.width,
                           range: ValueRange(low: o.range.bounds.low, high: o.range.bounds.high))
        }
    }
}

/// Grid (or the single image for n = 1), upscaled. `columns`: the layout's own row length (a path, a sweep, a
/// class), used unless --nrow reflows the cells.
func compose(_ images: [Image], grid: GridOptions, columns naturalColumns: Int? = nil) -> Image {
    let images = grid.scale.down > 1 ? images.map { downscaleArea($0, factor: grid.scale.down) } : images
    var picture = images[0]
    if images.count > 1 {
        let columns = grid.columns(count: images.count, natural: naturalColumns)
        picture = makeGrid(images, columns: min(columns, images.count), padding: grid.padding, padValue: UInt8(grid.padValue))
    }
    return grid.scale.up > 1 ? upscaleNearest(picture, factor: grid.scale.up) : picture
}

/// PGM holds gray only: an RGB model is refused before any work, not by the encoder after it (status 64 everywhere).
func checkFormat(_ format: ImageFormat, for generator: Generator) throws(CLIError) {
    if format == .pgm && generator.output.channels != 1 {
        throw .usage("PGM holds gray images; '\(generator.card.name)' makes RGB images, use ppm (--format ppm or a .ppm name)")
    }
}

/// Checks the final picture's size before any pixel is computed.
func checkPictureSize(count: Int, generator: Generator, grid: GridOptions, columns naturalColumns: Int? = nil) throws(CLIError) {
    let o = generator.output
    let k = grid.scale.down
    guard o.width % k == 0, o.height % k == 0 else {
        throw .usage("--scale 1/\(k) needs image sides that are multiples of \(k); '\(generator.card.name)' makes \(o.width)x\(o.height)")
    }
    let (tileWidth, tileHeight) = (o.width / k, o.height / k)
    let columns = count == 1 ? 1 : min(grid.columns(count: count, natural: naturalColumns), count)
    let rows = (count + columns - 1) / columns
    let pad = count == 1 ? 0 : grid.padding
    let width = (columns * (tileWidth + pad) + pad) * grid.scale.up
    let height = (rows * (tileHeight + pad) + pad) * grid.scale.up
    guard width * height <= Limits.outputPixels, width <= 65535, height <= 65535 else {
        throw .usage("the picture would be \(width)x\(height) pixels, over the limit (65535 per side, \(Limits.outputPixels) in all); use fewer images or a smaller --scale")
    }
}

func write(_ picture: Image, to output: OutputOptions, text: [TextChunk]) throws(CLIError) {
    try write(picture, to: output.output, encoding: output.encoding, text: text)
}

/// Encodes and writes one picture to `path` (atomically) or to standard output for "-".
func write(_ picture: Image, to path: String, encoding: EncodingOptions, text: [TextChunk]) throws(CLIError) {
    let format: ImageFormat
    do { format = try encoding.imageFormat(for: path) } catch { throw .usage("\(error)") }
    var options = EncodeOptions()
    options.jpegQuality = encoding.quality
    options.text = text
    do {
        let bytes = try encode(picture, as: format, options: options)
        if path == "-", let served = Served.request {
            served.append(bytes)
        } else if path == "-" {
            try writeToStandardOutput(bytes)
        } else {
            try writeAtomically(bytes, to: path)
        }
    } catch {
        throw .output(error)
    }
}

/// PNG text chunks that let anyone regenerate the picture: the model by name, file name (not the folder, which is one
/// machine's) and SHA-256, which names the exact file whatever it is called.
func provenance(generator: Generator, modelPath: String, seeds: [UInt32], truncation: Double?,
                extra: [(String, String)] = []) -> [TextChunk] {
    var chunks = [
        TextChunk(key: "Software", value: "gansynth \(Gansynth.version)"),
        TextChunk(key: "gansynth:model", value: generator.card.name),
        TextChunk(key: "gansynth:model-file", value: String(modelPath.split(separator: "/").last ?? "")),
        TextChunk(key: "gansynth:model-sha256", value: generator.fileSHA256),
        TextChunk(key: "gansynth:seeds", value: formatSeedList(seeds)),
        TextChunk(key: "gansynth:truncation", value: truncation.map { String($0) } ?? "none"),
        TextChunk(key: "gansynth:command", value: (Served.request?.command ?? CommandLine.arguments).map(shellQuoted).joined(separator: " ")),
    ]
    for (k, v) in extra { chunks.append(TextChunk(key: k, value: v)) }
    return chunks
}

/// Text chunks naming each image's label and InfoGAN codes, in image order ("," between images).
func conditionsText(_ inputs: GeneratorInputs, generator: Generator) -> [(String, String)] {
    let spec = generator.inputs
    var chunks: [(String, String)] = []
    // A soft input is written as its mixture: "0.25*cat+0.75*dog".
    func mixture(_ weights: ArraySlice<Float>, _ names: [String]) -> String {
        zip(weights, names).compactMap { w, name in w == 0 ? nil : (w == 1 ? name : "\(w)*\(name)") }.joined(separator: "+")
    }
    if spec.isConditional {
        let l = spec.labels.count
        let labels = inputs.labelWeights.isEmpty
            ? inputs.labels.map { spec.labels[$0] }
            : (0..<inputs.count).map { i in mixture(inputs.labelWeights[(i * l)..<((i + 1) * l)], spec.labels) }
        chunks.append(("gansynth:labels", labels.joined(separator: ",")))
    }
    let sizes = spec.categoricalSizes, k = sizes.count, c = spec.continuousCount, row = sizes.reduce(0, +)
    if k + c > 0 {
        let codes = (0..<inputs.count).map { i in
            let categorical = inputs.categoricalWeights.isEmpty
                ? inputs.categorical[(i * k)..<((i + 1) * k)].map(String.init)
                : sizes.indices.map { j in
                    let start = i * row + sizes[..<j].reduce(0, +)
                    return mixture(inputs.categoricalWeights[start..<(start + sizes[j])], (0..<sizes[j]).map(String.init))
                }
            return (categorical + inputs.continuous[(i * c)..<((i + 1) * c)].map { String($0) }).joined(separator: " ")
        }
        chunks.append(("gansynth:codes", codes.joined(separator: ",")))
    }
    return chunks
}

/// 0,1,2,3,7 → "0-3,7"
func formatSeedList(_ seeds: [UInt32]) -> String {
    var parts: [String] = []
    var i = 0
    while i < seeds.count {
        var j = i
        while j + 1 < seeds.count, seeds[j] != UInt32.max, seeds[j + 1] == seeds[j] + 1 { j += 1 }
        parts.append(j > i ? "\(seeds[i])-\(seeds[j])" : "\(seeds[i])")
        i = j + 1
    }
    return parts.joined(separator: ",")
}

func shellQuoted(_ s: String) -> String {
    let safe = s.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@".contains($0) }
    return safe && !s.isEmpty ? s : "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
}
