// Per-image generator inputs drawn from a seed. Everything an image depends on comes from its own seed,
// never from its position in a batch, so any batch size, thread count or shard gives the same image.
//
// z for seed s:   RandomState(s).randn(zDim)            ("normal")   or RandomState(s).uniform(-1, 1, zDim) ("uniform")
//                 or t · scipy.stats.truncnorm.rvs(-2, 2, size=zDim, random_state=RandomState(s)) in float32
//                 ("truncated_normal", BigGAN-deep's truncated_noise_sample; t the truncation, 1 without one)
// label, codes:   RandomState((s + 2^31) mod 2^32): randint(L), then randint(K_i) per categorical code,
//                 then uniform(-1, 1) per continuous code — a second stream so that asking for a label
//                 never changes z.
// truncation t:   each normal element with |z| > t is redrawn from the same stream until |z| ≤ t; element i is
//                 settled before element i+1 is drawn. t ≥ minimumTruncation, so a draw lands within ±t at
//                 least once in 125 tries on average and no image spins.

public enum LatentDistribution: String, Sendable {
    case normal, uniform
    case truncatedNormal = "truncated_normal"
}

/// The smallest truncation accepted (BigGAN's smallest published one is 0.04).
public let minimumTruncation = 0.01

/// Draws `z` for one seed, as float32 like StyleGAN's `.astype(np.float32)`.
public func latentVector(seed: UInt32, dimension: Int, distribution: LatentDistribution,
                         truncation: Double? = nil) -> [Float] {
    precondition(truncation.map { $0 >= minimumTruncation } ?? true, "truncation below minimumTruncation")
    var rng = LegacyRandomState(seed: seed)
    var z = [Float](repeating: 0, count: dimension)
    for i in 0..<dimension {
        switch distribution {
        case .normal:
            var v = rng.nextGaussian()
            if let t = truncation {
                while abs(v) > t { v = rng.nextGaussian() }
            }
            z[i] = Float(v)
        case .uniform:
            z[i] = Float(rng.nextUniform(-1, 1))
        case .truncatedNormal:
            // scipy draws by inversion, one uniform per value; the float32 value is then scaled in float32.
            z[i] = Float(truncatedNormalQuantile(rng.nextDouble(), low: -2, high: 2)) * Float(truncation ?? 1)
        }
    }
    return z
}

/// The label and InfoGAN codes a seed picks when the user fixes none of them.
public struct DrawnConditions: Equatable, Sendable {
    public var label: Int?
    public var categorical: [Int]
    public var continuous: [Float]
}

public func drawnConditions(seed: UInt32, labelCount: Int, categoricalSizes: [Int],
                            continuousCount: Int) -> DrawnConditions {
    var rng = LegacyRandomState(seed: seed &+ 0x8000_0000)
    let label = labelCount > 0 ? rng.nextInt(below: labelCount) : nil
    let categorical = categoricalSizes.map { rng.nextInt(below: $0) }
    let continuous = (0..<continuousCount).map { _ in Float(rng.nextUniform(-1, 1)) }
    return DrawnConditions(label: label, categorical: categorical, continuous: continuous)
}

/// The standard normal truncated to [low, high] at probability q: Φ⁻¹(Φ(low) + q·(Φ(high) − Φ(low))), the
/// inversion scipy's truncnorm uses. Φ from erfc; Φ⁻¹ by Newton steps from x = 0, which converge to the last bits
/// on this bounded range (Φ is smooth and φ ≥ φ(±high) > 0 there).
public func truncatedNormalQuantile(_ q: Double, low: Double, high: Double) -> Double {
    let cdf = { (x: Double) in 0.5 * _erfc(-x / 2.0.squareRoot()) }
    let target = cdf(low) + q * (cdf(high) - cdf(low))
    var x = 0.0
    for _ in 0..<60 {
        let step = (cdf(x) - target) / (_exp(-0.5 * x * x) / (2 * Double.pi).squareRoot())
        x = min(high, max(low, x - step))
        if abs(step) <= 1e-17 * max(1, abs(x)) { break }
    }
    return x
}
