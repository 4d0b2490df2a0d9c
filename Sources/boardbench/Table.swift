import ArgumentParser
import BenchCore
import Controller
import Foundation
import Spaces
import Store
import Tables

/// Which table a command means: the space, the device, and the measurement settings that
/// (with the runtime version) identify a table.
struct TableSelection: ParsableArguments {
    @Option(help: "Search-space file (Profiles/spaces/X.yaml) or a shipped space's name.") var space: String
    @Option(help: "Enrolled device the table was (or is to be) measured on.") var device: String
    @Option(help: "Runtime threads the table is measured with.") var threads: Int = 1
    @Option(help: "Cores to pin to (a CPU list such as 0 or 2-3, \"big\", or \"none\").") var cores: String = "0"
    @Option(help: "Use table ID regardless of settings (`table list` shows ids).") var table: Int64?

    var pinning: String? { cores == "none" ? nil : cores }

    func validate() throws {
        if !(1...1024).contains(threads) { throw ValidationError("--threads must be 1...1024") }
        if cores != "none", let p = CoreSpec.problem(cores) { throw ValidationError("--cores: \(p)") }
    }

    func context(_ global: GlobalOptions, agent: String? = nil, lockTimeout: Double? = nil) throws -> TableContext {
        var c = TableContext(workspace: global.resolved, store: try global.openStore(), logger: global.logger())
        c.agentPath = agent
        c.lockTimeoutSeconds = lockTimeout
        return c
    }

    func load(_ context: TableContext) throws -> (SearchSpace, LatencyTable) {
        try boardbench.run { () throws(TableError) in
            let (space, hash, _) = try context.loadSpace(self.space)
            let table = try context.existingTable(space: space, spaceHash: hash, device: device, threads: threads, cores: pinning, id: self.table)
            return (space, table)
        }
    }
}

struct Table: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Per-device latency tables of search spaces: build, list, export, validate.",
        subcommands: [TableBuild.self, TableList.self, TableExport.self, TableValidate.self])
}

struct TableBuild: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Measure every block of a space on a device and store them as a latency table.",
        discussion: """
            Every unique block (first conv, each block configuration at each input size and stride, final layers) is compiled \
            as its own plan with its real input shape and measured as one run. Running the command again measures only the \
            blocks the table lacks (an interrupted build loses nothing). A table is keyed by device, space, runtime version \
            and settings: a new runtime makes a new table.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: TableSelection
    @Option(parsing: .upToNextOption, help: "Input sizes to build for (default: every resolution of the space).") var resolutions: [Int] = []
    @Option(help: "Samples per block.") var iterations: Int = 25
    @Option(help: "Give up on a busy board after this many seconds (default: wait).") var lockTimeout: Double?
    @Option(help: "Agent executable to deploy if the device lacks this version.") var agent: String?
    @Flag(help: "Print one JSON document on stdout.") var json = false

    func run() throws {
        let context = try selection.context(global, agent: agent, lockTimeout: lockTimeout)
        var settings = TableContext.defaultSettings(threads: selection.threads, cores: selection.pinning)
        settings.iterations = iterations
        var ctx = context
        let progress = RunProgress(quiet: global.quiet)
        ctx.onEvent = { progress.handle($0) }
        let request = TableBuildRequest(
            space: selection.space, device: selection.device, resolutions: resolutions.isEmpty ? nil : resolutions, settings: settings)
        let builder = TableBuilder(context: ctx)
        let outcome = try boardbench.run { () throws(TableError) in try builder.build(request) }
        progress.finish()
        if json {
            printOut(try TableOutput.json(outcome))
        } else {
            printOut(
                "table \(outcome.tableId) (\(outcome.space) on \(outcome.device), runtime \(outcome.runtimeVersion)): \(outcome.blocks) blocks at "
                    + "\(outcome.resolutions.count) resolution(s); \(outcome.alreadyMeasured) already measured, \(outcome.measured) measured now"
                    + (outcome.failed.isEmpty ? "" : ", \(outcome.failed.count) failed"))
            if let f = outcome.overheadFraction {
                printOut(
                    String(
                        format: "run %lld: %.1f s wall, %.1f s on the device measuring; per-block overhead %.1f%% of the wall time; plans %@",
                        outcome.runId ?? 0, outcome.wallSeconds, outcome.deviceSeconds, f * 100, Format.bytes(Int64(outcome.planBytes))))
            }
        }
        for (name, error) in outcome.failed.sorted(by: { $0.key < $1.key }).prefix(10) { printError("failed: \(name): \(error)") }
        if !outcome.failed.isEmpty {
            printError("boardbench: run the same command again to measure the blocks that failed")
            throw ExitCode(ExitStatus.partialRun.rawValue)
        }
    }
}

struct TableList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List latency tables.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this device's tables.") var device: String?
    @Option(help: "Only this space's tables (name).") var space: String?

    func run() throws {
        let store = try global.openStore()
        let tables = try boardbench.run { () throws(StoreError) in try store.latencyTables(device: device, space: space) }
        var lines = ["id  device  space  runtime  threads  cores  entries"]
        for t in tables {
            let s = try? JSONDecoder().decode(MeasurementSettings.self, from: Data(t.settingsJSON.utf8))
            let n = try boardbench.run { () throws(StoreError) in try store.entries(tableId: t.id!).count }
            lines.append("\(t.id!)  \(t.device)  \(t.space)  \(t.runtimeVersion)  \(s?.threads ?? 0)  \(s?.cores ?? "none")  \(n)")
        }
        printOut(lines.joined(separator: "\n"))
    }
}

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Predict an architecture's latency on a device from its latency table.",
        discussion: "The prediction is the sum of the blocks' medians, ± the square root of the sum of their variances; "
            + "with a fitted correction (`table validate`) the corrected figure is printed too.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: TableSelection
    @Option(help: "Architecture file (.json/.yaml: spec form or OFA's {ks, e, d, r} dict).") var arch: String
    @OptionGroup var statistic: StatisticOption
    @Flag(help: "Print one JSON document on stdout.") var json = false

    func run() throws {
        let context = try selection.context(global)
        let (space, table) = try selection.load(context)
        let architecture = try boardbench.run { () throws(TableError) in try TableCommands.architecture(at: arch, space: space) }
        let stat = statistic.statistic
        let correction = try boardbench.run { () throws(TableError) in try TableValidator(context: context).latestCorrection(table, statistic: stat) }
        let p = try boardbench.run { () throws(TableError) in try table.predict(architecture, in: space, correction: correction, statistic: stat) }
        if json {
            printOut(try TableOutput.json(p))
        } else {
            var line = String(
                format: "predicted %.3f ms ± %.3f ms (sum of %d block medians", p.nanoseconds / 1e6, p.uncertaintyNanoseconds / 1e6,
                p.layers.count - p.missing.count)
            line += p.correctedNanoseconds.map { String(format: "); corrected %.3f ms", $0 / 1e6) } ?? ")"
            printOut(line)
        }
        if !p.missing.isEmpty {
            printError("boardbench: \(p.missing.count) block(s) missing from table \(table.id): \(p.missing.joined(separator: ", "))")
            printError("boardbench: build them with `boardbench table build --space \(selection.space) --device \(selection.device) --resolutions ...`")
            throw ExitCode(ExitStatus.dataError.rawValue)
        }
    }
}

enum TableCommands {
    static func architecture(at path: String, space: SearchSpace) throws(TableError) -> Architecture {
        guard let data = FileManager.default.contents(atPath: path) else { throw .controller(.fileNotFound(path: path, what: "architecture")) }
        do { return try Architecture.parse(String(decoding: data, as: UTF8.self), source: path, space: space) } catch {
            throw .space(path: path, reason: error.description)
        }
    }
}

extension TableStatistic: ExpressibleByArgument {}

/// `--statistic`, shared by predict, validate and search.
struct StatisticOption: ParsableArguments {
    @Option(help: "What predictions sum and measurements are compared by: median, p10, min or mean.")
    var statistic: TableStatistic = .median
}

enum TableOutput {
    static func json<T: Encodable>(_ value: T) throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try e.encode(value), as: UTF8.self)
    }
}

struct TableValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Measure random architectures end to end and report how well the table predicts them.",
        discussion: """
            Draws --samples validation architectures (seeded) and --calibration others, measures each twice on the device, \
            fits a per-device correction on the calibration set only, and reports RMSE, RMSPE, the share within ±5% and ±10% \
            and Spearman's rank correlation for the raw table and the corrected one, with the device's own repeatability. \
            The report and the correction are stored with the table.
            """)
    @OptionGroup var global: GlobalOptions
    @OptionGroup var selection: TableSelection
    @Option(help: "Validation architectures.") var samples: Int = 200
    @Option(help: "Calibration architectures for the correction (0: none).") var calibration: Int = 50
    @Option(help: "Seed of the draws.") var seed: UInt64 = 1
    @Option(help: "Samples per network measurement (a long window keeps a jumpy board's median steady).") var iterations: Int = 50
    @OptionGroup var statistic: StatisticOption
    @Option(help: "Give up on a busy board after this many seconds (default: wait).") var lockTimeout: Double?
    @Option(help: "Agent executable to deploy if the device lacks this version.") var agent: String?
    @Flag(help: "Print the whole report as JSON on stdout.") var json = false

    func validate() throws {
        if !(1...100_000).contains(samples) { throw ValidationError("--samples must be 1...100000") }
        if calibration < 0 || calibration > 100_000 { throw ValidationError("--calibration must be 0...100000") }
        if !(1...100_000).contains(iterations) { throw ValidationError("--iterations must be 1...100000") }
    }

    func run() throws {
        var context = try selection.context(global, agent: agent, lockTimeout: lockTimeout)
        let (space, table) = try selection.load(context)
        let progress = RunProgress(quiet: global.quiet)
        context.onEvent = { progress.handle($0) }
        let validator = TableValidator(context: context)
        var request = ValidationRequest(samples: samples, calibration: calibration, seed: seed, iterations: iterations)
        request.statistic = statistic.statistic
        let report = try boardbench.run { () throws(TableError) in try validator.validate(request, space: space, table: table) }
        progress.finish()
        if json {
            printOut(try TableOutput.json(report))
            return
        }
        func line(_ label: String, _ m: PredictionMetrics?) -> String {
            guard let m else { return "\(label): no measurements" }
            return String(
                format: "%@: n=%d  RMSE %.3f ms  RMSPE %.2f%%  within ±5%% %.1f%%  within ±10%% %.1f%%  Spearman %.4f  mean error %+.2f%%  worst %.1f%%",
                label, m.count, m.rmseNanoseconds / 1e6, m.rmspe * 100, m.within5 * 100, m.within10 * 100, m.spearman, m.meanRelativeError * 100,
                m.maxAbsoluteRelativeError * 100)
        }
        printOut(
            "table \(table.id) (\(space.name) on \(selection.device)), validation run \(report.runId), seed \(seed), statistic \(report.statistic.rawValue):")
        printOut(line("raw table      ", report.raw))
        printOut(line("corrected      ", report.corrected))
        printOut(line("repeatability  ", report.repeatability))
        if let c = report.correction {
            printOut(
                String(
                    format: "correction: measured = %.3f ms + %.4f × sum + %.2f µs × layers + %.3f µs × Mparams (fitted on %d calibration networks)",
                    c.interceptNanoseconds / 1e6, c.slope, c.perLayerNanoseconds / 1e3, c.perParameterNanoseconds * 1e6 / 1e3, c.calibrationCount))
        }
        if !report.failed.isEmpty {
            printError("boardbench: \(report.failed.count) measurement(s) failed; they are left out of the figures")
            throw ExitCode(ExitStatus.partialRun.rawValue)
        }
    }
}
