/// Bicubic upscaling by an integer factor: Keys' cubic with a = -0.5, pixel-centre aligned,
/// borders replicated. The networks' global residual uses exactly this interpolation.
public struct BicubicTaps: Sendable {
    public let scale: Int
    /// taps[phase * 4 + k] weights source offset `first[phase] + k`.
    public let taps: [Float]
    public let first: [Int]

    public init(scale: Int) {
        self.scale = scale
        var taps: [Float] = [], first: [Int] = []
        for phase in 0..<scale {
            let u = (Double(phase) + 0.5) / Double(scale) - 0.5
            let f = Int((u).rounded(.down)) - 1
            first.append(f)
            for k in 0..<4 { taps.append(Float(BicubicTaps.cubic(u - Double(f + k)))) }
        }
        self.taps = taps
        self.first = first
    }

    static func cubic(_ x: Double) -> Double {
        let a = abs(x)
        if a <= 1 { return 1.5 * a * a * a - 2.5 * a * a + 1 }
        if a <= 2 { return -0.5 * a * a * a + 2.5 * a * a - 4 * a + 2 }
        return 0
    }
}

public struct BicubicUpscaler: LumaUpscaler {
    public let scale: Int
    public var name: String { "bicubic" }
    let taps: BicubicTaps

    public init(scale: Int) {
        precondition(scale >= 1 && scale <= 8)
        self.scale = scale
        taps = BicubicTaps(scale: scale)
    }

    public func makeWorker() -> any LumaUpscaleWorker { BicubicWorker(taps: taps) }
}

final class BicubicWorker: LumaUpscaleWorker {
    let taps: BicubicTaps
    var rows = ScratchBuffer()

    init(taps: BicubicTaps) { self.taps = taps }

    func upscale(_ source: LumaPlane, into destination: LumaPlane) {
        let r = taps.scale, w = source.width, h = source.height
        precondition(destination.width == w * r && destination.height == h * r)
        // Scratch: 4 source rows (float), one vertically interpolated row, one output row.
        let buffer = rows.reserve(4 * w + w + w * r)
        let vertical = buffer + 4 * w, output = vertical + w
        var cached = [Int](repeating: -1, count: 4)  // which source row sits in each slot
        for y in 0..<h {
            for phase in 0..<r {
                let f = taps.first[phase]
                // Gather the 4 source rows this output row needs (row index clamped = replicate).
                var t = taps.taps[phase * 4..<phase * 4 + 4].makeIterator()
                for i in 0..<w { vertical[i] = 0 }
                for k in 0..<4 {
                    let sy = min(max(y + f + k, 0), h - 1)
                    let slot = sy & 3
                    if cached[slot] != sy {
                        source.loadRow(sy, into: buffer + slot * w)
                        cached[slot] = sy
                    }
                    let weight = t.next()!
                    let src = buffer + slot * w
                    for i in 0..<w { vertical[i] += weight * src[i] }
                }
                BicubicWorker.horizontal(vertical, width: w, taps: taps, into: output)
                destination.storeRow(y * r + phase, from: output, count: w * r)
            }
        }
    }

    /// Interpolates one row horizontally by `taps.scale`, replicating the edge samples.
    static func horizontal(_ src: UnsafePointer<Float>, width w: Int, taps: BicubicTaps,
                           into out: UnsafeMutablePointer<Float>) {
        let r = taps.scale
        for phase in 0..<r {
            let f = taps.first[phase]
            let t0 = taps.taps[phase * 4], t1 = taps.taps[phase * 4 + 1]
            let t2 = taps.taps[phase * 4 + 2], t3 = taps.taps[phase * 4 + 3]
            for x in 0..<w {
                let base = x + f
                let s0 = src[min(max(base, 0), w - 1)], s1 = src[min(max(base + 1, 0), w - 1)]
                let s2 = src[min(max(base + 2, 0), w - 1)], s3 = src[min(max(base + 3, 0), w - 1)]
                out[x * r + phase] = t0 * s0 + t1 * s1 + t2 * s2 + t3 * s3
            }
        }
    }
}
