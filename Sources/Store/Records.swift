import GRDB

/// Rows of the store. Plain Codable structs; column names are the property names.
public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "run"
    public var id: Int64?
    public var createdAtUnixNanoseconds: Int64
    public var finishedAtUnixNanoseconds: Int64?
    /// running | completed | partial | failed
    public var status: String
    public var profileName: String
    /// SHA-256 of the profile text.
    public var profileHash: String
    public var profileText: String
    public var hostVersion: String
    public var hostName: String

    public init(
        id: Int64? = nil, createdAtUnixNanoseconds: Int64, finishedAtUnixNanoseconds: Int64? = nil, status: String,
        profileName: String, profileHash: String, profileText: String, hostVersion: String, hostName: String
    ) {
        self.id = id
        self.createdAtUnixNanoseconds = createdAtUnixNanoseconds
        self.finishedAtUnixNanoseconds = finishedAtUnixNanoseconds
        self.status = status
        self.profileName = profileName
        self.profileHash = profileHash
        self.profileText = profileText
        self.hostVersion = hostVersion
        self.hostName = hostName
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    public enum Columns {
        static let id = Column(CodingKeys.id)
        static let status = Column(CodingKeys.status)
    }
}

/// The device facts a run saw, snapshotted when the run started on that device.
public struct RunDeviceRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "runDevice"
    public var runId: Int64
    public var device: String
    public var factsJSON: String
    public var factsHash: String
    public var agentVersion: String

    public init(runId: Int64, device: String, factsJSON: String, factsHash: String, agentVersion: String) {
        self.runId = runId
        self.device = device
        self.factsJSON = factsJSON
        self.factsHash = factsHash
        self.agentVersion = agentVersion
    }
}

/// One benchmark on one device within a run. Samples live in `sample`.
public struct ResultRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "result"
    public var id: Int64?
    public var runId: Int64
    public var device: String
    public var benchmark: String
    public var model: String
    public var planHash: String
    /// ok | failed
    public var status: String
    public var error: String?
    public var runtime: String
    public var runtimeVersion: String
    public var settingsJSON: String
    public var startedAtUnixNanoseconds: Int64
    public var loadNanoseconds: Int64
    public var coldStartNanoseconds: Int64
    public var peakResidentKiB: Int64?
    public var arenaBytes: Int64
    public var weightBytes: Int64
    /// Back-to-back executions per sample (samples are per execution).
    public var repeatsPerSample: Int
    /// The stability verdict's summary ("stable", "noisy: CV 7.0%"), nil for failed results.
    public var verdict: String?
    /// Energy per inference in joules (total, idle included), nil when not measured.
    public var energyPerInferenceJoules: Double?
    /// The agent's whole outcome without its samples (settings, memory, conditions, counters,
    /// energy, environment), as JSON: columns above are what queries need, this is everything.
    public var detailJSON: String?

    public init(
        id: Int64? = nil, runId: Int64, device: String, benchmark: String, model: String, planHash: String, status: String,
        error: String?, runtime: String, runtimeVersion: String, settingsJSON: String, startedAtUnixNanoseconds: Int64,
        loadNanoseconds: Int64, coldStartNanoseconds: Int64, peakResidentKiB: Int64?, arenaBytes: Int64, weightBytes: Int64,
        repeatsPerSample: Int = 1, verdict: String? = nil, energyPerInferenceJoules: Double? = nil, detailJSON: String? = nil
    ) {
        self.id = id
        self.runId = runId
        self.device = device
        self.benchmark = benchmark
        self.model = model
        self.planHash = planHash
        self.status = status
        self.error = error
        self.runtime = runtime
        self.runtimeVersion = runtimeVersion
        self.settingsJSON = settingsJSON
        self.startedAtUnixNanoseconds = startedAtUnixNanoseconds
        self.loadNanoseconds = loadNanoseconds
        self.coldStartNanoseconds = coldStartNanoseconds
        self.peakResidentKiB = peakResidentKiB
        self.arenaBytes = arenaBytes
        self.weightBytes = weightBytes
        self.repeatsPerSample = repeatsPerSample
        self.verdict = verdict
        self.energyPerInferenceJoules = energyPerInferenceJoules
        self.detailJSON = detailJSON
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
