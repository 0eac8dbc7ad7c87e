// Images given to a BiGAN's encoder (encode, reconstruct, interpolate --images): read with the size checked before
// the read, decoded by their first bytes through libpng, libjpeg or the PNM reader, and refused in one line unless
// they have the model's channels and size. Pixels become the encoder's input by FORMAT.md's inverse mapping.

import GGUFFormat
import GanImage
import GanModel

struct InputImage {
    /// The file's name without its folder, and its SHA-256 (what PNG text and JSON lines say).
    let name: String, sha256: String
    /// As decoded, and as the encoder's input: (C, H, W) in the model's output range.
    let image: Image
    let values: [Float]

    /// At most 64 MiB per file: far beyond any image an encoder takes, and refused before it is read.
    static let byteLimit = 64 << 20

    static func load(_ path: String, for generator: Generator) throws(CLIError) -> InputImage {
        func refuse(_ why: String) -> CLIError { .usage("input image '\(terminalSafe(path))': \(why)") }
        let bytes = try readInputFile(path, bytes: 0...byteLimit, refuse: refuse, tooSmall: { "\($0) bytes" },
                                      tooLarge: { "\($0) bytes, more than the \(byteLimit >> 20) MiB an input image may have" })
        let decode: ([UInt8]) throws(ImageError) -> Image
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            decode = decodePNG
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            decode = decodeJPEG
        } else if bytes.starts(with: Array("P5".utf8)) || bytes.starts(with: Array("P6".utf8)) {
            decode = decodePNM
        } else {
            throw refuse("not a PNG, JPEG, PGM or PPM file")
        }
        let image: Image
        do { image = try decode(bytes) } catch { throw refuse(error.description) }
        let o = generator.output
        let kind = { (c: Int) in c == 1 ? "gray" : "RGB" }
        guard image.channels == o.channels else {
            throw refuse("is \(kind(image.channels)); '\(generator.card.name)' encodes \(kind(o.channels)) images")
        }
        guard image.width == o.width, image.height == o.height else {
            throw refuse("is \(image.width)x\(image.height); '\(generator.card.name)' encodes \(o.width)x\(o.height) images")
        }
        let (lo, hi) = o.range.bounds
        let planes = planarBytes(image)
        return InputImage(name: String(path.split(separator: "/").last ?? ""), sha256: sha256Hex(bytes), image: image,
                          values: planes.map { lo + (hi - lo) * Float($0) / 255 })
    }
}

/// z of each image (images.count × z_dim), by the model's encoder; refused in one line for a model without one.
func encodeImages(_ images: [InputImage], generator: Generator, model: ModelOptions) throws(CLIError) -> [Float] {
    do {
        return try generator.encode(images.flatMap(\.values), count: images.count, parallelism: model.parallelism)
    } catch {
        throw .refusedInputs(error)
    }
}

/// Refuses `command` in one line for a model without an encoder.
func requireEncoder(_ generator: Generator, for command: String) throws(CLIError) {
    if generator.encoderGraph == nil {
        throw .usage("\(command) needs a model with an encoder (a BiGAN); '\(generator.card.name)' has none")
    }
}

/// PNG text naming the images a picture's latents came from.
func imagesText(_ images: [InputImage]) -> String {
    images.map { "\($0.name) (sha256 \($0.sha256))" }.joined(separator: ", ")
}
