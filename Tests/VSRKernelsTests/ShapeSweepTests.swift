import Testing
import VSRTestSupport
@testable import VSRKernels
import VSRKernelsAVX512

/// Every width and height a frame can have at the small end, a few large odd ones, every kernel
/// variant the tuner can pick: the fast path against the scalar reference, with canary bytes
/// around every output row and after the plane. In the release configuration (`make test` runs
/// both) these are the AVX2/AVX-512 kernels that ship.
struct ShapeSweepTests {
    static let canary: UInt8 = 0xA5
    static let widths = Array(1...70) + [333, 641, 1281]

    /// An 8-bit output plane whose rows are followed by `pad` canary bytes, with canary rows after it.
    final class GuardedPlane {
        let plane: LumaPlane
        let storage: UnsafeMutablePointer<UInt8>
        let bytes: Int
        static let pad = 67, extraRows = 3
        init(width: Int, height: Int) {
            let rowBytes = width + Self.pad
            bytes = rowBytes * (height + Self.extraRows)
            storage = .allocate(capacity: bytes)
            storage.initialize(repeating: ShapeSweepTests.canary, count: bytes)
            plane = LumaPlane(base: UnsafeMutableRawPointer(storage), width: width, height: height, rowBytes: rowBytes, bitDepth: 8)
        }
        deinit { storage.deallocate() }
        /// Offsets of canary bytes that were overwritten.
        var damaged: [Int] {
            (0..<bytes).filter { i in
                let (y, x) = i.quotientAndRemainder(dividingBy: plane.rowBytes)
                return (y >= plane.height || x >= plane.width) && storage[i] != ShapeSweepTests.canary
            }
        }
    }

    /// Upscales with `worker` into a guarded plane; checks the canaries and every pixel against
    /// the reference (within one code: the reference is float, the product rounds).
    func check(_ net: Network, _ worker: any LumaUpscaleWorker, width w: Int, height h: Int, seed: UInt64,
               _ label: String) -> Bool {
        let r = net.scale
        let input = randomPlane(width: w, height: h, bitDepth: 8, seed: seed)
        let out = GuardedPlane(width: w * r, height: h * r)
        worker.upscale(input.plane, into: out.plane)
        let damaged = out.damaged
        guard damaged.isEmpty else {
            Issue.record("\(label) \(w)x\(h): \(damaged.count) bytes written outside the plane (first at \(damaged[0]))")
            return false
        }
        let expected = ReferenceExecutor.run(net, input: input.floats, width: w, height: h)
        for y in 0..<h * r {
            for x in 0..<w * r {
                let want = min(max(expected[y * w * r + x] * 255, 0), 255).rounded()
                let got = Float(out.plane.row8(y)[x])
                if abs(got - want) > 1 {
                    Issue.record("\(label) \(w)x\(h): pixel (\(x),\(y)) is \(got), the reference gives \(want)")
                    return false
                }
            }
        }
        return true
    }

    /// Every width 1...70 plus large odd ones, every height 1...9, at each scale: the shapes of
    /// the bundled models (3x3 convolutions, PReLU, bicubic residual).
    @Test(arguments: [2, 3, 4])
    func everySmallShape(scale: Int) throws {
        installWideKernels()
        let net = randomNetwork(channels: [8, 8], kernels: [3], activations: [.prelu], scale: scale,
                                residual: .bicubic, seed: UInt64(scale))
        let worker = NetworkWorker(try CompiledNetwork(net, blocking: .standard), bands: 1)
        for w in Self.widths {
            for h in 1...9 where w <= 70 || h % 4 == 1 {
                guard check(net, worker, width: w, height: h, seed: UInt64(w * 16 + h), "x\(scale)") else { return }
            }
        }
    }

    /// Every blocking the tuner may choose (8- and 16-lane kernels), forced on both layers, over
    /// widths that end on every lane position.
    @Test(arguments: [1, 3, 5])
    func everyBlockingOnEveryLaneRemainder(kernel: Int) throws {
        installWideKernels()
        for b in PackedLayer.candidates(outChannels: 8) {
            let net = randomNetwork(channels: [8], kernels: [kernel, 3], activations: [.prelu], scale: 2,
                                    residual: .bicubic, seed: UInt64(b.outputs * 10 + b.vectors + kernel * 100))
            let worker = NetworkWorker(try CompiledNetwork(net, blocking: .explicit([b, LayerBlocking(outputs: 4, vectors: 1)])), bands: 1)
            for w in [1, 2, 7, 8, 9, 15, 16, 17, 23, 31, 33, 47, 49, 63, 65] {
                guard check(net, worker, width: w, height: 3, seed: UInt64(w), "blocking \(b) k\(kernel)") else { return }
            }
        }
    }

    /// Bands split between threads: band boundaries on odd heights (641x361 was the crash report).
    @Test func bandsOnOddHeights() throws {
        let net = randomNetwork(channels: [16, 16], kernels: [3], activations: [.prelu], scale: 2,
                                residual: .bicubic, seed: 3)
        let worker = NetworkWorker(try CompiledNetwork(net, blocking: .standard), bands: 3)
        for (w, h) in [(641, 7), (129, 97), (3, 1), (5, 2), (17, 5)] {
            guard check(net, worker, width: w, height: h, seed: UInt64(w + h), "3 bands") else { return }
        }
    }
}
