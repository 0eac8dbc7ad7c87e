// Animations: frames written as one animated GIF (giflib) or lossless animated WebP (libwebp) through the C shim
// CAnimShim, and read back (the decoders check the encoders). Frames play at `fps`, looping forever.

import CAnimShim

public enum AnimationFormat: String, Sendable, CaseIterable {
    /// Gray frames exact (a 256-level gray palette); RGB frames share one palette quantized from all of them.
    case gif
    /// Every frame lossless.
    case webp

    public var displayName: String { self == .gif ? "GIF" : "WebP" }
}

/// Frames of one size and channel count as an animation file. GIF's delays are in hundredths of a second, so
/// a GIF plays at 100 / round(100 / fps) frames a second; WebP's frame k starts at round(1000 · k / fps) ms.
public func encodeAnimation(_ frames: [Image], as format: AnimationFormat, fps: Double) throws(ImageError) -> [UInt8] {
    guard let first = frames.first else { throw .animationFailed(format: format.displayName, message: "no frames") }
    guard fps.isFinite, fps > 0 else { throw .animationFailed(format: format.displayName, message: "\(fps) frames per second") }
    if let odd = frames.firstIndex(where: { $0.width != first.width || $0.height != first.height || $0.channels != first.channels }) {
        throw .animationFailed(format: format.displayName, message: "frame \(odd) differs in size or channels from frame 0")
    }
    var pixels: [UInt8] = []
    pixels.reserveCapacity(frames.count * first.pixels.count)
    for f in frames { pixels += f.pixels }
    var err = [CChar](repeating: 0, count: Int(GS_ANIM_ERR_LEN))
    var out: UnsafeMutablePointer<UInt8>? = nil
    var len = 0
    let (n, w, h, c) = (Int32(frames.count), Int32(first.width), Int32(first.height), Int32(first.channels))
    let rc: Int32
    switch format {
    case .gif:
        let delay = Int32(max(1, min(65535, (100 / fps).rounded())))
        rc = pixels.withUnsafeBufferPointer { gs_gif_encode($0.baseAddress, n, w, h, c, delay, &out, &len, &err) }
    case .webp:
        let stamps = (0...frames.count).map { Int32((1000 * Double($0) / fps).rounded()) }
        rc = pixels.withUnsafeBufferPointer { px in
            stamps.withUnsafeBufferPointer { gs_webp_encode(px.baseAddress, n, w, h, c, $0.baseAddress, stamps.last!, &out, &len, &err) }
        }
    }
    let bytes = out.map { Array(UnsafeBufferPointer(start: $0, count: len)) } ?? []
    gs_anim_free(out)
    guard rc == 0 else { throw .animationFailed(format: format.displayName, message: message(err)) }
    return bytes
}

/// An animation's frames as RGB images, and each frame's duration (GIF: hundredths of a second; WebP: ms).
public func decodeAnimation(_ bytes: [UInt8], as format: AnimationFormat) throws(ImageError) -> (frames: [Image], durations: [Int]) {
    var err = [CChar](repeating: 0, count: Int(GS_ANIM_ERR_LEN))
    var px: UnsafeMutablePointer<UInt8>? = nil
    var delays: UnsafeMutablePointer<Int32>? = nil
    var n: Int32 = 0, w: Int32 = 0, h: Int32 = 0
    let rc = bytes.withUnsafeBufferPointer { b in
        format == .gif ? gs_gif_decode(b.baseAddress, b.count, &px, &delays, &n, &w, &h, &err)
                       : gs_webp_decode(b.baseAddress, b.count, &px, &delays, &n, &w, &h, &err)
    }
    defer { gs_anim_free(px); gs_anim_free(delays) }
    guard rc == 0, let px, let delays else { throw .animationFailed(format: format.displayName, message: message(err)) }
    let size = Int(w) * Int(h) * 3
    let frames = (0..<Int(n)).map { k in
        Image(width: Int(w), height: Int(h), channels: 3, pixels: Array(UnsafeBufferPointer(start: px + k * size, count: size)))
    }
    return (frames, (0..<Int(n)).map { Int(delays[$0]) })
}
