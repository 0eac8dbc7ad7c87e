// StyleGAN2 end to end, on networks converted from the official code's pickles (Training/make_converter_fixtures.py):
// seeds give the official images, mixes and walks in W keep their ends, W latents from a file, errors in one line.

import Foundation
import GGUFFormat
import GanImage
import Testing

private func png(_ args: [String]) throws -> Image {
    let r = try gansynth(args + ["-"])
    #expect(r.status == 0, "\(args): \(r.stderr)")
    return try decodePNG(r.stdout)
}

/// The official 8-bit pixel of a value: (x · 127.5 + 128) clamped and truncated, as its tools write images.
private func officialLevel(_ v: Float) -> Int { Int(min(max(v * 127.5 + 128, 0), 255)) }

@Suite(.serialized) struct StyleGANWorkflow {
    static let model = ["--model", "stylegan2-tiny"]

    /// Seeds 0, 1, 2 at psi 0.5 and at psi 0.7 with cutoff 3, const noise: the official forward pass's images.
    @Test(arguments: [(["--truncation-psi", "0.5"], "psi0.5"), (["--truncation-psi", "0.7", "--truncation-cutoff", "3"], "psi0.7-cutoff3"),
                      (["--noise-mode", "none"], "nonoise")])
    func seedsGiveTheOfficialImages(options: [String], testCase: String) throws {
        let grid = try png(["sample"] + StyleGANWorkflow.model + options + ["--seeds", "0-2", "--nrow", "3", "--padding", "0"])
        let file = try GGUFFile(path: fixturePath("stylegan2-tiny.\(testCase).expected.gguf"))
        let expected = try file.floats(of: try #require(file.tensor(named: "output")))
        var worst = 0
        for i in 0..<3 {
            let image = crop(grid, index: i, columns: 3, tile: 32, padding: 0)
            for c in 0..<3 {
                for p in 0..<(32 * 32) {
                    worst = max(worst, abs(Int(image.pixels[p * 3 + c]) - officialLevel(expected[(i * 3 + c) * 1024 + p])))
                }
            }
        }
        #expect(worst <= 1, "worst difference \(worst) levels")
    }

    @Test func aConditionalModelTakesItsClass() throws {
        let grid = try png(["sample", "--model", "stylegan2-cond-tiny", "--truncation-psi", "0.7", "--seeds", "1",
                            "--label", "class 2", "--padding", "0"])
        let file = try GGUFFile(path: fixturePath("stylegan2-cond-tiny.psi0.7.expected.gguf"))
        let expected = try file.floats(of: try #require(file.tensor(named: "output")))
        var worst = 0
        for c in 0..<3 {
            for p in 0..<256 { worst = max(worst, abs(Int(grid.pixels[p * 3 + c]) - officialLevel(expected[(3 + c) * 256 + p]))) }
        }
        #expect(worst <= 1, "worst difference \(worst) levels")
    }

    @Test func theMixingGridKeepsItsRowAndColumnImages() throws {
        let grid = try png(["mix"] + StyleGANWorkflow.model + ["--rows", "85,100", "--cols", "55,821,7", "--styles", "0-3",
                                                               "--truncation-psi", "0.7", "--padding", "0"])
        #expect(grid.width == 4 * 32 && grid.height == 3 * 32)
        let sampled = { (seed: String) in try png(["sample"] + StyleGANWorkflow.model + ["--seeds", seed, "--truncation-psi", "0.7"]) }
        let cell = { (r: Int, c: Int) in crop(grid, index: r * 4 + c, columns: 4, tile: 32, padding: 0) }
        #expect(cell(0, 0).pixels.allSatisfy { $0 == 0 })
        #expect(try cell(0, 1) == sampled("55") && cell(0, 3) == sampled("7"))
        #expect(try cell(1, 0) == sampled("85") && cell(2, 0) == sampled("100"))
        #expect(cell(1, 1) != cell(1, 0) && cell(1, 1) != cell(0, 1))
        // Taking every row from the column seed is the column seed's image.
        let all = try png(["mix"] + StyleGANWorkflow.model + ["--rows", "85", "--cols", "55", "--styles", "0-7",
                                                              "--truncation-psi", "0.7", "--padding", "0"])
        #expect(crop(all, index: 3, columns: 2, tile: 32, padding: 0) == cell(0, 1))
    }

    @Test func walksInWEndOnTheSampledImages() throws {
        let row = try png(["interpolate"] + StyleGANWorkflow.model + ["--seeds", "3,9", "--steps", "5", "--truncation-psi", "0.7",
                                                                      "--padding", "0"])
        let a = try png(["sample"] + StyleGANWorkflow.model + ["--seeds", "3", "--truncation-psi", "0.7"])
        let b = try png(["sample"] + StyleGANWorkflow.model + ["--seeds", "9", "--truncation-psi", "0.7"])
        #expect(crop(row, index: 0, columns: 5, tile: 32, padding: 0) == a)
        #expect(crop(row, index: 4, columns: 5, tile: 32, padding: 0) == b)
        #expect(crop(row, index: 2, columns: 5, tile: 32, padding: 0) != a)
        let r = try gansynth(["interpolate"] + StyleGANWorkflow.model + ["--seeds", "3,9", "--mode", "slerp", "x.png"])
        #expect(r.status == 64 && r.stderr.contains("walks in W"), "\(r.stderr)")
    }

    /// W latents from a file: w_avg in every row is the image of psi 0 (every W pulled onto w_avg).
    @Test func wLatentsFromAFile() throws {
        let model = try GGUFFile(path: fixturePath("stylegan2-tiny.gguf"))
        let average = try #require(model.tensors.first { $0.name.hasSuffix(".w_avg") })
        let wAvg = try model.floats(of: average)   // (32)
        let numWs = 8
        let dir = try temporaryDirectory()
        let file = dir.appendingPathComponent("w.npy")
        try npyFile((0..<numWs).flatMap { _ in wAvg }, shape: [1, numWs, 32]).write(to: file)
        let fromFile = try png(["sample"] + StyleGANWorkflow.model + ["--ws", file.path])
        let psi0 = try png(["sample"] + StyleGANWorkflow.model + ["--seeds", "0", "--truncation-psi", "0"])
        #expect(fromFile == psi0)
        try npyFile(wAvg, shape: [1, 32]).write(to: file)
        let r = try gansynth(["sample"] + StyleGANWorkflow.model + ["--ws", file.path, "x.png"])
        #expect(r.status == 64 && r.stderr.contains("expected (N, 8, 32)"), "\(r.stderr)")
    }

    /// Random noise comes from each image's seed: the same for a seed whatever the batch, different from const.
    @Test func randomNoiseIsPerSeed() throws {
        let args = StyleGANWorkflow.model + ["--seeds", "4-7", "--noise-mode", "random", "--padding", "0"]
        let one = try png(["sample"] + args + ["--batch", "1"]), four = try png(["sample"] + args + ["--batch", "4"])
        #expect(one == four)
        #expect(one != (try png(["sample"] + StyleGANWorkflow.model + ["--seeds", "4-7", "--padding", "0"])))
    }

    /// --scale 1/k shrinks each image by area averaging before the grid is laid out.
    @Test func aFractionalScaleAveragesAreas() throws {
        let full = try png(["sample"] + StyleGANWorkflow.model + ["--seeds", "5"])
        let half = try png(["sample"] + StyleGANWorkflow.model + ["--seeds", "5", "--scale", "1/2"])
        #expect(half.width == 16 && half.height == 16)
        #expect(try png(["sample"] + StyleGANWorkflow.model + ["--seeds", "5", "--scale", "0.5"]) == half)
        for (x, y, c) in [(0, 0, 0), (7, 3, 1), (15, 15, 2)] {
            let sum = [(0, 0), (1, 0), (0, 1), (1, 1)].reduce(0) { $0 + Int(full.pixels[((2 * y + $1.1) * 32 + 2 * x + $1.0) * 3 + c]) }
            #expect(Int(half.pixels[(y * 16 + x) * 3 + c]) == (sum + 2) / 4)
        }
        let grid = try png(["sample"] + StyleGANWorkflow.model + ["--n", "4", "--scale", "1/4", "--padding", "1"])
        #expect(grid.width == 2 * 9 + 1)
        let r = try gansynth(["sample", "--model", "mnist-dcgan", "--scale", "1/3", "x.png"])
        #expect(r.status == 64 && r.stderr.contains("multiples of 3"), "\(r.stderr)")
    }

    @Test func infoShowsTheWSpace() throws {
        let r = try gansynth(["info", "stylegan2-tiny"])
        let text = String(decoding: r.stdout, as: UTF8.self)
        #expect(r.status == 0 && text.contains("W: 8 rows of 32") && text.contains("noise inputs") && text.contains("modulated_conv2d"), "\(text)")
    }

    @Test func theManifestNamesPsiAndNoise() throws {
        let dir = try temporaryDirectory()
        let r = try gansynth(["generate"] + StyleGANWorkflow.model + ["--n", "3", "--truncation-psi", "0.7", "--noise-mode", "none",
                                                                      "--outdir", dir.path, "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let csv = try String(contentsOf: dir.appendingPathComponent("manifest.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.first?.contains("truncation_psi,truncation_cutoff,noise_mode") == true, "\(lines.first ?? "")")
        #expect(lines.count == 4 && lines[1].contains(",0.7,,none,"), "\(lines.dropFirst().first ?? "")")
    }

    @Test(arguments: [
        (["sample", "--model", "mnist-dcgan", "--truncation-psi", "0.7"], "has no W space"),
        (["sample", "--model", "mnist-dcgan", "--noise-mode", "random"], "has none"),
        (["mix", "--model", "mnist-dcgan", "--rows", "1", "--cols", "2"], "needs a StyleGAN model"),
        (["mix", "--model", "stylegan2-tiny", "--rows", "1", "--cols", "2", "--styles", "8"], "has rows 0 to 7"),
        (["sample", "--model", "stylegan2-tiny", "--truncation-psi", "0.7", "--truncation-cutoff", "9"], "past the 8 W rows"),
        (["sample", "--model", "stylegan2-tiny", "--truncation-psi", "nan"], "not a number"),
        (["sample", "--model", "stylegan2-tiny", "--truncation-cutoff", "2"], "give --truncation-psi too"),
    ])
    func refusals(args: [String], message: String) throws {
        let r = try gansynth(args + ["x.png"])
        #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
        #expect(r.stderr.contains(message) && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
    }
}
