import Testing
@testable import GanImage

@Suite struct JPEGProbe {
    @Test func mae() throws {
        for q in [75, 90, 95, 100] {
            let j = try encode(Fixtures.redOnBlue, as: .jpeg, options: EncodeOptions(jpegQuality: q))
            let d = try decodeJPEG(j)
            let g = try decodeJPEG(try encode(Fixtures.gray, as: .jpeg, options: EncodeOptions(jpegQuality: q)))
            print(q, j.count, Fixtures.meanAbsoluteError(d, Fixtures.redOnBlue), Fixtures.meanAbsoluteError(g, Fixtures.gray), d.pixels.prefix(18))
        }
    }
}
