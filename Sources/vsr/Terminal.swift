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

/// Keys while an upscale runs on a terminal, as video2x users know them: `q` stops (like Ctrl-C:
/// the file is finished with the frames done so far), space pauses and resumes. The terminal's
/// line mode and echo are turned off meanwhile and restored when done (and at exit).
final class KeyboardControl: @unchecked Sendable {
    private static let saved = Mutex<termios?>(nil)
    private let fd = STDIN_FILENO
    /// Set when this control is done: its reader stops (a batch makes one per file).
    private let closed = StopFlag()

    /// Nil when stdin or stderr is not a terminal (a pipe, a script, CI): nothing to read.
    init?(stop: StopFlag, pause: PauseGate, onPause: @escaping @Sendable (Bool) -> Void) {
        guard isatty(STDIN_FILENO) == 1, isatty(STDERR_FILENO) == 1 else { return nil }
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else { return nil }
        Self.saved.withLock { $0 = t }
        atexit { KeyboardControl.restore() }
        var raw = t
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)  // keys one by one, unechoed; Ctrl-C still signals
        tcsetattr(fd, TCSANOW, &raw)
        let fd = self.fd, closed = self.closed
        let reader = Thread {
            var byte: UInt8 = 0
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while !stop.isRaised && !closed.isRaised {
                // Waits a fifth of a second at a time, so a finished control lets go of stdin.
                guard poll(&ready, 1, 200) == 1 else { continue }
                guard read(fd, &byte, 1) == 1 else { break }
                switch byte {
                case UInt8(ascii: "q"), UInt8(ascii: "Q"): stop.raise()
                case UInt8(ascii: " "): onPause(pause.toggle())
                default: break
                }
            }
        }
        reader.start()
    }

    deinit {
        closed.raise()
        Self.restore()
    }

    static func restore() {
        saved.withLock { t in
            if var t { tcsetattr(STDIN_FILENO, TCSANOW, &t) }
        }
    }
}
