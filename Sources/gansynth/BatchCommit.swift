// Many small files made durable together. writeAtomically's fsync per file (plus one of the folder) makes a
// folder of 28x28 PNGs disk-bound at a few hundred files a second; here a batch's temp files are written, the file
// system is flushed once (syncfs), and only then are they renamed. The guarantee is the same: a final name holds
// a complete image or nothing, after kill -9 or a power cut alike.

import GanImage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A complete temp file waiting for its rename.
struct PendingFile: Sendable {
    let temp: String
    let path: String
}

/// Writes `bytes` to a new temp file beside `path`; nothing is visible under `path` yet.
func writePending(_ bytes: [UInt8], to path: String) throws(ImageError) -> PendingFile {
    let (fd, temp) = try createTempFile(for: path)
    var failure: Int32 = 0
    do { try writeAll(bytes, toFileDescriptor: fd) } catch { failure = errnoOf(error) }
    if close(fd) != 0 && failure == 0 && errno != EINTR { failure = errno }
    if failure != 0 {
        unlink(temp)
        throw .fileWriteFailed(path: path, errno: failure)
    }
    return PendingFile(temp: temp, path: path)
}

/// Flushes the pending files of `directory` to disk, then renames each into place, in order, and makes the renames
/// durable. Returns how many were renamed and, if one failed, why; the temp files not renamed are deleted.
func commit(_ files: [PendingFile], in directory: String) -> (renamed: Int, error: ImageError?) {
    guard !files.isEmpty else { return (0, nil) }
    let dirfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    defer { if dirfd >= 0 { close(dirfd) } }
    var failure: (path: String, errno: Int32)?
    if let syncfs = syncFileSystem {
        if dirfd < 0 || syncfs(dirfd) != 0 { failure = (directory, errno) }
    } else {
        for f in files where failure == nil {
            let fd = open(f.temp, O_RDONLY | O_CLOEXEC)
            if fd < 0 || fsync(fd) != 0 { failure = (f.path, errno) }
            if fd >= 0 { close(fd) }
        }
    }
    var renamed = 0
    for f in files {
        if failure == nil {
            if rename(f.temp, f.path) == 0 { renamed += 1 } else { failure = (f.path, errno) }
        }
        if failure != nil { unlink(f.temp) }
    }
    if dirfd >= 0 { _ = fsync(dirfd) }
    return (renamed, failure.map { .fileWriteFailed(path: $0.path, errno: $0.errno) })
}

/// Linux's syncfs(2), which Glibc's Swift module does not export (it needs _GNU_SOURCE); nil elsewhere, where each
/// file is fsynced instead.
private let syncFileSystem: (@convention(c) (Int32) -> Int32)? = {
    #if os(Linux)
    guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "syncfs") else { return nil }
    return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
    #else
    return nil
    #endif
}()
