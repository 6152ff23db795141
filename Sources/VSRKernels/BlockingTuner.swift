import Foundation

/// Picks each layer's (outputs, vectors) blocking by timing every candidate on synthetic rows:
/// the best blocking depends on the layer's shape and the core, and a measurement beats a model.
/// About 10-40 ms per layer, once per model load; enough work per timing (6M multiply-adds,
/// best of 5) that a noisy neighbour rarely changes the choice.
enum BlockingTuner {
    static let width = 480

    static func tune(_ l: ConvLayer) -> (layer: PackedLayer, gflops: Double) {
        let stride = StreamingExecutor.margin + width + StreamingExecutor.margin
        let rowFloats = l.inChannels * stride
        let input = UnsafeMutablePointer<Float>.allocate(capacity: l.kernel * rowFloats + 16)
        let output = UnsafeMutablePointer<Float>.allocate(capacity: l.outChannels * stride + 16)
        let rows = UnsafeMutablePointer<UnsafePointer<Float>>.allocate(capacity: l.kernel)
        defer { input.deallocate(); output.deallocate(); rows.deallocate() }
        for i in 0..<(l.kernel * rowFloats + 16) { input[i] = Float(i % 17) * 0.01 }
        for ky in 0..<l.kernel { rows[ky] = UnsafePointer(input + ky * rowFloats + StreamingExecutor.margin - l.kernel / 2) }
        let macsPerRow = width * l.inChannels * l.outChannels * l.kernel * l.kernel
        let repeats = max(1, 6_000_000 / max(1, macsPerRow))
        var best: PackedLayer? = nil, bestTime = UInt64.max
        for c in PackedLayer.candidates(outChannels: l.outChannels) {
            let packed = PackedLayer(l, blocking: c)
            var fastest = UInt64.max
            for _ in 0..<5 {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<repeats {
                    packed.convolveRow(rows: UnsafePointer(rows), vectors: width / 8, stride: stride, out: output + StreamingExecutor.margin)
                }
                fastest = min(fastest, DispatchTime.now().uptimeNanoseconds - start)
            }
            if fastest < bestTime { bestTime = fastest; best = packed }
        }
        return (best!, 2 * Double(macsPerRow * repeats) / Double(bestTime))
    }
}
