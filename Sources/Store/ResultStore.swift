import BenchCore
import Foundation

/// What the controller, tables and reports need from storage. SQLite implements it today;
/// keeping callers behind this protocol is what lets a shared PostgreSQL store follow.
public protocol ResultStore: Sendable {
    func beginRun(_ run: RunRecord) throws(StoreError) -> Int64
    func recordDevice(_ device: RunDeviceRecord) throws(StoreError)
    /// Stores a result and all its samples in one transaction: a result is there whole or not at all.
    @discardableResult
    func recordResult(_ result: ResultRecord, samples: [Int64], offsets: [Int64]) throws(StoreError) -> Int64
    func finishRun(_ id: Int64, status: String, at: Int64) throws(StoreError)
    func runs() throws(StoreError) -> [RunSummary]
    func run(_ id: Int64) throws(StoreError) -> RunDetail
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

    public init(run: RunRecord, devices: [RunDeviceRecord], results: [StoredResult]) {
        self.run = run
        self.devices = devices
        self.results = results
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
