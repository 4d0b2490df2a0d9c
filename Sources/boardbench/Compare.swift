import ArgumentParser
import BenchCore
import Controller
import Store

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two runs benchmark by benchmark; exit 2 when anything regressed.",
        discussion: """
            A benchmark regresses when its median is slower beyond the threshold and the two medians' 95% intervals do not \
            overlap, when a thresholded p90, p99 or mean is slower beyond its threshold, or when it was ok in the base run and \
            failed in the new one (docs/methodology.md, "Comparing runs").
            """)

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, junit
    }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "BASE_RUN NEW_RUN, or NEW_RUN alone with --baseline.") var runIds: [Int64] = []
    @Option(help: "Compare against the run this baseline names (see `baseline save`).") var baseline: String?
    @Option(
        name: .customLong("threshold"),
        help: "Percent beyond which a change counts: PERCENT (the median) or p50|p90|p99|mean=PERCENT; repeat for several (default p50=5).")
    var thresholdSpecs: [String] = []
    @Flag(help: "Print one JSON document (same as --format json).") var json = false
    @Option(help: "text, json or junit (JUnit XML for CI).") var format: OutputFormat?
    @Option(name: .shortAndLong, help: "Write the output to this file instead of stdout.") var output: String?

    @Option(
        name: .customLong("runners"),
        help: "Show one run's models measured by several runtimes (builtin, onnxruntime, command) side by side, instead of comparing runs.")
    var runnersRun: Int64?
    @Flag(
        name: .customLong("check-outputs"),
        help:
            "With --runners: run each model measured by builtin and onnxruntime once more on its board, on one seeded input, and check that their outputs agree; exit 2 if not."
    )
    var checkOutputs = false
    @Option(help: "With --check-outputs: the largest allowed difference, relative to the largest builtin magnitude.") var tolerance: Double = 1e-4
    @Option(help: "With --check-outputs: agent executable to deploy if a board lacks this version.") var agent: String?

    var outputFormat: OutputFormat { json ? .json : format ?? .text }

    func validate() throws {
        if checkOutputs && runnersRun == nil { throw ValidationError("--check-outputs goes with --runners RUN") }
        if runnersRun != nil {
            if !runIds.isEmpty || baseline != nil { throw ValidationError("--runners RUN compares within one run: give no other run") }
            if format == .junit { throw ValidationError("--runners writes text or json") }
            return
        }
        if baseline != nil, runIds.count != 1 { throw ValidationError("with --baseline NAME give only NEW_RUN") }
        if baseline == nil, runIds.count != 2 { throw ValidationError("give BASE_RUN NEW_RUN, or --baseline NAME NEW_RUN") }
        if json, let format, format != .json { throw ValidationError("--json and --format \(format.rawValue) disagree; give one") }
        do { _ = try ComparisonThresholds.parse(thresholdSpecs) } catch { throw ValidationError(error.description) }
    }

    func run() throws {
        if let runnersRun { return try sideBySide(runnersRun) }
        let thresholds = try boardbench.run { () throws(ControllerError) in try ComparisonThresholds.parse(thresholdSpecs) }
        let store = try global.openStore()
        let (base, new) = try boardbench.run { () throws(StoreError) in
            let baseId = try baseline.map { name throws(StoreError) in try store.baseline(name).runId } ?? runIds[0]
            return (try store.run(baseId), try store.run(runIds[runIds.count - 1]))
        }
        let comparison = RunComparison(base: base, new: new, thresholds: thresholds, baseline: baseline)
        let document =
            switch outputFormat {
            case .text: comparison.text()
            case .json: try Views.encode(comparison)
            case .junit: comparison.junit()
            }
        if let output {
            try boardbench.run { () throws(ControllerError) in try OutputFile.write(document + "\n", to: output) }
            if !global.quiet { printError("boardbench: wrote \(output)") }
        } else {
            printOut(document)
        }
        if !global.quiet && (outputFormat != .text || output != nil) { printError("boardbench: \(comparison.summaryLine)") }
        if comparison.regression { throw ExitCode(ExitStatus.regression.rawValue) }
    }

    /// `--runners RUN`: the run's runtimes side by side (`RunnerComparison`); exit 0.
    private func sideBySide(_ runId: Int64) throws {
        let store = try global.openStore()
        let detail = try boardbench.run { () throws(StoreError) in try store.run(runId) }
        var comparison = RunnerComparison(detail)
        if checkOutputs {
            comparison.agreement = OutputAgreement.check(comparison, detail: detail, workspace: global.resolved, agentPath: agent, tolerance: tolerance)
        }
        let document = outputFormat == .json ? try Views.encode(comparison) : comparison.text()
        if let output {
            try boardbench.run { () throws(ControllerError) in try OutputFile.write(document + "\n", to: output) }
            if !global.quiet { printError("boardbench: wrote \(output)") }
        } else {
            printOut(document)
        }
        // A check that could not run exits with its reason's status; outputs that differ, 2.
        if let failed = comparison.agreement?.first(where: { $0.problemExitStatus != nil })?.problemExitStatus { throw ExitCode(failed) }
        if comparison.agreement?.contains(where: { !$0.agree }) == true { throw ExitCode(ExitStatus.regression.rawValue) }
    }
}
