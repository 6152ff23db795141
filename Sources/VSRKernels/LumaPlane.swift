/// A luma plane in someone else's memory: 8-bit samples (UInt8) or 9-16-bit samples (UInt16,
/// native endian, as FFmpeg's *LE formats on x86 and Arm).
public struct LumaPlane: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let width: Int
    public let height: Int
    /// Bytes from one row to the next (FFmpeg's linesize).
    public let rowBytes: Int
    public let bitDepth: Int

    public init(base: UnsafeMutableRawPointer, width: Int, height: Int, rowBytes: Int, bitDepth: Int) {
        precondition(bitDepth >= 8 && bitDepth <= 16, "bit depth \(bitDepth) is not 8...16")
        precondition(rowBytes >= width * (bitDepth > 8 ? 2 : 1))
        self.base = base
        self.width = width
        self.height = height
        self.rowBytes = rowBytes
        self.bitDepth = bitDepth
    }

    public var maxValue: Int { (1 << bitDepth) - 1 }
    /// Sample value that means 1.0 to the networks: 255 at 8 bits, 1020 at 10 bits (so that video
    /// black, 16 << (bits - 8), maps to the same number at every depth).
    public var unitValue: Float { Float(255 << (bitDepth - 8)) }

    @inline(__always) public func row8(_ y: Int) -> UnsafeMutablePointer<UInt8> {
        (base + y * rowBytes).assumingMemoryBound(to: UInt8.self)
    }

    @inline(__always) public func row16(_ y: Int) -> UnsafeMutablePointer<UInt16> {
        (base + y * rowBytes).assumingMemoryBound(to: UInt16.self)
    }

    /// Converts row `y` to floats (value / unitValue) into `out[0..<width]`.
    @inline(__always) public func loadRow(_ y: Int, into out: UnsafeMutablePointer<Float>) {
        let k = 1 / unitValue
        if bitDepth == 8 {
            let r = row8(y)
            for x in 0..<width { out[x] = Float(r[x]) * k }
        } else {
            let r = row16(y)
            for x in 0..<width { out[x] = Float(r[x]) * k }
        }
    }

    /// Quantises `values[0..<count]` (in units of unitValue), rounding and clamping, into row `y`
    /// starting at column `x0`.
    @inline(__always) public func storeRow(_ y: Int, from values: UnsafePointer<Float>, x0: Int = 0, count: Int) {
        let scale = unitValue
        let hi = Float(maxValue)
        if bitDepth == 8 {
            let r = row8(y) + x0
            for x in 0..<count { r[x] = UInt8(truncatingIfNeeded: Self.quantise(values[x], scale, hi)) }
        } else {
            let r = row16(y) + x0
            for x in 0..<count { r[x] = UInt16(truncatingIfNeeded: Self.quantise(values[x], scale, hi)) }
        }
    }

    /// Quantises `factor` planar rows into row `y`, interleaved: output column x*factor + i comes
    /// from `planes[i * planeStride + x]` (x < count). The pixel shuffle of a sub-pixel layer.
    public func storeRow(_ y: Int, interleaving planes: UnsafePointer<Float>, planeStride: Int, factor: Int, count: Int) {
        let scale = unitValue, hi = Float(maxValue)
        if bitDepth == 8 {
            Self.interleave(planes, planeStride, factor, count, into: row8(y)) { UInt8(truncatingIfNeeded: Self.quantise($0, scale, hi)) }
        } else {
            Self.interleave(planes, planeStride, factor, count, into: row16(y)) { UInt16(truncatingIfNeeded: Self.quantise($0, scale, hi)) }
        }
    }

    /// floor(v * scale + 0.5) clamped to 0...hi, without Swift's trapping float-to-integer
    /// conversion (whose range checks keep the loops scalar): the integral float y < 2^16 plus
    /// 2^23 has y in its low mantissa bits.
    @inline(__always)
    static func quantise(_ v: Float, _ scale: Float, _ hi: Float) -> UInt32 {
        let y = min(max(v * scale + 0.5, 0), hi).rounded(.down)
        return (y + 8_388_608).bitPattern & 0xFFFF
    }

    /// out[x*r + i] = convert(planes[i*stride + x]). A literal factor in each case lets the
    /// compiler vectorise the interleaved stores; other factors take the plain loop.
    @inline(__always)
    static func interleave<T>(_ planes: UnsafePointer<Float>, _ stride: Int, _ r: Int, _ count: Int,
                              into out: UnsafeMutablePointer<T>, _ convert: (Float) -> T) {
        @inline(__always) func run(_ r: Int) {
            for x in 0..<count {
                for i in 0..<r { out[x &* r &+ i] = convert(planes[i &* stride &+ x]) }
            }
        }
        switch r {
        case 1: run(1)
        case 2: run(2)
        case 3: run(3)
        case 4: run(4)
        default: run(r)
        }
    }
}

