// interpolate --video: the walk's frames as an animated GIF or WebP, frame for frame the --frames images
// (gray GIF and WebP exactly), or an MP4 through ffmpeg; a missing ffmpeg and bad options are one line.

import Foundation
import GanImage
import Testing

private func framesOf(_ args: [String], in dir: URL) throws -> [Image] {
    let folder = dir.appendingPathComponent("frames")
    let r = try gansynth(["interpolate"] + args + ["--frames", folder.path])
    #expect(r.status == 0, "\(r.stderr)")
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    return try names.map { try readImage(folder.appendingPathComponent($0)) }
}

private func rgb(_ image: Image) -> [UInt8] { image.channels == 3 ? image.pixels : image.pixels.flatMap { [$0, $0, $0] } }

@Suite(.serialized) struct VideoTests {
    static let walk = ["--seeds", "1,7,3", "--steps", "4"]

    @Test(arguments: [("tiny-bigan", "gif"), ("tiny-bigan", "webp"), ("tiny-dcgan", "webp")])
    func animationsHoldTheFramesExactly(model: String, ext: String) throws {
        let dir = try temporaryDirectory()
        let args = ["--model", model] + VideoTests.walk
        let frames = try framesOf(args, in: dir)
        #expect(frames.count == 9)  // 2 segments of 4, then the last keyframe
        let path = dir.appendingPathComponent("walk.\(ext)").path
        let r = try gansynth(["interpolate"] + args + ["--fps", "20", "--video", path])
        #expect(r.status == 0, "\(r.stderr)")
        let format: AnimationFormat = ext == "gif" ? .gif : .webp
        let (decoded, durations) = try decodeAnimation([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), as: format)
        #expect(decoded.map(\.pixels) == frames.map(rgb))
        #expect(durations == Array(repeating: ext == "gif" ? 5 : 50, count: 9))
        // The first frame is `sample`'s image of the first keyframe.
        let first = try gansynth(["sample", "--model", model, "--seeds", "1", "-"])
        #expect(decoded[0].pixels == rgb(try decodePNG(first.stdout)))
    }

    @Test func anRGBGifSharesOnePalette() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("walk.gif").path
        #expect(try gansynth(["interpolate", "--model", "tiny-dcgan"] + VideoTests.walk + ["--video", path]).status == 0)
        let (decoded, _) = try decodeAnimation([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), as: .gif)
        let frames = try framesOf(["--model", "tiny-dcgan"] + VideoTests.walk, in: dir)
        #expect(decoded.count == frames.count)
        var total = 0
        for (a, b) in zip(decoded, frames) { for (x, y) in zip(a.pixels, b.pixels) { total += abs(Int(x) - Int(y)) } }
        #expect(Double(total) / Double(frames.count * 8 * 8 * 3) < 8)
    }

    @Test func mp4GoesThroughFFmpeg() throws {
        let dir = try temporaryDirectory()
        let path = dir.appendingPathComponent("walk.mp4").path
        let ffmpeg = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].contains { FileManager.default.isExecutableFile(atPath: $0) }
        if ffmpeg {
            let r = try gansynth(["interpolate"] + VideoTests.walk + ["--video", path, "--fps", "12"])
            #expect(r.status == 0, "\(r.stderr)")
            let head = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)).prefix(12))
            #expect(Array(head[4..<8]) == Array("ftyp".utf8))
        }
        // Without ffmpeg on PATH: one line, status 64, no file.
        let missing = dir.appendingPathComponent("none.mp4").path
        let r = try gansynth(["interpolate"] + VideoTests.walk + ["--video", missing], env: ["PATH": dir.path])
        #expect(r.status == 64)
        #expect(r.stderr.split(separator: "\n").count == 1 && r.stderr.contains("needs ffmpeg on PATH"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func badVideoOptionsAreOneLine() throws {
        let cases: [([String], String)] = [
            (VideoTests.walk + ["--video", "walk.avi"], "name it .gif, .webp or .mp4"),
            (VideoTests.walk + ["--video", "walk.gif", "out.png"], "drop the output file"),
            (VideoTests.walk + ["--video", "walk.gif", "--frames", "dir"], "either --frames DIR or --video FILE"),
            (VideoTests.walk + ["--video", "walk.gif", "--fps", "0"], "--fps must be 1 to 120"),
        ]
        for (args, message) in cases {
            let r = try gansynth(["interpolate"] + args)
            #expect(r.status == 64 && r.stderr.contains(message), "\(args): \(r.stderr)")
        }
    }
}
