import Foundation
import Testing
import VSRKernels
@testable import VSRQuality

let datasets = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/datasets").path
let haveDatasets = FileManager.default.fileExists(atPath: datasets + "/Set5")

struct MatlabResizeTests {
    /// Upscaling the row 0...7 by 2. Output 0 samples u = 0.75 (1-based): taps at -1, 0, 1, 2 with
    /// weights W(1.75) = -0.0234375, W(0.75) = 0.2265625, W(0.25) = 0.8671875, W(1.25) = -0.0703125;
    /// symmetric padding reads values 1, 0, 0, 1 there, so the result is -0.09375. Inside, Keys'
    /// cubic reproduces a ramp exactly: output i is i/2 - 0.25.
    @Test func upscaleByHand() {
        let r = MatlabResize.resize((0..<8).map(Double.init), width: 8, height: 1, channels: 1, scale: 2)
        #expect(r.width == 16 && r.height == 2)
        #expect(abs(r.pixels[0] - -0.09375) < 1e-12)
        for i in 4..<12 { #expect(abs(r.pixels[i] - (Double(i) / 2 - 0.25)) < 1e-12) }
    }

    /// Downscaling 0...7 by 2 antialiases with 0.5 W(0.5 x), 8 wide: output 0 sits at u = 1.5 and
    /// weighs offsets -2...5 by -1.5/128, -4.5/128, 14.5/128, 55.5/128 (mirrored), reading the
    /// symmetric-padded values 2, 1, 0, 0, 1, 2, 3, 4: 0.44921875.
    @Test func downscaleByHand() {
        let img = (0..<64).map { Double($0 % 8) }
        let r = MatlabResize.resize(img, width: 8, height: 8, channels: 1, scale: 0.5)
        #expect(r.width == 4 && r.height == 4)
        #expect(abs(r.pixels[0] - 0.44921875) < 1e-12)
        #expect(abs(r.pixels[3] - (7 - 0.44921875)) < 1e-12, "mirror image at the right edge")
    }

    /// The numpy `imresize` that makes the training LR images (training/vsr_train/imresize.py) and
    /// this one must agree, or the models would be trained on other inputs than they are scored
    /// on. The fixture holds numpy's results on random images (training/imresize_fixture.py).
    @Test func agreesWithTheNumpyTwinUsedForTraining() throws {
        struct Case: Decodable {
            let width, height, channels, out_width, out_height: Int
            let scale: Double
            let input, output: [Double]
        }
        struct Fixture: Decodable { let cases: [Case] }
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/imresize-numpy.json")
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        #expect(fixture.cases.count == 18)
        for c in fixture.cases {
            let r = MatlabResize.resize(c.input, width: c.width, height: c.height, channels: c.channels, scale: c.scale)
            let what = "\(c.width)x\(c.height)x\(c.channels) by \(c.scale)"
            #expect(r.width == c.out_width && r.height == c.out_height, "\(what): size")
            guard r.pixels.count == c.output.count else { continue }
            let worst = zip(r.pixels, c.output).map { abs($0 - $1) }.max()!
            #expect(worst < 1e-10, "\(what): largest difference \(worst)")
        }
    }

    @Test func constantsStayConstant() {
        for scale in [0.25, 1.0 / 3, 0.5, 2, 3, 4] {
            let r = MatlabResize.resize([Double](repeating: 0.3, count: 13 * 11 * 3), width: 13, height: 11, channels: 3, scale: scale)
            #expect(r.pixels.allSatisfy { abs($0 - 0.3) < 1e-12 }, "scale \(scale)")
        }
    }
}

struct MetricsTests {
    @Test func psnrAndSsimOfKnownDifferences() {
        let a = (0..<(40 * 30)).map { Double(($0 * 37) % 200 + 20) }
        #expect(Metrics.psnr(a, a, width: 40, height: 30, border: 2) == .infinity)
        #expect(abs(Metrics.ssim(a, a, width: 40, height: 30, border: 2) - 1) < 1e-12)
        let b = a.map { $0 + 5 }  // MSE 25: PSNR = 10 log10(255^2 / 25)
        #expect(abs(Metrics.psnr(a, b, width: 40, height: 30, border: 2) - 10 * log10(65025.0 / 25)) < 1e-9)
        #expect(Metrics.ssim(a, b, width: 40, height: 30, border: 2) < 1)
    }
}

/// The bicubic baseline must reproduce what an independent implementation of the convention
/// measures on these exact files (shared/datasets/README.md), within 0.02 dB.
@Suite(.enabled(if: haveDatasets, "shared/datasets is missing: the paper-exact evaluation check did NOT run"))
struct DatasetSelfCheck {
    @Test(arguments: [("Set5", [2: 33.68, 3: 30.40, 4: 28.43]), ("Set14", [2: 30.33, 3: 27.63, 4: 26.09])])
    func bicubicBaselineMatchesTheReference(set: String, expected: [Int: Double]) throws {
        for (scale, psnr) in expected.sorted(by: { $0.key < $1.key }) {
            let report = try Evaluation.run(dataset: "\(datasets)/\(set)", scale: scale, upscaler: BicubicUpscaler(scale: scale))
            #expect(abs(report.bicubic.mean_psnr - psnr) <= 0.02, "\(set) x\(scale): \(report.bicubic.mean_psnr) vs \(psnr)")
        }
    }
}

@Test func datasetsPresenceIsAnnounced() {
    if !haveDatasets {
        print("WARNING: \(datasets) not found; the Set5/Set14 self-check of vsr eval was skipped")
    }
}
