import BenchCore
import Foundation
import Store

/// The JSON documents `run --json`, `results list --json` and `results show --json` print
/// (docs/formats.md). Durations are nanoseconds; times are ISO 8601 UTC.
public enum Views {
    public struct StatisticsView: Codable, Sendable, Equatable {
        public var count: Int
        public var minNanoseconds, p25Nanoseconds, medianNanoseconds, p75Nanoseconds, p90Nanoseconds, p99Nanoseconds, maxNanoseconds: Double
        public var meanNanoseconds, standardDeviationNanoseconds, coefficientOfVariation: Double
        /// Bootstrap 95% confidence interval of the median.
        public var medianLow95Nanoseconds, medianHigh95Nanoseconds: Double
        public var outliers: Int

        public init(_ s: Statistics) {
            count = s.count
            (minNanoseconds, p25Nanoseconds, medianNanoseconds, p75Nanoseconds) = (s.min, s.p25, s.median, s.p75)
            (p90Nanoseconds, p99Nanoseconds, maxNanoseconds) = (s.p90, s.p99, s.max)
            (meanNanoseconds, standardDeviationNanoseconds, coefficientOfVariation) = (s.mean, s.standardDeviation, s.coefficientOfVariation)
            (medianLow95Nanoseconds, medianHigh95Nanoseconds, outliers) = (s.medianLow95, s.medianHigh95, s.outliers)
        }
    }

    public struct ResultView: Codable, Sendable {
        public var device, benchmark, model, planHash, status, runtime, runtimeVersion: String
        public var error: String?
        public var settings: MeasurementSettings?
        public var startedAt: String
        public var loadNanoseconds, coldStartNanoseconds, arenaBytes, weightBytes: Int64
        public var peakResidentKiB: Int64?
        public var statistics: StatisticsView?
        public var verdict: StabilityVerdict?
        public var repeatsPerSample: Int
        public var warmupRuns: Int?
        public var warmupNanoseconds, measuredNanoseconds: Int64?
        public var loadResidentKiB, loadPeakResidentKiB: Int64?
        public var pinnedCores: [Int]?
        public var pinningBasis: String?
        public var conditions: [String]?
        public var processCPUNanoseconds: Int64?
        public var energy: EnergyMeasurement?
        public var counters: CounterResults?
        public var countersPerExecution: [String: Double]?
        public var environmentBefore, environmentAfter: EnvironmentSnapshot?
        public var environmentIssues: [EnvironmentIssue]?
        public var cooldown: CooldownOutcome?
        /// Provenance: versions, the device facts' hash, the profile's and the run plan's hashes.
        public var provenance: Provenance
        /// Present in `results show`; `run --json` gives statistics only.
        public var samplesNanoseconds: [Int64]?
        /// Start of each sample relative to the first (`results show` only).
        public var sampleOffsetsNanoseconds: [Int64]?

        public init(_ r: StoredResult, includeSamples: Bool) {
            let rec = r.record
            (device, benchmark, model, planHash, status) = (rec.device, rec.benchmark, rec.model, rec.planHash, rec.status)
            (runtime, runtimeVersion, error) = (rec.runtime, rec.runtimeVersion, rec.error)
            settings = try? JSONDecoder().decode(MeasurementSettings.self, from: Data(rec.settingsJSON.utf8))
            startedAt = Views.iso(rec.startedAtUnixNanoseconds)
            (loadNanoseconds, coldStartNanoseconds, arenaBytes, weightBytes) = (rec.loadNanoseconds, rec.coldStartNanoseconds, rec.arenaBytes, rec.weightBytes)
            peakResidentKiB = rec.peakResidentKiB
            provenance = Provenance(
                hostVersion: rec.hostVersion, agentVersion: rec.agentVersion, factsHash: rec.factsHash, profileHash: rec.profileHash,
                runPlanHash: rec.runPlanHash)
            let stats = r.statistics
            statistics = stats.map(StatisticsView.init)
            repeatsPerSample = rec.repeatsPerSample
            if let o = r.outcome {
                verdict = stats.map { StabilityVerdict.assess($0, conditions: o.conditions) }
                (warmupRuns, warmupNanoseconds, measuredNanoseconds) = (o.warmupRuns, o.warmupNanoseconds, o.measuredNanoseconds)
                (loadResidentKiB, loadPeakResidentKiB, pinnedCores, conditions) = (o.loadResidentKiB, o.loadPeakResidentKiB, o.pinnedCores, o.conditions)
                (pinningBasis, processCPUNanoseconds, energy, counters, countersPerExecution) =
                    (o.pinningBasis, o.processCPUNanoseconds, o.energy, o.counters, o.countersPerExecution)
                (environmentBefore, environmentAfter, environmentIssues, cooldown) =
                    (o.environmentBefore, o.environmentAfter, o.environmentIssues, o.cooldown)
            } else {
                verdict = stats.map { StabilityVerdict.assess($0) }
            }
            samplesNanoseconds = includeSamples ? r.samplesNanoseconds : nil
            sampleOffsetsNanoseconds = includeSamples ? r.offsetsNanoseconds : nil
        }
    }

    public struct Provenance: Codable, Sendable {
        public var hostVersion, agentVersion, factsHash, profileHash, runPlanHash: String?
    }

    public struct RunHeader: Codable, Sendable {
        public var runId: Int64
        public var status, profile, profileHash, createdAt, hostVersion, hostName: String
        public var finishedAt: String?
        /// The run's UUID on boards (journal directory) and the hash of its plan (nil before store v3).
        public var runKey, planHash: String?

        public init(_ r: RunRecord) {
            runId = r.id ?? 0
            (status, profile, profileHash, hostVersion, hostName) = (r.status, r.profileName, r.profileHash, r.hostVersion, r.hostName)
            createdAt = Views.iso(r.createdAtUnixNanoseconds)
            finishedAt = r.finishedAtUnixNanoseconds.map(Views.iso)
            (runKey, planHash) = (r.runKey, r.planHash)
        }
    }

    public struct DeviceView: Codable, Sendable {
        public var device: String
        public var agentVersion: String?
        public var factsHash: String?
        public var facts: DeviceFacts?
        public var plansPushed: Int?
        public var error: String?
        public var exitStatus: Int32?
    }

    /// One (device, benchmark) item of the run's plan: `done` has a result, `pending` and
    /// `failed` are what `run --resume` will measure.
    public struct ItemView: Codable, Sendable {
        public var device: String
        public var benchmark: String
        public var state: String
        public var attempts: Int
        public var error: String?
    }

    /// `run --json` and `results show --json`.
    public struct RunDocument: Codable, Sendable {
        public var run: RunHeader
        public var devices: [DeviceView]
        public var results: [ResultView]
        public var items: [ItemView]
    }

    /// `results list --json`.
    public struct RunList: Codable, Sendable {
        public struct Entry: Codable, Sendable {
            public var run: RunHeader
            public var devices: [String]
            public var results: Int
            public var failed: Int
        }
        public var runs: [Entry]
    }

    public static func document(_ d: RunDetail, includeSamples: Bool, outcome: RunOutcome? = nil) -> RunDocument {
        var devices = d.devices.map { rd in
            DeviceView(
                device: rd.device, agentVersion: rd.agentVersion, factsHash: rd.factsHash,
                facts: try? JSONDecoder().decode(DeviceFacts.self, from: Data(rd.factsJSON.utf8)))
        }
        for o in outcome?.devices ?? [] {
            if let i = devices.firstIndex(where: { $0.device == o.device }) {
                devices[i].plansPushed = o.plansPushed
                devices[i].error = o.error?.description
                devices[i].exitStatus = o.error?.exitStatus.rawValue
            } else {
                devices.append(DeviceView(device: o.device, plansPushed: o.plansPushed, error: o.error?.description, exitStatus: o.error?.exitStatus.rawValue))
            }
        }
        let items = d.items.map { ItemView(device: $0.device, benchmark: $0.benchmark, state: $0.state.rawValue, attempts: $0.attempts, error: $0.error) }
        return RunDocument(
            run: RunHeader(d.run), devices: devices, results: d.results.map { ResultView($0, includeSamples: includeSamples) }, items: items)
    }

    public static func list(_ runs: [RunSummary]) -> RunList {
        RunList(runs: runs.map { .init(run: RunHeader($0.run), devices: $0.devices, results: $0.resultCount, failed: $0.failedCount) })
    }

    public static func iso(_ unixNanoseconds: Int64) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: Double(unixNanoseconds) / 1e9))
    }

    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }
}
