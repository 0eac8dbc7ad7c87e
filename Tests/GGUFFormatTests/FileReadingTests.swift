// GGUFFile(path:): a written file, a missing path, a directory, a device, an oversized file, and the shipped
// model when present.
// Foundation is fine here; only the module itself stays free of it.

import Foundation
import GGUFFormat
import Testing

@Suite struct FileReading {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("gguf-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func readsAWrittenFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var writer = GGUFWriter()
        writer.set("general.name", .string("tiny"))
        writer.addTensor(name: "w", shape: [2, 2], floats: [1, 2, 3, 4], as: .f16)
        let path = directory.appendingPathComponent("tiny.gguf").path
        try Data(writer.bytes()).write(to: URL(fileURLWithPath: path))

        let file = try GGUFFile(path: path)
        #expect(file["general.name"]?.stringValue == "tiny")
        #expect(try file.floats(of: file.tensor(named: "w")!) == [1, 2, 3, 4])
    }

    /// A sparse 3 GiB file: a header declaring one 3 GiB tensor, then a hole. The header is read and checked
    /// (the tensor's extent against the file's size) from the first 64 KiB, without reading the data.
    static func sparseFile(in directory: URL, magic: String = "GGUF", architecture: String) throws -> String {
        let dataBytes = 3 << 30
        var raw = RawGGUF(tensors: 1, keyValues: 1)
        raw.bytes.replaceSubrange(0..<4, with: Array(magic.utf8))
        raw.key("general.architecture", type: 8); raw.string(architecture)
        raw.tensorInfo("blk.0.weight", ne: [UInt64(dataBytes / 4)], type: 0)
        raw.padTo(multipleOf: 32)
        let path = directory.appendingPathComponent("sparse.gguf").path
        try Data(raw.bytes).write(to: URL(fileURLWithPath: path))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(raw.bytes.count + dataBytes))
        try handle.close()
        return path
    }

    @Test func theHeaderIsCheckedBeforeTheDataIsRead() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try Self.sparseFile(in: directory, architecture: "llama")
        let header = try GGUFFile.header(path: path)
        #expect(header["general.architecture"]?.stringValue == "llama")
        #expect(header.byteCount > 3 << 30 && !header.hasTensorData)
        #expect(header.tensor(named: "blk.0.weight")?.byteCount == 3 << 30)

        let wrongMagic = try Self.sparseFile(in: directory, magic: "GGML", architecture: "llama")
        #expect(throws: GGUFError.badMagic(found: Array("GGML".utf8))) { try GGUFFile.header(path: wrongMagic) }
    }

    @Test func missingPath() {
        let path = "/nonexistent-\(UUID().uuidString)/model.gguf"
        #expect(throws: GGUFError.fileNotFound(path: path)) { try GGUFFile(path: path) }
        expectOneLine(.fileNotFound(path: path), mentioning: path)
    }

    @Test func directoryPath() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: GGUFError.notARegularFile(path: directory.path, kind: "a directory")) {
            try GGUFFile(path: directory.path)
        }
        expectOneLine(.notARegularFile(path: "/tmp", kind: "a directory"), mentioning: "it is a directory")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/dev/null")))
    func devicePath() {
        #expect(throws: GGUFError.notARegularFile(path: "/dev/null", kind: "a character device")) {
            try GGUFFile(path: "/dev/null")
        }
    }

    @Test func emptyFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("empty.gguf").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        #expect(throws: GGUFError.fileTooSmall(size: 0)) { try GGUFFile(path: path) }
    }

    @Test func refusesFilesOver4GiB() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("huge.gguf").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
        // Sparse: the size is refused from fstat before a byte is read, so nothing is written to disk.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: (4 << 30) + 1)
        try handle.close()
        #expect(throws: GGUFError.fileTooLarge(path: path, size: (4 << 30) + 1, limit: 4 << 30)) {
            try GGUFFile(path: path)
        }
    }

    static let shippedModel = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Models/mnist-dcgan.gguf").path

    @Test(.enabled(if: FileManager.default.fileExists(atPath: shippedModel)))
    func shippedModelOpens() throws {
        let file = try GGUFFile(path: Self.shippedModel)
        #expect(file["general.architecture"]?.stringValue == "gansynth")
        #expect(!file.tensors.isEmpty)
        for tensor in file.tensors {
            #expect(try file.floats(of: tensor).count == tensor.elementCount)
        }
    }
}
