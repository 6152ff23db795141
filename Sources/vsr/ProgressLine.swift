import Foundation
import VSRFrames
import VSRPipeline
import VSRUpscale

/// How progress is shown: a live line on a terminal, periodic plain lines, JSON lines for
/// scripts, or nothing.
enum ProgressStyle: String, Sendable, CaseIterable {
    case auto, plain, json, none
}

/// Prints progress to stderr from its own thread until stopped.
final class ProgressReporter: @unchecked Sendable {
    private let counter: ProgressCounter
    private let style: ProgressStyle
    private let sourceFPS: Double
    private let condition = Condition()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    init(counter: ProgressCounter, style: ProgressStyle, sourceFPS: Double) {
        let tty = isatty(STDERR_FILENO) == 1
        self.counter = counter
        // Not a terminal (a log file, a pipe): plain lines, one a second.
        self.style = style == .auto ? (tty ? .auto : .plain) : style
        self.sourceFPS = sourceFPS
    }

    func start() {
        guard style != .none else { done.signal(); return }
        let t = Thread { [self] in
            let interval: TimeInterval = style == .auto ? 0.5 : 1
            condition.lock()
            while !stopped {
                condition.wait(until: deadline(afterSeconds: interval))
                if !stopped { emit(final: false) }
            }
            condition.unlock()
            done.signal()
        }
        t.start()
    }

    /// Stops the reporter thread and clears the live line. Safe to call more than once.
    func stop() {
        condition.lock()
        let first = !stopped
        stopped = true
        condition.broadcast()
        condition.unlock()
        guard first else { return }
        done.wait()
        if style == .auto { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
        if style == .json || style == .plain { emit(final: true) }  // the last record: where it ended
    }

    private func emit(final: Bool) {
        let s = counter.snapshot()
        let speed = sourceFPS > 0 ? s.fps / sourceFPS : 0
        let eta = s.expected > s.frames && s.fps > 0 ? Double(s.expected - s.frames) / s.fps : nil
        let line: String
        switch style {
        case .json:
            let record = ProgressRecord(frames: s.frames, totalFrames: s.expected > 0 ? s.expected : nil, fps: round2(s.fps),
                                        speed: round2(speed), elapsedS: round2(s.seconds), etaS: final ? nil : eta.map(round2),
                                        decodeErrors: s.decodeErrors, done: final)
            line = JSONLine.encode(record) + "\n"
        default:
            let total = s.expected > 0 ? "/\(s.expected) (\(Int(100 * Double(s.frames) / Double(s.expected)))%)" : ""
            let etaText = eta.map { " ETA \(clock($0))" } ?? ""
            let text = "frame \(s.frames)\(total)  \(String(format: "%.1f", s.fps)) fps  "
                + "\(String(format: "%.2f", speed))x\(final ? "  done" : etaText)"
            line = style == .auto ? "\r\u{1B}[K" + text : text + "\n"
        }
        FileHandle.standardError.write(line.data(using: .utf8)!)
    }
}

/// One `--progress json` line.
struct ProgressRecord: Encodable {
    let frames: Int
    let totalFrames: Int?
    let fps: Double
    let speed: Double
    let elapsedS: Double
    let etaS: Double?
    let decodeErrors: Int
    /// The last record of the run.
    let done: Bool
}

func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }

func clock(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}
