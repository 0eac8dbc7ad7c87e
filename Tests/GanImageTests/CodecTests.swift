// Encoders and decoders: exact round trips for PNG and PNM, bounded error for JPEG, text chunks, and the
// errors callers see. Fixtures.swift defines the 6x5 red-on-blue and gray images.
import Testing
@testable import GanImage

@Suite struct PNGTests {
    @Test(arguments: [Fixtures.redOnBlue, Fixtures.gray])
    func roundTripIsExact(_ image: Image) throws {
        let png = try encode(image, as: .png)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        #expect(png[24] == 8)                                       // bit depth
        #expect(png[25] == (image.channels == 1 ? 0 : 2))           // color type GRAY / RGB
        #expect(try decodePNG(png) == image)
    }

    @Test func encodingIsDeterministic() throws {
        #expect(try encode(Fixtures.redOnBlue, as: .png) == encode(Fixtures.redOnBlue, as: .png))
    }

    @Test func textChunksRoundTrip() throws {
        let text = [
            TextChunk(key: "Software", value: "gansynth"),
            TextChunk(key: "Comment", value: "seed=42 truncation=0.7"),
            TextChunk(key: "Place", value: "Zürich"),            // Latin-1: tEXt
            TextChunk(key: "Title", value: "東京の猫 🐱"),        // beyond Latin-1: iTXt
            TextChunk(key: "Empty", value: ""),
        ]
        let png = try encode(Fixtures.redOnBlue, as: .png, options: EncodeOptions(text: text))
        #expect(try pngTextChunks(png) == text)
        #expect(try decodePNG(png) == Fixtures.redOnBlue)
        #expect(chunkTypes(png) == ["IHDR", "tEXt", "tEXt", "tEXt", "iTXt", "tEXt", "IDAT", "IEND"])
        // tEXt really holds Latin-1: "Zürich" is 6 bytes after the keyword, ü as 0xFC.
        let latin1Zurich: [UInt8] = [0x5A, 0xFC, 0x72, 0x69, 0x63, 0x68]
        #expect(png.indices.contains { Array(png[$0..<min($0 + 6, png.count)]) == latin1Zurich })
    }

    @Test func noTextMeansNoTextChunks() throws {
        let png = try encode(Fixtures.gray, as: .png)
        #expect(try pngTextChunks(png).isEmpty)
        #expect(chunkTypes(png) == ["IHDR", "IDAT", "IEND"])
    }

    @Test(arguments: ["", " lead", "trail ", "two  spaces", String(repeating: "k", count: 80), "tab\there", "ключ"])
    func badKeywordsAreRefused(_ key: String) {
        #expect {
            try encode(Fixtures.gray, as: .png, options: EncodeOptions(text: [TextChunk(key: key, value: "v")]))
        } throws: { error in
            guard case let .encodeFailed(format, message) = error as? ImageError else { return false }
            return format == .png && message.contains("not a PNG keyword")
        }
    }

    @Test func nulInTextIsRefused() {
        #expect(throws: ImageError.invalidTextChunk(key: "Comment", reason: "the value contains a NUL character")) {
            try encode(Fixtures.gray, as: .png, options: EncodeOptions(text: [TextChunk(key: "Comment", value: "a\u{0}b")]))
        }
    }

    @Test func decoderRefusesOtherPixelFormats() throws {
        let png = try encode(Fixtures.redOnBlue, as: .png)
        let rgba = Fixtures.patchIHDR(png, colorType: 6)
        #expect(throws: ImageError.decodeFailed(format: .png, message:
            "unsupported PNG pixel format: RGBA, 8 bits per sample; only 8-bit gray and 8-bit RGB are read")) {
            try decodePNG(rgba)
        }
        let sixteen = Fixtures.patchIHDR(png, bitDepth: 16)
        #expect(throws: ImageError.decodeFailed(format: .png, message:
            "unsupported PNG pixel format: RGB, 16 bits per sample; only 8-bit gray and 8-bit RGB are read")) {
            try decodePNG(sixteen)
        }
    }

    @Test func decoderRefusesHugeImagesBeforeAllocating() throws {
        let huge = Fixtures.patchIHDR(try encode(Fixtures.gray, as: .png), width: 20000, height: 20000)
        #expect(throws: ImageError.decodeFailed(format: .png, message: "PNG is 20000x20000, above the limit of 2^28 pixels")) {
            try decodePNG(huge)
        }
    }

    @Test func decoderReportsLibpngErrors() throws {
        let png = try encode(Fixtures.redOnBlue, as: .png)
        var garbage = png
        garbage[0] = 0
        #expect(throws: ImageError.self) { try decodePNG(garbage) }
        #expect(throws: ImageError.decodeFailed(format: .png, message: "PNG data is empty")) { try decodePNG([]) }
        // Cut inside IDAT: libpng runs out of data.
        let cut = Array(png.prefix(png.count - 20))
        #expect(throws: ImageError.decodeFailed(format: .png, message: "PNG data is truncated")) { try decodePNG(cut) }
        // A flipped bit in IDAT's stored CRC: the data is intact, only the checksum catches it.
        var badCRC = png
        let idat = chunkOffsets(png).first { $0.type == "IDAT" }!
        let idatLength = png[idat.offset..<idat.offset + 4].reduce(0) { $0 << 8 | Int($1) }
        badCRC[idat.offset + 8 + idatLength] ^= 0x40
        #expect { try decodePNG(badCRC) } throws: { error in
            guard case let .decodeFailed(.png, message) = error as? ImageError else { return false }
            return message.contains("CRC")
        }
        // A flipped bit in the compressed payload: zlib (inflate) notices before the CRC is read.
        var badData = png
        badData[idat.offset + 10] ^= 0x40
        #expect(throws: ImageError.self) { try decodePNG(badData) }
    }

    @Test func textReaderChecksStructure() throws {
        #expect(throws: ImageError.decodeFailed(format: .png, message: "not a PNG file (bad signature)")) {
            try pngTextChunks([1, 2, 3])
        }
        let png = try encode(Fixtures.gray, as: .png)
        #expect(throws: ImageError.decodeFailed(format: .png, message: "PNG data ends before the IEND chunk")) {
            try pngTextChunks(Array(png.prefix(png.count - 12)))
        }
    }
}

@Suite struct PNMTests {
    @Test func ppmRoundTripIsExact() throws {
        let ppm = try encode(Fixtures.redOnBlue, as: .ppm)
        #expect(Array(ppm.prefix(11)) == Array("P6\n6 5\n255\n".utf8))
        #expect(ppm.count == 11 + 6 * 5 * 3)
        #expect(try decodePNM(ppm) == Fixtures.redOnBlue)
    }

    @Test func pgmRoundTripIsExact() throws {
        let pgm = try encode(Fixtures.gray, as: .pgm)
        #expect(Array(pgm.prefix(11)) == Array("P5\n6 5\n255\n".utf8))
        #expect(try decodePNM(pgm) == Fixtures.gray)
    }

    @Test func grayAsPPMIsExpandedToRGB() throws {
        let decoded = try decodePNM(try encode(Fixtures.gray, as: .ppm))
        #expect(decoded.channels == 3)
        #expect(decoded.pixels == Fixtures.gray.pixels.flatMap { [$0, $0, $0] })
    }

    @Test func rgbAsPGMIsAnError() {
        #expect(throws: ImageError.pgmNeedsGray) { try encode(Fixtures.redOnBlue, as: .pgm) }
        #expect(ImageError.pgmNeedsGray.description == "PGM holds gray images; this image is RGB (PPM holds RGB)")
    }

    @Test func decoderAcceptsCommentsAndRefusesDamage() throws {
        let body = Fixtures.gray.pixels
        let commented = Array("P5 # made by hand\n# another\n6\t5\n255\n".utf8) + body
        #expect(try decodePNM(commented) == Fixtures.gray)
        #expect(throws: ImageError.decodeFailed(format: .pgm, message: "pixel data is truncated: 29 of 30 bytes")) {
            try decodePNM(Array("P5\n6 5\n255\n".utf8) + body.dropLast())
        }
        #expect(throws: ImageError.decodeFailed(format: .pgm, message: "maxval 65535 is not supported; only 8-bit (255) files are read")) {
            try decodePNM(Array("P5\n6 5\n65535\n".utf8) + body + body)
        }
        #expect(throws: ImageError.decodeFailed(format: .ppm, message: "not a binary PGM/PPM file (expected P5 or P6)")) {
            try decodePNM(Array("P3\n1 1\n255\n0 0 0\n".utf8))
        }
        #expect(throws: ImageError.decodeFailed(format: .ppm, message: "image is 100000x100000, above the limit of 2^28 pixels")) {
            try decodePNM(Array("P6\n100000 100000\n255\n".utf8))
        }
    }
}

@Suite struct JPEGTests {
    @Test func rgbDecodesCloseToTheOriginal() throws {
        let jpeg = try encode(Fixtures.redOnBlue, as: .jpeg, options: EncodeOptions(jpegQuality: 95))
        #expect(Array(jpeg.prefix(2)) == [0xFF, 0xD8])
        #expect(Array(jpeg.suffix(2)) == [0xFF, 0xD9])
        let decoded = try decodeJPEG(jpeg)
        #expect(decoded.width == 6 && decoded.height == 5 && decoded.channels == 3)
        #expect(Fixtures.meanAbsoluteError(decoded, Fixtures.redOnBlue) < 3)
    }

    @Test func grayStaysGray() throws {
        let decoded = try decodeJPEG(try encode(Fixtures.gray, as: .jpeg, options: EncodeOptions(jpegQuality: 95)))
        #expect(decoded.width == 6 && decoded.height == 5 && decoded.channels == 1)
        #expect(Fixtures.meanAbsoluteError(decoded, Fixtures.gray) < 3)
    }

    @Test func lowQualityIsSmallerAndStillDecodes() throws {
        let big = upscaleNearest(Fixtures.redOnBlue, factor: 8)
        let q10 = try encode(big, as: .jpeg, options: EncodeOptions(jpegQuality: 10))
        let q95 = try encode(big, as: .jpeg, options: EncodeOptions(jpegQuality: 95))
        #expect(q10.count < q95.count)
        #expect(try decodeJPEG(q10).width == 48)
        #expect(try encode(big, as: .jpeg) == encode(big, as: .jpeg))   // deterministic
    }

    @Test(arguments: [0, -5, 101])
    func qualityOutOfRangeIsRefused(_ q: Int) {
        #expect(throws: ImageError.invalidJPEGQuality(q)) {
            try encode(Fixtures.gray, as: .jpeg, options: EncodeOptions(jpegQuality: q))
        }
        #expect(ImageError.invalidJPEGQuality(q).description == "JPEG quality must be between 1 and 100, got \(q)")
    }

    @Test func qualityIsIgnoredByOtherFormats() throws {
        _ = try encode(Fixtures.gray, as: .png, options: EncodeOptions(jpegQuality: 0))
    }

    @Test func damagedDataIsAnError() throws {
        let jpeg = try encode(upscaleNearest(Fixtures.redOnBlue, factor: 8), as: .jpeg)
        // libjpeg would pad a truncated scan with gray and only warn; the shim makes that an error.
        #expect { try decodeJPEG(Array(jpeg.prefix(jpeg.count / 2))) } throws: { error in
            guard case let .decodeFailed(.jpeg, message) = error as? ImageError else { return false }
            return message.contains("Premature end of JPEG file")
        }
        #expect { try decodeJPEG(Array("not a jpeg".utf8)) } throws: { error in
            guard case let .decodeFailed(.jpeg, message) = error as? ImageError else { return false }
            return message.contains("Not a JPEG file")
        }
        #expect(throws: ImageError.decodeFailed(format: .jpeg, message: "JPEG data is empty")) { try decodeJPEG([]) }
    }

    @Test func decoderRefusesHugeImagesBeforeAllocating() throws {
        var jpeg = try encode(Fixtures.gray, as: .jpeg)
        // SOF0/SOF2 segment: FF C0|C2, length(2), precision(1), height(2), width(2)
        let sof = jpeg.indices.first { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) }!
        jpeg[sof + 5] = 0x4E; jpeg[sof + 6] = 0x20   // height 20000
        jpeg[sof + 7] = 0x4E; jpeg[sof + 8] = 0x20   // width 20000
        #expect(throws: ImageError.decodeFailed(format: .jpeg, message: "JPEG is 20000x20000, above the limit of 2^28 pixels")) {
            try decodeJPEG(jpeg)
        }
    }
}

@Suite struct EncoderErrorTests {
    @Test(arguments: ImageFormat.allCases)
    func zeroSizeImagesAreRefused(_ format: ImageFormat) {
        for (w, h) in [(0, 5), (6, 0), (0, 0)] {
            let empty = Image(width: w, height: h, channels: 1, pixels: [])
            #expect(throws: ImageError.emptyImage(width: w, height: h)) { try encode(empty, as: format) }
        }
        #expect(ImageError.emptyImage(width: 0, height: 5).description
                == "cannot encode a 0x5 image; width and height must be at least 1")
    }

    @Test func descriptionsAreOneLine() {
        let errors: [ImageError] = [
            .emptyImage(width: 0, height: 1), .invalidJPEGQuality(0), .pgmNeedsGray,
            .invalidTextChunk(key: "a\nb", reason: "r"), .encodeFailed(format: .png, message: "m\nn"),
            .decodeFailed(format: .jpeg, message: "m"), .fileWriteFailed(path: "x\ny", errno: 2),
            .outputWriteFailed(fileDescriptor: 1, errno: 28), .brokenPipe,
        ]
        for e in errors {
            #expect(!e.description.isEmpty && !e.description.contains("\n"), "\(e)")
        }
        #expect(ImageError.encodeFailed(format: .png, message: "boom").description == "PNG encoding failed: boom")
        #expect(ImageError.outputWriteFailed(fileDescriptor: 1, errno: 28).description
                == "cannot write to standard output: No space left on device")
    }
}

@Suite struct ImageFormatTests {
    @Test func parsesExtensionsAndNames() {
        #expect(ImageFormat(pathExtension: "png") == .png)
        #expect(ImageFormat(pathExtension: "PNG") == .png)
        #expect(ImageFormat(pathExtension: "jpg") == .jpeg)
        #expect(ImageFormat(pathExtension: "JPEG") == .jpeg)
        #expect(ImageFormat(pathExtension: "Ppm") == .ppm)
        #expect(ImageFormat(pathExtension: "pgm") == .pgm)
        #expect(ImageFormat(pathExtension: "gif") == nil)
        #expect(ImageFormat(pathExtension: "") == nil)
        #expect(ImageFormat(pathExtension: ".png") == nil)
        #expect(ImageFormat(name: "jpeg") == .jpeg)
        #expect(ImageFormat(name: "jpg") == .jpeg)
        #expect(ImageFormat(name: "webp") == nil)
        #expect(ImageFormat.jpeg.rawValue == "jpg")
        #expect(ImageFormat.allCases == [.png, .jpeg, .ppm, .pgm])
    }

    @Test func parsesPaths() {
        #expect(ImageFormat(path: "out/grid.PNG") == .png)
        #expect(ImageFormat(path: "a.b/c.jpeg") == .jpeg)
        #expect(ImageFormat(path: "a.png/c") == nil)
        #expect(ImageFormat(path: ".png") == nil)        // a hidden file, not an extension
        #expect(ImageFormat(path: "noext") == nil)
        #expect(ImageFormat(path: "x.") == nil)
    }
}

// MARK: - helpers

private func chunkOffsets(_ png: [UInt8]) -> [(type: String, offset: Int)] {
    var out: [(String, Int)] = []
    var pos = 8
    while pos + 12 <= png.count {
        let len = png[pos..<pos + 4].reduce(0) { $0 << 8 | Int($1) }
        out.append((String(decoding: png[pos + 4..<pos + 8], as: UTF8.self), pos))
        pos += 12 + len
    }
    return out
}

private func chunkTypes(_ png: [UInt8]) -> [String] { chunkOffsets(png).map(\.type) }
