import CFFmpeg
import Foundation
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
    /// Input stream index -> output stream index, for streams copied unchanged.
    let copies: [Int: Int]
    let layout: FrameLayout
    let encoderFormat: AVPixelFormat
    let frameRate: AVRational
    let expectedFrames: Int
    let isImage: Bool

    static func open(_ o: UpscaleOptions, scale: Int, temporaryPath: String,
                     notify: (String) -> Void) throws -> MediaSetup {
        let input = try openInput(o.input)
        guard let vi = input.bestVideoStream() else { throw VSRError.noVideoStream(o.input) }
        let vStream = input.stream(vi)
        let decoder: Decoder
        do { decoder = try Decoder(stream: vStream, threads: 1) } catch { throw VSRError.media(error) }
        guard decoder.width > 0, decoder.height > 0, decoder.pixelFormat != AV_PIX_FMT_NONE else {
            throw VSRError.notMedia(o.input, "the video stream has no picture size or format")
        }

        let output: OutputFile
        do { output = try OutputFile(url: temporaryPath, format: o.format) } catch {
            throw VSRError.unsupported("cannot choose an output format for \(o.output): name a known extension (.mp4, .mkv, .png, ...) or give --format")
        }
        let isImage = output.isImageFormat
        var frameRate = input.guessFrameRate(stream: vi)
        if frameRate.num <= 0 || frameRate.den <= 0 { frameRate = AVRational(num: 25, den: 1) }
        let expectedFrames = estimateFrames(input, vStream, frameRate)
        if isImage && expectedFrames > 1 {
            // An image file holds one picture: writing a video into it kept only the last frame.
            throw VSRError.unsupported("\(o.input) has about \(expectedFrames) frames but \(o.output) is a single image; "
                                       + "write a video (.mp4, .mkv) instead, or cut one frame out first")
        }
        var layout = workLayout(decoder: decoder, scale: scale, image: isImage, notify: notify)

        // The encoder: the one asked for, or for image outputs the image format's own codec.
        var encoderName = o.encoder
        if isImage {
            guard let codec = avcodec_find_encoder(output.defaultVideoCodec) else {
                throw VSRError.unsupported("no encoder for the image format of \(o.output)")
            }
            encoderName = String(cString: codec.pointee.name)
        } else if !Encoder.exists(encoderName) {
            throw VSRError.unknownEncoder(encoderName, available: UpscaleOptions.videoEncoders.filter(Encoder.exists))
        }
        let encoderFormat = chooseEncoderFormat(encoderName, work: layout.workFormat)
        if encoderFormat != layout.workFormat && !isImage {
            notify("\(encoderName) cannot encode \(pixelFormatName(layout.workFormat)); writing \(pixelFormatName(encoderFormat))")
        }

        let dctx = decoder.codecContext.pointee
        var s = VideoEncoderSettings(
            codecName: encoderName, width: decoder.width * scale, height: decoder.height * scale,
            pixelFormat: encoderFormat, timeBase: isImage ? av_inv_q(frameRate) : vStream.pointee.time_base,
            frameRate: frameRate, sampleAspectRatio: input.guessSampleAspectRatio(stream: vi))
        s.colorPrimaries = dctx.color_primaries
        s.colorTransfer = dctx.color_trc
        s.colorSpace = dctx.colorspace
        s.colorRange = layout.fullRange ? AVCOL_RANGE_JPEG : dctx.color_range
        s.chromaLocation = dctx.chroma_sample_location
        s.threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
        s.globalHeader = output.needsGlobalHeader
        s.options = isImage ? [:] : o.encoderOptions()
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

        do throws(FFmpegError) {
            let videoOut = try output.addStream(encoder: encoder)
            try output.copyStreamExtras(from: vStream, to: output.stream(videoOut), sideData: keptVideoSideData)
            var copies: [Int: Int] = [:]
            if !isImage {
                for i in 0..<input.streamCount where i != vi {
                    let st = input.stream(i)
                    let par = st.pointee.codecpar.pointee
                    let kind = av_get_media_type_string(par.codec_type).map { String(cString: $0) } ?? "unknown"
                    let codec = String(cString: avcodec_get_name(par.codec_id))
                    guard [AVMEDIA_TYPE_AUDIO, AVMEDIA_TYPE_SUBTITLE, AVMEDIA_TYPE_DATA].contains(par.codec_type) else {
                        notify("leaving out \(kind) stream #\(i) (\(codec)): only one video stream is upscaled")
                        continue
                    }
                    if output.canStore(par.codec_id) == false {
                        notify("leaving out \(kind) stream #\(i) (\(codec)): \(output.formatName) cannot carry it")
                        continue
                    }
                    copies[i] = try output.addCopiedStream(from: st)
                }
                output.copyGlobals(from: input)
            }
            try output.writeHeader(options: isImage ? ["update": "1"] : [:])
            return MediaSetup(input: input, videoIndex: vi, decoder: decoder, output: output, encoder: encoder,
                              videoOut: videoOut, copies: copies, layout: layout, encoderFormat: encoderFormat,
                              frameRate: frameRate, expectedFrames: expectedFrames,
                              isImage: isImage)
        } catch {
            if error.code == vsr_averror(EACCES) || error.code == vsr_averror(ENOENT) {
                throw VSRError.outputUnwritable(o.output, error.message)
            }
            throw VSRError.media(error)
        }
    }

    static func openInput(_ path: String) throws -> InputFile {
        let isURL = path.contains("://")
        if !isURL {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw VSRError.inputNotFound(path) }
            guard !isDir.boolValue, FileManager.default.isReadableFile(atPath: path) else { throw VSRError.inputUnreadable(path) }
        }
        do { return try InputFile(url: path) } catch {
            if error.code == vsr_averror(ENOENT) { throw VSRError.inputNotFound(path) }
            if error.code == vsr_averror(EACCES) { throw VSRError.inputUnreadable(path) }
            throw VSRError.notMedia(path, error.message)
        }
    }

    /// The planar format frames are upscaled in: 4:2:0 for video (8 or 10 bit, as the input),
    /// 4:4:4 for images, so a PNG keeps its colour detail.
    static func workLayout(decoder: Decoder, scale: Int, image: Bool, notify: (String) -> Void) -> FrameLayout {
        let inFormat = decoder.pixelFormat
        let desc = av_pix_fmt_desc_get(inFormat)!.pointee
        let deep = desc.comp.0.depth > 8
        let work: AVPixelFormat = image ? (deep ? AV_PIX_FMT_YUV444P16LE : AV_PIX_FMT_YUV444P)
                                        : (deep ? AV_PIX_FMT_YUV420P10LE : AV_PIX_FMT_YUV420P)
        let fullRange = isFullRange(decoder)
        if sameLayout(inFormat) != work && !image {
            notify("converting \(pixelFormatName(inFormat)) to \(pixelFormatName(work)) for upscaling")
        }
        return FrameLayout(workFormat: work, width: decoder.width, height: decoder.height, scale: scale, fullRange: fullRange)
    }

    /// yuvj formats are their yuv twins with a full-range flag: same memory, no conversion.
    static func sameLayout(_ f: AVPixelFormat) -> AVPixelFormat {
        switch f {
        case AV_PIX_FMT_YUVJ420P: AV_PIX_FMT_YUV420P
        case AV_PIX_FMT_YUVJ422P: AV_PIX_FMT_YUV422P
        case AV_PIX_FMT_YUVJ444P: AV_PIX_FMT_YUV444P
        default: f
        }
    }

    static func chooseEncoderFormat(_ encoder: String, work: AVPixelFormat) -> AVPixelFormat {
        let formats = Encoder.supportedPixelFormats(encoder)
        if formats.isEmpty || formats.contains(work) { return work }
        var list = formats + [AV_PIX_FMT_NONE]
        return avcodec_find_best_pix_fmt_of_list(&list, work, 0, nil)
    }

    static func estimateFrames(_ input: InputFile, _ st: UnsafeMutablePointer<AVStream>, _ fr: AVRational) -> Int {
        if st.pointee.nb_frames > 0 { return Int(st.pointee.nb_frames) }
        if st.pointee.duration > 0 && st.pointee.duration != noTimestamp {
            return Int((Double(st.pointee.duration) * av_q2d(st.pointee.time_base) * av_q2d(fr)).rounded())
        }
        if let d = input.duration { return Int((d * av_q2d(fr)).rounded()) }
        return 0
    }
}

/// Stream side data that stays true after upscaling: orientation and HDR descriptions.
let keptVideoSideData: Set<UInt32> = [
    AV_PKT_DATA_DISPLAYMATRIX.rawValue, AV_PKT_DATA_STEREO3D.rawValue, AV_PKT_DATA_SPHERICAL.rawValue,
    AV_PKT_DATA_MASTERING_DISPLAY_METADATA.rawValue, AV_PKT_DATA_CONTENT_LIGHT_LEVEL.rawValue,
]
