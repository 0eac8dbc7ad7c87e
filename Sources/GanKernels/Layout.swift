// Data-movement kernels for the (C, B, S) activation layout (S = H·W, or 1 for feature vectors).
// A reshape in PyTorch is a view of each image's row-major (C·S) elements; in (C, B, S) it moves data.

import CKernels

/// Whether the reshape from (c1, B, s1) to (c2, B, s2) moves data: with one image, or the same spatial size, the
/// output is the input's memory as it is.
public func reshapeMovesData(spatial s1: Int, spatial s2: Int, batch: Int) -> Bool { s1 != s2 && batch > 1 }

/// Per-image row-major `view` from (c1, s1) to (c2, s2) with c1·s1 == c2·s2; x (c1, B, s1) → y (c2, B, s2).
public func reshapeChannelMajor(x: UnsafePointer<Float>, channels c1: Int, spatial s1: Int,
                                y: UnsafeMutablePointer<Float>, channels c2: Int, spatial s2: Int, batch: Int,
                                parallelism: Parallelism = .serial) {
    precondition(c1 * s1 == c2 * s2)
    if !reshapeMovesData(spatial: s1, spatial: s2, batch: batch) {
        y.update(from: x, count: c1 * s1 * batch)
        return
    }
    let io = UncheckedSendable((x, y))
    if s1 == 1 {
        // From feature vectors (a linear layer's output, (F, B)) to maps: the rows f = c·s2 ..< (c + 1)·s2 of x,
        // (s2, B), become channel c's (B, s2).
        parallelism.forEachSlice(of: c2) { channels in
            let (x, y) = io.value
            for c in channels { gs_transpose(x + c * s2 * batch, s2, batch, y + c * batch * s2) }
        }
        return
    }
    if s2 == 1 {
        // From maps to feature vectors: channel c's (B, s1) becomes the rows c·s1 ..< (c + 1)·s1, (s1, B).
        parallelism.forEachSlice(of: c1) { channels in
            let (x, y) = io.value
            for c in channels { gs_transpose(x + c * batch * s1, batch, s1, y + c * s1 * batch) }
        }
        return
    }
    // Walk the destination in order; the source index of feature f is (f / s1, b, f % s1).
    for c in 0..<c2 {
        for b in 0..<batch {
            let out = y + (c * batch + b) * s2
            var f = c * s2
            for s in 0..<s2 {
                out[s] = x[(f / s1 * batch + b) * s1 + f % s1]
                f += 1
            }
        }
    }
}

/// x (C, B, H, W) → y (C, B, H·f, W·f), each pixel repeated f×f.
public func upsampleNearest(x: UnsafePointer<Float>, planes: Int, height: Int, width: Int, factor f: Int,
                            y: UnsafeMutablePointer<Float>) {
    let wo = width * f
    for p in 0..<planes {
        let src = x + p * height * width, dst = y + p * height * width * f * f
        for oy in 0..<(height * f) {
            let row = src + (oy / f) * width, out = dst + oy * wo
            for ox in 0..<wo { out[ox] = row[ox / f] }
        }
    }
}

/// In place on x (C, B·S): x = act(x·scale[c] + shift[c]). Batch norm that could not be folded into a weight.
public func channelAffine(_ x: UnsafeMutablePointer<Float>, channels: Int, perChannel: Int,
                          scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, activation: Activation) {
    for c in 0..<channels {
        applyAffineActivation(x + c * perChannel, count: perChannel, scale: scale[c], shift: shift[c], activation)
    }
}

/// (R, C) row-major → (C, R) row-major; turns batch-major inputs into channel-major ones and back.
public func transpose(_ x: UnsafePointer<Float>, rows: Int, columns: Int, into y: UnsafeMutablePointer<Float>) {
    gs_transpose(x, rows, columns, y)
}
