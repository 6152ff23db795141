import Testing
import VSRTestSupport
@testable import VSRKernels

/// The int8 kernels against the integer reference executor: the arithmetic is integer plus a fixed
/// sequence of IEEE float steps, so every output float must be identical, for every ISA variant
/// this CPU runs (zmm and the EVEX ymm here; the VEX ymm on AVX-VNNI CPUs), on awkward shapes,
/// with NaN-poisoned outputs. In the release configuration these are the kernels that ship.
struct Int8KernelTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let channels: [Int], kernels: [Int], activations: [Activation.Kind], scale: Int
        var testDescription: String { "\(channels) k\(kernels) \(activations) x\(scale)" }
    }

    static let shapes: [Shape] = [
        Shape(channels: [8, 8], kernels: [3], activations: [.prelu], scale: 2),        // fast-class
        Shape(channels: [16, 16], kernels: [3], activations: [.prelu], scale: 3),      // balanced-class, 9 outputs
        Shape(channels: [5, 3], kernels: [5, 1, 3], activations: [.relu, .none], scale: 4), // padded groups
        Shape(channels: [1, 17], kernels: [1, 5, 3], activations: [.prelu, .relu], scale: 2),
        Shape(channels: [32], kernels: [3], activations: [.none], scale: 4),           // 16 float outputs
        Shape(channels: [12, 4, 20], kernels: [3, 5, 1, 3], activations: [.prelu], scale: 3),
    ]

    static let widths = Array(1...37) + [63, 64, 65, 129]

    /// Runs `net` (with int8 data) through an int8 executor and returns the float output, NaN-poisoned first.
    func int8Floats(_ net: Int8Network, _ plane: TestPlane) -> [Float] {
        let r = net.network.scale, w = plane.plane.width, h = plane.plane.height
        var out = [Float](repeating: .nan, count: w * h * r * r)
        let executor = Int8StreamingExecutor(net)
        out.withUnsafeMutableBufferPointer { b in
            executor.run(plane.plane, into: .floats(b.baseAddress!, rowStride: w * r), rows: 0, h)
        }
        return out
    }

    func quantized(_ s: Shape, seed: UInt64, residual: Network.Residual = .none) -> Network {
        let net = randomNetwork(channels: s.channels, kernels: s.kernels, activations: s.activations, scale: s.scale,
                                residual: residual, seed: seed)
        let calibration = randomPlane(width: 23, height: 11, bitDepth: 8, seed: seed + 1)
        return quantizedForTests(net, calibration: calibration.floats, width: 23, height: 11)
    }

    /// Index of the first output that differs from the reference, or nil.
    func firstDifference(_ got: [Float], _ want: [Float]) -> Int? {
        got.indices.first { got[$0].bitPattern != want[$0].bitPattern }
    }

    @Test(arguments: shapes)
    func everyWidthIsExact(_ shape: Shape) throws {
        let net = quantized(shape, seed: UInt64(shape.channels.reduce(7, &+)))
        for isa in Int8ISA.available {
            let compiled = try Int8Network(net, isa: isa, measure: false)
            for w in Self.widths {
                for h in [1, 2, 3, 7] where w <= 37 || h == 3 {
                    let plane = randomPlane(width: w, height: h, bitDepth: 8, seed: UInt64(w * 31 + h))
                    let got = int8Floats(compiled, plane)
                    let want = Int8ReferenceExecutor.run(net, luma: (0..<h).flatMap { y in (0..<w).map { UInt8(plane.value($0, y)) } },
                                                         width: w, height: h)
                    if let i = firstDifference(got, want) {
                        Issue.record("\(isa) \(w)x\(h): output \(i) is \(got[i]), the reference gives \(want[i])")
                        return
                    }
                }
            }
        }
    }

    /// Every blocking each layer can take (all generated O x X kernels for the u8 and the float
    /// store), forced on every layer at once.
    @Test(arguments: [1, 3, 5])
    func everyBlockingIsExact(kernel: Int) throws {
        let shape = Shape(channels: [16, 16], kernels: [kernel], activations: [.prelu], scale: 4)
        let net = quantized(shape, seed: UInt64(kernel))
        let w = 37, h = 4
        let plane = randomPlane(width: w, height: h, bitDepth: 8, seed: 99)
        let want = Int8ReferenceExecutor.run(net, luma: (0..<h).flatMap { y in (0..<w).map { UInt8(plane.value($0, y)) } },
                                             width: w, height: h)
        for isa in Int8ISA.available {
            let hidden = Int8Layer.candidates(storedChannels: 16, storesFloat: false, isa: isa)
            let last = Int8Layer.candidates(storedChannels: 16, storesFloat: true, isa: isa)
            for i in 0..<max(hidden.count, last.count) {
                let b = hidden[i % hidden.count], f = last[i % last.count]
                let compiled = try Int8Network(net, isa: isa, measure: false, blockings: [b, b, f])
                if let j = firstDifference(int8Floats(compiled, plane), want) {
                    Issue.record("\(isa) blocking \(b) / \(f): output \(j) differs from the reference")
                    return
                }
            }
        }
    }

    /// The product path: bicubic residual, quantised 8-bit plane, canaries around it, 1 and 3 bands.
    @Test(arguments: [1, 3])
    func quantisedPlaneWithResidual(bands: Int) throws {
        guard Int8ISA.best != nil else { return }  // fp32 runs without VNNI
        let net = quantized(Shape(channels: [16, 16], kernels: [3], activations: [.prelu], scale: 2), seed: 5,
                            residual: .bicubic)
        let compiled = try CompiledNetwork(net, blocking: .standard, precision: .int8)
        #expect(compiled.runsInt8)
        let worker = NetworkWorker(compiled, bands: bands)
        let w = 45, h = 13
        let input = randomPlane(width: w, height: h, bitDepth: 8, seed: 3)
        let out = ShapeSweepTests.GuardedPlane(width: w * 2, height: h * 2)
        worker.upscale(input.plane, into: out.plane)
        #expect(out.damaged.isEmpty, "bytes written outside the plane")
        let want = Int8ReferenceExecutor.run(net, luma: (0..<h).flatMap { y in (0..<w).map { UInt8(input.value($0, y)) } },
                                             width: w, height: h)
        var worst: Float = 0
        for y in 0..<h * 2 {
            for x in 0..<w * 2 {
                let expected = min(max(want[y * w * 2 + x] * 255, 0), 255).rounded()
                worst = max(worst, abs(Float(out.plane.row8(y)[x]) - expected))
            }
        }
        #expect(worst <= 1, "worst difference \(worst) codes")
    }

    /// Deeper planes run the fp32 kernels even when the network runs int8.
    @Test func tenBitPlanesRunFP32() throws {
        guard Int8ISA.best != nil else { return }
        let plain = randomNetwork(channels: [8], kernels: [3], activations: [.prelu], scale: 2, residual: .bicubic, seed: 1)
        let net = quantizedForTests(plain, calibration: randomPlane(width: 9, height: 9, bitDepth: 8, seed: 2).floats, width: 9, height: 9)
        let int8 = NetworkWorker(try CompiledNetwork(net, blocking: .standard, precision: .int8), bands: 1)
        let fp32 = NetworkWorker(try CompiledNetwork(net, blocking: .standard, precision: .fp32), bands: 1)
        let input = randomPlane(width: 21, height: 8, bitDepth: 10, seed: 4)
        let a = TestPlane(width: 42, height: 16, bitDepth: 10) { _, _ in 0 }
        let b = TestPlane(width: 42, height: 16, bitDepth: 10) { _, _ in 1 }
        int8.upscale(input.plane, into: a.plane)
        fp32.upscale(input.plane, into: b.plane)
        #expect((0..<16).allSatisfy { y in (0..<42).allSatisfy { a.value($0, y) == b.value($0, y) } })
    }

    @Test func precisionChoices() throws {
        let plain = randomNetwork(channels: [8], kernels: [3], activations: [.prelu], scale: 2, residual: .bicubic, seed: 1)
        #expect(throws: NetworkError.self) { try CompiledNetwork(plain, blocking: .standard, precision: .int8) }
        #expect(try !CompiledNetwork(plain, blocking: .standard, precision: .auto).runsInt8)
        let net = quantizedForTests(plain, calibration: randomPlane(width: 9, height: 9, bitDepth: 8, seed: 2).floats, width: 9, height: 9)
        #expect(try CompiledNetwork(net, blocking: .standard, precision: .auto).runsInt8 == (Int8ISA.best != nil))
        #expect(try !CompiledNetwork(net, blocking: .standard, precision: .fp32).runsInt8)
        var broken = net
        broken.int8!.layers[1].weightScales[0] = .nan
        #expect(throws: NetworkError.self) { try CompiledNetwork(broken, blocking: .standard, precision: .int8) }
        #expect(try !CompiledNetwork(broken, blocking: .standard, precision: .auto).runsInt8)
    }
}
