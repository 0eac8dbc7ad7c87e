// The corpus of malformed and malicious model files (Tests/Corrupt, written by make_corpus.py): each file breaks
// one validation rule, and the built `gansynth` must refuse it with exit status 65 and one line on stderr that
// names the field and the numbers (the manifest's substring), quickly, without writing any output, and without
// a large allocation (peak RSS measured with GNU time).

import Foundation
import Testing

private let corruptDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Corrupt")
private let corruptFiles = corruptDir.appendingPathComponent("files")

struct CorruptCase: Sendable, CustomTestStringConvertible {
    var file: String
    var status: Int32
    var mentions: String
    /// How gansynth fails this file today (manifest column 4); the checks then expect to fail, and start failing
    /// the other way (a known issue that no longer happens) once it is fixed, so the marker gets removed.
    var knownIssue: String?
    var path: String { corruptFiles.appendingPathComponent(file).path }
    var testDescription: String { file }

    /// The rows of Tests/Corrupt/expected.tsv: file, exit status, substring of the error line[, known issue].
    static let manifest: [CorruptCase] = {
        guard let text = try? String(contentsOf: corruptDir.appendingPathComponent("expected.tsv"), encoding: .utf8)
        else { return [] }
        return text.split(separator: "\n").compactMap { line in
            if line.hasPrefix("#") { return nil }
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 3 || f.count == 4, let status = Int32(f[1]) else { return nil }
            return CorruptCase(file: f[0], status: status, mentions: f[2], knownIssue: f.count == 4 ? f[3] : nil)
        }
    }()
}

/// Limits a refusal must stay under: a few KB file is parsed and refused in milliseconds with a small heap.
private let timeLimit = Duration.seconds(2)
private let memoryLimitKB = 100 * 1024

/// GNU time's `-f %M` (peak resident set in KB), or nil where /usr/bin/time is missing or not GNU time.
private let gnuTime: String? = {
    let path = "/usr/bin/time"
    guard FileManager.default.isExecutableFile(atPath: path), let kb = try? peakKB(time: path, ["/bin/true"]), kb > 0
    else { return nil }
    return path
}()

/// Runs `args` under GNU time and returns the child's peak RSS in KB.
private func peakKB(time: String, _ args: [String]) throws -> Int? {
    let report = FileManager.default.temporaryDirectory.appendingPathComponent("gansynth-rss-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: report) }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: time)
    p.arguments = ["-f", "%M", "-o", report.path] + args
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    let text = try String(contentsOf: report, encoding: .utf8)
    return text.split(separator: "\n").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
}

private func expectOneLineError(_ r: Run, _ c: CorruptCase, command: String) {
    #expect(r.status == c.status, "\(command) \(c.file): exit status \(r.status), stderr: \(r.stderr)")
    #expect(r.stderr.hasPrefix("gansynth: error: "), "\(command) \(c.file): \(r.stderr)")
    #expect(r.stderr.hasSuffix("\n") && !r.stderr.dropLast().contains("\n"),
            "\(command) \(c.file): stderr is not exactly one line: \(r.stderr.debugDescription)")
    #expect(r.stderr.contains(c.mentions), "\(command) \(c.file): '\(r.stderr)' does not mention '\(c.mentions)'")
}

/// Runs `checks`, expecting them to fail where the manifest marks a known issue.
private func expectingKnownIssue(_ c: CorruptCase, _ checks: () -> Void) {
    if let issue = c.knownIssue {
        withKnownIssue(Comment(rawValue: "\(c.file): \(issue)"), checks)
    } else {
        checks()
    }
}

@Suite(.serialized) struct CorruptModelFiles {
    @Test func manifestAndFilesMatch() throws {
        let onDisk = Set(try FileManager.default.contentsOfDirectory(atPath: corruptFiles.path).filter { !$0.hasPrefix(".") })
        let listed = CorruptCase.manifest.map(\.file)
        #expect(listed.count >= 60, "expected.tsv lists \(listed.count) files")
        #expect(Set(listed).count == listed.count, "expected.tsv lists a file twice")
        #expect(onDisk.subtracting(listed).sorted() == [], "files without a row in expected.tsv")
        #expect(Set(listed).subtracting(onDisk).sorted() == [], "rows of expected.tsv without a file")
    }

    /// The model every corrupt file is derived from loads, so each file is refused for what it breaks.
    @Test func baseModelLoads() throws {
        let r = try gansynth(["info", corruptDir.appendingPathComponent("base.gguf").path])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        #expect(String(decoding: r.stdout, as: UTF8.self).contains("tiny"))
    }

    @Test(arguments: CorruptCase.manifest)
    func infoRefusesWithOneLine(_ c: CorruptCase) throws {
        var run: Run?
        let elapsed = try ContinuousClock().measure { run = try gansynth(["info", c.path]) }
        let r = try #require(run)
        #expect(elapsed < timeLimit, "info \(c.file) took \(elapsed)")
        expectingKnownIssue(c) {
            expectOneLineError(r, c, command: "info")
            #expect(r.stdout.isEmpty, "info \(c.file) printed: \(String(decoding: r.stdout, as: UTF8.self))")
        }
    }

    @Test(arguments: CorruptCase.manifest)
    func sampleWritesNothing(_ c: CorruptCase) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try gansynth(["sample", "--model", c.path, dir.appendingPathComponent("out.png").path])
        expectingKnownIssue(c) { expectOneLineError(r, c, command: "sample") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == [], "sample \(c.file) left files")
    }

    @Test(.enabled(if: gnuTime != nil, "needs GNU time at /usr/bin/time"), arguments: CorruptCase.manifest)
    func refusalUsesLittleMemory(_ c: CorruptCase) throws {
        let kb = try #require(try peakKB(time: gnuTime!, [binary.path, "info", c.path]), "no %M from GNU time")
        #expect(kb < memoryLimitKB, "info \(c.file) peaked at \(kb) KB")
    }
}
