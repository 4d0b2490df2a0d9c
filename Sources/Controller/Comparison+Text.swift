import Foundation

/// `boardbench compare`'s text output: a header naming both runs, one table row per compared
/// benchmark, then the failed ones, the unmatched ones and a one-line summary.
extension RunComparison {
    public func text() -> String {
        var out = ["compare \(Self.describe(base)) → \(Self.describe(new))"]
        out.append("thresholds: " + thresholds.metrics.map { "\($0.label) \(Self.number(thresholds.percents[$0]!))%" }.joined(separator: ", "))
        if !pairs.isEmpty {
            let extra = thresholds.metrics.filter { $0 != .p50 }
            var rows = [["device", "benchmark", "base median", "new median", "change", "95% intervals"] + extra.map { "\($0.label) change" } + ["result"]]
            for p in pairs {
                let m = p.median
                var row = [p.device, p.benchmark, Format.duration(m.baseNanoseconds), Format.duration(m.newNanoseconds), Self.change(m.changePercent)]
                row.append(m.intervalsOverlap == true ? "overlap" : "disjoint")
                for metric in extra {
                    let c = p.metrics.first { $0.metric == metric }
                    row.append(c.map { Self.change($0.changePercent) } ?? "")
                }
                var result = p.classification.rawValue
                if p.withinNoise && p.classification == .unchanged { result += " (within noise)" }
                if p.planChanged { result += "; plan changed" }
                row.append(result)
                rows.append(row)
            }
            out.append("")
            out.append(Self.table(rows, leftAligned: [0, 1, rows[0].count - 1]))
        }
        if !failed.isEmpty {
            out.append("")
            out.append("failed:")
            for f in failed {
                var line = "  \(f.device) \(f.benchmark): \(f.baseStatus) in run \(base.runId), \(f.newStatus) in run \(new.runId)"
                let errors = [f.baseError.map { "base: \($0)" }, f.newError.map { "new: \($0)" }].compactMap(\.self)
                if !errors.isEmpty { line += " (\(errors.joined(separator: "; ")))" }
                if f.regression { line += ": regression" }
                out.append(line)
            }
        }
        if !onlyInBase.isEmpty { out += ["", "only in run \(base.runId): " + onlyInBase.map { "\($0.device) \($0.benchmark)" }.joined(separator: ", ")] }
        if !onlyInNew.isEmpty { out += ["", "only in run \(new.runId): " + onlyInNew.map { "\($0.device) \($0.benchmark)" }.joined(separator: ", ")] }
        out.append("")
        out.append(summaryLine)
        return out.joined(separator: "\n")
    }

    /// "1 regression, 2 unchanged (1 within noise), 1 failed": what the CLI also logs to stderr.
    public var summaryLine: String {
        let s = summary
        var parts = [Self.count(s.regressions, "regression"), Self.count(s.improvements, "improvement")]
        parts.append("\(s.unchanged) unchanged" + (s.withinNoise > 0 ? " (\(s.withinNoise) within noise)" : ""))
        if s.failed > 0 { parts.append("\(s.failed) failed") }
        if s.onlyInBase > 0 { parts.append("\(s.onlyInBase) only in run \(base.runId)") }
        if s.onlyInNew > 0 { parts.append("\(s.onlyInNew) only in run \(new.runId)") }
        return parts.joined(separator: ", ")
    }

    static func describe(_ r: ComparedRun) -> String {
        "run \(r.runId) (" + (r.baseline.map { "baseline \($0), " } ?? "") + "\(r.profile), \(r.status), \(r.createdAt))"
    }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

    /// "+12.3%"; "+inf%" when the base was 0 ns.
    static func change(_ percent: Double?) -> String {
        guard let percent else { return "+inf%" }
        return String(format: "%+.1f%%", percent)
    }

    /// 5 → "5", 2.5 → "2.5".
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    static func table(_ rows: [[String]], leftAligned: Set<Int>) -> String {
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            var line = zip(row, widths).enumerated().map { i, cell in
                let pad = String(repeating: " ", count: cell.1 - cell.0.count)
                return leftAligned.contains(i) ? cell.0 + pad : pad + cell.0
            }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
