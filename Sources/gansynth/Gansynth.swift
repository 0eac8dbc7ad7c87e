// The `gansynth` command: lists the subcommands and turns every failure into one line on stderr with a
// documented exit status (README "Exit status"). All work happens in the library modules.

import ArgumentParser
#if canImport(Glibc)
@preconcurrency import Glibc  // C's stdout is a global var; only the main thread prints
#elseif canImport(Darwin)
@preconcurrency import Darwin
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
            finishStandardOutput()
        } catch let error as CLIError {
            if !error.isQuiet { printError(error.description) }
            terminate(error.exitStatus)
        } catch {
            let code = exitCode(for: error)
            if code == .success {  // --help, --version
                print(fullMessage(for: error))
                finishStandardOutput()
            }
            var message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            if message.hasPrefix("Error: ") { message.removeFirst(7) }
            printError(message + " (see 'gansynth help')")
            terminate(ExitStatus.usage)
        }
    }
}

/// Exits 0 once everything printed has reached stdout; text that could not be written (a full disk, /dev/full)
/// is a failure (73), and a reader that went away ends the run quietly (141), like a closed pipe elsewhere.
func finishStandardOutput() -> Never {
    if fflush(stdout) != 0 || ferror(stdout) != 0 {
        let code = errno
        if code == EPIPE { terminate(ExitStatus.brokenPipe) }
        printError("cannot write to standard output: " + String(cString: strerror(code)))
        terminate(ExitStatus.cannotCreate)
    }
    terminate(0)
}

func terminate(_ status: Int32) -> Never {
    #if canImport(Glibc)
    Glibc.exit(status)
    #else
    Darwin.exit(status)
    #endif
}

func printError(_ message: String) {
    var line = "gansynth: error: \(terminalSafe(message))\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
