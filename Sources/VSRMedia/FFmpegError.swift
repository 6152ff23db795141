import CFFmpeg

/// An FFmpeg failure: the code, FFmpeg's own message and what vsr was doing.
public struct FFmpegError: Error, CustomStringConvertible, Equatable {
    public let code: Int32
    public let operation: String

    public init(_ code: Int32, _ operation: String) {
        self.code = code
        self.operation = operation
    }

    public var message: String { Self.message(for: code) }
    public var description: String { "\(operation): \(message)" }

    public static func message(for code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        vsr_strerror(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static let eof = vsr_averror_eof()
    public static let again = vsr_averror(EAGAIN)
    public static let invalidData = vsr_averror_invaliddata()
    public static let exit = vsr_averror_exit()
    public static let notFound = vsr_averror(ENOENT)
}

/// Runs a C call that returns a negative AVERROR on failure; returns the non-negative result.
@discardableResult
@inline(__always)
func check(_ result: Int32, _ operation: @autoclosure () -> String) throws(FFmpegError) -> Int32 {
    if result < 0 { throw FFmpegError(result, operation()) }
    return result
}

/// Timestamps that are unknown in FFmpeg's sense.
public let noTimestamp: Int64 = vsr_nopts_value()
