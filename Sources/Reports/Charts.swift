import BenchCore
import Foundation

/// The project's charts: inline SVG, pure functions of their inputs, readable without script.
/// Every chart carries `data-chart` (its kind), an accessible name, axes with units and a
/// legend where more than one mark means something.
public enum Charts {
    static let blue = "#2563eb"
    static let orange = "#d97706"
    static let red = "#b42318"
    static let green = "#067647"
    static let grey = "#9aa3ad"
    static let palette = ["#2563eb", "#d97706", "#067647", "#9333ea", "#b42318", "#0891b2", "#4d7c0f", "#be185d"]

    /// Latency distribution over every sample: a histogram with the median, p90 and p99 marked.
    public static func histogram(_ samples: [Int64], statistics s: Statistics) -> HTML {
        guard !samples.isEmpty else { return "" }
        let values = samples.map(Double.init)
        let f = ChartFrame()
        // Freedman–Diaconis bin width over the central mass, between 8 and 60 bins.
        let iqr = max(s.p75 - s.p25, 1)
        let span = max(s.max - s.min, 1)
        let width = 2 * iqr / cbrt(Double(values.count))
        let bins = min(60, max(8, Int((span / width).rounded(.up))))
        let binWidth = span / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        for v in values { counts[min(bins - 1, Int((v - s.min) / binWidth))] += 1 }
        let x = LinearScale(covering: [s.min, s.max], start: f.plotLeft, end: f.plotRight)
        let y = LinearScale(covering: counts.map(Double.init), start: f.plotBottom, end: f.plotTop, includeZero: true, ticks: 4)
        var out = f.open(kind: "histogram", label: "latency distribution of \(samples.count) samples")
        out += f.axes(
            x: x, y: y, xLabel: "latency per execution", yLabel: "samples", xFormat: Units.duration, yFormat: { Units.count($0) })
        out += "<g fill=\"\(blue)\" fill-opacity=\"0.8\">"
        for (i, c) in counts.enumerated() where c > 0 {
            let x0 = x(s.min + Double(i) * binWidth), x1 = x(s.min + Double(i + 1) * binWidth)
            let lo = Units.duration(s.min + Double(i) * binWidth), hi = Units.duration(s.min + Double(i + 1) * binWidth)
            out += """
                <rect x="\(x0)" y="\(y(Double(c)))" width="\(max(0.8, x1 - x0 - 0.6))" height="\(y(0) - y(Double(c)))">\
                <title>\(lo) – \(hi): \(c) sample\(c == 1 ? "" : "s")</title></rect>
                """
        }
        out += "</g>"
        let marks: [(Double, String, Bool, String)] = [(s.median, orange, false, "median"), (s.p90, red, true, "p90"), (s.p99, red, false, "p99")]
        for (v, color, dashed, name) in marks {
            let px = x(v)
            let dash: HTML = dashed ? " stroke-dasharray=\"4 3\"" : " stroke-dasharray=\"1 2\""
            let style: HTML = name == "median" ? "" : dash
            out += """
                <line x1="\(px)" y1="\(f.plotTop + 8)" x2="\(px)" y2="\(f.plotBottom)" stroke="\(color)" stroke-width="2"\(style)>\
                <title>\(name) \(Units.duration(v))</title></line>
                """
        }
        out += f.legend([
            (orange, false, "median \(Units.duration(s.median))"), (red, true, "p90 \(Units.duration(s.p90))"),
            (red, false, "p99 \(Units.duration(s.p99))"),
        ])
        return out + "</svg>"
    }

    /// Every sample in the order taken, with the median: drift and outliers over a run.
    public static func strip(_ samples: [Int64], median: Double) -> HTML {
        guard !samples.isEmpty else { return "" }
        var f = ChartFrame()
        f.height = 180
        let values = samples.map(Double.init)
        let x = LinearScale(covering: [1, Double(max(samples.count, 2))], start: f.plotLeft, end: f.plotRight)
        let y = LinearScale(covering: values, start: f.plotBottom, end: f.plotTop, ticks: 4)
        var out = f.open(kind: "samples", label: "latency of each sample in order")
        out += f.axes(x: x, y: y, xLabel: "sample", yLabel: "latency", xFormat: { Units.count($0) }, yFormat: Units.duration)
        out += "<g fill=\"\(blue)\">"
        for (i, v) in values.enumerated() { out += "<circle cx=\"\(x(Double(i + 1)))\" cy=\"\(y(v))\" r=\"1.6\"/>" }
        out += """
            </g><line x1="\(f.plotLeft)" y1="\(y(median))" x2="\(f.plotRight)" y2="\(y(median))" stroke="\(orange)" stroke-width="1.5" \
            stroke-dasharray="4 3"><title>median \(Units.duration(median))</title></line>
            """
        out += f.legend([(orange, true, "median \(Units.duration(median))")])
        return out + "</svg>"
    }

    /// One benchmark's median over runs, with the 95% interval of each median as a band.
    public struct TrendPoint: Sendable, Equatable {
        public var label: String
        public var median: Double
        public var low: Double
        public var high: Double
        public init(label: String, median: Double, low: Double, high: Double) {
            (self.label, self.median, self.low, self.high) = (label, median, low, high)
        }
    }

    public static func trend(_ points: [TrendPoint], title: String) -> HTML {
        guard !points.isEmpty else { return "" }
        var f = ChartFrame()
        f.height = 200
        // Runs are evenly spaced by index: no "nice" rounding on this axis.
        let (x0, x1) = (f.plotLeft + 12, f.plotRight - 12)
        func x(_ i: Int) -> Double { points.count > 1 ? x0 + Double(i) / Double(points.count - 1) * (x1 - x0) : (x0 + x1) / 2 }
        let y = LinearScale(covering: points.flatMap { [$0.low, $0.high, $0.median] }, start: f.plotBottom, end: f.plotTop, ticks: 4)
        let indexAxis = LinearScale(covering: [0, 1], start: f.plotLeft, end: f.plotRight, ticks: 1)
        var out = f.open(kind: "trend", label: "median latency of \(title) over \(points.count) runs")
        out += f.axes(x: indexAxis, y: y, xLabel: "run", yLabel: "median latency", xFormat: { _ in "" }, yFormat: Units.duration)
        // Label at most about twelve runs so labels never overlap.
        let every = max(1, (points.count + 11) / 12)
        for (i, p) in points.enumerated() where i % every == 0 || i == points.count - 1 {
            out += "<text x=\"\(x(i))\" y=\"\(f.plotBottom + 15)\" text-anchor=\"middle\" font-size=\"10\" fill=\"#5b6472\">\(p.label)</text>"
        }
        let upper = points.enumerated().map { "\(fixed(x($0.offset), 1)),\(fixed(y($0.element.high), 1))" }
        let lower = points.enumerated().reversed().map { "\(fixed(x($0.offset), 1)),\(fixed(y($0.element.low), 1))" }
        out += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(blue)\" fill-opacity=\"0.15\"/>"
        let line = points.enumerated().map { "\(fixed(x($0.offset), 1)),\(fixed(y($0.element.median), 1))" }
        out += "<polyline points=\"\(line.joined(separator: " "))\" fill=\"none\" stroke=\"\(blue)\" stroke-width=\"2\"/>"
        for (i, p) in points.enumerated() {
            out += """
                <circle cx="\(x(i))" cy="\(y(p.median))" r="3" fill="\(blue)"><title>\(p.label): median \(Units.duration(p.median)) \
                (95% CI \(Units.duration(p.low)) – \(Units.duration(p.high)))</title></circle>
                """
        }
        out += f.legend([(blue, false, "median"), ("#9ec0f7", false, "95% CI of the median")])
        return out + "</svg>"
    }

    /// A point of a scatter chart; `series` picks its colour and legend entry.
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public var label: String
        public var series: String
        public init(x: Double, y: Double, label: String, series: String) { (self.x, self.y, self.label, self.series) = (x, y, label, series) }
    }

    /// The points no other point beats on both axes (lower is better on both), by ascending x.
    public static func paretoFront(_ points: [Point]) -> [Point] {
        let sorted = points.sorted { ($0.x, $0.y) < ($1.x, $1.y) }
        var front: [Point] = []
        for p in sorted where front.last.map({ p.y < $0.y }) ?? true { front.append(p) }
        return front
    }

    /// Latency against energy per inference, coloured by device, with the Pareto front drawn.
    public static func scatter(
        _ points: [Point], kind: String, xLabel: String, yLabel: String, xFormat: @escaping (Double) -> String,
        yFormat: @escaping (Double) -> String, front: Bool
    ) -> HTML {
        guard !points.isEmpty else { return "" }
        let f = ChartFrame(height: 280)
        let x = LinearScale(covering: points.map(\.x), start: f.plotLeft, end: f.plotRight, includeZero: true)
        let y = LinearScale(covering: points.map(\.y), start: f.plotBottom, end: f.plotTop, includeZero: true)
        var out = f.open(kind: kind, label: "\(yLabel) against \(xLabel), \(points.count) points")
        out += f.axes(x: x, y: y, xLabel: xLabel, yLabel: yLabel, xFormat: xFormat, yFormat: yFormat)
        let series = Self.series(points)
        if front {
            let p = paretoFront(points).map { "\(fixed(x($0.x), 1)),\(fixed(y($0.y), 1))" }
            out +=
                "<polyline class=\"pareto\" points=\"\(p.joined(separator: " "))\" fill=\"none\" stroke=\"\(grey)\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>"
        }
        for p in points {
            let color = palette[(series.firstIndex(of: p.series) ?? 0) % palette.count]
            out += """
                <circle cx="\(x(p.x))" cy="\(y(p.y))" r="4" fill="\(color)" fill-opacity="0.85"><title>\(p.label): \
                \(xFormat(p.x)), \(yFormat(p.y))</title></circle>
                """
        }
        var legend = series.enumerated().map { (palette[$0.offset % palette.count], false, $0.element) }
        if front { legend.append((grey, true, "Pareto front")) }
        out += f.legend(legend)
        return out + "</svg>"
    }

    static func series(_ points: [Point]) -> [String] {
        var seen: [String] = []
        for p in points where !seen.contains(p.series) { seen.append(p.series) }
        return seen
    }

    /// Predicted against measured latency with the y = x line and the ±5% and ±10% bands
    /// `table validate` scores against.
    public static func predictedVsMeasured(_ points: [Point]) -> HTML {
        guard !points.isEmpty else { return "" }
        let f = ChartFrame(width: 460, height: 400, left: 72, right: 16, top: 14, bottom: 40)
        let all = points.flatMap { [$0.x, $0.y] }
        let x = LinearScale(covering: all, start: f.plotLeft, end: f.plotRight)
        let y = LinearScale(covering: all, start: f.plotBottom, end: f.plotTop)
        var out = f.open(kind: "predicted-vs-measured", label: "predicted against measured latency, \(points.count) networks")
        out += f.axes(x: x, y: y, xLabel: "measured latency", yLabel: "predicted latency", xFormat: Units.duration, yFormat: Units.duration)
        // Bands are drawn over the whole axis range and clipped to the plotting area.
        let (lo, hi) = (min(x.lo, y.lo), max(x.hi, y.hi))
        out += """
            <clipPath id="pvm-plot"><rect x="\(f.plotLeft)" y="\(f.plotTop)" width="\(f.plotRight - f.plotLeft)" \
            height="\(f.plotBottom - f.plotTop)"/></clipPath><g clip-path="url(#pvm-plot)">
            """
        for (band, opacity) in [(0.10, 0.10), (0.05, 0.16)] {
            let poly = [(lo, lo * (1 + band)), (hi, hi * (1 + band)), (hi, hi * (1 - band)), (lo, lo * (1 - band))]
                .map { "\(fixed(x($0.0), 1)),\(fixed(y($0.1), 1))" }
            out += "<polygon class=\"band\" points=\"\(poly.joined(separator: " "))\" fill=\"\(green)\" fill-opacity=\"\(fixed(opacity, 2))\"/>"
        }
        out += "<line x1=\"\(x(lo))\" y1=\"\(y(lo))\" x2=\"\(x(hi))\" y2=\"\(y(hi))\" stroke=\"\(green)\" stroke-width=\"1\"/></g>"
        let series = Self.series(points)
        for p in points {
            let color = palette[(series.firstIndex(of: p.series) ?? 0) % palette.count]
            let error = p.x > 0 ? (p.y - p.x) / p.x * 100 : 0
            out += """
                <circle cx="\(x(p.x))" cy="\(y(p.y))" r="3.5" fill="\(color)" fill-opacity="0.85"><title>\(p.label): measured \
                \(Units.duration(p.x)), predicted \(Units.duration(p.y)) (\(Units.change(error)))</title></circle>
                """
        }
        out += f.legend(series.enumerated().map { (palette[$0.offset % palette.count], false, $0.element) } + [(green, false, "±5% / ±10%")])
        return out + "</svg>"
    }

    /// A grid of values, darker for slower, each cell labelled; nil cells are left empty.
    public static func heatmap(rows: [String], columns: [String], values: [[Double?]], caption: String, format: (Double) -> String) -> HTML {
        guard !rows.isEmpty, !columns.isEmpty else { return "" }
        let cellW = 74.0, cellH = 24.0, left = 170.0, top = 44.0
        let width = left + cellW * Double(columns.count) + 12, height = top + cellH * Double(rows.count) + 40
        let present = values.flatMap { $0.compactMap { $0 } }
        let lo = present.min() ?? 0, hi = present.max() ?? 1
        let f = ChartFrame(width: width, height: height)
        var out = f.open(kind: "heatmap", label: caption)
        out += "<g font-size=\"10\" fill=\"#1d2430\">"
        for (j, c) in columns.enumerated() {
            out += "<text x=\"\(left + cellW * (Double(j) + 0.5))\" y=\"\(top - 8)\" text-anchor=\"middle\">\(c)</text>"
        }
        for (i, r) in rows.enumerated() {
            let cy = top + cellH * Double(i)
            out += "<text x=\"\(left - 6)\" y=\"\(cy + cellH / 2 + 3)\" text-anchor=\"end\">\(r)</text>"
            for (j, v) in values[i].enumerated() {
                guard let v else { continue }
                let t = hi > lo ? (v - lo) / (hi - lo) : 0.5
                let (fill, ink) = (shade(t), t > 0.55 ? "#ffffff" : "#1d2430")
                out += """
                    <rect x="\(left + cellW * Double(j))" y="\(cy)" width="\(cellW - 2)" height="\(cellH - 2)" fill="\(fill)">\
                    <title>\(r), \(columns[j]): \(format(v))</title></rect>\
                    <text x="\(left + cellW * (Double(j) + 0.5) - 1)" y="\(cy + cellH / 2 + 3)" text-anchor="middle" fill="\(ink)">\(format(v))</text>
                    """
            }
        }
        // Legend: the colour ramp from fastest to slowest.
        let ly = top + cellH * Double(rows.count) + 14
        for k in 0..<10 {
            out += "<rect x=\"\(left + Double(k) * 16)\" y=\"\(ly)\" width=\"16\" height=\"10\" fill=\"\(shade(Double(k) / 9))\"/>"
        }
        out += "<text x=\"\(left - 6)\" y=\"\(ly + 9)\" text-anchor=\"end\">\(format(lo))</text>"
        out += "<text x=\"\(left + 166)\" y=\"\(ly + 9)\">\(format(hi))</text></g>"
        return out + "</svg>"
    }

    /// Light to dark blue.
    static func shade(_ t: Double) -> String {
        let c = max(0, min(1, t))
        let from = (239.0, 246.0, 255.0), to = (30.0, 58.0, 138.0)
        func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * c).rounded()) }
        return "rgb(\(mix(from.0, to.0)),\(mix(from.1, to.1)),\(mix(from.2, to.2)))"
    }
}
