// A file too large to hold in memory (a .npy data set, a manifest of millions of rows), written piece by piece
// yet replaced atomically like GanImage's writeAtomically: the bytes go to a temp file of the same naming
// pattern, `.<name>.gansynth-<pid>-<random>.tmp`, so the same clean-up finds it after a kill -9.

import GanImage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class StreamedFile {
    let path: String
    private let temp: String
    /// Where the bytes go until `commit`; another program may write the file there (ffmpeg).
    var tempPath: String { temp }
    private var fd: Int32
    private var buffer: [UInt8] = []
    private static let flushSize = 1 << 20

    init(path: String) throws(ImageError) {
        self.path = path
        (fd, temp) = try createTempFile(for: path)
        buffer.reserveCapacity(Self.flushSize)
    }

    deinit { abandon() }

    func append(_ bytes: some Collection<UInt8>) throws(ImageError) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushSize { try flush() }
    }

    func append(_ text: String) throws(ImageError) { try append(text.utf8) }

    private func flush() throws(ImageError) {
        do { try writeAll(buffer, toFileDescriptor: fd) } catch { throw .fileWriteFailed(path: path, errno: errnoOf(error)) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Makes the file visible under its name, complete.
    func commit() throws(ImageError) {
        try flush()
        var failure: Int32 = 0
        if fsync(fd) != 0 { failure = errno }
        // Renamed while still open and locked, so no clean-up takes the temp file for a dead run's.
        if failure == 0 && rename(temp, path) != 0 { failure = errno }
        let renamed = failure == 0
        if close(fd) != 0 && failure == 0 && errno != EINTR { failure = errno }
        fd = -1
        if failure != 0 {
            if !renamed { unlink(temp) }
            throw .fileWriteFailed(path: path, errno: failure)
        }
        let dirfd = open(splitPath(path).dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirfd >= 0 {
            _ = fsync(dirfd)
            close(dirfd)
        }
    }

    /// Drops the temp file; the old file under `path`, if any, stays as it was.
    func abandon() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(temp)
    }
}

/// A new, empty temp file beside `path`, named as GanImage's writeAtomically names its own.
func createTempFile(for path: String) throws(ImageError) -> (fd: Int32, temp: String) {
    let (dir, name) = splitPath(path)
    for _ in 0..<8 {
        let temp = "\(dir)/" + tempFileName(for: name)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if fd >= 0 { lockTempFile(fd); return (fd, temp) }
        if errno != EEXIST { break }
    }
    throw .fileWriteFailed(path: path, errno: errno)
}

func errnoOf(_ error: ImageError) -> Int32 {
    if case .outputWriteFailed(_, let e) = error { return e }
    return EIO
}

/// ("dir", "name") of a path; "." for a bare name.
func splitPath(_ path: String) -> (dir: String, name: String) {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let dir = String(path[..<slash])
    return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
}
