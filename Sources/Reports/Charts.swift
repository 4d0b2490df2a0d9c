/// A strip chart of every sample in order (x: sample index, y: latency), with the median as a
/// line: drift and outliers over a run show at a glance. Pure SVG, no script.
public func sampleChart(_ samples: [Int64], median: Double, width: Int = 520, height: Int = 120) -> String {
    guard let lo = samples.min(), let hi = samples.max() else { return "" }
    let left = 64.0, right = 8.0, top = 8.0, bottom = 22.0
    let w = Double(width) - left - right, h = Double(height) - top - bottom
    let span = Double(max(hi - lo, 1))
    func x(_ i: Int) -> Double { left + (samples.count > 1 ? Double(i) / Double(samples.count - 1) * w : w / 2) }
    func y(_ v: Double) -> Double { top + h - (v - Double(lo)) / span * h }
    var dots = ""
    for (i, s) in samples.enumerated() {
        dots += "<circle cx=\"\(rounded(x(i), 1))\" cy=\"\(rounded(y(Double(s)), 1))\" r=\"1.8\"/>"
    }
    let my = rounded(y(median), 1)
    return """
        <svg class="chart" role="img" aria-label="latency of each sample" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)" xmlns="http://www.w3.org/2000/svg">
        <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(top + h)" stroke="#9aa3ad"/>
        <line x1="\(left)" y1="\(top + h)" x2="\(left + w)" y2="\(top + h)" stroke="#9aa3ad"/>
        <text x="\(left - 4)" y="\(top + 4)" font-size="10" text-anchor="end">\(duration(Double(hi)))</text>
        <text x="\(left - 4)" y="\(top + h)" font-size="10" text-anchor="end">\(duration(Double(lo)))</text>
        <text x="\(left + w)" y="\(Double(height) - 6)" font-size="10" text-anchor="end">sample \(samples.count)</text>
        <text x="\(left)" y="\(Double(height) - 6)" font-size="10">sample 1</text>
        <line x1="\(left)" y1="\(my)" x2="\(left + w)" y2="\(my)" stroke="#d97706" stroke-dasharray="4 3"><title>median \(duration(median))</title></line>
        <g fill="#2563eb">\(dots)</g>
        </svg>
        """
}
