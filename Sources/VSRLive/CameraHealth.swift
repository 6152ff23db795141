import Foundation
import Synchronization
import VSRPipeline

/// Where a camera stands. `stale`: connected, but no new frame for `--stale-after` seconds (its
/// output keeps its frame rate with the last picture); `reconnecting`: the input was lost and is
/// being opened again; `down`: it cannot be opened (retried with capped backoff); `stopped`: its
/// input ended, vsr is stopping, or it gave up (`--give-up-after`).
public enum CameraState: String, Codable, Sendable, CaseIterable {
    case starting, live, stale, reconnecting, down, stopped
}

/// A camera's state, since when (seconds since 1970) and the last error it had (kept after it
/// recovers, so "why was it down" can still be answered).
public struct CameraStatus: Codable, Sendable, Equatable {
    public var state: CameraState
    public var since: Double
    public var lastError: String?
}

/// The state of one camera, written by its own threads, read by the reporter (and anything else
/// that asks). Stale is derived when asked, from the time of the last frame: no thread has to
/// watch for it.
final class CameraHealth: Sendable {
    private let status = Mutex(CameraStatus(state: .starting, since: Date().timeIntervalSince1970, lastError: nil))
    /// monotonicNanos of the last frame; 0: none yet.
    private let lastFrame = Atomic<UInt64>(0)
    /// monotonicNanos since which the camera has not been live (down, reconnecting, starting); 0: live.
    private let notLiveSince = Atomic<UInt64>(monotonicNanos())

    /// Sets the state (and the error, when one is given); returns whether the state changed.
    @discardableResult
    func set(_ state: CameraState, error: String? = nil) -> Bool {
        status.withLock { s in
            if let error { s.lastError = error }
            guard s.state != state else { return false }
            s.state = state
            s.since = Date().timeIntervalSince1970
            if state == .live {
                notLiveSince.store(0, ordering: .relaxed)
            } else if notLiveSince.load(ordering: .relaxed) == 0 {
                notLiveSince.store(monotonicNanos(), ordering: .relaxed)
            }
            return true
        }
    }

    /// An open failed: the camera is down with `why`. True when that is news (it was not down,
    /// or down for another reason), so the caller says it once, not at every retry.
    func down(_ why: String) -> Bool {
        status.withLock { s in
            let news = s.state != .down || s.lastError != why
            if news { s.lastError = why }
            if s.state != .down {
                s.state = .down
                s.since = Date().timeIntervalSince1970
                if notLiveSince.load(ordering: .relaxed) == 0 { notLiveSince.store(monotonicNanos(), ordering: .relaxed) }
            }
            return news
        }
    }

    /// A frame arrived: the camera is live. Returns whether it was not before.
    @discardableResult
    func frameArrived() -> Bool {
        lastFrame.store(monotonicNanos(), ordering: .relaxed)
        // notLiveSince is 0 exactly while live (`set` keeps it so): no lock on a live camera's frames.
        guard notLiveSince.load(ordering: .relaxed) != 0 else { return false }
        return set(.live)
    }

    /// Seconds the camera has not been live in a row (0 while live).
    var secondsNotLive: Double {
        let since = notLiveSince.load(ordering: .relaxed)
        return since == 0 ? 0 : Double(monotonicNanos() &- since) / 1e9
    }

    /// Seconds since the last frame (nil before the first).
    var secondsSinceFrame: Double? {
        let t = lastFrame.load(ordering: .relaxed)
        return t == 0 ? nil : Double(monotonicNanos() &- t) / 1e9
    }

    /// The status now: a live camera without a frame for `staleAfter` seconds reads as stale,
    /// since the moment it went quiet plus `staleAfter`.
    func current(staleAfter: Double) -> CameraStatus {
        var s = status.withLock { $0 }
        if s.state == .live, let quiet = secondsSinceFrame, quiet > staleAfter {
            s.state = .stale
            s.since = Date().timeIntervalSince1970 - quiet + staleAfter
        }
        return s
    }
}
