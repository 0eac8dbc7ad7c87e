// writeAtomically / writeAll: success, the errors a CLI user meets (missing directory, read-only directory,
// full device, closed pipe), and that a failed write leaves no temporary file behind.
import Foundation
import Testing
@testable import GanImage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func makeTempDir() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gsimg-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false)
    return dir
}

private func listing(_ dir: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
}

private func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

@Suite struct WriteAtomicallyTests {
    @Test func writesAndReplaces() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.png"
        let first = try encode(Fixtures.redOnBlue, as: .png)
        try writeAtomically(first, to: path)
        #expect(try readFile(path) == first)
        let second = try encode(Fixtures.gray, as: .png)
        try writeAtomically(second, to: path)
        #expect(try readFile(path) == second)
        try writeAtomically([], to: dir + "/empty.bin")
        #expect(try readFile(dir + "/empty.bin").isEmpty)
        #expect(try listing(dir) == ["empty.bin", "out.png"])   // no temp files left
    }

    @Test func relativePathUsesCurrentDirectory() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // chdir is process-wide, so only an absolute path to a relative-looking location is used here:
        // "dir/./x" exercises the directory split without changing the working directory.
        try writeAtomically([1, 2, 3], to: dir + "/./x.ppm")
        #expect(try readFile(dir + "/x.ppm") == [1, 2, 3])
    }

    @Test func missingParentDirectory() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/no/such/dir/out.png"
        #expect(throws: ImageError.fileWriteFailed(path: path, errno: ENOENT)) {
            try writeAtomically([1, 2, 3], to: path)
        }
        #expect(ImageError.fileWriteFailed(path: path, errno: ENOENT).description
                == "cannot write '\(path)': No such file or directory")
        #expect(try listing(dir).isEmpty)
    }

    @Test func targetIsADirectoryLeavesNoTempFile() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let target = dir + "/taken"
        try FileManager.default.createDirectory(atPath: target + "/inner", withIntermediateDirectories: true)
        // rename(file, non-empty dir) fails after the temp file was written; it must be cleaned up.
        #expect { try writeAtomically([1, 2, 3], to: target) } throws: { error in
            guard case let .fileWriteFailed(path, e) = error as? ImageError else { return false }
            return path == target && (e == EISDIR || e == ENOTEMPTY || e == EEXIST)
        }
        #expect(try listing(dir) == ["taken"])
    }

    @Test func pathEndingInSlashIsRefused() throws {
        #expect(throws: ImageError.fileWriteFailed(path: "/tmp/", errno: EISDIR)) { try writeAtomically([1], to: "/tmp/") }
        #expect(throws: ImageError.fileWriteFailed(path: "", errno: ENOENT)) { try writeAtomically([1], to: "") }
    }

    // Root bypasses directory permissions, so the write would succeed and the test would mean nothing.
    @Test(.enabled(if: geteuid() != 0, "running as root: directory permissions are not enforced"))
    func readOnlyDirectory() throws {
        let dir = try makeTempDir()
        defer {
            chmod(dir, 0o755)
            try? FileManager.default.removeItem(atPath: dir)
        }
        #expect(chmod(dir, 0o555) == 0)
        let path = dir + "/out.png"
        #expect(throws: ImageError.fileWriteFailed(path: path, errno: EACCES)) { try writeAtomically([1], to: path) }
        #expect(ImageError.fileWriteFailed(path: path, errno: EACCES).description
                == "cannot write '\(path)': Permission denied")
        #expect(try listing(dir).isEmpty)
    }
}

@Suite struct WriteAllTests {
    @Test func fullDeviceReportsENOSPC() throws {
        let fd = open("/dev/full", O_WRONLY | O_CLOEXEC)
        try #require(fd >= 0, "/dev/full is not available")
        defer { close(fd) }
        #expect(throws: ImageError.outputWriteFailed(fileDescriptor: fd, errno: ENOSPC)) {
            try writeAll([1, 2, 3], toFileDescriptor: fd)
        }
        #expect(ImageError.outputWriteFailed(fileDescriptor: fd, errno: ENOSPC).description
                == "cannot write to file descriptor \(fd): No space left on device")
    }

    @Test func closedPipeIsBrokenPipe() throws {
        signal(SIGPIPE, SIG_IGN)   // as the CLI must; otherwise SIGPIPE kills the test process
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        close(fds[0])
        defer { close(fds[1]) }
        #expect(throws: ImageError.brokenPipe) { try writeAll([UInt8](repeating: 7, count: 100), toFileDescriptor: fds[1]) }
    }

    @Test func badDescriptor() {
        #expect(throws: ImageError.outputWriteFailed(fileDescriptor: -1, errno: EBADF)) { try writeAll([1], toFileDescriptor: -1) }
    }

    @Test func largeWriteThroughAPipeArrivesWhole() throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        let payload = (0..<(1 << 20) + 123).map { UInt8(truncatingIfNeeded: $0 &* 31) }   // > pipe buffer: short writes
        let readEnd = fds[0]
        let received = ReceivedBytes()
        // A real thread, not a Task: the reader blocks in read(2) while the writer blocks in write(2).
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                received.append(buffer[0..<n])
            }
            close(readEnd)
            received.finish()
        }
        reader.start()
        try writeAll(payload, toFileDescriptor: fds[1])
        close(fds[1])
        received.wait()
        #expect(received.bytes == payload)
    }
}

private final class ReceivedBytes: @unchecked Sendable {
    private let lock = NSCondition()
    private var data: [UInt8] = []
    private var done = false
    func append(_ b: ArraySlice<UInt8>) { lock.lock(); data += b; lock.unlock() }
    func finish() { lock.lock(); done = true; lock.broadcast(); lock.unlock() }
    func wait() { lock.lock(); while !done { lock.wait() }; lock.unlock() }
    var bytes: [UInt8] { lock.lock(); defer { lock.unlock() }; return data }
}
