// DIR/run.json of `gansynth generate --outdir DIR`: everything that decides the bytes of image i in the folder
// (model file, seeds, labels, truncation, format). A resumed run or another shard skips the images it finds, so it
// must be the same run: one made with other options is refused unless --overwrite, instead of leaving a folder
// whose manifest contradicts its images. The number of images is not part of it: a longer run extends a folder.

import GGUFFormat
import GanImage
import GanModel

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct RunRecord: Equatable {
    /// (key, JSON value), in file order.
    private(set) var fields: [(key: String, value: String)]

    static func == (a: RunRecord, b: RunRecord) -> Bool { a.fields.elementsEqual(b.fields) { $0 == $1 } }

    static let fileName = "run.json"

    init(generator: Generator, plan: DatasetPlan, truncation: Double?, style: StyleControls, format: ImageFormat, quality: Int) {
        let seeds: String
        switch plan.seeds {
        case .range(let first, _): seeds = "range from \(first)"
        case .list(let list): seeds = "list of \(list.count), sha256 " + sha256Hex(Array(formatSeedList(list).utf8))
        case .latents(let file): seeds = "latents \(file.name), sha256 \(file.sha256)"
        }
        let labels: String
        switch plan.labels {
        case .drawn: labels = "drawn"
        case .balanced: labels = "balanced"
        case .all: labels = "all"
        case .fixed(let i): labels = "fixed \(i)"
        }
        fields = [
            ("model", jsonString(generator.card.name)),
            ("model_sha256", jsonString(generator.fileSHA256)),
            ("seeds", jsonString(seeds)),
            ("labels", jsonString(labels)),
            ("truncation", truncation.map { "\($0)" } ?? "null"),
            ("format", jsonString(format.fileExtension)),
            ("jpeg_quality", format == .jpeg ? "\(quality)" : "null"),
        ]
        // StyleGAN's controls, for the models that have them (other models' records stay as they were).
        if generator.wSpace != nil {
            fields.append(("truncation_psi", "\(style.psi ?? 1)"))
            fields.append(("truncation_cutoff", style.cutoff.map(String.init) ?? "null"))
        }
        if generator.hasNoise { fields.append(("noise_mode", jsonString((style.noise ?? .const).rawValue))) }
    }

    private init(fields: [(key: String, value: String)]) { self.fields = fields }

    /// One key per line, so that a differing field can be named from the text alone.
    var text: String {
        "{\n" + fields.map { "  \"\($0.key)\": \($0.value)" }.joined(separator: ",\n") + "\n}\n"
    }

    /// The record a folder holds, or nil when it has none.
    static func read(in dir: OutputDirectory) throws(CLIError) -> RunRecord? {
        guard let bytes = try readSmallFile(dir.file(fileName), limit: 1 << 16) else { return nil }
        var fields: [(String, String)] = []
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            guard trimmed.first == "\"", let close = trimmed.dropFirst().firstIndex(of: "\""),
                  trimmed[close...].hasPrefix("\": ") else { continue }
            var value = trimmed[trimmed.index(close, offsetBy: 3)...]
            if value.hasSuffix(",") { value = value.dropLast() }
            fields.append((String(trimmed[trimmed.index(after: trimmed.startIndex)..<close]), String(value)))
        }
        return RunRecord(fields: fields)
    }

    /// Refuses a folder made with other options (unless `overwrite`), then records this run in it.
    func claim(_ dir: OutputDirectory, overwrite: Bool) throws(CLIError) {
        let existing = try RunRecord.read(in: dir)
        if existing == self { return }
        if let existing, !overwrite {
            let theirs = Dictionary(existing.fields, uniquingKeysWith: { a, _ in a })
            let differing = fields.first { theirs[$0.key] != $0.value }
            let detail = differing.map { "\($0.key) \(theirs[$0.key] ?? "missing") there, \($0.value) here" }
                ?? "its \(RunRecord.fileName) lists other fields"
            throw CLIError(description: "'\(terminalSafe(dir.path))' holds images of another run (\(terminalSafe(detail))); "
                           + "use another folder, or --overwrite to replace them", exitStatus: ExitStatus.usage)
        }
        do { try writeAtomically(Array(text.utf8), to: dir.file(RunRecord.fileName)) } catch { throw .output(error) }
    }
}

/// The bytes of a regular file of at most `limit` bytes; nil when there is none. Anything else is an error.
private func readSmallFile(_ path: String, limit: Int) throws(CLIError) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
    if fd < 0 {
        if errno == ENOENT { return nil }
        throw CLIError(description: "cannot read '\(terminalSafe(path))': \(String(cString: strerror(errno)))", exitStatus: ExitStatus.cannotCreate)
    }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) <= limit else {
        throw CLIError(description: "'\(terminalSafe(path))' is not a run record gansynth wrote (not a small regular file)",
                       exitStatus: ExitStatus.cannotCreate)
    }
    var bytes = [UInt8](repeating: 0, count: Int(st.st_size))
    let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard n == bytes.count else {
        throw CLIError(description: "cannot read '\(terminalSafe(path))'", exitStatus: ExitStatus.cannotCreate)
    }
    return bytes
}
