import GRDB

/// One latency table: the blocks of a search space measured on one device with one runtime
/// (runner and version) and one set of measurement settings. Any of those changing makes a
/// new table; entries of different tables never mix.
public struct LatencyTableRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "latencyTable"
    public var id: Int64?
    public var device: String
    /// Space name (`ofa-mbv3`) and SHA-256 of its definition file.
    public var space: String
    public var spaceHash: String
    /// Runner (`builtin`) and its version (`RuntimeInfo.version` for the built-in runtime).
    public var runtime: String
    public var runtimeVersion: String
    /// The measurement settings every entry was measured with (JSON) and their SHA-256.
    public var settingsJSON: String
    public var settingsHash: String
    public var createdAtUnixNanoseconds: Int64

    public init(
        id: Int64? = nil, device: String, space: String, spaceHash: String, runtime: String, runtimeVersion: String, settingsJSON: String,
        settingsHash: String, createdAtUnixNanoseconds: Int64
    ) {
        self.id = id
        self.device = device
        self.space = space
        self.spaceHash = spaceHash
        self.runtime = runtime
        self.runtimeVersion = runtimeVersion
        self.settingsJSON = settingsJSON
        self.settingsHash = settingsHash
        self.createdAtUnixNanoseconds = createdAtUnixNanoseconds
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One measured block of a table. The samples stay with the result (`resultId`); the
/// statistics here are derived from them, per execution, in nanoseconds.
public struct TableEntryRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "tableEntry"
    public var tableId: Int64
    /// `ResolvedLayer.tableKey`.
    public var blockKey: String
    /// The layer as JSON (`TableLayer`): what exporters spell keys from.
    public var layerJSON: String
    public var resultId: Int64
    public var count: Int
    public var meanNanoseconds: Double
    public var varianceNanoseconds2: Double
    public var p0Nanoseconds: Double
    public var p10Nanoseconds: Double
    public var p50Nanoseconds: Double
    public var p90Nanoseconds: Double
    public var p100Nanoseconds: Double

    public init(
        tableId: Int64, blockKey: String, layerJSON: String, resultId: Int64, count: Int, meanNanoseconds: Double, varianceNanoseconds2: Double,
        p0Nanoseconds: Double, p10Nanoseconds: Double, p50Nanoseconds: Double, p90Nanoseconds: Double, p100Nanoseconds: Double
    ) {
        self.tableId = tableId
        self.blockKey = blockKey
        self.layerJSON = layerJSON
        self.resultId = resultId
        self.count = count
        self.meanNanoseconds = meanNanoseconds
        self.varianceNanoseconds2 = varianceNanoseconds2
        self.p0Nanoseconds = p0Nanoseconds
        self.p10Nanoseconds = p10Nanoseconds
        self.p50Nanoseconds = p50Nanoseconds
        self.p90Nanoseconds = p90Nanoseconds
        self.p100Nanoseconds = p100Nanoseconds
    }
}

/// A run made for a table: `build` (blocks), `validate` (whole networks), `search` (winners).
public struct TableRunRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "tableRun"
    public var tableId: Int64
    public var runId: Int64
    public var purpose: String

    public init(tableId: Int64, runId: Int64, purpose: String) {
        self.tableId = tableId
        self.runId = runId
        self.purpose = purpose
    }
}

/// A stored report about a table: a validation (`kind` validation, the report JSON documented
/// in docs/formats.md) or the per-device correction fitted on calibration networks (`kind`
/// correction), kept apart from the raw entries.
public struct TableReportRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "tableReport"
    public var id: Int64?
    public var tableId: Int64
    /// validation | correction
    public var kind: String
    public var createdAtUnixNanoseconds: Int64
    public var runId: Int64?
    public var reportJSON: String

    public init(id: Int64? = nil, tableId: Int64, kind: String, createdAtUnixNanoseconds: Int64, runId: Int64?, reportJSON: String) {
        self.id = id
        self.tableId = tableId
        self.kind = kind
        self.createdAtUnixNanoseconds = createdAtUnixNanoseconds
        self.runId = runId
        self.reportJSON = reportJSON
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One architecture search and what came of it.
public struct SearchRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "search"
    public var id: Int64?
    public var tableId: Int64
    public var createdAtUnixNanoseconds: Int64
    /// Budget, population, generations, seed, objective (JSON).
    public var configJSON: String
    /// flops | params | command
    public var objective: String
    public var latencyBudgetNanoseconds: Double
    /// The winner's canonical architecture JSON.
    public var winner: String
    public var objectiveValue: Double
    public var predictedNanoseconds: Double
    public var measuredNanoseconds: Double?
    public var measuredResultId: Int64?
    /// Best objective per generation, and other details (JSON).
    public var detailJSON: String

    public init(
        id: Int64? = nil, tableId: Int64, createdAtUnixNanoseconds: Int64, configJSON: String, objective: String, latencyBudgetNanoseconds: Double,
        winner: String, objectiveValue: Double, predictedNanoseconds: Double, measuredNanoseconds: Double?, measuredResultId: Int64?,
        detailJSON: String
    ) {
        self.id = id
        self.tableId = tableId
        self.createdAtUnixNanoseconds = createdAtUnixNanoseconds
        self.configJSON = configJSON
        self.objective = objective
        self.latencyBudgetNanoseconds = latencyBudgetNanoseconds
        self.winner = winner
        self.objectiveValue = objectiveValue
        self.predictedNanoseconds = predictedNanoseconds
        self.measuredNanoseconds = measuredNanoseconds
        self.measuredResultId = measuredResultId
        self.detailJSON = detailJSON
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
