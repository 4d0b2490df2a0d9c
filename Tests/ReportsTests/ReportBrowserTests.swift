import BenchTestSupport
import Foundation
import Testing

@testable import Reports

/// Every page type opened in headless Chromium, as a reader would: the page loads without a
/// console message or script error, its charts are in the DOM, and the hostile names planted
/// in the fixture had no effect (the title is still BoardBench's, no `<bb-pwned>` element was
/// added). Screenshots go to `.build/test-output/reports/` (or BOARDBENCH_TEST_OUTPUT).
@Suite(.serialized) struct ReportBrowserTests {
    @Test func everyPageLoadsCleanlyInChromiumAndThePayloadIsInert() throws {
        guard HeadlessBrowser.executable != nil else {
            Issue.record(Comment(rawValue: HeadlessBrowser.missingReason))
            return
        }
        let fixture = try ReportFixture()
        defer { try? fixture.remove() }  // a temporary directory; a leftover is harmless
        let out = fixture.root.appendingPathComponent("Reports")
        let written = try ReportWriter.write(store: fixture.store, workspace: fixture.workspace, to: out)
        let names = written.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()
        #expect(
            names == [
                "compare.html", "device-jetson.html", "device-pi4.html", "index.html", "run-1.html", "run-2.html", "run-3.html", "table-1.html",
            ])
        let expectedCharts = [
            "compare.html": ["pareto"], "device-pi4.html": ["trend"], "run-2.html": ["histogram", "samples"],
            "table-1.html": ["heatmap", "predicted-vs-measured"],
        ]
        let shots = HeadlessBrowser.outputDirectory.appendingPathComponent("reports")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        for name in names {
            let file = out.appendingPathComponent(name)
            let page = try HeadlessBrowser.load(file)
            #expect(page.status == 0, "\(name): chromium exited \(page.status): \(page.stderr.suffix(400))")
            #expect(page.console.isEmpty, "\(name): console: \(page.console.joined(separator: "\n"))")
            let title = try #require(page.dom.firstMatch(of: /<title>([^<]*)<\/title>/)?.output.1, "\(name): no title in the DOM")
            #expect(title.hasPrefix("BoardBench"), "\(name): the title became \(title)")
            #expect(!page.dom.contains("<bb-pwned"), "\(name): the payload added an element")
            #expect(!page.dom.contains("<img"), "\(name): an <img> element exists")
            for kind in expectedCharts[name] ?? [] {
                #expect(page.dom.contains("<svg class=\"chart\" data-chart=\"\(kind)\""), "\(name): no \(kind) chart in the DOM")
            }
            // The sorter ran: it marks the header cells of sortable tables.
            if page.dom.contains("class=\"sortable") { #expect(page.dom.contains("class=\"sort\""), "\(name): the table sorter did not run") }
            let png = shots.appendingPathComponent(name.replacingOccurrences(of: ".html", with: ".png"))
            try HeadlessBrowser.screenshot(file, to: png)
            #expect(((try FileManager.default.attributesOfItem(atPath: png.path))[.size] as? Int ?? 0) > 10_000, "\(name): screenshot too small")
        }
        print("ReportBrowserTests: \(names.count) pages loaded in Chromium; screenshots in \(shots.path)")
    }

    /// The sorter, driven by a click in the browser: the run page's results by median, fastest
    /// first, with the failed result (no median) last; a second click reverses the numbers and
    /// still keeps the failed result last.
    @Test func clickingAHeaderSortsNumericallyWithMissingValuesLast() throws {
        guard HeadlessBrowser.executable != nil else {
            Issue.record(Comment(rawValue: HeadlessBrowser.missingReason))
            return
        }
        let fixture = try ReportFixture()
        defer { try? fixture.remove() }  // a temporary directory; a leftover is harmless
        let out = fixture.root.appendingPathComponent("Reports")
        _ = try ReportWriter.write(store: fixture.store, workspace: fixture.workspace, to: out, only: 2)
        let page = try String(contentsOf: out.appendingPathComponent("run-2.html"), encoding: .utf8)
        // After the page's own script: click "median" once, record, click again, record.
        let probe = """
            <script>var t=document.querySelector("table.sortable");var th=Array.prototype.find.call(t.rows[0].cells,\
            function(c){return c.textContent==="median"});function order(){return Array.prototype.slice.call(t.rows,1).map(\
            function(r){return r.cells.length>3?r.cells[4].dataset.v:"failed"}).join(",")}th.click();\
            document.body.dataset.first=order();th.click();document.body.dataset.second=order();</script></body>
            """
        let probed = out.appendingPathComponent("sorted.html")
        try page.replacingOccurrences(of: "</body>", with: probe).write(to: probed, atomically: true, encoding: .utf8)
        let loaded = try HeadlessBrowser.load(probed)
        #expect(loaded.console.isEmpty, "\(loaded.console)")
        func order(_ key: String) throws -> [String] {
            let match = try #require(loaded.dom.firstMatch(of: Regex("data-\(key)=\"([^\"]*)\"")), "no data-\(key) in the DOM")
            return String(match.output[1].substring ?? "").split(separator: ",").map(String.init)
        }
        let first = try order("first"), second = try order("second")
        #expect(first.count == 6 && first.last == "failed" && second.last == "failed")
        let ascending = first.dropLast().compactMap(Double.init)
        #expect(ascending.count == 5 && ascending == ascending.sorted(), "\(first)")
        #expect(second.dropLast().compactMap(Double.init) == ascending.reversed(), "\(second)")
    }
}
