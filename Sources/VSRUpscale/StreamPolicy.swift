import VSRFrames
import VSRMedia

/// How one input stream besides the upscaled video reaches the output.
enum KeptStream {
    /// Packets copied unchanged to this output stream.
    case copy(Int)
    /// Decoded and encoded again (a codec the container cannot carry).
    case audio(Int, AudioTranscoder)
    case subtitles(Int, SubtitleTranscoder)

    var outputIndex: Int {
        switch self {
        case .copy(let i), .audio(let i, _), .subtitles(let i, _): i
        }
    }
}

/// Every input stream is kept, converted, or refused with one line that names the stream, its
/// codec, the container and the option to change; left out only when the user says so. The one
/// rule for the single pass and the join of segments.
enum StreamPolicy {
    static func addKeptStreams(to output: OutputFile, from input: InputFile, video vi: Int, options o: KeepOptions,
                               notify: (String) -> Void) throws -> [Int: KeptStream] {
        var kept: [Int: KeptStream] = [:]
        let container = output.formatName
        for st in input.streams where st.index != vi {
            let what = "\(st.isAttachedPicture ? "cover art" : st.kind.rawValue) stream #\(st.index) (\(st.codecName))"
            // Matroska carries attachments (fonts) whatever their codec; its codec query says no.
            let storable = st.kind == .attachment ? output.formatName == "matroska"
                : output.canStore(stream: st.index, of: input) != false
            switch st.kind {
            case .audio:
                if o.audio == .none { continue }
                if case .codec(let codec) = o.audio {
                    kept[st.index] = try transcodeAudio(st, to: codec, output, input)
                    continue
                }
                if storable {
                    kept[st.index] = .copy(try output.addCopiedStream(from: input, stream: st.index))
                } else if o.audio == .copy {
                    throw VSRError.unsupported("\(what) cannot go into \(container) unchanged: use --audio auto to convert it, "
                                               + "--no-audio to leave it out, or write .mkv")
                } else {
                    guard let codec = output.defaultAudioCodec else {
                        throw VSRError.unsupported("\(what) cannot go into \(container), which has no audio codec vsr can encode: "
                                                   + "use --no-audio to leave it out, or write .mkv")
                    }
                    let t = try transcodeAudio(st, to: codec, output, input)
                    if case .audio(_, let a) = t { notify("converting \(what) to \(a.encoderName): \(container) cannot carry \(st.codecName)") }
                    kept[st.index] = t
                }
            case .subtitle:
                if !o.subtitles { continue }
                if storable {
                    kept[st.index] = .copy(try output.addCopiedStream(from: input, stream: st.index))
                } else if st.isTextSubtitle, let codec = output.defaultSubtitleEncoder {
                    let t = try SubtitleTranscoder(input: input, stream: st.index, codec: codec)
                    let out = try output.addTranscodedStream(t.streamParameters(), from: input, stream: st.index)
                    notify("converting \(what) to \(t.codecName): \(container) cannot carry \(st.codecName)")
                    kept[st.index] = .subtitles(out, t)
                } else {
                    throw VSRError.unsupported("\(what) cannot go into \(container): use --no-subtitles to leave it out, or write .mkv")
                }
            case .video, .data, .attachment, .unknown:
                if !o.dataStreams { continue }
                guard storable else {
                    throw VSRError.unsupported("\(what) cannot go into \(container): use --no-data to leave it out (data, "
                                               + "attachments, cover art, other video streams), or write .mkv")
                }
                if st.kind == .video && !st.isAttachedPicture {
                    notify("\(what) is copied unchanged: only the main video stream is upscaled")
                }
                kept[st.index] = .copy(try output.addCopiedStream(from: input, stream: st.index))
            }
        }
        output.copyGlobals(from: input)
        return kept
    }

    private static func transcodeAudio(_ st: StreamInfo, to codec: String, _ output: OutputFile,
                                       _ input: InputFile) throws -> KeptStream {
        let t: AudioTranscoder
        do { t = try AudioTranscoder(input: input, stream: st.index, codec: codec, globalHeader: output.needsGlobalHeader) } catch {
            throw VSRError.unsupported("cannot convert audio stream #\(st.index) (\(st.codecName)) to \(codec): \(error.message)")
        }
        return .audio(try output.addTranscodedStream(t.streamParameters(), from: input, stream: st.index), t)
    }
}

/// Packets of kept streams on their way to the muxer: what one input packet becomes.
extension KeptStream {
    /// The packets to write for `packet` (nil: the input ended, flush), with their time base.
    func packets(for packet: Packet?, inputTimeBase: Rational) throws -> (packets: [Packet], timeBase: Rational) {
        switch self {
        case .copy(let out):
            guard let packet else { return ([], inputTimeBase) }
            packet.streamIndex = out
            return ([packet], inputTimeBase)
        case .audio(let out, let t):
            let ps = try t.transcode(packet)
            ps.forEach { $0.streamIndex = out }
            return (ps, t.outputTimeBase)
        case .subtitles(let out, let t):
            guard let packet, let p = try t.transcode(packet) else { return ([], t.timeBase) }
            p.streamIndex = out
            return ([p], t.timeBase)
        }
    }
}
