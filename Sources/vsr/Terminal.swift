import ArgumentParser
import Dispatch
import Foundation
import Synchronization
import VSRPipeline

/// One-line messages to stderr, prefixed so they stand apart from the program's output.
enum Terminal {
    static func note(_ s: String) { write("vsr: note: \(s)\n") }
    static func error(_ s: String) { write("vsr: error: \(s)\n") }
    static func write(_ s: String) { FileHandle.standardError.write(s.data(using: .utf8)!) }
}

/// SIGINT/SIGTERM: the first asks the job to stop and finish its file (the queued frames are
/// dropped, so this takes about a frame's time); the second says it is still finishing, since
/// quitting then would leave a file without its index; the third quits at once.
final class InterruptHandler {
    let stop = StopFlag()
    private let sources: [any DispatchSourceSignal]

    init(onFirst: @escaping @Sendable () -> Void = {}) {
        let stop = self.stop
        let count = Atomic<Int>(0)
        sources = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                switch count.add(1, ordering: .relaxed).newValue {
                case 1:
                    stop.raise()
                    onFirst()
                case 2:
                    Terminal.note("finishing the file so that it plays; Ctrl-C once more quits at once and leaves it unplayable")
                default:
                    exit(130)
                }
            }
            source.resume()
            return source
        }
    }
}

/// Runs `body`, turning vsr's errors into one line on stderr and a non-zero exit code.
/// Every error vsr throws describes itself for a person (CustomStringConvertible).
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as ExitCode {
        throw e
    } catch {
        Terminal.error("\(error)")
        throw ExitCode.failure
    }
}

extension ExitCode {
    /// 128 + SIGINT, as shells report a program stopped by Ctrl-C.
    static let interrupted = ExitCode(130)
}
