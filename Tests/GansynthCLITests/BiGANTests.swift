// A BiGAN file's encoder from the command line (tiny-bigan, Tests/Fixtures): encode's z is the library's, the
// reconstructions are `sample --latents` of that z, walks between images keep their ends, and every bad input
// image is refused in one line without an output.

import Foundation
import GanImage
import GanModel
import Testing

private let model = ["--model", "tiny-bigan"]

private func png(_ args: [String]) throws -> Image {
    let r = try gansynth(args + ["-"])
    #expect(r.status == 0, "\(args): \(r.stderr)")
    return try decodePNG(r.stdout)
}

/// Two 8x8 gray images: the model's own samples of seeds 3 and 5.
private func inputImages(in dir: URL) throws -> [String] {
    try [3, 5].map { seed in
        let path = dir.appendingPathComponent("seed\(seed).png").path
        let r = try gansynth(["sample"] + model + ["--seed", "\(seed)", "--n", "1", path])
        #expect(r.status == 0, "\(r.stderr)")
        return path
    }
}

@Suite(.serialized) struct BiGANWorkflow {
    @Test func encodeGivesTheLibrarysZ() throws {
        let dir = try temporaryDirectory()
        let paths = try inputImages(in: dir)
        let npy = dir.appendingPathComponent("z.npy").path
        let r = try gansynth(["encode"] + model + paths + ["-o", npy])
        #expect(r.status == 0, "\(r.stderr)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: npy)))
        let header = String(decoding: bytes.prefix(128), as: UTF8.self)
        #expect(header.contains("'descr': '<f4'") && header.contains("'shape': (2, 4)"))
        let z = bytes.suffix(32).withUnsafeBytes { raw in (0..<8).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }

        let g = try Generator(path: fixturePath("tiny-bigan.gguf"))
        let pixels = try paths.flatMap { try readImage(URL(fileURLWithPath: $0)).pixels.map { Float($0) / 255 * 2 - 1 } }
        #expect(try g.encode(pixels, count: 2) == z)

        // JSON lines: one object per image, in order, with the same values.
        let j = try gansynth(["encode"] + model + paths)
        #expect(j.status == 0)
        let lines = String(decoding: j.stdout, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(first["file"] as? String == "seed3.png")
        #expect((first["z"] as? [Double])?.map { Float($0) } == Array(z[0..<4]))
    }

    @Test func reconstructionsAreTheGeneratorsImagesOfTheCodes() throws {
        let dir = try temporaryDirectory()
        let paths = try inputImages(in: dir)
        let npy = dir.appendingPathComponent("z.npy").path
        #expect(try gansynth(["encode"] + model + paths + ["-o", npy]).status == 0)
        let rebuilt = try png(["reconstruct"] + model + paths + ["--padding", "0"])
        #expect(rebuilt == (try png(["sample"] + model + ["--latents", npy, "--padding", "0"])))
        // Side by side: input, reconstruction.
        let pairs = try png(["reconstruct"] + model + paths + ["--side-by-side", "--padding", "0"])
        #expect(pairs.width == 16 && pairs.height == 16)
        #expect(crop(pairs, index: 0, columns: 2, tile: 8, padding: 0) == (try readImage(URL(fileURLWithPath: paths[0]))))
        #expect(crop(pairs, index: 3, columns: 2, tile: 8, padding: 0) == crop(rebuilt, index: 1, columns: 2, tile: 8, padding: 0))
    }

    @Test func aWalkBetweenImagesEndsAtTheirReconstructions() throws {
        let dir = try temporaryDirectory()
        let paths = try inputImages(in: dir)
        let walk = try png(["interpolate"] + model + ["--images", paths.joined(separator: ","), "--steps", "6", "--padding", "0"])
        #expect(walk.width == 48 && walk.height == 8)
        let rebuilt = try png(["reconstruct"] + model + paths + ["--padding", "0"])
        #expect(crop(walk, index: 0, columns: 6, tile: 8, padding: 0) == crop(rebuilt, index: 0, columns: 2, tile: 8, padding: 0))
        #expect(crop(walk, index: 5, columns: 6, tile: 8, padding: 0) == crop(rebuilt, index: 1, columns: 2, tile: 8, padding: 0))
    }

    /// Each bad input: status 64, one line naming the image and the numbers, no output file.
    @Test func badInputImagesAreRefusedInOneLine() throws {
        let dir = try temporaryDirectory()
        let good = try inputImages(in: dir)[0]
        let rgb = dir.appendingPathComponent("rgb.png").path
        #expect(try gansynth(["sample", "--model", "tiny-dcgan", "--n", "1", rgb]).status == 0)  // 8x8 RGB
        let big = dir.appendingPathComponent("big.pgm").path
        try Data("P5\n9 9\n255\n".utf8 + [UInt8](repeating: 7, count: 81)).write(to: URL(fileURLWithPath: big))
        let text = dir.appendingPathComponent("notes.png").path
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: text))
        let cut = dir.appendingPathComponent("cut.png").path
        try Data(try Data(contentsOf: URL(fileURLWithPath: good)).prefix(40)).write(to: URL(fileURLWithPath: cut))
        let out = dir.appendingPathComponent("out.png").path
        let cases: [([String], String)] = [
            (["reconstruct"] + model + [rgb, out], "is RGB; 'tiny-bigan' encodes gray images"),
            (["reconstruct"] + model + [big, out], "is 9x9; 'tiny-bigan' encodes 8x8 images"),
            (["reconstruct"] + model + [text, out], "not a PNG, JPEG, PGM or PPM file"),
            (["reconstruct"] + model + [cut, out], "cut.png"),
            (["reconstruct"] + model + [dir.appendingPathComponent("missing.png").path, out], "No such file or directory"),
            (["reconstruct", "--model", "tiny-dcgan", rgb, out], "reconstruct needs a model with an encoder"),
            (["encode", "--model", "tiny-dcgan", rgb, "-o", out], "encode needs a model with an encoder"),
            (["interpolate"] + model + ["--images", "\(good),\(big)", out], "is 9x9"),
            (["interpolate"] + model + ["--images", good, out], "at least two images"),
        ]
        for (args, message) in cases {
            let r = try gansynth(args)
            let lines = r.stderr.split(separator: "\n")
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(lines.count == 1 && r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: out), "\(args) left an output")
        }
    }
}
