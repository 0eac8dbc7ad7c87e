// Which register tile the GEMM runs on this CPU. The tiles carry different numbers of outputs at once but compute
// each one with the same sequence of fused multiply-adds, so every tile gives bit-identical images.

import CKernels

public enum TileKernel: String, Sendable, CaseIterable {
    /// 6 rows × 16 columns in Swift SIMD (AVX2 + FMA on x86-64, NEON on arm64): every machine.
    case portable
    /// Up to 12 rows × 32 columns in AVX-512's 32 registers (CKernels), on CPUs with AVX-512F.
    case avx512

    /// The widest tile this CPU runs.
    public static let fastest: TileKernel = avx512.isAvailable ? .avx512 : .portable

    public var isAvailable: Bool {
        switch self {
        case .portable: true
        case .avx512: TileKernel.cpuHasAVX512
        }
    }

    private static let cpuHasAVX512 = gs_tile_avx512_available() != 0

    /// Row panels (of 6) and column panels (of 16) one call of the tile covers at most.
    var rowPanels: Int { self == .avx512 ? 2 : 1 }
    var columnPanels: Int { self == .avx512 ? 2 : 1 }
}
