import BenchTestSupport
import Foundation
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The host controller at farm scale, through the real CLI: several real sshd "boards" (own
/// ports, workdirs and lock files), parallel runs, a host killed with SIGKILL and resumed, two
/// hosts racing for one board, a benchmark that outruns its timeout, and a board that goes
/// away. Workloads use the test-only `testSleepMilliseconds` so they do not compete for the CPU.
@Suite(.serialized, .enabled(if: EndToEnd.unavailableReason == nil))
struct FarmTests {
    let workspace: URL

    init() throws {
        workspace = try CommandLineTool.temporaryDirectory("bb-farm")
    }

    func cli(_ args: [String], workspace: URL? = nil) throws -> CommandLineTool.Result {
        try CommandLineTool.run(args + ["--workspace", (workspace ?? self.workspace).path])
    }

    /// Enrols `board` as `name` and gives it its own lock file.
    func enrol(_ board: SSHServer, as name: String, workspace: URL? = nil) throws {
        let ws = workspace ?? self.workspace
        let r = try cli(
            [
                "device", "enrol", name, "--host", "127.0.0.1", "--port", "\(board.port)", "--user", board.user, "--identity", board.clientKeyPath,
                "--workdir", board.workdir + "/bb", "--accept-new-host-key",
            ], workspace: ws)
        #expect(r.status == 0, "\(r.stderr)")
        let file = ws.appendingPathComponent("Devices/\(name).yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try (text + "lockPath: \(board.directory)/board.lock\n").write(to: file, atomically: true, encoding: .utf8)
    }

    /// A profile of `count` sleeping benchmarks, `sleepMs` × `iterations` each.
    func profile(_ name: String, count: Int, sleepMs: Int, iterations: Int, extra: String = "") throws -> String {
        let text = EndToEnd.sleepingProfile(name: name, count: count, sleepMilliseconds: sleepMs, iterations: iterations, extra: extra)
        let path = workspace.appendingPathComponent("\(name).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func store(_ ws: URL? = nil) throws -> SQLiteStore {
        try SQLiteStore(path: (ws ?? workspace).appendingPathComponent("boardbench.sqlite").path)
    }

    func runId(_ output: String) throws -> Int64 {
        let doc = try EndToEnd.object(output)
        return Int64(try #require((doc["run"] as? [String: Any])?["runId"] as? Int))
    }

    /// boardbench-agent processes whose command line names `path`.
    func agentProcesses(under path: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
            let cmdline = String(decoding: data.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmdline.contains("boardbench-agent") && cmdline.contains(path)
        }
    }

    @Test func threeBoardsInParallelThenPlansAreVerifiedByHash() throws {
        let boards = try (1...3).map { try SSHServer(name: "farm\($0)") }
        for (i, b) in boards.enumerated() { try enrol(b, as: "b\(i + 1)") }
        let path = try profile("par", count: 2, sleepMs: 20, iterations: 5)
        let run = try cli(["run", "--profile", path, "--device", "b1", "--device", "b2", "--device", "b3", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let id = try runId(run.stdout)
        let detail = try store().run(id)
        // Exactly what the profile asked for: 2 benchmarks × 3 boards, each once, all ok.
        #expect(detail.results.count == 6)
        #expect(Set(detail.results.map { "\($0.record.device)/\($0.record.benchmark)" }).count == 6)
        #expect(detail.results.allSatisfy { $0.record.status == "ok" && $0.samplesNanoseconds.count == 5 })
        #expect(detail.items.count == 6 && detail.items.allSatisfy { $0.state == .done })
        #expect(detail.run.status == "completed")
        // Provenance on every result.
        for r in detail.results.map(\.record) {
            #expect(r.hostVersion != nil && r.agentVersion != nil && r.profileHash == detail.run.profileHash)
            #expect(r.runPlanHash == detail.run.planHash && r.factsHash == detail.devices.first { $0.device == r.device }?.factsHash)
        }
        // Once everything is stored the run's journal is droppable: the board keeps it until
        // its next session removes it, so the run spends no command on clean-up.
        let firstKey = try #require(detail.run.runKey)
        func journals(_ b: SSHServer) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: b.workdir + "/bb/results")) ?? []).sorted()
        }
        for (i, b) in boards.enumerated() {
            #expect(journals(b) == [firstKey], "\(b.name)")
            #expect(try store().journals(device: "b\(i + 1)", state: .droppable) == [firstKey])
        }
        // Plans are content-addressed: a plan whose bytes changed on a board is pushed again;
        // a plan that is intact is not.
        let hash = try #require(detail.results.first?.record.planHash)
        let planOnB1 = boards[0].workdir + "/bb/models/\(hash).plan"
        let handle = try #require(FileHandle(forWritingAtPath: planOnB1))
        try handle.write(contentsOf: Data("corrupt".utf8))
        try handle.close()
        let again = try cli(["run", "--profile", path, "--device", "b1", "--device", "b2", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let devices = try #require(try EndToEnd.object(again.stdout)["devices"] as? [[String: Any]])
        let pushed = Dictionary(uniqueKeysWithValues: devices.map { ($0["device"] as? String ?? "", $0["plansPushed"] as? Int ?? -1) })
        #expect(pushed == ["b1": 1, "b2": 0])
        // The second run's sessions removed the first run's journals on b1 and b2; b3, not in
        // that run, still holds its own.
        let secondKey = try #require(try store().run(try runId(again.stdout)).run.runKey)
        #expect(journals(boards[0]) == [secondKey] && journals(boards[1]) == [secondKey])
        #expect(journals(boards[2]) == [firstKey])
        for device in ["b1", "b2"] {
            #expect(try store().journals(device: device, state: .dropped) == [firstKey])
            #expect(try store().journals(device: device, state: .droppable) == [secondKey])
        }
        #expect(try store().journals(device: "b3", state: .droppable) == [firstKey])
    }

    @Test func aHostKilledMidRunIsResumedWithEveryResultOnce() throws {
        let boards = try (1...2).map { try SSHServer(name: "kill\($0)") }
        for (i, b) in boards.enumerated() { try enrol(b, as: "k\(i + 1)") }
        let path = try profile("long", count: 4, sleepMs: 150, iterations: 6)
        let host = try CommandLineTool.start(["run", "--profile", path, "--device", "k1", "--device", "k2", "--workspace", workspace.path])
        // Kill the host as soon as the store holds a result: the boards are mid-benchmark.
        let db = try store()
        var stored = 0
        for _ in 0..<1200 where stored == 0 {
            usleep(50_000)
            stored = (try? db.runs().first?.resultCount) ?? 0
        }
        try #require(stored > 0, "no result arrived: \(host.stderrSoFar)")
        host.kill(SIGKILL)
        _ = host.wait()
        let runId = try #require(try db.runs().first?.run.id)
        let before = try db.run(runId)
        #expect(before.run.status == "running" && before.results.count < 8)

        let resumed = try cli(["run", "--resume", "\(runId)", "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        // The agents that lost their host finished their benchmark and journalled it; the
        // resume collected those instead of measuring them again.
        #expect(resumed.stderr.contains("journalled result"), "\(resumed.stderr)")
        let after = try db.run(runId)
        #expect(after.results.count == 8)
        let shown = try EndToEnd.object(resumed.stdout)
        let items = try #require(shown["items"] as? [[String: Any]])
        #expect(items.count == 8 && items.allSatisfy { $0["state"] as? String == "done" })
        #expect(Set(after.results.map { "\($0.record.device)/\($0.record.benchmark)" }).count == 8)
        #expect(after.items.allSatisfy { $0.state == .done } && after.run.status == "completed")
        // Resuming a finished run measures nothing and duplicates nothing.
        let twice = try cli(["run", "--resume", "\(runId)"])
        #expect(twice.status == 0, "\(twice.stderr)")
        #expect(try db.run(runId).results.count == 8)
        for b in boards { #expect(agentProcesses(under: b.workdir).isEmpty) }
    }

    @Test func twoHostsRaceForOneBoard() throws {
        let board = try SSHServer(name: "race")
        let other = try CommandLineTool.temporaryDirectory("bb-farm-other")
        try enrol(board, as: "pi", workspace: workspace)
        try enrol(board, as: "pi", workspace: other)
        // Long enough that the other hosts' connect, deploy check and probe (slow on a loaded
        // 2-core CI machine) end while it still holds the board.
        let path = try profile("hold", count: 1, sleepMs: 250, iterations: 80)
        let otherProfile = other.appendingPathComponent("quick.yaml").path
        try FileManager.default.copyItem(atPath: path, toPath: otherProfile)

        let first = try CommandLineTool.start(["run", "--profile", path, "--device", "pi", "--workspace", workspace.path])
        // Wait until the first host's agent holds the lock (it writes its note into the file).
        let lockFile = board.directory + "/board.lock"
        var note = ""
        for _ in 0..<1200 where note.isEmpty {
            usleep(50_000)
            note = (try? String(contentsOfFile: lockFile, encoding: .utf8)) ?? ""
        }
        try #require(!note.isEmpty, "the first host never took the lock: \(first.stderrSoFar)")
        #expect(note.contains(", run "))

        // A patient second host waits, then measures after the first is done...
        let waiting = try CommandLineTool.start([
            "run", "--profile", otherProfile, "--device", "pi", "--workspace", other.path, "--db", other.path + "/patient.sqlite",
        ])
        // ...while an impatient one gives up after --lock-timeout, saying who holds the board.
        let impatient = try cli(["run", "--profile", otherProfile, "--device", "pi", "--lock-timeout", "1"], workspace: other)
        #expect(impatient.status == 75, "\(impatient.stderr)")
        #expect(impatient.stderr.contains("waiting for pi, held by") && impatient.stderr.contains("busy"))
        let patient = waiting.wait()
        let done = first.wait()
        #expect(done.status == 0, "\(done.stderr)")
        #expect(patient.status == 0, "\(patient.stderr)")
        #expect(patient.stderr.contains("waiting for pi, held by"))
        // Never on the board at once: the patient host started measuring after the first finished.
        let a = try store().runs().first.map { try store().run($0.run.id!) }
        let patientStore = try SQLiteStore(path: other.path + "/patient.sqlite")
        let b = try patientStore.runs().first.map { try patientStore.run($0.run.id!) }
        let firstResult = try #require(a?.results.first), secondResult = try #require(b?.results.first)
        let firstEnd = firstResult.record.startedAtUnixNanoseconds + (firstResult.offsetsNanoseconds.last ?? 0)
        #expect(secondResult.record.startedAtUnixNanoseconds > firstEnd)
    }

    @Test func aBenchmarkPastItsTimeoutIsKilledAndTheRestGoesOn() throws {
        let board = try SSHServer(name: "timeout")
        try enrol(board, as: "slow")
        let extra = """
              - name: stuck
                model: builtin:mlp
                settings:
                  testSleepMilliseconds: 1000
                  iterations: 60
                  timeoutSeconds: 2
              - name: after
                model: builtin:mlp

            """
        let path = try profile("slow", count: 1, sleepMs: 5, iterations: 3, extra: extra)
        let run = try cli(["run", "--profile", path, "--device", "slow", "--heartbeat", "0.5", "--json"])
        #expect(run.status == 3, "\(run.stderr)")
        let detail = try store().run(try runId(run.stdout))
        let byName = Dictionary(uniqueKeysWithValues: detail.results.map { ($0.record.benchmark, $0.record) })
        #expect(byName["stuck"]?.status == "timedOut" && byName["stuck"]?.error?.contains("timeout of 2 s") == true)
        #expect(byName["nap-0"]?.status == "ok" && byName["after"]?.status == "ok")
        #expect(detail.run.status == "partial")
        #expect(run.stderr.contains("stuck: timed out"))
        // No orphan agent is left measuring on the board.
        #expect(agentProcesses(under: board.workdir).isEmpty)
    }

    @Test func anUnreachableBoardFailsWhileTheOthersCarryOnThenResumes() throws {
        let up = try SSHServer(name: "up"), down = try SSHServer(name: "down")
        try enrol(up, as: "up")
        try enrol(down, as: "down")
        down.stop()
        let path = try profile("mixed", count: 2, sleepMs: 5, iterations: 3)
        let run = try cli(["run", "--profile", path, "--device", "up", "--device", "down", "--retries", "1", "--json"])
        #expect(run.status == 69, "\(run.stderr)")
        #expect(run.stderr.contains("down: ") && run.stderr.contains("retry 1"))
        let id = try runId(run.stdout)
        let detail = try store().run(id)
        #expect(detail.results.map(\.record.device) == ["up", "up"])
        #expect(detail.items.filter { $0.device == "down" }.allSatisfy { $0.state == .failed && $0.attempts == 1 })
        #expect(detail.run.status == "partial")

        try down.restart()
        let resumed = try cli(["run", "--resume", "\(id)"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let after = try store().run(id)
        #expect(after.results.count == 4 && after.results.filter { $0.record.device == "up" }.count == 2)
        #expect(after.run.status == "completed")
    }

    @Test func aBoardBehindAGatewayIsEnrolledAndRunThroughIt() throws {
        let gateway = try SSHServer(name: "gateway"), board = try SSHServer(name: "behind")
        // The board's host name resolves nowhere: only the gateway's forwarding reaches it.
        let proxy =
            "ssh -q -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i \(gateway.clientKeyPath) "
            + "-p \(gateway.port) -W 127.0.0.1:%p \(gateway.user)@127.0.0.1"
        let enrol = try cli([
            "device", "enrol", "hidden", "--host", "board.invalid", "--port", "\(board.port)", "--user", board.user, "--identity",
            board.clientKeyPath, "--workdir", board.workdir + "/bb", "--lock-path", board.directory + "/board.lock", "--proxy-command", proxy,
            "--accept-new-host-key",
        ])
        #expect(enrol.status == 0, "\(enrol.stderr)")
        let file = try String(contentsOf: workspace.appendingPathComponent("Devices/hidden.yaml"), encoding: .utf8)
        #expect(file.contains("proxyCommand:") && file.contains("lockPath:"))
        // The board's own host key is pinned, end to end through the gateway.
        #expect(file.contains("hostKeyFingerprint: \(try board.hostKeyFingerprint)"))
        let path = try profile("gw", count: 1, sleepMs: 5, iterations: 3)
        let run = try cli(["run", "--profile", path, "--device", "hidden", "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try store().run(try runId(run.stdout)).results.map(\.record.status) == ["ok"])
    }

    @Test func resumeRefusesAModelThatChangedSinceTheRunStarted() throws {
        let board = try SSHServer(name: "changed")
        try enrol(board, as: "gone")
        board.stop()
        let plan = workspace.appendingPathComponent("m.plan").path
        #expect(try CommandLineTool.run(["compile", "builtin:mlp", "-o", plan]).status == 0)
        let extra = "  - name: file-model\n    model: m.plan\n"
        let path = try profile("changing", count: 0, sleepMs: 5, iterations: 3, extra: extra)
        let run = try cli(["run", "--profile", path, "--device", "gone", "--retries", "0", "--json"])
        #expect(run.status == 69, "\(run.stderr)")
        let id = try runId(run.stdout)
        #expect(try CommandLineTool.run(["compile", "builtin:tiny-cnn", "-o", plan]).status == 0)
        try board.restart()
        let resumed = try cli(["run", "--resume", "\(id)"])
        #expect(resumed.status == 65, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("model m.plan changed since the run started"))
        #expect(try store().run(id).results.isEmpty)
    }
}
