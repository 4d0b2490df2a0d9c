import BenchCore
import Crypto
import Foundation
import Logging
import Store
import Transport

public struct RunOptions: Sendable {
    public var profile: String
    public var devices: [String]
    public var agentPath: String?

    public init(profile: String, devices: [String], agentPath: String? = nil) {
        self.profile = profile
        self.devices = devices
        self.agentPath = agentPath
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

/// Runs a profile on devices: compile every model, then per device connect, deploy what is
/// missing, snapshot the facts, measure, and store each result the moment it arrives.
public struct RunCoordinator {
    public let workspace: Workspace
    public let store: any ResultStore
    public let logger: Logger

    public init(workspace: Workspace, store: any ResultStore, logger: Logger) {
        self.workspace = workspace
        self.store = store
        self.logger = logger
    }

    private func log(_ message: String) { logger.info("\(message)") }

    public func run(_ options: RunOptions) throws(ControllerError) -> RunOutcome {
        guard !options.devices.isEmpty else { throw .invalidArgument("give at least one --device NAME") }
        let loaded = try ProfileLoader.load(options.profile)
        let configs = try options.devices.map { name throws(ControllerError) in try DeviceFile.load(name, in: workspace) }
        let binary = try AgentBinary.locate(explicit: options.agentPath)
        var models: [String: CompiledModel] = [:]
        for b in loaded.profile.benchmarks where models[b.compileKey] == nil {
            models[b.compileKey] = try ModelCompiler.compile(b.model, relativeTo: loaded.directory, inputShapes: b.inputShapes ?? [])
        }

        let runId = try storing { () throws(StoreError) in
            try store.beginRun(
                RunRecord(
                    createdAtUnixNanoseconds: Self.now(), status: "running", profileName: loaded.profile.name,
                    profileHash: PlanIdentity.hash(Data(loaded.text.utf8)), profileText: loaded.text,
                    hostVersion: BoardBenchVersion.current, hostName: ProcessInfo.processInfo.hostName), items: [])
        }
        log("run \(runId): profile \(loaded.profile.name), \(loaded.profile.benchmarks.count) benchmarks on \(configs.map(\.name).joined(separator: ", "))")

        var outcomes: [DeviceRunOutcome] = []
        for config in configs {
            var outcome = DeviceRunOutcome(device: config.name, plansPushed: 0, results: [], error: nil)
            do throws(ControllerError) {
                try runDevice(config, runId: runId, profile: loaded, models: models, binary: binary, outcome: &outcome)
            } catch {
                outcome.error = error
                logger.error("\(config.name): \(error.description)")
                if case .output = error { throw error }
            }
            outcomes.append(outcome)
        }

        let all = outcomes.flatMap(\.results)
        let expected = loaded.profile.benchmarks.count * configs.count
        let ok = all.filter { $0.status == .ok }.count
        let status = ok == expected ? "completed" : (ok == 0 ? "failed" : "partial")
        try storing { () throws(StoreError) in try store.finishRun(runId, status: status, at: Self.now()) }
        return RunOutcome(runId: runId, status: status, devices: outcomes)
    }

    private func runDevice(
        _ config: DeviceConfig, runId: Int64, profile: LoadedProfile, models: [String: CompiledModel], binary: AgentBinary,
        outcome: inout DeviceRunOutcome
    ) throws(ControllerError) {
        log("\(config.name): connecting")
        let transport = try DeviceConnector.connect(config)
        let client: AgentClient
        if let facts = config.facts, facts.architecture != binary.architecture {
            throw .agentArchitecture(device: config.name, board: facts.architecture, agent: binary.architecture, path: binary.path)
        }
        let probes = try config.probeConfig(in: workspace)
        client = try Deployment.ensureAgent(transport, config: config, probes: probes, binary: binary)
        outcome.plansPushed = try Deployment.pushPlans(Array(models.values), to: transport, config: config)
        log("\(config.name): \(outcome.plansPushed) plan(s) pushed, \(models.count - outcome.plansPushed) already there")

        let facts: DeviceFacts
        do { facts = try client.probe() } catch let e as ControllerError { throw e } catch {
            throw .agentFailed(device: config.name, reason: "\(error)")
        }
        let factsJSON = Self.json(facts)
        try storing { () throws(StoreError) in
            try store.recordDevice(
                RunDeviceRecord(
                    runId: runId, device: config.name, factsJSON: factsJSON, factsHash: PlanIdentity.hash(Data(factsJSON.utf8)),
                    agentVersion: facts.agentVersion))
        }

        let requests = profile.profile.benchmarks.map { b in
            BenchmarkRequest(
                name: b.name, planPath: config.planPath(hash: models[b.compileKey]!.hash), planHash: models[b.compileKey]!.hash,
                settings: profile.profile.effectiveSettings(for: b))
        }
        let modelOf = Dictionary(uniqueKeysWithValues: profile.profile.benchmarks.map { ($0.name, $0.model) })
        var collected: [BenchmarkOutcome] = []
        do {
            try client.send(AgentRequest(command: .measure, benchmarks: requests)) { message in
                guard case .result(let r) = message else { return }
                guard let model = modelOf[r.benchmark] else {
                    throw ControllerError.agentProtocol(device: config.name, reason: "result for unknown benchmark \(r.benchmark)")
                }
                // Statistics once per result: the median's bootstrap interval is not free.
                let statistics = r.statistics
                try store.recordResult(
                    Self.record(r, statistics: statistics, runId: runId, device: config.name, model: model), samples: r.samplesNanoseconds,
                    offsets: r.sampleOffsetsNanoseconds)
                collected.append(r)
                log(Self.describe(r, statistics: statistics, device: config.name))
            }
        } catch let e as ControllerError {
            outcome.results = collected
            throw e
        } catch let e as StoreError {
            outcome.results = collected
            throw .output(path: workspace.databasePath, reason: e.description)
        } catch {
            outcome.results = collected
            throw .agentFailed(device: config.name, reason: "\(error)")
        }
        outcome.results = collected
    }

    static func record(_ r: BenchmarkOutcome, statistics: Statistics?, runId: Int64, device: String, model: String) -> ResultRecord {
        ResultRecord(
            runId: runId, device: device, benchmark: r.benchmark, model: model, planHash: r.planHash, status: r.status.rawValue,
            error: r.error, runtime: "builtin", runtimeVersion: r.runtimeVersion, settingsJSON: json(r.settings),
            startedAtUnixNanoseconds: r.startedAtUnixNanoseconds, loadNanoseconds: r.loadNanoseconds,
            coldStartNanoseconds: r.coldStartNanoseconds, peakResidentKiB: r.peakResidentKiB, arenaBytes: r.arenaBytes,
            weightBytes: r.weightBytes, repeatsPerSample: r.repeatsPerSample,
            verdict: statistics.map { StabilityVerdict.assess($0, conditions: r.conditions).summary },
            energyPerInferenceJoules: r.energy?.joulesPerInference,
            detailJSON: json(r.withoutSamples))
    }

    static func describe(_ r: BenchmarkOutcome, statistics: Statistics?, device: String) -> String {
        guard let s = statistics else {
            return "\(device) \(r.benchmark): failed: \(r.error ?? "no samples")"
        }
        let repeats = r.repeatsPerSample > 1 ? " of \(r.repeatsPerSample) executions each" : ""
        return "\(device) \(r.benchmark): median \(Format.duration(s.median)) [\(Format.duration(s.medianLow95))–\(Format.duration(s.medianHigh95))], "
            + "p90 \(Format.duration(s.p90)) over \(s.count) samples\(repeats); \(StabilityVerdict.assess(s, conditions: r.conditions).summary)"
    }

    private func storing<T>(_ body: () throws(StoreError) -> T) throws(ControllerError) -> T {
        do { return try body() } catch { throw .output(path: workspace.databasePath, reason: error.description) }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }

    static func json<T: Encodable>(_ value: T) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
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
