import Foundation

/// A grouped bar chart as SVG: one group per category (resolution), one bar per series
/// (model), dashed horizontal reference lines (real time at 25 and 30 fps).
public struct BarChart {
    public var title: String
    public var categories: [String]
    public var series: [String]
    /// values[series][category]; nil draws no bar.
    public var values: [[Double?]]
    public var yLabel: String
    public var referenceLines: [(value: Double, label: String)]

    public init(title: String, categories: [String], series: [String], values: [[Double?]], yLabel: String,
                referenceLines: [(value: Double, label: String)]) {
        self.title = title
        self.categories = categories
        self.series = series
        self.values = values
        self.yLabel = yLabel
        self.referenceLines = referenceLines
    }

    static let palette = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f"]

    public func svg(width: Int = 900, height: Int = 480) -> String {
        let left = 70.0, right = 170.0, top = 50.0, bottom = 60.0
        let plotW = Double(width) - left - right, plotH = Double(height) - top - bottom
        let maxValue = max(values.flatMap { $0.compactMap { $0 } }.max() ?? 1, referenceLines.map(\.value).max() ?? 0) * 1.1
        let step = niceStep(maxValue / 6)
        func y(_ v: Double) -> Double { top + plotH * (1 - v / maxValue) }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(width / 2)" y="24" text-anchor="middle" font-size="16">\(escape(title))</text>
        <text x="16" y="\(top + plotH / 2)" transform="rotate(-90 16 \(top + plotH / 2))" text-anchor="middle">\(escape(yLabel))</text>

        """
        var tick = 0.0
        while tick <= maxValue {
            s += "<line x1=\"\(left)\" x2=\"\(left + plotW)\" y1=\"\(y(tick))\" y2=\"\(y(tick))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(format(tick))</text>\n"
            tick += step
        }
        let groupW = plotW / Double(max(1, categories.count))
        let barW = groupW * 0.8 / Double(max(1, series.count))
        for (c, category) in categories.enumerated() {
            let x0 = left + Double(c) * groupW + groupW * 0.1
            for (k, _) in series.enumerated() {
                guard let v = values[k][c] else { continue }
                let x = x0 + Double(k) * barW
                s += "<rect x=\"\(x)\" y=\"\(y(v))\" width=\"\(barW * 0.92)\" height=\"\(top + plotH - y(v))\" fill=\"\(Self.palette[k % Self.palette.count])\"><title>\(escape(series[k])) \(escape(category)): \(format(v))</title></rect>\n"
            }
            s += "<text x=\"\(x0 + groupW * 0.4)\" y=\"\(top + plotH + 18)\" text-anchor=\"middle\">\(escape(category))</text>\n"
        }
        for (i, line) in referenceLines.sorted(by: { $0.value < $1.value }).enumerated() {
            // Close lines: the lowest label goes under its line, the others above.
            let dy = i == 0 && referenceLines.count > 1 ? 14.0 : -4.0
            s += "<line x1=\"\(left)\" x2=\"\(left + plotW)\" y1=\"\(y(line.value))\" y2=\"\(y(line.value))\" stroke=\"#c00\" stroke-dasharray=\"6 4\"/>"
            s += "<text x=\"\(left + plotW + 4)\" y=\"\(y(line.value) + dy)\" fill=\"#c00\">\(escape(line.label))</text>\n"
        }
        s += "<line x1=\"\(left)\" x2=\"\(left)\" y1=\"\(top)\" y2=\"\(top + plotH)\" stroke=\"black\"/>"
        s += "<line x1=\"\(left)\" x2=\"\(left + plotW)\" y1=\"\(top + plotH)\" y2=\"\(top + plotH)\" stroke=\"black\"/>\n"
        for (k, name) in series.enumerated() {
            let ly = top + 20 + Double(k) * 20
            s += "<rect x=\"\(left + plotW + 60)\" y=\"\(ly - 10)\" width=\"12\" height=\"12\" fill=\"\(Self.palette[k % Self.palette.count])\"/>"
            s += "<text x=\"\(left + plotW + 78)\" y=\"\(ly)\">\(escape(name))</text>\n"
        }
        return s + "</svg>\n"
    }

    private func niceStep(_ raw: Double) -> Double {
        let p = pow(10, floor(log10(max(raw, 1e-9))))
        for m in [1.0, 2, 5, 10] where m * p >= raw { return m * p }
        return 10 * p
    }

    private func format(_ v: Double) -> String { v >= 100 || v == v.rounded() ? String(Int(v.rounded())) : String(format: "%.1f", v) }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
