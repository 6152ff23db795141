import VSRMedia

/// Failures a user can act on: each says what went wrong, with which file, and what to do.
public enum VSRError: Error, CustomStringConvertible {
    case inputNotFound(String)
    case inputUnreadable(String)
    case notMedia(String, String)
    case noVideoStream(String)
    case noDecodableFrames(String, errors: Int)
    case outputExists(String)
    case sameFile(String, String)
    case outputUnwritable(String, String)
    case unknownEncoder(String, available: [String])
    case unsupported(String)
    case media(FFmpegError)

    public var description: String {
        switch self {
        case .inputNotFound(let p): "input not found: \(p)"
        case .inputUnreadable(let p): "cannot read \(p): permission denied or not a regular file"
        case .notMedia(let p, let why):
            "\(p) is not a media file FFmpeg can read (\(why)); check that it is a complete video or image"
        case .noVideoStream(let p): "\(p) has no video stream to upscale"
        case .noDecodableFrames(let p, let n):
            "no frame of \(p) could be decoded (\(n) decode errors): the file is corrupt or truncated"
        case .outputExists(let p): "\(p) already exists; pass --overwrite to replace it"
        case .sameFile(let i, let o): "\(o) is the input \(i) itself; choose another output name (--overwrite never replaces the input)"
        case .outputUnwritable(let p, let why): "cannot write \(p) (\(why)); check the folder exists and is writable"
        case .unknownEncoder(let e, let available):
            "the encoder '\(e)' is not in this FFmpeg build; available: \(available.joined(separator: ", "))"
        case .unsupported(let why): why
        case .media(let e): e.description
        }
    }
}
