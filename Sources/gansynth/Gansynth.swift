// The `gansynth` command: lists the subcommands and turns every failure into one line on stderr with a
// documented exit status (README "Exit status"). All work happens in the library modules.

import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@main
struct Gansynth: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "gansynth",
        abstract: "Generate images with trained GAN generators stored as GGUF files.",
        version: version,
        subcommands: [Sample.self, Interpolate.self, Sweep.self, Generate.self, ListModels.self, Info.self]
    )

    static func main() {
        // A closed stdout pipe must surface as EPIPE from write(2), which ends the run quietly (status 141).
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as CLIError {
            if !error.isQuiet { printError(error.description) }
            terminate(error.exitStatus)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }  // --help, --version
            var message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            if message.hasPrefix("Error: ") { message.removeFirst(7) }
            printError(message + " (see 'gansynth help')")
            terminate(ExitStatus.usage)
        }
    }
}

func terminate(_ status: Int32) -> Never {
    #if canImport(Glibc)
    Glibc.exit(status)
    #else
    Darwin.exit(status)
    #endif
}

func printError(_ message: String) {
    var line = "gansynth: error: \(message)\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
