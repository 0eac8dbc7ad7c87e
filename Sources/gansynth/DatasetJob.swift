// The work loop of `gansynth generate`: batches of --batch indices through the shared pipeline of Render.swift,
// encoded and written on all threads, made durable once per batch (BatchCommit.swift). Only one batch is ever in
// memory, and the stop flag set by SIGINT/SIGTERM is checked before every image, so a stop always falls between
// two complete files.

import GanImage
import GanKernels
import GanLatent
import GanModel

struct DatasetJob {
    let generator: Generator
    let modelPath: String
    let plan: DatasetPlan
    let truncation: Double?
    let style: StyleControls
    let parallelism: Parallelism
    let batch: Int
    let quality: Int
    let overwrite: Bool
    let showProgress: Bool

    // MARK: - Folder of files

    func writeDirectory(_ path: String, format: ImageFormat) throws(CLIError) {
        let dir: OutputDirectory
        do { dir = try OutputDirectory(creating: path) } catch { throw .output(error) }
        try RunRecord(generator: generator, plan: plan, truncation: truncation, style: style, format: format, quality: quality)
            .claim(dir, overwrite: overwrite)
        let range = plan.range
        let manifest = manifestBase()
        dir.removeStaleTempFiles { target in
            target == manifest + ".csv" || target == manifest + ".jsonl" || target == RunRecord.fileName
                || index(inFileName: target).map(range.contains) == true
        }

        var finished = BitSet(count: range.count)
        var progress = Progress(total: range.count, enabled: showProgress)
        var done = 0, made = 0, scanned = range.lowerBound
        var failure: CLIError?
        while scanned < range.upperBound, StopSignals.received == nil, failure == nil {
            let end = min(scanned + batch, range.upperBound)
            var todo: [Int] = []
            for i in scanned..<end {
                if !overwrite && dir.hasFinished(fileName(i, format)) {
                    finished.insert(i - range.lowerBound)
                    done += 1
                } else {
                    todo.append(i)
                }
            }
            scanned = end
            if !todo.isEmpty {
                let (written, error) = writeBatch(todo, into: dir, format: format)
                for i in written { finished.insert(i - range.lowerBound) }
                done += written.count
                made += written.count
                failure = failure ?? error
            }
            progress.update(done: done, made: made)
        }

        // Rows for exactly the files on disk: what this run finished, plus what earlier runs left past a stop. Those
        // come from one listing of the folder, not a stat per index, so a stop takes time independent of --n.
        var listed = 0
        do {
            let writer = try ManifestWriter(base: dir.file(manifest), hasCodes: hasCodes, hasStyle: generator.wSpace != nil)
            for i in range.lowerBound..<scanned where finished.contains(i - range.lowerBound) {
                try writer.append(manifestRow(index: i, file: fileName(i, format)))
                listed += 1
            }
            let later = dir.entryNames().compactMap { name -> Int? in
                guard let i = index(inFileName: name), i >= scanned, i < range.upperBound, name == fileName(i, format),
                      dir.hasFinished(name) else { return nil }
                return i
            }
            for i in later.sorted() {
                try writer.append(manifestRow(index: i, file: fileName(i, format)))
                listed += 1
            }
            try writer.commit()
        } catch {
            failure = failure ?? .output(error)
        }
        if let failure {
            progress.interrupt()
            throw failure
        }
        if let signal = StopSignals.received {
            progress.interrupt()
            throw StopSignals.error(signal, detail: "\(listed) of \(range.count) images are in '\(dir.path)' and its manifest; the same command resumes")
        }
        progress.finish(done: done, made: made)
    }

    /// Makes and writes the images of `indices`; returns those now on disk, and the first failure.
    private func writeBatch(_ indices: [Int], into dir: OutputDirectory, format: ImageFormat) -> (written: [Int], error: CLIError?) {
        let made: (images: [Image], inputs: GeneratorInputs)?
        do { made = try make(indices) } catch { return ([], error) }
        guard let (images, inputs) = made else { return ([], nil) }
        let outcomes = forEachImage(indices.count) { k throws(ImageError) in
            let bytes = try encode(images[k], as: format, options: encodeOptions(index: indices[k], inputs: inputs, at: k))
            return try writePending(bytes, to: dir.file(fileName(indices[k], format)))
        }
        var pending: [(index: Int, file: PendingFile)] = []
        var failure: CLIError?
        for (k, outcome) in outcomes.enumerated() {
            switch outcome {
            case .success(let file): pending.append((indices[k], file))
            case .failure(let error): failure = failure ?? .output(error)
            case nil: break
            }
        }
        let (renamed, error) = commit(pending.map(\.file), in: dir.path)
        if let error { failure = failure ?? .output(error) }
        return (pending.prefix(renamed).map(\.index), failure)
    }

    /// `000042.png`: the global index, zero-padded to the width of the largest index (at least 6 digits) so that
    /// names sort in index order and every shard picks the same width.
    func fileName(_ index: Int, _ format: ImageFormat) -> String {
        zeroPadded(index, width: max(6, String(plan.total - 1).count)) + "." + format.fileExtension
    }

    /// The index in an image name of this run's width, whatever its extension.
    private func index(inFileName name: String) -> Int? {
        guard let dot = name.firstIndex(of: "."), ImageFormat(pathExtension: String(name[name.index(after: dot)...])) != nil,
              name.distance(from: name.startIndex, to: dot) == max(6, String(plan.total - 1).count) else { return nil }
        let stem = name[..<dot]
        return stem.allSatisfy({ $0.isASCII && $0.isNumber }) ? Int(stem) : nil
    }

    /// `manifest`, or `manifest-shard-03-of-16` for a shard, so shards sharing a folder never write the same file
    /// and `cat manifest-shard-*-of-16.jsonl` lists them in order.
    func manifestBase() -> String {
        guard plan.shard != .whole else { return "manifest" }
        return "manifest-shard-\(zeroPadded(plan.shard.k, width: String(plan.shard.n).count))-of-\(plan.shard.n)"
    }

    private var hasCodes: Bool { !generator.inputs.categoricalSizes.isEmpty || generator.inputs.continuousCount > 0 }

    private func manifestRow(index: Int, file: String) -> ManifestRow {
        let spec = generator.inputs
        let seed = plan.seed(at: index)
        var label = plan.chosenLabel(at: index)
        var row = ManifestRow(file: file, index: index, seed: seed, truncation: truncation,
                              style: generator.wSpace == nil ? nil : style, model: generator.card.name,
                              modelSHA256: generator.fileSHA256)
        if (spec.isConditional && label == nil) || hasCodes {
            let drawn = drawnConditions(seed: seed, labelCount: spec.labels.count,
                                        categoricalSizes: spec.categoricalSizes, continuousCount: spec.continuousCount)
            label = label ?? drawn.label
            if hasCodes { (row.categorical, row.continuous) = (drawn.categorical, drawn.continuous) }
        }
        if spec.isConditional, let label { (row.label, row.labelName) = (label, spec.labels[label]) }
        return row
    }

    // MARK: - Standard output and .npy

    func writeStandardOutput(format: DatasetFormat) throws(CLIError) {
        try stream(format: format) { bytes throws(ImageError) in try writeToStandardOutput(bytes) }
    }

    func writeNPYFile(_ path: String) throws(CLIError) {
        let (dirName, name) = splitPath(path)
        OutputDirectory(existing: dirName).removeStaleTempFiles { $0 == name }
        let file: StreamedFile
        do { file = try StreamedFile(path: path) } catch { throw .output(error) }
        do {
            try stream(format: .npy) { bytes throws(ImageError) in try file.append(bytes) }
        } catch {
            file.abandon()
            throw error.exitStatus == ExitStatus.interrupted || error.exitStatus == ExitStatus.terminated
                ? CLIError(description: error.description + "; '\(path)' was not written", exitStatus: error.exitStatus)
                : error
        }
        do { try file.commit() } catch { throw .output(error) }
    }

    /// Every image of the range, in index order, as one byte stream: an .npy array or concatenated image files.
    private func stream(format: DatasetFormat, to sink: ([UInt8]) throws(ImageError) -> Void) throws(CLIError) {
        let range = plan.range
        let o = generator.output
        var progress = Progress(total: range.count, enabled: showProgress)
        do {
            if format == .npy { try sink(npyHeader(shape: [range.count, o.channels, o.height, o.width])) }
        } catch { throw .output(error) }
        var made = 0, start = range.lowerBound
        while start < range.upperBound {
            if let signal = StopSignals.received {
                progress.interrupt()
                throw StopSignals.error(signal, detail: "stopped after \(made) of \(range.count) images")
            }
            let indices = Array(start..<min(start + batch, range.upperBound))
            guard let (images, inputs) = try make(indices) else { continue }  // stopped: reported at the loop's top
            let outcomes = forEachImage(indices.count, stoppable: false) { k throws(ImageError) in
                switch format {
                case .npy: planarBytes(images[k])
                case .image(let f): try encode(images[k], as: f, options: encodeOptions(index: indices[k], inputs: inputs, at: k))
                }
            }
            var bytes: [UInt8] = []
            for outcome in outcomes {
                switch outcome {
                case .success(let b)?: bytes += b
                case .failure(let error)?: throw .output(error)
                case nil: break
                }
            }
            do { try sink(bytes) } catch { throw .output(error) }
            made += indices.count
            progress.update(done: made, made: made)
            start += indices.count
        }
        progress.finish(done: made, made: made)
    }

    // MARK: - Shared

    /// The images of `indices` and the inputs they were made from; nil when a stop signal ended the forward pass
    /// (it is asked between layers, so a stop never waits for a whole batch of a large model).
    private func make(_ indices: [Int]) throws(CLIError) -> (images: [Image], inputs: GeneratorInputs)? {
        let inputs = generatorInputs(for: indices.map(plan.request(at:)), generator: generator, truncation: truncation,
                                     style: style)
        let values: [Float]?
        do {
            values = try generator.generate(inputs, parallelism: parallelism, chunkSize: batch, stop: { StopSignals.received != nil })
        } catch { throw .refusedInputs(error) }
        guard let values else { return nil }
        return (tiles(values, generator: generator), inputs)
    }

    /// PNG text chunks of one image. The command line and the model's path are left out: they differ between
    /// shards, re-runs and machines, and every image must be the same bytes however it was scheduled.
    private func encodeOptions(index: Int, inputs: GeneratorInputs, at k: Int) -> EncodeOptions {
        let spec = generator.inputs, nk = spec.categoricalSizes.count, nc = spec.continuousCount
        let own = GeneratorInputs(count: 1, z: [], labels: inputs.labels.isEmpty ? [] : [inputs.labels[k]],
                                  categorical: Array(inputs.categorical[(k * nk)..<((k + 1) * nk)]),
                                  continuous: Array(inputs.continuous[(k * nc)..<((k + 1) * nc)]))
        let extra = [("gansynth:index", "\(index)")] + conditionsText(own, generator: generator)
            + (plan.seeds.latents.map { [("gansynth:latents", $0.describe())] } ?? []) + style.text(for: generator)
        let text = provenance(generator: generator, modelPath: modelPath, seeds: [plan.seed(at: index)],
                              truncation: truncation, extra: extra)
            .filter { $0.key != "gansynth:command" && $0.key != "gansynth:model-file" }
        return EncodeOptions(jpegQuality: quality, text: text)
    }

    /// Runs `body` for images 0..<count on all threads. An image's slot is nil when it was not attempted: a
    /// stop signal arrived first (if `stoppable`), or an earlier image of the same thread failed.
    private func forEachImage<T>(_ count: Int, stoppable: Bool = true,
                                 _ body: (Int) throws(ImageError) -> T) -> [Result<T, ImageError>?] {
        var outcomes = [Result<T, ImageError>?](repeating: nil, count: count)
        outcomes.withUnsafeMutableBufferPointer { slots in
            parallelism.forEachSlice(of: count) { part in
                for k in part {
                    if stoppable && StopSignals.received != nil { return }
                    do throws(ImageError) { slots[k] = .success(try body(k)) } catch {
                        slots[k] = .failure(error)
                        return
                    }
                }
            }
        }
        return outcomes
    }
}

/// One bit per index of a shard's range: memory stays small for any --n.
struct BitSet {
    private var words: [UInt64]
    init(count: Int) { words = Array(repeating: 0, count: (count + 63) / 64) }
    mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
    func contains(_ i: Int) -> Bool { words[i >> 6] & (1 << UInt64(i & 63)) != 0 }
}

func zeroPadded(_ value: Int, width: Int) -> String {
    let digits = String(value)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
}
