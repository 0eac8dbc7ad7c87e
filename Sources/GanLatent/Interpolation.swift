// Paths between latents. Spherical interpolation is the default for Gaussian latents: a high-dimensional
// standard normal vector almost surely has norm ≈ sqrt(dim), and the straight line between two of them passes
// through vectors of smaller norm (≈ 0.71·sqrt(dim) halfway), which the generator rarely saw in training;
// slerp keeps the norm along the way. Uniform latents fill a cube, so the straight line stays in distribution.
// Endpoints are returned exactly (t = 0 gives a, t = 1 gives b), so a walk starts and ends on the images
// `sample` makes for the same seeds.

public enum InterpolationMode: String, Sendable, CaseIterable {
    case slerp, linear
}

public func interpolate(_ a: [Float], _ b: [Float], t: Double, mode: InterpolationMode) -> [Float] {
    precondition(a.count == b.count, "latents differ in size")
    if t == 0 { return a }
    if t == 1 { return b }
    switch mode {
    case .linear:
        return zip(a, b).map { Float((1 - t) * Double($0) + t * Double($1)) }
    case .slerp:
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y); na += Double(x) * Double(x); nb += Double(y) * Double(y)
        }
        let cosine = na > 0 && nb > 0 ? max(-1, min(1, dot / (na * nb).squareRoot())) : 1
        let theta = _acos(cosine)
        // Nearly parallel vectors: slerp tends to lerp, and sin θ would divide by ~0.
        if theta < 1e-6 { return interpolate(a, b, t: t, mode: .linear) }
        let s = _sin(theta)
        let wa = _sin((1 - t) * theta) / s, wb = _sin(t * theta) / s
        return zip(a, b).map { Float(wa * Double($0) + wb * Double($1)) }
    }
}

/// Evenly spaced t in [0, 1], both ends included (`steps` ≥ 2), or [0] for one step.
public func interpolationSteps(_ steps: Int) -> [Double] {
    steps == 1 ? [0] : (0..<steps).map { Double($0) / Double(steps - 1) }
}
