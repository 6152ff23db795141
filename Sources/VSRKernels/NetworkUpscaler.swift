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
    public var precision: String { compiled.runsInt8 ? "int8" : "fp32" }

    public init(_ compiled: CompiledNetwork, name: String, bandsPerFrame: Int = 1) {
        self.compiled = compiled
        self.name = name
        self.bandsPerFrame = max(1, bandsPerFrame)
    }

    public func makeWorker() -> any LumaUpscaleWorker { NetworkWorker(compiled, bands: bandsPerFrame) }
}

final class NetworkWorker: LumaUpscaleWorker {
    let executors: [StreamingExecutor]
    /// The int8 executors, when the network runs int8: they take 8-bit planes, fp32 the rest.
    let int8Executors: [Int8StreamingExecutor]
    let pool: BandPool?

    init(_ net: CompiledNetwork, bands: Int) {
        executors = (0..<bands).map { _ in StreamingExecutor(net) }
        int8Executors = net.int8.map { n in (0..<bands).map { _ in Int8StreamingExecutor(n) } } ?? []
        pool = bands > 1 ? BandPool(threads: bands - 1) : nil
    }

    func upscale(_ source: LumaPlane, into destination: LumaPlane) {
        let r = executors[0].net.network.scale
        precondition(destination.width == source.width * r && destination.height == source.height * r)
        precondition(destination.bitDepth == source.bitDepth)
        let int8 = source.bitDepth == 8 && !int8Executors.isEmpty
        guard let pool else {
            if int8 {
                int8Executors[0].run(source, into: destination, rows: 0, source.height)
            } else {
                executors[0].run(source, into: destination, rows: 0, source.height)
            }
            return
        }
        let bands = min(executors.count, source.height)
        let h = source.height
        let executors = Handoff((fp32: self.executors, int8: int8 ? int8Executors : []))
        pool.run(bands) { b in
            let rows = (h * b / bands, h * (b + 1) / bands)
            if executors.value.int8.isEmpty {
                executors.value.fp32[b].run(source, into: destination, rows: rows.0, rows.1)
            } else {
                executors.value.int8[b].run(source, into: destination, rows: rows.0, rows.1)
            }
        }
    }
}

/// Carries a worker's executors to the pool threads. Each band index touches only its own
/// executor, so no two threads share one.
struct Handoff<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
