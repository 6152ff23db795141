import Foundation
import VSRMedia

/// Opens a file or URL for reading, turning FFmpeg's failures into the errors a user can act on.
public func openInput(_ path: String, options: [String: String] = [:],
                      interrupt: InterruptFlag = InterruptFlag()) throws -> InputFile {
    if !isURL(path) && !isPipe(path) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw VSRError.inputNotFound(path) }
        guard !isDir.boolValue, FileManager.default.isReadableFile(atPath: path) else { throw VSRError.inputUnreadable(path) }
    }
    do { return try InputFile(url: path, options: options, interrupt: interrupt) } catch {
        switch error.code {
        case .noSuchFile: throw VSRError.inputNotFound(path)
        case .permissionDenied: throw VSRError.inputUnreadable(path)
        default: throw VSRError.notMedia(path, error.message)
        }
    }
}

/// A URL FFmpeg opens through a protocol (rtsp://, udp://, ...) rather than a local path.
public func isURL(_ path: String) -> Bool { path.contains("://") }

/// Standard input or output (`pipe:0`, `pipe:1`; the CLI maps `-` to them).
public func isPipe(_ path: String) -> Bool { path.hasPrefix("pipe:") }

/// A URL that goes over the network (file: URLs do not).
public func isNetworkURL(_ url: String) -> Bool { isURL(url) && !url.hasPrefix("file:") }
