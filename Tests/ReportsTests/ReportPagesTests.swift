import BenchCore
import Reports
import Store
import Testing

@Suite struct ReportPagesTests {
    static let hostile = "<img src=x onerror=alert(1)>"

    func detail(name: String = "mlp") -> RunDetail {
        let run = RunRecord(
            id: 7, createdAtUnixNanoseconds: 1, status: "completed", profileName: Self.hostile, profileHash: "abcdef0123456789",
            profileText: "", hostVersion: "0.1.0", hostName: "host")
        let ok = ResultRecord(
            id: 1, runId: 7, device: "pi4", benchmark: name, model: "builtin:mlp", planHash: "00ff", status: "ok", error: nil,
            runtime: "builtin", runtimeVersion: "builtin-1", settingsJSON: "{}", startedAtUnixNanoseconds: 1, loadNanoseconds: 1,
            coldStartNanoseconds: 2_000_000, peakResidentKiB: 2048, arenaBytes: 1, weightBytes: 1)
        var failed = ok
        failed.benchmark = "broken"
        failed.status = "failed"
        failed.error = "plan <script>x</script> fails its CRC"
        return RunDetail(
            run: run,
            devices: [RunDeviceRecord(runId: 7, device: "pi4", factsJSON: "{}", factsHash: "f", agentVersion: "0.1.0")],
            results: [
                StoredResult(record: ok, samplesNanoseconds: [1_000_000, 1_200_000, 1_100_000], offsetsNanoseconds: [0, 1, 2]),
                StoredResult(record: failed, samplesNanoseconds: [], offsetsNanoseconds: []),
            ])
    }

    @Test func runPageShowsStatisticsWithUnitsAndAChart() {
        let html = ReportPages.runPage(detail())
        #expect(html.contains("1.100 ms"))  // median of the three samples
        #expect(html.contains("<svg") && html.contains("median 1.100 ms"))
        #expect(html.contains("failed: plan &lt;script&gt;x&lt;/script&gt; fails its CRC"))
    }

    @Test func everythingFromOutsideIsEscaped() {
        for html in [
            ReportPages.runPage(detail(name: Self.hostile)),
            ReportPages.index([RunSummary(run: detail().run, devices: [Self.hostile], resultCount: 1, failedCount: 0)]),
        ] {
            #expect(!html.contains("<img") && !html.contains("<script"))
            #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        }
    }

    @Test func pagesAreSelfContained() {
        let html = ReportPages.runPage(detail())
        let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!withoutNamespace.contains("http://") && !withoutNamespace.contains("https://"))
        #expect(!html.contains("<script") && !html.contains("<link"))
    }

    @Test func escapeHandlesEveryMetacharacter() {
        #expect(escapeHTML(#"<a href="x" title='y'>&</a>"#) == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
    }
}
