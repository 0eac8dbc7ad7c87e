// Runs the planned steps on one chunk of images. Buffers are (C, n, S) for the chunk's n images.

import GanKernels

/// Per-chunk buffers: one output per step target plus one scratch area. Kept by the generator between calls
/// (fresh large allocations come back as new zeroed pages, whose faults cost as much as a batch-1 forward pass);
/// only one call uses a workspace at a time.
final class Workspace: @unchecked Sendable {
    private(set) var buffers: [Int: UnsafeMutablePointer<Float>] = [:]
    /// Per node, during a pass: the buffer a reshape that moves nothing made its output a view of, else nil.
    var views: [UnsafeMutablePointer<Float>?]
    let scratch: UnsafeMutablePointer<Float>
    /// Images the buffers hold.
    let batch: Int

    init(graph: Graph, steps: [Step], batch: Int) {
        self.batch = batch
        views = [UnsafeMutablePointer<Float>?](repeating: nil, count: graph.nodes.count)
        for step in steps {
            buffers[step.target] = .allocate(capacity: graph.nodes[step.target].elementCount * batch)
        }
        scratch = .allocate(capacity: Workspace.scratchCount(graph: graph, steps: steps, batch: batch))
    }

    /// Floats a chunk of `batch` images needs: every step's output plus the largest scratch area.
    static func floatCount(graph: Graph, steps: [Step], batch: Int) -> Int {
        steps.reduce(0) { $0 + graph.nodes[$1.target].elementCount * batch } + scratchCount(graph: graph, steps: steps, batch: batch)
    }

    private static func scratchCount(graph: Graph, steps: [Step], batch: Int) -> Int {
        var count = 1
        for step in steps {
            switch step.kernel {
            case .linear(_, _, let inShape, _, _) where inShape.count == 3:
                count = max(count, inShape.reduce(1, *) * batch)
            case .conv2d(let p, _, _, let inShape, _):
                count = max(count, conv2dScratchCount(geometry(p, inShape, batch)))
            case .convTranspose2d(let p, let weights, _, let inShape, _):
                count = max(count, weights.scratchCount(geometry(p, inShape, batch)))
            default: break
            }
        }
        return count
    }

    deinit {
        for b in buffers.values { b.deallocate() }
        scratch.deallocate()
    }

    static func geometry(_ p: ConvParameters, _ inShape: [Int], _ batch: Int) -> ConvGeometry {
        ConvGeometry(inChannels: p.inChannels, outChannels: p.outChannels, kernel: p.kernel, stride: p.stride,
                     padding: p.padding, outputPadding: p.outputPadding, batch: batch,
                     inHeight: inShape[1], inWidth: inShape[2])
    }
}

/// (C, S) split of a per-image shape.
private func channelsAndSpatial(_ shape: [Int]) -> (Int, Int) { (shape[0], shape.dropFirst().reduce(1, *)) }

extension Generator {
    /// `stepSeconds`, when given, gets each step's wall time added (steps.count + 1 entries: the last is the move
    /// of the output into image-major order).
    /// `stop`: checked before every step; once it returns true the pass ends early (the output is then unfinished).
    func run(_ batch: GeneratorInputs, images: Range<Int>, workspace: Workspace, parallelism: Parallelism,
             into out: UnsafeMutablePointer<Float>, stepSeconds: UnsafeMutableBufferPointer<Double>? = nil,
             stop: StopCheck? = nil) {
        let n = images.count, first = images.lowerBound
        var clock = ContinuousClock.now
        func lap(_ i: Int) {
            guard let stepSeconds else { return }
            let now = ContinuousClock.now
            stepSeconds[i] += (now - clock) / .seconds(1)
            clock = now
        }
        // A reshape that moves nothing (one image, or the same spatial size) reads or makes its output a view of its
        // input: a copy would also pull a buffer written by several threads into one core's cache.
        for i in workspace.views.indices { workspace.views[i] = nil }
        func buffer(_ node: Int) -> UnsafeMutablePointer<Float> { workspace.views[node] ?? workspace.buffers[node]! }
        for (stepIndex, step) in steps.enumerated() {
            if let stop, stop() { return }
            defer { lap(stepIndex) }
            let y = workspace.buffers[step.target]!
            let x = step.inputs.first.map { buffer($0) }
            let node = graph.nodes[step.target]
            switch step.kernel {
            case .inputZ:
                let d = inputs.zDimension
                batch.z.withUnsafeBufferPointer { z in transpose(z.baseAddress! + first * d, rows: n, columns: d, into: y) }
            case .inputLabel:
                let l = inputs.labels.count
                if batch.labelWeights.isEmpty {
                    y.update(repeating: 0, count: l * n)
                    for b in 0..<n { y[batch.labels[first + b] * n + b] = 1 }
                } else {
                    batch.labelWeights.withUnsafeBufferPointer { w in transpose(w.baseAddress! + first * l, rows: n, columns: l, into: y) }
                }
            case .inputCategorical(let index):
                let codes = inputs.categoricalSizes.count
                y.update(repeating: 0, count: inputs.categoricalSizes[index] * n)
                for b in 0..<n { y[batch.categorical[(first + b) * codes + index] * n + b] = 1 }
            case .inputContinuous:
                let c = inputs.continuousCount
                batch.continuous.withUnsafeBufferPointer { v in transpose(v.baseAddress! + first * c, rows: n, columns: c, into: y) }
            case .embedding(let table, let d):
                let l = inputs.labels.count
                for b in 0..<n {
                    if batch.labelWeights.isEmpty {
                        let row = batch.labels[first + b] * d
                        for j in 0..<d { y[j * n + b] = table[row + j] }
                    } else {
                        for j in 0..<d {
                            var acc: Float = 0
                            for c in 0..<l { acc = acc.addingProduct(batch.labelWeights[(first + b) * l + c], table[c * d + j]) }
                            y[j * n + b] = acc
                        }
                    }
                }
            case .concat:
                var offset = 0
                for i in step.inputs {
                    let count = graph.nodes[i].elementCount * n
                    (y + offset).update(from: buffer(i), count: count)
                    offset += count
                }
            case .reshape(let from, let to):
                let (c1, s1) = channelsAndSpatial(from), (c2, s2) = channelsAndSpatial(to)
                if !reshapeMovesData(spatial: s1, spatial: s2, batch: n) {
                    workspace.views[step.target] = x!
                    continue
                }
                reshapeChannelMajor(x: x!, channels: c1, spatial: s1, y: y, channels: c2, spatial: s2, batch: n,
                                    parallelism: parallelism)
            case .linear(let weight, let bias, let inShape, _, let act):
                var input = UnsafePointer(x!)
                let inFeatures = inShape.reduce(1, *)
                if inShape.count == 3, reshapeMovesData(spatial: channelsAndSpatial(inShape).1, spatial: 1, batch: n) {
                    let (c, s) = channelsAndSpatial(inShape)
                    reshapeChannelMajor(x: x!, channels: c, spatial: s, y: workspace.scratch, channels: inFeatures,
                                        spatial: 1, batch: n, parallelism: parallelism)
                    input = UnsafePointer(workspace.scratch)
                }
                bias.withUnsafeBufferPointer { bias in
                    gemm(weight, n: n, b: input, ldb: n, c: y, ldc: n, bias: bias.baseAddress!, activation: act,
                         parallelism: parallelism)
                }
            case .conv2d(let p, let weight, let bias, let inShape, let act):
                bias.withUnsafeBufferPointer { bias in
                    conv2d(Workspace.geometry(p, inShape, n), x: x!, weight: weight, bias: bias.baseAddress!,
                           activation: act, y: y, scratch: workspace.scratch, parallelism: parallelism)
                }
            case .convTranspose2d(let p, let weights, let bias, let inShape, let act):
                bias.withUnsafeBufferPointer { bias in
                    weights.apply(Workspace.geometry(p, inShape, n), x: x!, bias: bias.baseAddress!, activation: act,
                                  y: y, scratch: workspace.scratch, parallelism: parallelism)
                }
            case .affine(let scale, let shift, let shape, let act):
                let (c, s) = channelsAndSpatial(shape)
                y.update(from: x!, count: c * s * n)
                channelAffine(y, channels: c, perChannel: s * n, scale: scale, shift: shift, activation: act)
            case .activation(let act):
                y.update(from: x!, count: node.elementCount * n)
                applyActivation(y, count: node.elementCount * n, act)
            case .upsample(let factor, let inShape):
                upsampleNearest(x: x!, planes: inShape[0] * n, height: inShape[1], width: inShape[2], factor: factor, y: y)
            }
        }
        // (C, n, S) → (n, C, S)
        let (c, s) = (output.channels, output.height * output.width)
        let last = buffer(graph.output.index)
        for ch in 0..<c {
            for b in 0..<n { (out + (b * c + ch) * s).update(from: last + (ch * n + b) * s, count: s) }
        }
        lap(steps.count)
    }
}
