// Runs the planned steps on one chunk of images. Buffers are (C, n, S) for the chunk's n images.

import GanKernels

/// Per-chunk buffers: an output per step target plus one scratch area. A step's output takes a block that no later
/// step reads any more (`BufferPlan`), so the activations held at once are about the largest few, not all of
/// them. Kept by the generator between calls (fresh large allocations come back as new zeroed pages, whose faults
/// cost as much as a batch-1 forward pass); only one call uses a workspace at a time.
final class Workspace: @unchecked Sendable {
    private(set) var buffers: [Int: UnsafeMutablePointer<Float>] = [:]
    private var blocks: [UnsafeMutablePointer<Float>] = []
    /// Per node, during a pass: the buffer a reshape that moves nothing made its output a view of, else nil.
    var views: [UnsafeMutablePointer<Float>?]
    let scratch: UnsafeMutablePointer<Float>
    /// Images the buffers hold.
    let batch: Int

    init(graph: Graph, steps: [Step], batch: Int) {
        self.batch = batch
        views = [UnsafeMutablePointer<Float>?](repeating: nil, count: graph.nodes.count)
        let plan = BufferPlan(graph: graph, steps: steps)
        blocks = plan.blockSizes.map { .allocate(capacity: $0 * batch) }
        for (target, block) in plan.blockOfTarget { buffers[target] = blocks[block] }
        scratch = .allocate(capacity: Workspace.scratchCount(graph: graph, steps: steps, batch: batch))
    }

    /// Floats a chunk of `batch` images needs: the output blocks plus the largest scratch area.
    static func floatCount(graph: Graph, steps: [Step], batch: Int) -> Int {
        BufferPlan(graph: graph, steps: steps).blockSizes.reduce(0, +) * batch + scratchCount(graph: graph, steps: steps, batch: batch)
    }

    private static func scratchCount(graph: Graph, steps: [Step], batch: Int) -> Int {
        steps.reduce(1) { max($0, $1.kernel.scratchCount(batch: batch)) }
    }

    deinit {
        for b in blocks { b.deallocate() }
        scratch.deallocate()
    }
}

/// Which block each step writes, per image: a step's output takes the smallest free block that holds it (or a new
/// one), and a block is free again after the last step that reads it. A step that may view its input (a reshape,
/// a channel slice) keeps the input's block alive while its own output is read; the last step's output lives to
/// the end (it is the result). Blocks are never shared by a step's inputs and output.
struct BufferPlan {
    /// Floats per image of each block.
    var blockSizes: [Int] = []
    var blockOfTarget: [Int: Int] = [:]

    init(graph: Graph, steps: [Step]) {
        // The targets whose blocks a node's values may live in: its own, and through views its inputs'.
        var roots: [Int: [Int]] = [:]
        var lastUse: [Int: Int] = [:]
        for (s, step) in steps.enumerated() {
            var own = [step.target]
            if step.kernel.mayViewInput, let first = step.inputs.first { own += roots[first] ?? [] }
            roots[step.target] = own
            for input in step.inputs { for r in roots[input] ?? [] { lastUse[r] = max(lastUse[r] ?? s, s) } }
            lastUse[step.target] = max(lastUse[step.target] ?? s, s)
        }
        if let last = steps.last { for r in roots[last.target] ?? [] { lastUse[r] = steps.count } }
        var free: [Int] = []  // block indices
        var releaseAt: [Int: [Int]] = [:]  // step → blocks free after it
        for (s, step) in steps.enumerated() {
            let size = graph.nodes[step.target].elementCount
            let fit = free.indices.filter { blockSizes[free[$0]] >= size }.min { blockSizes[free[$0]] < blockSizes[free[$1]] }
            let block: Int
            if let fit {
                block = free.remove(at: fit)
            } else {
                block = blockSizes.count
                blockSizes.append(size)
            }
            blockOfTarget[step.target] = block
            releaseAt[lastUse[step.target]!, default: []].append(block)
            free += releaseAt[s] ?? []
        }
    }
}


extension Generator {
    /// `stepSeconds`, when given, gets each step's wall time added (steps.count + 1 entries: the last is the move
    /// of the output into image-major order).
    /// `stop`: checked before every step; once it returns true the pass ends early (the output is then unfinished).
    /// `steps` and `output`: a prefix of the plan and the node whose values are the result (the mapping network),
    /// or with `graph`, another graph's plan and output node (the encoder).
    func run(_ batch: GeneratorInputs, images: Range<Int>, workspace: Workspace, parallelism: Parallelism,
             into out: UnsafeMutablePointer<Float>, stepSeconds: UnsafeMutableBufferPointer<Double>? = nil,
             stop: StopCheck? = nil, steps: [Step]? = nil, output outputNode: Int? = nil, graph: Graph? = nil) {
        let steps = steps ?? self.steps
        let graph = graph ?? self.graph
        let n = images.count, first = images.lowerBound
        var clock = ContinuousClock.now
        func lap(_ i: Int) {
            guard let stepSeconds else { return }
            let now = ContinuousClock.now
            stepSeconds[i] += (now - clock) / .seconds(1)
            clock = now
        }
        // A step whose output is its input unchanged (a reshape that moves nothing) leaves a view for later steps.
        for i in workspace.views.indices { workspace.views[i] = nil }
        func buffer(_ node: Int) -> UnsafeMutablePointer<Float> { workspace.views[node] ?? workspace.buffers[node]! }
        for (stepIndex, step) in steps.enumerated() {
            if let stop, stop() { return }
            defer { lap(stepIndex) }
            var r = StepRun(inputs: step.inputs.map(buffer), output: workspace.buffers[step.target]!, n: n, first: first,
                            batch: batch, spec: inputs, scratch: workspace.scratch, parallelism: parallelism)
            step.kernel.run(&r)
            if let view = r.view { workspace.views[step.target] = view }
        }
        // (C, n, S) → (n, C, S)
        let resultNode = graph.nodes[outputNode ?? graph.output.index]
        let (c, s) = outputNode == nil ? (output.channels, output.height * output.width) : channelsAndSpatial(resultNode.shape)
        let last = buffer(resultNode.index)
        for ch in 0..<c {
            for b in 0..<n { (out + (b * c + ch) * s).update(from: last + (ch * n + b) * s, count: s) }
        }
        lap(steps.count)
    }
}
