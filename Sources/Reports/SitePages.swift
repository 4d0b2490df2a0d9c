import BenchCore
import Controller
import Store

extension ReportPages {
    /// Devices, runs and latency tables, with links to their pages.
    public static func index(_ site: ReportSite) -> String {
        var body: HTML = "<h1>BoardBench</h1>\n<h2>Devices</h2>\n"
        if site.devices.isEmpty {
            body += "<p class=\"muted\">No device enrolled: <code>boardbench device add NAME --host HOST</code>.</p>"
        } else {
            var rows: [HTML] = []
            for d in site.devices {
                let facts = d.facts
                rows.append(
                    """
                    <tr><td><a href="\(Page.deviceFile(d.name))">\(d.name)</a></td><td class="l">\(d.config?.host ?? (d.config == nil ? "not enrolled" : "local"))</td>\
                    <td class="l">\(facts?.cpuModel ?? "unknown")</td>\(facts.map { Page.number(Double($0.logicalCores), String($0.logicalCores)) } ?? Page.missing)\
                    <td class="l">\(d.board?.name ?? d.config?.board ?? "–")</td>\(Page.number(Double(d.runs.count), String(d.runs.count)))</tr>
                    """)
            }
            body += """
                <table class="sortable"><tr><th>device</th><th class="l">host</th><th class="l">CPU</th><th data-num>cores</th><th class="l">board</th>\
                <th data-num>runs</th></tr>\(rows)</table>
                """
        }
        body += "<h2>Runs</h2>\n"
        if site.runs.isEmpty {
            body += "<p class=\"muted\">No run yet: <code>boardbench run Profiles/quick.yaml</code>.</p>"
        } else {
            var rows: [HTML] = []
            for s in site.runs {
                let id = s.run.id ?? 0
                let purpose: HTML = site.tableRunPurposes[id].map { " <span class=\"tag\">table \($0)</span>" } ?? ""
                rows.append(
                    """
                    <tr><td data-v="\(id)"><a href="\(Page.runFile(id))">\(id)</a></td><td class="l">\(s.run.profileName)\(purpose)</td>\
                    <td class="l nw">\(Units.date(s.run.createdAtUnixNanoseconds))</td><td class="l">\(s.devices.joined(separator: ", "))</td>\
                    <td class="l">\(statusTag(s.run.status))</td><td data-v="\(s.resultCount)">\(s.resultCount)</td>\
                    <td data-v="\(s.failedCount)" class="\(s.failedCount > 0 ? "fail" : "")">\(s.failedCount)</td></tr>
                    """)
            }
            body += """
                <table class="sortable"><tr><th data-num>run</th><th class="l">profile</th><th class="l">started</th><th class="l">devices</th>\
                <th class="l">status</th><th data-num>results</th><th data-num>failed</th></tr>\(rows)</table>
                """
        }
        body += "<h2>Latency tables</h2>\n"
        if site.tables.isEmpty {
            body += "<p class=\"muted\">No latency table: <code>boardbench table build --space Profiles/spaces/ofa-mbv3.yaml --device NAME</code>.</p>"
        } else {
            var rows: [HTML] = []
            for t in site.tables {
                let id = t.record.id ?? 0
                let accuracy: HTML =
                    (t.validation?.corrected ?? t.validation?.raw).map { "\(Units.percent($0.within10)) within ±10%" } ?? "not validated"
                rows.append(
                    """
                    <tr><td data-v="\(id)"><a href="\(Page.tableFile(id))">\(id)</a></td><td class="l">\(t.record.space)</td><td class="l">\(t.record.device)</td>\
                    <td class="l">\(t.record.runtime) \(t.record.runtimeVersion)</td><td data-v="\(t.entries.count)">\(t.entries.count)</td>\
                    <td class="l">\(accuracy)</td><td data-v="\(t.searches.count)">\(t.searches.count)</td></tr>
                    """)
            }
            body += """
                <table class="sortable"><tr><th data-num>table</th><th class="l">space</th><th class="l">device</th><th class="l">runtime</th>\
                <th data-num>blocks</th><th class="l">prediction</th><th data-num>searches</th></tr>\(rows)</table>
                """
        }
        body += "<p><a href=\"\(Page.comparisonFile)\">Models × devices comparison</a></p>"
        return Page.render(title: "BoardBench", nav: Page.mainNav, body: body)
    }

    /// One device: facts, sensors, board, history and trends.
    public static func devicePage(_ d: DeviceReport) -> String {
        var body: HTML = "<h1>Device \(d.name)</h1>\n"
        if let c = d.config {
            body += """
                <p class="meta">\(c.transport == .local ? "this machine" : "\(c.user ?? "")@\(c.host ?? "")\(c.port.map { ":\($0)" } ?? "")") \
                · workdir <code>\(c.workdir)</code>\(c.hostKeyFingerprint.map { (f: String) -> HTML in " · host key <code>\(f)</code>" } ?? "")</p>
                """
        } else {
            body += "<p class=\"warn\">No device file: \(d.configError ?? "the device is only known from stored runs").</p>"
        }
        if let f = d.facts {
            var rows: [(String, HTML)] = [
                ("CPU", "\(f.cpuModel) (\(f.architecture))"), ("cores", "\(f.logicalCores)"),
                ("memory", "\(Units.bytes(Double(f.memoryBytes)))"), ("OS", "\(f.operatingSystem)"), ("kernel", "\(f.kernel)"),
                ("glibc", "\(f.glibcVersion)"), ("BLAS", "\(f.blasCoreName): \(f.blasConfig)"), ("agent", "\(f.agentVersion)"),
            ]
            if let khz = f.maxFrequencyKHz { rows.insert(("max frequency", "\(Units.frequency(khz))"), at: 2) }
            rows.append(("governor", "\(f.governor ?? "not exposed")"))
            body += "<h2>Facts</h2>" + Page.facts(rows)
            var sensors: [(String, HTML)] = [
                ("thermal zones", f.thermalZones.isEmpty ? "<span class=\"muted\">none found</span>" : "\(f.thermalZones.joined(separator: ", "))")
            ]
            let available = f.perfEvents.filter(\.available).map(\.event)
            sensors.append(("counters available", available.isEmpty ? "<span class=\"muted\">none</span>" : "\(available.joined(separator: ", "))"))
            for e in f.perfEvents where !e.available {
                sensors.append(("\(e.event)", "<span class=\"muted\">unavailable: \(e.reason ?? "no reason given")</span>"))
            }
            let energy = [d.config?.energy, d.board?.energy].compactMap { $0 }.first { $0.provider != .none }
            sensors.append(("power rail (configured)", energy.map { "\($0.summary)" } ?? "<span class=\"muted\">no power rail configured</span>"))
            body += "<h2>Sensors found</h2>" + Page.facts(sensors)
        } else {
            body += "<p class=\"warn\">No facts recorded: <code>boardbench device probe \(d.name)</code> collects them.</p>"
        }
        body += "<h2>Board</h2>"
        if let b = d.board {
            var rows: [(String, HTML)] = [("name", "\(b.name)"), ("architecture", "\(b.architecture)")]
            if let text = b.description { rows.append(("description", "\(text)")) }
            if let e = b.energy, e.provider != .none { rows.append(("energy", "\(e.summary)")) }
            if let cores = b.bigCores {
                switch cores {
                case .all: rows.append(("big cores", "all"))
                case .list(let l): rows.append(("big cores", "\(l.map(String.init).joined(separator: ", "))"))
                }
            }
            body += Page.facts(rows)
        } else {
            body += "<p class=\"muted\">\(d.boardError ?? "no board descriptor matches this device")</p>"
        }
        body += "<h2>Runs</h2>"
        if d.runs.isEmpty {
            body += "<p class=\"muted\">No run has included this device.</p>"
        } else {
            let rows: [HTML] = d.runs.map { s in
                let id = s.run.id ?? 0
                return """
                    <tr><td data-v="\(id)"><a href="\(Page.runFile(id))">\(id)</a></td><td class="l">\(s.run.profileName)</td>\
                    <td class="l nw">\(Units.date(s.run.createdAtUnixNanoseconds))</td><td class="l">\(statusTag(s.run.status))</td>\
                    <td data-v="\(s.resultCount)">\(s.resultCount)</td></tr>
                    """
            }
            body +=
                "<table class=\"sortable\"><tr><th data-num>run</th><th class=\"l\">profile</th><th class=\"l\">started</th><th class=\"l\">status</th><th data-num>results</th></tr>\(rows)</table>"
        }
        let trends = d.trends.filter { $0.points.count >= 2 }
        if !trends.isEmpty {
            body += "<h2>Trends</h2><p class=\"meta\">Median per run (run id below each point), with its 95% interval.</p>"
            for t in trends { body += "<h3>\(t.benchmark)</h3>" + Charts.trend(t.points, title: t.benchmark) }
        }
        return Page.render(title: "BoardBench device \(d.name)", nav: Page.mainNav, body: body)
    }
}

extension EnergyConfig {
    /// One line for pages: the rail and where it is read.
    var summary: String {
        var parts = [provider.rawValue]
        if let d = device { parts.append(d) }
        if let r = rail { parts.append("rail \(r)") }
        if let c = command { parts.append(c.joined(separator: " ")) }
        return parts.joined(separator: " · ")
    }
}
