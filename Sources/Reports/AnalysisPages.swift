import BenchCore
import Controller
import Foundation
import Store
import Tables

extension ReportPages {
    /// Models × devices: the matrix of medians with speedups, latency against energy with its
    /// Pareto front, and `boardbench compare` between runs.
    public static func comparisonPage(_ c: ComparisonReport) -> String {
        var body: HTML = "<h1>Models × devices</h1>\n"
        if c.benchmarks.isEmpty {
            body += "<p class=\"muted\">No successful benchmark outside latency-table runs yet.</p>"
        } else {
            body += """
                <p class="meta">Median latency of the newest successful result of each benchmark on each device (latency-table runs \
                excluded); the speedup is against the slowest device on the row.</p>
                """
            let header: [HTML] = c.devices.map { "<th data-num><a href=\"\(Page.deviceFile($0))\">\($0)</a></th>" }
            var rows: [HTML] = []
            for b in c.benchmarks {
                let row = c.cells[b] ?? [:]
                let slowest = row.values.map(\.statistics.median).max() ?? 0
                var cells: HTML = "<tr><td>\(b)</td>"
                for d in c.devices {
                    guard let cell = row[d] else {
                        cells += Page.missing
                        continue
                    }
                    let m = cell.statistics.median
                    let speed: HTML = row.count > 1 && m > 0 ? "<br><span class=\"speed\">\(Units.speedup(slowest / m))</span>" : ""
                    cells += """
                        <td data-v="\(fixed(m, 0))"><a href="\(Page.runFile(cell.runId))">\(Units.duration(m))</a>\(speed)</td>
                        """
                }
                rows.append(cells + "</tr>")
            }
            body += "<table class=\"sortable matrix\"><tr><th class=\"l\">benchmark</th>\(header)</tr>\(rows)</table>"
            var points: [Charts.Point] = []
            for b in c.benchmarks {
                for (d, cell) in (c.cells[b] ?? [:]).sorted(by: { $0.key < $1.key }) {
                    if let e = cell.energyPerInferenceJoules { points.append(.init(x: cell.statistics.median, y: e, label: "\(b) on \(d)", series: d)) }
                }
            }
            body += "<h2>Latency and energy</h2>"
            if points.isEmpty {
                body += """
                    <p class="muted">No result carries energy per inference: boards need a readable power rail (RAPL, INA3221, \
                    the Pi 5 PMIC or a command); see docs/methodology.md.</p>
                    """
            } else {
                body += "<p class=\"meta\">Lower left is better; the dashed line joins the results no other result beats on both.</p>"
                body += Charts.scatter(
                    points, kind: "pareto", xLabel: "median latency", yLabel: "energy per inference", xFormat: Units.duration,
                    yFormat: Units.energy, front: true)
            }
        }
        body += "<h2>Compared runs</h2>"
        if c.comparisons.isEmpty {
            body +=
                "<p class=\"muted\">Nothing to compare: save a baseline (<code>boardbench baseline save NAME RUN</code>) and run again, or pass <code>report --compare BASE:NEW</code>.</p>"
        }
        for r in c.comparisons { body += comparisonSection(r) }
        return Page.render(title: "BoardBench comparison", nav: Page.mainNav, body: body)
    }

    static func comparisonSection(_ r: RunComparison) -> HTML {
        var out: HTML = """
            <h3><a href="\(Page.runFile(r.base.runId))">run \(r.base.runId)</a>\(r.base.baseline.map { " (baseline \($0))" } ?? "") → \
            <a href="\(Page.runFile(r.new.runId))">run \(r.new.runId)</a></h3>
            """
        out += r.regression ? "<p class=\"bad\">\(r.summaryLine)</p>" : "<p class=\"good\">\(r.summaryLine)</p>"
        var rows: [HTML] = []
        for p in r.pairs {
            let m = p.median
            let cls = p.classification == .regression ? "fail" : p.classification == .improvement ? "ok" : ""
            rows.append(
                """
                <tr><td>\(p.device)</td><td class="l">\(p.benchmark)</td>\(Page.number(m.baseNanoseconds, Units.duration(m.baseNanoseconds)))\
                \(Page.number(m.newNanoseconds, Units.duration(m.newNanoseconds)))\(m.changePercent.map { Page.number($0, Units.change($0)) } ?? Page.missing)\
                <td class="l">\(m.intervalsOverlap.map { $0 ? "overlap" : "disjoint" } ?? "–")</td>\
                <td class="l nw \(cls)">\(p.classification.rawValue)\(p.withinNoise ? " (within noise)" : "")\(p.planChanged ? " · plan changed" : "")</td></tr>
                """)
        }
        for f in r.failed {
            rows.append(
                """
                <tr><td>\(f.device)</td><td class="l">\(f.benchmark)</td><td colspan="4" class="l wrap">\(f.baseStatus) → \(f.newStatus): \
                \(f.newError ?? f.baseError ?? "")</td><td class="l nw \(f.regression ? "fail" : "")">\(f.regression ? "regression" : "failed")</td></tr>
                """)
        }
        out += """
            <table class="sortable"><tr><th>device</th><th class="l">benchmark</th><th data-num>base median</th><th data-num>new median</th><th data-num>change</th>\
            <th class="l">95% CIs</th><th class="l">verdict</th></tr>\(rows)</table>
            """
        let only = r.onlyInBase.map { "\($0.device) \($0.benchmark)" }
        if !only.isEmpty { out += "<p class=\"meta\">only in run \(r.base.runId): \(only.joined(separator: ", "))</p>" }
        let new = r.onlyInNew.map { "\($0.device) \($0.benchmark)" }
        if !new.isEmpty { out += "<p class=\"meta\">only in run \(r.new.runId): \(new.joined(separator: ", "))</p>" }
        return out
    }

    /// A latency table: its block heatmap, how well it predicts, and what search did with it.
    public static func tablePage(_ t: TableReport) -> String {
        let id = t.record.id ?? 0
        var body: HTML = """
            <h1>Latency table \(id): \(t.record.space) on <a href="\(Page.deviceFile(t.record.device))">\(t.record.device)</a></h1>
            <p class="meta">\(t.entries.count) blocks · runtime \(t.record.runtime) \(t.record.runtimeVersion) · settings \
            <code>\(String(t.record.settingsHash.prefix(12)))</code> · space <code>\(String(t.record.spaceHash.prefix(12)))</code> · \
            created \(Units.date(t.record.createdAtUnixNanoseconds))</p>
            """
        let runs: [HTML] = t.runs.map { "<a href=\"\(Page.runFile($0.runId))\">run \($0.runId)</a> (\($0.purpose))" }
        if !runs.isEmpty { body += "<p class=\"meta\">measured in \(runs.joined(separator: ", "))</p>" }
        body += "<h2>Blocks</h2>" + blockHeatmap(t.entries)
        body += "<h2>Prediction accuracy</h2>"
        if let e = t.validationError { body += "<p class=\"bad\">The stored validation report cannot be read: \(e)</p>" }
        body += validationSection(t.validation)
        body += "<h2>Searches</h2>" + searchesSection(t.searches)
        var rows: [HTML] = []
        for e in t.entries {
            let r = e.record
            let spread = r.p50Nanoseconds > 0 ? (r.p90Nanoseconds - r.p10Nanoseconds) / r.p50Nanoseconds : 0
            rows.append(
                """
                <tr><td class="l"><code>\(r.blockKey)</code></td><td class="l">\(e.layer?.name ?? "layer unreadable")</td>\
                \(Page.number(Double(r.count), String(r.count)))\(Page.number(r.p50Nanoseconds, Units.duration(r.p50Nanoseconds)))\
                \(Page.number(r.meanNanoseconds, Units.duration(r.meanNanoseconds)))\(Page.number(spread, Units.percent(spread)))</tr>
                """)
        }
        body += """
            <h2>Every block</h2><table class="sortable"><tr><th class="l">block</th><th class="l">first seen as</th><th data-num>samples</th>\
            <th data-num>median</th><th data-num>mean</th><th data-num>p10–p90 / median</th></tr>\(rows)</table>
            """
        return Page.render(title: "BoardBench latency table \(id): \(t.record.space) on \(t.record.device)", nav: Page.mainNav, body: body)
    }

    /// Rows: stage, stride and input size; columns: kernel and expand ratio (heads for
    /// transformers); cells: the block's median. Only each (stage, stride)'s largest input is
    /// shown so the map stays readable across resolutions; the table below has every block.
    static func blockHeatmap(_ entries: [TableReport.Entry]) -> HTML {
        struct Row: Hashable, Comparable {
            var stage: String
            var stride: Int
            var input: [Int]
            var label: String {
                "\(stage) · \(input.count == 3 ? "\(input[1])×\(input[2])×\(input[0])" : input.map(String.init).joined(separator: "×")) · s\(stride)"
            }
            static func < (a: Row, b: Row) -> Bool { (a.stage, b.stride, a.label) < (b.stage, a.stride, b.label) }
        }
        var cells: [Row: [String: Double]] = [:]
        var columns: [(Int, Double, String)] = []
        for e in entries {
            guard let l = e.layer, l.kind == "mbconv" || l.kind == "bottleneck" || l.kind == "transformer" else { continue }
            let stage = String(l.name.split(separator: ".").first ?? Substring(l.name))
            let row = Row(stage: stage, stride: l.stride, input: l.input)
            let (a, b) = l.kind == "transformer" ? (l.heads, l.expandRatio) : (l.kernel, l.expandRatio)
            let col = l.kind == "transformer" ? "h\(a) e\(fixed(b, 2))" : "k\(a) e\(fixed(b, 2))"
            if !columns.contains(where: { $0.2 == col }) { columns.append((a, b, col)) }
            cells[row, default: [:]][col] = e.record.p50Nanoseconds
        }
        guard !cells.isEmpty else { return "<p class=\"muted\">No searchable block (mbconv, bottleneck, transformer) in this table.</p>" }
        // Keep each (stage, stride)'s largest input.
        var largest: [String: Row] = [:]
        for r in cells.keys {
            let k = "\(r.stage)|\(r.stride)"
            if let cur = largest[k], cur.input.reduce(1, *) >= r.input.reduce(1, *) { continue }
            largest[k] = r
        }
        let rows = largest.values.sorted()
        let cols = columns.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map(\.2)
        let values = rows.map { r in cols.map { cells[r]?[$0] } }
        let shown = rows.count < cells.count ? " (largest input of each stage and stride; \(cells.count) block shapes in all)" : ""
        return "<p class=\"meta\">Median latency per block\(shown).</p>"
            + Charts.heatmap(
                rows: rows.map(\.label), columns: cols, values: values, caption: "median latency of each block configuration", format: Units.duration)
    }

    static func validationSection(_ v: ValidationReport?) -> HTML {
        guard let v else {
            return "<p class=\"muted\">Not validated: <code>boardbench table validate</code> measures random networks end to end and scores the table.</p>"
        }
        var rows: [HTML] = []
        for (name, m) in [("table (raw)", v.raw), ("with correction", v.corrected), ("device against itself", v.repeatability)] {
            guard let m else { continue }
            rows.append(
                """
                <tr><td>\(name)</td><td>\(m.count)</td><td>\(Units.percent(m.within5))</td><td>\(Units.percent(m.within10))</td>\
                <td>\(Units.percent(m.rmspe))</td><td>\(Units.duration(m.rmseNanoseconds))</td><td>\(fixed(m.spearman, 3))</td>\
                <td>\(Units.change(m.meanRelativeError * 100))</td></tr>
                """)
        }
        var out: HTML = """
            <p class="meta">Run <a href="\(Page.runFile(v.runId))">\(v.runId)</a>, seed \(String(v.seed)), statistic \(v.statistic.rawValue), \
            resolutions \(v.resolutions.map(String.init).joined(separator: ", ")).</p>
            <table><tr><th class="l">predictor</th><th>networks</th><th>within ±5%</th><th>within ±10%</th><th>RMSPE</th><th>RMSE</th>\
            <th>Spearman</th><th>mean error</th></tr>\(rows)</table>
            """
        let corrected = v.networks.contains { $0.correctedNanoseconds != nil }
        let points: [Charts.Point] = v.networks.compactMap { n in
            guard let m = n.measuredMeanNanoseconds else { return nil }
            return .init(x: m, y: n.correctedNanoseconds ?? n.predictedNanoseconds, label: n.arch, series: n.set)
        }
        if !points.isEmpty {
            out += "<p class=\"meta\">Each network's \(corrected ? "corrected " : "")prediction against its measured latency.</p>"
            out += Charts.predictedVsMeasured(points)
        }
        if !v.failed.isEmpty {
            let items: [HTML] = v.failed.sorted { $0.key < $1.key }.map { "<li><code>\($0.key)</code>: \($0.value)</li>" }
            out += "<div class=\"warn\"><b>\(v.failed.count) network(s) could not be measured</b><ul>\(items)</ul></div>"
        }
        return out
    }

    static func searchesSection(_ searches: [SearchRecord]) -> HTML {
        guard !searches.isEmpty else { return "<p class=\"muted\">No search has used this table.</p>" }
        var rows: [HTML] = []
        for s in searches {
            let error = s.measuredNanoseconds.flatMap { $0 > 0 ? ($0 - s.predictedNanoseconds) / $0 * 100 : nil }
            rows.append(
                """
                <tr>\(Page.number(Double(s.id ?? 0), String(s.id ?? 0)))<td class="l">\(s.objective)</td>\
                \(Page.number(s.latencyBudgetNanoseconds, Units.duration(s.latencyBudgetNanoseconds)))\
                \(Page.number(s.objectiveValue, Units.count(s.objectiveValue)))\(Page.number(s.predictedNanoseconds, Units.duration(s.predictedNanoseconds)))\
                \(s.measuredNanoseconds.map { Page.number($0, Units.duration($0)) } ?? "<td data-v=\"\" class=\"muted\">not measured</td>")\
                \(error.map { Page.number(-$0, Units.change(-$0)) } ?? Page.missing)\
                <td class="wrap"><code>\(String(s.winner.prefix(160)))\(s.winner.count > 160 ? "…" : "")</code></td></tr>
                """)
        }
        return """
            <table class="sortable"><tr><th data-num>search</th><th class="l">objective</th><th data-num>budget</th><th data-num>objective value</th>\
            <th data-num>predicted</th><th data-num>measured</th><th data-num>prediction error</th><th class="l">winner</th></tr>\(rows)</table>
            """
    }
}
