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
        let r = try execute(tool, args, started: started)
        guard r.status == 0 else {
            throw Failure(command: ([tool] + args).joined(separator: " "), status: r.status, stderr: r.stderr)
        }
        return (r.stdout, r.stderr)
    }

    /// How a program ended and what it printed.
    public struct Outcome: Sendable, CustomStringConvertible {
        public let status: Int32
        public let stdout: String
        public let stderr: String
        public var description: String { "exit \(status), stdout: \(stdout), stderr: \(stderr)" }
    }

    /// Runs a program whatever its exit status. `stdin`: a file fed to it; `stdoutTo`: a file its
    /// output goes to (binary output, e.g. `-` pipes), else the output is collected.
    public static func execute(_ tool: String, _ args: [String], stdin: String? = nil, stdoutTo: String? = nil,
                               started: (Process) -> Void = { _ in }) throws -> Outcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool.contains("/") ? tool : "/usr/bin/env")
        p.arguments = tool.contains("/") ? args : [tool] + args
        let out = Pipe(), err = Pipe()
        if let stdoutTo {
            _ = FileManager.default.createFile(atPath: stdoutTo, contents: nil)
            p.standardOutput = FileHandle(forWritingAtPath: stdoutTo)
        } else {
            p.standardOutput = out
        }
        p.standardError = err
        if let stdin { p.standardInput = FileHandle(forReadingAtPath: stdin) }
        try p.run()
        started(p)
        let errData = ErrorCollector()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let data = stdoutTo == nil ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, stdout: String(decoding: data, as: UTF8.self),
                       stderr: String(decoding: errData.wait(), as: UTF8.self))
    }

    /// The stderr bytes, handed from the reader thread.
    private final class ErrorCollector: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var data = Data()
        func set(_ d: Data) { data = d; done.signal() }
        func wait() -> Data { done.wait(); return data }
    }
}
