// IEEE binary16 and bfloat16 conversions for the f16, bf16 and q8_0 tensor types. Swift's Float16 does the
// binary16 work where the platform ships it (not macOS on Intel); the bit-level versions below stand in there
// and are tested against Float16 on every input so the two can never disagree.

#if (os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64)
public func float16Bits(_ x: Float) -> UInt16 { float16BitsSoftware(x) }
public func float16ToFloat(_ bits: UInt16) -> Float { float16ToFloatSoftware(bits) }
#else
/// Rounds to nearest, ties to even; overflow gives ±Inf, NaN stays NaN.
public func float16Bits(_ x: Float) -> UInt16 { Float16(x).bitPattern }
/// Exact: every binary16 value is a Float.
public func float16ToFloat(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }
#endif

/// The top half of the f32 pattern, rounded to nearest even; NaN is kept quiet as ggml's
/// ggml_compute_fp32_to_bf16 does, since plain rounding could carry a NaN's payload into Inf.
public func bfloat16Bits(_ x: Float) -> UInt16 {
    let u = x.bitPattern
    if u & 0x7FFF_FFFF > 0x7F80_0000 { return UInt16(truncatingIfNeeded: u >> 16) | 0x0040 }
    let rounded = u &+ 0x7FFF &+ ((u >> 16) & 1)
    return UInt16(truncatingIfNeeded: rounded >> 16)
}

public func bfloat16ToFloat(_ bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}

func float16BitsSoftware(_ x: Float) -> UInt16 {
    let bits = x.bitPattern
    let sign = UInt16(truncatingIfNeeded: (bits >> 16) & 0x8000)
    let exponent = Int((bits >> 23) & 0xFF)
    let mantissa = bits & 0x7F_FFFF

    if exponent == 0xFF {
        // Keep the payload's top bits and force the quiet bit, as hardware converters do.
        return mantissa == 0 ? sign | 0x7C00 : sign | 0x7E00 | UInt16(truncatingIfNeeded: mantissa >> 13)
    }
    let halfExponent = exponent - 127 + 15
    if halfExponent >= 0x1F { return sign | 0x7C00 }
    if halfExponent <= 0 {
        // Below 2^-25 even the smallest subnormal is more than twice away: the result is a signed zero.
        if halfExponent < -10 { return sign }
        let significand = mantissa | 0x80_0000
        let shift = UInt32(14 - halfExponent)
        return sign | UInt16(roundShift(significand, by: shift))
    }
    // A carry out of the mantissa bumps the exponent, and from the largest finite value reaches Inf: both right.
    let truncated = UInt32(halfExponent) << 10 | mantissa >> 13
    return sign | UInt16(truncated + roundingIncrement(mantissa & 0x1FFF, halfway: 0x1000, odd: truncated & 1))
}

func float16ToFloatSoftware(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = UInt32(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0x1F:
        return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    case 0:
        // Subnormal (or zero): mantissa × 2^-24 is exact in Float.
        return Float(bitPattern: sign | (Float(mantissa) * 0x1p-24).bitPattern)
    default:
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }
}

private func roundShift(_ value: UInt32, by shift: UInt32) -> UInt32 {
    let truncated = value >> shift
    let remainder = value & ((1 << shift) - 1)
    return truncated + roundingIncrement(remainder, halfway: 1 << (shift - 1), odd: truncated & 1)
}

private func roundingIncrement(_ remainder: UInt32, halfway: UInt32, odd: UInt32) -> UInt32 {
    remainder > halfway || (remainder == halfway && odd == 1) ? 1 : 0
}
