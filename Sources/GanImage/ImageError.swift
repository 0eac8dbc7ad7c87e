// The one error type of the image stage: encoding, decoding and writing output.
// Each case carries the names and numbers needed for a one-line message; codec failures carry libpng's or
// libjpeg's own message verbatim, file failures carry errno (rendered with strerror).

public enum ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Width or height is 0; no format here can hold that.
    case emptyImage(width: Int, height: Int)
    /// JPEG quality outside 1...100.
    case invalidJPEGQuality(Int)
    /// An RGB image was asked to be written as PGM.
    case pgmNeedsGray
    /// A PNG text chunk that cannot be written as given (the C shim checks the keyword rules themselves).
    case invalidTextChunk(key: String, reason: String)
    /// The encoder refused or failed; `message` is the C library's (or the shim's) own text.
    case encodeFailed(format: ImageFormat, message: String)
    /// The bytes are not a readable image of `format`; `message` says why.
    case decodeFailed(format: ImageFormat, message: String)
    /// An animation encoder or decoder (giflib, libwebp) refused or failed; `format` is "GIF" or "WebP".
    case animationFailed(format: String, message: String)
    /// `writeAtomically` failed; `errno` is the failing call's, and no temporary file is left behind.
    case fileWriteFailed(path: String, errno: Int32)
    /// `writeAll`/`writeToStandardOutput` failed for a reason other than a closed pipe.
    case outputWriteFailed(fileDescriptor: Int32, errno: Int32)
    /// The reader of standard output (or of the pipe) went away: EPIPE. Callers usually exit quietly.
    /// Only observable when SIGPIPE is ignored; otherwise the signal kills the process first.
    case brokenPipe

    public var description: String {
        switch self {
        case let .emptyImage(width, height):
            return "cannot encode a \(width)x\(height) image; width and height must be at least 1"
        case let .invalidJPEGQuality(q):
            return "JPEG quality must be between 1 and 100, got \(q)"
        case .pgmNeedsGray:
            return "PGM holds gray images; this image is RGB (PPM holds RGB)"
        case let .invalidTextChunk(key, reason):
            return "PNG text chunk \"\(oneLine(key))\" cannot be written: \(reason)"
        case let .encodeFailed(format, message):
            return "\(format.displayName) encoding failed: \(oneLine(message))"
        case let .decodeFailed(format, message):
            return "\(format.displayName) decoding failed: \(oneLine(message))"
        case let .animationFailed(format, message):
            return "animated \(format): \(oneLine(message))"
        case let .fileWriteFailed(path, e):
            return "cannot write '\(oneLine(path))': \(errnoDescription(e))"
        case let .outputWriteFailed(fd, e):
            let target = fd == 1 ? "standard output" : "file descriptor \(fd)"
            return "cannot write to \(target): \(errnoDescription(e))"
        case .brokenPipe:
            return "output pipe was closed by the reader (broken pipe)"
        }
    }
}

extension ImageFormat {
    var displayName: String {
        switch self {
        case .png: "PNG"
        case .jpeg: "JPEG"
        case .ppm: "PPM"
        case .pgm: "PGM"
        }
    }
}

/// Keeps descriptions to one line even when a path or key contains a newline.
private func oneLine(_ s: String) -> String {
    guard s.contains(where: \.isNewline) else { return s }
    return String(s.map { $0.isNewline ? " " : $0 })
}
