import Foundation
import Synchronization

/// Counters the pipeline updates and a reporter reads; lock-free.
public final class ProgressCounter: Sendable {
    let framesOut = Atomic<Int>(0)
    let decodeErrors = Atomic<Int>(0)
    /// Estimated total frames (0: unknown).
    let expectedFrames = Atomic<Int>(0)
    let startNanos = Atomic<UInt64>(DispatchTime.now().uptimeNanoseconds)

    public init() {}

    public struct Snapshot: Sendable {
        public let frames: Int
        public let expected: Int
        public let seconds: Double
        public let decodeErrors: Int
        public var fps: Double { seconds > 0 ? Double(frames) / seconds : 0 }
    }

    public func snapshot() -> Snapshot {
        let now = DispatchTime.now().uptimeNanoseconds
        return Snapshot(frames: framesOut.load(ordering: .relaxed), expected: expectedFrames.load(ordering: .relaxed),
                        seconds: Double(now &- startNanos.load(ordering: .relaxed)) / 1e9,
                        decodeErrors: decodeErrors.load(ordering: .relaxed))
    }
}

/// How progress is shown: a live line on a terminal, periodic plain lines, JSON lines for
/// scripts, or nothing.
public enum ProgressStyle: String, Sendable, CaseIterable {
    case auto, plain, json, none
}

/// Prints progress to stderr from its own thread until stopped.
public final class ProgressReporter: @unchecked Sendable {
    private let counter: ProgressCounter
    private let style: ProgressStyle
    private let sourceFPS: Double
    private let condition = NSCondition()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    public init(counter: ProgressCounter, style: ProgressStyle, sourceFPS: Double) {
        let tty = isatty(STDERR_FILENO) == 1
        self.counter = counter
        self.style = style == .auto ? (tty ? .auto : .none) : style
        self.sourceFPS = sourceFPS
    }

    public func start() {
        guard style != .none else { done.signal(); return }
        let t = Thread { [self] in
            let interval: TimeInterval = style == .plain ? 5 : (style == .json ? 1 : 0.5)
            condition.lock()
            while !stopped {
                _ = condition.wait(until: Date(timeIntervalSinceNow: interval))
                if !stopped { emit(final: false) }
            }
            condition.unlock()
            done.signal()
        }
        t.start()
    }

    /// Stops the reporter thread and clears the live line. Safe to call more than once.
    public func stop() {
        condition.lock()
        let first = !stopped
        stopped = true
        condition.broadcast()
        condition.unlock()
        guard first else { return }
        done.wait()
        if style == .auto { FileHandle.standardError.write("\r\u{1B}[K".data(using: .utf8)!) }
    }

    private func emit(final: Bool) {
        let s = counter.snapshot()
        let speed = sourceFPS > 0 ? s.fps / sourceFPS : 0
        let eta = s.expected > s.frames && s.fps > 0 ? Double(s.expected - s.frames) / s.fps : nil
        let line: String
        switch style {
        case .json:
            var o: [String: Any] = ["frames": s.frames, "fps": round2(s.fps), "speed": round2(speed),
                                    "elapsed_s": round2(s.seconds), "decode_errors": s.decodeErrors]
            if s.expected > 0 { o["total_frames"] = s.expected }
            if let eta { o["eta_s"] = round2(eta) }
            let data = try! JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
            line = String(decoding: data, as: UTF8.self) + "\n"
        default:
            let total = s.expected > 0 ? "/\(s.expected) (\(Int(100 * Double(s.frames) / Double(s.expected)))%)" : ""
            let etaText = eta.map { " ETA \(clock($0))" } ?? ""
            let text = "frame \(s.frames)\(total)  \(String(format: "%.1f", s.fps)) fps  "
                + "\(String(format: "%.2f", speed))x\(etaText)"
            line = style == .auto ? "\r\u{1B}[K" + text : text + "\n"
        }
        FileHandle.standardError.write(line.data(using: .utf8)!)
    }
}

func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }

func clock(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}
