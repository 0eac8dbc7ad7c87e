// upfirdn2d: StyleGAN's FIR resampling (upsample by zero insertion, pad, filter), per channel plane:
//   u[Y, X] = x[Y / up, X / up] when up divides Y and X, else 0          (H·up × W·up)
//   y[oy, ox] = Σ_ky Σ_kx filter[ky, kx] · u[oy + ky − pad0, ox + kx − pad0]   (u is 0 outside)
// Output H·up + pad0 + pad1 − fh + 1 (and the same across). The stored filter is applied as a correlation: a
// converter stores the reference's filter already flipped and scaled by its gain.

import GanKernels

struct FIRFilter: GraphOp {
    static let name = "upfirdn2d"
    static let inputCount = 1...1
    let up: Int, pad0: Int, pad1: Int, size: Int

    init(_ a: NodeAttributes) throws(ModelError) {
        up = try a.int("up", default: 1, in: 1...4)
        size = try a.int("filter_size", in: 1...8)
        pad0 = try a.int("pad0", default: 0, in: 0...8)
        pad1 = try a.int("pad1", default: 0, in: 0...8)
    }
    var summary: String { "upfirdn2d up\(up) f\(size) pad \(pad0),\(pad1)" }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape
        guard x.count == 3 else { throw c.mismatch("takes (C, H, W), got \(x)") }
        let (h, w) = (x[1] * up + pad0 + pad1 - size + 1, x[2] * up + pad0 + pad1 - size + 1)
        guard h >= 1, w >= 1 else { throw c.mismatch("a \(size)x\(size) filter on \(x) upsampled \(up)x leaves no output") }
        return NodeSignature(shape: [x[0], h, w], tensors: [("filter", [size, size], false)],
                             macs: x[0] * h * w * size * size / (up * up))
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        let x = planner.graph.nodes[node.inputs[0]].shape
        return Kernel(filter: planner.take(node, "filter")!, up: up, pad: pad0, size: size, channels: x[0],
                      inHeight: x[1], inWidth: x[2], outHeight: node.shape[1], outWidth: node.shape[2])
    }

    struct Kernel: StepKernel {
        /// (size, size)
        let filter: [Float]
        let up: Int, pad: Int, size: Int, channels: Int
        let inHeight: Int, inWidth: Int, outHeight: Int, outWidth: Int

        func run(_ r: inout StepRun) {
            let planes = channels * r.n
            let io = UncheckedSendable((r.x, r.output))
            filter.withUnsafeBufferPointer { f in
                let f = UncheckedSendable(f.baseAddress!)
                r.parallelism.forEachSlice(of: planes) { range in
                    let (x, y) = io.value
                    for p in range {
                        filterPlane(x + p * inHeight * inWidth, y + p * outHeight * outWidth, f.value)
                    }
                }
            }
        }

        /// One (H, W) plane into one (Ho, Wo) plane; each output sums its taps in (ky, kx) order.
        private func filterPlane(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ f: UnsafePointer<Float>) {
            let (uh, uw) = (inHeight * up, inWidth * up)
            for oy in 0..<outHeight {
                let row = y + oy * outWidth
                row.update(repeating: 0, count: outWidth)
                for ky in 0..<size {
                    let uy = oy + ky - pad
                    guard uy >= 0, uy < uh, uy % up == 0 else { continue }
                    let xrow = x + (uy / up) * inWidth
                    for kx in 0..<size {
                        let tap = f[ky * size + kx]
                        // Outputs ox whose tap lands inside u: 0 ≤ ox + kx − pad < uw.
                        let lo = max(0, pad - kx), hi = min(outWidth, uw + pad - kx)
                        if up == 1 {
                            let shifted = xrow + (kx - pad)
                            for ox in lo..<max(lo, hi) { row[ox] += tap * shifted[ox] }
                        } else {
                            var ox = lo
                            while ox < hi {
                                let ux = ox + kx - pad
                                if ux % up == 0 { row[ox] += tap * xrow[ux / up] }
                                ox += 1
                            }
                        }
                    }
                }
            }
        }
    }
}
