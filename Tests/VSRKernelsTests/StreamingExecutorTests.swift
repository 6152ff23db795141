import Testing
import VSRTestSupport
@testable import VSRKernels
import VSRKernelsAVX512

/// Fast executor vs the scalar reference on awkward shapes and random data.
struct StreamingExecutorTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let width: Int, height: Int
        let channels: [Int]
        let kernels: [Int]
        let activations: [Activation.Kind]
        let scale: Int
        let residual: Network.Residual
        var testDescription: String {
            "\(width)x\(height) ch\(channels) k\(kernels) \(activations) x\(scale) \(residual)"
        }
    }

    static let cases: [Case] = [
        Case(width: 1, height: 1, channels: [3], kernels: [3], activations: [.relu], scale: 2, residual: .bicubic),
        Case(width: 2, height: 5, channels: [5, 3], kernels: [5, 1, 3], activations: [.prelu], scale: 3, residual: .none),
        Case(width: 7, height: 17, channels: [12, 5], kernels: [3], activations: [.tanh, .prelu], scale: 4, residual: .bicubic),
        Case(width: 13, height: 5, channels: [13], kernels: [5, 3], activations: [.none], scale: 2, residual: .bicubic),
        Case(width: 13, height: 17, channels: [32, 5, 12], kernels: [5, 1, 3, 3], activations: [.prelu, .relu], scale: 3, residual: .bicubic),
        Case(width: 333, height: 5, channels: [56, 12, 12, 56], kernels: [5, 1, 3, 1, 3], activations: [.prelu], scale: 2, residual: .none),
        Case(width: 37, height: 17, channels: [64, 32], kernels: [5, 3, 3], activations: [.tanh], scale: 4, residual: .none),
        Case(width: 29, height: 11, channels: [16, 16, 16], kernels: [3], activations: [.prelu], scale: 2, residual: .bicubic),
        Case(width: 41, height: 1, channels: [1, 8], kernels: [1, 3, 5], activations: [.relu, .none], scale: 3, residual: .bicubic),
    ]

    @Test(arguments: cases.indices)
    func floatOutputMatchesReference(_ index: Int) throws {
        let c = Self.cases[index]
        let net = randomNetwork(channels: c.channels, kernels: c.kernels, activations: c.activations,
                                scale: c.scale, residual: c.residual, seed: UInt64(100 + index))
        let input = randomPlane(width: c.width, height: c.height, bitDepth: 8, seed: UInt64(index))
        let expected = ReferenceExecutor.run(net, input: input.floats, width: c.width, height: c.height)
        let compiled = try CompiledNetwork(net, blocking: .standard)
        let r = c.scale, ow = c.width * r, oh = c.height * r
        var got = [Float](repeating: .nan, count: ow * oh)  // poison: an unwritten pixel stays NaN
        got.withUnsafeMutableBufferPointer { buf in
            StreamingExecutor(compiled).run(input.plane, into: .floats(buf.baseAddress!, rowStride: ow), rows: 0, c.height)
        }
        var worst: Float = 0
        for i in got.indices {
            let err = abs(got[i] - expected[i]) / max(1, abs(expected[i]))
            #expect(!got[i].isNaN, "pixel \(i) unwritten")
            worst = max(worst, err)
        }
        #expect(worst <= 1e-4, "largest relative error \(worst)")
    }

    @Test(arguments: [8, 10, 16])
    func quantisedOutputWithinOneCode(bitDepth: Int) throws {
        let net = randomNetwork(channels: [12, 12], kernels: [3, 5, 1], activations: [.prelu, .relu],
                                scale: 3, residual: .bicubic, seed: 7)
        let (w, h) = (23, 9)
        let input = randomPlane(width: w, height: h, bitDepth: bitDepth, seed: 3)
        let expected = ReferenceExecutor.run(net, input: input.floats, width: w, height: h)
        let compiled = try CompiledNetwork(net, blocking: .standard)
        // 16-bit storage with a poison above every valid code (not possible at 16 bits: there
        // the float test's NaN poison covers unwritten pixels).
        let outDepth = bitDepth
        let poison = bitDepth == 8 ? 0 : (bitDepth < 16 ? 0xFFFF : 0)
        let out = TestPlane(width: w * 3, height: h * 3, bitDepth: outDepth) { _, _ in poison }
        NetworkWorker(compiled, bands: 1).upscale(input.plane, into: out.plane)
        let maxValue = Float((1 << bitDepth) - 1)
        for y in 0..<h * 3 {
            for x in 0..<w * 3 {
                let want = min(max(expected[y * w * 3 + x] * input.plane.unitValue, 0), maxValue).rounded()
                #expect(abs(Float(out.value(x, y)) - want) <= 1, "(\(x),\(y)): \(out.value(x, y)) vs \(want)")
            }
        }
    }

    @Test(arguments: [2, 3, 5])
    func bandsMatchSingleThread(bands: Int) throws {
        let net = randomNetwork(channels: [16, 8], kernels: [5, 3, 3], activations: [.prelu], scale: 2,
                                residual: .bicubic, seed: 11)
        let compiled = try CompiledNetwork(net, blocking: .standard)
        let input = randomPlane(width: 61, height: 31, bitDepth: 8, seed: 5)
        let one = TestPlane(width: 122, height: 62, bitDepth: 8) { _, _ in 0 }
        let many = TestPlane(width: 122, height: 62, bitDepth: 8) { _, _ in 0 }
        NetworkWorker(compiled, bands: 1).upscale(input.plane, into: one.plane)
        NetworkWorker(compiled, bands: bands).upscale(input.plane, into: many.plane)
        for y in 0..<62 { for x in 0..<122 where one.value(x, y) != many.value(x, y) {
            Issue.record("(\(x),\(y)) differs: \(one.value(x, y)) vs \(many.value(x, y))")
            return
        } }
    }

    /// Every generated micro-kernel (8 and 16 lanes), forced onto a layer, against the reference.
    /// Width 45 leaves both a partial 8-lane vector and an odd 8-lane tail after 16-lane tiles.
    @Test(arguments: [1, 3, 5])
    func everyBlockingMatchesReference(kernel: Int) throws {
        let wide = installWideKernels()
        let input = randomPlane(width: 45, height: 4, bitDepth: 8, seed: 9)
        let blockings = PackedLayer.candidates(outChannels: 8)
        #expect(blockings.contains { $0.lanes == 16 } == wide, "the 16-lane kernels were not offered")
        for b in blockings {
            let net = randomNetwork(channels: [11], kernels: [kernel, 3], activations: [.prelu], scale: 2,
                                    residual: .none, seed: UInt64(b.outputs * 10 + b.vectors))
            let expected = ReferenceExecutor.run(net, input: input.floats, width: 45, height: 4)
            let compiled = try CompiledNetwork(net, blocking: .explicit([b, b]))
            var got = [Float](repeating: .nan, count: expected.count)
            got.withUnsafeMutableBufferPointer { buf in
                StreamingExecutor(compiled).run(input.plane, into: .floats(buf.baseAddress!, rowStride: 90), rows: 0, 4)
            }
            let worst = zip(got, expected).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            #expect(worst <= 1e-4 && !got.contains { $0.isNaN }, "blocking \(b): error \(worst)")
        }
    }

    @Test func bicubicUpscalerMatchesDefinition() {
        for r in 2...4 {
            let input = randomPlane(width: 19, height: 7, bitDepth: 8, seed: UInt64(r))
            let expected = ReferenceExecutor.bicubic(input.floats, width: 19, height: 7, scale: r)
            let out = TestPlane(width: 19 * r, height: 7 * r, bitDepth: 8) { _, _ in 0 }
            BicubicUpscaler(scale: r).makeWorker().upscale(input.plane, into: out.plane)
            for y in 0..<7 * r { for x in 0..<19 * r {
                let want = min(max(expected[y * 19 * r + x] * 255, 0), 255).rounded()
                #expect(abs(Float(out.value(x, y)) - want) <= 1)
            } }
        }
    }

    @Test func invalidChainsAreRejected() {
        var net = randomNetwork(channels: [4], kernels: [3], activations: [.relu], scale: 2, residual: .none, seed: 1)
        net.layers[1] = ConvLayer(kernel: 3, inChannels: 4, outChannels: 9, weights: .init(repeating: 0, count: 324),
                                  bias: .init(repeating: 0, count: 9), activation: .none)
        #expect(throws: NetworkError.self) { try CompiledNetwork(net) }
        net = randomNetwork(channels: [4], kernels: [7], activations: [.relu], scale: 2, residual: .none, seed: 1)
        #expect(throws: NetworkError.self) { try CompiledNetwork(net) }
    }
}
