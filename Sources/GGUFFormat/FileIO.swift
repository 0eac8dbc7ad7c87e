// Reads a whole file into memory with POSIX calls; the only file in GGUFFormat that imports the C library.
// It refuses what a model file can never be (directories, devices, FIFOs, anything over 4 GiB) before reading.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// gansynth's models are megabytes; the cap keeps a mistaken path from filling memory.
let maxFileBytes: UInt64 = 4 << 30

func readWholeFile(path: String) throws(GGUFError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        let code = errno
        if code == ENOENT { throw .fileNotFound(path: path) }
        throw .ioFailure(path: path, operation: "open", message: errorMessage(code))
    }
    defer { close(fd) }

    var info = stat()
    guard fstat(fd, &info) == 0 else {
        throw .ioFailure(path: path, operation: "fstat", message: errorMessage(errno))
    }
    let kind = info.st_mode & S_IFMT
    guard kind == S_IFREG else { throw .notARegularFile(path: path, kind: fileKindName(kind)) }
    let size = UInt64(info.st_size)
    guard size <= maxFileBytes else { throw .fileTooLarge(path: path, size: size, limit: maxFileBytes) }

    let count = Int(size)
    var failure: GGUFError?
    let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        var filled = 0
        while filled < count {
            let n = read(fd, buffer.baseAddress! + filled, count - filled)
            if n > 0 {
                filled += n
            } else if n == 0 {
                // The file shrank between fstat and read.
                failure = .ioFailure(
                    path: path, operation: "read", message: "file ended after \(filled) of \(count) bytes")
                break
            } else if errno != EINTR {
                failure = .ioFailure(path: path, operation: "read", message: errorMessage(errno))
                break
            }
        }
        initialized = filled
    }
    if let failure { throw failure }
    return bytes
}

private func errorMessage(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "errno \(code)" }
    return String(cString: text)
}

private func fileKindName(_ kind: mode_t) -> String {
    switch kind {
    case S_IFDIR: return "a directory"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    case S_IFIFO: return "a FIFO"
    case S_IFSOCK: return "a socket"
    default: return "a special file"
    }
}
