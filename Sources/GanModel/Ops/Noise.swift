// noise: StyleGAN's noise injection, y = x + strength · n with one noise plane n (H, W) per image shared by all
// channels. GeneratorInputs.noiseMode picks n: the stored `const` plane (NVlabs' noise_mode='const'),
// RandomState((seed + 0x9E3779B9 · node) mod 2^32).randn(H·W) for the image's noise seed ('random'), or no noise.
// The product strength · n is rounded before the sum, as the reference computes it.

import GanLatent

struct Noise: GraphOp {
    static let name = "noise"
    static let inputCount = 1...1

    init(_ a: NodeAttributes) {}

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape
        guard x.count == 3 else { throw c.mismatch("takes (C, H, W), got \(x)") }
        return NodeSignature(shape: x, tensors: [("const", [x[1], x[2]], false), ("strength", [1], false)])
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        let strength = planner.take(node, "strength")![0]
        let plane = planner.take(node, "const")!.map { $0 * strength }
        return Kernel(constant: plane, strength: strength, channels: node.shape[0], node: node.index)
    }

    struct Kernel: StepKernel {
        /// (S): strength · const
        let constant: [Float]
        let strength: Float
        let channels: Int, node: Int

        func scratchCount(batch: Int) -> Int { constant.count }

        func run(_ r: inout StepRun) {
            let s = constant.count, n = r.n, x = r.x, y = r.output, channels = channels
            func add(_ plane: UnsafePointer<Float>, image b: Int) {
                for c in 0..<channels {
                    let xi = x + (c * n + b) * s, yi = y + (c * n + b) * s
                    for i in 0..<s { yi[i] = xi[i] + plane[i] }
                }
            }
            for b in 0..<n {
                switch r.batch.noiseMode {
                case .none:
                    for c in 0..<channels { (y + (c * n + b) * s).update(from: x + (c * n + b) * s, count: s) }
                case .const:
                    constant.withUnsafeBufferPointer { add($0.baseAddress!, image: b) }
                case .random:
                    let image = r.first + b
                    let seed = r.batch.noiseSeeds.isEmpty ? UInt32(truncatingIfNeeded: image) : r.batch.noiseSeeds[image]
                    var rng = LegacyRandomState(seed: seed &+ 0x9E37_79B9 &* UInt32(truncatingIfNeeded: node))
                    for i in 0..<s { r.scratch[i] = Float(rng.nextGaussian()) * strength }
                    add(r.scratch, image: b)
                }
            }
        }
    }
}
