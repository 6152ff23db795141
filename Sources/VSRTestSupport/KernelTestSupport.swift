import VSRKernels
import VSRKernelsAVX512

// Shared by the test targets (random networks and planes, the wide-kernel switch); the scalar
// reference executor beside it is what every kernel is compared with.

/// SplitMix64: fixed seeds, the same numbers on every machine.
public struct SeededRandom {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    public mutating func float(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24) }
    public mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
}

/// A random network of the given shape; weights scaled so activations stay O(1) through depth.
public func randomNetwork(channels: [Int], kernels: [Int], activations: [Activation.Kind], scale: Int,
                   residual: Network.Residual, seed: UInt64) -> Network {
    var rng = SeededRandom(seed: seed)
    var layers: [ConvLayer] = []
    var cin = 1
    let outs = channels + [scale * scale]
    for (i, cout) in outs.enumerated() {
        let k = kernels[i % kernels.count]
        let fan = Float(cin * k * k)
        let w = (0..<(cout * cin * k * k)).map { _ in rng.float(-1, 1) * (1.7 / fan.squareRoot()) }
        let b = (0..<cout).map { _ in rng.float(-0.1, 0.1) }
        let act: Activation
        switch i == outs.count - 1 ? .none : activations[i % activations.count] {
        case .none: act = .none
        case .relu: act = .relu
        case .tanh: act = .tanh
        case .prelu: act = .prelu((0..<cout).map { _ in rng.float(-0.5, 1.5) })
        }
        layers.append(ConvLayer(kernel: k, inChannels: cin, outChannels: cout, weights: w, bias: b, activation: act))
        cin = cout
    }
    return Network(layers: layers, scale: scale, residual: residual)
}

extension Activation {
    public enum Kind: CaseIterable, Sendable { case none, relu, prelu, tanh }
}

/// An owned plane of random samples (plus the same values as floats in network units).
public final class TestPlane {
    public let plane: LumaPlane
    let storage: UnsafeMutableRawPointer
    public init(width: Int, height: Int, bitDepth: Int, padding: Int = 5, fill: (Int, Int) -> Int) {
        let bytes = bitDepth > 8 ? 2 : 1
        let rowBytes = (width + padding) * bytes
        storage = .allocate(byteCount: rowBytes * height + 64, alignment: 64)
        plane = LumaPlane(base: storage, width: width, height: height, rowBytes: rowBytes, bitDepth: bitDepth)
        for y in 0..<height {
            for x in 0..<width + padding {
                let v = x < width ? fill(x, y) : 0
                if bytes == 1 { plane.row8(y)[x] = UInt8(v) } else { plane.row16(y)[x] = UInt16(v) }
            }
        }
    }
    deinit { storage.deallocate() }
    public func value(_ x: Int, _ y: Int) -> Int { plane.bitDepth > 8 ? Int(plane.row16(y)[x]) : Int(plane.row8(y)[x]) }
    public var floats: [Float] {
        (0..<plane.height).flatMap { y in (0..<plane.width).map { x in Float(value(x, y)) / plane.unitValue } }
    }
}

public func randomPlane(width: Int, height: Int, bitDepth: Int, seed: UInt64) -> TestPlane {
    var rng = SeededRandom(seed: seed)
    let maxValue = (1 << bitDepth) - 1
    return TestPlane(width: width, height: height, bitDepth: bitDepth) { _, _ in rng.int(0...maxValue) }
}

/// Registers the 16-lane kernels wherever they can run: the AVX-512 build only on a CPU with
/// avx512f (as `vsr` does), the portable/debug build of the same code everywhere. Returns
/// whether they are registered.
@discardableResult
public func installWideKernels() -> Bool {
    if CPUInfo.flags.contains("avx512f") || !AVX512Kernels.isCompiledForAVX512 { return AVX512Kernels.install(force: true) }
    return false
}
