import Foundation

/// systemd's readiness protocol (`Type=notify`, sd_notify(3)): datagrams such as "READY=1",
/// "WATCHDOG=1", "STATUS=..." to the unix socket named by $NOTIFY_SOCKET. The protocol is a
/// stable interface systemd documents for reimplementation; this is its whole client, so vsr
/// needs no libsystemd. Without $NOTIFY_SOCKET (not under systemd) every call does nothing.
public final class ServiceNotifier: Sendable {
    private let path: String?
    /// Half of $WATCHDOG_USEC (systemd's advice): how often WATCHDOG=1 must be sent; nil when the
    /// unit has no WatchdogSec.
    public let watchdogInterval: Double?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let socket = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        path = socket
        // WATCHDOG_PID, when set, names the process meant to send the pings.
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == getpid() } ?? true
        watchdogInterval = socket != nil && forUs ? environment["WATCHDOG_USEC"].flatMap(Double.init).map { $0 / 2e6 } : nil
    }

    public var isActive: Bool { path != nil }

    /// Sends `state` ("READY=1\nSTATUS=2 of 2 cameras live"); returns whether it was sent.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let path else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        // "@name" is an abstract socket: a leading NUL instead of the '@'.
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            if bytes.count < capacity { raw[bytes.count] = 0 }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + (bytes.first == 0 ? 0 : 1))
        let sent = state.utf8CString.withUnsafeBufferPointer { text in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, text.baseAddress, text.count - 1, Int32(MSG_NOSIGNAL), $0, length)
                }
            }
        }
        return sent == state.utf8.count
    }
}
