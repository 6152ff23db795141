import Synchronization

/// A one-way "please stop" shared between a signal handler or caller and the pipeline's source.
public final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)
    public init() {}
    public func raise() { raised.store(true, ordering: .relaxed) }
    public var isRaised: Bool { raised.load(ordering: .relaxed) }
}
