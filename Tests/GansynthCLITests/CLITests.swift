// The built `gansynth` binary, run as a user would: files and stdout decoded and compared, errors checked
// for one line on stderr, the documented exit status and no output file left behind.

import Foundation
import GanImage
import Testing

private let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
private let fixtures = repo.appendingPathComponent("Tests/Fixtures").path

var binary: URL {
    // The test bundle is built next to the executable.
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("gansynth").path), dir.path != "/" {
        dir = dir.deletingLastPathComponent()
    }
    return dir.appendingPathComponent("gansynth")
}

/// `sha256sum`'s digest of a file: an implementation independent of the one under test.
func sha256sum(_ path: String) throws -> String {
    let p = Process(), out = Pipe()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    p.arguments = [path]
    p.standardOutput = out
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return String(text.prefix(64))
}

func fixturePath(_ name: String) -> String { fixtures + "/" + name }

struct Run {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
}

@discardableResult
func gansynth(_ args: [String], env: [String: String] = [:], closeStdoutEarly: Bool = false,
              stdoutTo file: FileHandle? = nil) throws -> Run {
    let p = Process()
    p.executableURL = binary
    p.arguments = args
    var environment = ProcessInfo.processInfo.environment
    environment["GANSYNTH_MODEL_PATH"] = fixtures
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    let out = Pipe(), err = Pipe()
    p.standardOutput = file ?? out
    p.standardError = err
    try p.run()
    if closeStdoutEarly { try out.fileHandleForReading.close() }
    let stdout = closeStdoutEarly || file != nil ? Data() : out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Run(status: p.terminationStatus, stdout: [UInt8](stdout), stderr: String(decoding: stderr, as: UTF8.self))
}

func temporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gansynth-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

func readImage(_ url: URL) throws -> Image { try decodePNG([UInt8](try Data(contentsOf: url))) }

/// The tile at grid cell `index` of a grid made with the given geometry.
func crop(_ grid: Image, index: Int, columns: Int, tile: Int, padding: Int) -> Image {
    let x0 = padding + (index % columns) * (tile + padding), y0 = padding + (index / columns) * (tile + padding)
    var px: [UInt8] = []
    for y in y0..<(y0 + tile) {
        let row = (y * grid.width + x0) * grid.channels
        px += grid.pixels[row..<(row + tile * grid.channels)]
    }
    return Image(width: tile, height: tile, channels: grid.channels, pixels: px)
}

@Suite(.serialized) struct SampleCommand {
    @Test func defaultModelWritesAnEightByEightGrid() throws {
        let dir = try temporaryDirectory()
        let out = dir.appendingPathComponent("out.png")
        let r = try gansynth(["sample", "--n", "64", out.path], env: ["GANSYNTH_MODEL_PATH": ""])
        #expect(r.status == 0, "\(r.stderr)")
        let img = try readImage(out)
        #expect(img.width == 8 * 30 + 2 && img.height == 8 * 30 + 2 && img.channels == 1)
        let text = try pngTextChunks([UInt8](try Data(contentsOf: out)))
        #expect(text.contains(TextChunk(key: "gansynth:model", value: "mnist-infogan")))
        // The file by its name and digest, never the folder it was found in.
        #expect(text.contains(TextChunk(key: "gansynth:model-file", value: "mnist-infogan.gguf")))
        let digest = try sha256sum(repo.appendingPathComponent("Models/mnist-infogan.gguf").path)
        #expect(text.contains(TextChunk(key: "gansynth:model-sha256", value: digest)))
        #expect(text.contains(TextChunk(key: "gansynth:seeds", value: "0-63")))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["out.png"])
    }

    @Test func singleImageIsTheGridCellOfItsSeed() throws {
        let dir = try temporaryDirectory()
        try gansynth(["sample", "--seed", "10", "--n", "6", "--nrow", "3", "--padding", "1", dir.appendingPathComponent("g.png").path])
        try gansynth(["sample", "--seeds", "14", dir.appendingPathComponent("one.png").path])
        let grid = try readImage(dir.appendingPathComponent("g.png")), one = try readImage(dir.appendingPathComponent("one.png"))
        #expect(grid.width == 3 * 29 + 1 && grid.height == 2 * 29 + 1)
        #expect(one.width == 28 && one.height == 28)
        #expect(crop(grid, index: 4, columns: 3, tile: 28, padding: 1) == one)
    }

    @Test func batchAndThreadsDoNotChangeAnyByte() throws {
        let a = try gansynth(["sample", "--n", "9", "--batch", "1", "--threads", "1", "-"])
        let b = try gansynth(["sample", "--n", "9", "--batch", "4", "--threads", "2", "-"])
        #expect(a.status == 0 && b.status == 0)
        #expect(try decodePNG(a.stdout) == decodePNG(b.stdout))  // the files differ only in the recorded command
    }

    @Test func stdoutCarriesAPNG() throws {
        let r = try gansynth(["sample", "--seeds", "0-7,100", "--nrow", "3", "-"])
        #expect(r.status == 0 && r.stderr.isEmpty)
        let img = try decodePNG(r.stdout)
        #expect(img.width == 3 * 30 + 2 && img.height == 3 * 30 + 2)
    }

    @Test func formatsAndScale() throws {
        let jpg = try gansynth(["sample", "--n", "4", "--scale", "3", "--format", "jpg", "--quality", "92", "-"])
        let j = try decodeJPEG(jpg.stdout)
        #expect(j.channels == 1 && j.width == (2 * 30 + 2) * 3)
        let pgm = try decodePNM(try gansynth(["sample", "--n", "1", "--format", "pgm", "-"]).stdout)
        let png = try decodePNG(try gansynth(["sample", "--n", "1", "-"]).stdout)
        #expect(pgm == png)
        let ppm = try decodePNM(try gansynth(["sample", "--n", "1", "--format", "ppm", "-"]).stdout)
        #expect(ppm.channels == 3 && ppm.pixels.enumerated().allSatisfy { $0.element == png.pixels[$0.offset / 3] })
    }

    @Test func conditionalModelsTakeLabelsByNameOrIndex() throws {
        let byName = try gansynth(["sample", "--model", "tiny-cgan", "--label", "DOG", "--n", "3", "-"])
        let byIndex = try gansynth(["sample", "--model", "tiny-cgan", "--label", "1", "--n", "3", "-"])
        #expect(byName.status == 0 && byIndex.status == 0)
        #expect(try decodePNG(byName.stdout) == decodePNG(byIndex.stdout))
        let text = try pngTextChunks(byName.stdout)
        #expect(text.contains(TextChunk(key: "gansynth:labels", value: "dog,dog,dog")))
        let info = try pngTextChunks(try gansynth(["sample", "--model", "tiny-infogan", "--n", "2", "-"]).stdout)
        let codes = try #require(info.first { $0.key == "gansynth:codes" }).value.split(separator: ",")
        #expect(codes.count == 2 && codes.allSatisfy { $0.split(separator: " ").count == 4 })  // 2 categorical + 2 continuous
        let rgb = try decodePNG(try gansynth(["sample", "--model", "tiny-dcgan", "--n", "1", "-"]).stdout)
        #expect(rgb.channels == 3)
    }

    @Test func truncationIsRecordedAndChangesTheImage() throws {
        let plain = try gansynth(["sample", "--n", "1", "-"]), cut = try gansynth(["sample", "--n", "1", "--truncation", "0.5", "-"])
        #expect(try decodePNG(plain.stdout) != decodePNG(cut.stdout))
        #expect(try pngTextChunks(cut.stdout).contains(TextChunk(key: "gansynth:truncation", value: "0.5")))
    }
}

@Suite(.serialized) struct Errors {
    static let cases: [(args: [String], status: Int32, mentions: String)] = [
        (["sample", "--model", "nope", "x.png"], 66, "nope"),
        (["sample", "--n", "0", "x.png"], 64, "--n"),
        (["sample", "--seed", "-1", "x.png"], 64, "seed"),
        (["sample", "--seeds", "5-3", "x.png"], 64, "5-3"),
        (["sample", "--seed", "4294967295", "--n", "2", "x.png"], 64, "4294967295"),
        (["sample", "--format", "gif", "x.png"], 64, "gif"),
        (["sample", "x.bmp"], 64, "x.bmp"),
        (["sample", "--quality", "101", "x.jpg"], 64, "quality"),
        (["sample", "--label", "3", "x.png"], 64, "not conditional"),
        (["sample", "--model", "tiny-cgan", "--label", "horse", "x.png"], 64, "cat, dog, bird"),
        (["sample", "--model", "tiny-cgan", "--label", "7", "x.png"], 64, "0 to 2"),
        // PGM on an RGB model: 73 from the encoder in sample, 64 in generate; now 64, before any work, everywhere.
        (["sample", "--model", "tiny-dcgan", "--format", "pgm", "x.pgm"], 64, "PGM holds gray images; 'tiny-dcgan' makes RGB"),
        (["sample", "--model", "tiny-dcgan", "x.pgm"], 64, "PGM holds gray images"),
        (["generate", "--model", "tiny-dcgan", "--n", "2", "--format", "pgm", "--outdir", "x.dir"], 64, "PGM holds gray images"),
        (["sweep", "--model", "tiny-infogan", "--code", "1", "x.pgm"], 64, "PGM holds gray images"),
        (["sample", "--n", "65536", "--scale", "32", "x.png"], 64, "limit"),
        (["sample", "--threads", "0", "x.png"], 64, "threads"),
        (["sample", "--truncation", "-1", "x.png"], 64, "truncation"),
        // Negative values were "Missing value for '--seed'": now the value's own range error.
        (["sample", "--seed", "-1", "x.png"], 64, "'-1' is invalid for '--seed <seed>': out of range; seeds go from 0 to 4294967295"),
        // --seed was silently ignored beside --seeds.
        (["sample", "--seed", "5", "--seeds", "1,2", "x.png"], 64, "give either --seeds or --seed"),
        (["generate", "--seed", "5", "--seeds", "1,2", "--outdir", "x.dir"], 64, "give either --seeds or --seed"),
        (["interpolate", "--seed", "5", "--seeds", "1,2", "x.png"], 64, "give either --seeds or --seed"),
        // --rows was ignored when rows are the categorical code's values.
        (["sweep", "--model", "tiny-infogan", "--categorical", "rows", "--rows", "3", "x.png"], 64, "--rows counts seed rows"),
        (["sweep", "--model", "tiny-infogan", "--code", "1", "--rows", "3", "x.png"], 64, "--rows counts seed rows"),
        (["generate", "--n", "2", "--shard", "3/2", "--outdir", "x.dir"], 64, "k must be 1 to 2"),
        (["sample", "--format", "npy", "x.png"], 64, "--format npy is for 'gansynth generate'"),
        // Messages that named the wrong option (--label for --labels; .npy for a --format conflict).
        (["generate", "--labels", "3", "--n", "2", "--outdir", "x.dir"], 64, "--labels needs a model with labels"),
        (["generate", "--model", "tiny-cgan", "--labels", "7", "--n", "2", "--outdir", "x.dir"], 64, "--labels 7 is out of range"),
        (["sample", "--model", "tiny-cgan", "--labels", "cat,horse", "x.png"], 64, "unknown label 'horse' for --labels"),
        (["generate", "--n", "2", "--format", "png", "x.npy"], 64, "--format png asks for images, but"),
        (["sample", "--model", "tiny-cgan", "--label", "dgo", "x.png"], 64, "did you mean 'dog'?"),
        (["sample", "--quality", "0", "x.jpg"], 64, "JPEG quality goes from 1 to 100"),
        (["sample", "--n", "-5", "x.png"], 64, "--n must be 1 to 65536, got -5"),
        (["sample", "--model", "tiny-cgan", "--label", "-1", "x.png"], 64, "-1"),
        (["generate", "--n", "-3", "x.dir"], 64, "-3"),
        // Tiny truncations once redrew for minutes (1e-9) or forever (1e-300).
        (["sample", "--truncation", "1e-300", "x.png"], 64, "≥ 0.01"),
        (["generate", "--truncation", "0.009", "--n", "1", "x.dir"], 64, "≥ 0.01"),
        // A mistyped option followed by a value: that value was taken as the output file ("cannot tell the image
        // format of '4'"); the error is the unknown option, with the option it most likely meant.
        (["sample", "--nn", "4", "x.png"], 64, "Unknown option '--nn'. Did you mean '--n'?"),
        (["sample", "--model", "tiny-cgan", "--lable", "1", "x.png"], 64, "Unknown option '--lable'. Did you mean '--label'?"),
        (["sample", "--trunc", "0.5", "x.png"], 64, "Unknown option '--trunc'. Did you mean '--truncation'?"),
        (["interpolate", "--stepz", "3", "x.png"], 64, "Unknown option '--stepz'. Did you mean '--steps'?"),
        (["generate", "--n", "2", "--outd", "x.dir"], 64, "Unknown option '--outd'. Did you mean '--outdir'?"),
        (["info", "nope"], 66, "nope"),
        (["info", "/dev/zero"], 66, "'/dev/zero' is a character device, not a model file"),
        (["info", "/"], 66, "'/' is a directory, not a model file"),
        (["frobnicate"], 64, "frobnicate"),
    ]

    @Test(arguments: cases.indices)
    func oneLineAndStatus(index: Int) throws {
        let c = Errors.cases[index]
        let dir = try temporaryDirectory()
        let r = try gansynth(c.args.map { $0.hasPrefix("x.") ? dir.appendingPathComponent($0).path : $0 })
        #expect(r.status == c.status, "\(c.args): \(r.stderr)")
        #expect(r.stderr.hasPrefix("gansynth: error: ") && r.stderr.filter { $0 == "\n" }.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains(c.mentions), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// A FIFO once hung the model load or was called missing; a symlink loop was "does not exist" too.
    @Test func aModelPathThatIsNoFileSaysWhatItIs() throws {
        let dir = try temporaryDirectory()
        let fifo = dir.appendingPathComponent("m.gguf").path, loop = dir.appendingPathComponent("loop.gguf").path
        #expect(mkfifo(fifo, 0o600) == 0)
        try FileManager.default.createSymbolicLink(atPath: loop, withDestinationPath: loop)
        for (path, says) in [(fifo, "is a FIFO, not a model file"), (loop, "is a loop of symbolic links")] {
            let r = try gansynth(["info", path])
            #expect(r.status == 66 && r.stderr.contains("'\(path)' \(says)"), "\(r.stderr)")
        }
    }

    /// A full device (made here with mknod, like /dev/full) as stdout: every command that prints must fail, 73.
    @Test(.enabled(if: getuid() == 0, "mknod needs root"))
    func printingToAFullDeviceFails() throws {
        let dir = try temporaryDirectory()
        let full = dir.appendingPathComponent("full").path
        #expect(mknod(full, S_IFCHR | 0o666, dev_t((1 << 8) | 7)) == 0)  // major 1, minor 7: the full device
        for args in [["info"], ["models"], ["--help"], ["--version"], ["help", "sample"], ["info", "tiny-dcgan"]] {
            let handle = try #require(FileHandle(forWritingAtPath: full))
            let r = try gansynth(args, stdoutTo: handle)
            #expect(r.status == 73 && r.stderr.contains("cannot write to standard output"), "\(args): \(r.stderr)")
        }
    }

    /// An output that is a device is written into, never replaced by a PNG (it was: temp file + rename).
    @Test(.enabled(if: getuid() == 0, "mknod needs root"))
    func anOutputDeviceIsWrittenIntoNotReplaced() throws {
        let dir = try temporaryDirectory()
        let full = dir.appendingPathComponent("full.png").path, null = dir.appendingPathComponent("null.png").path
        #expect(mknod(full, S_IFCHR | 0o666, dev_t((1 << 8) | 7)) == 0)
        #expect(mknod(null, S_IFCHR | 0o666, dev_t((1 << 8) | 3)) == 0)  // the null device
        let r = try gansynth(["sample", "--n", "1", full])
        #expect(r.status == 73 && r.stderr.contains("No space left on device"), "\(r.stderr)")
        #expect(try gansynth(["sample", "--n", "1", null]).status == 0)
        for node in [full, null] {
            var st = stat()
            #expect(stat(node, &st) == 0 && st.st_mode & S_IFMT == S_IFCHR, "\(node) is still a device")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["full.png", "null.png"])
    }

    /// A FIFO output is written into (a reader gets the PNG); a symlink's target is replaced and the link kept.
    @Test func fifoAndSymlinkOutputs() throws {
        let dir = try temporaryDirectory()
        let fifo = dir.appendingPathComponent("pipe.png").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/bin/cat")
        reader.arguments = [fifo]
        let out = Pipe()
        reader.standardOutput = out
        try reader.run()
        #expect(try gansynth(["sample", "--n", "1", fifo]).status == 0)
        let received = out.fileHandleForReading.readDataToEndOfFile()
        reader.waitUntilExit()
        #expect(received.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG through the FIFO")
        var st = stat()
        #expect(lstat(fifo, &st) == 0 && st.st_mode & S_IFMT == S_IFIFO, "still a FIFO")

        let sub = dir.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let link = dir.appendingPathComponent("link.png").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "sub/target.png")
        #expect(try gansynth(["sample", "--n", "1", link]).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "sub/target.png")
        #expect(try readImage(sub.appendingPathComponent("target.png")).width == 28)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sub.path) == ["target.png"], "no temp file left")
    }

    @Test func missingParentDirectory() throws {
        let r = try gansynth(["sample", "--n", "1", "/nonexistent-dir/sub/x.png"])
        #expect(r.status == 73 && r.stderr.contains("/nonexistent-dir/sub"))
    }

    @Test func fullDiskOnStandardOutput() throws {
        let p = Process()
        p.executableURL = binary
        p.arguments = ["sample", "--n", "4", "-"]
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/full")
        let err = Pipe()
        p.standardError = err
        try p.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 73 && stderr.contains("No space left on device"), "\(stderr)")
        #expect(stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test func folderThatRefusesNewFiles() throws {
        // /proc refuses file creation even for root, standing in for a read-only folder.
        let r = try gansynth(["sample", "--n", "1", "/proc/gansynth-test.png"])
        #expect(r.status == 73 && r.stderr.contains("/proc/gansynth-test.png"), "\(r.stderr)")
    }

    @Test func corruptModelFile() throws {
        let dir = try temporaryDirectory()
        let bad = dir.appendingPathComponent("bad.gguf")
        var bytes = [UInt8](try Data(contentsOf: repo.appendingPathComponent("Models/mnist-dcgan.gguf")))
        bytes.removeLast(bytes.count / 2)
        try Data(bytes).write(to: bad)
        let r = try gansynth(["sample", "--model", bad.path, dir.appendingPathComponent("x.png").path])
        #expect(r.status == 65 && r.stderr.contains("bad.gguf") && r.stderr.filter { $0 == "\n" }.count == 1, "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["bad.gguf"])
    }

    @Test func closedPipeEndsQuietly() throws {
        let r = try gansynth(["sample", "--n", "4096", "--batch", "256", "-"], closeStdoutEarly: true)
        #expect(r.status == 141 && r.stderr.isEmpty, "\(r.status) \(r.stderr)")
    }
}

@Suite struct ModelCommands {
    @Test func modelsListsEveryModelOnItsOwnLine() throws {
        let r = try gansynth(["models"])
        let lines = r.stdout.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
        #expect(lines.contains { $0.hasPrefix("mnist-dcgan ") && $0.contains("28x28 gray") })
        #expect(lines.contains { $0.hasPrefix("tiny-cgan ") && $0.contains("3 labels") })
    }

    @Test func infoShowsLayersAndCost() throws {
        let r = try gansynth(["info", "mnist-dcgan"])
        let text = String(decoding: r.stdout, as: UTF8.self)
        #expect(r.status == 0)
        #expect(text.contains("MACs/image:  7250432"))
        #expect(text.contains("conv_transpose2d 128 -> 64 k4 s2 p1"))
        #expect(text.contains("parameters:  784641"))
    }
}
