import Foundation
import Testing
@testable import VSRKernels
@testable import VSRModels

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// Builds safetensors bytes the way the exporter does, so tests can break them on purpose.
func safetensors(_ tensors: [(String, [Int], [Float])], metadata: [String: String]) -> Data {
    var header: [String: Any] = [:]
    var body = Data()
    for (name, shape, values) in tensors {
        header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [body.count, body.count + values.count * 4]]
        for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
    }
    header["__metadata__"] = metadata
    let json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    var out = Data()
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
    return out + json + body
}

func tinyModel(scale: Int = 2, activation: String = "prelu", weights: [Float]? = nil, extra: [(String, [Int], [Float])] = [],
               layers: String? = nil, metadata: String = "") -> Data {
    let r2 = scale * scale
    let arch = layers ?? """
    [{"kernel":3,"in":1,"out":2,"activation":"\(activation)"},{"kernel":1,"in":2,"out":\(r2),"activation":"none"}]
    """
    var t: [(String, [Int], [Float])] = [
        ("layers.0.weight", [2, 1, 3, 3], weights ?? (0..<18).map { Float($0) / 18 }),
        ("layers.0.bias", [2], [0.1, -0.1]),
        ("layers.1.weight", [r2, 2, 1, 1], (0..<(2 * r2)).map { Float($0) / 10 }),
        ("layers.1.bias", [r2], [Float](repeating: 0, count: r2)),
    ]
    if activation == "prelu" { t.append(("layers.0.prelu", [2], [0.25, 0.1])) }
    let meta = #"{"format":1,"name":"tiny","scale":\#(scale),"residual":"bicubic","input":"luma/255","layers":\#(arch)\#(metadata)}"#
    return safetensors(t + extra, metadata: ["vsr": meta])
}

/// Each (label, file bytes, expected text) must be refused with an error naming `path` and saying `expected`.
func expectRefused(_ cases: [(String, Data, String)], path: String) {
    for (label, data, expected) in cases {
        do {
            _ = try ModelFile(path: path, data: data)
            Issue.record("\(label): accepted")
        } catch {
            #expect(error.description.contains(path), "\(label): \(error)")
            #expect(error.description.contains(expected), "\(label): \(error)")
        }
    }
}

struct ModelFileTests {
    @Test func loadsAWellFormedFile() throws {
        let m = try ModelFile(path: "tiny", data: tinyModel())
        #expect(m.network.layers.count == 2)
        #expect(m.network.layers[0].activation == .prelu([0.25, 0.1]))
        #expect(m.network.residual == .bicubic)
        #expect(m.metadata.name == "tiny")
        _ = try CompiledNetwork(m.network)
    }

    @Test func rejectsMalformedAndHostileFiles() {
        let good = tinyModel()
        var hugeHeader = good
        hugeHeader.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Data($0) })
        let cases: [(String, Data, String)] = [
            ("empty", Data(), "too short"),
            ("truncated header", good.prefix(40), "truncated"),
            ("truncated data", good.prefix(good.count - 7), "outside the file"),
            ("huge header length", hugeHeader, "header"),
            ("not JSON", Data([5, 0, 0, 0, 0, 0, 0, 0]) + Data("hello".utf8), "JSON"),
            ("NaN weights", tinyModel(weights: [Float.nan] + [Float](repeating: 0, count: 17)), "NaN"),
            ("infinite weights", tinyModel(weights: [Float.infinity] + [Float](repeating: 0, count: 17)), "NaN or infinite"),
            ("wrong shape", tinyModel(weights: [Float](repeating: 0, count: 18),
                                      layers: #"[{"kernel":3,"in":1,"out":3,"activation":"prelu"},{"kernel":1,"in":3,"out":4}]"#), "shape"),
            ("metadata disagrees with chain", tinyModel(layers: #"[{"kernel":3,"in":1,"out":2,"activation":"prelu"},{"kernel":1,"in":2,"out":9}]"#), "shape"),
            ("unknown activation", tinyModel(activation: "swish"), "activation"),
            ("extra tensor", tinyModel(extra: [("evil", [1], [1])]), "does not use"),
            ("no metadata", safetensors([], metadata: [:]), "__metadata__.vsr"),
            ("bad kernel", tinyModel(layers: #"[{"kernel":7,"in":1,"out":2,"activation":"prelu"},{"kernel":1,"in":2,"out":4}]"#), "kernel"),
            ("too many channels", tinyModel(layers: #"[{"kernel":3,"in":1,"out":100000,"activation":"prelu"},{"kernel":1,"in":2,"out":4}]"#), "channel"),
            ("overflowing shape", safetensors([("layers.0.weight", [1 << 24, 1 << 24, 1 << 16], [0, 0])], metadata: [:]), "larger than the file"),
            ("compute beyond the bound", tinyModel(layers: "[" + (0..<20).map { _ in #"{"kernel":5,"in":256,"out":256,"activation":"prelu"}"# }
                .joined(separator: ",") + "]"), "multiply-adds per pixel"),
        ] + [#"{"of":"camera-fast","min":30,"max":20}"#, #"{"of":"camera-fast","min":"low","max":20}"#,
             #"{"min":20,"max":30}"#, #"[20, 30]"#, #"{"of":7,"min":20,"max":30}"#].map {
            ("qp_band \($0)", tinyModel(metadata: #","qp_band":\#($0)"#), "qp_band")
        }
        expectRefused(cases, path: "m.safetensors")
    }

    /// The file from the reliability report whose shape product overflowed (signal 4): a clear error.
    @Test func overflowingShapeFileIsRefused() {
        let path = repository.appendingPathComponent("Tests/VSRUpscaleTests/Regressions/model/shape_overflow_2pow64.safetensors").path
        do {
            _ = try ModelFile(path: path)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("larger than the file"), "\(error)")
        }
    }

    @Test func missingFileNamesThePath() {
        #expect(throws: ModelFileError.self) { try ModelFile(path: "/nonexistent/x.safetensors") }
    }

    /// The exported model on the exporter's own input reproduces PyTorch's output.
    @Test func bundledModelsMatchPyTorch() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasPrefix("parity-") }
        #expect(!files.isEmpty, "no parity fixtures in \(fixtures.path)")
        let bundled = try FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("weights").path)
            .filter { $0.hasSuffix(".safetensors") }
        for model in bundled {
            #expect(files.contains("parity-" + model), "weights/\(model) has no parity fixture (training/train.py --export writes one)")
        }
        for f in files where !f.hasPrefix("parity-int8-") {
            let fixture = try SafetensorsFile(path: f, data: Data(contentsOf: fixtures.appendingPathComponent(f)))
            let modelPath = repository.appendingPathComponent("weights").appendingPathComponent(fixture.metadata["model"]!).path
            let model = try ModelFile(path: modelPath)
            let input = fixture.tensors["input_codes"]!, expected = fixture.tensors["output"]!
            let (h, w) = (input.shape[0], input.shape[1]), r = model.network.scale
            var codes = input.values.map { UInt8($0) }
            var got = [Float](repeating: .nan, count: w * h * r * r)
            try codes.withUnsafeMutableBytes { raw in
                let plane = LumaPlane(base: raw.baseAddress!, width: w, height: h, rowBytes: w, bitDepth: 8)
                let exec = StreamingExecutor(try CompiledNetwork(model.network, blocking: .standard))
                got.withUnsafeMutableBufferPointer { exec.run(plane, into: .floats($0.baseAddress!, rowStride: w * r), rows: 0, h) }
            }
            #expect(input.values.allSatisfy { $0 == $0.rounded() && (0...255).contains($0) }, "\(f): input is not 8-bit codes")
            let worst = zip(got, expected.values).map { abs($0 - $1) }.max()!
            #expect(worst <= 1e-4, "\(f): largest difference \(worst)")
        }
    }
}

extension ModelFileTests {
    /// Every bundled model carries int8 data, and the engine's int8 form reproduces the
    /// quantiser's simulation (training/quantize.py) on the parity input: same folded weights,
    /// zero points and per-channel scales. The engine may round a hidden code the other way where
    /// the simulation's float order differs (a value near .5), so within 2/255, and close on average.
    @Test func bundledInt8FormsMatchTheQuantiser() throws {
        let bundled = try FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent("weights").path)
            .filter { $0.hasSuffix(".safetensors") }
        let files = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasPrefix("parity-int8-") }
        for model in bundled {
            #expect(files.contains("parity-int8-" + model), "weights/\(model) has no int8 fixture (training/quantize.py writes one)")
            #expect(try ModelFile(path: repository.appendingPathComponent("weights/\(model)").path).network.int8 != nil,
                    "weights/\(model) has no int8 data")
        }
        guard Int8ISA.best != nil else { return }  // no VNNI: the int8 engine cannot run here
        for f in files {
            let fixture = try SafetensorsFile(path: f, data: Data(contentsOf: fixtures.appendingPathComponent(f)))
            let model = try ModelFile(path: repository.appendingPathComponent("weights").appendingPathComponent(fixture.metadata["model"]!).path)
            let input = fixture.tensors["input_codes"]!, expected = fixture.tensors["output"]!
            let (h, w) = (input.shape[0], input.shape[1]), r = model.network.scale
            var codes = input.values.map { UInt8($0) }
            var got = [Float](repeating: .nan, count: w * h * r * r)
            try codes.withUnsafeMutableBytes { raw in
                let plane = LumaPlane(base: raw.baseAddress!, width: w, height: h, rowBytes: w, bitDepth: 8)
                let compiled = try CompiledNetwork(model.network, blocking: .standard, precision: .int8)
                let exec = Int8StreamingExecutor(compiled.int8!)
                got.withUnsafeMutableBufferPointer { exec.run(plane, into: .floats($0.baseAddress!, rowStride: w * r), rows: 0, h) }
            }
            let differences = zip(got, expected.values).map { abs($0 - $1) }
            let worst = differences.max()!, mean = differences.reduce(0, +) / Float(differences.count)
            #expect(worst <= 2 / 255 && mean <= 0.05 / 255, "\(f): largest difference \(worst * 255) codes, mean \(mean * 255)")
        }
    }
}

/// `--model SIZE --family F` picks the family that fits the input, and says so.
@Suite(.serialized)
struct ModelChoiceTests {
    @Test func sizeClassBecomesTheFamilyThatFitsTheInput() {
        typealias C = ModelCatalog
        let installed = { (name: String, scale: Int) in name == "camera-fast" && scale == 2 }
        func choose(_ m: String, _ f: C.Family, _ scale: Int, lossy: Bool) -> (String, String?) {
            C.choose(m, family: f, scale: scale, lossyInput: lossy, input: lossy ? "in.mp4" : "in.png", installed: installed)
        }
        let lossy = choose("fast", .auto, 2, lossy: true)
        #expect(lossy.0 == "camera-fast" && lossy.1?.contains("camera-fast-x2") == true)
        let clean = choose("fast", .auto, 2, lossy: false)
        #expect(clean.0 == "fast" && clean.1?.contains("lossless") == true)
        let missing = choose("fast", .auto, 3, lossy: true)
        #expect(missing.0 == "fast" && missing.1?.contains("not installed") == true)
        #expect(choose("fast", .camera, 2, lossy: false).0 == "camera-fast")
        #expect(choose("fast", .paper, 2, lossy: true) == ("fast", nil))
        #expect(choose("my.safetensors", .auto, 2, lossy: true) == ("my.safetensors", nil))
        #expect(choose("bicubic", .camera, 2, lossy: true) == ("bicubic", nil))
    }

    /// The real lookup finds the committed camera models.
    @Test func bundledCameraModelsAreFound() {
        #expect(ModelCatalog.bundledPath("camera-balanced", scale: 2) != nil)
    }

    @Test func readsAQPBand() throws {
        let m = try ModelFile(path: "tiny", data: tinyModel(metadata: #","qp_band":{"of":"camera-fast","min":25.5,"max":30.5}"#))
        #expect(m.metadata.qpBand?.of == "camera-fast" && m.metadata.qpBand?.qp == 25.5..<30.5)
        #expect(try ModelFile(path: "tiny", data: tinyModel()).metadata.qpBand == nil)
    }

    /// Every committed specialist names its camera model, and each model's bands tile the QP
    /// axis from 0 to 52 without gaps or overlaps: every H.264 frame has exactly one.
    /// The installed specialists of a camera model: its own, sorted, disjoint, inside H.264's QP
    /// range, with int8 data; x2 ships the high-QP one of camera-fast and camera-balanced.
    @Test func bundledQPBandsAreDisjoint() throws {
        for name in ["camera-fast", "camera-balanced"] {
            for scale in [2, 3, 4] {
                let bands = try ModelCatalog.qpBands(of: name, scale: scale)
                let ranges = bands.map { $0.metadata.qpBand!.qp }
                #expect(ranges.allSatisfy { $0.lowerBound >= 0 && $0.upperBound <= 52 }, "\(name)-x\(scale): \(ranges)")
                #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound <= $1.lowerBound }, "\(name)-x\(scale): \(ranges)")
                #expect(bands.allSatisfy { $0.metadata.qpBand!.of == name && $0.metadata.int8Activations != nil })
                guard scale == 2 else { continue }
                #expect(ranges.count == 1 && ranges.last?.upperBound == 52, "\(name)-x\(scale): \(ranges)")
                let banded = try ModelCatalog.upscaler(named: name, scale: scale, precision: .fp32, blocking: .standard)
                #expect((banded as? QPBandedUpscaler)?.bands.count == ranges.count && banded.name == "\(name)-x\(scale) by QP")
                #expect(try ModelCatalog.upscaler(named: name, scale: scale, precision: .fp32, byQP: false, blocking: .standard) is NetworkUpscaler)
            }
        }
        // Neither the paper family nor a camera model without specialists is banded.
        #expect(try ModelCatalog.qpBands(of: "balanced", scale: 2).isEmpty)
        #expect(try ModelCatalog.qpBands(of: "camera-balanced", scale: 3).isEmpty)
    }
}

/// Format 2: the int8 form beside the fp32 weights (docs/MODEL_FORMAT.md).
struct Int8ModelFileTests {
    /// The tiny model plus int8 tensors; `change` edits the tensors or the int8 metadata first.
    static func file(_ change: (inout [(String, String, [Int], Data)], inout [String: Any]) -> Void = { _, _ in }) -> Data {
        func f32(_ v: [Float]) -> Data { v.reduce(into: Data()) { d, x in withUnsafeBytes(of: x.bitPattern.littleEndian) { d.append(contentsOf: $0) } } }
        func i8(_ v: [Int8]) -> Data { Data(v.map { UInt8(bitPattern: $0) }) }
        var tensors: [(String, String, [Int], Data)] = [
            ("layers.0.weight", "F32", [2, 1, 3, 3], f32((0..<18).map { Float($0) / 18 })),
            ("layers.0.bias", "F32", [2], f32([0.1, -0.1])),
            ("layers.0.prelu", "F32", [2], f32([0.25, 0.1])),
            ("layers.1.weight", "F32", [4, 2, 1, 1], f32((0..<8).map { Float($0) / 10 })),
            ("layers.1.bias", "F32", [4], f32([0, 0, 0, 0])),
            ("layers.0.weight_q", "I8", [2, 1, 3, 3], i8((0..<18).map { Int8($0 * 7) })),
            ("layers.0.weight_scale", "F32", [2], f32([0.001, 0.002])),
            ("layers.1.weight_q", "I8", [4, 2, 1, 1], i8([-128, 127, 3, -4, 5, 6, 7, 8])),
            ("layers.1.weight_scale", "F32", [4], f32([0.01, 0.02, 0.03, 0.04])),
        ]
        var int8: [String: Any] = ["activations": [["scale": [0.01, 0.02], "zero_point": [3, 250]]]]
        change(&tensors, &int8)
        var header: [String: Any] = [:]
        var body = Data()
        for (name, dtype, shape, data) in tensors {
            header[name] = ["dtype": dtype, "shape": shape, "data_offsets": [body.count, body.count + data.count]]
            body += data
        }
        let arch: [String: Any] = ["format": 2, "name": "tiny8", "scale": 2, "residual": "bicubic", "input": "luma/255",
                                   "layers": [["kernel": 3, "in": 1, "out": 2, "activation": "prelu"],
                                              ["kernel": 1, "in": 2, "out": 4, "activation": "none"]],
                                   "int8": int8]
        let vsr = String(decoding: try! JSONSerialization.data(withJSONObject: arch), as: UTF8.self)
        header["__metadata__"] = ["vsr": vsr]
        let json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        return out + json + body
    }

    @Test func loadsTheInt8Form() throws {
        let m = try ModelFile(path: "tiny8", data: Self.file())
        let q = try #require(m.network.int8)
        #expect(q.layers[0].input == .luma)
        #expect(q.layers[1].input == Int8Quantization.Activations(scales: [0.01, 0.02], zeroPoints: [3, 250]))
        #expect(q.layers[1].weights == [-128, 127, 3, -4, 5, 6, 7, 8])
        #expect(q.layers[0].weightScales == [0.001, 0.002])
        _ = try CompiledNetwork(m.network, blocking: .standard, precision: .auto)
    }

    @Test func rejectsBrokenInt8Data() {
        let cases: [(String, Data, String)] = [
            ("zero point out of range", Self.file { _, q in q["activations"] = [["scale": [0.01, 0.02], "zero_point": [3, 256]]] }, "zero points"),
            ("negative scale", Self.file { _, q in q["activations"] = [["scale": [-0.01, 0.02], "zero_point": [3, 4]]] }, "positive scales"),
            ("a scale per channel missing", Self.file { _, q in q["activations"] = [["scale": [0.01], "zero_point": [3]]] }, "2 positive scales"),
            ("no activations", Self.file { _, q in q["activations"] = [] }, "int8.activations"),
            ("int8 weights as F32", Self.file { t, _ in t[5].1 = "F32"; t[5].3 = Data(count: 72) }, "must be I8"),
            ("int8 weights missing", Self.file { t, _ in t.remove(at: 7) }, "missing tensor 'layers.1.weight_q'"),
            ("int8 weights of the wrong shape", Self.file { t, _ in t[7].2 = [4, 2, 1, 2]; t[7].3 = Data(count: 16) }, "shape"),
            ("NaN weight scale", Self.file { t, _ in
                t[8].3 = [Float.nan, 1, 1, 1].reduce(into: Data()) { d, x in withUnsafeBytes(of: x.bitPattern) { d.append(contentsOf: $0) } }
            }, "NaN"),
            ("unknown dtype", Self.file { t, _ in t[5].1 = "I16" }, "I16"),
        ]
        expectRefused(cases, path: "m8.safetensors")
    }
}
