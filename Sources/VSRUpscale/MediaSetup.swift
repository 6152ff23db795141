import Foundation
import VSRFrames
import VSRMedia

/// Opening the input and configuring decoder, encoder and output for an upscale: everything
/// that can fail for a reason the user must fix happens here, before any thread starts.
struct MediaSetup {
    let input: InputFile
    let videoIndex: Int
    let decoder: Decoder
    let output: OutputFile
    let encoder: Encoder
    let videoOut: Int
    /// Input stream index -> how it reaches the output (copied, or audio/subtitles converted).
    let kept: [Int: KeptStream]
    let layout: WorkLayout
    let encoderFormat: PixelFormat
    let frameRate: Rational
    let expectedFrames: Int
    let isImage: Bool
    /// The segment this run encodes (nil: not a segment).
    let segment: SegmentWindow?
    /// The part of the video timeline this run encodes (nil: all of it).
    let window: VideoWindow?
    let deinterlace: DeinterlaceMode
    /// Made when the stream says it is interlaced (or --deinterlace on); with auto, the decode
    /// stage makes one when the first frame says so.
    let deinterlacer: Deinterlacer?
    let notify: @Sendable (String) -> Void

    func makeDeinterlacer(allFrames: Bool) throws(FFmpegError) -> Deinterlacer {
        try Self.makeDeinterlacer(input, videoIndex, decoder, allFrames: allFrames)
    }

    static func makeDeinterlacer(_ input: InputFile, _ vi: Int, _ decoder: Decoder, allFrames: Bool) throws(FFmpegError) -> Deinterlacer {
        try Deinterlacer(width: decoder.width, height: decoder.height, format: decoder.pixelFormat,
                         timeBase: input.timeBase(stream: vi), sampleAspectRatio: input.sampleAspectRatio(stream: vi),
                         allFrames: allFrames)
    }

    func notifyDeinterlacing() { Self.notifyDeinterlacing(notify) }

    static func notifyDeinterlacing(_ notify: (String) -> Void) {
        notify("interlaced input: deinterlacing with bwdif before upscaling (--deinterlace off to keep the fields woven)")
    }

    /// `segment`: encode only that part of the timeline, video only, into a segment file
    /// (`temporaryPath`, NUT: it keeps any time base exactly) with the encoder settings the final
    /// container needs, so the segments can be joined into it unchanged.
    static func open(_ o: UpscaleOptions, scale: Int, temporaryPath: String, segment: SegmentWindow? = nil,
                     notify: @escaping @Sendable (String) -> Void) throws -> MediaSetup {
        let input = try openInput(o.input)
        guard let vi = input.bestVideoStream() else { throw VSRError.noVideoStream(o.input) }
        let decoder: Decoder
        do { decoder = try Decoder(input: input, stream: vi, threads: 1) } catch { throw VSRError.media(error) }
        guard decoder.width > 0, decoder.height > 0, decoder.pixelFormat != .none else {
            throw VSRError.notMedia(o.input, "the video stream has no picture size or format")
        }

        let output: OutputFile
        // A pipe has no name to guess the container from: MPEG-TS (made for streams; Matroska to a
        // pipe cannot take AAC from a TS, as with ffmpeg) unless --format.
        let format = segment != nil ? "nut" : o.format ?? (isPipe(temporaryPath) ? "mpegts" : nil)
        do { output = try OutputFile(url: temporaryPath, format: format) } catch {
            throw VSRError.unsupported("cannot choose an output format for \(o.output): name a known extension (.mp4, .mkv, .png, ...) or give --format")
        }
        let isImage = output.isImageFormat
        let frameRate = input.frameRate(stream: vi)
        let trim = VideoWindow(start: o.start, duration: o.duration, frames: o.frames, timeBase: input.streamInfo(vi).timeBase,
                               firstPTS: input.startTime(stream: vi), frameRate: frameRate)
        let window = segment.map(VideoWindow.init(segment:)) ?? trim
        var expectedFrames = segment?.frames ?? input.estimatedFrameCount(stream: vi)
        if let trim {
            let seconds = trim.endPTS.map { Double($0 - trim.startPTS) * input.streamInfo(vi).timeBase.value }
            expectedFrames = min(trim.maxFrames ?? Int.max, seconds.map { Int(($0 * frameRate.value).rounded()) } ?? expectedFrames)
        }
        if isImage && expectedFrames > 1 {
            // An image file holds one picture: writing a video into it kept only the last frame.
            throw VSRError.unsupported("\(o.input) has about \(expectedFrames) frames but \(o.output) is a single image; "
                                       + "write a video (.mp4, .mkv) instead, or cut one frame out first")
        }
        var layout = WorkLayout(for: decoder, scale: scale, image: isImage)
        if layout.needsConversion(from: decoder.pixelFormat) && !isImage {
            notify("converting \(decoder.pixelFormat) to \(layout.workFormat) for upscaling")
        }

        // The encoder: the one asked for, or for image outputs the image format's own codec; for
        // HDR input (PQ or HLG) unless one was asked for, libx265: x264 cannot signal HDR10.
        var encoderName = o.encoder
        let hdr = decoder.colorDescription.isHDR && !isImage
        if hdr && o.encoderIsDefault && Encoder.exists("libx265") {
            encoderName = "libx265"
            if segment == nil { notify("HDR input: encoding with libx265, 10-bit, HDR10 metadata kept (--encoder to choose another)") }
        }
        if isImage {
            guard let name = output.defaultVideoEncoderName else {
                throw VSRError.unsupported("no encoder for the image format of \(o.output)")
            }
            encoderName = name
        } else if !Encoder.exists(encoderName) {
            throw VSRError.unknownEncoder(encoderName, available: UpscaleOptions.videoEncoders.filter(Encoder.exists))
        } else if o.encoderIsDefault, output.canStore(encoder: encoderName) == false
                    || (output.canStore(encoder: encoderName) == nil && ["gif", "apng"].contains(output.formatName)),
                  let own = output.defaultVideoEncoderName, own != encoderName, output.canStore(encoder: own) != false {
            // No encoder asked for and the container cannot hold x264 (.webm, .gif): its own codec.
            if segment == nil { notify("\(output.formatName) cannot hold \(encoderName): encoding with \(own)") }
            encoderName = own
        }
        if !isImage, segment == nil, output.canStore(encoder: encoderName) == false {
            // Checked before any work: the muxer would refuse the header with "Invalid argument".
            let fits = UpscaleOptions.videoEncoders.filter { Encoder.exists($0) && output.canStore(encoder: $0) != false }
            throw VSRError.unsupported("\(encoderName) cannot go into \(output.formatName) (\(o.output)): "
                                       + (fits.isEmpty ? "write .mkv or .mp4" : "use --encoder \(fits.joined(separator: " or ")), or write .mkv"))
        }
        var eo = o
        eo.encoder = encoderName
        if !isImage { try eo.settings.validateCRF() }
        let hdrMetadata = hdr ? input.hdrMetadata(stream: vi) : HDRMetadata()
        if hdr && encoderName == "libx265" {
            let given = eo.encoderOptions["x265-params"].map { ":" + $0 } ?? ""
            eo.encoderOptions["x265-params"] = hdrMetadata.x265Params + given
        }
        var encoderFormat = Encoder.bestPixelFormat(for: layout.workFormat, encoder: encoderName)
        if let name = o.pixelFormat, !isImage {
            guard let asked = PixelFormat(name: name) else { throw VSRError.unsupported("--pix-fmt \(name) is not a pixel format FFmpeg knows") }
            guard Encoder.bestPixelFormat(for: asked, encoder: encoderName) == asked else {
                throw VSRError.unsupported("\(encoderName) cannot encode \(name) (vsr encoders lists what each encoder takes)")
            }
            encoderFormat = asked
        } else if encoderFormat != layout.workFormat && !isImage {
            notify("\(encoderName) cannot encode \(layout.workFormat); writing \(encoderFormat)")
        }

        var s = VideoEncoderSettings(
            codecName: encoderName, width: layout.outputWidth, height: layout.outputHeight,
            pixelFormat: encoderFormat, timeBase: isImage ? frameRate.inverse : input.streamInfo(vi).timeBase,
            frameRate: frameRate, sampleAspectRatio: input.sampleAspectRatio(stream: vi))
        s.color = decoder.colorDescription
        if layout.fullRange { s.color.fullRange = true }
        s.threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
        s.globalHeader = segment?.globalHeader ?? output.needsGlobalHeader
        // Deinterlaced when the stream says interlaced (auto; the decode stage also catches frames
        // that say so) or always (on).
        let declaredInterlaced = Deinterlacer.isInterlaced(input, stream: vi)
        let deinterlaceNow = o.deinterlace == .on || (o.deinterlace == .auto && declaredInterlaced)
        if segment == nil && !isImage {
            if deinterlaceNow { notifyDeinterlacing(notify) }
            if o.deinterlace == .off && declaredInterlaced { notify("interlaced input upscaled as woven frames (--deinterlace off)") }
        }
        s.progressive = deinterlaceNow
        s.options = isImage ? [:] : eo.allEncoderOptions()
        let encoder: Encoder
        do {
            let opened = try Encoder.openCroppingToEven(s)
            encoder = opened.encoder
            if opened.cropped {
                notify("\(encoderName) needs an even size: writing \(encoder.width)x\(encoder.height) "
                       + "(the last column or row of \(s.width)x\(s.height) left out)")
            }
        } catch { throw VSRError.media(error) }
        layout.encodedWidth = encoder.width
        layout.encodedHeight = encoder.height

        do {
            let videoOut = try output.addStream(encoder: encoder)
            try output.copyVideoStreamExtras(from: input, stream: vi, to: videoOut)
            if !hdrMetadata.isEmpty { output.addHDRMetadata(hdrMetadata, stream: videoOut) }
            output.tagHEVCForPlayers(stream: videoOut)
            let kept = isImage || segment != nil ? [:]
                : try StreamPolicy.addKeptStreams(to: output, from: input, video: vi, options: o.keep, notify: notify)
            try output.writeHeader(options: isImage ? ["update": "1"] : [:])
            return MediaSetup(input: input, videoIndex: vi, decoder: decoder, output: output, encoder: encoder,
                              videoOut: videoOut, kept: kept, layout: layout, encoderFormat: encoderFormat,
                              frameRate: frameRate, expectedFrames: expectedFrames, isImage: isImage,
                              segment: segment, window: window, deinterlace: o.deinterlace,
                              deinterlacer: deinterlaceNow ? try makeDeinterlacer(input, vi, decoder, allFrames: o.deinterlace == .on) : nil,
                              notify: notify)
        } catch let error as FFmpegError {
            if error.code == .permissionDenied || error.code == .noSuchFile {
                throw VSRError.outputUnwritable(o.output, error.message)
            }
            throw VSRError.media(error)
        }
    }
}
