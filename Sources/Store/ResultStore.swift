import BenchCore
import Foundation

/// What the controller, tables and reports need from storage. SQLite implements it today;
/// keeping callers behind this protocol is what lets a shared PostgreSQL store follow.
public protocol ResultStore: Sendable {
    /// Inserts the run and its plan (items' `runId` is filled in) in one transaction.
    func beginRun(_ run: RunRecord, items: [RunItemRecord]) throws(StoreError) -> Int64
    /// Marks a finished run running again (`run --resume`).
    func reopenRun(_ id: Int64) throws(StoreError)
    func recordDevice(_ device: RunDeviceRecord) throws(StoreError)
    /// Sets the state of the result journals the runs `runKeys` left on `device`.
    func markJournals(device: String, runKeys: [String], state: JournalState) throws(StoreError)
    /// Plan hashes of every result this store holds for `device`: plans the board has had.
    func planHashes(device: String) throws(StoreError) -> Set<String>
    /// Run keys of `device`'s journals in `state`, oldest run first.
    func journals(device: String, state: JournalState) throws(StoreError) -> [String]
    /// Stores a result with all its samples and marks its plan item done, in one transaction: a
    /// result is there whole or not at all. Returns nil, storing nothing, when the run already
    /// holds a result for that (device, benchmark): results are never duplicated.
    @discardableResult
    func recordResult(_ result: ResultRecord, samples: [Int64], offsets: [Int64]) throws(StoreError) -> Int64?
    /// Sets the state of a device's items that have no result yet (`benchmarks` nil: all of them);
    /// `failed` also counts an attempt.
    func updateItems(runId: Int64, device: String, benchmarks: [String]?, state: RunItemRecord.State, error: String?) throws(StoreError)
    func items(_ runId: Int64) throws(StoreError) -> [RunItemRecord]
    func finishRun(_ id: Int64, status: String, at: Int64) throws(StoreError)
    func runs() throws(StoreError) -> [RunSummary]
    /// One run's summary (result counts), without loading its samples.
    func summary(_ id: Int64) throws(StoreError) -> RunSummary
    func run(_ id: Int64) throws(StoreError) -> RunDetail
    /// Deletes a run with its devices, items, results and samples; refuses while a baseline names it.
    func deleteRun(_ id: Int64) throws(StoreError)
    /// Creates or moves the baseline `name` to `runId`.
    func saveBaseline(_ name: String, runId: Int64, at: Int64) throws(StoreError)
    func baseline(_ name: String) throws(StoreError) -> BaselineRecord
    func baselines() throws(StoreError) -> [BaselineRecord]
    func deleteBaseline(_ name: String) throws(StoreError)
}

/// Where a run's result journal on a board stands (`runDevice.journal`).
public enum JournalState: String, Sendable, Codable {
    /// The board may hold results the host has not stored: `run --resume` collects them.
    case kept
    /// Every result is stored; the next session on the board removes the journal.
    case droppable
    /// A session removed it.
    case dropped
}

public struct RunSummary: Sendable, Equatable, Codable {
    public var run: RunRecord
    public var devices: [String]
    public var resultCount: Int
    public var failedCount: Int

    public init(run: RunRecord, devices: [String], resultCount: Int, failedCount: Int) {
        self.run = run
        self.devices = devices
        self.resultCount = resultCount
        self.failedCount = failedCount
    }
}

public struct RunDetail: Sendable, Codable {
    public var run: RunRecord
    public var devices: [RunDeviceRecord]
    public var results: [StoredResult]
    /// The run's plan; empty for runs stored before v3.
    public var items: [RunItemRecord]

    public init(run: RunRecord, devices: [RunDeviceRecord], results: [StoredResult], items: [RunItemRecord] = []) {
        self.run = run
        self.devices = devices
        self.results = results
        self.items = items
    }
}

/// A result with its samples, in the order they were taken.
public struct StoredResult: Sendable, Codable {
    public var record: ResultRecord
    public var samplesNanoseconds: [Int64]
    public var offsetsNanoseconds: [Int64]

    public init(record: ResultRecord, samplesNanoseconds: [Int64], offsetsNanoseconds: [Int64]) {
        self.record = record
        self.samplesNanoseconds = samplesNanoseconds
        self.offsetsNanoseconds = offsetsNanoseconds
    }

    public var statistics: Statistics? { Statistics(nanoseconds: samplesNanoseconds) }

    /// The agent's outcome as stored (samples included), nil for rows written before v2.
    public var outcome: BenchmarkOutcome? {
        guard let json = record.detailJSON, var o = try? JSONDecoder().decode(BenchmarkOutcome.self, from: Data(json.utf8)) else { return nil }
        o.samplesNanoseconds = samplesNanoseconds
        o.sampleOffsetsNanoseconds = offsetsNanoseconds
        return o
    }
}
