/// A camera model with its QP-band specialists: each frame runs the specialist whose band holds
/// the stream's compression level (the moving average of the mean QPs H.264 decoders export,
/// `QuantiserTracker`), the general model when it is unknown (other codecs, images) or outside
/// every band.
///
/// The specialists are the same network fine-tuned on one compression level each: a general model
/// must guess the level from the pixels, a specialist is told it. Shipped: the high-QP one of
/// camera-fast-x2 and camera-balanced-x2 (x264 CRF 33, camera-balanced-x2's gain over Lanczos:
/// faces.mp4 +0.25 -> +0.35 dB, slow_traffic_small.mp4 +0.21 -> +0.28, foreman +0.16 -> +0.32).
public struct QPBandedUpscaler: LumaUpscaler {
    public struct Band: Sendable {
        /// Stream QP levels this specialist runs for: lower bound included, upper excluded.
        public let qp: Range<Double>
        public let upscaler: NetworkUpscaler
        public init(qp: Range<Double>, upscaler: NetworkUpscaler) {
            self.qp = qp
            self.upscaler = upscaler
        }
    }

    public let general: NetworkUpscaler
    public let bands: [Band]

    public init(general: NetworkUpscaler, bands: [Band]) {
        precondition(bands.allSatisfy { $0.upscaler.scale == general.scale })
        self.general = general
        self.bands = bands
    }

    public var name: String { "\(general.name) by QP" }
    public var scale: Int { general.scale }
    public var precision: String { general.precision }

    public func makeWorker() -> any LumaUpscaleWorker {
        QPBandedWorker(general: general.makeWorker(), bands: bands.map { ($0.qp, $0.upscaler.makeWorker()) })
    }
}

/// One worker per model: each keeps its own scratch, so switching per frame allocates nothing.
final class QPBandedWorker: LumaUpscaleWorker {
    let general: any LumaUpscaleWorker
    let bands: [(qp: Range<Double>, worker: any LumaUpscaleWorker)]

    init(general: any LumaUpscaleWorker, bands: [(qp: Range<Double>, worker: any LumaUpscaleWorker)]) {
        self.general = general
        self.bands = bands
    }

    func upscale(_ source: LumaPlane, into destination: LumaPlane) {
        general.upscale(source, into: destination)
    }

    func upscale(_ source: LumaPlane, into destination: LumaPlane, streamQP: Double?) {
        let worker = streamQP.flatMap { qp in bands.first { $0.qp.contains(qp) }?.worker } ?? general
        worker.upscale(source, into: destination)
    }
}
