// w_truncation: StyleGAN's boundary between the mapping and the synthesis network. It broadcasts the mapped w
// (w_dim) to num_ws rows and truncates rows 0 ..< cutoff toward the stored w_avg:
//   w'[k] = lerp(w_avg, w, psi) for k < cutoff (every row when no cutoff), else w,
// with PyTorch's lerp, a + psi·(b − a) when |psi| < 0.5 and b − (b − a)·(1 − psi) otherwise (psi and cutoff from
// GeneratorInputs). When GeneratorInputs.ws is given, its rows are the output as they are, so a synthesis can be
// driven by W latents made elsewhere (projections, mixes, walks in W). Output: (num_ws · w_dim), row-major.

import GanKernels

struct WTruncation: GraphOp {
    static let name = "w_truncation"
    static let inputCount = 1...1
    let count: Int

    init(_ a: NodeAttributes) throws(ModelError) { count = try a.int("num_ws", in: 1...64) }
    var summary: String { "w_truncation x\(count)" }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape
        guard x.count == 1 else { throw c.mismatch("takes a (w_dim) input, got \(x)") }
        return NodeSignature(shape: [count * x[0]], tensors: [("w_avg", [x[0]], false)])
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        Kernel(average: planner.take(node, "w_avg")!, count: count)
    }

    struct Kernel: StepKernel {
        /// (w_dim)
        let average: [Float]
        let count: Int

        func run(_ r: inout StepRun) {
            let d = average.count, n = r.n, x = r.x, y = r.output
            // Layouts: x (d, n), y (count·d, n).
            if !r.batch.ws.isEmpty {
                r.batch.ws.withUnsafeBufferPointer { ws in
                    transpose(ws.baseAddress! + r.first * count * d, rows: n, columns: count * d, into: y)
                }
                return
            }
            let psi = Float(r.batch.truncationPsi)
            // psi 1 leaves every row as it is (the reference skips the lerp then).
            let cutoff = psi == 1 ? 0 : min(r.batch.truncationCutoff ?? count, count)
            for k in 0..<count {
                for i in 0..<d {
                    let a = average[i]
                    for b in 0..<n {
                        let w = x[i * n + b]
                        y[(k * d + i) * n + b] = k < cutoff ? lerp(a, w, psi) : w
                    }
                }
            }
        }
    }
}

/// torch.lerp's formula for one value.
@inline(__always) func lerp(_ a: Float, _ b: Float, _ t: Float) -> Float {
    abs(t) < 0.5 ? a + t * (b - a) : b - (b - a) * (1 - t)
}
