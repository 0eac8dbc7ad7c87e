// quantizePlanar (torchvision save_image's rounding), makeGrid (make_grid geometry, every byte asserted on
// 2x2 tiles) and upscaleNearest.
import Testing
@testable import GanImage

@Suite struct QuantizeTests {
    private func q(_ values: [Float], _ range: ValueRange) -> [UInt8] {
        values.withUnsafeBufferPointer { quantizePlanar($0, channels: 1, height: 1, width: values.count, range: range) }.pixels
    }

    @Test func tanhRange() {
        //            -1  1    0    -2 2    0.5  -0.999  1e-7  -1e-7  +inf       -inf       NaN
        #expect(q([-1, 1, 0, -2, 2, 0.5, -0.999, 1e-7, -1e-7, .infinity, -.infinity, .nan], .tanh)
                == [0, 255, 128, 0, 255, 191, 0, 128, 127, 255, 0, 0])
    }

    @Test func sigmoidRange() {
        #expect(q([0, 1, 0.5, -0.5, 1.5, 0.2, 0.998, 0.999, .nan, -.nan], .sigmoid)
                == [0, 255, 128, 0, 255, 51, 254, 255, 0, 0])
    }

    @Test func roundingBoundaryMatchesFloat32Arithmetic() {
        // (v+1)/2*255+0.5 crosses an integer exactly at v = 2k/255 - 1 + 1/255; check a few neighbours by
        // recomputing the same Float32 expression, which is what torch does on CPU.
        var values: [Float] = []
        for k in stride(from: 0, to: 255, by: 17) {
            let edge = Float(2 * k + 1) / 255 - 1
            values += [edge.nextDown, edge, edge.nextUp]
        }
        let expected = values.map { v -> UInt8 in
            let t = (min(max(v, -1), 1) - -1) / 2
            return UInt8((t * 255 + 0.5).rounded(.down))
        }
        #expect(q(values, .tanh) == expected)
    }

    @Test func planarBecomesInterleaved() {
        // (C=3, H=2, W=2): channel planes R, G, B
        let planes: [Float] = [
            -1, 1, 0, -1,        // R
            1, -1, -1, 0,        // G
            0, 0, 1, 1,          // B
        ]
        let image = planes.withUnsafeBufferPointer { quantizePlanar($0, channels: 3, height: 2, width: 2, range: .tanh) }
        #expect(image.width == 2 && image.height == 2 && image.channels == 3)
        #expect(image.pixels == [0, 255, 128, 255, 0, 128, 128, 0, 255, 0, 128, 255])
    }
}

@Suite struct GridTests {
    /// Three 2x2 gray tiles: tile k holds 10k+1, 10k+2 (top row), 10k+3, 10k+4 (bottom row).
    private let tiles = (0..<3).map { k in
        Image(width: 2, height: 2, channels: 1, pixels: (1...4).map { UInt8(10 * k + $0) })
    }

    @Test func paddingOne() {
        let g = makeGrid(tiles, columns: 2, padding: 1, padValue: 255)
        #expect(g.width == 7 && g.height == 7 && g.channels == 1)
        let P: UInt8 = 255
        #expect(g.pixels == [
            P, P,  P,  P, P,  P,  P,
            P, 1,  2,  P, 11, 12, P,
            P, 3,  4,  P, 13, 14, P,
            P, P,  P,  P, P,  P,  P,
            P, 21, 22, P, P,  P,  P,
            P, 23, 24, P, P,  P,  P,
            P, P,  P,  P, P,  P,  P,
        ])
    }

    @Test func paddingTwo() {
        let g = makeGrid(tiles, columns: 2, padding: 2, padValue: 255)
        #expect(g.width == 10 && g.height == 10)
        let P: UInt8 = 255
        #expect(g.pixels == [
            P, P, P,  P,  P, P, P,  P,  P, P,
            P, P, P,  P,  P, P, P,  P,  P, P,
            P, P, 1,  2,  P, P, 11, 12, P, P,
            P, P, 3,  4,  P, P, 13, 14, P, P,
            P, P, P,  P,  P, P, P,  P,  P, P,
            P, P, P,  P,  P, P, P,  P,  P, P,
            P, P, 21, 22, P, P, P,  P,  P, P,
            P, P, 23, 24, P, P, P,  P,  P, P,
            P, P, P,  P,  P, P, P,  P,  P, P,
            P, P, P,  P,  P, P, P,  P,  P, P,
        ])
    }

    @Test func paddingZero() {
        let g = makeGrid(tiles, columns: 2, padding: 0, padValue: 255)
        #expect(g.width == 4 && g.height == 4)
        #expect(g.pixels == [
            1,  2,  11,  12,
            3,  4,  13,  14,
            21, 22, 255, 255,
            23, 24, 255, 255,
        ])
    }

    @Test func moreColumnsThanTilesShrinksToOneRow() {
        let g = makeGrid(tiles, columns: 8, padding: 0, padValue: 0)
        #expect(g.width == 6 && g.height == 2)
        #expect(g.pixels == [1, 2, 11, 12, 21, 22, 3, 4, 13, 14, 23, 24])
    }

    @Test func singleTileIsNotSpecialCased() {
        let g = makeGrid([tiles[0]], columns: 8, padding: 2, padValue: 9)
        #expect(g.width == 6 && g.height == 6)
        #expect(g.pixels[2 * 6 + 2] == 1 && g.pixels[0] == 9)
    }

    @Test func rgbTilesKeepChannelsTogether() {
        let a = Image(width: 1, height: 1, channels: 3, pixels: [1, 2, 3])
        let b = Image(width: 1, height: 1, channels: 3, pixels: [4, 5, 6])
        let g = makeGrid([a, b], columns: 1, padding: 1, padValue: 0)
        #expect(g.width == 3 && g.height == 5 && g.channels == 3)
        var expected = [UInt8](repeating: 0, count: 3 * 5 * 3)
        expected.replaceSubrange(12..<15, with: [1, 2, 3])       // (x 1, y 1)
        expected.replaceSubrange(30..<33, with: [4, 5, 6])       // (x 1, y 3)
        #expect(g.pixels == expected)
    }
}

@Suite struct UpscaleTests {
    @Test func grayFactorTwo() {
        let img = Image(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4])
        let up = upscaleNearest(img, factor: 2)
        #expect(up.width == 4 && up.height == 4)
        #expect(up.pixels == [
            1, 1, 2, 2,
            1, 1, 2, 2,
            3, 3, 4, 4,
            3, 3, 4, 4,
        ])
    }

    @Test func rgbFactorThree() {
        let img = Image(width: 2, height: 1, channels: 3, pixels: [1, 2, 3, 4, 5, 6])
        let up = upscaleNearest(img, factor: 3)
        #expect(up.width == 6 && up.height == 3 && up.channels == 3)
        let row: [UInt8] = [1, 2, 3, 1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6, 4, 5, 6]
        #expect(up.pixels == row + row + row)
    }

    @Test func factorOneIsIdentity() {
        #expect(upscaleNearest(Fixtures.redOnBlue, factor: 1) == Fixtures.redOnBlue)
    }

    @Test func fixtureUpscaledKeepsEveryPixel() {
        let up = upscaleNearest(Fixtures.redOnBlue, factor: 4)
        for y in 0..<20 { for x in 0..<24 {
            let s = ((y / 4) * 6 + x / 4) * 3, d = (y * 24 + x) * 3
            #expect(Array(up.pixels[d..<d + 3]) == Array(Fixtures.redOnBlue.pixels[s..<s + 3]))
        } }
    }
}
