/// MATLAB's `imresize(img, scale, 'bicubic')`, the resampler behind the published SR tables:
/// Keys' cubic (a = -0.5), antialiased when shrinking (kernel scale*W(scale*x), 4/scale wide),
/// symmetric border padding, separable, in Double. Twin of training/vsr_train/imresize.py.
public enum MatlabResize {
    struct Contributions {
        let taps: Int
        let indices: [Int]   // out * taps
        let weights: [Double]
    }

    static func cubic(_ x: Double) -> Double {
        let a = abs(x)
        if a <= 1 { return 1.5 * a * a * a - 2.5 * a * a + 1 }
        if a <= 2 { return -0.5 * a * a * a + 2.5 * a * a - 4 * a + 2 }
        return 0
    }

    static func contributions(input n: Int, output m: Int, scale: Double) -> Contributions {
        let antialias = scale < 1
        let width: Double = antialias ? 4 / scale : 4
        let kernel: (Double) -> Double
        if antialias { kernel = { (x: Double) -> Double in scale * cubic(scale * x) } } else { kernel = cubic }
        let taps = Int(width.rounded(.up)) + 2
        var indices = [Int](repeating: 0, count: m * taps), weights = [Double](repeating: 0, count: m * taps)
        for i in 0..<m {
            let u = Double(i + 1) / scale + 0.5 * (1 - 1 / scale)  // MATLAB's 1-based centre
            let left = (u - width / 2).rounded(.down)
            var sum = 0.0
            for t in 0..<taps {
                let w = kernel(u - (left + Double(t)))
                weights[i * taps + t] = w
                sum += w
                // Symmetric padding: 1-based index j maps into [1, n] mirrored at the edges.
                var j = Int(left) + t - 1
                let period = 2 * n
                j = ((j % period) + period) % period
                indices[i * taps + t] = j < n ? j : period - 1 - j
            }
            for t in 0..<taps { weights[i * taps + t] /= sum }
        }
        return Contributions(taps: taps, indices: indices, weights: weights)
    }

    /// Resizes an interleaved image of `channels` Doubles per pixel to ceil(size * scale).
    public static func resize(_ img: [Double], width w: Int, height h: Int, channels c: Int,
                              scale: Double) -> (pixels: [Double], width: Int, height: Int) {
        let ow = Int((Double(w) * scale).rounded(.up)), oh = Int((Double(h) * scale).rounded(.up))
        // Rows (vertical) first, as MATLAB does for equal scales.
        let cv = contributions(input: h, output: oh, scale: scale)
        var mid = [Double](repeating: 0, count: w * oh * c)
        for y in 0..<oh {
            for t in 0..<cv.taps {
                let wt = cv.weights[y * cv.taps + t]
                if wt == 0 { continue }
                let sy = cv.indices[y * cv.taps + t]
                for i in 0..<(w * c) { mid[y * w * c + i] += wt * img[sy * w * c + i] }
            }
        }
        let ch = contributions(input: w, output: ow, scale: scale)
        var out = [Double](repeating: 0, count: ow * oh * c)
        for y in 0..<oh {
            for x in 0..<ow {
                for t in 0..<ch.taps {
                    let wt = ch.weights[x * ch.taps + t]
                    if wt == 0 { continue }
                    let sx = ch.indices[x * ch.taps + t]
                    for k in 0..<c { out[(y * ow + x) * c + k] += wt * mid[(y * w + sx) * c + k] }
                }
            }
        }
        return (out, ow, oh)
    }
}
