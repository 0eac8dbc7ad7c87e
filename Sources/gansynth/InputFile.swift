// Files a command reads whole (--latents, --ws, input images): a regular file whose size is checked against the
// caller's bounds before a byte is allocated, read in one call; every refusal is one line through `refuse`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func readInputFile(_ path: String, bytes allowed: ClosedRange<Int>, refuse: (String) -> CLIError,
                   tooSmall: (Int) -> String, tooLarge: (Int) -> String) throws(CLIError) -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw refuse(String(cString: strerror(errno))) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw refuse("not a regular file") }
    let size = Int(st.st_size)
    guard size >= allowed.lowerBound else { throw refuse(tooSmall(size)) }
    guard size <= allowed.upperBound else { throw refuse(tooLarge(size)) }
    var bytes = [UInt8](repeating: 0, count: size)
    let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, size) }
    guard got == size else { throw refuse("could not read its \(size) bytes") }
    return bytes
}
