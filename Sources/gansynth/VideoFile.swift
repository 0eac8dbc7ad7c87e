// interpolate --video: the walk's frames as one animated GIF or WebP (GanImage, giflib and libwebp) or an MP4
// (H.264 through ffmpeg, found on PATH). Every kind is written to a temp file beside the target and renamed into
// place, so a failed encode leaves the old file, if any, untouched.

import GanImage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum VideoFormat: String, CaseIterable {
    case gif, webp, mp4

    /// From the file name's extension, or a one-line refusal naming the ones there are.
    static func of(_ path: String) throws(CLIError) -> VideoFormat {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        guard path.contains("."), let f = VideoFormat(rawValue: ext) else {
            throw .usage("--video '\(terminalSafe(path))': name it .gif, .webp or .mp4")
        }
        return f
    }
}

func writeVideo(_ frames: [Image], to path: String, fps: Double) throws(CLIError) {
    let format = try VideoFormat.of(path)
    switch format {
    case .gif, .webp:
        let bytes: [UInt8]
        do {
            bytes = try encodeAnimation(frames, as: format == .gif ? .gif : .webp, fps: fps)
            try writeAtomically(bytes, to: path)
        } catch { throw .output(error) }
    case .mp4:
        try writeMP4(frames, to: path, fps: fps)
    }
}

/// ffmpeg reads the raw frames on its standard input and writes H.264 (yuv420p, sizes padded to even) into the
/// temp file; its error output goes to a second temp file, whose last line is the message if it fails.
private func writeMP4(_ frames: [Image], to path: String, fps: Double) throws(CLIError) {
    let first = frames[0]
    let file: StreamedFile
    do { file = try StreamedFile(path: path) } catch { throw .output(error) }
    var log = Array("\(splitPath(path).dir)/.gansynth-ffmpeg-log-XXXXXX".utf8CString)
    let logFD = log.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard logFD >= 0 else { throw CLIError(description: "cannot create a temp file for ffmpeg's messages: \(String(cString: strerror(errno)))", exitStatus: ExitStatus.cannotCreate) }
    let logPath = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    defer { close(logFD); unlink(logPath) }
    var input: [Int32] = [0, 0]
    guard pipe(&input) == 0 else { throw CLIError(description: "cannot create a pipe to ffmpeg: \(String(cString: strerror(errno)))", exitStatus: ExitStatus.cannotCreate) }
    let args = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-f", "rawvideo", "-pix_fmt", first.channels == 1 ? "gray" : "rgb24",
                "-video_size", "\(first.width)x\(first.height)", "-framerate", "\(fps)", "-i", "pipe:0",
                "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                "-movflags", "+faststart", "-f", "mp4", "file:" + file.tempPath]
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, input[0], 0)
    posix_spawn_file_actions_adddup2(&actions, logFD, 2)
    posix_spawn_file_actions_addclose(&actions, input[1])
    var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, "ffmpeg", &actions, nil, &argv, environ)
    close(input[0])
    guard spawned == 0 else {
        close(input[1])
        file.abandon()
        if spawned == ENOENT {
            throw .usage("--video \(terminalSafe(path)) needs ffmpeg on PATH (Debian: apt-get install ffmpeg); .gif and .webp need nothing else")
        }
        throw CLIError(description: "cannot start ffmpeg: \(String(cString: strerror(spawned)))", exitStatus: ExitStatus.cannotCreate)
    }
    var writeFailed = false
    for frame in frames where !writeFailed {
        do { try writeAll(frame.pixels, toFileDescriptor: input[1]) } catch { writeFailed = true }  // ffmpeg quit: its log says why
    }
    close(input[1])
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    let exited = (status & 0x7F) == 0, code = (status >> 8) & 0xFF
    guard exited && code == 0 && !writeFailed else {
        file.abandon()
        var text = [UInt8](repeating: 0, count: 4096)
        let n = pread(logFD, &text, text.count, 0)
        let lines = String(decoding: text.prefix(max(0, n)), as: UTF8.self).split(separator: "\n")
        let why = lines.last.map { terminalSafe(String($0)) } ?? (exited ? "status \(code)" : "killed by signal \(status & 0x7F)")
        throw CLIError(description: "ffmpeg could not write '\(terminalSafe(path))': \(why)", exitStatus: ExitStatus.cannotCreate)
    }
    do { try file.commit() } catch { throw .output(error) }
}
