import Agent
import BenchCore
import Crypto
import Foundation
import ModelPlan
import Probes
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Sessions: the board lock, heartbeats, the result journal and `collect`, and the test-only
/// sleep workload, driven through `AgentSession` in process.
@Suite struct AgentSessionLifecycleTests {
    let directory: String
    let planPath: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("bb-session-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        planPath = directory + "/mlp.plan"
        try Data(try PlanCodec.encode(try BuiltinModels.graph(named: "mlp"))).write(to: URL(fileURLWithPath: planPath))
    }

    func serve(_ request: AgentRequest) throws -> [AgentMessage] {
        let messages = MessageLog()
        try AgentSession(root: SysfsRoot("/")) { messages.append($0) }.serve(requestBytes: Array(try JSONEncoder().encode(request)))
        return messages.all
    }

    func sleeping(_ name: String, milliseconds: Double, iterations: Int) -> BenchmarkRequest {
        BenchmarkRequest(
            name: name, planPath: planPath, planHash: "h",
            settings: MeasurementSettings(
                warmupRuns: 0, warmupSeconds: 0, iterations: iterations, minSampleMilliseconds: 0, counters: [], energy: false,
                testSleepMilliseconds: milliseconds))
    }

    @Test func sleepWorkloadHeartbeatsAndJournal() throws {
        let journal = JournalOptions(directory: directory + "/results", runKey: "3f2a")
        let request = AgentRequest(
            command: .measure, benchmarks: [sleeping("nap.threads-1", milliseconds: 40, iterations: 5)],
            session: SessionOptions(heartbeatSeconds: 0.05, journal: journal))
        let messages = try serve(request)
        let results = messages.compactMap { if case .result(let r) = $0 { r } else { nil } }
        let r = try #require(results.first)
        // Each execution slept 40 ms instead of computing: the samples say so, and so does the result.
        #expect(r.samplesNanoseconds.count == 5 && r.samplesNanoseconds.allSatisfy { $0 >= 40_000_000 })
        #expect(r.conditions.contains { $0.hasPrefix("test workload") })
        // 5 × 40 ms plus the cold start is well over four 50 ms heartbeat periods.
        let beats = messages.compactMap { if case .heartbeat(let h) = $0 { h } else { nil } }
        #expect(beats.count >= 2)
        #expect(beats.map(\.sequence) == Array(1...beats.count))
        #expect(beats.contains { $0.benchmark == "nap.threads-1" })
        #expect(messages.last == .done)

        // The result was journalled under a file-safe name before it was sent...
        let files = try FileManager.default.contentsOfDirectory(atPath: journal.runDirectory)
        #expect(files == [JournalOptions.fileName(for: "nap.threads-1")])
        #expect(files[0].hasPrefix("nap.threads-1-") && files[0].hasSuffix(".json"))
        // ...and `collect` hands it back as it was.
        let collected = try serve(AgentRequest(command: .collect, session: SessionOptions(journal: journal)))
        let again = collected.compactMap { if case .result(let r) = $0 { r } else { nil } }
        #expect(again == [r])
        #expect(collected.last == .done)
    }

    @Test func aSessionDropsTheJournalsOfEarlierRunsAndNothingElse() throws {
        let results = directory + "/results"
        let fm = FileManager.default
        for key in ["old1", "old2", "kept"] {
            try fm.createDirectory(atPath: "\(results)/\(key)", withIntermediateDirectories: true)
            try Data("{}".utf8).write(to: URL(fileURLWithPath: "\(results)/\(key)/a.json"))
        }
        // A symbolic link named like a journal must not lead the agent anywhere.
        let elsewhere = directory + "/elsewhere"
        try fm.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try Data("precious".utf8).write(to: URL(fileURLWithPath: elsewhere + "/a.json"))
        try fm.createSymbolicLink(atPath: results + "/linked", withDestinationPath: elsewhere)
        let journal = JournalOptions(directory: results, runKey: "now1", dropRunKeys: ["old1", "old2", "gone", "linked", "now1", "../x"])
        let messages = try serve(
            AgentRequest(
                command: .measure, benchmarks: [sleeping("nap", milliseconds: 1, iterations: 1)], session: SessionOptions(journal: journal)))
        let report = try #require(messages.compactMap { if case .journalsDropped(let d) = $0 { d } else { nil } }.first)
        // Gone already counts as dropped; the link, this run's own key and a path are refused.
        #expect(report.runKeys == ["old1", "old2", "gone"])
        #expect(report.problems.count == 3 && report.problems.contains { $0.contains("linked") })
        #expect(try fm.contentsOfDirectory(atPath: results).sorted() == ["kept", "linked", "now1"])
        #expect(fm.contents(atPath: elsewhere + "/a.json") == Data("precious".utf8))
        // The report comes before the benchmark, and the run's own result is journalled.
        let dropIndex = try #require(messages.firstIndex { if case .journalsDropped = $0 { true } else { false } })
        let startIndex = try #require(messages.firstIndex { if case .started = $0 { true } else { false } })
        #expect(dropIndex < startIndex)
        #expect(try fm.contentsOfDirectory(atPath: results + "/now1").count == 1)
    }

    /// `checkPlans`: an intact plan is measured (and touched for `device clean`); a plan with
    /// other bytes, or none, gets `plansMissing` naming its hash, and nothing is measured.
    @Test func checkPlansNamesWhatTheBoardLacksAndMeasuresNothingThen() throws {
        let hash = SHA256.hash(data: try Data(contentsOf: URL(fileURLWithPath: planPath))).map { String(format: "%02x", $0) }.joined()
        func request(_ path: String, _ hash: String) -> AgentRequest {
            var b = sleeping("nap", milliseconds: 1, iterations: 1)
            (b.planPath, b.planHash) = (path, hash)
            return AgentRequest(command: .measure, benchmarks: [b, b], checkPlans: true)
        }
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000)], ofItemAtPath: planPath)
        let intact = try serve(request(planPath, hash))
        #expect(intact.contains { if case .result = $0 { true } else { false } })
        #expect(!intact.contains { if case .plansMissing = $0 { true } else { false } })
        let touched = try #require(try FileManager.default.attributesOfItem(atPath: planPath)[.modificationDate] as? Date)
        #expect(touched.timeIntervalSinceNow > -60)

        let corrupt = directory + "/corrupt.plan"
        try Data("not the plan".utf8).write(to: URL(fileURLWithPath: corrupt))
        for path in [corrupt, directory + "/absent.plan"] {
            let messages = try serve(request(path, hash))
            #expect(messages.contains(.plansMissing(.init(planHashes: [hash]))), "\(path)")
            #expect(!messages.contains { if case .result = $0 { true } else { false } })
            #expect(!messages.contains { if case .started = $0 { true } else { false } })
            #expect(messages.last == .done)
        }
    }

    @Test func journalFileNamesAreDistinctAndSafe() {
        let names = ["a/b", "a_b", "a b", "../x", String(repeating: "z", count: 300)]
        let files = names.map(JournalOptions.fileName(for:))
        #expect(Set(files).count == names.count)
        #expect(files.allSatisfy { !$0.contains("/") && !$0.hasPrefix(".") && $0.utf8.count <= 57 + 5 })
        #expect(!JournalOptions.isValidRunKey("../etc") && JournalOptions.isValidRunKey("3f2a-77"))
    }

    @Test func aBusyBoardIsWaitedForThenGivenUpWithItsHolder() throws {
        let lockPath = directory + "/board.lock"
        // Another process holds the lock: a flock(1) child, as another user's agent would.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = [lockPath, "sleep", "30"]
        try holder.run()
        defer {
            holder.terminate()
            holder.waitUntilExit()
        }
        var waited = 0
        while !FileManager.default.fileExists(atPath: lockPath) || !isLocked(lockPath) {
            usleep(20_000)
            waited += 1
            #expect(waited < 500, "flock(1) did not take the lock")
            if waited >= 500 { return }
        }
        let request = AgentRequest(
            command: .measure, benchmarks: [sleeping("nap", milliseconds: 1, iterations: 1)],
            session: SessionOptions(lock: LockOptions(path: lockPath, timeoutSeconds: 0.5, holder: "tester@host, run 1")))
        let messages = try serve(request)
        #expect(messages.contains { if case .waiting(let w) = $0 { w.path == lockPath } else { false } })
        guard case .error(let failure)? = messages.last else {
            Issue.record("expected a board-busy error, got \(messages)")
            return
        }
        #expect(failure.code == "board-busy" && failure.message.contains(lockPath) && failure.message.contains("gave up"))
        #expect(!messages.contains { if case .result = $0 { true } else { false } })
    }

    @Test func theLockIsTakenNotedAndReleased() throws {
        let lockPath = directory + "/free.lock"
        let request = AgentRequest(
            command: .measure, benchmarks: [sleeping("nap", milliseconds: 1, iterations: 1)],
            session: SessionOptions(lock: LockOptions(path: lockPath, timeoutSeconds: 5, holder: "tester@host, run 2")))
        let messages = try serve(request)
        #expect(messages.last == .done)
        // Created for every user of the board, and free again (emptied) after the session.
        let attributes = try FileManager.default.attributesOfItem(atPath: lockPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o666)
        #expect(!isLocked(lockPath))
        #expect((try Data(contentsOf: URL(fileURLWithPath: lockPath))).isEmpty)
    }

    @Test func aSymlinkedLockIsRefused() throws {
        let target = directory + "/elsewhere"
        FileManager.default.createFile(atPath: target, contents: Data("keep".utf8))
        let lockPath = directory + "/link.lock"
        try FileManager.default.createSymbolicLink(atPath: lockPath, withDestinationPath: target)
        let request = AgentRequest(
            command: .measure, benchmarks: [sleeping("nap", milliseconds: 1, iterations: 1)],
            session: SessionOptions(lock: LockOptions(path: lockPath, timeoutSeconds: 1, holder: "x")))
        let messages = try serve(request)
        guard case .error(let failure)? = messages.last else {
            Issue.record("expected an error")
            return
        }
        #expect(failure.code == "lock-failed" && failure.message.contains("symbolic link"))
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
    }

    /// Whether another open file description holds an exclusive flock on `path`.
    func isLocked(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }
}

/// Messages from the session and heartbeat threads, collected under a lock.
final class MessageLog: @unchecked Sendable {  // guarded by `lock`
    private let lock = NSLock()
    private var messages: [AgentMessage] = []
    func append(_ m: AgentMessage) { lock.withLock { messages.append(m) } }
    var all: [AgentMessage] { lock.withLock { messages } }
}

/// The journal on a full disk: the result in hand still reaches the host, then the session
/// stops with the reason, so nothing measured is lost and nothing more is measured blind.
@Suite(.enabled(if: FullDisk.unavailableReason == nil))
struct JournalOnAFullDiskTests {
    @Test func theResultIsSentThenTheSessionStopsWithTheReason() throws {
        let disk = try FullDisk()
        defer { disk.unmount() }
        let planPath = disk.scratch + "/mlp.plan"
        try Data(try PlanCodec.encode(try BuiltinModels.graph(named: "mlp"))).write(to: URL(fileURLWithPath: planPath))
        let settings = MeasurementSettings(
            warmupRuns: 0, warmupSeconds: 0, iterations: 2, minSampleMilliseconds: 0, counters: [], energy: false, testSleepMilliseconds: 1)
        let request = AgentRequest(
            command: .measure,
            benchmarks: [
                BenchmarkRequest(name: "first", planPath: planPath, planHash: "h", settings: settings),
                BenchmarkRequest(name: "second", planPath: planPath, planHash: "h", settings: settings),
            ],
            session: SessionOptions(journal: JournalOptions(directory: disk.mountPoint + "/results", runKey: "full")))
        let messages = MessageLog()
        try AgentSession(root: SysfsRoot("/")) { messages.append($0) }.serve(requestBytes: Array(try JSONEncoder().encode(request)))
        let all = messages.all
        let results = all.compactMap { if case .result(let r) = $0 { r } else { nil } }
        #expect(results.map(\.benchmark) == ["first"] && results[0].status == .ok)
        guard case .error(let failure)? = all.last else {
            Issue.record("expected a journal error last, got \(all)")
            return
        }
        #expect(failure.code == "journal" && failure.message.contains("No space left on device") && failure.message.contains("resume"))
    }
}

/// A 64 KiB tmpfs filled to the last byte (needs root for mount).
struct FullDisk {
    static var unavailableReason: String? {
        let reason: String? = getuid() == 0 ? nil : "mounting a tmpfs needs root (uid \(getuid()))"
        if let reason { print("JournalOnAFullDiskTests skipped: \(reason)") }
        return reason
    }

    let mountPoint: String
    let scratch: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("bb-full-\(UUID().uuidString)").path
        mountPoint = base + "/disk"
        scratch = base + "/scratch"
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let rc = mount("tmpfs", mountPoint, "tmpfs", 0, "size=64k,mode=0700")
        guard rc == 0 else { throw POSIXFailure(what: "mount tmpfs at \(mountPoint)", code: errno) }
        // The journal directories exist; then every free block goes to a filler file.
        mkdir(mountPoint + "/results", 0o700)
        mkdir(mountPoint + "/results/full", 0o700)
        let fd = open(mountPoint + "/filler", O_WRONLY | O_CREAT, 0o600)
        let block = [UInt8](repeating: 0, count: 4096)
        while block.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
        close(fd)
    }

    func unmount() {
        if umount(mountPoint) != 0 { print("cannot unmount \(mountPoint): \(String(cString: strerror(errno)))") }
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: mountPoint).deletingLastPathComponent().path)
    }
}

struct POSIXFailure: Error, CustomStringConvertible {
    var what: String
    var code: Int32
    var description: String { "\(what): \(String(cString: strerror(code)))" }
}
