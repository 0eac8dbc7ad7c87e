// The libm functions the latent code needs: log for the Gaussian, erfc and exp for the truncated normal, acos and
// sin for slerp. The platform
// import is kept in this one file so the rest of the module stays free of OS modules.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func _log(_ x: Double) -> Double { log(x) }
@inline(__always) func _erfc(_ x: Double) -> Double { erfc(x) }
@inline(__always) func _exp(_ x: Double) -> Double { exp(x) }
@inline(__always) func _acos(_ x: Double) -> Double { acos(x) }
@inline(__always) func _sin(_ x: Double) -> Double { sin(x) }
