/// Runs a CompiledNetwork over a band of rows with every layer fused: each layer keeps a ring of
/// the k rows the next layer reads (a line buffer), so a band flows through all layers while
/// the intermediates stay in cache, and nothing is recomputed inside the band. The last layer's
/// r*r channels are pixel-shuffled, the bicubic residual added, and the result quantised
/// straight into the output plane.
///
/// One executor per thread: it owns its buffers, sized at the first frame and then reused.
final class StreamingExecutor {
    let net: CompiledNetwork
    private var width = -1
    /// Floats per channel row: 8 zero columns, the row rounded up to 8, 8 zero columns.
    private var stride = 0
    /// rings[i]: input rows of layer i (rings[0] is the luma plane as floats).
    private var rings: [Ring] = []
    private var zeroRow: UnsafeMutablePointer<Float>
    private var finalRow: UnsafeMutablePointer<Float>
    private var rowPointers: UnsafeMutablePointer<UnsafePointer<Float>>
    private var residual: BicubicRows
    private var source: LumaPlane!
    static let margin = 8

    struct Ring {
        let base: UnsafeMutablePointer<Float>
        let capacity: Int      // rows
        let channels: Int
        let rowFloats: Int     // channels * stride
        var next = 0           // the next row index to produce
        func slot(_ y: Int) -> UnsafeMutablePointer<Float> { base + (y % capacity) * rowFloats }
    }

    init(_ net: CompiledNetwork) {
        self.net = net
        zeroRow = .allocate(capacity: 1)
        finalRow = .allocate(capacity: 1)
        rowPointers = .allocate(capacity: 8)
        residual = BicubicRows(taps: net.taps)
    }

    deinit {
        freeBuffers()
        rowPointers.deallocate()
    }

    private func freeBuffers() {
        for r in rings { r.base.deallocate() }
        rings = []
        zeroRow.deallocate()
        finalRow.deallocate()
    }

    private func prepare(width w: Int) {
        if w == width { return }
        freeBuffers()
        width = w
        stride = Self.margin + (w + 7) / 8 * 8 + Self.margin
        var maxChannels = 1
        for l in net.layers {
            let rowFloats = l.inChannels * stride
            let base = UnsafeMutablePointer<Float>.allocate(capacity: l.kernel * rowFloats)
            base.initialize(repeating: 0, count: l.kernel * rowFloats)  // margins stay zero forever
            rings.append(Ring(base: base, capacity: l.kernel, channels: l.inChannels, rowFloats: rowFloats))
            maxChannels = max(maxChannels, l.inChannels, l.outChannels)
        }
        zeroRow = .allocate(capacity: maxChannels * stride)
        zeroRow.initialize(repeating: 0, count: maxChannels * stride)
        let r = net.network.scale
        finalRow = .allocate(capacity: r * r * stride)
        finalRow.initialize(repeating: 0, count: r * r * stride)
    }

    /// Where finished rows go: a quantised plane, or floats (tests compare those with the
    /// reference executor before rounding).
    enum Sink {
        case plane(LumaPlane)
        case floats(UnsafeMutablePointer<Float>, rowStride: Int)
    }

    /// Writes output rows [scale*y0, scale*y1) of `destination`.
    func run(_ src: LumaPlane, into dst: LumaPlane, rows y0: Int, _ y1: Int) {
        run(src, into: .plane(dst), rows: y0, y1)
    }

    func run(_ src: LumaPlane, into dst: Sink, rows y0: Int, _ y1: Int) {
        prepare(width: src.width)
        source = src
        residual.begin(src)
        // Each ring starts at the first row the band's first output row depends on.
        var reach = 0
        for i in Swift.stride(from: rings.count - 1, through: 0, by: -1) {
            reach += net.layers[i].kernel / 2
            rings[i].next = max(0, y0 - reach)
        }
        let last = net.layers.count - 1
        let p = net.layers[last].kernel / 2
        for y in y0..<y1 {
            produce(ring: last, upTo: min(y + p, src.height - 1))
            convolve(layer: last, row: y, into: finalRow)
            emit(row: y, into: dst)
        }
    }

    /// Makes rows up to `target` of ring j available, computing them through earlier layers.
    private func produce(ring j: Int, upTo target: Int) {
        while rings[j].next <= target {
            let y = rings[j].next
            let slot = rings[j].slot(y)
            if j == 0 {
                source.loadRow(y, into: slot + Self.margin)
            } else {
                let p = net.layers[j - 1].kernel / 2
                produce(ring: j - 1, upTo: min(y + p, source.height - 1))
                convolve(layer: j - 1, row: y, into: slot)
            }
            rings[j].next = y + 1
        }
    }

    /// Computes output row y of layer i into `out` (channel rows `stride` apart, margins kept zero).
    private func convolve(layer i: Int, row y: Int, into out: UnsafeMutablePointer<Float>) {
        let layer = net.layers[i], ring = rings[i]
        let k = layer.kernel, p = k / 2, h = source.height
        for ky in 0..<k {
            let sy = y - p + ky
            let row = sy < 0 || sy >= h ? UnsafePointer(zeroRow) : UnsafePointer(ring.slot(sy))
            rowPointers[ky] = row + (Self.margin - p)
        }
        let vectors = (width + 7) / 8
        layer.convolveRow(rows: UnsafePointer(rowPointers), vectors: vectors, stride: stride, out: out + Self.margin)
        // Columns past the width were computed from padding: zero them, the next layer reads
        // them as its right-hand zero padding.
        let tail = vectors * 8 - width
        if tail > 0 {
            for c in 0..<layer.outChannels { (out + Self.margin + c * stride + width).update(repeating: 0, count: tail) }
        }
    }

    private func emit(row y: Int, into dst: Sink) {
        Self.emit(row: y, channels: finalRow + Self.margin, stride: stride, width: width, network: net.network,
                  taps: net.taps, residual: &residual, into: dst)
    }

    /// Pixel shuffle of the last layer's row y, plus the bicubic residual, quantised into `dst`
    /// (the fp32 and the int8 executor share it). `channels`: the r*r channel rows at column 0,
    /// `stride` floats apart. The residual is added phase by phase to the channel rows in place
    /// (contiguous, vectorised); the interleaving happens once, in the store.
    static func emit(row y: Int, channels: UnsafeMutablePointer<Float>, stride: Int, width w: Int, network: Network,
                     taps: BicubicTaps, residual: inout BicubicRows, into dst: Sink) {
        let r = network.scale
        let bicubic = network.residual == .bicubic
        for dy in 0..<r {
            let oy = y * r + dy
            let phases = channels + dy * r * stride  // channel (dy, dx) at dx * stride
            if bicubic {
                let v = residual.vertical(oy)
                for dx in 0..<r {
                    BicubicRows.horizontal(dx, of: v, width: w, taps: taps, into: phases + dx * stride, adding: true)
                }
            }
            switch dst {
            case .plane(let plane):
                plane.storeRow(oy, interleaving: phases, planeStride: stride, factor: r, count: w)
            case .floats(let base, let rowStride):
                LumaPlane.interleave(phases, stride, r, w, into: base + oy * rowStride) { $0 }
            }
        }
    }
}
