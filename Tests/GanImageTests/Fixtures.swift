// Shared test images. The 6x5 red-on-blue picture is asymmetric in both axes (a red "F" on blue, plus one red
// pixel in the bottom-right corner), so a flip, transpose, channel swap or stride error changes some byte.
@testable import GanImage

enum Fixtures {
    static let red: [UInt8] = [255, 0, 0]
    static let blue: [UInt8] = [0, 0, 255]

    /// Row strings: "R" red, "." blue.
    static let fShape = [
        ".RRR..",
        ".R....",
        ".RR...",
        ".R....",
        ".R...R",
    ]

    static var redOnBlue: Image {
        let pixels = fShape.flatMap { row in row.flatMap { $0 == "R" ? red : blue } }
        return Image(width: 6, height: 5, channels: 3, pixels: pixels)
    }

    /// 6x5 gray with every value distinct and no symmetry: p(x, y) = 7 + 40*y + 6*x (x<6, y<5).
    static var gray: Image {
        var pixels: [UInt8] = []
        for y in 0..<5 { for x in 0..<6 { pixels.append(UInt8(7 + 40 * y + 6 * x)) } }
        return Image(width: 6, height: 5, channels: 1, pixels: pixels)
    }

    static func meanAbsoluteError(_ a: Image, _ b: Image) -> Double {
        precondition(a.pixels.count == b.pixels.count)
        let total = zip(a.pixels, b.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
        return Double(total) / Double(a.pixels.count)
    }

    /// Standard PNG CRC-32 over type+data, for hand-edited headers.
    static func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    /// Rewrites the IHDR of an encoded PNG (first chunk, data at offset 16) and fixes its CRC.
    static func patchIHDR(_ png: [UInt8], width: UInt32? = nil, height: UInt32? = nil,
                          bitDepth: UInt8? = nil, colorType: UInt8? = nil) -> [UInt8] {
        var p = png
        func put(_ v: UInt32, at o: Int) { for k in 0..<4 { p[o + k] = UInt8(truncatingIfNeeded: v >> (24 - 8 * k)) } }
        if let width { put(width, at: 16) }
        if let height { put(height, at: 20) }
        if let bitDepth { p[24] = bitDepth }
        if let colorType { p[25] = colorType }
        put(crc32(p[12..<29]), at: 29)
        return p
    }
}
