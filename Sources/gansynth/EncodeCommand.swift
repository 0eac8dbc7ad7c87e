// `gansynth encode` and `gansynth reconstruct`: a BiGAN model's encoder E maps images to latents; `encode` writes
// each image's z, `reconstruct` shows G(E(x)). The z of an image never depends on the other images given.

import ArgumentParser
import GanImage
import GanModel

enum LatentsFormat: String, ExpressibleByArgument, CaseIterable {
    case npy, jsonl
}

struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Map images to latents with a BiGAN model's encoder: each image's z, as .npy or JSON lines.",
        discussion: """
            The images must have the model's size and channels (gray or RGB); their pixels become the encoder's \
            input as Models/FORMAT.md "The encoder" says. A .npy output holds float32 (N, z_dim), row i for image \
            i, which `gansynth sample --latents FILE` turns back into the reconstructions G(E(x)). JSON lines hold \
            one object per image: {"file": name, "sha256": of the file, "z": [values]}.
            """)

    @OptionGroup var model: ModelOptions

    @Option(name: [.short, .long], parsing: .unconditional, help: ArgumentHelp("Output file (.npy, or JSON lines) or - for standard output.", valueName: "file"))
    var output: String = "-"

    @Option(parsing: .unconditional, help: "npy or jsonl. Default: npy for a .npy file, else jsonl.")
    var format: LatentsFormat?

    @Argument(help: "Images to encode (PNG, JPEG, PGM, PPM), at most 65536.")
    var images: [String] = []

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        guard !images.isEmpty else { throw ValidationError("give the images to encode") }
        guard images.count <= Limits.images else { throw ValidationError("\(images.count) images, more than \(Limits.images)") }
        if format == .npy, output == "-" { return }
        if format == .jsonl, output.hasSuffix(".npy") { throw ValidationError("--format jsonl for a .npy file; name it .jsonl") }
    }

    func run() throws {
        let (generator, _) = try model.load()
        try requireEncoder(generator, for: "encode")
        var inputs: [InputImage] = []
        for path in images { inputs.append(try InputImage.load(path, for: generator)) }
        let z = try encodeImages(inputs, generator: generator, model: model)
        let d = generator.inputs.zDimension
        let bytes: [UInt8]
        if (format ?? (output.hasSuffix(".npy") ? .npy : .jsonl)) == .npy {
            bytes = npyFloat32(z, shape: [inputs.count, d])
        } else {
            var text = ""
            for (i, image) in inputs.enumerated() {
                let row = z[(i * d)..<((i + 1) * d)].map { "\($0)" }.joined(separator: ", ")
                text += "{\"file\": \(jsonString(image.name)), \"sha256\": \"\(image.sha256)\", \"z\": [\(row)]}\n"
            }
            bytes = Array(text.utf8)
        }
        do {
            if output == "-" { try writeToStandardOutput(bytes) } else { try writeAtomically(bytes, to: output) }
        } catch {
            throw CLIError.output(error)
        }
    }
}

struct Reconstruct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a BiGAN model's reconstructions G(E(x)) of images (a grid for several).",
        discussion: """
            Each reconstruction is the generator's image of the encoder's z for that image, exactly what \
            `gansynth encode -o z.npy` and `gansynth sample --latents z.npy` make. --side-by-side puts each input \
            to the left of its reconstruction.
            """)

    @OptionGroup var model: ModelOptions

    @Flag(help: "Each input image next to its reconstruction.")
    var sideBySide = false

    @OptionGroup var grid: GridOptions
    @OptionGroup var encoding: EncodingOptions

    @Argument(help: "Input images (PNG, JPEG, PGM, PPM), then the output file (.png, .jpg, .ppm, .pgm) or -.")
    var files: [String] = []

    var inputs: ArraySlice<String> { files.dropLast() }
    var output: String { files.last ?? "-" }

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        guard files.count >= 2 else { throw ValidationError("give the input images, then the output file") }
        guard inputs.count <= Limits.images else { throw ValidationError("\(inputs.count) images, more than \(Limits.images)") }
        _ = try encoding.imageFormat(for: output)
    }

    func run() throws {
        let (generator, path) = try model.load()
        try requireEncoder(generator, for: "reconstruct")
        var images: [InputImage] = []
        for p in inputs { images.append(try InputImage.load(p, for: generator)) }
        let columns = sideBySide ? 2 : nil
        try checkPictureSize(count: images.count * (sideBySide ? 2 : 1), generator: generator, grid: grid, columns: columns)
        try checkFormat(encoding.imageFormat(for: output), for: generator)
        let z = try encodeImages(images, generator: generator, model: model)
        let d = generator.inputs.zDimension
        let requests = images.indices.map { ImageRequest(seed: UInt32($0), z: Array(z[($0 * d)..<(($0 + 1) * d)])) }
        let (made, _) = try render(requests, generator: generator, model: model, truncation: nil, style: StyleControls())
        let cells = sideBySide ? zip(images, made).flatMap { [$0.image, $1] } : made
        let text = provenance(generator: generator, modelPath: path, seeds: [], truncation: nil,
                              extra: [("gansynth:reconstruction", "G(E(x)) of " + imagesText(images))])
        try write(compose(cells, grid: grid, columns: columns), to: output, encoding: encoding, text: text)
    }
}
