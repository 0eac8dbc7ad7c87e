// Animated GIF and WebP through the C shim: frames come back as written (GIF gray and WebP exactly, GIF RGB
// within its one shared palette), with their timing; bad frame lists are refused in one line.

import GanImage
import Testing

private func frames(count: Int, width: Int, height: Int, channels: Int) -> [Image] {
    (0..<count).map { k in
        Image(width: width, height: height, channels: channels,
              pixels: (0..<(width * height * channels)).map { UInt8(truncatingIfNeeded: ($0 * 37 + k * 91) ^ ($0 >> 3)) })
    }
}

private func rgb(_ gray: Image) -> [UInt8] { gray.pixels.flatMap { [$0, $0, $0] } }

@Suite struct AnimationTests {
    @Test(arguments: AnimationFormat.allCases)
    func grayFramesComeBackExactly(format: AnimationFormat) throws {
        let input = frames(count: 5, width: 28, height: 28, channels: 1)
        let (back, durations) = try decodeAnimation(try encodeAnimation(input, as: format, fps: 25), as: format)
        #expect(back.count == 5)
        for (a, b) in zip(input, back) { #expect(rgb(a) == b.pixels) }
        #expect(durations == (format == .gif ? [4, 4, 4, 4, 4] : [40, 40, 40, 40, 40]))
    }

    @Test func webpKeepsRGBFramesExactly() throws {
        let input = frames(count: 4, width: 33, height: 17, channels: 3)
        let (back, durations) = try decodeAnimation(try encodeAnimation(input, as: .webp, fps: 30), as: .webp)
        #expect(back.map(\.pixels) == input.map(\.pixels))
        #expect(durations == [33, 34, 33, 33])  // frame k starts at round(1000 k / 30) ms
    }

    @Test func gifQuantizesRGBFramesToOnePalette() throws {
        // 3 frames of a smooth gradient, 3072 colours.
        let input = (0..<3).map { k in
            Image(width: 32, height: 32, channels: 3, pixels: (0..<(32 * 32)).flatMap { i -> [UInt8] in
                [UInt8(i % 32 * 8), UInt8(i / 32 * 8), UInt8(k * 60)]
            })
        }
        let (back, _) = try decodeAnimation(try encodeAnimation(input, as: .gif, fps: 10), as: .gif)
        var worst = 0, total = 0
        for (a, b) in zip(input, back) {
            for (x, y) in zip(a.pixels, b.pixels) { worst = max(worst, abs(Int(x) - Int(y))); total += abs(Int(x) - Int(y)) }
        }
        let mean = Double(total) / Double(3 * 32 * 32 * 3)
        // 3072 colours in 256 by giflib's median cut on 5-bit channels: about 12 levels on average (measured).
        #expect(mean <= 14 && worst <= 48, "mean \(mean), worst \(worst) levels")
    }

    @Test func badFrameListsAreRefused() throws {
        #expect(throws: ImageError.animationFailed(format: "GIF", message: "no frames")) { try encodeAnimation([], as: .gif, fps: 10) }
        let mixed = frames(count: 1, width: 8, height: 8, channels: 1) + frames(count: 1, width: 8, height: 9, channels: 1)
        #expect(throws: ImageError.animationFailed(format: "WebP", message: "frame 1 differs in size or channels from frame 0")) {
            try encodeAnimation(mixed, as: .webp, fps: 10)
        }
        #expect(throws: ImageError.self) { try decodeAnimation(Array("GIF89a but not really".utf8), as: .gif) }
        #expect(throws: ImageError.self) { try decodeAnimation(Array("RIFF....WEBP".utf8), as: .webp) }
    }
}
