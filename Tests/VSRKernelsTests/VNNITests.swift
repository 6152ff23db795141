import Testing
import VSRKernels
import VSRTestSupport

/// The int8 building block: vpdpbusd's u8 x s8 -> s32 dot product is exact integer arithmetic,
/// so it must equal plain C bit for bit, extremes included (255 x -128 is where a saturating
/// vpmaddubsw would go wrong).
struct VNNITests {
    @Test(arguments: [64, 128, 64 * 37])
    func dotProductIsExact(length: Int) throws {
        guard VNNIPeak.available else { return }  // the fp32 path is what runs without VNNI
        var rng = SeededRandom(seed: UInt64(length))
        let a = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let b = (0..<length).map { _ in Int8(truncatingIfNeeded: rng.next()) }
        #expect(VNNIPeak.dot(a, b) == VNNIPeak.referenceDot(a, b))
        let hiA = [UInt8](repeating: 255, count: length), loB = [Int8](repeating: -128, count: length)
        #expect(VNNIPeak.dot(hiA, loB) == Int32(length) * 255 * -128)
        #expect(VNNIPeak.referenceDot(hiA, loB) == Int32(length) * 255 * -128)
    }
}
