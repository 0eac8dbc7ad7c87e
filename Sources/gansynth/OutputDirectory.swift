// The --outdir of `gansynth generate`: creating it, telling finished images from missing ones, and clearing the
// temp files a killed run left. Shards may share the folder while they run, so clean-up only touches temp files
// of this run's own targets whose writer process is gone.

import GanImage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct OutputDirectory {
    let path: String

    init(existing path: String) { self.path = path }

    /// Creates the folder and its parents as `mkdir -p` does.
    init(creating path: String) throws(ImageError) {
        var trimmed = path
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.path = trimmed
        var prefix = trimmed.hasPrefix("/") ? "/" : ""
        for part in trimmed.split(separator: "/") {
            prefix += part
            if mkdir(prefix, 0o777) != 0 && errno != EEXIST { throw .fileWriteFailed(path: prefix, errno: errno) }
            prefix += "/"
        }
        guard ModelLocator.isDirectory(trimmed) else { throw .fileWriteFailed(path: trimmed, errno: ENOTDIR) }
    }

    func file(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    /// A finished image: a non-empty regular file (renames only ever put complete files under final names).
    func hasFinished(_ name: String) -> Bool {
        var st = stat()
        return stat(file(name), &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && st.st_size > 0
    }

    /// The names in the folder, in the order readdir gives them.
    func entryNames() -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            names.append(withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            })
        }
        return names
    }

    /// Removes `.<name>.gansynth-<pid>-<random>.tmp` files whose `name` passes `isOurs` and that no running
    /// writer holds locked. The lock, not the PID, tells: in a PID namespace every run is PID 1. Returns how many
    /// were removed.
    @discardableResult
    func removeStaleTempFiles(isOurs: (String) -> Bool) -> Int {
        var removed = 0
        for entryName in entryNames() {
            guard let (target, _) = parseTempName(entryName), isOurs(target) else { continue }
            if tempFileIsAbandoned(file(entryName)), unlink(file(entryName)) == 0 { removed += 1 }
        }
        return removed
    }
}

/// ".000042.png.gansynth-1234-abc.tmp" → ("000042.png", 1234)
func parseTempName(_ name: String) -> (target: String, pid: pid_t)? {
    let marker = ".gansynth-"
    guard name.hasPrefix("."), name.hasSuffix(".tmp") else { return nil }
    let body = name.dropFirst().dropLast(4)                     // "000042.png.gansynth-1234-abc"
    var i = body.endIndex
    while i > body.startIndex {
        i = body.index(before: i)
        guard body[i...].hasPrefix(marker) else { continue }
        let tail = body[body.index(i, offsetBy: marker.count)...]   // "1234-abc"
        guard i > body.startIndex, let dash = tail.firstIndex(of: "-"), let pid = pid_t(tail[..<dash]), pid > 0 else { return nil }
        return (String(body[..<i]), pid)
    }
    return nil
}
