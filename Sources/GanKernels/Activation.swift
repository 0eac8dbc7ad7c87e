// Elementwise activations, fused into the epilogues of the matrix kernels. `exp` is our own polynomial so
// that tanh and sigmoid give the same bits on every platform (libm implementations differ in the last ulp)
// and vectorize. Accuracy: relative error of exp below 2e-7 on [-87, 88].

public enum Activation: Equatable, Sendable {
    case identity
    case relu
    case leakyReLU(slope: Float)
    case tanh
    case sigmoid
}

public typealias Vector = SIMD16<Float>

@inline(__always)
public func fastExp(_ x: Vector) -> Vector {
    let log2e: Float = 1.442_695_04, ln2Hi: Float = 0.693_145_751_953_125, ln2Lo: Float = 1.428_606_765_330_187e-06
    // Adding 1.5·2^23 rounds to the nearest integer (ties to even) and leaves it in the low mantissa bits;
    // done with plain arithmetic because the generic SIMD rounding and conversion calls are not inlined.
    let magic: Float = 12_582_912
    var c = x.replacing(with: -87.3, where: x .< -87.3)
    c = c.replacing(with: 88.3, where: c .> 88.3)
    let shifted = c * log2e + magic
    let n = shifted - magic
    var r = c.addingProduct(n, Vector(repeating: -ln2Hi))
    r = r.addingProduct(n, Vector(repeating: -ln2Lo))
    // Taylor coefficients 1/6! … 1/0!; on |r| ≤ ln2/2 the truncation error is below 1.3e-7.
    var p = Vector(repeating: 1.0 / 720.0)
    p = Vector(repeating: 1.0 / 120.0).addingProduct(p, r)
    p = Vector(repeating: 1.0 / 24.0).addingProduct(p, r)
    p = Vector(repeating: 1.0 / 6.0).addingProduct(p, r)
    p = Vector(repeating: 0.5).addingProduct(p, r)
    p = Vector(repeating: 1.0).addingProduct(p, r)
    p = Vector(repeating: 1.0).addingProduct(p, r)
    let exponent = unsafeBitCast(shifted, to: SIMD16<UInt32>.self) &- 0x4B40_0000 &+ 127
    return p * unsafeBitCast(exponent &<< 23, to: Vector.self)
}

@inline(__always)
public func activate(_ x: Vector, _ activation: Activation) -> Vector {
    switch activation {
    case .identity:
        return x
    case .relu:
        return x.replacing(with: 0, where: x .< 0)
    case .leakyReLU(let slope):
        return x.replacing(with: x * slope, where: x .< 0)
    case .tanh:
        let t = fastExp(-2 * x.replacing(with: -x, where: x .< 0))
        let y = (1 - t) / (1 + t)
        return y.replacing(with: -y, where: x .< 0)
    case .sigmoid:
        return 1 / (1 + fastExp(-x))
    }
}

/// The same function on one value, bit-identical to a lane of the vector form.
@inline(__always)
public func activate(_ x: Float, _ activation: Activation) -> Float {
    activate(Vector(repeating: x), activation)[0]
}

/// Applies `activation` in place to `count` floats.
public func applyActivation(_ data: UnsafeMutablePointer<Float>, count: Int, _ activation: Activation) {
    if activation == .identity { return }
    applyAffineActivation(data, count: count, scale: 1, shift: 0, activation)
}

/// In place: x = act(x·scale + shift), sixteen at a time (x·1 + 0 is exactly x, so this also serves plain
/// activations and bias additions).
public func applyAffineActivation(_ data: UnsafeMutablePointer<Float>, count: Int, scale: Float, shift: Float,
                                  _ activation: Activation) {
    var i = 0
    let raw = UnsafeMutableRawPointer(data)
    while i + 16 <= count {
        let v = raw.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)
        raw.storeBytes(of: activate(v * scale + shift, activation), toByteOffset: i * 4, as: Vector.self)
        i += 16
    }
    if i < count {
        // The ragged end goes through a zero-padded vector: the same instructions as a full one.
        var v = Vector()
        for j in i..<count { v[j - i] = data[j] }
        let r = activate(v * scale + shift, activation)
        for j in i..<count { data[j] = r[j - i] }
    }
}

/// StyleGAN's bias_act on `count` floats: y = clamp(lrelu(x + bias) · gain, ±clamp), each step rounded to f32;
/// `slope` 1 is linear, `gain` 1 and `clamp` < 0 skip those steps. Sixteen at a time, the ragged end through a
/// zero-padded vector: the same operations on every value.
public func biasActivate(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, bias: Float,
                         slope: Float, gain: Float, clamp: Float) {
    let b = Vector(repeating: bias), s = Vector(repeating: slope), g = Vector(repeating: gain)
    let low = Vector(repeating: -clamp), high = Vector(repeating: clamp)
    let useGain = gain != 1, useClamp = clamp >= 0
    @inline(__always) func apply(_ x: Vector) -> Vector {
        var v = x + b
        v = v.replacing(with: v * s, where: v .< 0)
        if useGain { v = v * g }
        if useClamp { v = v.replacing(with: low, where: v .< low).replacing(with: high, where: v .> high) }
        return v
    }
    let src = UnsafeRawPointer(x), dst = UnsafeMutableRawPointer(y)
    var i = 0
    while i + 16 <= count {
        dst.storeBytes(of: apply(src.loadUnaligned(fromByteOffset: i * 4, as: Vector.self)), toByteOffset: i * 4, as: Vector.self)
        i += 16
    }
    if i < count {
        var v = Vector()
        for j in i..<count { v[j - i] = x[j] }
        let r = apply(v)
        for j in i..<count { y[j] = r[j - i] }
    }
}
