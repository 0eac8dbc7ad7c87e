// NumPy's legacy `RandomState` stream: MT19937 seeded by `init_genrand`, its 53-bit doubles, the polar
// Box–Muller Gaussian with its cached second value, and the masked-rejection `randint`.
// Matching it bit for bit is what lets a seed mean the same image here as in the StyleGAN tools
// (`z = np.random.RandomState(seed).randn(z_dim)`). Reference values: Tests/Fixtures/rng.txt, made by numpy.

public struct LegacyRandomState: Sendable {
    private var key = [UInt32](repeating: 0, count: 624)
    private var position = 624
    private var cachedGaussian: Double? = nil

    /// `numpy.random.RandomState(seed)` for an integer seed in 0 ... 2^32 - 1.
    public init(seed: UInt32) {
        var s = seed
        for i in 0..<624 {
            key[i] = s
            s = 1_812_433_253 &* (s ^ (s >> 30)) &+ UInt32(i + 1)
        }
    }

    public mutating func nextUInt32() -> UInt32 {
        if position == 624 { regenerate() }
        var y = key[position]
        position += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9d2c_5680
        y ^= (y << 15) & 0xefc6_0000
        y ^= y >> 18
        return y
    }

    private mutating func regenerate() {
        let upper: UInt32 = 0x8000_0000, lower: UInt32 = 0x7fff_ffff, matrixA: UInt32 = 0x9908_b0df
        for i in 0..<624 {
            let y = (key[i] & upper) | (key[(i + 1) % 624] & lower)
            key[i] = key[(i + 397) % 624] ^ (y >> 1) ^ ((y & 1) == 0 ? 0 : matrixA)
        }
        position = 0
    }

    /// `random_sample()`: 53 random bits scaled into [0, 1).
    public mutating func nextDouble() -> Double {
        let a = Double(nextUInt32() >> 5), b = Double(nextUInt32() >> 6)
        return (a * 67_108_864.0 + b) / 9_007_199_254_740_992.0
    }

    /// `standard_normal()` / `randn()`: the legacy polar method, which yields two values per accepted pair and
    /// hands out the second one on the next call.
    public mutating func nextGaussian() -> Double {
        if let cached = cachedGaussian {
            cachedGaussian = nil
            return cached
        }
        var x1 = 0.0, x2 = 0.0, r2 = 0.0
        repeat {
            x1 = 2.0 * nextDouble() - 1.0
            x2 = 2.0 * nextDouble() - 1.0
            r2 = x1 * x1 + x2 * x2
        } while r2 >= 1.0 || r2 == 0.0
        let f = (-2.0 * _log(r2) / r2).squareRoot()
        cachedGaussian = f * x1
        return f * x2
    }

    /// `uniform(low, high)`.
    public mutating func nextUniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextDouble()
    }

    /// `randint(n)` for 1 ≤ n ≤ 2^32: 32-bit draws masked to the next power of two, rejected until < n.
    public mutating func nextInt(below n: Int) -> Int {
        precondition(n >= 1 && n <= 1 << 32, "randint bound out of range")
        let top = UInt32(n - 1)
        if top == 0 { return 0 }
        var mask = top
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4; mask |= mask >> 8; mask |= mask >> 16
        while true {
            let v = nextUInt32() & mask
            if v <= top { return Int(v) }
        }
    }
}
