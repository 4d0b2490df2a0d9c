import BenchTestSupport
import Controller
import Foundation
import Testing

/// `device probe`, `device doctor`, `device clean`, `list --json` and `show --json` through the
/// real CLI against a real sshd on loopback (the board is this machine, logged in as root).
@Suite(.serialized, .enabled(if: EndToEnd.unavailableReason == nil))
struct DeviceInventoryTests {
    let board: SSHServer
    let workspace: URL
    var remote: String { board.workdir + "/bb" }
    var lockPath: String { board.workdir + "/boardbench.lock" }

    init() throws {
        board = try SSHServer(name: "inventory")
        workspace = try CommandLineTool.temporaryDirectory("bb-inventory")
    }

    func cli(_ args: [String]) throws -> CommandLineTool.Result {
        try CommandLineTool.run(args + ["--workspace", workspace.path])
    }

    func deviceFile(_ name: String) -> URL { workspace.appendingPathComponent("Devices/\(name).yaml") }

    /// Enrols `name` and gives it a lock file of its own (other tests may hold the default one).
    func enrol(_ name: String, extra: String = "") throws {
        let r = try cli([
            "device", "enrol", name, "--host", "127.0.0.1", "--port", "\(board.port)", "--user", board.user, "--identity",
            board.clientKeyPath, "--workdir", remote, "--accept-new-host-key",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOf: deviceFile(name), encoding: .utf8)
        try (text + "lockPath: \(lockPath)\n" + extra).write(to: deviceFile(name), atomically: true, encoding: .utf8)
    }

    func doctor(_ name: String) throws -> (result: CommandLineTool.Result, checks: [String: [String: Any]], document: [String: Any]) {
        let r = try cli(["device", "doctor", name, "--json"])
        let doc = try EndToEnd.object(r.stdout)
        let list = try #require(doc["checks"] as? [[String: Any]])
        #expect(list.compactMap { $0["name"] as? String } == Doctor.checkNames, "checks in the documented order")
        let checks = Dictionary(uniqueKeysWithValues: list.compactMap { c in (c["name"] as? String).map { ($0, c) } })
        return (r, checks, doc)
    }

    /// Holds the board's lock (flock(2) from this process, as another run would) while `body` runs.
    func holdingLock<T>(_ body: () throws -> T) throws -> T {
        let fd = open(lockPath, O_RDONLY | O_CREAT | O_CLOEXEC, 0o644)
        try #require(fd >= 0, "cannot open \(lockPath)")
        defer { close(fd) }
        try #require(flock(fd, LOCK_EX | LOCK_NB) == 0, "cannot lock \(lockPath)")
        return try body()
    }

    @Test func doctorOnAHealthyBoard() throws {
        try enrol("d1")
        let (r, checks, doc) = try doctor("d1")
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(doc["device"] as? String == "d1" && doc["exitStatus"] as? Int == 0)
        for name in ["device-file", "reachability", "host-key", "libraries", "glibc", "architecture", "agent", "perf-events", "lock"] {
            #expect(checks[name]?["status"] as? String == "pass", "\(name): \(checks[name] ?? [:])")
        }
        #expect((checks["host-key"]?["reason"] as? String)?.contains(try board.hostKeyFingerprint) == true)
        // What a command costs depends on this machine's ~/.bashrc: either verdict, with the figure.
        let cost = try #require(checks["command-cost"])
        #expect(["pass", "warn"].contains(cost["status"] as? String) && (cost["reason"] as? String)?.contains(" ms on the board") == true, "\(cost)")
        let disk = try #require(checks["disk"])
        #expect(["pass", "warn"].contains(disk["status"] as? String) && (disk["reason"] as? String)?.contains("MiB free") == true)
        for c in checks.values { #expect(c["reason"] is String && (c["status"] as? String) != "fail", "\(c)") }

        // The board is this machine: what the doctor says about cpufreq and sensors must match it.
        let governor = try? String(contentsOfFile: "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", encoding: .utf8)
        let expectedGovernor = governor?.trimmingCharacters(in: .whitespacesAndNewlines) == "performance" ? "pass" : "warn"
        #expect(checks["governor"]?["status"] as? String == expectedGovernor, "\(checks["governor"] ?? [:])")
        if governor == nil {
            #expect((checks["governor"]?["reason"] as? String)?.contains("no cpufreq") == true)
            #expect(checks["governor"]?["fix"] == nil)
        }
        let zones = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/thermal"))?.filter { $0.hasPrefix("thermal_zone") } ?? []
        let rapl = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/powercap"))?.contains { $0.hasPrefix("intel-rapl") } ?? false
        let anySensor = !zones.isEmpty || governor != nil || rapl
        #expect(checks["sensors"]?["status"] as? String == (anySensor ? "pass" : "warn"), "\(checks["sensors"] ?? [:])")

        // The same report for people, on stdout.
        let text = try cli(["device", "doctor", "d1"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("pass    host-key") && text.stdout.contains("0 failed"), "\(text.stdout)")

        // Someone holding the board's lock is reported, not failed.
        let held = try holdingLock { try doctor("d1") }
        #expect(held.result.status == 0)
        #expect(held.checks["lock"]?["status"] as? String == "warn")
        #expect((held.checks["lock"]?["reason"] as? String)?.contains("is held now") == true, "\(held.checks["lock"] ?? [:])")

        // Another build of this version on the board is a warning with the redeploy command; no agent at all too.
        let agent = remote + "/agent/0.1.0/boardbench-agent"
        let handle = try #require(FileHandle(forWritingAtPath: agent))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("another build".utf8))
        try handle.close()
        let differs = try doctor("d1").checks["agent"]
        #expect(differs?["status"] as? String == "warn" && (differs?["reason"] as? String)?.contains("differs from") == true, "\(differs ?? [:])")
        #expect(differs?["fix"] as? String == "boardbench device probe d1")
        try FileManager.default.removeItem(atPath: agent)
        let absent = try doctor("d1")
        #expect(absent.result.status == 0)
        #expect(absent.checks["agent"]?["status"] as? String == "warn")
        #expect((absent.checks["agent"]?["reason"] as? String)?.contains("not deployed yet; `boardbench run` or `device probe` deploys it") == true)
    }

    @Test func doctorFailsAChangedHostKeyWithBothFingerprints() throws {
        try enrol("d2")
        let before = try board.hostKeyFingerprint
        try board.rotateHostKey()
        let after = try board.hostKeyFingerprint
        #expect(before != after)
        let (r, checks, doc) = try doctor("d2")
        #expect(r.status == 77, "documented: the host key failure keeps its own exit status")
        #expect(doc["status"] as? String == "fail" && doc["exitStatus"] as? Int == 77)
        #expect(checks["reachability"]?["status"] as? String == "pass")
        let hostKey = try #require(checks["host-key"])
        #expect(hostKey["status"] as? String == "fail")
        let reason = try #require(hostKey["reason"] as? String)
        #expect(reason.contains(before) && reason.contains(after), "\(reason)")
        #expect(hostKey["fix"] as? String == "boardbench device enrol d2 --accept-new-host-key")
        for name in Doctor.checkNames.dropFirst(3) {
            #expect(checks[name]?["status"] as? String == "skipped", "\(name)")
            #expect((checks[name]?["reason"] as? String)?.contains("host key") == true)
        }
        let text = try cli(["device", "doctor", "d2"])
        #expect(text.status == 77 && text.stdout.contains(before) && text.stdout.contains(after))
        #expect(text.stdout.contains("fix: boardbench device enrol d2 --accept-new-host-key"))

        // A board that does not answer at all: reachability fails with 69 and the rest is skipped.
        let file = try String(contentsOf: deviceFile("d2"), encoding: .utf8)
        let closed = try EndToEnd.closedPort()
        try file.replacingOccurrences(of: "port: \(board.port)", with: "port: \(closed)").write(to: deviceFile("d2"), atomically: true, encoding: .utf8)
        let down = try doctor("d2")
        #expect(down.result.status == 69)
        #expect(down.checks["reachability"]?["status"] as? String == "fail")
        #expect((down.checks["reachability"]?["reason"] as? String)?.contains("cannot reach 127.0.0.1:\(closed)") == true)
        #expect(down.checks["host-key"]?["status"] as? String == "skipped")
    }

    @Test func doctorReadsPerfEventParanoidAndTheGovernorFromTheFixtureTree() throws {
        // The Raspberry Pi 5 fixture tree, plus what a non-root login on a hardened kernel shows.
        let tree = try CommandLineTool.temporaryDirectory("bb-paranoid").appendingPathComponent("pi5")
        defer { try? FileManager.default.removeItem(at: tree.deletingLastPathComponent()) }  // temp dir; leftovers are harmless
        try FileManager.default.copyItem(at: MeasurementEngineTests.fixtures.appendingPathComponent("pi5"), to: tree)
        try "3\n".write(to: tree.appendingPathComponent("proc/sys/kernel/perf_event_paranoid"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: tree.appendingPathComponent("proc/self"), withIntermediateDirectories: true)
        try "Name:\tcat\nUid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\n".write(
            to: tree.appendingPathComponent("proc/self/status"), atomically: true, encoding: .utf8)
        try enrol("d3", extra: "sysfsRoot: \(tree.path)\n")

        let (r, checks, _) = try doctor("d3")
        #expect(r.status == 0, "warnings only: \(r.stdout)")
        let perf = try #require(checks["perf-events"])
        #expect(perf["status"] as? String == "warn")
        #expect((perf["reason"] as? String)?.contains("perf_event_paranoid=3") == true, "\(perf)")
        #expect(perf["fix"] as? String == "sudo sysctl kernel.perf_event_paranoid=1")
        // The fixture's cpufreq says ondemand, and its thermal zone is a sensor.
        #expect(checks["governor"]?["status"] as? String == "warn")
        #expect(checks["governor"]?["fix"] as? String == Doctor.governorFix)
        #expect(checks["sensors"]?["status"] as? String == "pass")
        #expect((checks["sensors"]?["reason"] as? String)?.contains("cpu-thermal") == true, "\(checks["sensors"] ?? [:])")

        // perf_event_paranoid=1 passes.
        try "1\n".write(to: tree.appendingPathComponent("proc/sys/kernel/perf_event_paranoid"), atomically: true, encoding: .utf8)
        #expect(try doctor("d3").checks["perf-events"]?["status"] as? String == "pass")
    }

    @Test func probeRedeploysAndRewritesFactsButKeepsUserEdits() throws {
        try enrol("p1")
        var text = try String(contentsOf: deviceFile("p1"), encoding: .utf8)
        text = "# rack 4, slot 2\n" + text.replacingOccurrences(of: "\nfacts:", with: "\nnotes: lab-team # ask before rebooting\nfacts:")
        text = text.replacingOccurrences(of: "\n  kernel:", with: "\n  kernel: stale-kernel\n  oldKernel:")
        try text.write(to: deviceFile("p1"), atomically: true, encoding: .utf8)
        let agent = remote + "/agent/0.1.0/boardbench-agent"
        try FileManager.default.removeItem(atPath: agent)

        let r = try cli(["device", "probe", "p1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try EndToEnd.object(r.stdout)
        #expect(doc["device"] as? String == "p1")
        let facts = try #require(doc["facts"] as? [String: Any])
        #expect(facts["architecture"] as? String == "x86_64" && facts["agentVersion"] as? String == "0.1.0")
        let changes = try #require(doc["changes"] as? [String])
        #expect(changes.contains { $0.hasPrefix("kernel: \"stale-kernel\" -> ") }, "\(changes)")
        #expect(FileManager.default.contents(atPath: agent) == FileManager.default.contents(atPath: CommandLineTool.agent), "agent redeployed")

        let after = try String(contentsOf: deviceFile("p1"), encoding: .utf8)
        #expect(after.hasPrefix("# rack 4, slot 2\n"))
        #expect(after.contains("notes: lab-team # ask before rebooting"))
        #expect(after.contains("lockPath: \(lockPath)"))
        #expect(!after.contains("stale-kernel") && !after.contains("oldKernel"))
        #expect(after.components(separatedBy: "\nfacts:").count == 2)

        // A second probe finds nothing new.
        let again = try cli(["device", "probe", "p1"])
        #expect(again.status == 0 && again.stdout.contains("facts unchanged"), "\(again.stdout)\(again.stderr)")
    }

    @Test func cleanRemovesOldAgentsOldPlansAndStaleUploadsOnly() throws {
        try enrol("c1")
        let fm = FileManager.default
        let current = remote + "/agent/0.1.0/boardbench-agent"
        func write(_ path: String, bytes: Int, daysOld: Double) throws {
            try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(repeating: 0x5A, count: bytes).write(to: URL(fileURLWithPath: path))
            try fm.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -daysOld * 86_400)], ofItemAtPath: path)
        }
        let oldAgent = remote + "/agent/0.0.9"
        try write(oldAgent + "/boardbench-agent", bytes: 3000, daysOld: 1)
        try write(oldAgent + "/notes.txt", bytes: 100, daysOld: 1)
        let oldPlan = remote + "/models/" + String(repeating: "a", count: 64) + ".plan"
        let freshPlan = remote + "/models/" + String(repeating: "b", count: 64) + ".plan"
        try write(oldPlan, bytes: 500, daysOld: 40)
        try write(freshPlan, bytes: 700, daysOld: 2)
        let staleUpload = remote + "/models/." + String(repeating: "c", count: 64) + ".plan.tmp-1f2e"
        let activeUpload = remote + "/models/." + String(repeating: "d", count: 64) + ".plan.tmp-3a4b"
        try write(staleUpload, bytes: 40, daysOld: 3)
        try write(activeUpload, bytes: 60, daysOld: 0)
        let journal = remote + "/results/run-1.jsonl"
        try write(journal, bytes: 80, daysOld: 400)
        // A link out of the workdir must be left alone, and what it points to untouched.
        let outside = board.workdir + "/outside"
        try write(outside + "/precious", bytes: 10, daysOld: 400)
        try fm.createSymbolicLink(atPath: remote + "/agent/0.0.8", withDestinationPath: outside)
        let expected = Set([oldAgent, oldPlan, staleUpload])

        let dry = try cli(["device", "clean", "c1", "--dry-run", "--json"])
        #expect(dry.status == 0, "\(dry.stderr)")
        let planned = try #require(try EndToEnd.object(dry.stdout)["removed"] as? [[String: Any]])
        #expect(Set(planned.compactMap { $0["path"] as? String }) == expected)
        #expect(fm.fileExists(atPath: oldAgent) && fm.fileExists(atPath: oldPlan) && fm.fileExists(atPath: staleUpload))

        let r = try cli(["device", "clean", "c1", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try EndToEnd.object(r.stdout)
        let removed = try #require(doc["removed"] as? [[String: Any]])
        #expect(Set(removed.compactMap { $0["path"] as? String }) == expected)
        let kinds = Dictionary(uniqueKeysWithValues: removed.compactMap { e in (e["path"] as? String).map { ($0, e["kind"] as? String ?? "") } })
        #expect(kinds == [oldAgent: "agent", oldPlan: "plan", staleUpload: "temporary"])
        #expect(doc["bytesFreed"] as? Int == 3000 + 100 + 500 + 40)
        #expect(doc["keptPlans"] as? Int == 1 && doc["keptAgent"] as? String == remote + "/agent/0.1.0")
        #expect(doc["locked"] as? Bool == true && doc["dryRun"] as? Bool == false)
        #expect((doc["notes"] as? [String])?.contains { $0.contains("agent/0.0.8 is a symbolic link") } == true, "\(doc)")
        for gone in expected { #expect(!fm.fileExists(atPath: gone), "\(gone)") }
        for kept in [current, freshPlan, activeUpload, journal, outside + "/precious"] { #expect(fm.fileExists(atPath: kept), "\(kept)") }
        #expect((try? fm.destinationOfSymbolicLink(atPath: remote + "/agent/0.0.8")) == outside)

        // --keep-days 0 takes every plan; a held lock means nothing is touched (exit 75).
        try write(oldPlan, bytes: 500, daysOld: 40)
        let busy = try holdingLock { try cli(["device", "clean", "c1", "--keep-days", "0"]) }
        #expect(busy.status == 75, "\(busy.stdout)\(busy.stderr)")
        #expect(busy.stderr.contains("is held") && fm.fileExists(atPath: oldPlan) && fm.fileExists(atPath: freshPlan))
        let all = try cli(["device", "clean", "c1", "--keep-days", "0"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.contains("removed plan \(freshPlan)") && all.stdout.contains("removed 2 item(s)"), "\(all.stdout)")
        #expect(!fm.fileExists(atPath: oldPlan) && !fm.fileExists(atPath: freshPlan) && fm.fileExists(atPath: current))
    }

    @Test func listAndShowPrintJSON() throws {
        try enrol("l1")
        try enrol("l2")
        let list = try cli(["device", "list", "--json"])
        #expect(list.status == 0, "\(list.stderr)")
        let devices = try #require(try EndToEnd.object(list.stdout)["devices"] as? [[String: Any]])
        #expect(devices.compactMap { $0["name"] as? String } == ["l1", "l2"])
        #expect(devices.allSatisfy { $0["lockPath"] as? String == lockPath && $0["workdir"] as? String == remote })

        let show = try cli(["device", "show", "l1", "--json"])
        #expect(show.status == 0, "\(show.stderr)")
        let l1 = try EndToEnd.object(show.stdout)
        #expect(l1["name"] as? String == "l1" && l1["transport"] as? String == "ssh" && l1["port"] as? Int == board.port)
        #expect(l1["hostKeyFingerprint"] as? String == (try board.hostKeyFingerprint))
        #expect((l1["facts"] as? [String: Any])?["architecture"] as? String == "x86_64")

        let missing = try cli(["device", "show", "nope", "--json"])
        #expect(missing.status == 66 && missing.stdout.isEmpty && missing.stderr.contains("boardbench device enrol nope"))

        let removed = try cli(["device", "remove", "l2", "--json"])
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect((try EndToEnd.object(removed.stdout)["removed"] as? [String: Any])?["name"] as? String == "l2")
        let after = try EndToEnd.object(try cli(["device", "list", "--json"]).stdout)["devices"] as? [[String: Any]]
        #expect(after?.compactMap { $0["name"] as? String } == ["l1"])
    }
}
