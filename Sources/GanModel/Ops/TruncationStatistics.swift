// Batch-norm statistics chosen by the truncation, as BigGAN-deep stores them: `stats_count` K ≥ 2 rows of
// running_mean and running_var (K, C), row i measured at truncation i/(K−1). For truncation t (0 < t ≤ 1):
//   coef, i = modf(t / (1/(K−1)));  stats = row i·coef + row i+1·(1 − coef)  if coef ≠ 0, else row i
// in double precision up to the weights, float32 after: pytorch-pretrained-biggan's BigGANBatchNorm exactly, its
// weights included (row i gets coef, not 1 − coef). K = 1 is one stored row.

struct BatchNormStatistics: Sendable {
    let count: Int
    /// (K, C)
    let means: [Float], variances: [Float]
    let channels: Int

    /// `stats_count`, 1 to 1024; shapes of the two tensors for C channels.
    static func count(_ a: NodeAttributes) throws(ModelError) -> Int { try a.int("stats_count", default: 1, in: 1...1024) }
    static func tensors(count: Int, channels: Int) -> [(suffix: String, shape: [Int], optional: Bool)] {
        let shape = count == 1 ? [channels] : [count, channels]
        return [("running_mean", shape, false), ("running_var", shape, false)]
    }

    /// Mean and variance per channel at truncation `t`, in float32 as the reference computes them.
    func at(truncation t: Double) -> (mean: [Float], variance: [Float]) {
        guard count > 1 else { return (means, variances) }
        let position = t / (1.0 / Double(count - 1))
        let start = min(Int(position.rounded(.down)), count - 1)
        let coef = position - Double(start)
        func row(_ values: [Float]) -> [Float] {
            let a = values[(start * channels)..<((start + 1) * channels)]
            guard coef != 0, start + 1 < count else { return Array(a) }
            let b = values[((start + 1) * channels)..<((start + 2) * channels)]
            let (ca, cb) = (Float(coef), Float(1 - coef))
            return zip(a, b).map { x, y in
                let (p, q) = (x * ca, y * cb)  // two products, then their sum: no fused multiply-add
                return p + q
            }
        }
        return (row(means), row(variances))
    }
}
