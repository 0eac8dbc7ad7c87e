// Finds model files by name. Search order (first match wins, README "Where models are found"):
//   1. a value of --model that names a file (contains '/' or ends in .gguf) is used as it is;
//   2. each folder of $GANSYNTH_MODEL_PATH (colon-separated);
//   3. a Models/ folder beside the executable or in one of its parent folders (a source checkout's build);
//   4. <prefix>/share/gansynth/models for an executable installed in <prefix>/bin.
// No path of the build machine is compiled in: a copied binary finds models only through these.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum ModelLocator {
    static let defaultModel = "mnist-infogan"

    static func searchDirectories() -> [String] {
        var dirs: [String] = []
        if let env = getenv("GANSYNTH_MODEL_PATH") {
            dirs += String(cString: env).split(separator: ":").map(String.init)
        }
        if let exe = executableDirectory() {
            var dir = exe
            for _ in 0..<6 {
                dirs.append(dir + "/Models")
                dir = parent(dir)
            }
            dirs.append(parent(exe) + "/share/gansynth/models")
        }
        var seen = Set<String>()
        return dirs.filter { isDirectory($0) && seen.insert($0).inserted }
    }

    /// The file for `--model` (or the default), or a one-line error naming where it looked.
    static func locate(_ name: String?) throws(CLIError) -> String {
        let wanted = name ?? defaultModel
        if wanted.contains("/") || wanted.hasSuffix(".gguf") {
            if let problem = notAModelFile(wanted) {
                throw CLIError(description: "model file '\(wanted)' \(problem)", exitStatus: ExitStatus.noModel)
            }
            return wanted
        }
        let dirs = searchDirectories()
        for dir in dirs where isRegularFile("\(dir)/\(wanted).gguf") { return "\(dir)/\(wanted).gguf" }
        let known = installedModels().map(\.name)
        let hint = known.isEmpty ? "no models found in: \(dirs.joined(separator: ", "))"
            : "installed: \(known.joined(separator: ", "))"
        throw CLIError(description: "no model named '\(wanted)' (\(hint))", exitStatus: ExitStatus.noModel)
    }

    /// Every model file in the search path; a name found twice is listed where it is found first.
    static func installedModels(searching dirs: [String]? = nil) -> [(name: String, path: String)] {
        var found: [(String, String)] = [], names = Set<String>()
        for dir in dirs ?? searchDirectories() {
            for file in listDirectory(dir).sorted() where file.hasSuffix(".gguf") && !file.hasPrefix(".") {
                let name = String(file.dropLast(5))
                if names.insert(name).inserted { found.append((name, "\(dir)/\(file)")) }
            }
        }
        return found
    }

    // MARK: - File system

    private static func executableDirectory() -> String? {
        #if os(Linux)
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return parent(String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        #else
        guard let p = realpath(CommandLine.arguments[0], nil) else { return nil }
        defer { free(p) }
        return parent(String(cString: p))
        #endif
    }

    private static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Why `path` cannot be read as a model file (it does not exist, is a directory, a FIFO, a symlink loop…),
    /// or nil for a regular file.
    static func notAModelFile(_ path: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            let code = errno
            switch code {
            case ENOENT: return "does not exist"
            case ELOOP: return "is a loop of symbolic links"
            default: return "cannot be read: " + String(cString: strerror(code))
            }
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "is a directory, not a model file"
        case S_IFIFO: return "is a FIFO, not a model file"
        case S_IFCHR: return "is a character device, not a model file"
        case S_IFBLK: return "is a block device, not a model file"
        case S_IFSOCK: return "is a socket, not a model file"
        default: return "is not a regular file"
        }
    }

    static func isRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    private static func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            names.append(name)
        }
        return names
    }
}
