// `--seeds 0-7,100`: comma-separated seeds and inclusive ranges, in the order written (repeats allowed:
// the user asked for them). Seeds are NumPy seeds, 0 ... 2^32 - 1.

public struct SeedListError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
}

public let maximumSeed: UInt64 = 0xFFFF_FFFF

public func parseSeedList(_ text: String, limit: Int) throws(SeedListError) -> [UInt32] {
    var seeds: [UInt32] = []
    for item in text.split(separator: ",", omittingEmptySubsequences: false) {
        let part = item.trimmingWhitespace()
        guard !part.isEmpty else {
            throw SeedListError(description: "empty item in seed list '\(text)'; write e.g. 0-7,100")
        }
        let bounds = part.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        let low = try parseSeed(bounds[0], in: text)
        let high = bounds.count == 2 ? try parseSeed(bounds[1], in: text) : low
        guard low <= high else {
            throw SeedListError(description: "seed range '\(part)' runs backwards; write \(high)-\(low)")
        }
        guard UInt64(seeds.count) + UInt64(high - low) + 1 <= UInt64(limit) else {
            throw SeedListError(description: "seed list '\(text)' names more than \(limit) images")
        }
        for s in low...high { seeds.append(s) }
    }
    return seeds
}

private func parseSeed(_ s: Substring, in text: String) throws(SeedListError) -> UInt32 {
    let t = s.trimmingWhitespace()
    guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }) else {
        throw SeedListError(description: "'\(t)' in seed list '\(text)' is not a seed (0 to \(maximumSeed))")
    }
    guard let v = UInt64(t), v <= maximumSeed else {
        throw SeedListError(description: "seed \(t) is out of range; seeds go from 0 to \(maximumSeed)")
    }
    return UInt32(v)
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> Substring {
        let s = Substring(self)
        guard let first = s.firstIndex(where: { !$0.isWhitespace }),
              let last = s.lastIndex(where: { !$0.isWhitespace }) else { return s[s.endIndex...] }
        return s[first...last]
    }
}
