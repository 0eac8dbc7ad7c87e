// NumPy's .npy format, version 1.0 (numpy.lib.format): magic, a Python-literal header padded so the data starts
// at a multiple of 64 bytes, then the raw array. The shape is known before the first image, so the header is
// written first and images are appended as they are made; memory stays one batch whatever N is.

import GanImage

/// Header of a C-order array of `shape`: uint8 (`|u1`) or little-endian float32 (`<f4`).
func npyHeader(shape: [Int], descr: String = "|u1") -> [UInt8] {
    let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
    var dict = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(dims)), }"
    let prefix = 10                                   // magic (6) + version (2) + header length (2)
    let unpadded = prefix + dict.utf8.count + 1       // + the closing newline
    dict += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    let length = dict.utf8.count
    return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + Array(dict.utf8)
}

/// An interleaved (H, W, C) image as (C, H, W) planes, the layout PyTorch and the generator use.
func planarBytes(_ image: Image) -> [UInt8] {
    let plane = image.width * image.height, c = image.channels
    if c == 1 { return image.pixels }
    var out = [UInt8](repeating: 0, count: plane * c)
    image.pixels.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
            for i in 0..<plane {
                for k in 0..<c { dst[k * plane + i] = src[i * c + k] }
            }
        }
    }
    return out
}

/// A whole float32 .npy file of `values` in `shape`.
func npyFloat32(_ values: [Float], shape: [Int]) -> [UInt8] {
    var bytes = npyHeader(shape: shape, descr: "<f4")
    bytes.reserveCapacity(bytes.count + values.count * 4)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 } }
    return bytes
}
