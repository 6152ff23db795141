import Foundation

/// Latency percentiles in fixed memory (1 ms buckets up to 10 s, then one overflow bucket), so a
/// stream that runs for days keeps a flat footprint.
struct LatencyHistogram: Sendable {
    private var buckets = [Int](repeating: 0, count: 10_001)
    private(set) var count = 0

    mutating func add(milliseconds ms: Double) {
        buckets[min(max(Int(ms.rounded()), 0), buckets.count - 1)] += 1
        count += 1
    }

    mutating func reset() {
        for i in buckets.indices { buckets[i] = 0 }
        count = 0
    }

    /// The p-th percentile (0...100) in ms; 0 when empty.
    func percentile(_ p: Double) -> Double {
        guard count > 0 else { return 0 }
        let rank = Int((p / 100 * Double(count)).rounded(.up))
        var seen = 0
        for (ms, n) in buckets.enumerated() {
            seen += n
            if seen >= max(rank, 1) { return Double(ms) }
        }
        return Double(buckets.count - 1)
    }

    /// p50, p95, p99 in ms.
    var percentiles: (Double, Double, Double) { (percentile(50), percentile(95), percentile(99)) }
}
