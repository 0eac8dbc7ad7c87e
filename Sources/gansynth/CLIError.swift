// Runtime failures of the CLI and their exit statuses (sysexits.h numbers, listed in README "Exit status").

import GanImage
import GanModel

enum ExitStatus {
    static let usage: Int32 = 64          // bad arguments
    static let badModel: Int32 = 65       // model file rejected
    static let noModel: Int32 = 66        // model not found
    static let internalError: Int32 = 70  // a bug: inputs the CLI built were refused
    static let cannotCreate: Int32 = 73   // output cannot be written
    static let brokenPipe: Int32 = 141    // reader of stdout went away: quiet, like a process killed by SIGPIPE
}

struct CLIError: Error, CustomStringConvertible {
    let description: String
    let exitStatus: Int32
    var isQuiet = false

    static func usage(_ message: String) -> CLIError { CLIError(description: message, exitStatus: ExitStatus.usage) }

    static func model(_ path: String, _ error: ModelError) -> CLIError {
        CLIError(description: "\(path): \(error.description)", exitStatus: ExitStatus.badModel)
    }

    static func output(_ error: ImageError) -> CLIError {
        if case .brokenPipe = error { return CLIError(description: "", exitStatus: ExitStatus.brokenPipe, isQuiet: true) }
        return CLIError(description: error.description, exitStatus: ExitStatus.cannotCreate)
    }
}

extension CLIError {
    /// The generator refused inputs the CLI built from checked options: a bug, reported as one.
    static func refusedInputs(_ error: GeneratorInputError) -> CLIError {
        CLIError(description: "internal error: the generator refused the inputs built for it (\(error))",
                 exitStatus: ExitStatus.internalError)
    }
}
