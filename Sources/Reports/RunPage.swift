import BenchCore
import Store

/// HTML pages as pure functions of what the store returns.
public enum ReportPages {
    public static func runPage(_ d: RunDetail) -> String {
        let id = d.run.id ?? 0
        var body = """
            <p><a href="index.html">All runs</a></p>
            <h1>Run \(id): \(escapeHTML(d.run.profileName))</h1>
            <p class="meta">status <b>\(escapeHTML(d.run.status))</b> · host \(escapeHTML(d.run.hostName)) · BoardBench \(escapeHTML(d.run.hostVersion)) · profile <code>\(escapeHTML(String(d.run.profileHash.prefix(12))))</code></p>
            <h2>Devices</h2>
            <table><tr><th>device</th><th class="l">CPU</th><th>cores</th><th class="l">OS / kernel</th><th class="l">BLAS core</th><th>agent</th></tr>
            """
        for dev in d.devices {
            let facts = decodeFacts(dev.factsJSON)
            body += "<tr><td>\(escapeHTML(dev.device))</td><td class=\"l\">\(escapeHTML(facts?.cpuModel ?? "unknown"))</td>"
            body += "<td>\(facts?.logicalCores ?? 0)</td><td class=\"l\">\(escapeHTML(facts.map { "\($0.operatingSystem) / \($0.kernel)" } ?? "unknown"))</td>"
            body += "<td class=\"l\">\(escapeHTML(facts?.blasCoreName ?? "unknown"))</td><td>\(escapeHTML(dev.agentVersion))</td></tr>\n"
        }
        body += "</table>\n<h2>Benchmarks</h2>\n"
        body +=
            "<table><tr><th>device</th><th class=\"l\">benchmark</th><th>samples</th><th>min</th><th>median</th><th>p90</th><th>p99</th><th>max</th><th>CV</th><th>cold start</th><th>peak RSS</th></tr>\n"
        for r in d.results {
            let rec = r.record
            body += "<tr><td>\(escapeHTML(rec.device))</td><td class=\"l\">\(escapeHTML(rec.benchmark))</td>"
            if let s = r.statistics {
                body += "<td>\(s.count)</td><td>\(duration(s.min))</td><td>\(duration(s.median))</td><td>\(duration(s.p90))</td>"
                body += "<td>\(duration(s.p99))</td><td>\(duration(s.max))</td><td>\(rounded(s.coefficientOfVariation * 100, 1)) %</td>"
                body += "<td>\(duration(Double(rec.coldStartNanoseconds)))</td><td>\(rec.peakResidentKiB.map { "\($0) KiB" } ?? "unknown")</td></tr>\n"
            } else {
                body += "<td colspan=\"9\" class=\"fail l\">failed: \(escapeHTML(rec.error ?? "no samples"))</td></tr>\n"
            }
        }
        body += "</table>\n"
        for r in d.results {
            guard let s = r.statistics else { continue }
            body += "<h2>\(escapeHTML(r.record.benchmark)) on \(escapeHTML(r.record.device))</h2>\n"
            body +=
                "<p class=\"meta\">model \(escapeHTML(r.record.model)) · plan <code>\(escapeHTML(String(r.record.planHash.prefix(12))))</code> · runtime \(escapeHTML(r.record.runtimeVersion)) · median \(duration(s.median)), dashed line</p>\n"
            body += sampleChart(r.samplesNanoseconds, median: s.median) + "\n"
        }
        return page(title: "BoardBench run \(id): \(d.run.profileName)", body: body)
    }

    public static func index(_ runs: [RunSummary]) -> String {
        var body =
            "<h1>BoardBench runs</h1>\n<table><tr><th>run</th><th class=\"l\">profile</th><th class=\"l\">devices</th><th class=\"l\">status</th><th>results</th><th>failed</th></tr>\n"
        for s in runs {
            let id = s.run.id ?? 0
            let cls = s.failedCount > 0 ? "fail" : "ok"
            body += "<tr><td><a href=\"run-\(id).html\">\(id)</a></td><td class=\"l\">\(escapeHTML(s.run.profileName))</td>"
            body += "<td class=\"l\">\(escapeHTML(s.devices.joined(separator: ", ")))</td><td class=\"l \(cls)\">\(escapeHTML(s.run.status))</td>"
            body += "<td>\(s.resultCount)</td><td>\(s.failedCount)</td></tr>\n"
        }
        body += "</table>\n"
        return page(title: "BoardBench runs", body: body)
    }

    static func decodeFacts(_ json: String) -> DeviceFacts? {
        FactsDecoding.decode(json)
    }
}
