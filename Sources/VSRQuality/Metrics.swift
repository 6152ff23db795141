import Foundation

/// PSNR and SSIM on luma, as in shared/datasets/README.md (and training/vsr_train/metrics.py).
public enum Metrics {
    /// BT.601 luma in [16, 235] from 8-bit RGB (or gray, taken as R = G = B).
    public static func luma(_ pixels: [Double], channels: Int) -> [Double] {
        let n = pixels.count / channels
        return (0..<n).map { i in
            let r = pixels[i * channels], g = channels == 3 ? pixels[i * 3 + 1] : r, b = channels == 3 ? pixels[i * 3 + 2] : r
            return 16 + 65.481 * r + 128.553 * g + 24.966 * b
        }
    }

    static func crop(_ a: [Double], width w: Int, height h: Int, border b: Int) -> ([Double], Int, Int) {
        let cw = w - 2 * b, chh = h - 2 * b
        var out = [Double](repeating: 0, count: max(0, cw * chh))
        for y in 0..<chh { for x in 0..<cw { out[y * cw + x] = a[(y + b) * w + x + b] } }
        return (out, cw, chh)
    }

    public static func psnr(_ a: [Double], _ b: [Double], width: Int, height: Int, border: Int) -> Double {
        let (x, _, _) = crop(a, width: width, height: height, border: border)
        let (y, _, _) = crop(b, width: width, height: height, border: border)
        let mse = zip(x, y).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(x.count)
        return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
    }

    public static func ssim(_ a: [Double], _ b: [Double], width: Int, height: Int, border: Int) -> Double {
        let (x, w, h) = crop(a, width: width, height: height, border: border)
        let (y, _, _) = crop(b, width: width, height: height, border: border)
        let g = gaussian(size: 11, sigma: 1.5)
        func filter(_ img: [Double]) -> [Double] {  // separable 'valid' correlation
            let ow = w - 10, oh = h - 10
            var rows = [Double](repeating: 0, count: ow * h)
            for r in 0..<h { for c in 0..<ow { var s = 0.0; for k in 0..<11 { s += g[k] * img[r * w + c + k] }; rows[r * ow + c] = s } }
            var out = [Double](repeating: 0, count: ow * oh)
            for r in 0..<oh { for c in 0..<ow { var s = 0.0; for k in 0..<11 { s += g[k] * rows[(r + k) * ow + c] }; out[r * ow + c] = s } }
            return out
        }
        let c1: Double = (0.01 * 255) * (0.01 * 255), c2: Double = (0.03 * 255) * (0.03 * 255)
        let mx = filter(x), my = filter(y)
        let sxx = filter(x.map { $0 * $0 }), syy = filter(y.map { $0 * $0 }), sxy = filter(zip(x, y).map { $0 * $1 })
        var total = 0.0
        for i in mx.indices {
            let vx = sxx[i] - mx[i] * mx[i], vy = syy[i] - my[i] * my[i], cov = sxy[i] - mx[i] * my[i]
            total += (2 * mx[i] * my[i] + c1) * (2 * cov + c2) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2))
        }
        return total / Double(mx.count)
    }

    static func gaussian(size: Int, sigma: Double) -> [Double] {
        let g = (0..<size).map { i -> Double in
            let x = Double(i) - Double(size - 1) / 2
            return exp(-x * x / (2 * sigma * sigma))
        }
        let s = g.reduce(0, +)
        return g.map { $0 / s }
    }
}
