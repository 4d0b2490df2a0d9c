import BenchTestSupport
import Foundation
import Testing

/// The whole path through the real CLI: a real sshd on loopback, the real agent deployed over
/// SFTP, real measurements, a real SQLite store and the HTML report.
@Suite(.serialized, .enabled(if: EndToEnd.unavailableReason == nil))
struct EndToEndTests {
    let board: SSHServer
    let workspace: URL

    init() throws {
        board = try SSHServer(name: "e2e")
        workspace = try CommandLineTool.temporaryDirectory("bb-e2e")
        try EndToEnd.tinyProfile.write(to: workspace.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
    }

    func cli(_ args: [String]) throws -> CommandLineTool.Result {
        try CommandLineTool.run(args + ["--workspace", workspace.path])
    }

    func enrolArguments(_ name: String, identity: String? = nil, port: Int? = nil) -> [String] {
        [
            "device", "enrol", name, "--host", "127.0.0.1", "--port", "\(port ?? board.port)", "--user", board.user,
            "--identity", identity ?? board.clientKeyPath, "--workdir", board.workdir + "/bb",
        ]
    }

    @Test func enrolRunResultsAndReport() throws {
        let enrol = try cli(enrolArguments("b1") + ["--accept-new-host-key"])
        #expect(enrol.status == 0, "\(enrol.stderr)")
        let deviceFile = try String(contentsOf: workspace.appendingPathComponent("Devices/b1.yaml"), encoding: .utf8)
        let fingerprint = try board.hostKeyFingerprint
        #expect(deviceFile.contains("hostKeyFingerprint: \(fingerprint)"))
        #expect(deviceFile.contains("facts:") && deviceFile.contains("blasCoreName:"))
        #expect(FileManager.default.isExecutableFile(atPath: board.workdir + "/bb/agent/0.1.0/boardbench-agent"))

        let run = try cli(["run", "--profile", workspace.appendingPathComponent("tiny.yaml").path, "--device", "b1", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let doc = try EndToEnd.object(run.stdout)
        let runId = try #require((doc["run"] as? [String: Any])?["runId"] as? Int)
        let results = try #require(doc["results"] as? [[String: Any]])
        #expect(results.map { $0["benchmark"] as? String } == ["mlp", "tiny-cnn"])
        for r in results {
            let stats = try #require(r["statistics"] as? [String: Any])
            #expect(stats["count"] as? Int == 7)
            #expect((stats["medianNanoseconds"] as? Double ?? 0) > 0)
            #expect(r["status"] as? String == "ok")
        }
        let devices = try #require(doc["devices"] as? [[String: Any]])
        #expect(devices.first?["plansPushed"] as? Int == 2)
        // Plans are content-addressed on the board.
        let hashes = results.compactMap { $0["planHash"] as? String }
        for h in hashes { #expect(FileManager.default.fileExists(atPath: board.workdir + "/bb/models/\(h).plan")) }

        let show = try cli(["results", "show", "\(runId)", "--json"])
        #expect(show.status == 0, "\(show.stderr)")
        let shown = try #require(try EndToEnd.object(show.stdout)["results"] as? [[String: Any]])
        #expect(shown.allSatisfy { ($0["samplesNanoseconds"] as? [Int])?.count == 7 })
        let facts = try #require((try EndToEnd.object(show.stdout)["devices"] as? [[String: Any]])?.first?["facts"] as? [String: Any])
        #expect(facts["architecture"] as? String == "x86_64")

        let list = try cli(["results", "list", "--json"])
        let runs = try #require(try EndToEnd.object(list.stdout)["runs"] as? [[String: Any]])
        #expect(runs.count == 1 && runs.first?["results"] as? Int == 2)

        // A different build under the same version is replaced (agents are compared by SHA-256).
        let remoteAgent = board.workdir + "/bb/agent/0.1.0/boardbench-agent"
        let handle = try #require(FileHandle(forWritingAtPath: remoteAgent))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("stale build".utf8))
        try handle.close()
        // A second run finds both plans on the board and pushes nothing.
        let again = try cli(["run", "--profile", workspace.appendingPathComponent("tiny.yaml").path, "--device", "b1", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect((try EndToEnd.object(again.stdout)["devices"] as? [[String: Any]])?.first?["plansPushed"] as? Int == 0)
        #expect(FileManager.default.contents(atPath: remoteAgent) == FileManager.default.contents(atPath: CommandLineTool.agent))

        let reports = workspace.appendingPathComponent("out")
        let report = try cli(["report", "--run", "\(runId)", "-o", reports.path])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOf: reports.appendingPathComponent("run-\(runId).html"), encoding: .utf8)
        #expect(html.contains("tiny-cnn") && html.contains("<svg"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count == html.components(separatedBy: "xmlns=\"http://").count)
        #expect(!html.contains("https://"))

        // The whole site from this real run opens cleanly in a real browser.
        let site = workspace.appendingPathComponent("site")
        let full = try cli(["report", "-o", site.path])
        #expect(full.status == 0, "\(full.stderr)")
        let pages = full.stdout.split(separator: "\n").map { URL(fileURLWithPath: String($0)) }
        #expect(Set(pages.map(\.lastPathComponent)).isSuperset(of: ["index.html", "compare.html", "device-b1.html", "run-\(runId).html"]))
        guard HeadlessBrowser.executable != nil else {
            Issue.record(Comment(rawValue: HeadlessBrowser.missingReason))
            return
        }
        for page in pages {
            let loaded = try HeadlessBrowser.load(page)
            #expect(loaded.status == 0 && loaded.console.isEmpty, "\(page.lastPathComponent): \(loaded.console)")
            #expect(loaded.dom.contains("<title>BoardBench"), "\(page.lastPathComponent) has no BoardBench title")
        }
        let runPage = try HeadlessBrowser.load(site.appendingPathComponent("run-\(runId).html"))
        #expect(runPage.dom.contains("data-chart=\"histogram\"") && runPage.dom.contains("data-chart=\"samples\""))
        #expect(runPage.dom.contains("tiny-cnn") && runPage.dom.contains(" ms"))
    }

    @Test func unknownHostKeyIsRefusedWithItsFingerprint() throws {
        let r = try cli(enrolArguments("b2"))
        let fingerprint = try board.hostKeyFingerprint
        #expect(r.status == 77)
        #expect(r.stderr.contains(fingerprint) && r.stderr.contains("--accept-new-host-key"))
        #expect(!FileManager.default.fileExists(atPath: workspace.appendingPathComponent("Devices/b2.yaml").path))
    }

    @Test func strictFingerprintIsCheckedAtEnrolment() throws {
        let fingerprint = try board.hostKeyFingerprint
        let wrong = try cli(enrolArguments("b3") + ["--host-key-fingerprint", "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
        #expect(wrong.status == 77 && wrong.stderr.contains(fingerprint))
        let right = try cli(enrolArguments("b3") + ["--host-key-fingerprint", fingerprint])
        #expect(right.status == 0, "\(right.stderr)")
    }

    @Test func changedHostKeyIsRefusedAndResultsAreKept() throws {
        #expect(try cli(enrolArguments("b4") + ["--accept-new-host-key"]).status == 0)
        let before = try board.hostKeyFingerprint
        let first = try cli(["run", "--profile", workspace.appendingPathComponent("tiny.yaml").path, "--device", "b4", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        try board.rotateHostKey()
        let after = try board.hostKeyFingerprint
        #expect(before != after)
        let refused = try cli(["run", "--profile", workspace.appendingPathComponent("tiny.yaml").path, "--device", "b4"])
        #expect(refused.status == 77)
        #expect(refused.stderr.contains(before) && refused.stderr.contains(after))
        #expect(refused.stderr.contains("boardbench device enrol b4 --accept-new-host-key"))
        // The refused run measured nothing, and the earlier run is intact.
        let list = try EndToEnd.object(try cli(["results", "list", "--json"]).stdout)["runs"] as? [[String: Any]]
        #expect(list?.contains { $0["results"] as? Int == 2 } == true)
        // Re-pinning as the message says works.
        #expect(try cli(enrolArguments("b4") + ["--accept-new-host-key"]).status == 0)
    }

    @Test func wrongIdentityAndUnreachablePortFailClearly() throws {
        let wrongKey = try cli(enrolArguments("b5", identity: board.wrongClientKeyPath) + ["--accept-new-host-key"])
        #expect(wrongKey.status == 77)
        #expect(wrongKey.stderr.contains("authentication") && wrongKey.stderr.contains(board.wrongClientKeyPath))

        let closed = try EndToEnd.closedPort()
        let unreachable = try cli(enrolArguments("b6", port: closed) + ["--accept-new-host-key"])
        #expect(unreachable.status == 69)
        #expect(unreachable.stderr.contains("cannot reach 127.0.0.1:\(closed)"))
    }

    @Test func reEnrolmentKeepsUserEdits() throws {
        #expect(try cli(enrolArguments("b7") + ["--accept-new-host-key"]).status == 0)
        let url = workspace.appendingPathComponent("Devices/b7.yaml")
        var text = try String(contentsOf: url, encoding: .utf8)
        text = "# my rack, slot 3\n" + text.replacingOccurrences(of: "\nfacts:", with: "\nnotes: lab-team # who to ask\nfacts:")
        text = text.replacingOccurrences(of: "\n  cpuModel:", with: "\n  cpuModel: stale-value\n  oldCpuModel:")
        try text.write(to: url, atomically: true, encoding: .utf8)
        #expect(try cli(enrolArguments("b7")).status == 0)
        let after = try String(contentsOf: url, encoding: .utf8)
        #expect(after.hasPrefix("# my rack, slot 3\n"))
        #expect(after.contains("notes: lab-team # who to ask"))
        #expect(!after.contains("stale-value") && !after.contains("oldCpuModel"))
    }
}

enum EndToEnd {
    static var unavailableReason: String? {
        let reason = SSHServer.unavailableReason ?? CommandLineTool.unavailableReason
        if let reason { print("EndToEndTests skipped: \(reason)") }
        return reason
    }

    /// A profile of `count` benchmarks (`nap-0`, `nap-1`, ...) that sleep instead of computing
    /// (the test workload): `iterations` executions of `sleepMilliseconds` each, no warm-up,
    /// counters or energy, so a benchmark's length is known. `extra` is appended as it is.
    static func sleepingProfile(
        name: String, count: Int, sleepMilliseconds: Int, iterations: Int, model: String = "builtin:mlp", extra: String = ""
    ) -> String {
        var text = """
            name: \(name)
            settings:
              warmupRuns: 0
              warmupSeconds: 0
              minSampleMilliseconds: 0
              iterations: \(iterations)
              energy: false
              counters: []
              testSleepMilliseconds: \(sleepMilliseconds)
            benchmarks:

            """
        for i in 0..<count { text += "  - name: nap-\(i)\n    model: \(model)\n" }
        return text + extra
    }

    static let tinyProfile = """
        name: tiny
        settings:
          warmupRuns: 1
          iterations: 7
        benchmarks:
          - name: mlp
            model: builtin:mlp
          - name: tiny-cnn
            model: builtin:tiny-cnn
        """

    static func object(_ json: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "not a JSON object: \(json.prefix(300))")
    }

    /// A port nothing listens on: bind, read it, close.
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}
