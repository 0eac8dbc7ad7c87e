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
        subcommands: [Sample.self, Interpolate.self, Sweep.self, Mix.self, Generate.self, Encode.self, Reconstruct.self,
                      Serve.self, ListModels.self, Info.self]
    )

    static func main() {
        // A closed stdout pipe must surface as EPIPE from write(2), which ends the run quietly (status 141).
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseCommandLine()
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
            if let hint = prefixSuggestion(for: message) {
                message = String(message.prefix { $0 != "." && $0 != "?" }) + ". Did you mean '\(hint)'?"
            }
            printError(message + " (see 'gansynth help')")
            terminate(ExitStatus.usage)
        }
    }
}

/// Whether validate() methods run. ArgumentParser reports unknown options only after validate() passes, and a
/// mistyped option's value (`--nn 4`) has by then been taken as the output file, so a failed validation is parsed
/// again without validation: an unknown option found that way is the error to report.
enum CommandLineCheck {
    nonisolated(unsafe) static var validating = true
}

extension Gansynth {
    static func parseCommandLine() throws -> ParsableCommand {
        do {
            return try parseAsRoot()
        } catch let validationError {
            guard exitCode(for: validationError) != .success else { throw validationError }
            CommandLineCheck.validating = false
            defer { CommandLineCheck.validating = true }
            do {
                _ = try parseAsRoot()
            } catch {
                if message(for: error).hasPrefix("Unknown option") || message(for: error).hasPrefix("Error: Unknown option") {
                    throw error
                }
            }
            throw validationError
        }
    }
}

/// ArgumentParser suggests options by edit distance, which misses a shortened name (`--trunc`, `--tr`): the one
/// option of the subcommand that the unknown one begins, if exactly one does.
private func prefixSuggestion(for message: String) -> String? {
    guard message.hasPrefix("Unknown option '--"),
          let end = message.dropFirst(16).firstIndex(of: "'") else { return nil }
    let typed = String(message[message.index(message.startIndex, offsetBy: 16)..<end])
    let arguments = CommandLine.arguments.dropFirst()
    guard let name = arguments.first,
          let command = Gansynth.configuration.subcommands.first(where: { $0._commandName == name }) else { return nil }
    let help = Gansynth.helpMessage(for: command)
    let options = Set(help.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-") })
        .filter { $0.hasPrefix("--") && $0.count > 2 }.map(String.init))
    let matches = options.filter { $0.hasPrefix(typed) }
    // --trunc: --truncation, the option the longer ones (--truncation-psi, --truncation-cutoff) extend.
    if let shortest = matches.min(by: { $0.count < $1.count }), matches.allSatisfy({ $0.hasPrefix(shortest) }) { return shortest }
    return nil
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
