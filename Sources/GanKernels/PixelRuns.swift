// The columns of one B panel of a sub-pixel phase, as runs of neighbouring pixels of one image row. Column j of an
// (images, H, W) grid is pixel (j / HW, j % HW / W, j % W); 16 columns cross at most a few row ends, so per run
// (not per lane) the phases find which lanes a shifted read keeps and where each lane's output goes: one division
// per panel instead of a few per lane (they were a tenth of the tiled loop's own time).

struct PixelRuns {
    var count = 0
    /// Run i covers lanes first[i] ..< first[i] + length[i]: pixels (image[i], row[i], column[i] + l).
    var first = InlineArray<16, Int>(repeating: 0), length = InlineArray<16, Int>(repeating: 0)
    var image = InlineArray<16, Int>(repeating: 0), row = InlineArray<16, Int>(repeating: 0)
    var column = InlineArray<16, Int>(repeating: 0)

    /// Columns j0 ..< j0 + lanes of an (images, height, width) grid.
    @inline(__always)
    init(from j0: Int, lanes: Int, height: Int, width: Int) {
        let plane = height * width
        var b = j0 / plane, y = j0 % plane / width, x = j0 % width, lane = 0
        while lane < lanes {
            let n = min(width - x, lanes - lane)
            first[count] = lane; length[count] = n; image[count] = b; row[count] = y; column[count] = x
            count += 1
            lane += n
            x += n
            if x == width { x = 0; y += 1; if y == height { y = 0; b += 1 } }
        }
    }

    /// Bit `lane` set where that lane's pixel shifted by (dy, dx) lies inside its height × width image.
    @inline(__always)
    func keep(dy: Int, dx: Int, height: Int, width: Int) -> UInt32 {
        var bits: UInt32 = 0
        for i in 0..<count where row[i] + dy >= 0 && row[i] + dy < height {
            let low = max(0, -dx - column[i]), high = min(length[i], width - dx - column[i])
            if high > low { bits |= ((1 << UInt32(high)) - (1 << UInt32(low))) << UInt32(first[i]) }
        }
        return bits
    }
}
