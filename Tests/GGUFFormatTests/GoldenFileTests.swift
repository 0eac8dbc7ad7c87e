// A writer output compared byte for byte with a file laid out by hand from the GGUF v3 spec, so the writer
// (and the reader that accepts it) cannot drift together.

import GGUFFormat
import Testing

@Suite struct GoldenFile {
    // One u8 key "a" = 7, one f32 tensor "t" of shape [2] = [1, -2].
    static let golden: [UInt8] = [
        0x47, 0x47, 0x55, 0x46,                          // 0   magic "GGUF"
        0x03, 0x00, 0x00, 0x00,                          // 4   version 3
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 8   tensor_count 1
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 16  metadata_kv_count 1
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 24  key length 1
        0x61,                                            // 32  "a"
        0x00, 0x00, 0x00, 0x00,                          // 33  value type 0 (u8)
        0x07,                                            // 37  7
        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 38  name length 1
        0x74,                                            // 46  "t"
        0x01, 0x00, 0x00, 0x00,                          // 47  n_dims 1
        0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 51  ne[0] 2
        0x00, 0x00, 0x00, 0x00,                          // 59  type 0 (f32)
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // 63  offset 0
    ] + [UInt8](repeating: 0, count: 25)                 // 71  padding to 96
      + [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0] // 96  data: 1.0, -2.0
      + [UInt8](repeating: 0, count: 24)                 // 104 padding after the last tensor, to 128

    @Test func writerMatchesHandLaidOutBytes() {
        var writer = GGUFWriter()
        writer.set("a", .uint8(7))
        writer.addTensor(name: "t", shape: [2], floats: [1, -2], as: .f32)
        #expect(writer.bytes() == Self.golden)
    }

    @Test func readerReadsHandLaidOutBytes() throws {
        let file = try GGUFFile(bytes: Self.golden)
        #expect(file["a"] == .uint8(7))
        #expect(file.dataOffset == 96)
        let t = try #require(file.tensor(named: "t"))
        #expect(t.dims == [2] && t.type == .f32 && t.offset == 0 && t.byteCount == 8 && t.elementCount == 2)
        #expect(try file.floats(of: t) == [1, -2])
    }
}
