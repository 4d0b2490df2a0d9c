import BenchCore
import Controller
import Foundation
import Store

/// HTML pages as pure functions of what the store returned.
public enum ReportPages {
    /// Above this many results a run page keeps its summary table and leaves out the per-benchmark
    /// charts (a table build measures a thousand blocks; its page must still open quickly).
    public static let chartedResultsLimit = 120

    /// `statistics`: already computed ones by result id (`ReportSite.statistics`); the rest are computed here.
    public static func runPage(_ d: RunDetail, purpose: String? = nil, statistics: [Int64: Statistics] = [:]) -> String {
        let id = d.run.id ?? 0
        var body: HTML = """
            <h1>Run \(id): \(d.run.profileName)</h1>
            <p class="meta">\(statusTag(d.run.status)) · started \(Units.date(d.run.createdAtUnixNanoseconds))\
            \(d.run.finishedAtUnixNanoseconds.map { " · finished \(Units.date($0))" } ?? "") · host \(d.run.hostName) · \
            BoardBench \(d.run.hostVersion) · profile <code>\(String(d.run.profileHash.prefix(12)))</code>\
            \(purpose.map { " · latency table \($0) run" } ?? "")</p>
            """
        // Statistics (a bootstrap each) are computed once per result for the whole page.
        let stats: [Statistics?] = d.results.map { r in
            guard r.record.status == "ok" else { return nil }
            return r.record.id.flatMap { statistics[$0] } ?? r.statistics
        }
        let failed = stats.filter { $0 == nil }
        let unstable = d.results.filter { $0.record.verdict.map { $0 != "stable" } ?? false }
        let pending = d.items.filter { $0.state != .done }
        if !failed.isEmpty { body += "<p class=\"bad\">\(failed.count) of \(d.results.count) benchmarks failed; their errors are below.</p>" }
        if !unstable.isEmpty { body += "<p class=\"warn\">\(unstable.count) result(s) are not stable: read their verdicts before trusting them.</p>" }
        if !pending.isEmpty {
            body += "<p class=\"warn\">\(pending.count) planned benchmark(s) have no result yet: <code>boardbench run --resume \(id)</code> measures them.</p>"
        }
        body += devicesTable(d.devices)
        body += "<h2>Benchmarks</h2>\n" + resultsTable(d.results, stats)
        body += runtimesSideBySide(RunnerComparison(d))
        if !pending.isEmpty {
            let rows: [HTML] = pending.map {
                "<tr><td>\($0.device)</td><td class=\"l\">\($0.benchmark)</td><td class=\"l\">\($0.state.rawValue)</td><td class=\"wrap\">\($0.error ?? "")</td></tr>"
            }
            body +=
                "<h2>Not measured</h2><table><tr><th>device</th><th class=\"l\">benchmark</th><th class=\"l\">state</th><th class=\"l\">last error</th></tr>\(rows)</table>"
        }
        if d.results.count > chartedResultsLimit {
            body +=
                "<p class=\"meta\">\(d.results.count) results: per-benchmark charts are left out above \(chartedResultsLimit); `boardbench results export` has every sample.</p>"
        } else {
            for (r, s) in zip(d.results, stats) { body += resultSection(r, s) }
        }
        return Page.render(title: "BoardBench run \(id): \(d.run.profileName)", nav: Page.mainNav, body: body)
    }

    /// One model measured by several runtimes in this run (`compare --runners`): a table per
    /// device, model and thread count, nothing when every model had one runtime.
    static func runtimesSideBySide(_ c: RunnerComparison) -> HTML {
        guard !c.groups.isEmpty else { return "" }
        var out: HTML = "<h2>Runtimes side by side</h2>\n"
        for g in c.groups {
            var rows: [HTML] = []
            for r in g.rows {
                if let median = r.medianNanoseconds, let low = r.medianLow95Nanoseconds, let high = r.medianHigh95Nanoseconds {
                    let vs = r.relative.map { String(format: "%.2f×", $0) } ?? ""
                    let overlap = r.runtime != "builtin" && r.overlapsBuiltin == true ? " (intervals overlap)" : ""
                    rows.append(
                        """
                        <tr><td class="l">\(r.benchmark)</td><td class="l">\(r.runtimeVersion)</td><td>\(r.samples)</td>\
                        <td>\(Units.duration(median))</td><td>\(Units.duration(low))–\(Units.duration(high))</td>\
                        <td>\(r.p90Nanoseconds.map(Units.duration) ?? "")</td><td>\(r.peakResidentKiB.map { Units.bytes(Double($0) * 1024) } ?? "")</td>\
                        <td>\(vs)\(overlap)</td></tr>
                        """)
                } else {
                    rows.append(
                        "<tr><td class=\"l\">\(r.benchmark)</td><td class=\"l\">\(r.runtimeVersion)</td><td colspan=\"6\" class=\"wrap bad\">\(r.status): \(r.error ?? "")</td></tr>"
                    )
                }
            }
            out += """
                <h3>\(g.device) · <code>\(g.model)</code> · \(g.threads) thread\(g.threads == 1 ? "" : "s")</h3>\
                <table><tr><th class="l">benchmark</th><th class="l">runtime</th><th>samples</th><th>median</th><th>95% CI</th>\
                <th>p90</th><th>peak memory</th><th>vs builtin</th></tr>\(rows)</table>
                """
        }
        return out
    }

    static func statusTag(_ status: String) -> HTML {
        let cls = status == "completed" ? "ok" : status == "running" ? "muted" : "fail"
        return "<span class=\"tag \(cls)\">\(status)</span>"
    }

    static func devicesTable(_ devices: [RunDeviceRecord]) -> HTML {
        var rows: [HTML] = []
        for dev in devices {
            let facts = decodeFacts(dev.factsJSON)
            rows.append(
                """
                <tr><td><a href="\(Page.deviceFile(dev.device))">\(dev.device)</a></td><td class="l">\(facts?.cpuModel ?? "unknown")</td>\
                <td>\(facts.map { String($0.logicalCores) } ?? "unknown")</td>\
                <td class="l">\(facts.map { "\($0.operatingSystem) / \($0.kernel)" } ?? "unknown")</td>\
                <td class="l">\(facts?.blasCoreName ?? "unknown")</td><td>\(dev.agentVersion)</td></tr>
                """)
        }
        return """
            <h2>Devices</h2><table><tr><th>device</th><th class="l">CPU</th><th>cores</th><th class="l">OS / kernel</th>\
            <th class="l">BLAS core</th><th>agent</th></tr>\(rows)</table>
            """
    }

    static func resultsTable(_ results: [StoredResult], _ stats: [Statistics?]) -> HTML {
        var rows: [HTML] = []
        for (r, statistics) in zip(results, stats) {
            let rec = r.record
            var row: HTML = "<tr><td>\(rec.device)</td><td class=\"l\"><a href=\"#\(anchor(rec))\">\(rec.benchmark)</a></td>"
            if let s = statistics {
                row += Page.number(Double(s.count), String(s.count))
                for v in [s.min, s.median, s.p90, s.p99, s.max] { row += Page.number(v, Units.duration(v)) }
                row += Page.number(s.coefficientOfVariation, Units.percent(s.coefficientOfVariation))
                row += rec.energyPerInferenceJoules.map { Page.number($0, Units.energy($0)) } ?? Page.missing
                row += rec.peakResidentKiB.map { Page.number(Double($0), Units.kibibytes($0)) } ?? "<td data-v=\"\" class=\"muted\">unknown</td>"
                let verdict = rec.verdict ?? "no verdict"
                row += "<td class=\"l \(verdict == "stable" ? "ok" : "fail")\">\(verdict)</td></tr>"
            } else {
                row += "<td colspan=\"10\" class=\"fail l wrap\">failed: \(rec.error ?? "no samples")</td></tr>"
            }
            rows.append(row)
        }
        return """
            <table class="sortable"><tr><th>device</th><th class="l">benchmark</th><th data-num>samples</th><th data-num>min</th>\
            <th data-num>median</th><th data-num>p90</th><th data-num>p99</th><th data-num>max</th><th data-num>CV</th>\
            <th data-num>energy / inference</th><th data-num>peak RSS</th><th class="l">verdict</th></tr>\(rows)</table>
            """
    }

    static func anchor(_ r: ResultRecord) -> String { "r-\(r.id ?? 0)" }

    /// One benchmark on one device: charts, memory, energy, counters, environment, verdict.
    static func resultSection(_ r: StoredResult, _ statistics: Statistics?) -> HTML {
        let rec = r.record
        var out: HTML = """
            <h2 id="\(anchor(rec))">\(rec.benchmark) on <a href="\(Page.deviceFile(rec.device))">\(rec.device)</a></h2>
            <p class="meta">model <code>\(rec.model)</code> · plan <code>\(String(rec.planHash.prefix(12)))</code> · \
            runtime \(rec.runtime) \(rec.runtimeVersion)</p>
            """
        guard let s = statistics else {
            return out + "<p class=\"bad\">failed: \(rec.error ?? "no samples")</p>"
        }
        let outcome = r.outcome
        let verdict = outcome.map { StabilityVerdict.assess(s, conditions: $0.conditions) }
        if let verdict {
            let reasons: [HTML] = verdict.reasons.map { "<li>\($0)</li>" }
            out +=
                verdict.stable
                ? "<p class=\"good\">Stable: \(verdict.summary)</p>" : "<div class=\"warn\"><b>Not stable: \(verdict.summary)</b><ul>\(reasons)</ul></div>"
        } else if let v = rec.verdict {
            out += v == "stable" ? "<p class=\"good\">Stable</p>" : "<p class=\"warn\"><b>\(v)</b></p>"
        }
        out += "<div class=\"grid\"><div>" + Charts.histogram(r.samplesNanoseconds, statistics: s) + "</div><div>"
        out += Charts.strip(r.samplesNanoseconds, median: s.median) + "</div></div>"
        var latency: [(String, HTML)] = [
            ("samples", "\(s.count) × \(rec.repeatsPerSample) execution(s)"),
            ("median", "\(Units.duration(s.median)) (95% CI \(Units.duration(s.medianLow95)) – \(Units.duration(s.medianHigh95)))"),
            ("mean ± sd", "\(Units.duration(s.mean)) ± \(Units.duration(s.standardDeviation))"),
            ("p25 / p75 / p90 / p99", "\([s.p25, s.p75, s.p90, s.p99].map(Units.duration).joined(separator: " / "))"),
            ("outliers", "\(s.outliers)"),
            ("load", "\(Units.duration(Double(rec.loadNanoseconds)))"),
            ("cold start", "\(Units.duration(Double(rec.coldStartNanoseconds)))"),
        ]
        if let o = outcome {
            latency.append(("warmup", "\(o.warmupRuns) runs, \(Units.duration(Double(o.warmupNanoseconds)))"))
            if let cpu = o.processCPUNanoseconds, o.measuredNanoseconds > 0 {
                latency.append(("cores kept busy", "\(fixed(Double(cpu) / Double(o.measuredNanoseconds), 2))"))
            }
        }
        var memory: [(String, HTML)] = [
            ("peak RSS", "\(rec.peakResidentKiB.map(Units.kibibytes) ?? "unknown")"),
            ("arena", "\(Units.bytes(Double(rec.arenaBytes)))"), ("weights", "\(Units.bytes(Double(rec.weightBytes)))"),
        ]
        if let o = outcome, let load = o.loadResidentKiB { memory.append(("RSS growth at load", "\(Units.kibibytes(load))")) }
        out += "<div class=\"grid\"><div><h3>Latency</h3>\(Page.facts(latency))</div><div><h3>Memory</h3>\(Page.facts(memory))</div>"
        out += "<div><h3>Energy</h3>\(energySection(outcome?.energy, perInference: rec.energyPerInferenceJoules))</div></div>"
        if let o = outcome {
            out += "<div class=\"grid\"><div><h3>Counters</h3>\(countersSection(o))</div><div><h3>Environment</h3>\(environmentSection(o))</div></div>"
            if !o.conditions.isEmpty {
                let items: [HTML] = o.conditions.map { "<li>\($0)</li>" }
                out += "<div class=\"warn\"><b>Conditions recorded during the measurement</b><ul>\(items)</ul></div>"
            }
        }
        return out
    }

    static func energySection(_ e: EnergyMeasurement?, perInference: Double?) -> HTML {
        guard let e else {
            return perInference.map { Page.facts([("per inference", "\(Units.energy($0))")]) } ?? "<p class=\"muted\">not measured</p>"
        }
        guard e.status == .measured else { return "<p class=\"muted\">unavailable: \(e.reason ?? "no readable power rail")</p>" }
        var rows: [(String, HTML)] = []
        if let j = e.joulesPerInference { rows.append(("per inference", "<b>\(Units.energy(j))</b>")) }
        if let j = e.joulesPerInferenceAboveIdle { rows.append(("above idle", "\(Units.energy(j))")) }
        if let w = e.averageWatts { rows.append(("average power", "\(Units.power(w))")) }
        if let w = e.idleWatts { rows.append(("idle power", "\(Units.power(w))")) }
        rows.append(("source", "\(e.source ?? "unknown") (\(e.quantity?.rawValue ?? "?"))"))
        rows.append(("samples", "\(e.sampleCount)\(e.achievedRateHertz.map { " at \(fixed($0, 1)) Hz" } ?? "")"))
        if let p = e.precision { rows.append(("precision", p == .precise ? "\(p.rawValue)" : "<span class=\"fail\">\(p.rawValue)</span>")) }
        var out = Page.facts(rows)
        if !e.imprecisionReasons.isEmpty {
            let items: [HTML] = e.imprecisionReasons.map { "<li>\($0)</li>" }
            out += "<div class=\"warn\"><ul>\(items)</ul></div>"
        }
        return out
    }

    static func countersSection(_ o: BenchmarkOutcome) -> HTML {
        guard let counters = o.counters else { return "<p class=\"muted\">none asked for</p>" }
        var rows: [(String, HTML)] = []
        let per = o.countersPerExecution ?? [:]
        func value(_ names: [String]) -> Double? { names.lazy.compactMap { per[$0] }.first }
        let cycles = value(["cycles", "perf::CYCLES", "perf::PERF_COUNT_HW_CPU_CYCLES", "CPU_CYCLES"])
        let instructions = value(["instructions", "perf::INSTRUCTIONS", "perf::PERF_COUNT_HW_INSTRUCTIONS", "INST_RETIRED"])
        if let c = cycles, let i = instructions, c > 0 { rows.append(("IPC", "<b>\(fixed(i / c, 2))</b>")) }
        for reading in counters.readings {
            guard let v = per[reading.event] else {
                rows.append((reading.event, "<span class=\"muted\">unavailable: \(reading.unavailableReason ?? "not counted")</span>"))
                continue
            }
            let note: HTML = reading.multiplexed ? " <span class=\"tag\">multiplexed</span>" : ""
            rows.append((reading.event, "\(Units.count(v)) per inference\(note)"))
        }
        rows.append(("threads counted", "\(counters.threadsCounted)"))
        return Page.facts(rows)
    }

    static func environmentSection(_ o: BenchmarkOutcome) -> HTML {
        guard o.environmentBefore != nil || o.environmentAfter != nil else { return "<p class=\"muted\">not recorded</p>" }
        func temp(_ e: EnvironmentSnapshot?) -> String { e?.hottestCelsius.map(Units.celsius) ?? "no sensor" }
        func governors(_ e: EnvironmentSnapshot?) -> String {
            let g = Set((e?.cores ?? []).compactMap(\.governor)).sorted()
            return g.isEmpty ? "not exposed" : g.joined(separator: ", ")
        }
        var rows: [(String, HTML)] = [
            ("temperature before → after", "\(temp(o.environmentBefore)) → \(temp(o.environmentAfter))"),
            ("governor", "\(governors(o.environmentAfter ?? o.environmentBefore))"),
        ]
        if let t = o.environmentAfter?.throttle {
            let now = t.now.map(\.rawValue).joined(separator: ", ")
            rows.append(("throttling", now.isEmpty ? "none" : "<span class=\"fail\">\(now)</span>"))
        } else {
            rows.append(("throttling", "not exposed"))
        }
        if let l = o.environmentBefore?.loadAverage { rows.append(("load average before", "\(fixed(l.oneMinute, 2))")) }
        if let c = o.cooldown { rows.append(("cooldown", "\(c.status.rawValue) after \(fixed(c.waitedSeconds, 1)) s")) }
        var out = Page.facts(rows)
        if let issues = o.environmentIssues, !issues.isEmpty {
            let items: [HTML] = issues.map { "<li>\($0.reason)</li>" }
            out += "<div class=\"warn\"><ul>\(items)</ul></div>"
        }
        return out
    }

    static func decodeFacts(_ json: String) -> DeviceFacts? {
        try? JSONDecoder().decode(DeviceFacts.self, from: Data(json.utf8))
    }
}
