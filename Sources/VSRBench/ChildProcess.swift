import Foundation

/// Running another program and collecting its output. stdout and stderr are read at the same
/// time (stderr on a second thread): reading one to its end before the other deadlocks with a
/// child that fills the other pipe.
public enum ChildProcess {
    public struct Failure: Error, CustomStringConvertible {
        public let command: String
        public let status: Int32
        public let stderr: String
        public var description: String { "\(command) failed (exit \(status)): \(stderr)" }
    }

    /// Runs `tool` (a path, or a name looked up on PATH) with `args`; returns its stdout. A
    /// non-zero exit throws with the command and its stderr. `started` receives the process
    /// (so an interrupted caller can terminate it).
    @discardableResult
    public static func run(_ tool: String, _ args: [String], started: (Process) -> Void = { _ in }) throws -> String {
        try runCollectingStderr(tool, args, started: started).stdout
    }

    /// Like `run`, and returns stderr too (what a program says besides its output).
    public static func runCollectingStderr(_ tool: String, _ args: [String],
                                           started: (Process) -> Void = { _ in }) throws -> (stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool.contains("/") ? tool : "/usr/bin/env")
        p.arguments = tool.contains("/") ? args : [tool] + args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        started(p)
        let errData = ErrorCollector()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let stderr = String(decoding: errData.wait(), as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw Failure(command: ([tool] + args).joined(separator: " "), status: p.terminationStatus, stderr: stderr)
        }
        return (String(decoding: data, as: UTF8.self), stderr)
    }

    /// The stderr bytes, handed from the reader thread.
    private final class ErrorCollector: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var data = Data()
        func set(_ d: Data) { data = d; done.signal() }
        func wait() -> Data { done.wait(); return data }
    }
}
