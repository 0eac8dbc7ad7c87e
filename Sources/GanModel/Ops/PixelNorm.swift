// pixel_norm: StyleGAN's normalize_2nd_moment, y = x · rsqrt(mean over channels of x² + 1e-8), per image and
// pixel (over the features of a (C) input).

import Foundation

struct PixelNorm: GraphOp {
    static let name = "pixel_norm"
    static let inputCount = 1...1
    init(_ a: NodeAttributes) {}

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape
        guard x.count == 1 || x.count == 3 else { throw c.mismatch("takes (C) or (C, H, W), got \(x)") }
        return NodeSignature(shape: x)
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        let (c, s) = channelsAndSpatial(node.shape)
        return Kernel(channels: c, spatial: s)
    }

    struct Kernel: StepKernel {
        let channels: Int, spatial: Int
        func run(_ r: inout StepRun) {
            let columns = r.n * spatial, x = r.x, y = r.output
            // (C, n·S): one column per image and pixel, summed in channel order.
            for j in 0..<columns {
                var sum: Float = 0
                for c in 0..<channels { let v = x[c * columns + j]; sum += v * v }
                let k = 1 / (sum / Float(channels) + 1e-8).squareRoot()
                for c in 0..<channels { y[c * columns + j] = x[c * columns + j] * k }
            }
        }
    }
}
