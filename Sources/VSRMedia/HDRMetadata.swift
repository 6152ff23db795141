internal import CFFmpeg

/// HDR10 static metadata: the mastering display (primaries, white point, luminance) and the
/// content light level (MaxCLL, MaxFALL). Found at stream level (MKV Colour, MP4 mdcv/clli) or in
/// the bitstream (HEVC SEI: frame side data); written back at both levels.
public struct HDRMetadata: @unchecked Sendable {
    var mastering: AVMasteringDisplayMetadata?
    var lightLevel: AVContentLightMetadata?

    public init() {}

    public var isEmpty: Bool { mastering == nil && lightLevel == nil }

    /// x265's own syntax (hdr10-opt, master-display in 0.00002 / 0.0001 units, max-cll), so
    /// libx265 writes the SEI: FFmpeg 5.1's wrapper does not pass frame side data on.
    public var x265Params: String {
        var parts = ["hdr10=1", "repeat-headers=1"]
        if let m = mastering, m.has_primaries != 0, m.has_luminance != 0 {
            func c(_ r: AVRational) -> Int { Int((av_q2d(r) * 50_000).rounded()) }
            func l(_ r: AVRational) -> Int { Int((av_q2d(r) * 10_000).rounded()) }
            let p = m.display_primaries
            // x265 wants G, B, R; FFmpeg stores R, G, B.
            parts.append("master-display=G(\(c(p.1.0)),\(c(p.1.1)))B(\(c(p.2.0)),\(c(p.2.1)))R(\(c(p.0.0)),\(c(p.0.1)))"
                         + "WP(\(c(m.white_point.0)),\(c(m.white_point.1)))L(\(l(m.max_luminance)),\(l(m.min_luminance)))")
        }
        if let cll = lightLevel { parts.append("max-cll=\(cll.MaxCLL),\(cll.MaxFALL)") }
        return parts.joined(separator: ":")
    }

    public var description: String {
        var s: [String] = []
        if let m = mastering { s.append(String(format: "mastering display %.0f-%.4f nits", av_q2d(m.max_luminance), av_q2d(m.min_luminance))) }
        if let c = lightLevel { s.append("MaxCLL \(c.MaxCLL), MaxFALL \(c.MaxFALL)") }
        return s.joined(separator: ", ")
    }
}

extension ColorDescription {
    /// PQ (SMPTE 2084) or HLG transfer: HDR video.
    public var isHDR: Bool { transfer == AVCOL_TRC_SMPTE2084 || transfer == AVCOL_TRC_ARIB_STD_B67 }
}

extension InputFile {
    /// Stream `index`'s HDR metadata: the stream's side data, else the first decoded frame's (read
    /// through a second opening of the same URL, so this input's position is untouched).
    public func hdrMetadata(stream index: Int) -> HDRMetadata {
        var m = HDRMetadata()
        let st = stream(index)
        var size = 0
        if let p = av_stream_get_side_data(st, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, &size), size >= MemoryLayout<AVMasteringDisplayMetadata>.size {
            m.mastering = UnsafeRawPointer(p).loadUnaligned(as: AVMasteringDisplayMetadata.self)
        }
        if let p = av_stream_get_side_data(st, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, &size), size >= MemoryLayout<AVContentLightMetadata>.size {
            m.lightLevel = UnsafeRawPointer(p).loadUnaligned(as: AVContentLightMetadata.self)
        }
        guard m.isEmpty, !url.hasPrefix("pipe:"), let again = try? InputFile(url: url), let decoder = try? Decoder(input: again, stream: index, threads: 1) else { return m }
        let packet = Packet(), frame = Frame()
        for _ in 0..<200 {
            guard (try? again.read(into: packet)) == .packet else { break }
            guard packet.streamIndex == index, (try? decoder.send(packet)) != nil else { continue }
            guard (try? decoder.receive(into: frame)) == .frame else { continue }
            if let sd = av_frame_get_side_data(frame.pointer, AV_FRAME_DATA_MASTERING_DISPLAY_METADATA) {
                m.mastering = UnsafeRawPointer(sd.pointee.data).loadUnaligned(as: AVMasteringDisplayMetadata.self)
            }
            if let sd = av_frame_get_side_data(frame.pointer, AV_FRAME_DATA_CONTENT_LIGHT_LEVEL) {
                m.lightLevel = UnsafeRawPointer(sd.pointee.data).loadUnaligned(as: AVContentLightMetadata.self)
            }
            break
        }
        return m
    }
}

extension OutputFile {
    /// Declares `m` on output stream `index` (containers write it: MKV Colour, MP4 mdcv/clli),
    /// where the stream does not have it already.
    public func addHDRMetadata(_ m: HDRMetadata, stream index: Int) {
        let st = stream(index)
        var size = 0
        if var mastering = m.mastering, av_stream_get_side_data(st, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, &size) == nil,
           let p = av_stream_new_side_data(st, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, MemoryLayout<AVMasteringDisplayMetadata>.size) {
            withUnsafeBytes(of: &mastering) { p.update(from: $0.bindMemory(to: UInt8.self).baseAddress!, count: $0.count) }
        }
        if var cll = m.lightLevel, av_stream_get_side_data(st, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, &size) == nil,
           let p = av_stream_new_side_data(st, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, MemoryLayout<AVContentLightMetadata>.size) {
            withUnsafeBytes(of: &cll) { p.update(from: $0.bindMemory(to: UInt8.self).baseAddress!, count: $0.count) }
        }
    }

    /// Tags HEVC in MP4/MOV as `hvc1` (parameter sets in the sample entry), which Apple players
    /// and most hardware decoders want; FFmpeg's default `hev1` they refuse.
    public func tagHEVCForPlayers(stream index: Int) {
        let par = stream(index).pointee.codecpar!
        guard par.pointee.codec_id == AV_CODEC_ID_HEVC, ["mp4", "mov"].contains(formatName) else { return }
        par.pointee.codec_tag = UInt32(UInt8(ascii: "h")) | UInt32(UInt8(ascii: "v")) << 8
            | UInt32(UInt8(ascii: "c")) << 16 | UInt32(UInt8(ascii: "1")) << 24
    }
}
