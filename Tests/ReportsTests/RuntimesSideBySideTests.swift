import BenchCore
import Controller
import Foundation
import Store
import Testing

@testable import Reports

/// One model measured by several runtimes in one run: grouped by device, model and threads,
/// compared with the builtin runtime, shown by `compare --runners` and on the run page.
@Suite struct RuntimesSideBySideTests {
    static func result(
        _ benchmark: String, runtime: String, version: String, model: String = "m<1>.onnx", threads: Int = 1, device: String = "pi4",
        samples: [Int64], status: String = "ok", error: String? = nil
    ) throws -> StoredResult {
        let settings = String(decoding: try JSONEncoder().encode(MeasurementSettings(threads: threads)), as: UTF8.self)
        let record = ResultRecord(
            runId: 1, device: device, benchmark: benchmark, model: model, planHash: "h", status: status, error: error, runtime: runtime,
            runtimeVersion: version, settingsJSON: settings, startedAtUnixNanoseconds: 0, loadNanoseconds: 0, coldStartNanoseconds: 0,
            peakResidentKiB: 2048, arenaBytes: 0, weightBytes: 0)
        return StoredResult(record: record, samplesNanoseconds: samples, offsetsNanoseconds: samples.indices.map { Int64($0) })
    }

    static func detail() throws -> RunDetail {
        let run = RunRecord(
            id: 1, createdAtUnixNanoseconds: 0, status: "completed", profileName: "pair", profileHash: "p", profileText: "", hostVersion: "0.1.0",
            hostName: "h")
        let fast = (0..<40).map { 10_000_000 + Int64($0 % 5) * 10_000 }
        let slow = (0..<40).map { 20_000_000 + Int64($0 % 5) * 10_000 }
        return RunDetail(
            run: run, devices: [],
            results: [
                try result("m-builtin", runtime: "builtin", version: "builtin-5", samples: slow),
                try result("m-ort", runtime: "onnxruntime", version: "onnxruntime 1.32.0", samples: fast),
                try result("m-cmd", runtime: "command", version: "command", samples: [], status: "failed", error: "benchmark_model exited with status 1"),
                // Another thread count, and a model with one runtime only: no group of their own.
                try result("m-builtin-t2", runtime: "builtin", version: "builtin-5", threads: 2, samples: slow),
                try result("other", runtime: "builtin", version: "builtin-5", model: "other.onnx", samples: slow),
            ])
    }

    @Test func groupsAreOneModelOnOneBoardAtOneThreadCount() throws {
        let c = RunnerComparison(try Self.detail())
        #expect(c.groups.count == 1)
        let g = try #require(c.groups.first)
        #expect(g.device == "pi4" && g.model == "m<1>.onnx" && g.threads == 1)
        #expect(g.rows.map(\.benchmark) == ["m-builtin", "m-ort", "m-cmd"])
        #expect(g.rows[0].relative == 1)
        let ort = g.rows[1]
        #expect(abs((ort.relative ?? 0) - 10_020_000.0 / 20_020_000.0) < 1e-9)
        #expect(ort.overlapsBuiltin == false)
        #expect(g.rows[2].medianNanoseconds == nil && g.rows[2].error == "benchmark_model exited with status 1")
        let text = c.text()
        #expect(text.contains("pi4 · m<1>.onnx · 1 thread"))
        #expect(text.contains("onnxruntime 1.32.0") && text.contains("0.50×"))
    }

    @Test func theRunPageShowsThemSideBySideEscaped() throws {
        let page = ReportPages.runPage(try Self.detail())
        #expect(page.contains("<h2>Runtimes side by side</h2>"))
        #expect(page.contains("<code>m&lt;1&gt;.onnx</code> · 1 thread"))
        #expect(page.contains("onnxruntime 1.32.0") && page.contains("0.50×"))
        #expect(page.contains("failed: benchmark_model exited with status 1"))
        // A run with one runtime per model has no such section.
        var single = try Self.detail()
        single.results = Array(single.results.suffix(2))
        #expect(!ReportPages.runPage(single).contains("Runtimes side by side"))
        #expect(RunnerComparison(single).text().hasPrefix("run 1 has no model measured by more than one runtime"))
    }
}
