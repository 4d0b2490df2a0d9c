import BenchCore
import Controller
import Foundation
import ModelPlan
import Spaces
import Store

public struct SearchRequest: Sendable {
    public var budgetMilliseconds: Double
    public var objective: SearchObjective
    public var settings: EvolutionarySearch.Settings
    /// Measure the winner on the device (the point of the exercise; off only for dry runs).
    public var measure: Bool
    public var iterations: Int
    public var statistic: TableStatistic = .median

    public init(budgetMilliseconds: Double, objective: SearchObjective, settings: EvolutionarySearch.Settings, measure: Bool = true, iterations: Int = 25) {
        self.budgetMilliseconds = budgetMilliseconds
        self.objective = objective
        self.settings = settings
        self.measure = measure
        self.iterations = iterations
    }
}

public struct SearchOutcome: Sendable, Codable {
    public var searchId: Int64
    public var tableId: Int64
    public var winner: String
    public var objective: String
    public var objectiveValue: Double
    public var budgetMilliseconds: Double
    /// What the search optimised against: the corrected prediction when the table has a
    /// correction, else the raw sum.
    public var predictedMilliseconds: Double
    public var rawPredictedMilliseconds: Double
    public var measuredMilliseconds: Double?
    public var measuredRunId: Int64?
    public var bestObjectivePerGeneration: [Double]
    public var evaluatedArchitectures: Int
}

/// `boardbench search`: evolutionary search under a latency budget using a device's table,
/// then the winner measured on the device; stored (`search` table) for reports.
public struct TableSearch: Sendable {
    public let context: TableContext

    public init(context: TableContext) { self.context = context }

    public func search(_ request: SearchRequest, space: SearchSpace, table: LatencyTable) throws(TableError) -> SearchOutcome {
        let correction = try TableValidator(context: context).latestCorrection(table, statistic: request.statistic)
        var settings = request.settings
        let covered = TableValidator.resolutions(of: table, space: space)
        guard !covered.isEmpty else { throw .failed("table \(table.id) has no entries; build it first") }
        settings.resolutions = (settings.resolutions ?? covered).filter { covered.contains($0) }
        guard !(settings.resolutions ?? []).isEmpty else { throw .invalidArgument("the table covers none of the requested resolutions (it has \(covered))") }
        let result: SearchResult
        do {
            let engine = try EvolutionarySearch(space: space, settings: settings)
            result = try engine.run(budgetMilliseconds: request.budgetMilliseconds, objective: request.objective) { arch in
                let p = try table.predictComplete(arch, in: space, correction: correction, statistic: request.statistic)
                return (p.correctedNanoseconds ?? p.nanoseconds) / 1e6
            }
        } catch {
            throw .failed(error.description)
        }
        let prediction = try table.predictComplete(result.architecture, in: space, correction: correction, statistic: request.statistic)
        var measured: Double?
        var runId: Int64?
        var resultId: Int64?
        if request.measure {
            guard var s = try? JSONDecoder().decode(MeasurementSettings.self, from: Data(table.record.settingsJSON.utf8)) else {
                throw .corrupt("table \(table.id) settings")
            }
            s.iterations = request.iterations
            let graph: Graph
            do { graph = try SpaceCompiler.graph(for: result.architecture, in: space, generatedWeights: true) } catch {
                throw .space(path: space.name, reason: error.description)
            }
            let model: CompiledModel
            do { model = try CompiledModel(reference: "arch:" + prediction.arch, graph: graph, keepWeights: false) } catch { throw .controller(error) }
            let run = try context.measure(
                Workload(
                    name: "search:\(space.name)", text: try TableContext.json(["table": "\(table.id)", "winner": prediction.arch]),
                    benchmarks: [.init(name: "winner", model: model, settings: s)]), table: table.record, purpose: "search")
            runId = run.runId
            let store = context.store
            let results = try context.workspace.tables { () throws(StoreError) in try store.okResults(runId: run.runId) }
            if let r = results.first, let v = request.statistic.of(samples: r.samplesNanoseconds) {
                measured = v
                resultId = r.record.id
            } else if let d = run.devices.first {
                let why = d.error?.description ?? d.results.first?.error ?? "no result"
                throw .failed("the winner could not be measured on \(table.record.device): \(why)")
            }
        }
        let objectiveName: String
        switch request.objective {
        case .flops: objectiveName = "flops"
        case .params: objectiveName = "params"
        case .command: objectiveName = "command"
        }
        let config = SearchConfig(
            budgetMilliseconds: request.budgetMilliseconds, objective: objectiveName, populationSize: settings.populationSize,
            generations: settings.generations, seed: settings.seed, resolutions: settings.resolutions ?? [],
            command: { if case .command(let e, let a, _) = request.objective { [e] + a } else { nil } }(), statistic: request.statistic)
        let detail = SearchDetail(
            bestObjectivePerGeneration: result.bestObjectivePerGeneration, evaluatedArchitectures: result.evaluatedArchitectures,
            rawPredictedNanoseconds: prediction.nanoseconds, correction: correction, measuredRunId: runId)
        let record = SearchRecord(
            tableId: table.id, createdAtUnixNanoseconds: TableContext.now(), configJSON: try TableContext.json(config), objective: objectiveName,
            latencyBudgetNanoseconds: request.budgetMilliseconds * 1e6, winner: prediction.arch, objectiveValue: result.objective,
            predictedNanoseconds: result.latencyMilliseconds * 1e6, measuredNanoseconds: measured, measuredResultId: resultId,
            detailJSON: try TableContext.json(detail))
        let store = context.store
        let id = try context.workspace.tables { () throws(StoreError) in try store.saveSearch(record) }
        return SearchOutcome(
            searchId: id, tableId: table.id, winner: prediction.arch, objective: objectiveName, objectiveValue: result.objective,
            budgetMilliseconds: request.budgetMilliseconds, predictedMilliseconds: result.latencyMilliseconds,
            rawPredictedMilliseconds: prediction.nanoseconds / 1e6, measuredMilliseconds: measured.map { $0 / 1e6 }, measuredRunId: runId,
            bestObjectivePerGeneration: result.bestObjectivePerGeneration, evaluatedArchitectures: result.evaluatedArchitectures)
    }

    struct SearchConfig: Codable {
        var budgetMilliseconds: Double
        var objective: String
        var populationSize: Int
        var generations: Int
        var seed: UInt64
        var resolutions: [Int]
        var command: [String]?
        var statistic: TableStatistic
    }

    struct SearchDetail: Codable {
        var bestObjectivePerGeneration: [Double]
        var evaluatedArchitectures: Int
        var rawPredictedNanoseconds: Double
        var correction: Correction?
        var measuredRunId: Int64?
    }
}
