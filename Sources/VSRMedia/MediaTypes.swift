internal import CFFmpeg

// The Swift values the rest of vsr sees instead of FFmpeg's C types. Every file of this module
// imports CFFmpeg `internal`ly, so the compiler refuses a public API that would leak one.

/// A pixel format (FFmpeg's AVPixelFormat, by value).
public struct PixelFormat: Hashable, Sendable, CustomStringConvertible {
    let rawValue: Int32

    init(_ format: AVPixelFormat) { rawValue = format.rawValue }
    var av: AVPixelFormat { AVPixelFormat(rawValue) }

    /// The format FFmpeg knows by `name` (yuv420p, rgb24, ...), if any.
    public init?(name: String) {
        let f = av_get_pix_fmt(name)
        guard f != AV_PIX_FMT_NONE else { return nil }
        self.init(f)
    }

    public static let none = PixelFormat(AV_PIX_FMT_NONE)
    public static let yuv420p = PixelFormat(AV_PIX_FMT_YUV420P)
    public static let yuv420p10 = PixelFormat(AV_PIX_FMT_YUV420P10LE)
    public static let yuv422p = PixelFormat(AV_PIX_FMT_YUV422P)
    public static let yuv444p = PixelFormat(AV_PIX_FMT_YUV444P)
    public static let yuv444p16 = PixelFormat(AV_PIX_FMT_YUV444P16LE)
    public static let yuvj420p = PixelFormat(AV_PIX_FMT_YUVJ420P)
    public static let rgb24 = PixelFormat(AV_PIX_FMT_RGB24)
    public static let gray8 = PixelFormat(AV_PIX_FMT_GRAY8)

    public var name: String { av_get_pix_fmt_name(av).map { String(cString: $0) } ?? "unknown" }
    public var description: String { name }

    private var descriptor: AVPixFmtDescriptor? { av_pix_fmt_desc_get(av)?.pointee }

    /// Bits per sample of the first component (8 for yuv420p, 10 for yuv420p10le).
    public var bitDepth: Int { descriptor.map { Int($0.comp.0.depth) } ?? 0 }

    /// RGB, gray or a yuvj format: samples use the full range by definition.
    public var impliesFullRange: Bool {
        guard let d = descriptor else { return false }
        return d.flags & UInt64(AV_PIX_FMT_FLAG_RGB) != 0 || d.nb_components <= 2 || sameMemoryLayout != self
    }

    /// Gray formats (one or two components, no palette).
    public var isGray: Bool {
        guard let d = descriptor else { return false }
        return d.nb_components <= 2 && d.flags & UInt64(AV_PIX_FMT_FLAG_PAL) == 0
    }

    /// yuvj formats are their yuv twins with a full-range flag: same memory, no conversion.
    public var sameMemoryLayout: PixelFormat {
        switch av {
        case AV_PIX_FMT_YUVJ420P: .yuv420p
        case AV_PIX_FMT_YUVJ422P: .yuv422p
        case AV_PIX_FMT_YUVJ444P: .yuv444p
        default: self
        }
    }

    /// The one-plane gray format of `bitDepth` bits: what swscale scales a single plane in.
    public static func singlePlane(bitDepth: Int) -> PixelFormat {
        switch bitDepth {
        case ...8: PixelFormat(AV_PIX_FMT_GRAY8)
        case 9...10: PixelFormat(AV_PIX_FMT_GRAY10LE)
        case 11...12: PixelFormat(AV_PIX_FMT_GRAY12LE)
        default: PixelFormat(AV_PIX_FMT_GRAY16LE)
        }
    }

    /// Samples per row and rows of plane `plane` of a `width` x `height` picture: chroma planes
    /// of subsampled YUV round up (641 wide 4:2:0 has 321-sample chroma rows). The one rule for
    /// frames, frame pools and the upscaler's layout.
    public func planeSize(width: Int, height: Int, plane: Int) -> (width: Int, height: Int) {
        guard let d = descriptor else { return (0, 0) }
        let chroma = (plane == 1 || plane == 2) && d.flags & UInt64(AV_PIX_FMT_FLAG_RGB) == 0
        return chroma ? (-((-width) >> Int(d.log2_chroma_w)), -((-height) >> Int(d.log2_chroma_h))) : (width, height)
    }
}

/// A rational number: time bases, frame rates, aspect ratios (FFmpeg's AVRational, by value).
public struct Rational: Hashable, Sendable, Codable, CustomStringConvertible {
    public var num: Int32
    public var den: Int32

    public init(_ num: Int32, _ den: Int32) {
        self.num = num
        self.den = den
    }

    init(_ r: AVRational) { self.init(r.num, r.den) }
    var av: AVRational { AVRational(num: num, den: den) }

    public static let microseconds = Rational(1, 1_000_000)

    public var value: Double { den == 0 ? 0 : Double(num) / Double(den) }
    public var inverse: Rational { Rational(den, num) }
    /// A usable positive rate or time base (0/1 is FFmpeg's "unknown").
    public var isPositive: Bool { num > 0 && den > 0 }
    public var description: String { "\(num)/\(den)" }

    /// `timestamp` (in this time base) in `other`, rounded to nearest as FFmpeg does.
    public func rescale(_ timestamp: Int64, to other: Rational) -> Int64 { av_rescale_q(timestamp, av, other.av) }
}

/// Timestamps that are unknown in FFmpeg's sense.
public let noTimestamp: Int64 = vsr_nopts_value()

/// How samples map to colours (the codec's colour tags, by value).
public struct ColorDescription: Equatable, Sendable {
    var primaries: AVColorPrimaries = AVCOL_PRI_UNSPECIFIED
    var transfer: AVColorTransferCharacteristic = AVCOL_TRC_UNSPECIFIED
    var space: AVColorSpace = AVCOL_SPC_UNSPECIFIED
    var range: AVColorRange = AVCOL_RANGE_UNSPECIFIED
    var chromaLocation: AVChromaLocation = AVCHROMA_LOC_UNSPECIFIED

    public init() {}

    /// The range tag: true for full (JPEG) range, false for limited (MPEG), nil when unknown.
    public var fullRange: Bool? {
        get { range == AVCOL_RANGE_JPEG ? true : range == AVCOL_RANGE_MPEG ? false : nil }
        set { range = newValue.map { $0 ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG } ?? AVCOL_RANGE_UNSPECIFIED }
    }
}

/// What a stream carries.
public enum MediaKind: String, Sendable {
    case video, audio, subtitle, data, attachment, unknown

    init(_ type: AVMediaType) {
        switch type {
        case AVMEDIA_TYPE_VIDEO: self = .video
        case AVMEDIA_TYPE_AUDIO: self = .audio
        case AVMEDIA_TYPE_SUBTITLE: self = .subtitle
        case AVMEDIA_TYPE_DATA: self = .data
        case AVMEDIA_TYPE_ATTACHMENT: self = .attachment
        default: self = .unknown
        }
    }
}

/// One stream of an input, as a value.
public struct StreamInfo: Sendable {
    public let index: Int
    public let kind: MediaKind
    public let codecName: String
    /// Lossy by FFmpeg's codec properties (H.264, HEVC, MJPEG are; FFV1, PNG, raw video are not).
    public let isLossy: Bool
    public let timeBase: Rational
    /// Cover art: a single picture attached to the file, not a video.
    public let isAttachedPicture: Bool
    /// Subtitles as text (SRT, ASS, mov_text, WebVTT), which can be converted between containers.
    public let isTextSubtitle: Bool
    /// Picture size (0 for other kinds, and for video whose size is not known yet).
    public let width: Int, height: Int

    init(_ st: UnsafeMutablePointer<AVStream>) {
        let par = st.pointee.codecpar.pointee
        index = Int(st.pointee.index)
        kind = MediaKind(par.codec_type)
        codecName = String(cString: avcodec_get_name(par.codec_id))
        isLossy = avcodec_descriptor_get(par.codec_id).map { $0.pointee.props & AV_CODEC_PROP_LOSSY != 0 } ?? true
        isTextSubtitle = avcodec_descriptor_get(par.codec_id).map { $0.pointee.props & AV_CODEC_PROP_TEXT_SUB != 0 } ?? false
        timeBase = Rational(st.pointee.time_base)
        isAttachedPicture = st.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC != 0
        width = Int(par.width)
        height = Int(par.height)
    }
}
