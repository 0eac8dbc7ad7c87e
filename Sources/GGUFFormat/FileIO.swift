// Reads model files with POSIX calls; the only file in GGUFFormat that imports the C library. It refuses what a
// model file can never be (directories, devices, FIFOs, anything over 4 GiB) before reading, and reads in ranges,
// so the header is checked before the tensor data is read.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// gansynth's models are megabytes; the cap keeps a mistaken path from filling memory.
let maxFileBytes: UInt64 = 4 << 30

/// A regular file open for reading, of a size fixed when it was opened.
final class OpenFile {
    let path: String
    let size: Int
    private let fd: Int32

    init(path: String) throws(GGUFError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .fileNotFound(path: path) }
            throw .ioFailure(path: path, operation: "open", message: errorMessage(code))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw .ioFailure(path: path, operation: "fstat", message: errorMessage(code))
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else { close(fd); throw .notARegularFile(path: path, kind: fileKindName(kind)) }
        let size = UInt64(info.st_size)
        guard size <= maxFileBytes else { close(fd); throw .fileTooLarge(path: path, size: size, limit: maxFileBytes) }
        (self.path, self.size, self.fd) = (path, Int(size), fd)
    }

    deinit { close(fd) }

    /// Bytes `range` of the file; `range` lies within `size`.
    func read(_ range: Range<Int>) throws(GGUFError) -> [UInt8] {
        precondition(range.lowerBound >= 0 && range.upperBound <= size)
        var failure: GGUFError?
        let count = range.count
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var filled = 0
            while filled < count {
                let n = pread(fd, buffer.baseAddress! + filled, count - filled, off_t(range.lowerBound + filled))
                if n > 0 {
                    filled += n
                } else if n == 0 {
                    failure = .ioFailure(path: path, operation: "read",
                                         message: "file ended after \(range.lowerBound + filled) of \(size) bytes")
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
