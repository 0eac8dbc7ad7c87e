// Encoders and decoders: PNG and JPEG through the C shims (CPNGShim, CJPEGShim — the only code that touches
// setjmp), binary PPM/PGM here in Swift. Takes and returns bytes; writing them anywhere is OutputFile.swift.
// Specs: PNG 1.2 (chunk layout, tEXt/iTXt §11.3.4), JFIF 1.02, Netpbm's ppm(5)/pgm(5).

import CJPEGShim
import CPNGShim

public enum ImageFormat: String, Sendable, CaseIterable {
    case png, jpeg = "jpg", ppm, pgm

    /// From a file extension without the dot: png, jpg, jpeg, ppm, pgm, in any letter case.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "png": self = .png
        case "jpg", "jpeg": self = .jpeg
        case "ppm": self = .ppm
        case "pgm": self = .pgm
        default: return nil
        }
    }

    /// From a `--format` value; accepts the same words as `init(pathExtension:)`.
    public init?(name: String) {
        self.init(pathExtension: name)
    }

    /// From the extension of the last path component (`out/grid.PNG` → `.png`); nil when there is none.
    public init?(path: String) {
        let last = path.split(separator: "/", omittingEmptySubsequences: false).last ?? ""
        guard let dot = last.lastIndex(of: "."), dot != last.startIndex else { return nil }
        self.init(pathExtension: String(last[last.index(after: dot)...]))
    }

    /// The extension written for this format (`jpg` for JPEG).
    public var fileExtension: String { rawValue }
}

/// One PNG text chunk. `key` is a PNG keyword (1–79 printable ASCII characters, no leading, trailing or
/// double spaces); `value` is any text without NUL. Values whose characters all fit Latin-1 go in a tEXt
/// chunk, others in an uncompressed iTXt chunk.
public struct TextChunk: Sendable, Equatable, Hashable {
    public var key: String
    public var value: String
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

public struct EncodeOptions: Sendable {
    /// 1...100; only JPEG uses it. Color is stored with full-resolution chroma (4:4:4) at 90 and above and
    /// with libjpeg's default 4:2:0 below 90 (ImageMagick's rule); see gs_jpeg.h.
    public var jpegQuality: Int = 90
    /// Written into PNG files only; JPEG and PNM ignore it.
    public var text: [TextChunk] = []

    public init(jpegQuality: Int = 90, text: [TextChunk] = []) {
        self.jpegQuality = jpegQuality
        self.text = text
    }
}

/// Encodes `image` as a complete file in `format`.
///
/// PNG: 8-bit gray or RGB, non-interlaced, with `options.text`. JPEG: baseline JFIF at `options.jpegQuality`,
/// gray stays one component. PPM: binary P6, maxval 255; gray is expanded to RGB. PGM: binary P5, maxval 255;
/// an RGB image is an error (`.pgmNeedsGray`). Equal inputs give equal bytes.
public func encode(_ image: Image, as format: ImageFormat,
                   options: EncodeOptions = EncodeOptions()) throws(ImageError) -> [UInt8] {
    guard image.width >= 1 && image.height >= 1 else {
        throw .emptyImage(width: image.width, height: image.height)
    }
    switch format {
    case .png: return try encodePNG(image, text: options.text)
    case .jpeg: return try encodeJPEG(image, quality: options.jpegQuality)
    case .ppm: return encodePNM(image, gray: false)
    case .pgm:
        guard image.channels == 1 else { throw .pgmNeedsGray }
        return encodePNM(image, gray: true)
    }
}

// MARK: - PNG / JPEG through the shims

private let maxPixels = 1 << 28   // GS_PNG_MAX_PIXELS / GS_JPEG_MAX_PIXELS

/// The shims take `int` sizes; anything that would not fit is already far past their 2^28-pixel limit.
private func checkShimSize(_ image: Image, _ format: ImageFormat) throws(ImageError) {
    let (product, overflow) = image.width.multipliedReportingOverflow(by: image.height)
    guard !overflow, product <= maxPixels, image.width <= Int(Int32.max), image.height <= Int(Int32.max) else {
        throw .encodeFailed(format: format,
                            message: "image is \(image.width)x\(image.height), above the limit of 2^28 pixels")
    }
}

private func takeBuffer(_ out: UnsafeMutablePointer<UInt8>?, _ len: Int, free release: (UnsafeMutableRawPointer?) -> Void) -> [UInt8] {
    defer { release(out) }
    guard let out, len > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: out, count: len))
}

func message(_ err: [CChar]) -> String {
    let bytes = err.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    let s = String(decoding: bytes, as: UTF8.self)
    return s.isEmpty ? "unknown error" : s
}

private func encodePNG(_ image: Image, text: [TextChunk]) throws(ImageError) -> [UInt8] {
    try checkShimSize(image, .png)
    for chunk in text {
        if chunk.key.utf8.contains(0) { throw .invalidTextChunk(key: chunk.key, reason: "the key contains a NUL character") }
        if chunk.value.utf8.contains(0) { throw .invalidTextChunk(key: chunk.key, reason: "the value contains a NUL character") }
    }
    // C strings that stay valid for the whole call, one allocation per string.
    var owned: [UnsafeMutablePointer<CChar>] = []
    defer { owned.forEach { $0.deallocate() } }
    func cString(_ s: String) -> UnsafePointer<CChar> {
        let utf8 = Array(s.utf8)
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
        for (i, b) in utf8.enumerated() { p[i] = CChar(bitPattern: b) }
        p[utf8.count] = 0
        owned.append(p)
        return UnsafePointer(p)
    }
    let texts = text.map { gs_png_text(key: cString($0.key), value: cString($0.value)) }

    var err = [CChar](repeating: 0, count: 200)
    var out: UnsafeMutablePointer<UInt8>? = nil
    var len = 0
    let rc = image.pixels.withUnsafeBufferPointer { px in
        texts.withUnsafeBufferPointer { tp in
            gs_png_encode(px.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                          image.bytesPerRow, tp.baseAddress, Int32(tp.count), &out, &len, &err)
        }
    }
    let bytes = takeBuffer(out, len, free: gs_png_free)
    guard rc == 0 else { throw .encodeFailed(format: .png, message: message(err)) }
    return bytes
}

private func encodeJPEG(_ image: Image, quality: Int) throws(ImageError) -> [UInt8] {
    guard (1...100).contains(quality) else { throw .invalidJPEGQuality(quality) }
    try checkShimSize(image, .jpeg)
    var err = [CChar](repeating: 0, count: 200)
    var out: UnsafeMutablePointer<UInt8>? = nil
    var len = 0
    let rc = image.pixels.withUnsafeBufferPointer { px in
        gs_jpeg_encode(px.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                       image.bytesPerRow, Int32(quality), &out, &len, &err)
    }
    let bytes = takeBuffer(out, len, free: gs_jpeg_free)
    guard rc == 0 else { throw .encodeFailed(format: .jpeg, message: message(err)) }
    return bytes
}

/// Decodes an 8-bit gray or RGB PNG (what `encode(_:as: .png)` writes); other pixel formats are refused.
public func decodePNG(_ bytes: [UInt8]) throws(ImageError) -> Image {
    var err = [CChar](repeating: 0, count: 200)
    var out: UnsafeMutablePointer<UInt8>? = nil
    var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
    let rc = bytes.withUnsafeBufferPointer { gs_png_decode($0.baseAddress, $0.count, &out, &w, &h, &c, &err) }
    let pixels = takeBuffer(out, Int(w) * Int(h) * Int(c), free: gs_png_free)
    guard rc == 0 else { throw .decodeFailed(format: .png, message: message(err)) }
    return Image(width: Int(w), height: Int(h), channels: Int(c), pixels: pixels)
}

/// Decodes a JPEG: one-component files come back gray, color files RGB. Strict: damaged data is an error.
public func decodeJPEG(_ bytes: [UInt8]) throws(ImageError) -> Image {
    var err = [CChar](repeating: 0, count: 200)
    var out: UnsafeMutablePointer<UInt8>? = nil
    var w: Int32 = 0, h: Int32 = 0, c: Int32 = 0
    let rc = bytes.withUnsafeBufferPointer { gs_jpeg_decode($0.baseAddress, $0.count, &out, &w, &h, &c, &err) }
    let pixels = takeBuffer(out, Int(w) * Int(h) * Int(c), free: gs_jpeg_free)
    guard rc == 0 else { throw .decodeFailed(format: .jpeg, message: message(err)) }
    return Image(width: Int(w), height: Int(h), channels: Int(c), pixels: pixels)
}

// MARK: - PNG text chunks, read back by walking the chunk list

/// The tEXt and uncompressed iTXt chunks of a PNG, in file order. tEXt is decoded as Latin-1, iTXt as UTF-8.
/// zTXt and compressed iTXt are skipped (this module never writes them and carries no zlib). Chunk CRCs are
/// not checked here; `decodePNG` checks them for the image data.
public func pngTextChunks(_ bytes: [UInt8]) throws(ImageError) -> [TextChunk] {
    let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    guard bytes.count >= 8, Array(bytes[0..<8]) == signature else {
        throw .decodeFailed(format: .png, message: "not a PNG file (bad signature)")
    }
    var chunks: [TextChunk] = []
    var pos = 8
    while true {
        guard bytes.count - pos >= 12 else {
            throw .decodeFailed(format: .png, message: "PNG data ends before the IEND chunk")
        }
        let length = bytes[pos..<pos + 4].reduce(0) { $0 << 8 | Int($1) }
        let type = String(decoding: bytes[pos + 4..<pos + 8], as: UTF8.self)
        guard length <= bytes.count - pos - 12 else {
            throw .decodeFailed(format: .png, message: "\(type) chunk at offset \(pos) runs past the end of the data")
        }
        let data = bytes[pos + 8..<pos + 8 + length]
        switch type {
        case "tEXt":
            guard let nul = data.firstIndex(of: 0) else {
                throw .decodeFailed(format: .png, message: "tEXt chunk at offset \(pos) has no keyword terminator")
            }
            chunks.append(TextChunk(key: latin1(data[data.startIndex..<nul]), value: latin1(data[(nul + 1)...])))
        case "iTXt":
            // keyword NUL, compression flag, method, language NUL, translated keyword NUL, text
            guard let k = data.firstIndex(of: 0), data.endIndex - k >= 3,
                  let lang = data[(k + 3)...].firstIndex(of: 0),
                  let trans = data[(lang + 1)...].firstIndex(of: 0)
            else {
                throw .decodeFailed(format: .png, message: "iTXt chunk at offset \(pos) is malformed")
            }
            if data[k + 1] != 0 { break }   // compressed: skipped, see above
            guard let value = String(validating: data[(trans + 1)...], as: UTF8.self) else {
                throw .decodeFailed(format: .png, message: "iTXt chunk at offset \(pos) is not valid UTF-8")
            }
            chunks.append(TextChunk(key: latin1(data[data.startIndex..<k]), value: value))
        case "IEND":
            return chunks
        default:
            break
        }
        pos += 12 + length
    }
}

private func latin1(_ bytes: ArraySlice<UInt8>) -> String {
    var s = String.UnicodeScalarView()
    s.append(contentsOf: bytes.map { Unicode.Scalar($0) })
    return String(s)
}

// MARK: - PNM (binary P5/P6, maxval 255)

private func encodePNM(_ image: Image, gray: Bool) -> [UInt8] {
    var out = Array("\(gray ? "P5" : "P6")\n\(image.width) \(image.height)\n255\n".utf8)
    if gray || image.channels == 3 {
        out.append(contentsOf: image.pixels)
    } else {
        out.reserveCapacity(out.count + image.pixels.count * 3)
        for v in image.pixels { out.append(v); out.append(v); out.append(v) }
    }
    return out
}

/// Decodes binary PGM (P5, gray) or PPM (P6, RGB) with maxval 255; header comments are allowed. The pixel
/// data must be exactly width*height*channels bytes.
public func decodePNM(_ bytes: [UInt8]) throws(ImageError) -> Image {
    func fail(_ m: String) -> ImageError {
        .decodeFailed(format: bytes.count > 1 && bytes[1] == UInt8(ascii: "5") ? .pgm : .ppm, message: m)
    }
    guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"),
          bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "6")
    else { throw fail("not a binary PGM/PPM file (expected P5 or P6)") }
    let channels = bytes[1] == UInt8(ascii: "5") ? 1 : 3
    var i = 2

    func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C }
    func field(_ name: String) throws(ImageError) -> Int {
        // whitespace and '#' comments (to end of line) may precede every header number
        while i < bytes.count {
            if isSpace(bytes[i]) { i += 1 }
            else if bytes[i] == UInt8(ascii: "#") { while i < bytes.count && bytes[i] != 0x0A && bytes[i] != 0x0D { i += 1 } }
            else { break }
        }
        var value = 0, digits = 0
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") {
            value = value * 10 + Int(bytes[i] - UInt8(ascii: "0"))
            digits += 1
            i += 1
            if value > Int(Int32.max) { throw fail("\(name) is too large") }
        }
        if digits == 0 { throw fail("header has no \(name)") }
        return value
    }
    let width = try field("width")
    let height = try field("height")
    let maxval = try field("maxval")
    guard width >= 1, height >= 1 else { throw fail("image is \(width)x\(height); width and height must be at least 1") }
    guard maxval == 255 else { throw fail("maxval \(maxval) is not supported; only 8-bit (255) files are read") }
    guard width * height <= maxPixels else { throw fail("image is \(width)x\(height), above the limit of 2^28 pixels") }
    guard i < bytes.count, isSpace(bytes[i]) else { throw fail("header does not end with a whitespace byte") }
    i += 1
    let needed = width * height * channels
    let have = bytes.count - i
    guard have == needed else {
        throw fail(have < needed ? "pixel data is truncated: \(have) of \(needed) bytes"
                                 : "\(have - needed) bytes follow the pixel data")
    }
    return Image(width: width, height: height, channels: channels, pixels: Array(bytes[i...]))
}
