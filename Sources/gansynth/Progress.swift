// The progress line of `gansynth generate` on standard error: `  12345/60000  2345 img/s  ETA 0:20`, redrawn
// in place at most ten times a second. Only drawn on a terminal, so logs and pipelines stay clean.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Progress {
    let total: Int
    let enabled: Bool
    private let start = ContinuousClock.now
    private var lastDraw = -1.0
    private var drawn = false

    init(total: Int, enabled: Bool) {
        self.total = total
        self.enabled = enabled
    }

    /// `done` counts every image of the range that is finished, `made` only those made by this run (the rate).
    mutating func update(done: Int, made: Int, force: Bool = false) {
        guard enabled else { return }
        let now = (ContinuousClock.now - start) / .seconds(1)
        guard force || now - lastDraw >= 0.1 else { return }
        lastDraw = now
        let elapsed = max(now, 1e-9)
        let rate = Double(made) / elapsed
        let eta = rate > 0 ? formatDuration(Double(total - done) / rate) : "--:--"
        emit("\r  \(done)/\(total)  \(Int(rate.rounded())) img/s  ETA \(eta)\u{1B}[K")
        drawn = true
    }

    /// The last state, then a newline so the shell prompt starts on its own line.
    mutating func finish(done: Int, made: Int) {
        guard enabled else { return }
        update(done: done, made: made, force: true)
        let elapsed = (ContinuousClock.now - start) / .seconds(1)
        emit("\r  \(done)/\(total)  \(made) made in \(formatDuration(elapsed)), \(Int((Double(made) / max(elapsed, 1e-9)).rounded())) img/s\u{1B}[K\n")
        drawn = false
    }

    /// Ends a half-drawn line before an error message is printed.
    mutating func interrupt() {
        if drawn { emit("\n") }
        drawn = false
    }
}

private func emit(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// 75 → "1:15", 3725 → "1:02:05"
func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return s >= 3600 ? "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))" : "\(s / 60):\(two(s % 60))"
}
