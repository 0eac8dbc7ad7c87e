// interpolate, sweep and class tables, end to end: geometry, endpoint identity with `sample`, errors.

import Foundation
import GGUFFormat
import GanImage
import Testing

private func png(_ args: [String]) throws -> Image {
    let r = try gansynth(args + ["-"])
    #expect(r.status == 0, "\(args): \(r.stderr)")
    return try decodePNG(r.stdout)
}

@Suite(.serialized) struct InterpolateCommand {
    @Test func oneRowFromSeedToSeed() throws {
        let walk = try png(["interpolate", "--seeds", "1,7", "--steps", "10"])
        #expect(walk.width == 10 * 30 + 2 && walk.height == 30 + 2)
        // The keyframes, not one seed per cell (most cells have none).
        let text = try pngTextChunks(try gansynth(["interpolate", "--seeds", "1,7,3", "--steps", "10", "-"]).stdout)
        #expect(text.contains(TextChunk(key: "gansynth:seeds", value: "1,7,3")))
        let grid = try png(["interpolate", "--pairs", "8", "--seed", "0", "--steps", "10"])
        #expect(grid.width == 10 * 30 + 2 && grid.height == 8 * 30 + 2)
    }

    @Test(arguments: [(["--model", "mnist-dcgan"], "slerp"), (["--model", "tiny-cgan"], "slerp"),
                      (["--model", "tiny-infogan"], "slerp"), (["--model", "mnist-dcgan"], "linear")])
    func endpointsAreTheSampledImages(model: [String], mode: String) throws {
        let row = try png(["interpolate"] + model + ["--mode", mode, "--seeds", "11,12", "--steps", "5", "--padding", "0"])
        let first = try png(["sample"] + model + ["--seeds", "11"]), last = try png(["sample"] + model + ["--seeds", "12"])
        let tile = first.width
        #expect(crop(row, index: 0, columns: 5, tile: tile, padding: 0) == first)
        #expect(crop(row, index: 4, columns: 5, tile: tile, padding: 0) == last)
        #expect(crop(row, index: 2, columns: 5, tile: tile, padding: 0) != first)
    }

    @Test func labelMorphEndsOnEachClass() throws {
        let row = try png(["interpolate", "--model", "tiny-cgan", "--label-from", "cat", "--label-to", "bird", "--seed", "3",
                           "--steps", "4", "--padding", "0"])
        let cat = try png(["sample", "--model", "tiny-cgan", "--seeds", "3", "--label", "cat"])
        let bird = try png(["sample", "--model", "tiny-cgan", "--seeds", "3", "--label", "bird"])
        #expect(crop(row, index: 0, columns: 4, tile: cat.width, padding: 0) == cat)
        #expect(crop(row, index: 3, columns: 4, tile: cat.width, padding: 0) == bird)
    }

    @Test func framesForFFmpeg() throws {
        let dir = try temporaryDirectory()
        let loop = dir.appendingPathComponent("loop").path, open = dir.appendingPathComponent("open").path
        #expect(try gansynth(["interpolate", "--seeds", "3,9,4,3", "--steps", "5", "--frames", loop]).status == 0)
        #expect(try gansynth(["interpolate", "--seeds", "3,9,4", "--steps", "5", "--frames", open]).status == 0)
        let loopFrames = try FileManager.default.contentsOfDirectory(atPath: loop).sorted()
        #expect(loopFrames.count == 15 && loopFrames.first == "frame_0000.png" && loopFrames.last == "frame_0014.png")
        #expect(try FileManager.default.contentsOfDirectory(atPath: open).count == 11)
        // Keyframes land on frames 0, steps, 2·steps: the sampled images of those seeds.
        let nine = try png(["sample", "--seeds", "9"])
        #expect(try readImage(URL(fileURLWithPath: loop + "/frame_0005.png")) == nine)
    }

    /// A shorter run into the folder of a longer one left the longer run's last frames to play on after it.
    @Test func aShorterRunLeavesNoStaleFrames() throws {
        let dir = try temporaryDirectory().appendingPathComponent("f").path
        #expect(try gansynth(["interpolate", "--seeds", "1,2", "--steps", "12", "--frames", dir]).status == 0)
        FileManager.default.createFile(atPath: dir + "/notes.txt", contents: Data("mine".utf8))
        #expect(try gansynth(["interpolate", "--seeds", "1,2", "--steps", "4", "--frames", dir]).status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names == ["frame_0000.png", "frame_0001.png", "frame_0002.png", "frame_0003.png", "frame_0004.png", "notes.txt"])
    }

    /// Past 9,999 frames the names were frame_10000 after frame_9999, out of sort order: now all get 5 digits.
    @Test func tenThousandFramesKeepTheirOrder() throws {
        let dir = try temporaryDirectory().appendingPathComponent("f").path
        let r = try gansynth(["interpolate", "--model", "tiny-dcgan", "--seeds", "1,2", "--steps", "10000",
                              "--frames", dir, "--format", "ppm"])
        #expect(r.status == 0, "\(r.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(names.count == 10_001 && names.first == "frame_00000.ppm" && names.last == "frame_10000.ppm")
    }

    /// --nrow reflows the cells of a path in order; without it each path is one row.
    @Test func nrowReflowsTheRows() throws {
        let rows = try png(["interpolate", "--seeds", "1,2", "--steps", "6", "--padding", "0"])
        let reflowed = try png(["interpolate", "--seeds", "1,2", "--steps", "6", "--padding", "0", "--nrow", "3"])
        #expect(reflowed.width == 3 * 28 && reflowed.height == 2 * 28)
        for i in 0..<6 {
            #expect(crop(reflowed, index: i, columns: 3, tile: 28, padding: 0) == crop(rows, index: i, columns: 6, tile: 28, padding: 0))
        }
    }

    @Test(arguments: [
        (["interpolate", "--model", "tiny-dcgan", "--seeds", "1,2", "x.pgm"], "PGM holds gray images"),
        (["interpolate", "--model", "tiny-dcgan", "--seeds", "1,2", "--format", "pgm", "--frames", "d"], "PGM holds gray images"),
        (["interpolate", "--seeds", "1", "x.png"], "at least two"),
        (["interpolate", "--seeds", "1,2", "--steps", "1", "x.png"], "--steps"),
        (["interpolate", "--seeds", "1,2", "--pairs", "2", "x.png"], "--pairs"),
        (["interpolate", "--label-from", "cat", "x.png"], "--label-to"),
        (["interpolate", "--label-from", "0", "--label-to", "1", "x.png"], "not conditional"),
        (["interpolate", "--seeds", "1,2", "--frames", "d", "x.png"], "--frames"),
        (["interpolate", "--seeds", "1,2", "--mode", "cubic", "x.png"], "cubic"),
    ])
    func errors(args: [String], mentions: String) throws {
        let r = try gansynth(args)
        #expect(r.status == 64 && r.stderr.contains(mentions) && r.stderr.filter { $0 == "\n" }.count == 1, "\(r.stderr)")
    }
}

@Suite(.serialized) struct SweepCommand {
    /// Without --model, sweep failed on the default model (no codes): it now takes the first installed model with
    /// codes, and says which in its PNG text.
    @Test func withoutModelSweepsTheFirstModelWithCodes() throws {
        let r = try gansynth(["sweep", "--code", "1", "--steps", "3", "-"])
        #expect(r.status == 0, "\(r.stderr)")
        let name = try pngTextChunks(r.stdout).first { $0.key == "gansynth:model" }?.value
        #expect(name == "tiny-infogan")
        let explicit = try gansynth(["sweep", "--model", "tiny-infogan", "--code", "1", "--steps", "3", "-"])
        #expect(try decodePNG(r.stdout) == decodePNG(explicit.stdout))
    }

    @Test func continuousCodeAcrossCategoricalDown() throws {
        let s = try png(["sweep", "--model", "tiny-infogan", "--code", "1", "--range", "-2:2", "--steps", "6", "--padding", "1"])
        // tiny-infogan: categorical codes of 4 and 3 values (rows: the first), 2 continuous codes, 8x8 RGB.
        #expect(s.width == 6 * 9 + 1 && s.height == 4 * 9 + 1)
        // Columns differ (the code has an effect) and rows differ (the categorical code has one).
        #expect(crop(s, index: 0, columns: 6, tile: 8, padding: 1) != crop(s, index: 5, columns: 6, tile: 8, padding: 1))
        #expect(crop(s, index: 0, columns: 6, tile: 8, padding: 1) != crop(s, index: 6, columns: 6, tile: 8, padding: 1))
    }

    @Test func categoricalRowsWithSeedColumns() throws {
        let s = try png(["sweep", "--model", "tiny-infogan", "--categorical", "rows", "--steps", "5", "--padding", "0"])
        #expect(s.width == 5 * 8 && s.height == 4 * 8)
    }

    @Test func seedRowsWithAFixedCategoricalValue() throws {
        let s = try png(["sweep", "--model", "tiny-infogan", "--categorical", "2", "--rows", "3", "--code", "2", "--steps", "4", "--padding", "0"])
        #expect(s.width == 4 * 8 && s.height == 3 * 8)
    }

    @Test func modelWithoutCodesNamesTheOnesThatHaveThem() throws {
        let r = try gansynth(["sweep", "--model", "tiny-dcgan", "--code", "1", "x.png"])
        #expect(r.status == 64 && r.stderr.contains("no InfoGAN codes") && r.stderr.contains("tiny-infogan"), "\(r.stderr)")
    }

    @Test func codeOutOfRange() throws {
        let r = try gansynth(["sweep", "--model", "tiny-infogan", "--code", "3", "x.png"])
        #expect(r.status == 64 && r.stderr.contains("2 continuous codes"), "\(r.stderr)")
    }
}

@Suite(.serialized) struct ClassTable {
    @Test func oneRowPerLabelSharingSeeds() throws {
        // tiny-cgan: labels cat, dog, bird; 6x6 gray images.
        let table = try png(["sample", "--model", "tiny-cgan", "--labels", "all", "--per-label", "4", "--padding", "0"])
        #expect(table.width == 4 * 6 && table.height == 3 * 6)
        let dogs = try png(["sample", "--model", "tiny-cgan", "--label", "dog", "--n", "4", "--nrow", "4", "--padding", "0"])
        for i in 0..<4 {
            #expect(crop(table, index: 4 + i, columns: 4, tile: 6, padding: 0) == crop(dogs, index: i, columns: 4, tile: 6, padding: 0))
        }
    }

    @Test func labelListInItsOwnOrder() throws {
        let two = try png(["sample", "--model", "tiny-cgan", "--labels", "Bird,cat", "--per-label", "2", "--padding", "0"])
        let birds = try png(["sample", "--model", "tiny-cgan", "--label", "2", "--n", "2", "--padding", "0"])
        #expect(two.height == 12)
        #expect(crop(two, index: 0, columns: 2, tile: 6, padding: 0) == crop(birds, index: 0, columns: 2, tile: 6, padding: 0))
    }
}

/// A converted BigGAN-deep (random weights of reduced width, Training/make_converter_fixtures.py): the CLI draws z
/// as pytorch-pretrained-biggan's truncated_noise_sample for the seed and picks the statistics by the truncation,
/// so the image of seed 1, class 2 at truncation 0.4 is the reference's, within one level of 255.
@Suite struct BigGANDeepSampling {
    @Test func sampleByClassNameIsTheReferenceImage() throws {
        let r = try gansynth(["sample", "--model", "biggan-deep-tiny", "--label", "Golden Retriever", "--seeds", "1",
                              "--truncation", "0.4", "-"])
        #expect(r.status == 0, "\(r.stderr)")
        let image = try decodePNG(r.stdout)
        let file = try GGUFFile(path: fixturePath("biggan-deep-tiny.expected.gguf"))
        let expected = try file.floats(of: try #require(file.tensor(named: "output")))
        let plane = 32 * 32
        var worst = 0
        for c in 0..<3 {
            for p in 0..<plane {
                let v = expected[(1 * 3 + c) * plane + p]  // image 1 of the fixture: seed 1, label 2
                let level = Int((min(max((v + 1) / 2, 0), 1) * 255 + 0.5).rounded(.down))
                worst = max(worst, abs(Int(image.pixels[p * 3 + c]) - level))
            }
        }
        #expect(worst <= 1, "worst difference \(worst) levels")
    }

    @Test func aMistypedClassGetsSuggestions() throws {
        let r = try gansynth(["sample", "--model", "biggan-deep-tiny", "--label", "golden retreiver", "x.png"])
        #expect(r.status == 64 && r.stderr.contains("did you mean 'golden retriever'?"), "\(r.stderr)")
        let t = try gansynth(["sample", "--model", "biggan-deep-tiny", "--truncation", "1.5", "x.png"])
        #expect(t.status == 64 && t.stderr.contains("at most 1"), "\(t.stderr)")
    }
}

/// A .npy as numpy.save writes it (format 1.0): `descr` and shape in a header padded to 64 bytes, then the data.
func npyFile(_ values: [Float], shape: [Int], descr: String = "<f4") -> Data {
    let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
    header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
    var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
    data.append(Data(header.utf8))
    values.withUnsafeBytes { data.append(contentsOf: $0) }
    return data
}

/// --latents: the reference's own z, the statistics from --truncation, and the reference's image.
@Suite struct LatentsFromAFile {
    @Test func theReferencesZGivesTheReferencesImage() throws {
        let fixture = try GGUFFile(path: fixturePath("biggan-deep-tiny.expected.gguf"))
        let z = try fixture.floats(of: try #require(fixture.tensor(named: "inputs.z")))   // (3, 8), already scaled by t
        let expected = try fixture.floats(of: try #require(fixture.tensor(named: "output")))
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("z.npy")
        try npyFile(Array(z[8..<16]), shape: [1, 8]).write(to: file)   // row 1 of the fixture: its label is 2
        let r = try gansynth(["sample", "--model", "biggan-deep-tiny", "--latents", file.path, "--label", "2",
                              "--truncation", "0.4", "-"])
        #expect(r.status == 0, "\(r.stderr)")
        let image = try decodePNG(r.stdout)
        var worst = 0
        for c in 0..<3 {
            for p in 0..<(32 * 32) {
                let v = expected[(1 * 3 + c) * 1024 + p]
                let level = Int((min(max((v + 1) / 2, 0), 1) * 255 + 0.5).rounded(.down))
                worst = max(worst, abs(Int(image.pixels[p * 3 + c]) - level))
            }
        }
        #expect(worst <= 1, "worst difference \(worst) levels")
        let text = try pngTextChunks(r.stdout)
        #expect(text.contains { $0.key == "gansynth:latents" && $0.value.hasPrefix("z.npy (sha256 ") })

        // generate: one file per row, and the run record names the file.
        let out = dir.appendingPathComponent("set").path
        try npyFile(z, shape: [3, 8]).write(to: file)
        let g = try gansynth(["generate", "--model", "biggan-deep-tiny", "--latents", file.path, "--labels", "2",
                              "--truncation", "0.4", "--outdir", out, "--quiet"])
        #expect(g.status == 0, "\(g.stderr)")
        #expect(try decodePNG([UInt8](try Data(contentsOf: URL(fileURLWithPath: out + "/000001.png")))) == image)
        #expect(try String(contentsOfFile: out + "/run.json", encoding: .utf8).contains("\"latents z.npy, sha256 "))
    }

    /// interpolate --latents walks from row to row; its ends are `sample --latents`'s images of those rows.
    @Test func interpolationEndsAreTheRowsImages() throws {
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("z.npy")
        var rng = SystemRandomNumberGenerator()
        let rows = (0..<(2 * 64)).map { _ in Float.random(in: -2...2, using: &rng) }
        try npyFile(rows, shape: [2, 64]).write(to: file)
        let walk = try gansynth(["interpolate", "--model", "tiny-dcgan", "--latents", file.path, "--steps", "5", "--padding", "0", "-"])
        #expect(walk.status == 0, "\(walk.stderr)")
        let grid = try decodePNG(walk.stdout)
        let both = try decodePNG(try gansynth(["sample", "--model", "tiny-dcgan", "--latents", file.path, "--padding", "0",
                                               "--nrow", "2", "-"]).stdout)
        #expect(crop(grid, index: 0, columns: 5, tile: 8, padding: 0) == crop(both, index: 0, columns: 2, tile: 8, padding: 0))
        #expect(crop(grid, index: 4, columns: 5, tile: 8, padding: 0) == crop(both, index: 1, columns: 2, tile: 8, padding: 0))
        #expect(crop(grid, index: 2, columns: 5, tile: 8, padding: 0) != crop(both, index: 0, columns: 2, tile: 8, padding: 0))
        let r = try gansynth(["interpolate", "--model", "tiny-dcgan", "--latents", file.path, "--seeds", "1,2", "x.png"])
        #expect(r.status == 64 && r.stderr.contains("give either --latents or seeds"), "\(r.stderr)")
    }

    @Test func badFilesAndConflictsAreOneLine() throws {
        let dir = try temporaryDirectory()
        let cases: [(Data, [String], String)] = [
            (npyFile([0, 1], shape: [1, 2]), [], "rows of 2 values; the model's z has 64"),
            (npyFile([Float](repeating: 0, count: 64), shape: [1, 64], descr: "<f8"), [], "gansynth reads float32"),
            (Data("not numpy data at all".utf8), [], "not a .npy file"),
            (Data("short".utf8), [], "too short for a .npy file"),
            (npyFile([Float](repeating: 0, count: 64), shape: [2, 64]), [], "holds 256 bytes of data; 2 x 64 float32 values are 512"),
            (npyFile([Float](repeating: .nan, count: 64), shape: [1, 64]), [], "row 0 holds nan"),
            (npyFile([Float](repeating: 0, count: 64), shape: [1, 64]), ["--seed", "3"], "give either --latents or seeds"),
            (npyFile([Float](repeating: 0, count: 64), shape: [1, 64]), ["--truncation", "0.5"], "z from --latents is used as given"),
        ]
        for (data, extra, mentions) in cases {
            let file = dir.appendingPathComponent("z.npy")
            try data.write(to: file)
            let r = try gansynth(["sample", "--model", "tiny-dcgan", "--latents", file.path] + extra + ["-"])
            #expect(r.status == 64 && r.stderr.contains(mentions) && r.stderr.filter { $0 == "\n" }.count == 1, "\(mentions): \(r.stderr)")
        }
    }
}
