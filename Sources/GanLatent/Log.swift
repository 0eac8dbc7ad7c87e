// glibc's and Apple's `log` are both correctly rounded for the Gaussian's argument range in practice, but the
// platform import is kept in this one file so the rest of the module stays free of OS modules.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) func _log(_ x: Double) -> Double { log(x) }
