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
    var phases = ScratchBuffer()

    init(taps: BicubicTaps) { rows = BicubicRows(taps: taps) }

    func upscale(_ source: LumaPlane, into destination: LumaPlane) {
        let r = rows.taps.scale, w = source.width
        precondition(destination.width == w * r && destination.height == source.height * r)
        let planar = phases.reserve(r * w)
        rows.begin(source)
        for y in 0..<destination.height {
            let v = rows.vertical(y)
            for phase in 0..<r { BicubicRows.horizontal(phase, of: v, width: w, taps: rows.taps, into: planar + phase * w, adding: false) }
            destination.storeRow(y, interleaving: planar, planeStride: w, factor: r, count: w)
        }
    }
}

/// Produces bicubic-upscaled rows of a plane, keeping the 4 source rows it needs as floats.
/// Used by the bicubic upscaler and by the networks' global residual.
///
/// A row is made in two vectorisable passes: `vertical` interpolates between source rows, then
/// `horizontal` makes one output phase (columns x*scale + phase) as a contiguous row, which the
/// caller interleaves while quantising. (Writing interleaved columns directly is a strided scalar
/// loop, a quarter of a small network's time.)
struct BicubicRows: ~Copyable {
    let taps: BicubicTaps
    private var buffer = ScratchBuffer()
    private var cached = [Int](repeating: -1, count: 4)
    private var source: LumaPlane?
    /// Replicated samples each side of a vertical row: every phase reads columns x-2 ... x+2.
    static let pad = 2

    init(taps: BicubicTaps) { self.taps = taps }

    mutating func begin(_ plane: LumaPlane) {
        source = plane
        cached = [-1, -1, -1, -1]
        _ = buffer.reserve(5 * plane.width + 2 * Self.pad + 8)
    }

    /// Output row `y` (of scale*height) interpolated vertically: `width` floats in units of the
    /// plane's unitValue, readable from index -2 to width+1 (edges replicated).
    mutating func vertical(_ y: Int) -> UnsafePointer<Float> {
        let w = source!.width, r = taps.scale
        let base = buffer.pointer, vertical = base + 4 * w + Self.pad
        let sy = y / r, phase = y % r, f = taps.first[phase]
        let a = sourceRow(sy + f, base), b = sourceRow(sy + f + 1, base)
        let c = sourceRow(sy + f + 2, base), d = sourceRow(sy + f + 3, base)
        let t0 = taps.taps[phase * 4], t1 = taps.taps[phase * 4 + 1]
        let t2 = taps.taps[phase * 4 + 2], t3 = taps.taps[phase * 4 + 3]
        for i in 0..<w { vertical[i] = t0 * a[i] + t1 * b[i] + t2 * c[i] + t3 * d[i] }
        for i in 1...Self.pad {
            vertical[-i] = vertical[0]
            vertical[w - 1 + i] = vertical[w - 1]
        }
        return UnsafePointer(vertical)
    }

    /// Source row `y` (clamped to the plane) as floats, loaded once into one of 4 slots.
    private mutating func sourceRow(_ y: Int, _ base: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        let src = source!, row = min(max(y, 0), src.height - 1)
        let slot = row & 3  // 4 consecutive rows never share a slot
        if cached[slot] != row {
            src.loadRow(row, into: base + slot * src.width)
            cached[slot] = row
        }
        return UnsafePointer(base + slot * src.width)
    }

    /// Output columns x*scale + phase (x < width) of a vertical row, as a contiguous row: set
    /// into `out`, or added to it (the networks' residual).
    @inline(__always)
    static func horizontal(_ phase: Int, of v: UnsafePointer<Float>, width w: Int, taps: BicubicTaps,
                           into out: UnsafeMutablePointer<Float>, adding: Bool) {
        let s = v + taps.first[phase]
        let t0 = taps.taps[phase * 4], t1 = taps.taps[phase * 4 + 1]
        let t2 = taps.taps[phase * 4 + 2], t3 = taps.taps[phase * 4 + 3]
        if adding {
            for x in 0..<w { out[x] += t0 * s[x] + t1 * s[x + 1] + t2 * s[x + 2] + t3 * s[x + 3] }
        } else {
            for x in 0..<w { out[x] = t0 * s[x] + t1 * s[x + 1] + t2 * s[x + 2] + t3 * s[x + 3] }
        }
    }
}
