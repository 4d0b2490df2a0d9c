/// A linear map from data to pixels, with "nice" ticks (1, 2, 2.5, 5 × 10^k) that cover the data.
struct LinearScale {
    var lo: Double
    var hi: Double
    /// Pixel positions of `lo` and `hi` (`start` may be greater than `end`, as for y axes).
    var start: Double
    var end: Double

    /// A scale over `values` widened to nice tick bounds; `includeZero` for counts and bars.
    init(covering values: [Double], start: Double, end: Double, includeZero: Bool = false, ticks: Int = 5) {
        // Non-finite values cannot be placed; they are left off the axis (and out of the chart).
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? 0
        var hi = finite.max() ?? 1
        if includeZero { lo = min(lo, 0) }
        if hi - lo < max(abs(hi), 1e-12) * 1e-9 {
            let pad = hi == 0 ? 1 : abs(hi) * 0.05
            lo -= pad
            hi += pad
        }
        let step = Self.niceStep((hi - lo) / Double(max(ticks, 1)))
        self.lo = (lo / step).rounded(.down) * step
        self.hi = (hi / step).rounded(.up) * step
        if includeZero && lo >= 0 { self.lo = 0 }
        self.start = start
        self.end = end
        self.step = step
    }

    private(set) var step: Double

    /// The pixel of `v`; non-finite values are pinned to the axis start rather than poisoning the SVG.
    func callAsFunction(_ v: Double) -> Double { v.isFinite ? start + (v - lo) / (hi - lo) * (end - start) : start }

    /// Tick values from `lo` to `hi` by `step`.
    var ticks: [Double] {
        var out: [Double] = []
        var i = 0.0
        while lo + i * step <= hi + step * 1e-9 && out.count < 100 {
            out.append(lo + i * step)
            i += 1
        }
        return out
    }

    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        let f = raw / magnitude
        let nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10
        return nice * magnitude
    }
}

/// The frame every chart shares: size, margins and the plotting area inside them.
struct ChartFrame {
    var width = 560.0
    var height = 240.0
    var left = 72.0
    var right = 16.0
    var top = 14.0
    var bottom = 40.0

    var plotLeft: Double { left }
    var plotRight: Double { width - right }
    var plotTop: Double { top }
    var plotBottom: Double { height - bottom }

    /// The opening `<svg>` with an accessible name and the `data-chart` kind tests look for.
    func open(kind: String, label: String) -> HTML {
        """
        <svg class="chart" data-chart="\(kind)" role="img" aria-label="\(label)" width="\(Int(width))" height="\(Int(height))" \
        viewBox="0 0 \(Int(width)) \(Int(height))" xmlns="http://www.w3.org/2000/svg"><title>\(label)</title>
        """
    }

    /// Axes with ticks, grid lines and titles; tick labels formatted by the callers' units.
    func axes(x: LinearScale, y: LinearScale, xLabel: String, yLabel: String, xFormat: (Double) -> String, yFormat: (Double) -> String) -> HTML {
        var out: HTML = "<g class=\"axes\" font-size=\"10\" fill=\"#5b6472\">"
        for t in y.ticks {
            let py = y(t)
            out += """
                <line x1="\(plotLeft)" y1="\(py)" x2="\(plotRight)" y2="\(py)" stroke="#e3e6ea"/>\
                <text x="\(plotLeft - 6)" y="\(py + 3)" text-anchor="end">\(yFormat(t))</text>
                """
        }
        for t in x.ticks {
            let px = x(t)
            out += """
                <line x1="\(px)" y1="\(plotBottom)" x2="\(px)" y2="\(plotBottom + 4)" stroke="#9aa3ad"/>\
                <text x="\(px)" y="\(plotBottom + 15)" text-anchor="middle">\(xFormat(t))</text>
                """
        }
        out += """
            <line x1="\(plotLeft)" y1="\(plotTop)" x2="\(plotLeft)" y2="\(plotBottom)" stroke="#9aa3ad"/>\
            <line x1="\(plotLeft)" y1="\(plotBottom)" x2="\(plotRight)" y2="\(plotBottom)" stroke="#9aa3ad"/>\
            <text x="\((plotLeft + plotRight) / 2)" y="\(height - 6)" text-anchor="middle" font-size="11" fill="#1d2430">\(xLabel)</text>\
            <text transform="translate(14 \((plotTop + plotBottom) / 2)) rotate(-90)" text-anchor="middle" font-size="11" fill="#1d2430">\(yLabel)</text>
            </g>
            """
        return out
    }

    /// A legend row at the top right: (colour, dashed, label).
    func legend(_ entries: [(color: String, dashed: Bool, label: String)]) -> HTML {
        var out: HTML = "<g class=\"legend\" font-size=\"10\" fill=\"#1d2430\">"
        // Right-aligned rows, filled from the right; a row that would cross the y axis wraps
        // below (long or many device names stay inside the chart). Labels are cut at 40 characters.
        var x = plotRight, y = plotTop + 2
        for e in entries.reversed() {
            let label = e.label.count > 40 ? String(e.label.prefix(39)) + "…" : e.label
            let w = Double(label.count) * 5.6 + 26
            if x - w < plotLeft + 4 && x < plotRight {
                x = plotRight
                y += 12
            }
            x -= w
            let dash: HTML = e.dashed ? " stroke-dasharray=\"4 3\"" : ""
            out += """
                <line x1="\(x)" y1="\(y)" x2="\(x + 16)" y2="\(y)" stroke="\(e.color)" stroke-width="2"\(dash)/>\
                <text x="\(x + 20)" y="\(y + 3)">\(label)</text>
                """
        }
        return out + "</g>"
    }
}
