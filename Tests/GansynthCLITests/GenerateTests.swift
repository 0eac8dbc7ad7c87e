// `gansynth generate` end to end: file names and manifests as pandas would read them, label modes, shards run
// side by side against a single run, resume, kill -9 / SIGINT / SIGTERM mid-run, .npy and stdout streams.

import Foundation
import GGUFFormat
import GanImage
import Testing

#if canImport(Glibc)
import Glibc
#endif

private let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures").path

private var executable: URL {
    var dir = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("gansynth").path), dir.path != "/" {
        dir = dir.deletingLastPathComponent()
    }
    return dir.appendingPathComponent("gansynth")
}

/// A run in the background, for the tests that signal or race it. Output goes to files, never to a full pipe.
private final class Background {
    let process = Process()
    let stderrFile: URL

    init(_ args: [String]) throws {
        stderrFile = FileManager.default.temporaryDirectory.appendingPathComponent("gansynth-stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process.executableURL = executable
        process.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["GANSYNTH_MODEL_PATH"] = fixtures
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()
    }

    func wait() -> (status: Int32, stderr: String) {
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "")
    }
}

private func files(_ dir: URL) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
}

private func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

private func inode(_ url: URL) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? NSNumber)?.intValue ?? -1
}

/// Header and rows of a CSV without quoted fields (all these manifests).
private func csv(_ url: URL) throws -> (header: [String], rows: [[String]]) {
    let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
        $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    return (lines[0], Array(lines.dropFirst()))
}

private func jsonLines(_ url: URL) throws -> [[String: Any]] {
    try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
        try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
    }
}

/// Polls until `condition` holds, for at most `seconds`.
private func eventually(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Bool {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

private func isTemp(_ name: String) -> Bool { name.hasSuffix(".tmp") }

@Suite struct GenerateFolder {
    /// A re-run into a folder made with other options wrote a manifest whose rows contradicted the images' own text.
    @Test func aFolderOfAnotherRunIsRefusedUnlessOverwritten() throws {
        let dir = try temporaryDirectory().appendingPathComponent("set").path
        let base = ["generate", "--model", "tiny-cgan", "--n", "4", "--quiet", "--outdir", dir]
        #expect(try gansynth(base + ["--labels", "cat"]).status == 0)
        let record = try String(contentsOfFile: dir + "/run.json", encoding: .utf8)
        let digest = try sha256sum(fixturePath("tiny-cgan.gguf"))
        #expect(record.contains("\"labels\": \"fixed 0\"") && record.contains(digest))
        // The same run resumed or extended is fine; other labels, truncation or format are not.
        #expect(try gansynth(base.map { $0 == "4" ? "6" : $0 } + ["--labels", "cat"]).status == 0)
        for other in [["--labels", "dog"], ["--labels", "cat", "--truncation", "0.5"], ["--labels", "cat", "--format", "jpg"]] {
            let r = try gansynth(base + other)
            #expect(r.status == 64 && r.stderr.contains("holds images of another run") && r.stderr.contains("--overwrite"), "\(other): \(r.stderr)")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/000000.png"))
        #expect(try gansynth(base + ["--labels", "dog"]).status == 64)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/000000.png")) == before)
        // --overwrite makes it this run: the images and the manifest agree again.
        #expect(try gansynth(base + ["--labels", "dog", "--overwrite"]).status == 0)
        let rows = try csv(URL(fileURLWithPath: dir + "/manifest.csv")).rows
        #expect(rows.map { $0[4] } == ["dog", "dog", "dog", "dog"])
        let text = try pngTextChunks([UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/000002.png"))))
        #expect(text.contains(TextChunk(key: "gansynth:labels", value: "dog")))
    }

    @Test func namesSortCarryTheIndexAndTheManifestDescribesEachFile() throws {
        let dir = try temporaryDirectory()
        let r = try gansynth(["generate", "--model", "tiny-dcgan", "--n", "12", "--seed", "100", "--truncation", "0.7",
                              "--outdir", dir.path])
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let names = (0..<12).map { String(format: "%06d.png", $0) }
        #expect(try files(dir) == names + ["manifest.csv", "manifest.jsonl", "run.json"])

        let (header, rows) = try csv(dir.appendingPathComponent("manifest.csv"))
        #expect(header == ["file", "index", "seed", "label", "label_name", "truncation", "model", "model_sha256"])
        let digest = try sha256sum(fixturePath("tiny-dcgan.gguf"))
        #expect(rows == (0..<12).map { [names[$0], "\($0)", "\(100 + $0)", "", "", "0.7", "tiny-dcgan", digest] })
        let json = try jsonLines(dir.appendingPathComponent("manifest.jsonl"))
        #expect(json.count == 12)
        for (i, row) in json.enumerated() {
            #expect(row["file"] as? String == names[i] && row["index"] as? Int == i && row["seed"] as? Int == 100 + i)
            #expect(row["label"] is NSNull && row["truncation"] as? Double == 0.7 && row["model"] as? String == "tiny-dcgan")
            #expect(row["model_sha256"] as? String == digest)
        }

        // Image i is what `sample` makes for seed seed+i, and says so in its text chunks.
        let one = try gansynth(["sample", "--model", "tiny-dcgan", "--seeds", "105", "--truncation", "0.7", "-"])
        let file = try bytes(dir.appendingPathComponent(names[5]))
        #expect(try decodePNG(file) == decodePNG(one.stdout))
        let text = try pngTextChunks(file)
        #expect(text.contains(TextChunk(key: "gansynth:seeds", value: "105")))
        #expect(text.contains(TextChunk(key: "gansynth:index", value: "5")))
        #expect(!text.contains { $0.key == "gansynth:command" })
    }

    /// A .npy name of 244 bytes (NAME_MAX is 255) once failed with "File name too long" from its temp name.
    @Test func aLongNpyNameIsWritten() throws {
        let dir = try temporaryDirectory()
        let name = String(repeating: "a", count: 240) + ".npy"
        let r = try gansynth(["generate", "--model", "tiny-dcgan", "--n", "2", dir.appendingPathComponent(name).path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try files(dir) == [name])
    }

    @Test func wideRangesPadToTheLargestIndex() throws {
        let dir = try temporaryDirectory()
        let r = try gansynth(["generate", "--model", "tiny-dcgan", "--n", "1000001", "--shard", "1000001/1000001",
                              "--outdir", dir.path, "--format", "jpg", "--quality", "80"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try files(dir) == ["1000000.jpg", "manifest-shard-1000001-of-1000001.csv", "manifest-shard-1000001-of-1000001.jsonl", "run.json"])
        #expect(try decodeJPEG(bytes(dir.appendingPathComponent("1000000.jpg"))).width == 8)
    }

    @Test func balancedLabelsCycleThroughTheClasses() throws {
        let dir = try temporaryDirectory()
        #expect(try gansynth(["generate", "--model", "tiny-cgan", "--n", "7", "--labels", "balanced", "--outdir", dir.path]).status == 0)
        let rows = try csv(dir.appendingPathComponent("manifest.csv")).rows
        #expect(rows.map { $0[3] } == ["0", "1", "2", "0", "1", "2", "0"])
        #expect(rows.map { $0[4] } == ["cat", "dog", "bird", "cat", "dog", "bird", "cat"])
        #expect(rows.map { $0[2] } == (0..<7).map(String.init))
    }

    @Test func allLabelsGiveEveryClassForEverySeed() throws {
        let dir = try temporaryDirectory()
        #expect(try gansynth(["generate", "--model", "tiny-cgan", "--n", "4", "--seed", "10", "--labels", "all", "--outdir", dir.path]).status == 0)
        let json = try jsonLines(dir.appendingPathComponent("manifest.jsonl"))
        #expect(json.count == 12)
        #expect(json.map { $0["seed"] as? Int } == (0..<12).map { 10 + $0 / 3 })
        #expect(json.map { $0["label"] as? Int } == (0..<12).map { $0 % 3 })
        // index 7 = seed 12, label 1 (dog)
        let one = try gansynth(["sample", "--model", "tiny-cgan", "--seeds", "12", "--label", "dog", "-"])
        #expect(try decodePNG(bytes(dir.appendingPathComponent("000007.png"))) == decodePNG(one.stdout))
    }

    @Test func oneLabelByNameAndDrawnLabelsMatchSample() throws {
        let fixed = try temporaryDirectory(), drawn = try temporaryDirectory()
        #expect(try gansynth(["generate", "--model", "tiny-cgan", "--n", "3", "--labels", "DOG", "--outdir", fixed.path]).status == 0)
        #expect(try csv(fixed.appendingPathComponent("manifest.csv")).rows.map { $0[4] } == ["dog", "dog", "dog"])

        #expect(try gansynth(["generate", "--model", "tiny-cgan", "--n", "9", "--outdir", drawn.path]).status == 0)
        let sampled = try pngTextChunks(gansynth(["sample", "--model", "tiny-cgan", "--n", "9", "-"]).stdout)
        let names = try csv(drawn.appendingPathComponent("manifest.csv")).rows.map { $0[4] }
        #expect(sampled.contains(TextChunk(key: "gansynth:labels", value: names.joined(separator: ","))))
    }

    @Test func infoganCodesAreListed() throws {
        let dir = try temporaryDirectory()
        #expect(try gansynth(["generate", "--model", "tiny-infogan", "--n", "3", "--outdir", dir.path]).status == 0)
        let (header, rows) = try csv(dir.appendingPathComponent("manifest.csv"))
        #expect(header.suffix(3) == ["categorical", "continuous", "model_sha256"])
        #expect(rows.allSatisfy { $0[7].split(separator: ";").count == 2 && $0[8].split(separator: ";").count == 2 })
        let json = try jsonLines(dir.appendingPathComponent("manifest.jsonl"))
        #expect(json.allSatisfy { ($0["categorical"] as? [Int])?.count == 2 && ($0["continuous"] as? [Double])?.count == 2 })
        #expect(json.map { ($0["categorical"] as! [Int]).map(String.init).joined(separator: ";") } == rows.map { $0[7] })
        let text = try pngTextChunks(bytes(dir.appendingPathComponent("000001.png")))
        let codes = (rows[1][7].split(separator: ";") + rows[1][8].split(separator: ";")).joined(separator: " ")
        #expect(text.contains(TextChunk(key: "gansynth:codes", value: codes)), "\(text)")
    }
}

@Suite struct GenerateShardsAndResume {
    @Test func shardsRunSideBySideMakeTheSingleRunByteForByte() throws {
        let single = try temporaryDirectory(), shared = try temporaryDirectory()
        let base = ["generate", "--model", "tiny-dcgan", "--n", "50", "--seed", "7"]
        #expect(try gansynth(base + ["--outdir", single.path]).status == 0)
        // Different batch sizes and thread counts per shard: neither may change a byte.
        let runs = try (1...3).map { k in
            try Background(base + ["--outdir", shared.path, "--shard", "\(k)/3", "--batch", "\(3 * k)", "--threads", "\(k)"])
        }
        for run in runs {
            let (status, stderr) = run.wait()
            #expect(status == 0, "\(stderr)")
        }
        let images = try files(single).filter { $0.hasSuffix(".png") }
        #expect(images.count == 50)
        #expect(try files(shared).filter { $0.hasSuffix(".png") } == images)
        for name in images {
            #expect(try bytes(single.appendingPathComponent(name)) == bytes(shared.appendingPathComponent(name)), "\(name)")
        }

        // The shard manifests, concatenated in name order, are the single run's.
        let shardNames = try files(shared).filter { $0.hasPrefix("manifest-shard-") }
        #expect(shardNames == ["manifest-shard-1-of-3.csv", "manifest-shard-1-of-3.jsonl", "manifest-shard-2-of-3.csv",
                               "manifest-shard-2-of-3.jsonl", "manifest-shard-3-of-3.csv", "manifest-shard-3-of-3.jsonl"])
        let jsonl = try shardNames.filter { $0.hasSuffix(".jsonl") }.flatMap { try bytes(shared.appendingPathComponent($0)) }
        #expect(jsonl == (try bytes(single.appendingPathComponent("manifest.jsonl"))))
        let csvRows = try shardNames.filter { $0.hasSuffix(".csv") }.flatMap { try csv(shared.appendingPathComponent($0)).rows }
        #expect(csvRows == (try csv(single.appendingPathComponent("manifest.csv")).rows))

        // The same command without --shard finds every image and writes the merged manifest, making nothing.
        let before = try images.map { try inode(shared.appendingPathComponent($0)) }
        #expect(try gansynth(base + ["--outdir", shared.path]).status == 0)
        #expect(try images.map { try inode(shared.appendingPathComponent($0)) } == before)
        #expect(try bytes(shared.appendingPathComponent("manifest.csv")) == bytes(single.appendingPathComponent("manifest.csv")))
    }

    @Test func rerunRedoesOnlyMissingFilesAndOverwriteRedoesAll() throws {
        let dir = try temporaryDirectory()
        let args = ["generate", "--model", "tiny-dcgan", "--n", "20", "--outdir", dir.path]
        #expect(try gansynth(args).status == 0)
        let names = try files(dir).filter { $0.hasSuffix(".png") }
        let original = try names.map { try bytes(dir.appendingPathComponent($0)) }
        let inodes = try names.map { try inode(dir.appendingPathComponent($0)) }
        let removed: Set = [2, 11, 19]
        for i in removed { try FileManager.default.removeItem(at: dir.appendingPathComponent(names[i])) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("manifest.csv"))

        #expect(try gansynth(args).status == 0)
        #expect(try files(dir) == names + ["manifest.csv", "manifest.jsonl", "run.json"])
        for (i, name) in names.enumerated() {
            #expect(try bytes(dir.appendingPathComponent(name)) == original[i])
            if !removed.contains(i) { #expect(try inode(dir.appendingPathComponent(name)) == inodes[i], "\(name) was rewritten") }
        }
        #expect(try csv(dir.appendingPathComponent("manifest.csv")).rows.count == 20)

        let kept = try names.map { try inode(dir.appendingPathComponent($0)) }
        #expect(try gansynth(args + ["--overwrite"]).status == 0)
        for (i, name) in names.enumerated() {
            #expect(try inode(dir.appendingPathComponent(name)) != kept[i], "\(name) was not rewritten")
            #expect(try bytes(dir.appendingPathComponent(name)) == original[i])
        }
    }

    @Test func killDashNineLeavesOnlyCompleteImagesAndTheRerunClearsTempFiles() throws {
        let dir = try temporaryDirectory()
        let run = try Background(["generate", "--n", "100000", "--outdir", dir.path])
        #expect(try eventually(60) { try files(dir).count >= 40 })
        kill(run.process.processIdentifier, SIGKILL)
        #expect(run.wait().status == SIGKILL)   // Foundation reports the signal for an uncaught one

        // A temp file of the dead writer, as a kill during a write would leave it; and one named with the
        // re-run's own PID, as a container's run (always PID 1) finds its predecessor's.
        let stale = ".000001.png.gansynth-\(run.process.processIdentifier)-zz.tmp"
        try Data([1, 2, 3]).write(to: dir.appendingPathComponent(stale))
        try Data([1, 2, 3]).write(to: dir.appendingPathComponent(".000002.png.gansynth-\(getpid())-zz.tmp"))
        try Data([1, 2, 3]).write(to: dir.appendingPathComponent(".000003.png.gansynth-1-zz.tmp"))
        let left = try files(dir)
        for name in left where name.hasSuffix(".png") {
            #expect(throws: Never.self) { try decodePNG(bytes(dir.appendingPathComponent(name))) }
        }
        // Re-run over a range that covers every index seen, with the same 6-digit names.
        let highest = left.compactMap { name in Int(name.drop { $0 == "." }.prefix(6)) }.max()!
        let r = try gansynth(["generate", "--n", "\(highest + 1)", "--outdir", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        let after = try files(dir)
        #expect(!after.contains(where: isTemp), "\(after.filter(isTemp))")
        #expect(after.filter { $0.hasSuffix(".png") }.count == highest + 1)
        #expect(try csv(dir.appendingPathComponent("manifest.csv")).rows.count == highest + 1)
    }

    @Test(arguments: [(SIGINT, Int32(130), "SIGINT"), (SIGTERM, Int32(143), "SIGTERM")])
    func signalStopsBetweenImagesWithTheManifestMatchingTheFiles(signal: Int32, status: Int32, name: String) throws {
        let dir = try temporaryDirectory()
        // --n 10^8: the manifest pass once stat'ed every index not reached, 28 minutes after a stop.
        let run = try Background(["generate", "--n", "100000000", "--outdir", dir.path])
        #expect(try eventually(60) { try files(dir).count >= 40 })
        kill(run.process.processIdentifier, signal)
        let (code, stderr) = run.wait()
        #expect(code == status, "\(stderr)")
        #expect(stderr.hasPrefix("gansynth: error: interrupted by \(name)") && stderr.filter { $0 == "\n" }.count == 1, "\(stderr)")
        let left = try files(dir)
        #expect(!left.contains(where: isTemp))
        let images = left.filter { $0.hasSuffix(".png") }
        #expect(try csv(dir.appendingPathComponent("manifest.csv")).rows.map { $0[0] } == images)
        #expect(try jsonLines(dir.appendingPathComponent("manifest.jsonl")).map { $0["file"] as? String } == images)
        for image in images { #expect(throws: Never.self) { try decodePNG(bytes(dir.appendingPathComponent(image))) } }
    }
}

@Suite struct GenerateStreams {
    /// (shape, data) of a uint8 .npy file.
    private func npy(_ b: [UInt8]) throws -> (shape: [Int], data: ArraySlice<UInt8>) {
        #expect(Array(b[0..<8]) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = Int(b[8]) | Int(b[9]) << 8
        #expect((10 + length) % 64 == 0)
        let header = String(decoding: b[10..<(10 + length)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '|u1', 'fortran_order': False, 'shape': (") && header.hasSuffix("\n"))
        let dims = try #require(header.split(separator: "(").last?.split(separator: ")").first)
        return (dims.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }, b[(10 + length)...])
    }

    @Test func npyHoldsTheImagesAsNCHW() throws {
        let dir = try temporaryDirectory()
        let base = ["generate", "--model", "tiny-dcgan", "--n", "10", "--seed", "3"]
        #expect(try gansynth(base + ["--outdir", dir.path]).status == 0)
        let out = dir.appendingPathComponent("all.npy")
        #expect(try gansynth(base + [out.path]).status == 0)
        let (shape, data) = try npy(bytes(out))
        #expect(shape == [10, 3, 8, 8] && data.count == 10 * 3 * 64)
        for i in 0..<10 {
            let png = try decodePNG(bytes(dir.appendingPathComponent(String(format: "%06d.png", i))))
            for c in 0..<3 {
                for p in 0..<64 { #expect(data[data.startIndex + i * 192 + c * 64 + p] == png.pixels[p * 3 + c]) }
            }
        }
        // A shard's array is its slice of the whole; the stream to stdout is the same bytes.
        let part = dir.appendingPathComponent("part.npy")
        #expect(try gansynth(base + ["--shard", "2/3", part.path]).status == 0)
        let (partShape, partData) = try npy(bytes(part))
        #expect(partShape == [3, 3, 8, 8] && Array(partData) == Array(data[(data.startIndex + 3 * 192)..<(data.startIndex + 6 * 192)]))
        #expect(try gansynth(base + ["--format", "npy", "-"]).stdout == bytes(out))
        #expect(try files(dir).filter(isTemp).isEmpty)
    }

    @Test func ppmStreamIsConcatenatedImages() throws {
        let dir = try temporaryDirectory()
        #expect(try gansynth(["generate", "--n", "7", "--outdir", dir.path]).status == 0)
        let r = try gansynth(["generate", "--n", "7", "--format", "ppm", "-"])
        #expect(r.status == 0 && r.stderr.isEmpty)
        let one = Array("P6\n28 28\n255\n".utf8), size = one.count + 28 * 28 * 3
        #expect(r.stdout.count == 7 * size)
        for i in 0..<7 {
            let ppm = try decodePNM(Array(r.stdout[(i * size)..<((i + 1) * size)]))
            let png = try decodePNG(bytes(dir.appendingPathComponent(String(format: "%06d.png", i))))
            #expect(ppm.channels == 3 && ppm.pixels.enumerated().allSatisfy { $0.element == png.pixels[$0.offset / 3] })
        }
    }

    @Test func pngStreamIsConcatenatedFiles() throws {
        let dir = try temporaryDirectory()
        #expect(try gansynth(["generate", "--model", "tiny-cgan", "--n", "5", "--outdir", dir.path]).status == 0)
        let stream = try gansynth(["generate", "--model", "tiny-cgan", "--n", "5", "-"]).stdout
        let files = try (0..<5).flatMap { try bytes(dir.appendingPathComponent(String(format: "%06d.png", $0))) }
        #expect(stream == files)
    }

    @Test func closedPipeEndsQuietly() throws {
        let r = try gansynth(["generate", "--n", "100000", "--format", "ppm", "-"], closeStdoutEarly: true)
        #expect(r.status == 141 && r.stderr.isEmpty, "\(r.status) \(r.stderr)")
    }
}

@Suite struct GenerateErrors {
    static let cases: [(args: [String], status: Int32, mentions: String)] = [
        (["--n", "5", "--outdir", "x/out", "--shard", "0/4"], 64, "0/4"),
        (["--n", "5", "--outdir", "x/out", "--shard", "5/4"], 64, "5/4"),
        (["--n", "5", "--outdir", "x/out", "--shard", "1/0"], 64, "1/0"),
        (["--n", "5", "--outdir", "x/out", "--shard", "two"], 64, "k/N"),
        (["--n", "5"], 64, "--outdir"),
        (["--n", "5", "x.png"], 64, "--outdir"),
        (["--outdir", "x/out"], 64, "--n"),
        (["--n", "0", "--outdir", "x/out"], 64, "--n"),
        (["--n", "100000001", "--outdir", "x/out"], 64, "100000000"),
        (["--n", "5", "--outdir", "x/out", "x.npy"], 64, "--outdir"),
        (["--n", "5", "--outdir", "x/out", "--format", "npy"], 64, "npy"),
        (["--n", "5", "--outdir", "x/out", "--format", "gif"], 64, "gif"),
        (["--n", "5", "--seeds", "1-3", "--outdir", "x/out"], 64, "--seeds"),
        (["--n", "5", "--outdir", "x/out", "--labels", "balanced"], 64, "not conditional"),
        (["--model", "tiny-cgan", "--n", "5", "--outdir", "x/out", "--labels", "horse"], 64, "cat, dog, bird"),
        (["--model", "tiny-cgan", "--n", "50000000", "--outdir", "x/out", "--labels", "all"], 64, "limit"),
        (["--model", "tiny-dcgan", "--n", "5", "--outdir", "x/out", "--format", "pgm"], 64, "RGB"),
        (["--n", "5", "--outdir", "x/out", "--quality", "0"], 64, "quality"),
        (["--model", "nope", "--n", "5", "--outdir", "x/out"], 66, "nope"),
        (["--n", "5", "x/missing/out.npy"], 73, "missing"),
        (["--n", "5", "--outdir", "/proc/gansynth-test"], 73, "/proc/gansynth-test"),
    ]

    @Test(arguments: cases.indices)
    func oneLineAndStatus(index: Int) throws {
        let c = Self.cases[index]
        let dir = try temporaryDirectory()
        let r = try gansynth(["generate"] + c.args.map { $0.hasPrefix("x") ? dir.appendingPathComponent($0).path : $0 })
        #expect(r.status == c.status, "\(c.args): \(r.stderr)")
        #expect(r.stderr.hasPrefix("gansynth: error: ") && r.stderr.filter { $0 == "\n" }.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains(c.mentions), "\(r.stderr)")
        #expect(try files(dir).isEmpty)
    }
}

/// A 1.3 KB model (z → reshape 1×1×1 → nearest ×8 four times → one 4096×4096 image) made `generate --n 64` peak at
/// 6.2 GB: the batch's floats, tiles and encoded bytes were outside every budget. The batch now shrinks to fit.
@Suite struct BatchMemory {
    static let gnuTime = FileManager.default.isExecutableFile(atPath: "/usr/bin/time") ? "/usr/bin/time" : nil

    @Test(.enabled(if: gnuTime != nil, "needs GNU time at /usr/bin/time"))
    func aBatchOfHugeImagesStaysWithinItsBudget() throws {
        let dir = try temporaryDirectory()
        var w = GGUFWriter()
        let keys: [(String, GGUFValue)] = [
            ("general.architecture", .string("gansynth")), ("general.name", .string("huge")),
            ("gansynth.format_version", .uint32(1)), ("gansynth.z.dim", .uint32(1)),
            ("gansynth.z.distribution", .string("normal")), ("gansynth.output.channels", .uint32(1)),
            ("gansynth.output.height", .uint32(4096)), ("gansynth.output.width", .uint32(4096)),
            ("gansynth.output.range", .string("tanh")), ("gansynth.graph.node_count", .uint32(7)),
            ("gansynth.node.0.op", .string("input_z")),
            ("gansynth.node.1.op", .string("reshape")), ("gansynth.node.1.shape", .array(.uint32([1, 1, 1]))),
        ] + (2...5).flatMap { i in
            [("gansynth.node.\(i).op", GGUFValue.string("upsample_nearest")), ("gansynth.node.\(i).scale_factor", .uint32(8))]
        } + [("gansynth.node.6.op", .string("tanh"))]
        for (k, v) in keys { w.set(k, v) }
        let model = dir.appendingPathComponent("huge.gguf")
        try Data(w.bytes()).write(to: model)

        let report = dir.appendingPathComponent("time.txt")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: BatchMemory.gnuTime!)
        p.arguments = ["-f", "%M", "-o", report.path, binary.path, "generate", "--model", model.path, "--n", "24",
                       "--batch", "4096", "--format", "npy", "-"]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let kb = Int(try String(contentsOf: report, encoding: .utf8).split(separator: "\n").last ?? "") ?? 0
        // 24 images held at once would be 24 × 64 MiB of floats alone; the budget keeps everything near 1.6 GB.
        #expect(kb > 0 && kb < 2_000_000, "peak \(kb) KB")
    }
}
