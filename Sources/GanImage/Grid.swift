// Tiles images into one, with torchvision.utils.make_grid's geometry so grids match the training code's.
// Pure function: no codecs, no model knowledge, no special case for a single image (the CLI decides that).
// One difference from make_grid: gray tiles stay gray (make_grid repeats them to 3 channels).

/// Lays `tiles` out in rows of `columns`, like `torchvision.utils.make_grid(nrow: columns, padding:, pad_value:)`.
///
/// With `n` tiles of `w` x `h`: `cols = min(columns, n)`, `rows = ceil(n / cols)`; the output is
/// `(cols*(w+padding)+padding)` x `(rows*(h+padding)+padding)` filled with `padValue`, and tile `i` is copied
/// to `x = padding + (i % cols)*(w+padding)`, `y = padding + (i / cols)*(h+padding)`. Cells past the last
/// tile stay `padValue`. All tiles must share size and channel count.
public func makeGrid(_ tiles: [Image], columns: Int, padding: Int, padValue: UInt8) -> Image {
    precondition(!tiles.isEmpty, "makeGrid: no tiles")
    precondition(columns >= 1, "makeGrid: columns \(columns) must be at least 1")
    precondition(padding >= 0, "makeGrid: padding \(padding) must not be negative")
    let w = tiles[0].width, h = tiles[0].height, ch = tiles[0].channels
    for (i, t) in tiles.enumerated() {
        precondition(t.width == w && t.height == h && t.channels == ch,
                     "makeGrid: tile \(i) is \(t.width)x\(t.height)x\(t.channels), tile 0 is \(w)x\(h)x\(ch)")
    }
    let n = tiles.count
    let cols = min(columns, n)
    let rows = (n + cols - 1) / cols
    let outW = cols * (w + padding) + padding
    let outH = rows * (h + padding) + padding
    var out = Image(width: outW, height: outH, channels: ch, fill: padValue)
    let tileRow = w * ch, outRow = outW * ch
    if tileRow == 0 || h == 0 { return out }
    out.pixels.withUnsafeMutableBufferPointer { dst in
        for (i, tile) in tiles.enumerated() {
            let x0 = padding + (i % cols) * (w + padding)
            let y0 = padding + (i / cols) * (h + padding)
            tile.pixels.withUnsafeBufferPointer { src in
                for y in 0..<h {
                    (dst.baseAddress! + (y0 + y) * outRow + x0 * ch)
                        .update(from: src.baseAddress! + y * tileRow, count: tileRow)
                }
            }
        }
    }
    return out
}
