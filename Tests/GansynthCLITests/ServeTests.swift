// `gansynth serve` over a real socket: the models list, images byte-identical to the CLI command each response
// names, a corpus of bad requests answered with the right status and a JSON error, a busy server's 503, and a
// graceful stop on SIGTERM.

import Foundation
import Glibc
import Synchronization
import Testing

/// A running server on a free port, serving Tests/Fixtures' and Models/' files; stopped with SIGTERM.
final class ServerProcess: @unchecked Sendable {  // its fields are set once, in init
    let process = Process()
    let port: Int
    private let output = Pipe()

    init(_ extra: [String] = []) throws {
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        process.executableURL = binary
        process.arguments = ["serve", "--port", "0", "--models", repo.appendingPathComponent("Models").path,
                             repo.appendingPathComponent("Tests/Fixtures").path] + extra
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let colon = text.range(of: ":", options: .backwards), let port = Int(text[colon.upperBound...].prefix { $0.isNumber })
        else { throw CocoaError(.fileReadCorruptFile) }
        self.port = port
    }

    /// (status, headers lowercased, body) of GET path, by curl.
    func get(_ path: String) throws -> (status: Int, headers: [String: String], body: [UInt8]) {
        let dir = try temporaryDirectory()
        let body = dir.appendingPathComponent("body"), head = dir.appendingPathComponent("head")
        let p = Process(), out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "-g", "-o", body.path, "-D", head.path, "-w", "%{http_code}", "http://127.0.0.1:\(port)\(path)"]
        p.standardOutput = out
        try p.run()
        let code = Int(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)) ?? 0
        p.waitUntilExit()
        var headers: [String: String] = [:]
        for line in (try? String(contentsOf: head, encoding: .utf8))?.split(separator: "\r\n") ?? [] {
            if let c = line.firstIndex(of: ":") {
                headers[line[..<c].lowercased()] = line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return (code, headers, [UInt8]((try? Data(contentsOf: body)) ?? Data()))
    }

    func stop() -> Int32 {
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// What the CLI writes for `command` ("gansynth sample ... -") run as typed, with gansynth found on PATH.
private func cli(_ command: String) throws -> [UInt8] {
    let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let p = Process(), out = Pipe()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["PATH=\(binary.deletingLastPathComponent().path)",
                   "GANSYNTH_MODEL_PATH=\(repo.appendingPathComponent("Models").path):\(repo.appendingPathComponent("Tests/Fixtures").path)"]
        + command.split(separator: " ").map(String.init)
    p.standardOutput = out
    try p.run()
    let bytes = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return [UInt8](bytes)
}

@Suite(.serialized) struct ServeTests {
    @Test func imagesEqualTheCLIsForTheNamedCommand() throws {
        let server = try ServerProcess()
        defer { #expect(server.stop() == 0) }
        let models = try server.get("/api/models")
        #expect(models.status == 200 && models.headers["content-type"] == "application/json")
        let list = try JSONSerialization.jsonObject(with: Data(models.body)) as! [[String: Any]]
        #expect(list.contains { $0["name"] as? String == "mnist-cgan" && ($0["labels"] as? [String])?.count == 10 })
        for path in ["/api/sample?model=mnist-dcgan&seed=5", "/api/sample?model=mnist-cgan&seed=9&label=3&scale=2",
                     "/api/sample?model=mnist-infogan&seed=1&categorical=4&continuous=0.5,-0.25",
                     "/api/sample?model=cifar10-cgan&seed=2&label=ship&truncation=0.7&format=jpg",
                     "/api/grid?model=mnist-gan&seed=100&n=12&nrow=4",
                     "/api/interpolate?model=mnist-dcgan&seeds=1,7&steps=6&padding=0",
                     "/api/interpolate?model=mnist-cgan&seed=3&label_from=1&label_to=7&steps=5"] {
            let r = try server.get(path)
            #expect(r.status == 200, "\(path): \(String(decoding: r.body, as: UTF8.self))")
            let command = try #require(r.headers["x-gansynth-command"], "\(path)")
            #expect(r.body == (try cli(command)), "\(path) differs from `\(command)`")
        }
        let page = try server.get("/")
        #expect(page.status == 200 && String(decoding: page.body, as: UTF8.self).contains("/api/models"))
    }

    /// Each bad request: its status, a JSON error naming the parameter, and the server still answering after it.
    @Test func badRequestsAreAnsweredWithTheirStatus() throws {
        let server = try ServerProcess()
        defer { #expect(server.stop() == 0) }
        let cases: [(String, Int, String?)] = [
            ("/api/sample?seed=-1", 400, "seed"), ("/api/sample?seed=4294967296", 400, "seed"),
            ("/api/sample?seed=abc", 400, "seed"), ("/api/sample?model=no-such-model", 404, "model"),
            ("/api/sample?model=../Models/mnist-dcgan", 404, "model"), ("/api/sample?model=/etc/passwd", 404, "model"),
            ("/api/sample?model=mnist-dcgan.gguf", 404, "model"), ("/api/sample?model=mnist-cgan&label=eleven", 400, "label"),
            ("/api/sample?label=3", 400, "label"), ("/api/sample?scale=1000000", 413, "scale"),
            ("/api/sample?scale=0", 400, "scale"), ("/api/grid?n=100000", 413, "n"), ("/api/grid?n=0", 400, "n"),
            ("/api/interpolate?seeds=1,2&steps=5000", 413, "steps"), ("/api/interpolate?seeds=1", 400, "seeds"),
            ("/api/sample?truncation=-2", 400, "truncation"), ("/api/sample?format=gif", 400, "format"),
            ("/api/sample?bogus=1", 400, "bogus"), ("/api/sample?seed=1&seed=2", 400, "seed"),
            ("/api/sample?seed=%ZZ", 400, nil), ("/api/sample?psi=0.5", 400, "psi"),
            ("/api/sample?model=mnist-infogan&categorical=99", 400, "categorical"),
        ]
        for (path, status, parameter) in cases {
            let r = try server.get(path)
            #expect(r.status == status, "\(path): \(String(decoding: r.body, as: UTF8.self))")
            if status != 404 || parameter != nil {
                let json = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any]
                #expect(json?["error"] is String, "\(path)")
                if let parameter { #expect(json?["parameter"] as? String == parameter, "\(path): \(String(decoding: r.body, as: UTF8.self))") }
            }
        }
        #expect(try server.get("/api/sample?seed=1").status == 200)
        #expect(try server.get("/nothing/here").status == 404)
    }

    /// A client that sends half a request and stalls, and one that asks for a large grid and hangs up at once,
    /// hold up nobody: other requests are answered meanwhile and after.
    @Test func slowAndVanishedClientsBlockNoOne() throws {
        let server = try ServerProcess(["--concurrency", "1"])
        defer { #expect(server.stop() == 0) }
        func connect() -> Int32 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(server.port).bigEndian)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            #expect(rc == 0)
            return fd
        }
        let stalled = connect()
        _ = "GET /api/sample?se".withCString { send(stalled, $0, strlen($0), 0) }
        let vanished = connect()
        _ = "GET /api/grid?model=cifar10-cgan&n=256&scale=8 HTTP/1.1\r\nHost: x\r\n\r\n".withCString { send(vanished, $0, strlen($0), 0) }
        close(vanished)
        let start = Date()
        for seed in 0..<5 { #expect(try server.get("/api/sample?seed=\(seed)").status == 200) }
        #expect(Date().timeIntervalSince(start) < 20)
        close(stalled)
        #expect(try server.get("/api/models").status == 200)
    }

    /// Six large requests at once on one slot: with a queue they wait their turn; without one the extra get 503.
    @Test(arguments: [("8", false), ("0", true)])
    func aBusyServerQueuesThenRefuses(queue: String, refuses: Bool) throws {
        let server = try ServerProcess(["--concurrency", "1", "--queue", queue])
        defer { #expect(server.stop() == 0) }
        let codes = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            let r = try? server.get("/api/grid?model=cifar10-cgan&n=256&scale=4")
            codes.withLock { $0.append(r?.status ?? 0) }
        }
        let all = codes.withLock { $0 }
        if refuses {
            #expect(all.allSatisfy { $0 == 200 || $0 == 503 } && all.contains(503) && all.contains(200), "\(all)")
        } else {
            #expect(all == Array(repeating: 200, count: 6), "\(all)")
        }
    }
}
