// Puts encoded bytes somewhere: a file replaced atomically, or a file descriptor (standard output).
// The module's only OS calls live here (open/write/fsync/rename, strerror); no Foundation.
// Atomic replace is the usual POSIX recipe: temp file in the same directory, write, fsync, rename, fsync dir.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `bytes` to `path` so that readers see either the old file or the complete new one, never a part.
///
/// A symlink is followed (to its final target, which need not exist yet) and the target is replaced in its own
/// folder, so the link stays a link. The bytes go to `.<name>.gansynth-<pid>-<random>.tmp` in the target's
/// directory, locked while written (`tempFileIsAbandoned`), are fsynced, and the temp file is renamed over the target. The new file gets mode 0666 minus the
/// umask. A device, FIFO or socket is written straight into, as a shell redirection would (a rename would
/// replace the node itself). On any failure the temp file is removed and `.fileWriteFailed(path:errno:)` is
/// thrown, e.g. "cannot write 'out/x.png': No such file or directory".
public func writeAtomically(_ bytes: [UInt8], to requested: String) throws(ImageError) {
    guard !requested.isEmpty else { throw .fileWriteFailed(path: requested, errno: ENOENT) }
    var st = stat()
    if stat(requested, &st) == 0 {
        switch st.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .fileWriteFailed(path: requested, errno: EISDIR)
        default: return try writeInPlace(bytes, to: requested)
        }
    }
    // /dev/stdout and its kin name an open descriptor, whose links are not paths to replace.
    if ["/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/"].contains(where: { requested.hasPrefix($0) }) {
        return try writeInPlace(bytes, to: requested)
    }
    let path = try finalTarget(of: requested)
    let slash = path.lastIndex(of: "/")
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard !name.isEmpty, name != ".", name != ".." else { throw .fileWriteFailed(path: path, errno: EISDIR) }
    let dirPrefix = slash.map { String(path[...$0]) } ?? ""          // "" or "…/", keeps "/" for root
    var fd: Int32 = -1
    var temp = ""
    for _ in 0..<8 {
        temp = dirPrefix + tempFileName(for: name)
        fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else { throw .fileWriteFailed(path: requested, errno: errno) }
    lockTempFile(fd)

    var failure = writeFully(bytes, to: fd)
    if failure == 0 && fsync(fd) != 0 { failure = errno }
    // Renamed while still open, so the lock holds until the temp name is gone. Linux closes the descriptor even
    // when close reports EINTR, so only other errors mean lost data.
    if failure == 0 && rename(temp, path) != 0 { failure = errno }
    let renamed = failure == 0
    if close(fd) != 0 && failure == 0 && errno != EINTR { failure = errno }
    if failure != 0 {
        if !renamed { unlink(temp) }
        throw .fileWriteFailed(path: requested, errno: failure)
    }
    // Make the rename itself durable. The file is already complete and in place, so a failure here is ignored.
    let dirfd = open(dirPrefix.isEmpty ? "." : dirPrefix, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dirfd >= 0 {
        _ = fsync(dirfd)
        _ = close(dirfd)
    }
}

/// A fresh temp name for a file named `name`: `.<name>.gansynth-<pid>-<random>.tmp`, with `out` for a name over
/// 160 bytes so that the temp name stays under NAME_MAX (255 bytes).
public func tempFileName(for name: String) -> String {
    let tag = name.utf8.count <= 160 ? name : "out"
    return ".\(tag).gansynth-\(getpid())-\(String(UInt64.random(in: .min ... .max), radix: 36)).tmp"
}

/// Marks a temp file as being written: the lock lives as long as the writing process, whatever its PID (every
/// run in a container is PID 1), so a clean-up that can take it knows the writer is gone.
public func lockTempFile(_ fd: Int32) {
    _ = flock(fd, LOCK_EX | LOCK_NB)
}

/// Whether the temp file at `path` is held by no running writer (its lock can be taken); such a file is stale.
public func tempFileIsAbandoned(_ path: String) -> Bool {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return flock(fd, LOCK_EX | LOCK_NB) == 0
}

/// `path` with every symlink in its last component followed (at most 40, like the kernel's limit); a relative link
/// is read from the link's folder. The result may not exist yet: a dangling link names the file to create.
private func finalTarget(of path: String) throws(ImageError) -> String {
    var current = path
    for _ in 0..<40 {
        var st = stat()
        guard lstat(current, &st) == 0, st.st_mode & S_IFMT == S_IFLNK else { return current }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(current, &buffer, buffer.count - 1)
        guard n > 0 else { throw .fileWriteFailed(path: path, errno: errno) }
        let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if target.hasPrefix("/") {
            current = target
        } else if let slash = current.lastIndex(of: "/") {
            current = String(current[...slash]) + target
        } else {
            current = target
        }
    }
    throw .fileWriteFailed(path: path, errno: ELOOP)
}

/// Writes into an existing device, FIFO or socket with open(2) and write(2), as `> path` would.
private func writeInPlace(_ bytes: [UInt8], to requested: String) throws(ImageError) {
    let fd = open(requested, O_WRONLY | O_CLOEXEC | O_NOCTTY)
    guard fd >= 0 else { throw .fileWriteFailed(path: requested, errno: errno) }
    var failure = writeFully(bytes, to: fd)
    if close(fd) != 0 && failure == 0 && errno != EINTR { failure = errno }
    if failure != 0 { throw .fileWriteFailed(path: requested, errno: failure) }
}

/// Writes all of `bytes` to standard output. See `writeAll(_:toFileDescriptor:)`.
public func writeToStandardOutput(_ bytes: [UInt8]) throws(ImageError) {
    try writeAll(bytes, toFileDescriptor: STDOUT_FILENO)
}

/// Writes all of `bytes` to `fd` with write(2), retrying short writes and EINTR, and waiting on a non-blocking
/// descriptor that reports EAGAIN. EPIPE becomes `.brokenPipe` so a CLI can exit quietly when its reader
/// (`| head`) goes away — but only if the process ignores SIGPIPE (`signal(SIGPIPE, SIG_IGN)`); with the default
/// disposition the kernel kills the process before write returns. Other errors (ENOSPC on a full disk or
/// /dev/full, EBADF, EIO) become `.outputWriteFailed(fileDescriptor:errno:)`.
public func writeAll(_ bytes: [UInt8], toFileDescriptor fd: Int32) throws(ImageError) {
    let failure = writeFully(bytes, to: fd)
    if failure == EPIPE { throw .brokenPipe }
    if failure != 0 { throw .outputWriteFailed(fileDescriptor: fd, errno: failure) }
}

/// Returns 0 or the errno that stopped the write.
private func writeFully(_ bytes: [UInt8], to fd: Int32) -> Int32 {
    bytes.withUnsafeBytes { raw -> Int32 in
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, min(raw.count - offset, 1 << 30))
            if n > 0 {
                offset += n
                continue
            }
            if n == 0 { return EIO }   // write(2) made no progress on a non-empty request; don't spin
            let e = errno
            if e == EINTR { continue }
            if e == EAGAIN || e == EWOULDBLOCK {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, -1)
                continue
            }
            return e
        }
        return 0
    }
}

/// strerror's text for `code`, e.g. "No space left on device".
func errnoDescription(_ code: Int32) -> String {
    guard let s = strerror(code) else { return "error \(code)" }
    return String(cString: s)
}
