// The 8-bit image every later stage works on, and the one conversion from a generator's float output to it.
// Layout is stb_image_write's: interleaved channels, rows top to bottom, no row padding. No codecs, no I/O here.
// The float→byte rule is torchvision.utils.save_image's (normalize with value_range, then mul(255).add(0.5),
// clamp, truncate), so an image saved here matches one saved by the training code byte for byte.

/// An 8-bit image: 1 channel (gray) or 3 (RGB), interleaved, rows top to bottom, `bytesPerRow == width*channels`.
/// Zero width or height is representable (so encoders can refuse it with a message) but encodes nowhere.
public struct Image: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// `(height, width, channels)`, row-major.
    public var pixels: [UInt8]

    public var bytesPerRow: Int { width * channels }

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "image size \(width)x\(height) is negative")
        precondition(channels == 1 || channels == 3, "image has \(channels) channels; expected 1 or 3")
        precondition(pixels.count == width * height * channels,
                     "image \(width)x\(height)x\(channels) needs \(width * height * channels) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public init(width: Int, height: Int, channels: Int, fill: UInt8) {
        precondition(width >= 0 && height >= 0, "image size \(width)x\(height) is negative")
        self.init(width: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: fill, count: width * height * channels))
    }
}

/// The interval of values that maps onto 0…255: [-1, 1] for a tanh output layer, [0, 1] for a sigmoid one.
public struct ValueRange: Equatable, Sendable {
    public let low: Float, high: Float
    public init(low: Float, high: Float) {
        precondition(low < high, "ValueRange: low \(low) must be below high \(high)")
        self.low = low; self.high = high
    }
    public static let tanh = ValueRange(low: -1, high: 1)
    public static let sigmoid = ValueRange(low: 0, high: 1)
}

/// Converts one generated image, planar float `(C, H, W)` as a network emits it, to an interleaved `Image`.
///
/// Per value: `p = floor(clamp((v - lo) / (hi - lo), 0, 1) * 255 + 0.5)`, evaluated in Float32 in exactly
/// torchvision's order (clamp, subtract, divide, multiply, add; no fused multiply-add), so e.g. `v = 0` with
/// `.tanh` gives 127.5 + 0.5 → 128. NaN maps to 0; ±infinity clamp to the ends.
public func quantizePlanar(_ values: UnsafeBufferPointer<Float>, channels: Int, height: Int, width: Int,
                           range: ValueRange) -> Image {
    precondition(channels == 1 || channels == 3, "quantizePlanar: \(channels) channels; expected 1 or 3")
    precondition(width >= 0 && height >= 0, "quantizePlanar: negative size \(width)x\(height)")
    precondition(values.count == channels * height * width,
                 "quantizePlanar: (\(channels), \(height), \(width)) needs \(channels * height * width) values, got \(values.count)")
    let (lo, hi) = (range.low, range.high)
    let span = hi - lo
    let plane = height * width
    var pixels = [UInt8](repeating: 0, count: plane * channels)
    pixels.withUnsafeMutableBufferPointer { out in
        for c in 0..<channels {
            let src = values.baseAddress! + c * plane   // (H, W) plane of channel c
            for i in 0..<plane {
                let v = src[i]
                if v.isNaN { continue }                 // stays 0
                let t = (min(max(v, lo), hi) - lo) / span
                let p = t * 255 + 0.5                   // in [0.5, 255.5]
                out[i * channels + c] = UInt8(p.rounded(.down))
            }
        }
    }
    return Image(width: width, height: height, channels: channels, pixels: pixels)
}

/// Nearest-neighbour enlargement: every pixel becomes a `factor` x `factor` block. `factor` 1 returns a copy.
public func upscaleNearest(_ image: Image, factor: Int) -> Image {
    precondition(factor >= 1, "upscaleNearest: factor \(factor) must be at least 1")
    if factor == 1 { return image }
    let ch = image.channels
    let outW = image.width * factor, outH = image.height * factor
    let outRow = outW * ch
    var out = [UInt8](repeating: 0, count: outRow * outH)
    if outRow == 0 || outH == 0 { return Image(width: outW, height: outH, channels: ch, pixels: out) }
    image.pixels.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for y in 0..<image.height {
                let first = dst.baseAddress! + (y * factor) * outRow
                // Build the widened row once, then copy it to the other factor-1 output rows.
                for x in 0..<image.width {
                    let s = src.baseAddress! + (y * image.width + x) * ch
                    for k in 0..<factor {
                        (first + (x * factor + k) * ch).update(from: s, count: ch)
                    }
                }
                for r in 1..<factor {
                    (first + r * outRow).update(from: first, count: outRow)
                }
            }
        }
    }
    return Image(width: outW, height: outH, channels: ch, pixels: out)
}

/// Area (box) reduction: each `factor` x `factor` block becomes its mean, rounded to nearest. The sides must be
/// multiples of `factor`.
public func downscaleArea(_ image: Image, factor: Int) -> Image {
    precondition(factor >= 1 && image.width % factor == 0 && image.height % factor == 0,
                 "downscaleArea: \(image.width)x\(image.height) is not a multiple of \(factor)")
    if factor == 1 { return image }
    let ch = image.channels, outW = image.width / factor, outH = image.height / factor
    let area = factor * factor
    var out = [UInt8](repeating: 0, count: outW * outH * ch)
    for y in 0..<outH {
        for x in 0..<outW {
            for c in 0..<ch {
                var sum = 0
                for dy in 0..<factor {
                    let row = ((y * factor + dy) * image.width + x * factor) * ch + c
                    for dx in 0..<factor { sum += Int(image.pixels[row + dx * ch]) }
                }
                out[(y * outW + x) * ch + c] = UInt8((sum + area / 2) / area)
            }
        }
    }
    return Image(width: outW, height: outH, channels: ch, pixels: out)
}
