// binary16 and bfloat16 conversions: the bit-level binary16 code (used where Swift has no Float16) checked
// against Float16 on every half value and every rounding boundary, and bfloat16 rounding on hand-picked cases.

@testable import GGUFFormat
import Testing

@Suite struct HalfPrecision {
    #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
    @Test func softwareDecodeMatchesFloat16OnEveryValue() {
        for bits in 0...UInt16.max {
            let expected = Float(Float16(bitPattern: bits))
            let actual = float16ToFloatSoftware(bits)
            if expected.isNaN {
                #expect(actual.isNaN, "\(bits)")
            } else if actual.bitPattern != expected.bitPattern {
                Issue.record("0x\(String(bits, radix: 16)): \(actual) != \(expected)")
            }
        }
    }

    @Test func softwareEncodeMatchesFloat16AtEveryRoundingBoundary() {
        // Each half value, each midpoint to the next one (the ties) and the floats either side of them.
        var inputs: [Float] = [.infinity, -.infinity, .greatestFiniteMagnitude, 65520, 65519.996, 1e-8, -1e-8]
        for bits in 0..<UInt16(0x7C00) {
            let low = Float(Float16(bitPattern: bits))
            let high = Float(Float16(bitPattern: bits + 1))
            let mid = (low + high) / 2
            for x in [low, mid, mid.nextDown, mid.nextUp] { inputs += [x, -x] }
        }
        var mismatches = 0
        for x in inputs where float16BitsSoftware(x) != Float16(x).bitPattern {
            mismatches += 1
            if mismatches <= 5 { Issue.record("\(x): \(float16BitsSoftware(x)) != \(Float16(x).bitPattern)") }
        }
        #expect(mismatches == 0)
        #expect(Float16(bitPattern: float16BitsSoftware(.nan)).isNaN)
        #expect(Float16(bitPattern: float16BitsSoftware(Float(bitPattern: 0x7F80_0001))).isNaN)
    }
    #endif

    @Test func float16Landmarks() {
        #expect(float16Bits(1) == 0x3C00)
        #expect(float16Bits(-2) == 0xC000)
        #expect(float16Bits(65504) == 0x7BFF)
        #expect(float16Bits(65520) == 0x7C00)  // halfway to the next binade rounds to even: Inf
        #expect(float16Bits(0x1p-24) == 0x0001)  // smallest subnormal
        #expect(float16Bits(0x1p-25) == 0x0000)  // tie to even: zero
        #expect(float16Bits(0x1.8p-24) == 0x0002)  // tie to even: 2
        #expect(float16ToFloat(0x0001) == 0x1p-24)
        #expect(float16ToFloat(0x7C00) == .infinity)
        #expect(float16ToFloat(0x7E00).isNaN)
        #expect(float16ToFloat(0x8000).bitPattern == (-0.0 as Float).bitPattern)
    }

    @Test func bfloat16Rounding() {
        #expect(bfloat16Bits(1) == 0x3F80)
        #expect(bfloat16Bits(Float(bitPattern: 0x3F80_8000)) == 0x3F80)  // tie, even stays
        #expect(bfloat16Bits(Float(bitPattern: 0x3F81_8000)) == 0x3F82)  // tie, odd rounds up
        #expect(bfloat16Bits(Float(bitPattern: 0x3F80_8001)) == 0x3F81)
        #expect(bfloat16Bits(.greatestFiniteMagnitude) == 0x7F80)
        #expect(bfloat16Bits(-.infinity) == 0xFF80)
        // A NaN whose payload sits only in the low bits must not round into Inf.
        #expect(bfloat16ToFloat(bfloat16Bits(Float(bitPattern: 0x7F80_0001))).isNaN)
        #expect(bfloat16ToFloat(0x4049) == 3.140625)
    }
}
