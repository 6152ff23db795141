import ArgumentParser
import Foundation
import VSRBench
import VSRFrames
import VSRKernels
import VSRModels

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure speed: the inference kernels, or whole upscale pipelines.",
        subcommands: [BenchKernels.self, BenchPipeline.self])
}

struct BenchKernels: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "Time the inference engine on reference network shapes and the bundled models.",
        discussion: "Reports ms per frame (median after warm-up), GFLOP/s (2 FLOP per multiply-add) and the share of this machine's measured FMA peak.")

    @Option(help: "Input sizes, comma-separated WxH.")
    var sizes = "640x360,960x540"

    @Option(help: "Thread counts, comma-separated: threads working on one frame, in bands (not workers, which take a frame each).")
    var threads = "1,2"

    @Option(help: "Upscaling factor.")
    var scale = 2

    @Option(help: "Timed runs per measurement (after 3 warm-up runs).")
    var runs = 20

    @Option(help: "Precisions to time, comma-separated: fp32, int8 (int8 needs VNNI; the reference shapes get synthetic int8 data, the bundled models their own).")
    var precision = "fp32,int8"

    @Option(help: "Only networks whose name contains this text.")
    var filter: String?

    @Flag(help: "Also print each layer's shape, chosen blocking and single-thread GFLOP/s (as tuned at load).")
    var layers = false

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() throws {
        let sizeList = try sizes.split(separator: ",").map { s -> (Int, Int) in
            let p = s.split(separator: "x").compactMap { Int($0) }
            guard p.count == 2, p[0] > 0, p[1] > 0 else { throw ValidationError("bad size '\(s)': use WxH, e.g. 640x360") }
            return (p[0], p[1])
        }
        let threadList = try threads.split(separator: ",").map { t -> Int in
            guard let n = Int(t), (1...64).contains(n) else { throw ValidationError("bad thread count '\(t)'") }
            return n
        }
        let precisions = try precision.split(separator: ",").map { p -> Precision in
            guard let v = Precision(rawValue: String(p)), v != .auto else { throw ValidationError("bad precision '\(p)': use fp32 or int8") }
            return v
        }
        let peak1 = FMAPeak.measure(threads: 1)
        let peakAll = FMAPeak.measure(threads: CPUInfo.cores)
        let vnni1 = VNNIPeak.measure(threads: 1), vnniAll = VNNIPeak.measure(threads: CPUInfo.cores)
        var nets: [(String, Network)] = ReferenceShapes.all(scale: scale).map { ($0.name, ReferenceShapes.network($0, scale: scale)) }
        for name in ModelCatalog.bundledNames {
            if let path = ModelCatalog.bundledPath(name, scale: scale), let m = try? ModelFile(path: path) {
                nets.append(("\(name)-x\(scale)", m.network))
            }
        }
        if let filter { nets = nets.filter { $0.0.localizedCaseInsensitiveContains(filter) } }
        if !json {
            print("machine: \(CPUInfo.model), \(CPUInfo.cores) cores, kernels \(CPUInfo.kernelISA)")
            print(String(format: "FMA peak: %.1f GFLOP/s on 1 thread, %.1f on %d", peak1, peakAll, CPUInfo.cores))
            if let v1 = vnni1, let vAll = vnniAll {
                print(String(format: "VNNI peak (int8 vpdpbusd, for the int8 engine): %.1f G multiply-adds/s on 1 thread (%.1fx the fp32 FMA rate), %.1f on %d",
                             v1, v1 / (peak1 / 2), vAll, CPUInfo.cores))
            }
            print("G op/s: 2 per multiply-add; % peak: of the FMA peak (fp32) or the VNNI peak (int8)")
            print("network            prec  MAC/px    size      thr   ms/frame    G op/s  % peak")
        }
        var results: [KernelBenchmark.Result] = []
        for (name, net) in nets {
          for p in precisions {
            if p == .int8 && Int8ISA.best == nil { continue }
            let isReference = !ModelCatalog.bundledNames.contains { name.hasPrefix($0 + "-x") }
            let subject = p == .int8 && isReference && net.int8 == nil ? ReferenceShapes.withSyntheticInt8(net) : net
            guard let compiled = try? CompiledNetwork(subject, precision: p) else {
                Terminal.note("\(name): no int8 data in the model file; int8 skipped")
                continue
            }
            let int8 = compiled.runsInt8
            if layers && !json { printLayers(name, compiled, peak: int8 ? 2 * (vnni1 ?? 1) : peak1) }
            for (w, h) in sizeList {
                for t in threadList {
                    let peak = int8 ? 2 * (t == 1 ? vnni1! : min(vnniAll!, vnni1! * Double(t)))
                                    : t == 1 ? peak1 : min(peakAll, peak1 * Double(t))
                    let r = KernelBenchmark.run(compiled, name: name, width: w, height: h, threads: t, peakGflops: peak, runs: runs)
                    results.append(r)
                    // A figure that cannot be trusted says so.
                    if r.percentOfPeak > 100 {
                        Terminal.note("\(name) \(w)x\(h) \(t) thr: \(Int(r.percentOfPeak)) % of the \(int8 ? "VNNI" : "FMA") peak is impossible: the peak was measured while the machine was busy (or the clock changed); rerun on a quiet machine")
                    }
                    if r.spread > 0.2 {
                        Terminal.note("\(name) \(w)x\(h) \(t) thr: runs varied by \(Int(r.spread * 100)) % (p10-p90): the machine is busy; the median is shown")
                    }
                    if !json {
                        print(padded(name, 19) + padded(r.precision, 6) + String(format: "%6d  ", net.macsPerPixel) + padded("\(w)x\(h)", 10)
                              + String(format: "%3d  %9.2f  %8.1f  %6.1f", t, r.msMedian, r.gflops, r.percentOfPeak))
                    }
                }
            }
          }
        }
        // The bundled models' speed at 640x360 on all threads, for `vsr models`.
        var speeds: [String: SpeedCache.Entry] = [:]
        for r in results where r.width == 640 && r.height == 360 && r.threads == threadList.max() && !r.model.contains("(") {
            // What --precision auto runs: int8 where the model has it (and it is faster).
            if let known = speeds[r.model], known.fps >= 1000 / r.msMedian { continue }
            speeds[r.model] = SpeedCache.Entry(fps: 1000 / r.msMedian, size: "640x360", threads: r.threads, cpu: CPUInfo.model)
        }
        if !speeds.isEmpty { SpeedCache.save(speeds) }
        if json {
            var machine = MachineReport(peakGflops1T: peak1, peakGflopsAll: peakAll)
            machine.vnniGmacs1T = vnni1
            machine.vnniGmacsAll = vnniAll
            print(JSONLine.encode(KernelBenchReport(machine: machine, results: results), pretty: true))
        }
    }

    private func printLayers(_ name: String, _ compiled: CompiledNetwork, peak: Double) {
        let net = compiled.network
        let int8 = compiled.runsInt8
        print("  \(name) \(compiled.precisionDescription) layers: kernel in->out, blocking (outputs x vectors @ lanes), 1-thread G op/s, % peak")
        for (i, l) in net.layers.enumerated() {
            let g = int8 ? 2 * (compiled.measuredInt8Gmacs?[i] ?? 0) : compiled.measuredGflops?[i] ?? 0
            let blocking = int8 ? compiled.int8Blockings![i] : compiled.blockings[i]
            print("    \(i): \(l.kernel)x\(l.kernel) \(l.inChannels)->\(l.outChannels)".padding(toLength: 22, withPad: " ", startingAt: 0)
                  + padded(blocking.description, 9) + String(format: "%7.1f  %5.1f", g, 100 * g / peak))
        }
    }
}

/// The machine a benchmark ran on.
struct MachineReport: Encodable {
    var cpu = CPUInfo.model
    var cores = CPUInfo.cores
    var isa = CPUInfo.kernelISA
    var peakGflops1T: Double? = nil
    var peakGflopsAll: Double? = nil
    /// int8 multiply-adds per second (vpdpbusd), in billions; nil without AVX512-VNNI.
    var vnniGmacs1T: Double? = nil
    var vnniGmacsAll: Double? = nil

    enum CodingKeys: String, CodingKey {
        case cpu, cores, isa, peakGflopsAll, vnniGmacsAll
        case peakGflops1T = "peak_gflops_1t"
        case vnniGmacs1T = "vnni_gmacs_1t"
    }
}

/// `vsr bench kernels --json`.
struct KernelBenchReport: Encodable {
    let machine: MachineReport
    let results: [KernelBenchmark.Result]
}
