import Foundation
import Testing
import VSRBench
import VSRKernels

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

struct BenchTests {
    /// The benchmark's networks and the ONNX exporter's come from one JSON file: the compiled
    /// table must still say what the file says (run scripts/gen_reference_shapes.py after an edit).
    @Test func referenceShapesMatchTheirDefinition() throws {
        struct File: Decodable {
            struct Shape: Decodable { let name: String; let layers: [Layer] }
            struct Layer: Decodable {
                let kernel: Int
                let out: Out
                let activation: String
            }
            enum Out: Decodable, Equatable {
                case channels(Int), scaleSquared
                init(from decoder: Decoder) throws {
                    let c = try decoder.singleValueContainer()
                    if let n = try? c.decode(Int.self) { self = .channels(n); return }
                    guard try c.decode(String.self) == "scale^2" else {
                        throw DecodingError.dataCorruptedError(in: c, debugDescription: "out: a number or scale^2")
                    }
                    self = .scaleSquared
                }
            }
            let shapes: [Shape]
        }
        let data = try Data(contentsOf: repository.appendingPathComponent("benchmarks/reference_shapes.json"))
        let file = try JSONDecoder().decode(File.self, from: data)
        for scale in [2, 3, 4] {
            let compiled = ReferenceShapes.all(scale: scale)
            #expect(compiled.map(\.name) == file.shapes.map(\.name))
            for (c, f) in zip(compiled, file.shapes) {
                #expect(c.layers.count == f.layers.count, "\(c.name)")
                for (cl, fl) in zip(c.layers, f.layers) {
                    #expect(cl.0 == fl.kernel, "\(c.name) kernel")
                    #expect(cl.1 == (fl.out == .scaleSquared ? scale * scale : { if case .channels(let n) = fl.out { n } else { -1 } }()),
                            "\(c.name) channels")
                    #expect(cl.2.name == fl.activation, "\(c.name) activation")
                }
                // The network builds: channel counts chain and the last layer feeds the shuffle.
                #expect(ReferenceShapes.network(c, scale: scale).layers.last?.outChannels == scale * scale)
            }
        }
    }

    /// A child that writes far more to stderr than a pipe holds (64 KiB) before writing stdout:
    /// reading stdout to its end first deadlocked. Both are read at once now.
    @Test(.timeLimit(.minutes(1))) func childFillingStderrDoesNotDeadlock() throws {
        let out = try ChildProcess.run("/bin/sh", ["-c", "head -c 300000 /dev/zero >&2; echo done"])
        #expect(out == "done\n")
        #expect(throws: ChildProcess.Failure.self) {
            try ChildProcess.run("/bin/sh", ["-c", "head -c 300000 /dev/zero; echo bad >&2; exit 3"])
        }
    }
}
