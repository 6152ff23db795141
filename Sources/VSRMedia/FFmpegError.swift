internal import CFFmpeg

/// An FFmpeg failure: a named code to match on, FFmpeg's own message and what vsr was doing.
public struct FFmpegError: Error, CustomStringConvertible, Equatable {
    /// An AVERROR value. The ones callers act on have names (swift-system's Errno is the model):
    /// `error.code == .permissionDenied`, never a comparison with a raw errno.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        public static let endOfFile = Code(rawValue: vsr_averror_eof())
        public static let tryAgain = Code(rawValue: vsr_averror(EAGAIN))
        public static let invalidData = Code(rawValue: vsr_averror_invaliddata())
        /// An interrupt callback asked FFmpeg to stop (Ctrl-C, shutdown).
        public static let exit = Code(rawValue: vsr_averror_exit())
        public static let noSuchFile = Code(rawValue: vsr_averror(ENOENT))
        public static let permissionDenied = Code(rawValue: vsr_averror(EACCES))
        public static let invalidArgument = Code(rawValue: vsr_averror(EINVAL))
        public static let outOfMemory = Code(rawValue: vsr_averror(ENOMEM))
        public static let decoderNotFound = Code(rawValue: vsr_averror_decoder_not_found())
        public static let encoderNotFound = Code(rawValue: vsr_averror_encoder_not_found())
        public static let timedOut = Code(rawValue: vsr_averror(ETIMEDOUT))
        /// What a UDP input's rw_timeout ends with.
        public static let ioError = Code(rawValue: vsr_averror(EIO))
    }

    public let code: Code
    public let operation: String

    public init(_ code: Code, _ operation: String) {
        self.code = code
        self.operation = operation
    }

    init(_ raw: Int32, _ operation: String) { self.init(Code(rawValue: raw), operation) }

    public var message: String {
        var buffer = [CChar](repeating: 0, count: 256)
        vsr_strerror(code.rawValue, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String { "\(operation): \(message)" }
}

/// Runs a C call that returns a negative AVERROR on failure; returns the non-negative result.
@discardableResult
@inline(__always)
func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(FFmpegError) -> Int32 {
    if result < 0 { throw FFmpegError(result, operation()) }
    return result
}

/// The outcome of one call of libavcodec's send/receive API (decoders and encoders alike):
/// EAGAIN and EOF are results, not errors.
enum CodecCall {
    case done, again, ended

    init(_ result: Int32, _ operation: @autoclosure () -> String) throws(FFmpegError) {
        switch result {
        case FFmpegError.Code.tryAgain.rawValue: self = .again
        case FFmpegError.Code.endOfFile.rawValue: self = .ended
        default:
            try check(result, operation())
            self = .done
        }
    }
}

/// An AVDictionary of options built from Swift strings, freed by the caller with av_dict_free.
struct OptionsDictionary {
    var pointer: OpaquePointer?
    init(_ values: [String: String]) {
        for (k, v) in values.sorted(by: { $0.key < $1.key }) { av_dict_set(&pointer, k, v, 0) }
    }
}
