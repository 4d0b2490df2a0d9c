import BenchCore
import Controller
import Foundation
import ModelPlan
import Spaces
import Store

/// `boardbench table build`: measures every block of a space the table lacks.
public struct TableBuildRequest: Sendable {
    public var space: String
    public var device: String
    /// Input sizes to build for; nil: every resolution of the space.
    public var resolutions: [Int]?
    public var settings: MeasurementSettings

    public init(space: String, device: String, resolutions: [Int]?, settings: MeasurementSettings) {
        self.space = space
        self.device = device
        self.resolutions = resolutions
        self.settings = settings
    }
}

public struct TableBuildOutcome: Sendable, Codable {
    public var tableId: Int64
    public var device: String
    public var space: String
    public var runtimeVersion: String
    public var resolutions: [Int]
    /// Blocks the space has at these resolutions.
    public var blocks: Int
    /// Blocks found measured before this build (earlier builds, an interrupted one included).
    public var alreadyMeasured: Int
    /// Blocks measured by this build, and those that failed (keys with the error).
    public var measured: Int
    public var failed: [String: String]
    public var runId: Int64?
    /// Host wall-clock time of this build's run, and the part of it the device spent on
    /// blocks (load, cold start, warm-up, calibration and samples): the rest is per-block overhead (SSH
    /// round trips, pushes, process start, result transfer).
    public var wallSeconds: Double
    public var deviceSeconds: Double
    public var overheadFraction: Double?
    /// Bytes of block plans (generated weights keep them small).
    public var planBytes: Int
}

public struct TableBuilder: Sendable {
    public let context: TableContext

    public init(context: TableContext) { self.context = context }

    public func build(_ request: TableBuildRequest) throws(TableError) -> TableBuildOutcome {
        if let p = request.settings.problem() { throw .invalidArgument("settings: \(p)") }
        let (space, spaceHash, _) = try context.loadSpace(request.space)
        let resolutions = request.resolutions ?? space.resolutions
        let layers: [ResolvedLayer]
        do { layers = try SpaceCompiler.uniqueLayers(of: space, resolutions: resolutions) } catch {
            throw .space(path: request.space, reason: error.description)
        }
        // Fail on an unknown device before anything is stored.
        do { _ = try DeviceFile.load(request.device, in: context.workspace) } catch { throw .controller(error) }
        let store = context.store
        let wanted = try context.identity(space: space, spaceHash: spaceHash, device: request.device, settings: request.settings)
        let table = try context.workspace.tables { () throws(StoreError) in try store.latencyTable(matching: wanted) }
        // Every block of the space, so results of earlier builds at other resolutions are kept too.
        let known: [String: ResolvedLayer]
        do {
            known = Dictionary(
                try SpaceCompiler.uniqueLayers(of: space, resolutions: space.resolutions).map { ($0.tableKey, $0) }, uniquingKeysWith: { a, _ in a })
        } catch {
            throw .space(path: request.space, reason: error.description)
        }
        try harvest(table, layers: known)

        let have = Set(try context.workspace.tables { () throws(StoreError) in try store.entries(tableId: table.id!) }.map(\.blockKey))
        let missing = layers.filter { !have.contains($0.tableKey) }
        var outcome = TableBuildOutcome(
            tableId: table.id!, device: request.device, space: space.name, runtimeVersion: table.runtimeVersion, resolutions: resolutions,
            blocks: layers.count, alreadyMeasured: layers.count - missing.count, measured: 0, failed: [:], runId: nil, wallSeconds: 0,
            deviceSeconds: 0, overheadFraction: nil, planBytes: 0)
        guard !missing.isEmpty else { return outcome }

        var benchmarks: [Workload.Benchmark] = []
        for (i, layer) in missing.enumerated() {
            let graph: Graph
            do { graph = try SpaceCompiler.blockGraph(for: layer, in: space, generatedWeights: true) } catch {
                throw .space(path: request.space, reason: error.description)
            }
            let model: CompiledModel
            do { model = try CompiledModel(reference: Self.blockPrefix + layer.tableKey, graph: graph, keepWeights: false) } catch {
                throw .controller(error)
            }
            outcome.planBytes += model.plan.count
            benchmarks.append(Workload.Benchmark(name: Self.benchmarkName(layer, index: i), model: model, settings: request.settings))
        }
        let description = try TableContext.json(
            BuildDescription(table: table.id!, space: space.name, spaceHash: spaceHash, resolutions: resolutions, blocks: missing.count))
        let started = Date()
        let run = try context.measure(Workload(name: "table:\(space.name)", text: description, benchmarks: benchmarks), table: table, purpose: "build")
        outcome.wallSeconds = Date().timeIntervalSince(started)
        outcome.runId = run.runId
        let added = try harvest(table, layers: known)
        outcome.measured = added.count
        outcome.deviceSeconds = added.deviceSeconds
        outcome.overheadFraction = outcome.wallSeconds > 0 ? max(0, 1 - outcome.deviceSeconds / outcome.wallSeconds) : nil
        for d in run.devices {
            for r in d.results where r.status != .ok { outcome.failed[r.benchmark] = r.error ?? r.status.rawValue }
            // The device gave up part-way (unreachable, busy, lost): what it measured is stored
            // as entries already; the error says why the rest is missing and running the command
            // again measures only that.
            if let e = d.error { throw .incomplete(measured: outcome.measured, of: missing.count, cause: e) }
        }
        return outcome
    }

    /// `model` of block items: `block:` and the block's key.
    static let blockPrefix = "block:"

    /// A valid benchmark name (`EntityName`) that still says which layer it is.
    static func benchmarkName(_ layer: ResolvedLayer, index: Int) -> String {
        let base = layer.name.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" ? $0 : "_" }
        return "b\(String(format: "%05d", index))-\(String(base.prefix(40)))"
    }

    struct BuildDescription: Codable {
        var table: Int64
        var space: String
        var spaceHash: String
        var resolutions: [Int]
        var blocks: Int
    }

    /// Turns the ok results of the table's build runs into entries it lacks (so an interrupted
    /// build loses nothing); returns how many were added and the device time they took.
    @discardableResult
    func harvest(_ table: LatencyTableRecord, layers: [String: ResolvedLayer]) throws(TableError) -> (count: Int, deviceSeconds: Double) {
        let store = context.store
        let tableId = table.id!
        let (runs, have) = try context.workspace.tables { () throws(StoreError) in
            (try store.tableRuns(tableId: tableId).filter { $0.purpose == "build" }, Set(try store.entries(tableId: tableId).map(\.blockKey)))
        }
        var added: [TableEntryRecord] = []
        var seen = have
        var deviceNanoseconds: Int64 = 0
        for run in runs {
            let results = try context.workspace.tables { () throws(StoreError) in try store.okResults(runId: run.runId) }
            for r in results where r.record.model.hasPrefix(Self.blockPrefix) {
                let key = String(r.record.model.dropFirst(Self.blockPrefix.count))
                guard !seen.contains(key) else { continue }
                guard r.record.runtimeVersion == table.runtimeVersion else {
                    throw .runtimeMismatch(table: table.runtimeVersion, measured: r.record.runtimeVersion)
                }
                guard let outcome = r.outcome, let layer = layers[key].map(TableLayer.init),
                    let entry = try LatencyTable.entry(tableId: tableId, layer: layer, key: key, resultId: r.record.id!, samples: r.samplesNanoseconds)
                else { continue }
                deviceNanoseconds +=
                    outcome.loadNanoseconds + outcome.coldStartNanoseconds + outcome.warmupNanoseconds
                    + (outcome.calibrationNanoseconds ?? 0) + outcome.measuredNanoseconds
                seen.insert(key)
                added.append(entry)
            }
        }
        let entries = added
        try context.workspace.tables { () throws(StoreError) in try store.saveEntries(entries) }
        return (added.count, Double(deviceNanoseconds) / 1e9)
    }
}
