// --latents FILE: z vectors drawn or edited elsewhere, as NumPy writes them (np.save of a float32 array of shape
// (N, z_dim), or (z_dim,) for one), used instead of the seeds' z. Read with every length checked before it is
// allocated; anything else is refused with one line naming what the file holds.

import GGUFFormat

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct LatentsFile {
    /// The file's name without its folder, and its SHA-256 (what the PNG text and run record say).
    let name: String, sha256: String
    let rows: Int, dimension: Int
    /// (rows, dimension)
    let values: [Float]
    /// What made the rows, when they came from images rather than a file (interpolate --images).
    var origin: String? = nil

    /// At most this many floats (512 MiB).
    static let valueLimit = 1 << 27

    func row(_ i: Int) -> [Float] { Array(values[(i * dimension)..<((i + 1) * dimension)]) }

    /// What images that use rows `seeds` say about them.
    func describe() -> String {
        origin ?? "\(name) (sha256 \(sha256)): image i's z is row i; labels and codes it does not fix are drawn from seed i"
    }

    static func load(_ path: String, dimension: Int) throws(CLIError) -> LatentsFile {
        try load(path, row: [dimension], option: "--latents")
    }

    /// Rows of shape `row` (e.g. [num_ws, w_dim] for --ws): the file's shape is (N, row…) or `row` for one.
    static func load(_ path: String, row: [Int], option: String) throws(CLIError) -> LatentsFile {
        let dimension = row.reduce(1, *)
        func refuse(_ why: String) -> CLIError { .usage("\(option) '\(terminalSafe(path))': \(why)") }
        let bytes = try readInputFile(path, bytes: 10...(16 + 65_536 + LatentsFile.valueLimit * 4), refuse: refuse,
                                      tooSmall: { "\($0) bytes, too short for a .npy file" },
                                      tooLarge: { "\($0) bytes, more than a .npy of the \(LatentsFile.valueLimit) floats allowed" })
        let size = bytes.count
        guard bytes.starts(with: [0x93] + Array("NUMPY".utf8)) else { throw refuse("not a .npy file (no \\x93NUMPY magic)") }
        let major = bytes[6]
        let (headerLength, start): (Int, Int)
        switch major {
        case 1: (headerLength, start) = (Int(bytes[8]) | Int(bytes[9]) << 8, 10)
        case 2, 3:
            guard size >= 12 else { throw refuse("its header is cut short") }
            (headerLength, start) = (Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24, 12)
        default: throw refuse(".npy format version \(major) is not one NumPy writes (1, 2, 3)")
        }
        guard headerLength <= 65_536, start + headerLength <= size else { throw refuse("its header length \(headerLength) runs past the file") }
        let header = String(decoding: bytes[start..<(start + headerLength)], as: UTF8.self)
        let compact = header.filter { !$0.isWhitespace }
        guard compact.contains("'descr':'<f4'") else {
            let descr = compact.split(separator: "'").dropFirst(3).first.map(String.init) ?? "?"
            throw refuse("holds \(terminalSafe(descr)) values; gansynth reads float32 ('<f4'): save z.astype(numpy.float32)")
        }
        guard compact.contains("'fortran_order':False") else { throw refuse("is in Fortran order; save a C-order array") }
        guard let shapeKey = compact.firstRange(of: "'shape':("),
              let shapeEnd = compact[shapeKey.upperBound...].firstIndex(of: ")") else {
            throw refuse("its header has no shape")
        }
        let shapeText = compact[shapeKey.upperBound..<shapeEnd]
        let dims = shapeText.split(separator: ",").map { Int($0) }
        let wanted = row.map(String.init).joined(separator: ", ")
        if row.count == 1, dims.count == 2 || dims.count == 1, let width = dims.last!, width != dimension {
            throw refuse("has rows of \(width) values; the model's z has \(dimension)")
        }
        guard dims.allSatisfy({ $0 != nil }), dims.count == row.count || dims.count == row.count + 1,
              Array(dims.suffix(row.count).map { $0! }) == row else {
            throw refuse("has shape (\(shapeText)); expected (N, \(wanted)) or (\(wanted)\(row.count == 1 ? "," : ""))")
        }
        let shape = dims.map { $0! }
        let (rows, width) = shape.count == row.count ? (1, dimension) : (shape[0], dimension)
        let rowLimit = LatentsFile.valueLimit / Swift.max(1, width)
        guard rows >= 1, rows <= rowLimit else { throw refuse("has \(rows) rows; 1 to \(rowLimit) allowed") }
        let data = start + headerLength
        guard size - data == rows * width * 4 else {
            throw refuse("holds \(size - data) bytes of data; \(rows) x \(width) float32 values are \(rows * width * 4)")
        }
        var values = [Float](repeating: 0, count: rows * width)
        values.withUnsafeMutableBytes { dst in bytes.withUnsafeBytes { src in dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: src[data...])) } }
        #if _endian(big)
        values = values.map { Float(bitPattern: $0.bitPattern.byteSwapped) }
        #endif
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw refuse("row \(bad / width) holds \(values[bad]), not a finite number")
        }
        return LatentsFile(name: String(path.split(separator: "/").last ?? ""), sha256: sha256Hex(bytes), rows: rows,
                           dimension: width, values: values)
    }
}
