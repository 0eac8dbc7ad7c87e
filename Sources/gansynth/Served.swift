// A request `gansynth serve` answers by running the same command the CLI would: the picture that command writes
// to "-" goes into the request's sink instead of standard output, its PNG text names the equivalent command line
// (so the bytes equal the CLI's for that command), and models come from the server's table, loaded once.

import GanKernels
import GanModel
import Synchronization

final class ServedRequest: Sendable {
    /// The command line whose output this is: ["gansynth", "sample", ...].
    let command: [String]
    let models: ModelTable
    private let bytes = Mutex<[UInt8]>([])

    init(command: [String], models: ModelTable) {
        self.command = command
        self.models = models
    }

    func append(_ more: [UInt8]) { bytes.withLock { $0 += more } }
    var output: [UInt8] { bytes.withLock { $0 } }
}

enum Served {
    /// Set while the server runs a command for a request; nil in the CLI.
    @TaskLocal static var request: ServedRequest?
}

/// The models a server offers, by name: only these are ever opened, each loaded on first use and then kept.
final class ModelTable: Sendable {
    let paths: [String: String]
    private let loaded = Mutex<[String: Generator]>([:])

    init(paths: [String: String]) { self.paths = paths }

    var names: [String] { paths.keys.sorted() }

    func generator(named name: String, parallelism: Parallelism) throws(CLIError) -> (generator: Generator, path: String) {
        guard let path = paths[name] else { throw .usage("no model named '\(terminalSafe(name))'") }
        if let g = loaded.withLock({ $0[name] }) { return (g, path) }
        let g: Generator
        do throws(ModelError) { g = try Generator(path: path, parallelism: parallelism) } catch { throw .model(path, error) }
        loaded.withLock { $0[name] = $0[name] ?? g }
        return (loaded.withLock { $0[name]! }, path)
    }
}
