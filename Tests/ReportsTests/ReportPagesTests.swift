import BenchCore
import BenchTestSupport
import Controller
import Foundation
import Store
import Testing

@testable import Reports

/// Pages and charts as pure functions: units, escaping, charts present, and snapshots of every
/// page type rendered from the fixture store.
@Suite struct ReportPagesTests {
    static let payload = ReportFixture.payload

    /// Every page the fixture produces, by file name.
    static func pages() throws -> [String: String] {
        let fixture = try ReportFixture()
        defer { try? fixture.remove() }  // a temporary directory; a leftover is harmless
        let (site, details) = try ReportSite.load(store: fixture.store, workspace: fixture.workspace)
        var pages = [
            "index.html": ReportPages.index(site), "compare.html": ReportPages.comparisonPage(site.comparison),
            "run-2.html": ReportPages.runPage(try #require(details[2])),
            "table-1.html": ReportPages.tablePage(try #require(site.tables.first)),
        ]
        for d in site.devices { pages["device-\(d.name).html"] = ReportPages.devicePage(d) }
        return pages
    }

    @Test func htmlInterpolationEscapesStringsAndKeepsMarkup() {
        let name = "<b>&\"'"
        let inner: HTML = "<i>\(name)</i>"
        let outer: HTML = "<p title=\"\(name)\">\(inner)</p>"
        #expect(outer.markup == "<p title=\"&lt;b&gt;&amp;&quot;&#39;\"><i>&lt;b&gt;&amp;&quot;&#39;</i></p>")
        #expect(escapeHTML(#"<a href="x" title='y'>&</a>"#) == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
    }

    @Test(arguments: [
        (812.0, "812.0 ns"), (1_100_000, "1.100 ms"), (41_250_000, "41.25 ms"), (123_456, "123.5 µs"), (2_050_000_000, "2.050 s"),
    ])
    func durationsCarryUnitsAndFourDigits(_ ns: Double, _ text: String) {
        #expect(Units.duration(ns) == text)
    }

    @Test func energyMemoryAndChangesCarryUnits() {
        #expect(Units.energy(0.0123) == "12.30 mJ")
        #expect(Units.energy(0.00045) == "450.0 µJ")
        #expect(Units.energy(1.2) == "1.200 J")
        #expect(Units.kibibytes(48_200) == "47.07 MiB")
        #expect(Units.change(20) == "+20.0 %" && Units.change(-3.14) == "−3.1 %")
        #expect(Units.percent(0.0712) == "7.1 %")
        #expect(Units.date(ReportFixture.t0) == "2025-12-06 00:00 UTC")
        #expect(fixed(-0.04, 1) == "0.0" && fixed(2.5, 0) == "3" && fixed(-1.25, 2) == "-1.25")
    }

    @Test func unitsRollOverWhereRoundingWouldAndNonFiniteIsNotANumber() {
        #expect(Units.duration(999_960) == "1.000 ms" && Units.duration(999_940) == "999.9 µs")
        #expect(Units.duration(9_999.6) == "10.00 µs" && Units.energy(0.99996) == "1.000 J")
        #expect(Units.change(.nan) == "n/a" && Units.percent(.infinity) == "n/a" && Units.power(.nan) == "n/a")
        #expect(Units.count(1e30) == "1e+30" && Units.count(1_234_567) == "1\u{202F}234\u{202F}567")
    }

    @Test func scalesIgnoreNonFiniteValuesAndStayBounded() {
        let s = LinearScale(covering: [.infinity, 1, 2, .nan, -.infinity], start: 0, end: 100)
        #expect(s.lo.isFinite && s.hi.isFinite && s.lo <= 1 && s.hi >= 2)
        #expect(s(.infinity) == 0 && s.ticks.count <= 100)
        let huge = LinearScale(covering: [-1e308, 1e308], start: 0, end: 100)
        #expect(huge.ticks.count <= 100)
    }

    @Test func trendPointsSpanThePlotWhateverTheirCount() {
        let points = (0..<7).map { Charts.TrendPoint(label: "#\($0)", median: 1e6 + Double($0) * 1e4, low: 0.99e6, high: 1.1e6) }
        let svg = Charts.trend(points, title: "t").markup
        let xs = svg.matches(of: /<circle cx="([0-9.]+)"/).compactMap { Double($0.output.1) }
        #expect(xs.count == 7)
        #expect(xs.first == ChartFrame().plotLeft + 12 && xs.last == ChartFrame().plotRight - 12)
        let gaps = zip(xs, xs.dropFirst()).map { $1 - $0 }
        #expect(gaps.allSatisfy { abs($0 - gaps[0]) < 0.2 }, "uneven spacing \(gaps)")
    }

    @Test func longLegendsWrapInsideTheChart() {
        let f = ChartFrame()
        let entries = (0..<6).map { (color: "#000", dashed: false, label: "device-with-a-rather-long-name-\($0)") }
        let svg = f.legend(entries).markup
        let xs = svg.matches(of: /<line x1="(-?[0-9.]+)" y1="([0-9.]+)"/).compactMap { m in Double(m.output.1).map { ($0, Double(m.output.2)!) } }
        #expect(xs.count == 6 && xs.allSatisfy { $0.0 >= f.plotLeft })
        #expect(Set(xs.map(\.1)).count > 1, "six long labels should take more than one row")
    }

    @Test func niceTicksCoverTheDataWithRoundSteps() {
        let s = LinearScale(covering: [3.2, 97.5], start: 0, end: 100)
        #expect(s.lo == 0 && s.hi == 100 && s.step == 20)
        #expect(s.ticks == [0, 20, 40, 60, 80, 100])
        let flat = LinearScale(covering: [5, 5], start: 0, end: 10)
        #expect(flat.lo < 5 && flat.hi > 5)
        #expect(LinearScale.niceStep(0.00037) == 0.0005 && LinearScale.niceStep(2300) == 2500)
    }

    @Test func paretoFrontKeepsOnlyUnbeatenPoints() {
        let p: [Charts.Point] = [
            .init(x: 10, y: 5, label: "a", series: "s"), .init(x: 20, y: 3, label: "b", series: "s"), .init(x: 15, y: 6, label: "dominated", series: "s"),
            .init(x: 30, y: 1, label: "c", series: "s"), .init(x: 40, y: 2, label: "dominated too", series: "s"),
        ]
        #expect(Charts.paretoFront(p).map(\.label) == ["a", "b", "c"])
    }

    @Test func histogramCountsEverySampleOnce() throws {
        let samples = ReportFixture.samples(1_000_000)
        let svg = Charts.histogram(samples, statistics: try #require(Statistics(nanoseconds: samples))).markup
        let counts = svg.matches(of: /<title>[^<]*: (\d+) samples?<\/title>/).compactMap { Int($0.output.1) }
        #expect(counts.reduce(0, +) == samples.count)
        #expect(svg.contains("data-chart=\"histogram\"") && svg.contains("median ") && svg.contains("p99 "))
    }

    @Test func heatmapLabelsEveryCellAndLeavesGapsEmpty() {
        let svg = Charts.heatmap(rows: ["a", "b"], columns: ["k3", "k5"], values: [[1_000, nil], [2_000, 4_000]], caption: "c", format: Units.duration).markup
        #expect(svg.matches(of: /<rect x="[^"]*" y="[^"]*" width="72.0"/).count == 3)
        #expect(svg.contains(">4.000 µs<") && svg.contains(">1.000 µs<"))
    }

    @Test func everyPageHasItsChartsAndUnits() throws {
        let pages = try Self.pages()
        func charts(_ name: String) throws -> [String] {
            try #require(pages[name]).matches(of: /data-chart="([a-z-]+)"/).map { String($0.output.1) }
        }
        #expect(Set(try charts("run-2.html")) == ["histogram", "samples"])
        #expect(try charts("run-2.html").count == 2 * 5)  // five ok results, two charts each
        #expect(try charts("compare.html") == ["pareto"])
        #expect(try charts("device-pi4.html").allSatisfy { $0 == "trend" } && (try charts("device-pi4.html").count == 3))
        #expect(Set(try charts("table-1.html")) == ["heatmap", "predicted-vs-measured"])
        let run = try #require(pages["run-2.html"])
        #expect(run.contains("<b>5.125 mJ</b>") && run.contains("unavailable: no readable power rail"))
        #expect(run.contains("IPC") && run.contains("<b>1.40</b>"))
        #expect(run.contains("48.5 °C → 61.0 °C"))
        #expect(run.contains("class=\"warn\"") && run.contains("class=\"bad\""))
        let compare = try #require(pages["compare.html"])
        #expect(compare.contains("run 1</a> (baseline nightly) → ") && compare.contains("regression"))
        #expect(compare.contains("×3.42") || compare.contains("×3.41"))
        let table = try #require(pages["table-1.html"])
        #expect(table.contains("87.5 %") && table.contains("k7 e6.00"))
    }

    @Test func nothingFromOutsideBecomesMarkup() throws {
        for (name, html) in try Self.pages() {
            #expect(!html.contains("<img"), "\(name) has an unescaped <img>")
            #expect(html.components(separatedBy: "<script").count == 2, "\(name) has a script besides the sorter")
            #expect(!html.contains("document.title='pwned'"), "\(name) has the payload's quotes unescaped")
            #expect(html.contains("&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;") || name.hasPrefix("device-jetson"), "\(name) lost the payload")
        }
    }

    @Test func pagesAreSelfContained() throws {
        for (name, html) in try Self.pages() {
            let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
            #expect(!withoutNamespace.contains("http://") && !withoutNamespace.contains("https://"), "\(name) refers to the network")
            #expect(!html.contains("<link") && !html.contains("src=\""), "\(name) loads something")
        }
    }

    /// Snapshots: every page type, compared byte for byte with Tests/ReportsTests/Snapshots.
    /// `BOARDBENCH_RECORD_SNAPSHOTS=1 swift test --filter ReportPagesTests` rewrites them after
    /// a deliberate change; a missing snapshot fails rather than being recorded silently.
    @Test func pagesMatchTheirSnapshots() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
        let record = ProcessInfo.processInfo.environment["BOARDBENCH_RECORD_SNAPSHOTS"] == "1"
        for (name, html) in try Self.pages().sorted(by: { $0.key < $1.key }) {
            let url = dir.appendingPathComponent(name)
            if record {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                try html.write(to: url, atomically: true, encoding: .utf8)
                continue
            }
            guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
                Issue.record("no snapshot \(url.path): record with BOARDBENCH_RECORD_SNAPSHOTS=1")
                continue
            }
            if expected != html {
                let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
                let b = html.split(separator: "\n", omittingEmptySubsequences: false)
                let line = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
                let was = line < a.count ? String(a[line].prefix(300)) : "<end>"
                let now = line < b.count ? String(b[line].prefix(300)) : "<end>"
                Issue.record(Comment(rawValue: "\(name) differs from its snapshot at line \(line + 1):\n  snapshot: \(was)\n  rendered: \(now)"))
            }
        }
    }
}
