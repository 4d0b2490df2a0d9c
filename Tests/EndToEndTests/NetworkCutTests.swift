import BenchTestSupport
import Foundation
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A board whose network drops in the middle of a run, through the real CLI: the board is a
/// real sshd in a network namespace (`NetnsBoard`) next to an ordinary loopback board. The
/// link is cut so that packets vanish (no FIN, no RST): only the missing heartbeats can tell
/// the host. Every wait has a deadline, so a host that hangs fails the test instead of CI.
@Suite(.serialized, .enabled(if: NetworkCut.unavailableReason == nil))
struct NetworkCutTests {
    static let benchmarks = 4
    static let iterations = 8
    let workspace: URL

    init() throws {
        workspace = try CommandLineTool.temporaryDirectory("bb-netcut")
    }

    @Test func aCutNetworkIsDetectedRetriedFailedThenResumed() throws {
        let far = try NetnsBoard(name: "far")
        let near = try SSHServer(name: "near")
        try enrol("far", host: far.host, port: far.port, user: far.user, identity: far.clientKeyPath, workdir: far.workdir, directory: far.directory)
        let farFile = try String(contentsOf: workspace.appendingPathComponent("Devices/far.yaml"), encoding: .utf8)
        #expect(farFile.contains("hostKeyFingerprint: \(try far.hostKeyFingerprint)"))
        try enrol(
            "near", host: "127.0.0.1", port: near.port, user: near.user, identity: near.clientKeyPath, workdir: near.workdir, directory: near.directory)
        let profile = try writeProfile(sleepMilliseconds: 150)

        let host = try CommandLineTool.start([
            "run", "--profile", profile, "--device", "far", "--device", "near", "--heartbeat", "0.5", "--missed-heartbeats", "4", "--retries", "1",
            "--workspace", workspace.path,
        ])
        // Cut the link once the far board has delivered a result: it is mid-run.
        let db = try SQLiteStore(path: workspace.appendingPathComponent("boardbench.sqlite").path)
        var farStored = 0
        let arrival = Date().addingTimeInterval(120)
        while farStored == 0 && Date() < arrival && !Self.hasExited(host.pid) {
            usleep(50_000)
            if let id = try? db.runs().first?.run.id, let detail = try? db.run(id) {
                farStored = detail.results.filter { $0.record.device == "far" }.count
            }
        }
        guard farStored > 0 else {
            let r = finish(host, within: 5, "the first run")
            Issue.record("no result from the far board before the cut: \(r?.stderr ?? host.stderrSoFar)")
            return
        }
        try far.cut()

        // The host notices the silence, retries once (the board is still unreachable), marks
        // what the far board did not deliver failed, and exits 69 with the near board complete.
        guard let cut = finish(host, within: 180, "the run whose network was cut") else { return }
        #expect(cut.status == 69, "\(cut.stderr)")
        #expect(cut.stderr.contains("no heartbeat") && cut.stderr.contains("retry 1"), "\(cut.stderr)")
        let runId = try #require(try db.runs().first?.run.id)
        let before = try db.run(runId)
        let nearResults = before.results.filter { $0.record.device == "near" }
        #expect(nearResults.count == Self.benchmarks && nearResults.allSatisfy { $0.record.status == "ok" })
        let farResults = before.results.filter { $0.record.device == "far" }
        #expect(!farResults.isEmpty && farResults.count < Self.benchmarks, "far stored \(farResults.count) of \(Self.benchmarks)")
        let farUnfinished = before.items.filter { $0.device == "far" && $0.state != .done }
        #expect(!farUnfinished.isEmpty && farUnfinished.allSatisfy { $0.state == .failed }, "\(farUnfinished.map { "\($0.benchmark): \($0.state)" })")
        #expect(before.run.status == "partial")

        // Back online: the resume collects what the stranded agent journalled, measures the
        // rest, and stores every (device, benchmark) exactly once.
        try far.restore()
        let resume = try CommandLineTool.start(["run", "--resume", "\(runId)", "--workspace", workspace.path])
        guard let resumed = finish(resume, within: 180, "the resumed run") else { return }
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("journalled result"), "\(resumed.stderr)")
        let after = try db.run(runId)
        #expect(after.results.count == Self.benchmarks * 2)
        #expect(Set(after.results.map { "\($0.record.device)/\($0.record.benchmark)" }).count == Self.benchmarks * 2)
        #expect(after.results.allSatisfy { $0.record.status == "ok" && $0.samplesNanoseconds.count == Self.iterations })
        #expect(after.items.count == Self.benchmarks * 2 && after.items.allSatisfy { $0.state == .done })
        #expect(after.run.status == "completed")

        // No agent is left on the far board: the stranded one finished (or was ended) and the
        // resumed host's agents exited.
        var stray = Self.agentProcesses(under: far.workdir)
        let settle = Date().addingTimeInterval(30)
        while !stray.isEmpty && Date() < settle {
            usleep(200_000)
            stray = Self.agentProcesses(under: far.workdir)
        }
        #expect(stray.isEmpty, "boardbench-agent still running on the far board: pids \(stray)")
    }

    /// Enrols a board as `name` and gives it its own lock file in `directory`.
    func enrol(_ name: String, host: String, port: Int, user: String, identity: String, workdir: String, directory: String) throws {
        let r = try CommandLineTool.run([
            "device", "enrol", name, "--host", host, "--port", "\(port)", "--user", user, "--identity", identity, "--workdir", workdir + "/bb",
            "--accept-new-host-key", "--workspace", workspace.path,
        ])
        try #require(r.status == 0, "enrol \(name): \(r.stderr)")
        let file = workspace.appendingPathComponent("Devices/\(name).yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try (text + "lockPath: \(directory)/board.lock\n").write(to: file, atomically: true, encoding: .utf8)
    }

    /// `benchmarks` sleeping benchmarks of `iterations` executions each.
    func writeProfile(sleepMilliseconds: Int) throws -> String {
        let text = EndToEnd.sleepingProfile(name: "netcut", count: Self.benchmarks, sleepMilliseconds: sleepMilliseconds, iterations: Self.iterations)
        let path = workspace.appendingPathComponent("netcut.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Waits at most `seconds` for `process`; a process still running then is killed and the
    /// test fails with what it printed so far.
    func finish(
        _ process: CommandLineTool.Background, within seconds: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) -> CommandLineTool.Result? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if Self.hasExited(process.pid) { return process.wait() }
            usleep(100_000)
        }
        let stderr = process.stderrSoFar
        process.kill(SIGKILL)
        _ = process.wait()
        Issue.record("\(what) did not finish within \(Int(seconds)) s (killed); stderr so far:\n\(stderr)", sourceLocation: sourceLocation)
        return nil
    }

    /// Whether our child `pid` has exited without reaping it (so `wait()` still gets its
    /// status): an exited, unreaped child is a zombie, state Z in /proc/PID/stat.
    static func hasExited(_ pid: pid_t) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return true }
        let text = String(decoding: data, as: UTF8.self)
        guard let end = text.lastIndex(of: ")") else { return true }
        return text[text.index(after: end)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// boardbench-agent processes whose command line names `path`.
    static func agentProcesses(under path: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let cmdline = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmdline.contains("boardbench-agent") && cmdline.contains(path)
        }
    }
}

enum NetworkCut {
    static var unavailableReason: String? {
        let reason = EndToEnd.unavailableReason ?? NetnsBoard.unavailableReason
        if let reason { print("NetworkCutTests skipped: \(reason)") }
        return reason
    }
}
