/// The int8 twin of StreamingExecutor: the same fused line-buffer schedule (each layer keeps a
/// ring of the k input rows the next layer reads, a band flows through every layer in cache), with
/// u8 rings in channel groups of 4 (a pixel's 4 channels in one 32-bit word, what vpdpbusd reads)
/// instead of float rows, a quarter of the bytes. The last layer's floats go through the shared
/// fp32 pixel shuffle and bicubic residual. 8-bit planes only (the worker runs fp32 for deeper ones).
///
/// The first layer's ring holds the luma packed by rows (4 neighbouring pixels per word), which
/// saves its kernels the 3 zero channels a 1-channel group would carry.
///
/// Zero padding is the quantised zero: every ring is filled with its layer's input zero point,
/// margins and rows outside the image included, and the columns past the width are reset to it
/// after each row.
final class Int8StreamingExecutor {
    let net: Int8Network
    private var width = -1
    /// Bytes per group row: 4 bytes a pixel for margin + width rounded up to 16 + margin pixels.
    private var groupStride = 0
    /// Floats per channel row of the last layer.
    private var floatStride = 0
    /// Pixel columns of a group row from column 0 on (the right margin included).
    private var pixelsAfterMargin = 0
    private var rings: [Ring] = []
    /// zeroRows[i]: rows outside the image for layer i (its input zero point everywhere).
    private var zeroRows: [UnsafeMutablePointer<UInt8>] = []
    private var finalRow: UnsafeMutablePointer<Float>
    private var rowPointers: UnsafeMutablePointer<UnsafePointer<UInt8>?>
    private var residual: BicubicRows
    private var source: LumaPlane!
    static let margin = 8

    struct Ring {
        let base: UnsafeMutablePointer<UInt8>
        let capacity: Int      // rows
        let rowBytes: Int      // groups * groupStride
        /// Per group: its 4 channels' zero points as one word (padded channels 0).
        let zeroWords: [UInt32]
        var next = 0           // the next row index to produce
        func slot(_ y: Int) -> UnsafeMutablePointer<UInt8> { base + (y % capacity) * rowBytes }
    }

    init(_ net: Int8Network) {
        self.net = net
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
        for z in zeroRows { z.deallocate() }
        rings = []
        zeroRows = []
        finalRow.deallocate()
    }

    private func prepare(width w: Int) {
        if w == width { return }
        freeBuffers()
        width = w
        let pixels = Self.margin + (w + 15) / 16 * 16 + Self.margin
        pixelsAfterMargin = pixels - Self.margin
        groupStride = pixels * 4
        floatStride = pixels
        for (i, l) in net.layers.enumerated() {
            let points = i == 0 ? [0] : net.layers[i - 1].output!.zeroPoints
            let words = (0..<l.groups).map { g in
                (0..<4).reduce(UInt32(0)) { w, j in g * 4 + j < points.count ? w | UInt32(points[g * 4 + j]) << (8 * j) : w }
            }
            let rowBytes = l.groups * groupStride
            let base = UnsafeMutablePointer<UInt8>.allocate(capacity: l.kernel * rowBytes)
            // Margins keep the zero points for good; ring 0 (packed luma) starts at zero.
            for row in 0..<l.kernel { fillZero(base + row * rowBytes, words, from: -Self.margin, to: pixelsAfterMargin) }
            rings.append(Ring(base: base, capacity: l.kernel, rowBytes: rowBytes, zeroWords: words))
            let z = UnsafeMutablePointer<UInt8>.allocate(capacity: rowBytes)
            fillZero(z, words, from: -Self.margin, to: pixelsAfterMargin)
            zeroRows.append(z)
        }
        let r = net.network.scale
        finalRow = .allocate(capacity: r * r * floatStride)
        finalRow.initialize(repeating: 0, count: r * r * floatStride)
    }

    func run(_ src: LumaPlane, into dst: LumaPlane, rows y0: Int, _ y1: Int) {
        run(src, into: .plane(dst), rows: y0, y1)
    }

    /// Writes output rows [scale*y0, scale*y1) of `dst`.
    func run(_ src: LumaPlane, into dst: StreamingExecutor.Sink, rows y0: Int, _ y1: Int) {
        precondition(src.bitDepth == 8, "the int8 executor takes 8-bit planes")
        prepare(width: src.width)
        source = src
        residual.begin(src)
        var reach = 0
        for i in stride(from: rings.count - 1, through: 0, by: -1) {
            reach += net.layers[i].kernel / 2
            rings[i].next = max(0, y0 - reach)
        }
        let last = net.layers.count - 1
        let p = net.layers[last].kernel / 2
        for y in y0..<y1 {
            produce(ring: last, upTo: min(y + p, src.height - 1))
            convolve(layer: last, row: y, into: UnsafeMutableRawPointer(finalRow + Self.margin), outStride: floatStride)
            StreamingExecutor.emit(row: y, channels: finalRow + Self.margin, stride: floatStride, width: width,
                                   network: net.network, taps: net.taps, residual: &residual, into: dst)
        }
    }

    private func produce(ring j: Int, upTo target: Int) {
        while rings[j].next <= target {
            let y = rings[j].next
            let slot = rings[j].slot(y)
            if j == 0 {
                loadLuma(row: y, into: slot + Self.margin * 4)
            } else {
                let p = net.layers[j - 1].kernel / 2
                produce(ring: j - 1, upTo: min(y + p, source.height - 1))
                convolve(layer: j - 1, row: y, into: UnsafeMutableRawPointer(slot + Self.margin * 4), outStride: groupStride)
                let vectors = (width + net.isa.lanes - 1) / net.isa.lanes
                fillZero(slot, rings[j].zeroWords, from: width, to: vectors * net.isa.lanes)
            }
            rings[j].next = y + 1
        }
    }

    /// The luma row packed for the first layer: the word at pixel x holds samples x...x+3 (zero
    /// outside the row), for x from -3 (the left padding's words reach into the row) to width-1;
    /// words further out stay zero.
    private func loadLuma(row y: Int, into out: UnsafeMutablePointer<UInt8>) {
        let r = source.row8(y), w = width
        let words = UnsafeMutableRawPointer(out)
        // Whole words straight from the row where all 4 samples are inside it.
        let inside = max(0, w - 3)
        for x in 0..<inside {
            words.storeBytes(of: UnsafeRawPointer(r + x).loadUnaligned(as: UInt32.self), toByteOffset: x &* 4, as: UInt32.self)
        }
        for x in min(-3, inside)..<w where x < 0 || x >= inside {
            var word: UInt32 = 0
            for j in 0..<4 where x + j >= 0 && x + j < w { word |= UInt32(r[x + j]) << (8 * j) }
            words.storeBytes(of: word, toByteOffset: x * 4, as: UInt32.self)
        }
    }

    /// Sets pixel columns [x0, x1) of every group of a row (`row`: group 0 at column -margin) to
    /// the zero points. After each row, the columns past the width, which the kernels computed
    /// from padding: the next layer reads them as its right-hand padding.
    private func fillZero(_ row: UnsafeMutablePointer<UInt8>, _ words: [UInt32], from x0: Int, to x1: Int) {
        guard x1 > x0 else { return }
        for (g, word) in words.enumerated() {
            let start = UnsafeMutableRawPointer(row + g * groupStride + (Self.margin + x0) * 4)
            for x in 0..<(x1 - x0) { start.storeBytes(of: word, toByteOffset: x * 4, as: UInt32.self) }
        }
    }

    private func convolve(layer i: Int, row y: Int, into out: UnsafeMutableRawPointer, outStride: Int) {
        let layer = net.layers[i], ring = rings[i]
        let k = layer.kernel, p = k / 2, h = source.height
        for ky in 0..<k {
            let sy = y - p + ky
            let row = sy < 0 || sy >= h ? UnsafePointer(zeroRows[i]) : UnsafePointer(ring.slot(sy))
            rowPointers[ky] = row + (Self.margin - p) * 4
        }
        let vectors = (width + net.isa.lanes - 1) / net.isa.lanes
        layer.convolveRow(rows: UnsafePointer(rowPointers), vectors: vectors, groupStride: groupStride, out: out, outStride: outStride)
    }
}
