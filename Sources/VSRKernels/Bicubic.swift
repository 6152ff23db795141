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
    var rows: BicubicRows
    var output = ScratchBuffer()

    init(taps: BicubicTaps) { rows = BicubicRows(taps: taps) }

    func upscale(_ source: LumaPlane, into destination: LumaPlane) {
        let r = rows.taps.scale
        precondition(destination.width == source.width * r && destination.height == source.height * r)
        let out = output.reserve(source.width * r)
        rows.begin(source)
        for y in 0..<destination.height {
            rows.row(y, into: out)
            destination.storeRow(y, from: out, count: source.width * r)
        }
    }
}

/// Produces bicubic-upscaled rows of a plane one at a time, keeping the 4 source rows it needs
/// as floats. Used by the bicubic upscaler and by the networks' global residual.
struct BicubicRows: ~Copyable {
    let taps: BicubicTaps
    private var buffer = ScratchBuffer()
    private var cached = [Int](repeating: -1, count: 4)
    private var source: LumaPlane?

    init(taps: BicubicTaps) { self.taps = taps }

    mutating func begin(_ plane: LumaPlane) {
        source = plane
        cached = [-1, -1, -1, -1]
        _ = buffer.reserve(5 * plane.width + 8)
    }

    /// Output row `y` (of scale*height), scale*width floats in units of the plane's unitValue.
    mutating func row(_ y: Int, into out: UnsafeMutablePointer<Float>) {
        let src = source!, w = src.width, h = src.height, r = taps.scale
        let base = buffer.pointer, vertical = base + 4 * w
        let sy = y / r, phase = y % r, f = taps.first[phase]
        for i in 0..<w { vertical[i] = 0 }
        for k in 0..<4 {
            let row = min(max(sy + f + k, 0), h - 1)
            let slot = row & 3  // 4 consecutive rows never share a slot
            if cached[slot] != row {
                src.loadRow(row, into: base + slot * w)
                cached[slot] = row
            }
            let weight = taps.taps[phase * 4 + k]
            let s = base + slot * w
            for i in 0..<w { vertical[i] += weight * s[i] }
        }
        BicubicRows.horizontal(vertical, width: w, taps: taps, into: out)
    }

    /// Interpolates one row horizontally by `taps.scale`, replicating the edge samples.
    static func horizontal(_ src: UnsafePointer<Float>, width w: Int, taps: BicubicTaps,
                           into out: UnsafeMutablePointer<Float>) {
        let r = taps.scale
        for phase in 0..<r {
            let f = taps.first[phase]
            let t0 = taps.taps[phase * 4], t1 = taps.taps[phase * 4 + 1]
            let t2 = taps.taps[phase * 4 + 2], t3 = taps.taps[phase * 4 + 3]
            // Interior columns need no clamping; only the 2 at each edge do.
            let a = min(max(0, -f), w), b = max(a, min(w, w - 3 - f))
            @inline(__always) func at(_ i: Int) -> Float { src[min(max(i, 0), w - 1)] }
            for x in 0..<a {
                out[x * r + phase] = t0 * at(x + f) + t1 * at(x + f + 1) + t2 * at(x + f + 2) + t3 * at(x + f + 3)
            }
            for x in a..<b {
                let i = x + f
                out[x * r + phase] = t0 * src[i] + t1 * src[i + 1] + t2 * src[i + 2] + t3 * src[i + 3]
            }
            for x in b..<w {
                out[x * r + phase] = t0 * at(x + f) + t1 * at(x + f + 1) + t2 * at(x + f + 2) + t3 * at(x + f + 3)
            }
        }
    }
}
