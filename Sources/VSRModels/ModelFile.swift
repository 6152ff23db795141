import Foundation
import VSRKernels

/// A model file: safetensors with the architecture in `__metadata__.vsr` (docs/MODEL_FORMAT.md).
///
/// The file is untrusted input (SafetensorsFile caps the header), every tensor's dtype, shape and
/// byte range is checked against the architecture before a single value is read, no read goes
/// past the end, and non-finite numbers are rejected.
public struct ModelFile: Sendable {
    public let path: String
    public let metadata: ModelMetadata
    public let network: Network

    public static let maxFileBytes = 256 << 20
    public static let maxLayers = 64
    /// Compute a model may ask for per input pixel: 17x the bundled quality models, about a second
    /// per 640x360 frame. A hostile or mistaken file (20 layers of 256 channels is 12 M) is refused
    /// instead of running for minutes a frame.
    public static let maxMACsPerPixel = 1_000_000

    public init(path: String) throws(ModelFileError) {
        let data: Data
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
            guard size <= Self.maxFileBytes else { throw ModelFileError(path, "is \(size) bytes; model files are at most \(Self.maxFileBytes)") }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let e as ModelFileError {
            throw e
        } catch {
            throw ModelFileError(path, FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist")
        }
        try self.init(path: path, data: data)
    }

    public init(path: String, data: Data) throws(ModelFileError) {
        self.path = path
        let fail = { (why: String) in ModelFileError(path, why) }
        let file = try SafetensorsFile(path: path, data: data)
        guard let vsrText = file.metadata["vsr"] else {
            throw fail("has no __metadata__.vsr entry describing the architecture")
        }
        metadata = try ModelMetadata(json: vsrText, path: path)
        let tensors = file.tensors

        var layers: [ConvLayer] = []
        var int8Layers: [Int8Quantization.Layer] = []
        var used: Set<String> = []
        for (i, l) in metadata.layers.enumerated() {
            func checked(_ suffix: String, _ shape: [Int], _ dtype: String) throws(ModelFileError) -> SafetensorsFile.Tensor {
                let name = "layers.\(i).\(suffix)"
                guard let t = tensors[name] else { throw fail("is missing tensor '\(name)'") }
                guard t.shape == shape else {
                    throw fail("tensor '\(name)' has shape \(t.shape) but the metadata says \(shape)")
                }
                guard t.dtype == dtype else { throw fail("tensor '\(name)' is \(t.dtype); it must be \(dtype)") }
                used.insert(name)
                return t
            }
            func tensor(_ suffix: String, _ shape: [Int]) throws(ModelFileError) -> [Float] {
                try checked(suffix, shape, "F32").values
            }
            let w = try tensor("weight", [l.outChannels, l.inChannels, l.kernel, l.kernel])
            let b = try tensor("bias", [l.outChannels])
            let activation: Activation
            switch l.activation {
            case "none": activation = .none
            case "relu": activation = .relu
            case "tanh": activation = .tanh
            default: activation = .prelu(try tensor("prelu", [l.outChannels]))
            }
            layers.append(ConvLayer(kernel: l.kernel, inChannels: l.inChannels, outChannels: l.outChannels,
                                    weights: w, bias: b, activation: activation))
            if let a = metadata.int8Activations {
                let q = try checked("weight_q", [l.outChannels, l.inChannels, l.kernel, l.kernel], "I8").int8
                let s = try tensor("weight_scale", [l.outChannels])
                int8Layers.append(.init(weights: q, weightScales: s, input: i == 0 ? .luma : a[i - 1]))
            }
        }
        let extra = Set(tensors.keys).subtracting(used)
        if let name = extra.sorted().first { throw fail("has tensor '\(name)' that the architecture does not use") }
        network = Network(layers: layers, scale: metadata.scale, residual: metadata.residual,
                          int8: int8Layers.isEmpty ? nil : Int8Quantization(layers: int8Layers))
        do { try network.validate() } catch { throw fail(error.description) }
        if let q = network.int8 {
            do { try q.validate(for: network) } catch { throw fail("has int8 data vsr cannot use: \(error.description)") }
        }
    }
}

/// The `__metadata__.vsr` JSON: architecture plus descriptive fields.
public struct ModelMetadata: Sendable {
    public struct Layer: Sendable {
        public let kernel: Int, inChannels: Int, outChannels: Int
        public let activation: String
    }
    public let name: String
    public let description: String
    public let scale: Int
    public let residual: Network.Residual
    public let layers: [Layer]
    public let training: String?
    /// Measured PSNR/SSIM by dataset name, when the exporter recorded them.
    public let quality: [String: (psnr: Double, ssim: Double)]
    /// Measured on compressed video (training/video_quality.py): gain over Lanczos in dB by
    /// x264 CRF, on `videoClip`.
    public let videoGain: [Int: Double]
    public let videoClip: String?
    /// Format 2: the quantisation of layers 1... inputs (nil: fp32 only).
    public let int8Activations: [Int8Quantization.Activations]?
    /// What quantize.py measured the int8 form to lose on held-out training patches, in dB.
    public let int8HeldOutLoss: Double?
    /// A QP-band specialist of camera model `of` (e.g. camera-balanced): vsr runs it on H.264
    /// streams whose QP level (QuantiserTracker) lies in `qp` (QPBandedUpscaler).
    public let qpBand: (of: String, qp: Range<Double>)?

    init(json: String, path: String) throws(ModelFileError) {
        let fail = { (why: String) in ModelFileError(path, why) }
        guard let o = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else {
            throw fail("has __metadata__.vsr that is not a JSON object")
        }
        let format = o["format"] as? Int
        guard format == 1 || format == 2 else { throw fail("has an unknown format version \(o["format"] ?? "none") (this vsr reads 1 and 2)") }
        guard let scale = o["scale"] as? Int, [2, 3, 4].contains(scale) else { throw fail("has no scale of 2, 3 or 4") }
        guard let r = Network.Residual(rawValue: o["residual"] as? String ?? "none") else {
            throw fail("has an unknown residual mode '\(o["residual"] ?? "")' (none or bicubic)")
        }
        guard (o["input"] as? String ?? "luma/255") == "luma/255" else { throw fail("expects an input normalisation vsr does not know") }
        guard let list = o["layers"] as? [[String: Any]], !list.isEmpty, list.count <= ModelFile.maxLayers else {
            throw fail("has no layer list (or more than \(ModelFile.maxLayers) layers)")
        }
        var layers: [Layer] = []
        var macs = 0
        for (i, l) in list.enumerated() {
            guard let k = l["kernel"] as? Int, [1, 3, 5].contains(k) else { throw fail("layer \(i): kernel must be 1, 3 or 5") }
            guard let cin = l["in"] as? Int, let cout = l["out"] as? Int, (1...256).contains(cin), (1...256).contains(cout) else {
                throw fail("layer \(i): channel counts must be 1...256")
            }
            let act = l["activation"] as? String ?? "none"
            guard ["none", "relu", "prelu", "tanh"].contains(act) else { throw fail("layer \(i): unknown activation '\(act)'") }
            layers.append(Layer(kernel: k, inChannels: cin, outChannels: cout, activation: act))
            macs += k * k * cin * cout
        }
        guard macs <= ModelFile.maxMACsPerPixel else {
            throw fail("asks for \(macs) multiply-adds per pixel; vsr runs models of at most \(ModelFile.maxMACsPerPixel)")
        }
        name = o["name"] as? String ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        description = o["description"] as? String ?? ""
        self.scale = scale
        residual = r
        self.layers = layers
        training = o["training"] as? String
        var quality: [String: (Double, Double)] = [:]
        for (set, v) in o["psnr"] as? [String: Any] ?? [:] {
            if let d = v as? [String: Any], let p = d["psnr"] as? Double { quality[set] = (p, d["ssim"] as? Double ?? 0) }
        }
        self.quality = quality
        let video = o["video"] as? [String: Any]
        videoClip = video?["clip"] as? String
        var gains: [Int: Double] = [:]
        for (crf, v) in video?["crf"] as? [String: Any] ?? [:] {
            if let c = Int(crf), let g = (v as? [String: Any])?["gain_over_lanczos"] as? Double { gains[c] = g }
        }
        videoGain = gains
        if let band = o["qp_band"] {
            guard let b = band as? [String: Any], let of = b["of"] as? String,
                  let lo = (b["min"] as? NSNumber)?.doubleValue, let hi = (b["max"] as? NSNumber)?.doubleValue,
                  lo.isFinite, hi.isFinite, lo < hi else {
                throw fail("has a qp_band that is not {\"of\": name, \"min\": QP, \"max\": QP} with min < max")
            }
            qpBand = (of, lo..<hi)
        } else {
            qpBand = nil
        }
        // Format 2: the int8 form (training/quantize.py): the u8 quantisation of every layer's
        // input but the first (the luma itself).
        if format == 2 {
            guard let int8 = o["int8"] as? [String: Any], let list = int8["activations"] as? [[String: Any]],
                  list.count == layers.count - 1 else {
                throw fail("is format 2 but has no int8.activations entry for each layer after the first")
            }
            var acts: [Int8Quantization.Activations] = []
            for (i, a) in list.enumerated() {
                let channels = layers[i + 1].inChannels
                guard let s = (a["scale"] as? [NSNumber])?.map(\.doubleValue), let z = a["zero_point"] as? [Int],
                      s.count == channels, z.count == channels,
                      s.allSatisfy({ $0.isFinite && $0 > 0 && Float($0) > 0 && Float($0).isFinite }),
                      z.allSatisfy({ (0...255).contains($0) }) else {
                    throw fail("int8.activations[\(i)] needs \(channels) positive scales and \(channels) zero points 0...255")
                }
                acts.append(.init(scales: s.map { Float($0) }, zeroPoints: z.map { UInt8($0) }))
            }
            int8Activations = acts
            if let h = int8["held_out_psnr"] as? [String: Any], let f = (h["fp32"] as? NSNumber)?.doubleValue,
               let q = (h["int8"] as? NSNumber)?.doubleValue {
                int8HeldOutLoss = f - q
            } else {
                int8HeldOutLoss = nil
            }
        } else {
            int8Activations = nil
            int8HeldOutLoss = nil
        }
    }
}

public struct ModelFileError: Error, CustomStringConvertible {
    public let path: String
    public let problem: String
    init(_ path: String, _ problem: String) {
        self.path = path
        self.problem = problem
    }
    public var description: String { "model file \(path) \(problem)" }
}
