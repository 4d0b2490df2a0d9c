import BenchTestSupport
import Controller
import Foundation
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The faults of docs/reliability.md's fault-injection matrix that need a board to misbehave
/// mid-run, through the real CLI and real sshd boards: sshd killed on one of three boards, the
/// agent killed mid-benchmark, the board's disk full during a push, and a reboot between
/// benchmarks. For each: the message, the exit status, every result stored once, the items'
/// states, and `run --resume` completing the run. Workloads sleep (`testSleepMilliseconds`), so
/// boards do not compete for the CPU; faults are timed on the first stored result, and every
/// wait has a deadline. The tests run in parallel: each has its own workspace and boards, and
/// most of their time is spent waiting.
@Suite(.enabled(if: EndToEnd.unavailableReason == nil))
struct FaultInjectionTests {
    static let benchmarks = 3
    static let iterations = 5
    let workspace: URL

    init() throws {
        workspace = try CommandLineTool.temporaryDirectory("bb-fault")
    }

    @Test func sshdKilledOnOneOfThreeBoardsThenResumed() throws {
        let boards = try (1...3).map { try SSHServer(name: "sshd\($0)") }
        try enrol(boards, as: ["s1", "s2", "s3"])
        let victim = boards[1]
        let host = try start(["run", "--profile", try profile(sleepMilliseconds: 100), "--device", "s1", "--device", "s2", "--device", "s3"])
        let runId = try #require(waitForResult(on: "s2", host))
        // sshd and its session processes die, so the open connection drops; the agent lives on.
        victim.crash(commandsToo: false)

        let run = try #require(finish(host, within: 60, "the run whose board lost sshd"))
        #expect(run.status == 69, "\(run.stderr)")
        #expect(run.stderr.contains("s2: ") && run.stderr.contains("retry 1") && run.stderr.contains("cannot reach 127.0.0.1:\(victim.port)"), "\(run.stderr)")
        let before = try store().run(runId)
        for other in ["s1", "s3"] {
            #expect(before.results.filter { $0.record.device == other && $0.record.status == "ok" }.count == Self.benchmarks, "\(other)")
        }
        let stranded = before.items.filter { $0.device == "s2" && $0.state != .done }
        #expect(!stranded.isEmpty && stranded.allSatisfy { $0.state == .failed }, "\(stranded.map { "\($0.benchmark): \($0.state)" })")
        #expect(before.run.status == "partial")

        // The orphaned agent journals the benchmark in hand and exits; the resume collects it
        // under the lock and measures the rest.
        try victim.restart()
        let resumed = try #require(finish(try start(["run", "--resume", "\(runId)"]), within: 60, "the resume"))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try expectComplete(runId, devices: 3)
        try expectNoAgent(on: victim)
    }

    @Test func agentKilledMidBenchmarkFailsThatItemThenResumes() throws {
        let board = try SSHServer(name: "agentkill")
        try enrol(board, as: "a")
        let host = try start(["run", "--profile", try profile(sleepMilliseconds: 100), "--device", "a"])
        let runId = try #require(waitForResult(on: "a", host))
        // The agent is on its second benchmark now.
        let agents = NetworkCutTests.agentProcesses(under: board.workdir)
        try #require(!agents.isEmpty, "no agent running on the board")
        for pid in agents { kill(pid, SIGKILL) }

        let run = try #require(finish(host, within: 60, "the run whose agent was killed"))
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("killed by signal 9 (SIGKILL)") && run.stderr.contains("run --resume \(runId)"), "\(run.stderr)")
        let before = try store().run(runId)
        let failed = before.items.filter { $0.state == .failed }
        // Only the benchmark in hand failed; the ones after it were measured in a new session.
        #expect(failed.count == 1 && failed.first?.error?.contains("killed by signal 9") == true, "\(before.items.map { "\($0.benchmark): \($0.state)" })")
        #expect(before.results.count == Self.benchmarks - 1 && before.results.allSatisfy { $0.record.status == "ok" })
        #expect(before.run.status == "partial")

        let resumed = try cli(["run", "--resume", "\(runId)"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        try expectComplete(runId, devices: 1)
        try expectNoAgent(on: board)
    }

    @Test func aFullDiskDuringThePushFailsClearlyLeavesNoPartialPlanThenResumes() throws {
        let board = try SSHServer(name: "diskfull")
        // The board's workdir is a small filesystem of its own: the agent fits, then it fills.
        let workdir = board.workdir + "/bb"
        try FileManager.default.createDirectory(atPath: workdir, withIntermediateDirectories: true)
        // Room for the agent (27 MB with the static Swift runtime scripts/build-agent.sh links,
        // 7 MB without) and 4 MiB more, filled after enrolment.
        let agentBytes = try #require(try FileManager.default.attributesOfItem(atPath: CommandLineTool.agent)[.size] as? Int)
        let megabytes = agentBytes / (1 << 20) + 4
        guard mount("tmpfs", workdir, "tmpfs", 0, "size=\(megabytes)m,mode=0755") == 0 else {
            Issue.record("cannot mount a tmpfs at \(workdir): \(String(cString: strerror(errno)))")
            return
        }
        defer {
            // Unmounted before the board's deinit removes its directory.
            withExtendedLifetime(board) {
                if umount2(workdir, Int32(MNT_DETACH)) != 0 { Issue.record("cannot unmount \(workdir): \(String(cString: strerror(errno)))") }
            }
        }
        try enrol(board, as: "full")
        // Full but for 8 KiB: the 32 KiB plan's upload gets that far, then fails.
        let filler = workdir + "/filler"
        try fill(filler, leaving: 8192)

        let path = try profile(sleepMilliseconds: 5)
        let run = try cli(["run", "--profile", path, "--device", "full", "--retries", "1", "--json"])
        #expect(run.status == 74, "\(run.stderr)")
        #expect(run.stderr.contains("device full: cannot write \(workdir)/models/") && run.stderr.contains("No space left on device"), "\(run.stderr)")
        let runId = try runId(run.stdout)
        let before = try store().run(runId)
        #expect(before.results.isEmpty && before.items.count == Self.benchmarks && before.items.allSatisfy { $0.state == .failed })
        #expect(before.run.status == "failed")
        // The upload went to a temporary sibling that was removed: no plan, whole or partial.
        let models = (try? FileManager.default.contentsOfDirectory(atPath: workdir + "/models")) ?? []
        #expect(models.isEmpty, "left in models/: \(models)")

        try FileManager.default.removeItem(atPath: filler)
        let resumed = try cli(["run", "--resume", "\(runId)", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let pushed = try #require(try EndToEnd.object(resumed.stdout)["devices"] as? [[String: Any]]).first?["plansPushed"] as? Int
        #expect(pushed == 1)
        try expectComplete(runId, devices: 1)
        // The plan on the board is whole: its bytes hash to its name.
        let hash = try #require(try store().run(runId).results.first?.record.planHash)
        #expect(try FileManager.default.contentsOfDirectory(atPath: workdir + "/models") == ["\(hash).plan"])
        let bytes = try #require(FileManager.default.contents(atPath: workdir + "/models/\(hash).plan"))
        #expect(PlanIdentity.hash(bytes) == hash)
    }

    @Test func aRebootBetweenBenchmarksIsRiddenThroughWithThePlansKept() throws {
        let board = try SSHServer(name: "reboot")
        try enrol(board, as: "r")
        let host = try start(["run", "--profile", try profile(sleepMilliseconds: 100), "--device", "r", "--json"])
        let runId = try #require(waitForResult(on: "r", host))
        let hash = try #require(try store().run(runId).results.first?.record.planHash)
        let plan = board.workdir + "/bb/models/\(hash).plan"
        let inode = try #require(try FileManager.default.attributesOfItem(atPath: plan)[.systemFileNumber] as? Int)
        // As a reboot: sshd, its sessions and the agent die; files stay; sshd comes back on the
        // same port with the same host key before the host's first retry (after 1 s).
        board.crash(commandsToo: true)
        try board.restart()

        let run = try #require(finish(host, within: 60, "the run across the reboot"))
        #expect(run.status == 0 || run.status == 69, "\(run.stderr)")
        #expect(run.stderr.contains("r: ") && run.stderr.contains("retry 1"), "\(run.stderr)")
        // The first connection pushed the plan; none after the reboot did.
        let devices = try #require(try EndToEnd.object(run.stdout)["devices"] as? [[String: Any]])
        #expect(devices.first?["plansPushed"] as? Int == 1)

        let resumed = try cli(["run", "--resume", "\(runId)"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        // After the reboot (in the retry, or in the resume if the retry found the board down)
        // the plan on the board was verified by its hash and kept: the same file, not a new one.
        #expect((run.stderr + resumed.stderr).contains("r: 0 plan(s) pushed, 1 already there"), "\(run.stderr)\n\(resumed.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: plan)[.systemFileNumber] as? Int == inode)
        try expectComplete(runId, devices: 1)
        try expectNoAgent(on: board)
    }

    // MARK: - Helpers

    func cli(_ args: [String]) throws -> CommandLineTool.Result {
        try CommandLineTool.run(args + ["--workspace", workspace.path])
    }

    /// `boardbench` in the background with a short heartbeat and one retry, so faults are noticed
    /// and given up on quickly.
    func start(_ args: [String]) throws -> CommandLineTool.Background {
        try CommandLineTool.start(args + ["--heartbeat", "0.5", "--retries", "1", "--workspace", workspace.path])
    }

    func store() throws -> SQLiteStore {
        try SQLiteStore(path: workspace.appendingPathComponent("boardbench.sqlite").path)
    }

    func runId(_ output: String) throws -> Int64 {
        Int64(try #require((try EndToEnd.object(output)["run"] as? [String: Any])?["runId"] as? Int))
    }

    /// Enrols `board` as `name` and gives it its own lock file.
    func enrol(_ board: SSHServer, as name: String) throws {
        try enrol([board], as: [name])
    }

    /// Enrols the boards in parallel (each enrolment uploads the agent and probes the board).
    func enrol(_ boards: [SSHServer], as names: [String]) throws {
        let results = Locked([String: CommandLineTool.Result]())
        let failures = Locked([String]())
        DispatchQueue.concurrentPerform(iterations: boards.count) { i in
            let board = boards[i]
            do {
                let r = try cli([
                    "device", "enrol", names[i], "--host", "127.0.0.1", "--port", "\(board.port)", "--user", board.user, "--identity",
                    board.clientKeyPath, "--workdir", board.workdir + "/bb", "--lock-path", board.directory + "/board.lock", "--accept-new-host-key",
                ])
                results.update { $0[names[i]] = r }
            } catch {
                failures.update { $0.append("enrol \(names[i]): \(error)") }
            }
        }
        try #require(failures.value.isEmpty, "\(failures.value)")
        for (name, r) in results.value { try #require(r.status == 0, "enrol \(name): \(r.stderr)") }
    }

    /// `benchmarks` sleeping benchmarks of `iterations` executions each.
    func profile(sleepMilliseconds: Int) throws -> String {
        let text = EndToEnd.sleepingProfile(
            name: "faults", count: Self.benchmarks, sleepMilliseconds: sleepMilliseconds, iterations: Self.iterations, model: "builtin:tiny-cnn")
        let path = workspace.appendingPathComponent("faults.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Waits (at most 60 s) until `device` has a stored result, while `host` runs; returns the run.
    func waitForResult(on device: String, _ host: CommandLineTool.Background, sourceLocation: SourceLocation = #_sourceLocation) -> Int64? {
        let db: SQLiteStore
        do { db = try store() } catch {
            Issue.record("cannot open the store: \(error)", sourceLocation: sourceLocation)
            return nil
        }
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !NetworkCutTests.hasExited(host.pid) {
            if let id = try? db.runs().first?.run.id, let detail = try? db.run(id), detail.results.contains(where: { $0.record.device == device }) {
                return id
            }
            usleep(20_000)
        }
        let stderr = host.stderrSoFar
        _ = finish(host, within: 5, "the run")
        Issue.record("no result from \(device) within 60 s: \(stderr)", sourceLocation: sourceLocation)
        return nil
    }

    /// Waits at most `seconds` for `process`; one still running then is killed and the test fails.
    func finish(
        _ process: CommandLineTool.Background, within seconds: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
    ) -> CommandLineTool.Result? {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if NetworkCutTests.hasExited(process.pid) { return process.wait() }
            usleep(50_000)
        }
        let stderr = process.stderrSoFar
        process.kill(SIGKILL)
        _ = process.wait()
        Issue.record("\(what) did not finish within \(Int(seconds)) s (killed); stderr so far:\n\(stderr)", sourceLocation: sourceLocation)
        return nil
    }

    /// Every (device, benchmark) of the run stored exactly once and ok, every item done, the run
    /// completed.
    func expectComplete(_ runId: Int64, devices: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = devices * Self.benchmarks
        let detail = try store().run(runId)
        let perPair = Dictionary(grouping: detail.results, by: { "\($0.record.device)/\($0.record.benchmark)" }).mapValues(\.count)
        #expect(perPair.count == expected && perPair.values.allSatisfy { $0 == 1 }, "\(perPair)", sourceLocation: sourceLocation)
        #expect(
            detail.results.allSatisfy { $0.record.status == "ok" && $0.samplesNanoseconds.count == Self.iterations }, sourceLocation: sourceLocation)
        #expect(detail.items.count == expected && detail.items.allSatisfy { $0.state == .done }, sourceLocation: sourceLocation)
        #expect(detail.run.status == "completed", sourceLocation: sourceLocation)
    }

    /// No boardbench-agent left on `board` (an orphaned one may take a moment to finish).
    func expectNoAgent(on board: SSHServer, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var stray = NetworkCutTests.agentProcesses(under: board.workdir)
        let deadline = Date().addingTimeInterval(20)
        while !stray.isEmpty && Date() < deadline {
            usleep(100_000)
            stray = NetworkCutTests.agentProcesses(under: board.workdir)
        }
        #expect(stray.isEmpty, "boardbench-agent still running on \(board.name): pids \(stray)", sourceLocation: sourceLocation)
    }

    /// Writes `path` until its filesystem is full, then gives `leaving` bytes back.
    func fill(_ path: String, leaving: Int) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        try #require(fd >= 0, "cannot create \(path): \(String(cString: strerror(errno)))")
        defer { close(fd) }
        let block = [UInt8](repeating: 1, count: 4096)
        var size = 0
        while true {
            let n = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            size += n
        }
        try #require(errno == ENOSPC && size > leaving, "filling \(path) stopped at \(size) bytes: \(String(cString: strerror(errno)))")
        try #require(ftruncate(fd, off_t(size - leaving)) == 0)
    }
}

/// A value shared between the threads of parallel enrolments.
private final class Locked<Value>: @unchecked Sendable {  // every access holds `lock`
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }

    func update(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
