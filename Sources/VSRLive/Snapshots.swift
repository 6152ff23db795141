import Foundation
import Synchronization
import VSRMedia
import VSRPipeline

/// Which picture a snapshot shows: what the camera sent, what vsr made of it, or both side by side
/// at the output's size (to judge whether the upscale is worth its CPU).
public enum SnapshotView: String, Sendable, CaseIterable {
    case input, output, sideBySide = "side-by-side"
}

/// The latest input and output picture of one camera, as references (nothing is copied per
/// frame: the reader and the encoder each swap one reference), and the last JPEG made of them.
/// A snapshot is encoded on the asking thread, never on a camera's; at most one per camera at a
/// time, and a picture asked for again within `minInterval` is the cached one.
final class Snapshots: Sendable {
    private let input = Mutex<Frame?>(nil)
    private let output = Mutex<Frame?>(nil)
    private let cache = Mutex<[SnapshotView: (at: UInt64, jpeg: [UInt8])]>([:])
    private let encoding = Mutex<Void>(())
    static let minInterval: UInt64 = 1_000_000_000

    func received(_ frame: Frame) { if let r = try? frame.reference() { input.withLock { $0 = r } } }
    func produced(_ frame: Frame) { if let r = try? frame.reference() { output.withLock { $0 = r } } }

    /// The JPEG of `view`, or nil when the camera has not had such a picture yet.
    func jpeg(_ view: SnapshotView) throws -> [UInt8]? {
        try encoding.withLock { _ in
            if let hit = cache.withLock({ $0[view] }), monotonicNanos() &- hit.at < Self.minInterval { return hit.jpeg }
            // References taken under the locks, the encode outside them: the camera threads
            // only ever wait for a pointer swap.
            let i = input.withLock { try? $0?.reference() }, o = output.withLock { try? $0?.reference() }
            let frames: [Frame]
            switch view {
            case .input: frames = [i].compactMap { $0 }
            case .output: frames = [o].compactMap { $0 }
            case .sideBySide: frames = i != nil && o != nil ? [i!, o!] : []
            }
            guard !frames.isEmpty else { return nil }
            let jpeg = try SnapshotJPEG.encode(frames)
            cache.withLock { $0[view] = (monotonicNanos(), jpeg) }
            return jpeg
        }
    }
}
