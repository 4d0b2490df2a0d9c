import BenchCore
import Controller
import Store
import Tables

/// Everything the pages show, as read from the store and the workspace. Pages are pure
/// functions of these values (`ReportPages`); `ReportSite.load` is the only part that reads.
public struct ReportSite: Sendable {
    public var runs: [RunSummary]
    /// Runs made for latency tables (build, validate, search), by run id, with their purpose.
    public var tableRunPurposes: [Int64: String]
    public var devices: [DeviceReport]
    public var tables: [TableReport]
    public var comparison: ComparisonReport
    /// Statistics of every ok result of an ordinary run, by result id: computed once (a
    /// bootstrap each) and shared by the matrix, the trends and the run pages.
    public var statistics: [Int64: Statistics]

    public init(
        runs: [RunSummary], tableRunPurposes: [Int64: String] = [:], devices: [DeviceReport], tables: [TableReport], comparison: ComparisonReport,
        statistics: [Int64: Statistics] = [:]
    ) {
        self.statistics = statistics
        self.runs = runs
        self.tableRunPurposes = tableRunPurposes
        self.devices = devices
        self.tables = tables
        self.comparison = comparison
    }
}

/// One device: its file, what it reported, its board and its history.
public struct DeviceReport: Sendable {
    public var name: String
    /// The device file (`Devices/NAME.yaml`), nil when the device only exists in the store.
    public var config: DeviceConfig?
    /// Why the device file could not be read, when it could not.
    public var configError: String?
    /// The latest facts: the device file's, else the newest run's snapshot.
    public var facts: DeviceFacts?
    public var board: BoardDescriptor?
    public var boardError: String?
    /// Runs that included the device, newest first.
    public var runs: [RunSummary]
    /// Per benchmark, its median in each run that measured it, oldest first.
    public var trends: [Trend]

    public struct Trend: Sendable, Equatable {
        public var benchmark: String
        public var points: [Charts.TrendPoint]
        public init(benchmark: String, points: [Charts.TrendPoint]) { (self.benchmark, self.points) = (benchmark, points) }
    }

    public init(
        name: String, config: DeviceConfig? = nil, configError: String? = nil, facts: DeviceFacts? = nil, board: BoardDescriptor? = nil,
        boardError: String? = nil, runs: [RunSummary] = [], trends: [Trend] = []
    ) {
        self.name = name
        self.config = config
        self.configError = configError
        self.facts = facts
        self.board = board
        self.boardError = boardError
        self.runs = runs
        self.trends = trends
    }
}

/// A latency table with what was learnt from it.
public struct TableReport: Sendable {
    public var record: LatencyTableRecord
    public var entries: [Entry]
    /// The newest validation, when the table was validated.
    public var validation: ValidationReport?
    /// Why the stored validation could not be read, when it could not.
    public var validationError: String?
    public var searches: [SearchRecord]
    public var runs: [TableRunRecord]

    public struct Entry: Sendable {
        public var record: TableEntryRecord
        /// The block as stored; nil when its JSON does not decode (shown, never dropped).
        public var layer: TableLayer?
        public init(record: TableEntryRecord, layer: TableLayer?) { (self.record, self.layer) = (record, layer) }
    }

    public init(
        record: LatencyTableRecord, entries: [Entry], validation: ValidationReport?, validationError: String? = nil, searches: [SearchRecord],
        runs: [TableRunRecord]
    ) {
        self.record = record
        self.entries = entries
        self.validation = validation
        self.validationError = validationError
        self.searches = searches
        self.runs = runs
    }
}

/// Models against devices: the newest ok result of every (benchmark, device) outside table runs.
public struct ComparisonReport: Sendable {
    public struct Cell: Sendable, Equatable {
        public var runId: Int64
        public var model: String
        public var runtime: String
        public var statistics: Statistics
        public var energyPerInferenceJoules: Double?
        public init(runId: Int64, model: String, runtime: String, statistics: Statistics, energyPerInferenceJoules: Double?) {
            self.runId = runId
            self.model = model
            self.runtime = runtime
            self.statistics = statistics
            self.energyPerInferenceJoules = energyPerInferenceJoules
        }
    }

    public var benchmarks: [String]
    public var devices: [String]
    /// `cells[benchmark][device]`.
    public var cells: [String: [String: Cell]]
    /// `boardbench compare` between runs: each baseline against the newest later run sharing
    /// benchmarks with it, and the pairs asked for with `report --compare`.
    public var comparisons: [RunComparison]

    public init(benchmarks: [String], devices: [String], cells: [String: [String: Cell]], comparisons: [RunComparison]) {
        self.benchmarks = benchmarks
        self.devices = devices
        self.cells = cells
        self.comparisons = comparisons
    }
}
