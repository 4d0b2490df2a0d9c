import BenchCore
import Crypto
import Foundation
import Logging
import Store
import Transport

public struct RunOptions: Sendable {
    /// Profile file or embedded profile name; nil with `resume`.
    public var profile: String?
    public var devices: [String]
    public var agentPath: String?
    /// Give up on a busy board after this long; nil: wait for ever.
    public var lockTimeoutSeconds: Double?
    /// Continue this run instead of starting one.
    public var resume: Int64?
    /// Agent heartbeat period; the connection counts as lost after `missedHeartbeats` periods.
    public var heartbeatSeconds: Double = 2
    public var missedHeartbeats: Double = 5
    /// Transport failures are retried this many times per device, after 1, 2, 4... seconds.
    public var retries: Int = 3
    public var retryBaseSeconds: Double = 1
    public var onEvent: @Sendable (RunEvent) -> Void = { _ in }
    /// Called once the run is stored, before anything is measured (table build links it).
    public var onRunStarted: @Sendable (Int64) throws(ControllerError) -> Void = { _ in }

    public init(profile: String?, devices: [String], agentPath: String? = nil, lockTimeoutSeconds: Double? = nil, resume: Int64? = nil) {
        self.profile = profile
        self.devices = devices
        self.agentPath = agentPath
        self.lockTimeoutSeconds = lockTimeoutSeconds
        self.resume = resume
    }
}

/// What `run --resume` needs besides the items: stored as the run's `optionsJSON`.
struct StoredRunOptions: Codable {
    var profilePath: String
    /// Directory relative model paths resolve against; nil for embedded profiles.
    var profileDirectory: String?
    var devices: [String]
    var lockTimeoutSeconds: Double?

    /// `profilePath` of runs started from a `Workload` rather than a profile.
    static let workloadPrefix = "workload:"
}

/// Models compiled by the caller, measured as one run (`RunCoordinator.run(_:options:)`).
public struct Workload: Sendable {
    public struct Benchmark: Sendable {
        /// Unique within the workload; results are stored under it.
        public var name: String
        public var model: CompiledModel
        public var settings: MeasurementSettings
        /// An external runtime measures it; nil: the builtin runtime.
        public var runner: RunnerRequest?

        public init(name: String, model: CompiledModel, settings: MeasurementSettings, runner: RunnerRequest? = nil) {
            self.name = name
            self.model = model
            self.settings = settings
            self.runner = runner
        }
    }

    /// The run's name (stored as its profile name), e.g. `table:ofa-mbv3`.
    public var name: String
    /// What the workload is, stored as the run's profile text (and hashed as its profile hash).
    public var text: String
    public var benchmarks: [Benchmark]

    public init(name: String, text: String, benchmarks: [Benchmark]) {
        self.name = name
        self.text = text
        self.benchmarks = benchmarks
    }
}

/// What happened on one device during a run.
public struct DeviceRunOutcome: Sendable {
    public var device: String
    public var plansPushed: Int
    public var results: [BenchmarkOutcome]
    /// Set when the device failed as a whole (unreachable, agent missing...).
    public var error: ControllerError?
}

public struct RunOutcome: Sendable {
    public var runId: Int64
    public var status: String
    public var devices: [DeviceRunOutcome]
}

/// Runs a profile on devices like a small device farm: the run is planned as (device,
/// benchmark) items stored before anything is measured; every device then works through its
/// items on its own thread, one benchmark at a time under the board's lock, each result stored
/// the moment it arrives. docs/architecture.md, "Runs", describes the states and recovery.
public struct RunCoordinator: Sendable {
    public let workspace: Workspace
    public let store: any ResultStore
    public let logger: Logger

    public init(workspace: Workspace, store: any ResultStore, logger: Logger) {
        self.workspace = workspace
        self.store = store
        self.logger = logger
    }

    public func run(_ options: RunOptions) throws(ControllerError) -> RunOutcome {
        let prepared: Prepared
        if let id = options.resume { prepared = try reopen(id, options) } else { prepared = try plan(options) }
        return try execute(prepared, options)
    }

    /// Measures models compiled by the caller (latency-table blocks, validation networks) as one
    /// run, with everything a profile run has: items stored first, the board lock, journals,
    /// heartbeats, retries. Such a run is not resumed with `run --resume`: its owner (`table
    /// build`) plans again and skips what is already measured.
    public func run(_ workload: Workload, options: RunOptions) throws(ControllerError) -> RunOutcome {
        guard options.resume == nil else { throw .invalidArgument("\(workload.name) runs are not resumed with --resume; run the command again") }
        let stored = StoredRunOptions(
            profilePath: StoredRunOptions.workloadPrefix + workload.name, profileDirectory: nil, devices: options.devices,
            lockTimeoutSeconds: options.lockTimeoutSeconds)
        return try execute(try begin(workload, stored: stored, options), options)
    }

    private func execute(_ prepared: Prepared, _ options: RunOptions) throws(ControllerError) -> RunOutcome {
        options.onEvent(
            .planned(
                runId: prepared.runId, resumed: options.resume != nil,
                pending: prepared.work.mapValues { $0.filter { $0.state != .done }.count }, total: prepared.work.mapValues(\.count)))

        let outcomes = Locked([String: DeviceRunOutcome]())
        let group = DispatchGroup()
        for config in prepared.configs {
            let worker = DeviceWorker(
                config: config, items: prepared.work[config.name] ?? [], runId: prepared.runId, runKey: prepared.runKey, resumed: prepared.resumed,
                provenance: prepared.provenance, models: prepared.models, binary: prepared.binary, lockTimeoutSeconds: prepared.lockTimeoutSeconds,
                options: options, workspace: workspace, store: store, logger: logger)
            group.enter()
            let thread = Thread {
                let outcome = worker.run()
                outcomes.update { $0[config.name] = outcome }
                group.leave()
            }
            thread.name = "boardbench-\(config.name)"
            thread.start()
        }
        group.wait()
        let byDevice = outcomes.value
        let devices = prepared.configs.compactMap { byDevice[$0.name] }
        if let e = devices.compactMap(\.error).first(where: { if case .output = $0 { true } else { false } }) { throw e }

        let status = try finalStatus(prepared.runId)
        try storing { () throws(StoreError) in try store.finishRun(prepared.runId, status: status, at: Self.now()) }
        return RunOutcome(runId: prepared.runId, status: status, devices: devices)
    }

    /// completed: every item has an ok result; failed: none has; partial otherwise.
    private func finalStatus(_ runId: Int64) throws(ControllerError) -> String {
        let (summary, expected) = try storing { () throws(StoreError) in (try store.summary(runId), try store.items(runId).count) }
        let ok = summary.resultCount - summary.failedCount
        return ok == expected && expected > 0 ? "completed" : (ok == 0 ? "failed" : "partial")
    }

    struct Prepared {
        var runId: Int64
        var runKey: String
        /// A resumed run: boards may hold journalled results of its earlier sessions.
        var resumed: Bool
        var configs: [DeviceConfig]
        var work: [String: [RunItemRecord]]
        var models: [String: CompiledModel]
        var binary: AgentBinary
        var lockTimeoutSeconds: Double?
        var provenance: Provenance
    }

    /// Identifies where a result came from; copied onto every result row.
    struct Provenance: Sendable {
        var profileHash: String
        var planHash: String
    }

    /// A new run: compile every model, store the run with its items, then measure.
    private func plan(_ options: RunOptions) throws(ControllerError) -> Prepared {
        guard let profileReference = options.profile else { throw .invalidArgument("give --profile FILE (or --resume RUN_ID)") }
        let loaded = try ProfileLoader.load(profileReference)
        var compiled: [String: CompiledModel] = [:]
        var benchmarks: [Workload.Benchmark] = []
        for b in loaded.profile.benchmarks {
            let runner = RunnerModels.request(b)
            let model: CompiledModel
            if let known = compiled[b.compileKey] { model = known } else { model = try RunnerModels.model(b, runner: runner, relativeTo: loaded.directory) }
            // A model on the board is named by its whole runner request, so it is not shared.
            if runner?.modelPath == nil { compiled[b.compileKey] = model }
            benchmarks.append(Workload.Benchmark(name: b.name, model: model, settings: loaded.profile.effectiveSettings(for: b), runner: runner))
        }
        let stored = StoredRunOptions(
            profilePath: loaded.path, profileDirectory: loaded.directory?.path, devices: options.devices, lockTimeoutSeconds: options.lockTimeoutSeconds)
        return try begin(Workload(name: loaded.profile.name, text: loaded.text, benchmarks: benchmarks), stored: stored, options)
    }

    /// Stores the run with one item per (device, benchmark), before anything is measured.
    private func begin(_ workload: Workload, stored: StoredRunOptions, _ options: RunOptions) throws(ControllerError) -> Prepared {
        guard !options.devices.isEmpty else { throw .invalidArgument("give at least one --device NAME") }
        guard Set(options.devices).count == options.devices.count else { throw .invalidArgument("a device is listed twice") }
        guard Set(workload.benchmarks.map(\.name)).count == workload.benchmarks.count else {
            throw .invalidArgument("\(workload.name) names a benchmark twice")
        }
        let configs = try options.devices.map { name throws(ControllerError) in try DeviceFile.load(name, in: workspace) }
        let binary = try AgentBinary.locate(explicit: options.agentPath)
        let now = Self.now()
        // One file per content: the same bytes named twice (model.onnx and a copy) go to the
        // board once, under the first name, and every request reads that one.
        let models = Dictionary(workload.benchmarks.map { ($0.model.hash, $0.model) }, uniquingKeysWith: { a, _ in a })
        var items: [RunItemRecord] = []
        for config in configs {
            for (position, b) in workload.benchmarks.enumerated() {
                var runner = b.runner
                if runner?.kind == .onnxruntime { runner?.python = config.pythonPath }
                let request = BenchmarkRequest(
                    name: b.name, planPath: config.modelPath(models[b.model.hash] ?? b.model) ?? "", planHash: b.model.hash, settings: b.settings,
                    runner: runner)
                items.append(
                    RunItemRecord(
                        runId: 0, device: config.name, benchmark: b.name, position: position, model: b.model.reference,
                        requestJSON: Self.json(request), updatedAtUnixNanoseconds: now))
            }
        }
        let planHash = PlanIdentity.hash(Data(items.map { "\($0.device)\u{1F}\($0.requestJSON)" }.joined(separator: "\n").utf8))
        let profileHash = PlanIdentity.hash(Data(workload.text.utf8))
        let runKey = UUID().uuidString.lowercased()
        let runId = try storing { () throws(StoreError) in
            try store.beginRun(
                RunRecord(
                    createdAtUnixNanoseconds: now, status: "running", profileName: workload.name, profileHash: profileHash,
                    profileText: workload.text, hostVersion: BoardBenchVersion.current, hostName: ProcessInfo.processInfo.hostName, runKey: runKey,
                    planHash: planHash, optionsJSON: Self.json(stored)),
                items: items)
        }
        try options.onRunStarted(runId)
        let stateful = try storing { () throws(StoreError) in try store.items(runId) }
        return Prepared(
            runId: runId, runKey: runKey, resumed: false, configs: configs, work: Dictionary(grouping: stateful, by: \.device), models: models, binary: binary,
            lockTimeoutSeconds: options.lockTimeoutSeconds, provenance: Provenance(profileHash: profileHash, planHash: planHash))
    }

    /// An existing run: reload its profile text, recompile the models its unfinished items
    /// need (refusing if a model changed since), and measure only what is not done.
    private func reopen(_ runId: Int64, _ options: RunOptions) throws(ControllerError) -> Prepared {
        let detail = try storing { () throws(StoreError) in try store.run(runId) }
        guard let runKey = detail.run.runKey, let optionsJSON = detail.run.optionsJSON, let planHash = detail.run.planHash,
            let stored = try? JSONDecoder().decode(StoredRunOptions.self, from: Data(optionsJSON.utf8)), !detail.items.isEmpty
        else { throw .resume(runId: runId, reason: "it was stored by a BoardBench without run plans (before store v3); start a new run") }
        guard !stored.profilePath.hasPrefix(StoredRunOptions.workloadPrefix) else {
            throw .resume(
                runId: runId,
                reason: "it measured \(detail.run.profileName), not a profile; run that command again: it skips what is already measured")
        }
        let loaded = try ProfileLoader.parse(
            detail.run.profileText, path: stored.profilePath, directory: stored.profileDirectory.map { URL(fileURLWithPath: $0, isDirectory: true) })
        let configs = try stored.devices.map { name throws(ControllerError) in try DeviceFile.load(name, in: workspace) }
        let binary = try AgentBinary.locate(explicit: options.agentPath)
        let specs = Dictionary(loaded.profile.benchmarks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var models: [String: CompiledModel] = [:]
        var byKey: [String: CompiledModel] = [:]
        for item in detail.items where item.state != .done {
            guard let request = try? JSONDecoder().decode(BenchmarkRequest.self, from: Data(item.requestJSON.utf8)) else {
                throw .resume(runId: runId, reason: "item \(item.device)/\(item.benchmark) has an unreadable request")
            }
            guard models[request.planHash] == nil else { continue }
            guard let spec = specs[item.benchmark] else {
                throw .resume(runId: runId, reason: "the stored profile no longer names benchmark \(item.benchmark)")
            }
            let model: CompiledModel
            let runner = RunnerModels.request(spec)
            if let known = byKey[spec.compileKey], runner?.modelPath == nil {
                model = known
            } else {
                model = try RunnerModels.model(spec, runner: runner, relativeTo: loaded.directory)
                byKey[spec.compileKey] = model
            }
            guard model.hash == request.planHash else {
                throw .resume(
                    runId: runId,
                    reason:
                        "model \(spec.model) changed since the run started (plan \(model.hash.prefix(12)), the run measured \(request.planHash.prefix(12))); start a new run to measure the new model"
                )
            }
            models[model.hash] = model
        }
        try storing { () throws(StoreError) in
            for config in configs { try store.updateItems(runId: runId, device: config.name, benchmarks: nil, state: .pending, error: nil) }
            try store.reopenRun(runId)
        }
        let items = try storing { () throws(StoreError) in try store.items(runId) }
        return Prepared(
            runId: runId, runKey: runKey, resumed: true, configs: configs, work: Dictionary(grouping: items, by: \.device), models: models, binary: binary,
            lockTimeoutSeconds: options.lockTimeoutSeconds ?? stored.lockTimeoutSeconds,
            provenance: Provenance(profileHash: detail.run.profileHash, planHash: planHash))
    }

    private func storing<T>(_ body: () throws(StoreError) -> T) throws(ControllerError) -> T { try workspace.storing(body) }

    static func record(
        _ r: BenchmarkOutcome, statistics: Statistics?, runId: Int64, device: String, model: String, runtime: String = "builtin"
    ) -> ResultRecord {
        ResultRecord(
            runId: runId, device: device, benchmark: r.benchmark, model: model, planHash: r.planHash, status: r.status.rawValue,
            error: r.error, runtime: runtime, runtimeVersion: r.runtimeVersion, settingsJSON: json(r.settings),
            startedAtUnixNanoseconds: r.startedAtUnixNanoseconds, loadNanoseconds: r.loadNanoseconds,
            coldStartNanoseconds: r.coldStartNanoseconds, peakResidentKiB: r.peakResidentKiB, arenaBytes: r.arenaBytes,
            weightBytes: r.weightBytes, repeatsPerSample: r.repeatsPerSample,
            verdict: statistics.map { StabilityVerdict.assess($0, conditions: r.conditions).summary },
            energyPerInferenceJoules: r.energy?.joulesPerInference,
            detailJSON: json(r.withoutSamples))
    }

    static func describe(_ r: BenchmarkOutcome, statistics: Statistics?, device: String) -> String {
        guard let s = statistics else {
            return "\(device) \(r.benchmark): \(r.status.rawValue): \(r.error ?? "no samples")"
        }
        let repeats = r.repeatsPerSample > 1 ? " of \(r.repeatsPerSample) executions each" : ""
        return "\(device) \(r.benchmark): median \(Format.duration(s.median)) [\(Format.duration(s.medianLow95))–\(Format.duration(s.medianHigh95))], "
            + "p90 \(Format.duration(s.p90)) over \(s.count) samples\(repeats); \(StabilityVerdict.assess(s, conditions: r.conditions).summary)"
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

    static func json<T: Encodable>(_ value: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension Workspace {
    /// Runs a store operation, turning its failure into the controller's error for the store
    /// file (exit 74): a full disk or a locked database names `databasePath`.
    public func storing<T>(_ body: () throws(StoreError) -> T) throws(ControllerError) -> T {
        do { return try body() } catch { throw .output(path: databasePath, reason: error.description) }
    }
}

/// Human-readable numbers with units and sensible precision.
public enum Format {
    public static func duration(_ nanoseconds: Double) -> String {
        switch nanoseconds {
        case ..<1_000: String(format: "%.0f ns", nanoseconds)
        case ..<1_000_000: String(format: "%.2f µs", nanoseconds / 1_000)
        case ..<1_000_000_000: String(format: "%.3f ms", nanoseconds / 1_000_000)
        default: String(format: "%.3f s", nanoseconds / 1_000_000_000)
        }
    }

    public static func bytes(_ n: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB"]
        var v = Double(n), i = 0
        while v >= 1024, i < units.count - 1 {
            v /= 1024
            i += 1
        }
        return i == 0 ? "\(n) B" : String(format: "%.1f %@", v, units[i])
    }
}
