import ArgumentParser
import VSRMedia
import VSRUpscale

/// `vsr encoders`: the video encoders this FFmpeg build has, with how to set their quality.
struct Encoders: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the video encoders this FFmpeg build offers, with their quality options.")

    @Flag(help: "List every video encoder, not only the usual ones.")
    var all = false

    func run() throws {
        let usual = UpscaleOptions.videoEncoders + ["libaom-av1", "ffv1", "prores_ks", "utvideo", "libx264rgb"]
        var list = Encoders.available()
        if !all { list = list.filter { usual.contains($0.name) } }
        print("encoder        codec      quality                               pixel formats")
        for e in list {
            let quality: String
            if let scale = OutputSettings.crfScale(e.name) {
                quality = "--crf \(scale.range.lowerBound)-\(scale.range.upperBound) (default \(scale.defaultValue))"
            } else if e.lossless {
                quality = "lossless"
            } else {
                quality = "--encoder-option (qscale, b, profile)"
            }
            let formats = e.pixelFormats.prefix(6).joined(separator: ",") + (e.pixelFormats.count > 6 ? ",..." : "")
            print(padded(e.name, 15) + padded(e.codec, 11) + padded(quality, 38) + formats)
        }
        if !all { print("(--all for every video encoder of this build; --encoder-option KEY=VALUE sets any encoder option)") }
    }

    static func available() -> [Encoder.Info] { Encoder.videoEncoders() }
}
