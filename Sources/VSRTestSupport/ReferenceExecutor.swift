import VSRKernels

/// The obviously-correct executor: whole feature maps, plain scalar loops, Double accumulation.
/// Tests compare the fast executor against it; nothing else should use it.
public enum ReferenceExecutor {
    /// The network's output as floats (units of 1.0 = unitValue), before quantisation:
    /// (scale*height) rows of (scale*width).
    public static func run(_ net: Network, input: [Float], width: Int, height: Int) -> [Float] {
        var maps = input
        var channels = 1
        for layer in net.layers {
            precondition(layer.inChannels == channels)
            maps = conv(layer, maps, width: width, height: height)
            channels = layer.outChannels
        }
        let r = net.scale
        precondition(channels == r * r)
        var out = [Float](repeating: 0, count: width * height * r * r)
        let residual = net.residual == .bicubic ? bicubic(input, width: width, height: height, scale: r) : nil
        for c in 0..<channels {
            let dy = c / r, dx = c % r
            for y in 0..<height {
                for x in 0..<width {
                    let o = (y * r + dy) * width * r + x * r + dx
                    out[o] = maps[(c * height + y) * width + x] + (residual?[o] ?? 0)
                }
            }
        }
        return out
    }

    static func conv(_ l: ConvLayer, _ input: [Float], width w: Int, height h: Int) -> [Float] {
        let p = l.kernel / 2
        var out = [Float](repeating: 0, count: l.outChannels * w * h)
        for o in 0..<l.outChannels {
            for y in 0..<h {
                for x in 0..<w {
                    var sum = Double(l.bias[o])
                    for c in 0..<l.inChannels {
                        for ky in 0..<l.kernel {
                            let sy = y + ky - p
                            if sy < 0 || sy >= h { continue }
                            for kx in 0..<l.kernel {
                                let sx = x + kx - p
                                if sx < 0 || sx >= w { continue }
                                sum += Double(l.weight(out: o, in: c, ky, kx)) * Double(input[(c * h + sy) * w + sx])
                            }
                        }
                    }
                    out[(o * h + y) * w + x] = l.activation.apply(Float(sum), channel: o)
                }
            }
        }
        return out
    }

    /// Bicubic upscale (Keys a = -0.5, replicated borders), straight from the definition.
    public static func bicubic(_ input: [Float], width w: Int, height h: Int, scale r: Int) -> [Float] {
        func cubic(_ x: Double) -> Double {
            let a = abs(x)
            if a <= 1 { return 1.5 * a * a * a - 2.5 * a * a + 1 }
            if a <= 2 { return -0.5 * a * a * a + 2.5 * a * a - 4 * a + 2 }
            return 0
        }
        var out = [Float](repeating: 0, count: w * h * r * r)
        for oy in 0..<(h * r) {
            let v = (Double(oy) + 0.5) / Double(r) - 0.5
            for ox in 0..<(w * r) {
                let u = (Double(ox) + 0.5) / Double(r) - 0.5
                var sum = 0.0
                for sy in Int(v.rounded(.down)) - 1...Int(v.rounded(.down)) + 2 {
                    for sx in Int(u.rounded(.down)) - 1...Int(u.rounded(.down)) + 2 {
                        let value = Double(input[min(max(sy, 0), h - 1) * w + min(max(sx, 0), w - 1)])
                        sum += cubic(v - Double(sy)) * cubic(u - Double(sx)) * value
                    }
                }
                out[oy * w * r + ox] = Float(sum)
            }
        }
        return out
    }
}
