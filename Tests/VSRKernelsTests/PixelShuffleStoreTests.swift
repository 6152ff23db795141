import Testing
import VSRTestSupport
@testable import VSRKernels

/// The quantising pixel-shuffle store (vectorised, bit tricks) against the plain definition:
/// out[x*r + i] = clamp(floor(v * unit + 0.5), 0, max), on odd widths, every factor the engine
/// specialises and one it does not, values outside the range and exactly on half codes.
struct PixelShuffleStoreTests {
    @Test(arguments: [8, 10, 16])
    func matchesDefinition(bitDepth: Int) {
        var rng = SeededRandom(seed: UInt64(bitDepth))
        for r in 1...5 {
            for w in [1, 7, 33] {
                let plane = TestPlane(width: w * r, height: 1, bitDepth: bitDepth) { _, _ in 0x5A5A >> (16 - bitDepth) }
                let padding = plane.value(w * r, 0)  // past the row: must survive
                let unit = plane.plane.unitValue, maxValue = Float(plane.plane.maxValue)
                let stride = w + 3
                var planes = (0..<(r * stride)).map { _ in rng.float(-0.2, 1.2) }
                for i in Swift.stride(from: 0, to: planes.count, by: 5) {  // exact half codes
                    planes[i] = (Float(rng.int(0...plane.plane.maxValue - 1)) + 0.5) / unit
                }
                planes.withUnsafeBufferPointer { p in
                    plane.plane.storeRow(0, interleaving: p.baseAddress!, planeStride: stride, factor: r, count: w)
                }
                for x in 0..<w {
                    for i in 0..<r {
                        let v = planes[i * stride + x]
                        let want = Int(min(max((v * unit + 0.5).rounded(.down), 0), maxValue))
                        #expect(plane.value(x * r + i, 0) == want, "x\(r) width \(w): column \(x * r + i) from \(v)")
                    }
                }
                #expect(plane.value(w * r, 0) == padding, "x\(r) width \(w): wrote past the row")
            }
        }
    }
}
