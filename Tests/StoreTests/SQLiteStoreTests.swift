import BenchCore
import Foundation
import Store
import Testing

@Suite struct SQLiteStoreTests {
    func run(_ store: SQLiteStore) throws -> Int64 {
        try store.beginRun(
            RunRecord(
                createdAtUnixNanoseconds: 1, status: "running", profileName: "quick", profileHash: "h",
                profileText: "name: quick", hostVersion: "0.1.0", hostName: "host"), items: [])
    }

    func result(_ runId: Int64, _ benchmark: String, status: String = "ok") -> ResultRecord {
        ResultRecord(
            runId: runId, device: "pi4", benchmark: benchmark, model: "builtin:mlp", planHash: "abc", status: status,
            error: status == "ok" ? nil : "boom", runtime: "builtin", runtimeVersion: "builtin-1", settingsJSON: "{}",
            startedAtUnixNanoseconds: 5, loadNanoseconds: 6, coldStartNanoseconds: 7, peakResidentKiB: 100,
            arenaBytes: 64, weightBytes: 32)
    }

    /// Samples go in whole batches of `samplesPerStatement` rows and a tail row by row: both
    /// paths, and a short offsets list, come back in order.
    @Test func manySamplesRoundTripAcrossBatches() throws {
        let store = try SQLiteStore(inMemory: ())
        let id = try run(store)
        let samples = (0..<(2 * 64 + 5)).map { Int64(1000 - $0) }
        try store.recordResult(result(id, "a"), samples: samples, offsets: Array(samples.indices.map { Int64($0) * 7 }.prefix(100)))
        let stored = try store.run(id).results[0]
        #expect(stored.samplesNanoseconds == samples)
        #expect(stored.offsetsNanoseconds == samples.indices.map { $0 < 100 ? Int64($0) * 7 : 0 })
    }

    /// A board's journal of a run goes kept → droppable → dropped, per device; facts recorded
    /// again (a retried session) leave the state alone.
    @Test func journalStatesArePerRunAndDevice() throws {
        let store = try SQLiteStore(inMemory: ())
        var keys: [String] = []
        for key in ["k1", "k2"] {
            var record = RunRecord(
                createdAtUnixNanoseconds: 1, status: "running", profileName: "quick", profileHash: "h", profileText: "name: quick",
                hostVersion: "0.1.0", hostName: "host")
            record.runKey = key
            let id = try store.beginRun(record, items: [])
            for device in ["pi4", "jetson"] {
                try store.recordDevice(RunDeviceRecord(runId: id, device: device, factsJSON: "{}", factsHash: "f", agentVersion: "0.1.0"))
            }
            keys.append(key)
        }
        #expect(try store.journals(device: "pi4", state: .kept) == keys)
        try store.markJournals(device: "pi4", runKeys: keys, state: .droppable)
        try store.markJournals(device: "pi4", runKeys: ["k1"], state: .dropped)
        #expect(try store.journals(device: "pi4", state: .droppable) == ["k2"])
        #expect(try store.journals(device: "pi4", state: .dropped) == ["k1"])
        #expect(try store.journals(device: "jetson", state: .kept) == keys)
        try store.recordDevice(RunDeviceRecord(runId: 2, device: "pi4", factsJSON: "{}", factsHash: "g", agentVersion: "0.1.0"))
        #expect(try store.journals(device: "pi4", state: .droppable) == ["k2"])
    }

    @Test func resultsAndSamplesRoundTripInOrder() throws {
        let store = try SQLiteStore(inMemory: ())
        let id = try run(store)
        try store.recordDevice(RunDeviceRecord(runId: id, device: "pi4", factsJSON: "{}", factsHash: "f", agentVersion: "0.1.0"))
        try store.recordResult(result(id, "a"), samples: [30, 10, 20], offsets: [0, 30, 40])
        try store.recordResult(result(id, "b", status: "failed"), samples: [], offsets: [])
        try store.finishRun(id, status: "partial", at: 9)

        let detail = try store.run(id)
        #expect(detail.run.status == "partial" && detail.run.finishedAtUnixNanoseconds == 9)
        #expect(detail.devices.map(\.device) == ["pi4"])
        #expect(detail.results.map(\.record.benchmark) == ["a", "b"])
        #expect(detail.results[0].samplesNanoseconds == [30, 10, 20])
        #expect(detail.results[0].offsetsNanoseconds == [0, 30, 40])
        #expect(detail.results[0].statistics?.median == 20)
        #expect(detail.results[1].statistics == nil)

        let summaries = try store.runs()
        #expect(summaries.count == 1 && summaries[0].resultCount == 2 && summaries[0].failedCount == 1)
        #expect(try store.summary(id) == summaries[0])
        #expect(throws: StoreError.self) { try store.summary(id + 1) }
    }

    /// Results name hosts, users and device facts: the store and its WAL and shared-memory
    /// files are readable by their owner only (the usual umask, 022, would leave them 0644).
    @Test func theStoreFilesAreTheOwnersOnly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }  // scratch directory
        let path = dir.appendingPathComponent("store.sqlite").path
        let store = try SQLiteStore(path: path)
        let id = try run(store)
        try store.recordResult(result(id, "a"), samples: [1], offsets: [0])
        for file in [path, path + "-wal", path + "-shm"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) has mode \(String(mode ?? -1, radix: 8))")
        }
    }

    @Test func processesOpeningANewStoreAtOnceAllSucceed() throws {
        // Each open migrates with its own connections, as separate processes would. Without the
        // lock, most rounds failed with "table run already exists" or "duplicate column name".
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bb-store-race-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }  // a temporary directory; a leftover is harmless
        for round in 0..<10 {
            let path = directory.appendingPathComponent("\(round).sqlite").path
            let failures = Locked<[String]>([])
            let done = DispatchGroup()
            for _ in 0..<4 {
                done.enter()
                Thread.detachNewThread {
                    do { _ = try SQLiteStore(path: path) } catch { failures.withLock { $0.append("\(error)") } }
                    done.leave()
                }
            }
            done.wait()
            let failed = failures.withLock { $0 }
            #expect(failed.isEmpty, "round \(round): \(failed.count) of 4 opens failed; first: \(failed.first?.prefix(200) ?? "")")
        }
    }

    @Test func aResultIsNeverStoredTwice() throws {
        let store = try SQLiteStore(inMemory: ())
        let id = try run(store)
        #expect(try store.recordResult(result(id, "a"), samples: [1], offsets: [0]) != nil)
        // A second delivery (a journal collected on resume) stores nothing and says so.
        #expect(try store.recordResult(result(id, "a"), samples: [2, 3], offsets: [0, 1]) == nil)
        #expect(try store.run(id).results.count == 1)
        #expect(try store.run(id).results[0].samplesNanoseconds == [1])
    }

    @Test func planItemsFollowResultsAndFailures() throws {
        let store = try SQLiteStore(inMemory: ())
        let items = ["a", "b", "c"].enumerated().map { i, name in
            RunItemRecord(runId: 0, device: "pi4", benchmark: name, position: i, model: "builtin:mlp", requestJSON: "{}", updatedAtUnixNanoseconds: 1)
        }
        let id = try store.beginRun(
            RunRecord(
                createdAtUnixNanoseconds: 1, status: "running", profileName: "quick", profileHash: "h", profileText: "", hostVersion: "0.1.0",
                hostName: "host", runKey: "k"), items: items)
        #expect(try store.items(id).map(\.state) == [.pending, .pending, .pending])
        try store.recordResult(result(id, "b"), samples: [1], offsets: [0])
        try store.updateItems(runId: id, device: "pi4", benchmarks: nil, state: .failed, error: "unreachable")
        let after = try store.items(id)
        #expect(after.map(\.state) == [.failed, .done, .failed])
        #expect(after.map(\.attempts) == [1, 0, 1])
        #expect(after[0].error == "unreachable" && after[1].error == nil)
        try store.updateItems(runId: id, device: "pi4", benchmarks: ["a"], state: .pending, error: nil)
        #expect(try store.items(id).map(\.state) == [.pending, .done, .failed])
    }

    @Test func baselinesNameRunsAndProtectThem() throws {
        let store = try SQLiteStore(inMemory: ())
        let first = try run(store), second = try run(store)
        try store.recordResult(result(first, "a"), samples: [1, 2], offsets: [0, 1])
        try store.saveBaseline("main", runId: first, at: 5)
        #expect(try store.baseline("main").runId == first)
        let refused = #expect(throws: StoreError.self) { try store.deleteRun(first) }
        #expect(refused?.description.contains("main") == true)
        try store.saveBaseline("main", runId: second, at: 6)
        #expect(try store.baselines().map(\.runId) == [second])
        try store.deleteRun(first)
        #expect(throws: StoreError.self) { try store.run(first) }
        #expect(try store.runs().map(\.run.id) == [second])
        try store.deleteBaseline("main")
        #expect(throws: StoreError.self) { try store.baseline("main") }
    }

    @Test func missingRunIsANamedError() throws {
        let store = try SQLiteStore(inMemory: ())
        let error = #expect(throws: StoreError.self) { try store.run(42) }
        #expect(error?.exitStatus == .noInput)
        #expect(error?.description.contains("results list") == true)
    }

    @Test func fileStoreIsPrivateAndSurvivesReopening() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.sqlite").path
        do {
            let store = try SQLiteStore(path: path)
            let id = try run(store)
            try store.recordResult(result(id, "a"), samples: [4, 5], offsets: [0, 4])
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let reopened = try SQLiteStore(path: path)
        #expect(try reopened.runs().first?.resultCount == 1)
    }

    @Test func unwritableLocationIsAnIOError() {
        let error = #expect(throws: StoreError.self) { try SQLiteStore(path: "/nonexistent-dir/x/s.sqlite") }
        #expect(error?.exitStatus == .ioError)
    }
}

/// A value shared between threads behind a lock.
final class Locked<Value>: @unchecked Sendable {  // every access holds `lock`
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&value) } }
}
