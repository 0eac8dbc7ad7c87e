// The pieces of self-attention that are not products: row softmax and the 2×2 max-pool of keys and values.
// Softmax uses the project's own exp (Activation.swift), so attention gives the same bits on every platform.

/// In place on x (rows, columns) row-major: each row becomes softmax(row) = exp(v − max) / Σ exp(v − max).
public func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int) {
    let full = columns / 16 * 16
    for r in 0..<rows {
        let row = x + r * columns, raw = UnsafeMutableRawPointer(row)
        var peaks = Vector(repeating: -Float.infinity)
        var j = 0
        while j < full { peaks = pointwiseMax(peaks, raw.loadUnaligned(fromByteOffset: j * 4, as: Vector.self)); j += 16 }
        var peak = peaks.max()
        for j in full..<columns { peak = max(peak, row[j]) }
        // Lane sums, then the lanes in order, then the tail: a fixed order whatever the row's position.
        var sums = Vector()
        j = 0
        while j < full {
            let e = fastExp(raw.loadUnaligned(fromByteOffset: j * 4, as: Vector.self) - peak)
            raw.storeBytes(of: e, toByteOffset: j * 4, as: Vector.self)
            sums += e
            j += 16
        }
        var sum = sums.sum()
        if full < columns {
            var v = Vector(repeating: -Float.infinity)
            for l in 0..<(columns - full) { v[l] = row[full + l] - peak }
            let e = fastExp(v)
            for l in 0..<(columns - full) { row[full + l] = e[l]; sum += e[l] }
        }
        let scale = Vector(repeating: sum)
        j = 0
        while j < full {
            raw.storeBytes(of: raw.loadUnaligned(fromByteOffset: j * 4, as: Vector.self) / scale, toByteOffset: j * 4, as: Vector.self)
            j += 16
        }
        for j in full..<columns { row[j] /= sum }
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
