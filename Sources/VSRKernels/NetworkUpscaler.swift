/// The luma upscaler the pipeline uses for a neural network.
///
/// `bandsPerFrame` > 1 splits each frame into horizontal bands run in parallel on a persistent
/// pool (low latency for live streams); 1 runs a frame on the calling thread (file mode runs
/// several frames at once instead, which needs no halo recomputation).
public struct NetworkUpscaler: LumaUpscaler {
    public let compiled: CompiledNetwork
    public let name: String
    public let bandsPerFrame: Int
    public var scale: Int { compiled.network.scale }

    public init(_ compiled: CompiledNetwork, name: String, bandsPerFrame: Int = 1) {
        self.compiled = compiled
        self.name = name
        self.bandsPerFrame = max(1, bandsPerFrame)
    }

    public func makeWorker() -> any LumaUpscaleWorker { NetworkWorker(compiled, bands: bandsPerFrame) }
}

final class NetworkWorker: LumaUpscaleWorker {
    let executors: [StreamingExecutor]
    let pool: BandPool?

    init(_ net: CompiledNetwork, bands: Int) {
        executors = (0..<bands).map { _ in StreamingExecutor(net) }
        pool = bands > 1 ? BandPool(threads: bands - 1) : nil
    }

    func upscale(_ source: LumaPlane, into destination: LumaPlane) {
        let r = executors[0].net.network.scale
        precondition(destination.width == source.width * r && destination.height == source.height * r)
        precondition(destination.bitDepth == source.bitDepth)
        guard let pool else {
            executors[0].run(source, into: destination, rows: 0, source.height)
            return
        }
        let bands = min(executors.count, source.height)
        let h = source.height
        let executors = Handoff(self.executors)
        pool.run(bands) { b in
            executors.value[b].run(source, into: destination, rows: h * b / bands, h * (b + 1) / bands)
        }
    }
}

/// Carries a worker's executors to the pool threads. Each band index touches only its own
/// executor, so no two threads share one.
struct Handoff<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
