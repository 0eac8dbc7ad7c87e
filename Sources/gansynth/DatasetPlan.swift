// What `gansynth generate` makes, as a pure function of the global image index: its seed, its label and the
// share of the index range a shard owns. Nothing here depends on batches, threads, shards or earlier runs, which
// is what makes shard unions and resumed runs byte-identical to a single run (README "gansynth generate").

import GanLatent
import GanModel

enum LabelMode: Equatable {
    /// No --labels: conditional models draw the label from the seed, as `sample` does.
    case drawn
    /// Image i gets label i mod L.
    case balanced
    /// Every label for every seed: image i is seed i div L with label i mod L.
    case all
    case fixed(Int)
}

enum SeedSource {
    case range(first: UInt32, count: Int)
    case list([UInt32])
    /// --latents: row i is image i's z, and i its seed for what the row does not give (labels, codes).
    case latents(LatentsFile)

    var count: Int {
        switch self {
        case .range(_, let n): n
        case .list(let s): s.count
        case .latents(let file): file.rows
        }
    }

    subscript(i: Int) -> UInt32 {
        switch self {
        case .range(let first, _): first + UInt32(i)
        case .list(let s): s[i]
        case .latents: UInt32(i)
        }
    }

    /// Row i's z for --latents, else nil (the seed's).
    func z(_ i: Int) -> [Float]? {
        if case .latents(let file) = self { return file.row(i) }
        return nil
    }

    var latents: LatentsFile? {
        if case .latents(let file) = self { return file }
        return nil
    }
}

/// `--shard k/N`, k counted from 1.
struct Shard: Equatable {
    var k: Int
    var n: Int

    static let whole = Shard(k: 1, n: 1)

    /// Contiguous slices, so a shard's .npy holds consecutive images and shard files concatenate in order.
    func range(of total: Int) -> Range<Int> {
        (total * (k - 1) / n)..<(total * k / n)
    }
}

struct DatasetPlan {
    let seeds: SeedSource
    let labels: LabelMode
    let labelCount: Int
    let shard: Shard

    /// Images over all shards.
    var total: Int { labels == .all ? seeds.count * labelCount : seeds.count }
    var range: Range<Int> { shard.range(of: total) }

    func seed(at index: Int) -> UInt32 {
        seeds[labels == .all ? index / labelCount : index]
    }

    /// The label the user's choice implies; nil where the seed draws it (or the model has none).
    func chosenLabel(at index: Int) -> Int? {
        switch labels {
        case .drawn: nil
        case .balanced, .all: index % labelCount
        case .fixed(let l): l
        }
    }

    func request(at index: Int) -> ImageRequest {
        var r = ImageRequest(seed: seed(at: index), label: chosenLabel(at: index))
        r.z = seeds.z(labels == .all ? index / labelCount : index)
        return r
    }
}
