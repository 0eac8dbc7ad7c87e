// Replays the fuzzer's saved corpus (Tests/Fuzz/corpus: inputs libFuzzer found interesting, minimized) and the
// parity fixtures through the same harness the fuzzer runs: every file must be loaded or refused, never crash.

import Foundation
import Testing

@Suite struct FuzzCorpusReplay {
    @Test func everyCorpusFileIsLoadedOrRefused() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        var files: [String] = []
        for dir in ["Fuzz/corpus", "Fixtures"] {
            let path = root.appendingPathComponent(dir).path
            files += try FileManager.default.contentsOfDirectory(atPath: path)
                .filter { !$0.hasPrefix(".") && !$0.hasSuffix(".txt") }.map { "\(path)/\($0)" }
        }
        #expect(files.count > 10)
        let p = Process()
        p.executableURL = binary.deletingLastPathComponent().appendingPathComponent("gansynth-fuzz")
        p.arguments = files
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(text.contains("replayed \(files.count) inputs"))
    }
}
