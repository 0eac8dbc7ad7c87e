// What `Generator.generate` checks of the inputs it is given before any kernel runs: a library caller's
// out-of-range label or short array is an error naming the image and the numbers, never a write past a buffer.

public enum GeneratorInputError: Error, Equatable, Sendable, CustomStringConvertible {
    case count(Int)
    case size(array: String, expected: Int, found: Int)
    case label(image: Int, value: Int, labels: Int)
    case categorical(image: Int, code: Int, value: Int, size: Int)
    case notFinite(array: String, index: Int)
    case truncation(Double)
    case truncationPsi(Double)
    case noWSpace
    case noEncoder

    public var description: String {
        switch self {
        case .count(let n): "the batch has \(n) images; it must have at least 0"
        case let .size(array, expected, found): "\(array) has \(found) values; \(expected) expected"
        case let .label(image, value, labels): "image \(image) has label \(value); the model's labels are 0 to \(labels - 1)"
        case let .categorical(image, code, value, size):
            "image \(image) has value \(value) for categorical code \(code); it takes 0 to \(size - 1)"
        case let .notFinite(array, index): "\(array)[\(index)] is not a finite number"
        case let .truncation(t): "truncation \(t) is outside (0, 1], the range this model stores batch-norm statistics for"
        case let .truncationPsi(psi): "truncation psi \(psi) is not a finite number from -10 to 10"
        case .noWSpace: "W latents were given, but the model has no w_truncation node to take them"
        case .noEncoder: "the model has no encoder (gansynth.encoder.*): only a BiGAN file maps images to latents"
        }
    }
}

extension Generator {
    /// Throws unless every array has its size for `batch.count` images and every label and code is in range.
    public func check(_ batch: GeneratorInputs) throws(GeneratorInputError) {
        let n = batch.count
        guard n >= 0 else { throw .count(n) }
        func size(_ name: String, _ count: Int, _ per: Int) throws(GeneratorInputError) {
            guard count == n * per else { throw .size(array: name, expected: n * per, found: count) }
        }
        func finite(_ name: String, _ values: [Float]) throws(GeneratorInputError) {
            if let i = values.firstIndex(where: { !$0.isFinite }) { throw .notFinite(array: name, index: i) }
        }
        try size("z", batch.z.count, inputs.zDimension)
        try finite("z", batch.z)
        let l = inputs.labels.count
        if batch.labelWeights.isEmpty {
            try size("labels", batch.labels.count, inputs.isConditional ? 1 : 0)
            for (i, label) in batch.labels.enumerated() where !(0..<l).contains(label) {
                throw .label(image: i, value: label, labels: l)
            }
        } else {
            try size("labelWeights", batch.labelWeights.count, l)
            try finite("labelWeights", batch.labelWeights)
        }
        let k = inputs.categoricalSizes.count
        if batch.categoricalWeights.isEmpty {
            try size("categorical", batch.categorical.count, k)
            for (j, value) in batch.categorical.enumerated() where !(0..<inputs.categoricalSizes[j % k]).contains(value) {
                throw .categorical(image: j / k, code: j % k, value: value, size: inputs.categoricalSizes[j % k])
            }
        } else {
            try size("categoricalWeights", batch.categoricalWeights.count, inputs.categoricalSizes.reduce(0, +))
            try finite("categoricalWeights", batch.categoricalWeights)
        }
        try size("continuous", batch.continuous.count, inputs.continuousCount)
        try finite("continuous", batch.continuous)
        if usesTruncation, !(batch.truncation > 0 && batch.truncation <= 1) { throw .truncation(batch.truncation) }
        guard batch.truncationPsi.isFinite, abs(batch.truncationPsi) <= 10 else { throw .truncationPsi(batch.truncationPsi) }
        if !batch.noiseSeeds.isEmpty { try size("noiseSeeds", batch.noiseSeeds.count, 1) }
        if !batch.ws.isEmpty {
            guard let w = wSpace else { throw .noWSpace }
            try size("ws", batch.ws.count, w.count * w.dimension)
            try finite("ws", batch.ws)
        }
    }
}
