// `gansynth serve`: an HTTP API (Hummingbird 2) and a latent-space explorer page. Every image request is turned
// into the CLI command that makes the same picture (`sample`, `sample --n`, `interpolate`), parsed and run by the
// same code, so the bytes are the CLI's; only models on the server's model path, by name, are ever opened.

import ArgumentParser
import Dispatch
import GanImage
import GanModel
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve an HTTP API and a latent-space explorer page for the installed models.",
        discussion: """
            Binds to 127.0.0.1 unless --host says otherwise; stops gracefully on SIGINT or SIGTERM. The API \
            (README "gansynth serve") answers GET /api/models, /api/sample, /api/grid and /api/interpolate; the \
            page is at /. Each image equals the output of the CLI command the X-Gansynth-Command header names.
            """)

    @Option(parsing: .unconditional, help: "TCP port, 0-65535 (0: any free port, printed at start). Default: 8080.")
    var port: Int = 8080

    @Option(parsing: .unconditional, help: "Address to bind. Default: 127.0.0.1 (this machine only).")
    var host: String = "127.0.0.1"

    @Option(parsing: .upToNextOption, help: ArgumentHelp("Folders of .gguf models to offer (default: the model path, README \"Where models are found\").", valueName: "dir"))
    var models: [String] = []

    @Option(parsing: .unconditional, help: "Image requests computed at once, 1-256. Default: 2 per core.")
    var concurrency: Int?

    @Option(parsing: .unconditional, help: "Image requests that may wait for one of those slots, 0-65536; more get 503. Default: 256.")
    var queue: Int = 256

    func validate() throws {
        guard CommandLineCheck.validating else { return }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535, got \(port)") }
        if let c = concurrency, !(1...256).contains(c) { throw ValidationError("--concurrency must be 1 to 256, got \(c)") }
        guard (0...65536).contains(queue) else { throw ValidationError("--queue must be 0 to 65536, got \(queue)") }
    }

    func run() throws {
        var paths: [String: String] = [:]
        let found = models.isEmpty ? ModelLocator.installedModels() : try ModelLocator.models(in: models)
        for (name, path) in found where paths[name] == nil { paths[name] = path }
        guard !paths.isEmpty else { throw CLIError.usage("no models to serve in \(models.isEmpty ? "the model path" : models.joined(separator: ", "))") }
        let count = paths.count
        let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let server = ExplorerServer(models: ModelTable(paths: paths), slots: Slots(concurrency ?? 2 * cores, queue: queue))
        let app = Application(
            router: server.router(),
            configuration: .init(address: .hostname(host, port: port), serverName: "gansynth/\(Gansynth.version)"),
            onServerRunning: { channel in
                let address = channel.localAddress.map { "\($0.ipAddress ?? host):\($0.port ?? port)" } ?? "\(host):\(port)"
                // Straight to the descriptor: tests and scripts read the port from this line while the server runs.
                try? writeToStandardOutput(Array("gansynth serve: \(count) model\(count == 1 ? "" : "s") on http://\(address)/\n".utf8))
            },
            logger: {
                var l = Logger(label: "gansynth-serve")
                l.logLevel = .error
                return l
            }())
        let done = DispatchSemaphore(value: 0)
        let failure = Mutex<String?>(nil)
        Task {
            do { try await app.runService() } catch { failure.withLock { $0 = "\(error)" } }
            done.signal()
        }
        done.wait()
        if let message = failure.withLock({ $0 }) {
            throw CLIError(description: "serve: \(message)", exitStatus: ExitStatus.cannotCreate)
        }
    }
}

extension ModelLocator {
    /// The .gguf files of `dirs`, by name (the first folder that has a name wins).
    static func models(in dirs: [String]) throws(CLIError) -> [(name: String, path: String)] {
        var found: [(String, String)] = []
        for dir in dirs {
            guard isDirectory(dir) else { throw .usage("--models '\(terminalSafe(dir))' is not a folder") }
            for (name, path) in installedModels(searching: [dir]) { found.append((name, path)) }
        }
        return found
    }
}

/// The routes, the limits and the translation of a query into a CLI command.
final class ExplorerServer: Sendable {
    let models: ModelTable
    let slots: Slots

    init(models: ModelTable, slots: Slots) {
        self.models = models
        self.slots = slots
    }

    /// At most this many images per request, and this large a picture side after --scale.
    static let maxImages = 256
    static let maxScale = 8

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                     body: .init(byteBuffer: ByteBuffer(string: explorerPage)))
        }
        router.get("/api/models") { _, _ in self.modelList() }
        router.get("/api/sample") { request, _ in await self.image(request, kind: .sample) }
        router.get("/api/grid") { request, _ in await self.image(request, kind: .grid) }
        router.get("/api/interpolate") { request, _ in await self.image(request, kind: .interpolate) }
        return router
    }

    enum Kind: String { case sample, grid, interpolate }

    /// A 4xx/5xx answer: {"error": sentence, "parameter": name, "allowed": range}.
    static func failure(_ status: HTTPResponse.Status, _ message: String, parameter: String? = nil, allowed: String? = nil) -> Response {
        var fields = ["\"error\": \(jsonString(message))"]
        if let parameter { fields.append("\"parameter\": \(jsonString(parameter))") }
        if let allowed { fields.append("\"allowed\": \(jsonString(allowed))") }
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .serviceUnavailable || status == .tooManyRequests { headers[.retryAfter] = "1" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "{" + fields.joined(separator: ", ") + "}\n")))
    }

    struct Refusal: Error {
        let response: Response
        init(_ message: String, status: HTTPResponse.Status = .badRequest, parameter: String? = nil, allowed: String? = nil) {
            response = ExplorerServer.failure(status, message, parameter: parameter, allowed: allowed)
        }
    }

    /// The query parameters each endpoint takes, and the CLI option each becomes.
    static let options: [Kind: [String: String]] = {
        let common = ["model": "--model", "label": "--label", "truncation": "--truncation", "psi": "--truncation-psi",
                      "cutoff": "--truncation-cutoff", "noise": "--noise-mode", "scale": "--scale", "format": "--format"]
        return [
            .sample: common.merging(["seed": "--seeds", "categorical": "--categorical", "continuous": "--continuous"]) { a, _ in a },
            .grid: common.merging(["seed": "--seed", "n": "--n", "nrow": "--nrow", "padding": "--padding",
                                   "categorical": "--categorical", "continuous": "--continuous"]) { a, _ in a },
            .interpolate: common.merging(["seeds": "--seeds", "seed": "--seed", "steps": "--steps", "mode": "--mode",
                                          "padding": "--padding", "label_from": "--label-from", "label_to": "--label-to"]) { a, _ in a },
        ]
    }()

    /// The CLI arguments (after "gansynth") that make the picture `query` asks for, checked up to what the CLI checks.
    func command(_ kind: Kind, _ query: [(String, String)]) throws(Refusal) -> [String] {
        let allowed = Self.options[kind]!
        var values: [String: String] = [:]
        for (key, value) in query {
            guard allowed[key] != nil else {
                throw Refusal("unknown parameter '\(key)'", parameter: key, allowed: allowed.keys.sorted().joined(separator: ", "))
            }
            guard values[key] == nil else { throw Refusal("parameter '\(key)' is given twice", parameter: key) }
            values[key] = value
        }
        let model = values["model"] ?? ModelLocator.defaultModel
        guard models.paths[model] != nil else {
            throw Refusal("no model named '\(model)'", status: .notFound, parameter: "model", allowed: models.names.joined(separator: ", "))
        }
        func integer(_ key: String, _ range: ClosedRange<Int>, tooLarge: HTTPResponse.Status = .badRequest) throws(Refusal) -> Int? {
            guard let text = values[key] else { return nil }
            guard let v = Int(text) else { throw Refusal("\(key) must be an integer, got '\(text)'", parameter: key, allowed: "\(range.lowerBound) to \(range.upperBound)") }
            if v > range.upperBound && tooLarge != .badRequest {
                throw Refusal("\(key) \(v) is more than this server allows", status: tooLarge, parameter: key, allowed: "\(range.lowerBound) to \(range.upperBound)")
            }
            guard range.contains(v) else { throw Refusal("\(key) must be \(range.lowerBound) to \(range.upperBound), got \(v)", parameter: key, allowed: "\(range.lowerBound) to \(range.upperBound)") }
            return v
        }
        _ = try integer("seed", 0...Int(UInt32.max))
        _ = try integer("n", 1...Self.maxImages, tooLarge: .contentTooLarge)
        _ = try integer("steps", 2...64, tooLarge: .contentTooLarge)
        if let scale = values["scale"], let k = Int(scale), k > Self.maxScale {
            throw Refusal("scale \(k) is more than this server allows", status: .contentTooLarge, parameter: "scale", allowed: "1 to \(Self.maxScale), or 1/k")
        }
        if let seeds = values["seeds"], seeds.split(separator: ",").count > 16 {
            throw Refusal("more than 16 keyframe seeds", status: .contentTooLarge, parameter: "seeds", allowed: "2 to 16 seeds")
        }
        if let format = values["format"], !["png", "jpg", "jpeg"].contains(format) {
            throw Refusal("format must be png or jpg, got '\(format)'", parameter: "format", allowed: "png, jpg")
        }
        var args = [kind == .interpolate ? "interpolate" : "sample", "--model", model]
        if kind == .sample { args += ["--seeds", values["seed"] ?? "0"] }
        if kind == .interpolate && values["seeds"] == nil && values["label_from"] == nil && values["label_to"] == nil {
            args += ["--seeds", "0,1"]
        }
        for key in allowed.keys.sorted() where key != "model" && !(kind == .sample && key == "seed") {
            guard var value = values[key] else { continue }
            if key == "format" { value = value == "png" ? "png" : "jpeg" }
            args += [allowed[key]!, value]
        }
        return args + ["-"]
    }

    private func image(_ request: Request, kind: Kind) async -> Response {
        let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        let args: [String]
        do { args = try command(kind, query) } catch { return error.response }
        guard await slots.acquire() else {
            return Self.failure(.serviceUnavailable, "the server is computing \(slots.count) requests with \(slots.queue) waiting; try again shortly")
        }
        defer { slots.release() }
        let served = ServedRequest(command: ["gansynth"] + args, models: models)
        // Rendering blocks a thread for its whole run, so it runs beside the server's own threads.
        let outcome: Result<[UInt8], Refusal> = await withCheckedContinuation { done in
            DispatchQueue.global().async {
                done.resume(returning: Served.$request.withValue(served) { Self.run(args, kind: kind, served: served) })
            }
        }
        switch outcome {
        case .failure(let refusal): return refusal.response
        case .success(let bytes):
            let type = args.contains("jpeg") ? "image/jpeg" : "image/png"
            return Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-store",
                                                  HTTPField.Name("X-Gansynth-Command")!: served.command.map(shellQuoted).joined(separator: " ")],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    /// Parses and runs the command as the CLI would; its errors become 400s naming the query parameter.
    private static func run(_ args: [String], kind: Kind, served: ServedRequest) -> Result<[UInt8], Refusal> {
        let back = Dictionary(options[kind]!.map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        func parameter(in message: String) -> String? {
            back.keys.sorted { $0.count > $1.count }.first { message.contains($0) }.map { back[$0]! }
        }
        do {
            var command = try Gansynth.parseAsRoot(args)
            try command.run()
            return .success(served.output)
        } catch let error as CLIError {
            let status: HTTPResponse.Status = error.exitStatus == ExitStatus.usage ? .badRequest : .internalServerError
            return .failure(Refusal(error.description, status: status, parameter: parameter(in: error.description)))
        } catch {
            var message = Gansynth.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid request"
            if message.hasPrefix("Error: ") { message.removeFirst(7) }
            return .failure(Refusal(message, parameter: parameter(in: message)))
        }
    }

    /// GET /api/models: what `gansynth info` shows of each model, as JSON.
    private func modelList() -> Response {
        var items: [String] = []
        for name in models.names {
            guard let path = models.paths[name], let d = try? Generator.outline(path: path) else { continue }
            let i = d.inputs, o = d.output
            let fields = ["\"name\": \(jsonString(name))", "\"description\": \(jsonString(d.card.description ?? ""))",
                          "\"dataset\": \(jsonString(d.card.dataset ?? ""))", "\"license\": \(jsonString(d.card.license ?? ""))",
                          "\"z_dim\": \(i.zDimension)", "\"z_distribution\": \(jsonString(i.zDistribution.rawValue))",
                          "\"labels\": [\(i.labels.map(jsonString).joined(separator: ", "))]",
                          "\"categorical\": [\(i.categoricalSizes.map(String.init).joined(separator: ", "))]",
                          "\"continuous\": \(i.continuousCount)",
                          "\"output\": {\"channels\": \(o.channels), \"height\": \(o.height), \"width\": \(o.width), \"range\": \(jsonString(o.range.rawValue))}",
                          "\"parameters\": \(d.parameterCount)", "\"macs_per_image\": \(d.graph.macsPerImage)",
                          "\"w_space\": \(d.graph.wSpace.map { "{\"rows\": \($0.count), \"width\": \($0.dimension)}" } ?? "null")",
                          "\"encoder\": \(d.encoder != nil)"]
            items.append("{" + fields.joined(separator: ", ") + "}")
        }
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(string: "[" + items.joined(separator: ",\n") + "]\n")))
    }
}

/// `count` computations at once, and up to `queue` requests waiting for one in arrival order; a request beyond
/// those is refused at once (503) rather than held in memory.
final class Slots: Sendable {
    let count: Int, queue: Int
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }
    private let state: Mutex<State>

    init(_ count: Int, queue: Int) {
        self.count = count
        self.queue = queue
        state = Mutex(State(free: count))
    }

    /// True once the caller holds a slot; false when every slot is busy and the queue full.
    func acquire() async -> Bool {
        enum Decision { case run, wait, refuse }
        let now: Decision = state.withLock { s in
            if s.free > 0 { s.free -= 1; return .run }
            return s.waiting.count - s.head < queue ? .wait : .refuse
        }
        switch now {
        case .run: return true
        case .refuse: return false
        case .wait:
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let runNow: Bool = state.withLock { s in
                    if s.free > 0 { s.free -= 1; return true }  // a slot came free meanwhile
                    s.waiting.append(c)
                    return false
                }
                if runNow { c.resume() }
            }
            return true
        }
    }

    /// Hands the slot to the longest-waiting request, or frees it.
    func release() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard s.head < s.waiting.count else { s.free += 1; return nil }
            let c = s.waiting[s.head]
            s.head += 1
            if s.head > 1024 && s.head * 2 > s.waiting.count { s.waiting.removeFirst(s.head); s.head = 0 }
            return c
        }
        next?.resume()
    }
}
