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
    /// A UUID naming the run on boards (their result journals); run ids are only unique per store.
    public var runKey: String?
    /// SHA-256 of the run's plan: every (device, benchmark) item with its request, in order.
    public var planHash: String?
    /// How the run was started (`RunPlanOptions` as JSON): what `--resume` needs besides the items.
    public var optionsJSON: String?

    public init(
        id: Int64? = nil, createdAtUnixNanoseconds: Int64, finishedAtUnixNanoseconds: Int64? = nil, status: String,
        profileName: String, profileHash: String, profileText: String, hostVersion: String, hostName: String,
        runKey: String? = nil, planHash: String? = nil, optionsJSON: String? = nil
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
        self.runKey = runKey
        self.planHash = planHash
        self.optionsJSON = optionsJSON
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
    /// Provenance: who measured this, on what, from which inputs.
    public var hostVersion: String?
    public var agentVersion: String?
    /// SHA-256 of the device facts the run snapshotted for this device.
    public var factsHash: String?
    public var profileHash: String?
    /// The run plan's hash (`RunRecord.planHash`).
    public var runPlanHash: String?

    public init(
        id: Int64? = nil, runId: Int64, device: String, benchmark: String, model: String, planHash: String, status: String,
        error: String?, runtime: String, runtimeVersion: String, settingsJSON: String, startedAtUnixNanoseconds: Int64,
        loadNanoseconds: Int64, coldStartNanoseconds: Int64, peakResidentKiB: Int64?, arenaBytes: Int64, weightBytes: Int64,
        repeatsPerSample: Int = 1, verdict: String? = nil, energyPerInferenceJoules: Double? = nil, detailJSON: String? = nil,
        hostVersion: String? = nil, agentVersion: String? = nil, factsHash: String? = nil, profileHash: String? = nil,
        runPlanHash: String? = nil
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
        self.hostVersion = hostVersion
        self.agentVersion = agentVersion
        self.factsHash = factsHash
        self.profileHash = profileHash
        self.runPlanHash = runPlanHash
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One (device, benchmark) item of a run's persistent plan. `done` means a result row exists
/// (whatever its status); `failed` means the device failed before a result existed, so
/// `run --resume` tries the item again.
public struct RunItemRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "runItem"
    public enum State: String, Codable, Sendable { case pending, done, failed }

    public var runId: Int64
    public var device: String
    public var benchmark: String
    /// Order within the device's queue.
    public var position: Int
    public var model: String
    /// The `BenchmarkRequest` as JSON, frozen when the run was planned.
    public var requestJSON: String
    public var state: State
    public var attempts: Int
    public var error: String?
    public var updatedAtUnixNanoseconds: Int64

    public init(
        runId: Int64, device: String, benchmark: String, position: Int, model: String, requestJSON: String, state: State = .pending,
        attempts: Int = 0, error: String? = nil, updatedAtUnixNanoseconds: Int64
    ) {
        self.runId = runId
        self.device = device
        self.benchmark = benchmark
        self.position = position
        self.model = model
        self.requestJSON = requestJSON
        self.state = state
        self.attempts = attempts
        self.error = error
        self.updatedAtUnixNanoseconds = updatedAtUnixNanoseconds
    }
}

/// A named pointer to a run, for `compare --baseline NAME`.
public struct BaselineRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "baseline"
    public var name: String
    public var runId: Int64
    public var createdAtUnixNanoseconds: Int64

    public init(name: String, runId: Int64, createdAtUnixNanoseconds: Int64) {
        self.name = name
        self.runId = runId
        self.createdAtUnixNanoseconds = createdAtUnixNanoseconds
    }
}
