// SIGINT and SIGTERM during `gansynth generate`: the handler only records the signal; the run checks it between
// images, finishes the file in hand, writes the manifest and exits 128 + signal (README "Exit status").
// The handler resets itself, so a second Ctrl-C kills at once (the next run clears what that leaves).

import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ExitStatus {
    static let interrupted: Int32 = 130   // 128 + SIGINT
    static let terminated: Int32 = 143    // 128 + SIGTERM
}

private let receivedSignal = Atomic<Int32>(0)

enum StopSignals {
    static func install() {
        // A parent may hand over a blocked mask (Foundation's Process does); the signals must reach this process.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in [SIGINT, SIGTERM] {
            sigaddset(&unblock, sig)
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { receivedSignal.store($0, ordering: .relaxed) }
            #else
            action.__sigaction_u.__sa_handler = { receivedSignal.store($0, ordering: .relaxed) }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(SA_RESTART) | Int32(bitPattern: UInt32(SA_RESETHAND))
            sigaction(sig, &action, nil)
        }
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
    }

    /// The signal that asked the run to stop, if one did.
    static var received: Int32? {
        let s = receivedSignal.load(ordering: .relaxed)
        return s == 0 ? nil : s
    }

    static func error(_ signal: Int32, detail: String) -> CLIError {
        let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
        return CLIError(description: "interrupted by \(name); \(detail)",
                        exitStatus: signal == SIGINT ? ExitStatus.interrupted : ExitStatus.terminated)
    }
}
