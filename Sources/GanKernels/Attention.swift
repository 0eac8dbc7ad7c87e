// The pieces of self-attention that are not products: row softmax and the 2×2 max-pool of keys and values.
// Softmax uses the project's own exp (Activation.swift), so attention gives the same bits on every platform.

/// In place on x (rows, columns) row-major: each row becomes softmax(row) = exp(v − max) / Σ exp(v − max).
public func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    for r in 0..<rows {
        let row = x + r * columns
        var peak = -Float.infinity
        for j in 0..<columns { peak = max(peak, row[j]) }
        var sum: Float = 0
        var j = 0
        while j + 16 <= columns {
            var v = Vector()
            for l in 0..<16 { v[l] = row[j + l] - peak }
            let e = fastExp(v)
            for l in 0..<16 { row[j + l] = e[l]; sum += e[l] }
            j += 16
        }
        if j < columns {
            var v = Vector(repeating: -Float.infinity)
            for l in 0..<(columns - j) { v[l] = row[j + l] - peak }
            let e = fastExp(v)
            for l in 0..<(columns - j) { row[j + l] = e[l]; sum += e[l] }
        }
        for j in 0..<columns { row[j] /= sum }
    }
}

/// y (planes, H/2, W/2) = the max of each 2×2 block of x (planes, H, W); H and W even.
public func maxPool2x2(x: UnsafePointer<Float>, planes: Int, height: Int, width: Int, y: UnsafeMutablePointer<Float>) {
    let h2 = height / 2, w2 = width / 2
    for p in 0..<planes {
        let src = x + p * height * width, dst = y + p * h2 * w2
        for i in 0..<h2 {
            for j in 0..<w2 {
                let a = src[2 * i * width + 2 * j], b = src[2 * i * width + 2 * j + 1]
                let c = src[(2 * i + 1) * width + 2 * j], d = src[(2 * i + 1) * width + 2 * j + 1]
                dst[i * w2 + j] = max(max(a, b), max(c, d))
            }
        }
    }
}
