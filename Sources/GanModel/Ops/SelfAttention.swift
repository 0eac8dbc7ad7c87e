// self_attention (SAGAN, as BigGAN uses it), on x (C, H, W) with H and W even, S = H·W:
//   θ = theta·x (Ck, S),  φ = maxpool2x2(phi·x) (Ck, S/4),  g = maxpool2x2(g·x) (Cv, S/4)   (1×1 convolutions)
//   β = softmax over keys of θᵀφ (S, S/4),  o = o·(g βᵀ) (C, S),  y = γ·o + x
// Tensors are PyTorch's 1×1 conv weights (out, in, 1, 1), optional biases, and γ (1).

import GanKernels

struct SelfAttention: GraphOp {
    static let name = "self_attention"
    static let inputCount = 1...1
    let keyChannels: Int, valueChannels: Int

    init(_ a: NodeAttributes) throws(ModelError) {
        keyChannels = try a.int("key_channels", in: 1...65536)
        valueChannels = try a.int("value_channels", in: 1...65536)
    }

    var summary: String { "self_attention keys \(keyChannels) values \(valueChannels)" }

    func signature(_ inputs: [Node], _ c: SignatureContext) throws(ModelError) -> NodeSignature {
        let x = inputs[0].shape
        guard x.count == 3, x[1] % 2 == 0, x[2] % 2 == 0 else {
            throw c.mismatch("expects (C, H, W) with H and W even (keys and values are 2x2 max-pooled), got \(x)")
        }
        let (ch, s) = (x[0], x[1] * x[2])
        // The attention map is S × S/4 per image: bounded like an activation.
        guard s * (s / 4) <= maximumActivationElements else {
            throw c.mismatch("its attention map (\(s) x \(s / 4)) has more than \(maximumActivationElements) values")
        }
        let conv = { (name: String, out: Int, inp: Int) -> [(suffix: String, shape: [Int], optional: Bool)] in
            [("\(name).weight", [out, inp, 1, 1], false), ("\(name).bias", [out], true)]
        }
        let macs = s * ch * (2 * keyChannels + valueChannels) + s * (s / 4) * (keyChannels + valueChannels) + s * valueChannels * ch
        return NodeSignature(shape: x, tensors: conv("theta", keyChannels, ch) + conv("phi", keyChannels, ch)
                                 + conv("g", valueChannels, ch) + conv("o", ch, valueChannels) + [("gamma", [1], false)],
                             macs: macs)
    }

    func plan(_ node: Node, _ planner: inout StepPlanner) -> any StepKernel {
        let ch = node.shape[0], parallelism = planner.parallelism
        func conv(_ name: String, _ out: Int, _ inp: Int, _ planner: inout StepPlanner) -> (PackedMatrix, [Float]) {
            (PackedMatrix(planner.take(node, name + ".weight")!, rows: out, columns: inp, parallelism: parallelism),
             planner.take(node, name + ".bias") ?? [Float](repeating: 0, count: out))
        }
        return Kernel(theta: conv("theta", keyChannels, ch, &planner), phi: conv("phi", keyChannels, ch, &planner),
                      g: conv("g", valueChannels, ch, &planner), o: conv("o", ch, valueChannels, &planner),
                      gamma: planner.take(node, "gamma")![0], shape: node.shape)
    }

    struct Kernel: StepKernel {
        /// 1×1 convolutions as (out, in) matrices and their biases.
        let theta: (PackedMatrix, [Float]), phi: (PackedMatrix, [Float]), g: (PackedMatrix, [Float]), o: (PackedMatrix, [Float])
        let gamma: Float
        let shape: [Int]

        var keys: Int { theta.0.rows }
        var values: Int { g.0.rows }

        /// Offsets into scratch (floats) for a chunk of `n` images.
        func layout(_ n: Int) -> (theta: Int, full: Int, phi: Int, g: Int, attended: Int, perImage: Int, end: Int) {
            let s = shape[1] * shape[2], q = s / 4
            let theta = 0, full = theta + keys * n * s, phi = full + max(keys, values, shape[0]) * n * s
            let g = phi + keys * n * q, attended = g + values * n * q, perImage = attended + values * n * s
            // per image: θᵀ (S, Ck), β (S, S/4), βᵀ (S/4, S), g_b (Cv, S/4)
            return (theta, full, phi, g, attended, perImage, perImage + s * keys + 2 * s * q + values * q)
        }

        func scratchCount(batch: Int) -> Int { layout(batch).end }

        func run(_ r: inout StepRun) {
            let n = r.n, ch = shape[0], h = shape[1], w = shape[2], s = h * w, q = s / 4, par = r.parallelism
            let at = layout(n), scratch = r.scratch, x = UnsafePointer(r.x)
            func conv(_ m: (PackedMatrix, [Float]), _ input: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
                // A 1×1 convolution of (in, n·S) activations is one product over all the chunk's pixels.
                m.1.withUnsafeBufferPointer { b in
                    gemm(m.0, n: n * s, b: input, ldb: n * s, c: out, ldc: n * s, bias: b.baseAddress!, activation: .identity,
                         parallelism: par)
                }
            }
            let thetaOut = scratch + at.theta, full = scratch + at.full
            let phiPooled = scratch + at.phi, gPooled = scratch + at.g, attended = scratch + at.attended
            conv(theta, x, thetaOut)
            conv(phi, x, full)
            maxPool2x2(x: full, planes: keys * n, height: h, width: w, y: phiPooled)
            conv(g, x, full)
            maxPool2x2(x: full, planes: values * n, height: h, width: w, y: gPooled)
            let thetaT = scratch + at.perImage, beta = thetaT + s * keys, betaT = beta + s * q, gImage = betaT + q * s
            for b in 0..<n {
                // θ_bᵀ (S, Ck): image b's rows of θ, transposed.
                for c in 0..<keys { for p in 0..<s { thetaT[p * keys + c] = thetaOut[(c * n + b) * s + p] } }
                // β (S, S/4) = θ_bᵀ φ_b, then softmax over the keys.
                gemm(GEMMOperands(m: s, n: q, k: keys, a: thetaT, b: phiPooled + b * q, ldb: n * q, c: beta, ldc: q,
                                  bias: nil, activation: .identity), parallelism: par)
                softmaxRows(beta, rows: s, columns: q)
                transpose(beta, rows: s, columns: q, into: betaT)
                for c in 0..<values { (gImage + c * q).update(from: gPooled + (c * n + b) * q, count: q) }
                // (g βᵀ) (Cv, S) into image b's columns of `attended` (Cv, n, S).
                gemm(GEMMOperands(m: values, n: s, k: q, a: gImage, b: betaT, ldb: s, c: attended + b * s, ldc: n * s,
                                  bias: nil, activation: .identity), parallelism: par)
            }
            conv(o, attended, full)
            let y = r.output
            for i in 0..<(ch * n * s) { y[i] = gamma * full[i] + x[i] }
        }
    }
}
