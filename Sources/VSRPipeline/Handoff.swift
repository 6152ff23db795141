/// Carries a non-Sendable value to the one thread that will own it from then on (a worker's
/// scratch buffers and converters). The sender must not touch the value after handing it off.
public struct Handoff<Value>: @unchecked Sendable {
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
