import BenchCore
import Controller
import Foundation
import Logging
import Runtime
import Spaces
import Store

/// What every table command shares: the workspace, the store, how a table is identified, and
/// how models are measured (a `Workload` run through `RunCoordinator`, so table work gets the
/// board lock, journals, heartbeats and retries of any run).
public struct TableContext: Sendable {
    public let workspace: Workspace
    public let store: any ResultStore & TableStore
    public let logger: Logger
    /// Agent executable to deploy, lock timeout and run events, as for `boardbench run`.
    public var agentPath: String?
    public var lockTimeoutSeconds: Double?
    public var onEvent: @Sendable (RunEvent) -> Void = { _ in }

    public init(workspace: Workspace, store: any ResultStore & TableStore, logger: Logger) {
        self.workspace = workspace
        self.store = store
        self.logger = logger
    }

    /// Settings a table is measured with unless told otherwise: one thread pinned to one core,
    /// no counters and no energy (they add nothing a latency table uses), short warm-up, 25
    /// samples of at least 1 ms each (tiny blocks repeat within a sample).
    public static func defaultSettings(threads: Int = 1, cores: String? = "0") -> MeasurementSettings {
        MeasurementSettings(
            warmupRuns: 5, warmupSeconds: 0.05, iterations: 25, minMeasureSeconds: 0, maxMeasureSeconds: 60, minSampleMilliseconds: 1,
            threads: threads, cores: cores, counters: [], energy: false, timeoutSeconds: 600)
    }

    /// A space file (or the name of a shipped space) and the SHA-256 of its text.
    public func loadSpace(_ reference: String) throws(TableError) -> (space: SearchSpace, hash: String, path: String) {
        var url = URL(fileURLWithPath: reference)
        if !FileManager.default.fileExists(atPath: url.path), SearchSpace.isValidName(reference) {
            for dir in [URL(fileURLWithPath: "Profiles/spaces")] + (BundledResources.spacesDirectory.map { [$0] } ?? []) {
                let candidate = dir.appendingPathComponent("\(reference).yaml")
                if FileManager.default.fileExists(atPath: candidate.path) {
                    url = candidate
                    break
                }
            }
        }
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw .controller(.fileNotFound(path: reference, what: "search space"))
        }
        do {
            let space = try SearchSpace(contentsOf: url)
            return (space, PlanIdentity.hash(data), url.path)
        } catch {
            throw .space(path: url.path, reason: error.description)
        }
    }

    /// The runtime version of the agent that will measure: read from the agent binary the host
    /// deploys (`--agent`, `BOARDBENCH_AGENT` or next to boardbench), so a debug agent's
    /// numbers make their own table.
    public func runtimeVersion() throws(TableError) -> String {
        let binary: AgentBinary
        do { binary = try AgentBinary.locate(explicit: agentPath) } catch { throw .controller(error) }
        guard let v = binary.runtimeVersion else {
            throw .controller(.invalidArgument("\(binary.path) carries no runtime version stamp; pass a boardbench-agent of this release with --agent"))
        }
        return v
    }

    /// The identity of the table for these inputs (not stored).
    public func identity(space: SearchSpace, spaceHash: String, device: String, settings: MeasurementSettings) throws(TableError) -> LatencyTableRecord {
        let settingsJSON = try Self.json(settings)
        return LatencyTableRecord(
            device: device, space: space.name, spaceHash: spaceHash, runtime: "builtin", runtimeVersion: try runtimeVersion(),
            settingsJSON: settingsJSON, settingsHash: PlanIdentity.hash(Data(settingsJSON.utf8)), createdAtUnixNanoseconds: Self.now())
    }

    /// The newest stored table of `space` on `device` measured by this runtime with `threads`
    /// pinned to `cores` (any other settings), or table `id` when given; `noTable` when none.
    public func existingTable(
        space: SearchSpace, spaceHash: String, device: String, threads: Int, cores: String?, id: Int64? = nil
    ) throws(TableError) -> LatencyTable {
        let tables = try workspace.tables { () throws(StoreError) in try store.latencyTables(device: device, space: space.name) }
        let version = id == nil ? try runtimeVersion() : ""
        let found = tables.first { t in
            if let id { return t.id == id }
            guard t.spaceHash == spaceHash, t.runtimeVersion == version,
                let settings = try? JSONDecoder().decode(MeasurementSettings.self, from: Data(t.settingsJSON.utf8))
            else { return false }
            return settings.threads == threads && settings.cores == cores
        }
        guard let found else {
            throw .noTable(
                device: device, space: space.name,
                known: tables.map { t in
                    let s = try? JSONDecoder().decode(MeasurementSettings.self, from: Data(t.settingsJSON.utf8))
                    let stale = t.spaceHash != spaceHash ? ", space file changed since" : ""
                    return "table \(t.id ?? 0): runtime \(t.runtimeVersion), threads \(s?.threads ?? 0), cores \(s?.cores ?? "none")\(stale)"
                })
        }
        let entries = try workspace.tables { () throws(StoreError) in try store.entries(tableId: found.id!) }
        return try LatencyTable(record: found, entries: entries)
    }

    /// Measures `workload` on the table's device as one run linked to the table.
    func measure(_ workload: Workload, table: LatencyTableRecord, purpose: String) throws(TableError) -> RunOutcome {
        let coordinator = RunCoordinator(workspace: workspace, store: store, logger: logger)
        var options = RunOptions(profile: nil, devices: [table.device], agentPath: agentPath, lockTimeoutSeconds: lockTimeoutSeconds)
        options.onEvent = onEvent
        let (store, workspace, tableId) = (self.store, self.workspace, table.id!)
        // Linked before anything is measured, so an interrupted build's results are found again.
        options.onRunStarted = { runId throws(ControllerError) in
            try workspace.storing { () throws(StoreError) in try store.linkRun(tableId: tableId, runId: runId, purpose: purpose) }
        }
        do { return try coordinator.run(workload, options: options) } catch { throw .controller(error) }
    }

    /// Compact JSON with sorted keys, as everything tables store is written. Encoding fails
    /// only on non-finite numbers; that is an error, never an empty document in the store.
    static func json<T: Encodable>(_ value: T) throws(TableError) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        do { return String(decoding: try e.encode(value), as: UTF8.self) } catch {
            throw .failed("cannot encode \(T.self) as JSON: \(error)")
        }
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1e9) }
}
