import BenchCore
import BenchTestSupport
import Foundation
import Store
import Testing

/// `compare`, `baseline` and `results export|delete` through the built CLI, on a store written
/// directly (synthetic samples, no board or sshd needed).
@Suite(.serialized, .enabled(if: CompareCLI.unavailableReason == nil))
final class CompareCLITests {
    let workspace: URL
    let db: String

    /// Run 1: the base. Run 2: the same figures. Run 3: mlp 20% slower, cnn failed, dw missing, extra new.
    init() throws {
        workspace = try CommandLineTool.temporaryDirectory("bb-compare")
        db = workspace.appendingPathComponent("store.sqlite").path
        let store = try SQLiteStore(path: db)
        try Self.add(store, [("mlp", Self.tight(1_000_000)), ("cnn", Self.tight(2_000_000)), ("dw", Self.tight(50_000))])
        try Self.add(store, [("mlp", Self.tight(1_000_000)), ("cnn", Self.tight(2_000_000)), ("dw", Self.tight(50_000))])
        try Self.add(store, [("mlp", Self.tight(1_200_000)), ("cnn", []), ("extra", Self.tight(10_000))])
    }

    deinit {
        do { try FileManager.default.removeItem(at: workspace) } catch { Issue.record("could not remove \(workspace.path): \(error)") }
    }

    static func tight(_ center: Int64) -> [Int64] { (0..<33).map { center + Int64($0 % 11 - 5) * center / 1000 } }

    static func add(_ store: SQLiteStore, _ benchmarks: [(String, [Int64])]) throws {
        let run = RunRecord(
            createdAtUnixNanoseconds: 1_700_000_000_000_000_000, status: "completed", profileName: "tiny", profileHash: "h", profileText: "name: tiny",
            hostVersion: "0.1.0", hostName: "host")
        let items = benchmarks.enumerated().map { i, b in
            RunItemRecord(runId: 0, device: "pi4", benchmark: b.0, position: i, model: "builtin:mlp", requestJSON: "{}", updatedAtUnixNanoseconds: 1)
        }
        let id = try store.beginRun(run, items: items)
        for (name, samples) in benchmarks {
            let result = ResultRecord(
                runId: id, device: "pi4", benchmark: name, model: "builtin:\(name)", planHash: "plan-\(name)", status: samples.isEmpty ? "failed" : "ok",
                error: samples.isEmpty ? "agent crashed, \"signal 9\"" : nil, runtime: "builtin", runtimeVersion: "builtin-1", settingsJSON: "{}",
                startedAtUnixNanoseconds: 1, loadNanoseconds: 1, coldStartNanoseconds: 1, peakResidentKiB: nil, arenaBytes: 0, weightBytes: 0)
            try store.recordResult(result, samples: samples, offsets: samples.indices.map { Int64($0) * 1000 })
        }
        try store.finishRun(id, status: benchmarks.allSatisfy { !$0.1.isEmpty } ? "completed" : "partial", at: 2)
    }

    func cli(_ args: [String]) throws -> CommandLineTool.Result {
        try CommandLineTool.run(args + ["--db", db, "--workspace", workspace.path])
    }

    static func object(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "not a JSON object: \(json.prefix(300))")
    }

    @Test func identicalRunsCompareCleanAndARegressionExitsTwo() throws {
        let same = try cli(["compare", "1", "2", "--json"])
        #expect(same.status == 0, "\(same.stderr)")
        let doc = try Self.object(same.stdout)
        #expect(doc["regression"] as? Bool == false)
        let pairs = try #require(doc["pairs"] as? [[String: Any]])
        #expect(pairs.map { $0["benchmark"] as? String } == ["mlp", "cnn", "dw"])
        #expect(pairs.allSatisfy { $0["classification"] as? String == "unchanged" })

        let worse = try cli(["compare", "1", "3"])
        #expect(worse.status == 2, "\(worse.stderr)")
        #expect(worse.stdout.contains("compare run 1 (tiny, completed") && worse.stdout.contains("→ run 3"))
        let mlp = try #require(worse.stdout.split(separator: "\n").first { $0.hasPrefix("pi4") && $0.contains("mlp") })
        #expect(mlp.contains("+20.0%") && mlp.contains("disjoint") && mlp.hasSuffix("regression"))
        #expect(worse.stdout.contains("pi4 cnn: ok in run 1, failed in run 3"))
        #expect(worse.stdout.contains("only in run 1: pi4 dw") && worse.stdout.contains("only in run 3: pi4 extra"))
        #expect(worse.stdout.contains("2 regressions, 0 improvements, 0 unchanged, 1 failed"))

        // A 25% threshold absorbs mlp's change, but a benchmark that broke is still a regression.
        let lenient = try cli(["compare", "1", "3", "--threshold", "25", "--json"])
        #expect(lenient.status == 2)
        let summary = try #require(try Self.object(lenient.stdout)["summary"] as? [String: Any])
        #expect(summary["regressions"] as? Int == 1 && summary["unchanged"] as? Int == 1)
        #expect(try Self.object(lenient.stdout)["thresholds"] as? [String: Double] == ["p50": 25])
    }

    @Test func junitGoesToAFileAndBadInputsHaveTheirStatuses() throws {
        let xmlPath = workspace.appendingPathComponent("compare.xml").path
        let junit = try cli(["compare", "1", "3", "--format", "junit", "-o", xmlPath, "--threshold", "p90=10"])
        #expect(junit.status == 2, "\(junit.stderr)")
        #expect(junit.stdout.isEmpty)
        #expect(junit.stderr.contains("2 regressions"))
        let xml = try String(contentsOfFile: xmlPath, encoding: .utf8)
        #expect(xml.contains(#"<testsuite name="pi4" tests="4" failures="2" errors="0" skipped="2">"#))
        #expect(xml.contains(#"<failure type="regression" message="median 1.000 ms → 1.200 ms (+20.0%, threshold 5%"#))
        #expect(xml.contains("agent crashed, &quot;signal 9&quot;"))

        #expect(try cli(["compare", "1", "99"]).status == 66)
        #expect(try cli(["compare", "--baseline", "nope", "3"]).status == 66)
        #expect(try cli(["compare", "1", "2", "--threshold", "p95=3"]).status == 64)
        #expect(try cli(["compare", "1"]).status == 64)
        #expect(try cli(["compare", "1", "2", "--json", "--format", "junit"]).status == 64)
        let unwritable = try cli(["compare", "1", "2", "-o", workspace.appendingPathComponent("missing/dir/out.txt").path])
        #expect(unwritable.status == 74 && unwritable.stderr.contains("missing/dir/out.txt"))
    }

    @Test func baselinesNameRunsAndProtectThem() throws {
        #expect(try cli(["baseline", "save", "bad name!", "1"]).status == 65)
        #expect(try cli(["baseline", "save", "nightly", "99"]).status == 66)
        let save = try cli(["baseline", "save", "nightly", "1"])
        #expect(save.status == 0 && save.stdout.contains("baseline nightly is run 1"), "\(save.stderr)")
        let list = try cli(["baseline", "list", "--json"])
        #expect(list.status == 0)
        let baselines = try #require(try Self.object(list.stdout)["baselines"] as? [[String: Any]])
        #expect(baselines.count == 1 && baselines.first?["name"] as? String == "nightly" && baselines.first?["runId"] as? Int == 1)
        #expect(baselines.first?["profile"] as? String == "tiny")

        let against = try cli(["compare", "--baseline", "nightly", "3", "--json"])
        #expect(against.status == 2, "\(against.stderr)")
        let base = try #require(try Self.object(against.stdout)["base"] as? [String: Any])
        #expect(base["runId"] as? Int == 1 && base["baseline"] as? String == "nightly")
        #expect(try cli(["compare", "--baseline", "nightly", "2"]).status == 0)

        let refused = try cli(["results", "delete", "1"])
        #expect(refused.status == 64 && refused.stderr.contains("nightly"))
        let moved = try cli(["baseline", "save", "nightly", "2"])
        #expect(moved.stdout.contains("moved from run 1 to run 2"))
        #expect(try cli(["results", "delete", "1"]).status == 0)
        #expect(try cli(["results", "delete", "1"]).status == 66)
        #expect(try cli(["results", "show", "1"]).status == 66)
        let deleted = try cli(["baseline", "delete", "nightly"])
        #expect(deleted.status == 0 && deleted.stdout.contains("was run 2"))
        #expect(try cli(["baseline", "delete", "nightly"]).status == 66)
        #expect((try Self.object(try cli(["baseline", "list", "--json"]).stdout)["baselines"] as? [Any])?.isEmpty == true)
    }

    @Test func exportsWriteCSVAndJSON() throws {
        let csv = try cli(["results", "export", "3", "--format", "csv"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let lines = csv.stdout.components(separatedBy: "\r\n")
        #expect(lines.count == 5 && lines[4].isEmpty)
        #expect(lines[0].hasPrefix("runId,device,benchmark,model,status,samples,repeatsPerSample,medianNanoseconds,"))
        #expect(lines[1].hasPrefix("3,pi4,mlp,builtin:mlp,ok,33,1,1200000,"))
        #expect(lines[2].hasPrefix("3,pi4,cnn,builtin:cnn,failed,0,1,,") && lines[2].hasSuffix(",\"agent crashed, \"\"signal 9\"\"\""))

        let samples = try cli(["results", "export", "3", "--format", "csv-samples"])
        let sampleLines = samples.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(sampleLines.count == 1 + 33 + 33)
        #expect(sampleLines[1] == "3,pi4,mlp,0,\(Self.tight(1_200_000)[0]),0")

        let jsonPath = workspace.appendingPathComponent("run3.json").path
        let json = try cli(["results", "export", "3", "--format", "json", "-o", jsonPath])
        #expect(json.status == 0 && json.stdout.isEmpty, "\(json.stderr)")
        let doc = try Self.object(try String(contentsOfFile: jsonPath, encoding: .utf8))
        let results = try #require(doc["results"] as? [[String: Any]])
        #expect(results.map { $0["benchmark"] as? String } == ["mlp", "cnn", "extra"])
        #expect((results.first?["samplesNanoseconds"] as? [Int])?.count == 33)

        #expect(try cli(["results", "export", "42", "--format", "csv"]).status == 66)
        let unwritable = try cli(["results", "export", "3", "--format", "csv", "-o", "/proc/boardbench-export.csv"])
        #expect(unwritable.status == 74)
    }
}

enum CompareCLI {
    /// Only the built CLI is needed (no sshd), so these run where EndToEndTests cannot.
    static var unavailableReason: String? {
        let reason = CommandLineTool.unavailableReason
        if let reason { print("CompareCLITests skipped: \(reason)") }
        return reason
    }
}
