internal import CFFmpeg

/// A still image decoded with libavcodec (BMP, PNG, JPEG, ...) as 8-bit RGB, or 8-bit gray
/// when the file is grayscale.
public struct PackedImage: Sendable {
    public let width: Int
    public let height: Int
    /// 3 (RGB) or 1 (gray)
    public let channels: Int
    /// Row-major, interleaved, no padding.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * channels)
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Reads the first picture of an image (or video) file.
    public static func read(_ path: String) throws(FFmpegError) -> PackedImage {
        let input = try InputFile(url: path)
        guard let vi = input.bestVideoStream() ?? (input.streamCount > 0 ? 0 : nil) else {
            throw FFmpegError(.invalidArgument, "\(path) has no picture")
        }
        let decoder = try Decoder(input: input, stream: vi, threads: 1)
        let packet = Packet(), frame = Frame()
        var gotFrame = false
        while !gotFrame {
            let end = try input.read(into: packet) == .endOfFile
            if !end && packet.streamIndex != vi { continue }
            _ = try decoder.send(end ? nil : packet)
            gotFrame = try decoder.receive(into: frame) == .frame
            if end && !gotFrame { throw FFmpegError(.invalidData, "decoding \(path)") }
        }
        let gray = frame.pixelFormat.isGray
        let format: PixelFormat = gray ? .gray8 : .rgb24
        let (w, h) = (frame.width, frame.height)
        let converted = try Frame.allocate(format: format, width: w, height: h)
        let scaler = try Scaler(from: frame.pixelFormat, w, h, to: format, w, h, filter: .point,
                                sourceFullRange: true, destinationFullRange: true)
        scaler.scale(frame, into: converted)
        let channels = gray ? 1 : 3
        let plane = converted.plane(0, width: w * channels, height: h, bytesPerSample: 1)
        var pixels = [UInt8](repeating: 0, count: w * h * channels)
        for y in 0..<h {
            let row = (plane.base + y * plane.rowBytes).assumingMemoryBound(to: UInt8.self)
            for x in 0..<w * channels { pixels[y * w * channels + x] = row[x] }
        }
        return PackedImage(width: w, height: h, channels: channels, pixels: pixels)
    }
}

extension PackedImage {
    /// Writes the image as a PNG (RGB24 or GRAY8).
    public func writePNG(_ path: String) throws(FFmpegError) {
        let format: PixelFormat = channels == 3 ? .rgb24 : .gray8
        let frame = try Frame.allocate(format: format, width: width, height: height)
        let plane = frame.plane(0, width: width * channels, height: height, bytesPerSample: 1)
        for y in 0..<height {
            let row = (plane.base + y * plane.rowBytes).assumingMemoryBound(to: UInt8.self)
            for x in 0..<width * channels { row[x] = pixels[y * width * channels + x] }
        }
        let output = try OutputFile(url: path, format: "image2")
        var s = VideoEncoderSettings(codecName: "png", width: width, height: height, pixelFormat: format,
                                     timeBase: Rational(1, 25), frameRate: Rational(25, 1),
                                     sampleAspectRatio: Rational(1, 1))
        s.threads = 1
        let encoder = try Encoder(s)
        _ = try output.addStream(encoder: encoder)
        try output.writeHeader(options: ["update": "1"])
        frame.pts = 0
        _ = try encoder.send(frame)
        _ = try encoder.send(nil)
        let packet = Packet()
        while try encoder.receive(into: packet) == .packet {
            packet.streamIndex = 0
            try output.write(packet, timeBase: encoder.timeBase)
        }
        try output.writeTrailer()
    }
}
