import ArgumentParser
import BenchCore
import Controller
import Foundation
import Tables

struct Search: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Evolutionary architecture search under a latency budget, using a device's latency table.",
        discussion: """
            Mutation and crossover over the space's choices (Once-for-All's evolution finder), maximising the objective among \
            architectures the table predicts within the budget (the corrected prediction when `table validate` fitted one). \
            The winner is then measured on the device and predicted vs measured latency printed; the search is stored. \
            --objective command runs --predictor once per architecture: the architecture's JSON on stdin, one number (a score to \
            maximise) on stdout.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: TableSelection
    @Option(help: "Latency budget in milliseconds.") var latencyBudget: Double
    @Option(help: "flops | params | command.") var objective: String = "flops"
    @Option(help: "With --objective command: the accuracy predictor executable.") var predictor: String?
    @Option(help: "Argument for the predictor (repeat).") var predictorArg: [String] = []
    @Option(help: "Population size.") var population: Int = 100
    @Option(help: "Generations.") var generations: Int = 30
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(parsing: .upToNextOption, help: "Restrict the search to these input sizes.") var resolutions: [Int] = []
    @Flag(help: "Do not measure the winner on the device.") var noMeasure = false
    @OptionGroup var statistic: StatisticOption
    @Option(help: "Agent executable to deploy if the device lacks this version.") var agent: String?
    @Flag(help: "Print one JSON document on stdout.") var json = false

    func validate() throws {
        if !(latencyBudget > 0 && latencyBudget.isFinite) { throw ValidationError("--latency-budget must be a positive number of milliseconds") }
        if !["flops", "params", "command"].contains(objective) { throw ValidationError("--objective must be flops, params or command") }
        if objective == "command" && predictor == nil { throw ValidationError("--objective command needs --predictor PATH") }
        if objective != "command" && predictor != nil { throw ValidationError("--predictor is only used with --objective command") }
    }

    func run() throws {
        var context = try selection.context(global, agent: agent)
        let (space, table) = try selection.load(context)
        let progress = RunProgress(quiet: global.quiet)
        context.onEvent = { progress.handle($0) }
        let goal: SearchObjective =
            switch objective {
            case "params": .params
            case "command": .command(executable: predictor!, arguments: predictorArg)
            default: .flops
            }
        var settings = EvolutionarySearch.Settings()
        settings.populationSize = population
        settings.generations = generations
        settings.seed = seed
        settings.resolutions = resolutions.isEmpty ? nil : resolutions
        var request = SearchRequest(budgetMilliseconds: latencyBudget, objective: goal, settings: settings, measure: !noMeasure)
        request.statistic = statistic.statistic
        let outcome = try boardbench.run { () throws(TableError) in try TableSearch(context: context).search(request, space: space, table: table) }
        progress.finish()
        if json {
            printOut(try TableOutput.json(outcome))
            return
        }
        printOut("search \(outcome.searchId) on table \(outcome.tableId): \(outcome.evaluatedArchitectures) architectures evaluated")
        printOut("winner: \(outcome.winner)")
        printOut(String(format: "objective (%@): %.6g", outcome.objective, outcome.objectiveValue))
        var line = String(
            format: "predicted %.3f ms (budget %.3f ms; raw table sum %.3f ms)", outcome.predictedMilliseconds, outcome.budgetMilliseconds,
            outcome.rawPredictedMilliseconds)
        if let m = outcome.measuredMilliseconds {
            line += String(format: "; measured %.3f ms (%+.1f%%)", m, (outcome.predictedMilliseconds - m) / m * 100)
        }
        printOut(line)
    }
}
