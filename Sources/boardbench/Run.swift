import ArgumentParser
import BenchCore
import Controller
import Foundation
import Store

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a profile's benchmarks on devices (in parallel, one benchmark at a time per board) and store every sample.",
        discussion: """
            Each board is locked for the run's measurements (flock on the device's lockPath, default \(DeviceConfig.defaultLockPath)); \
            a busy board is waited for, or given up after --lock-timeout (exit 75). Every result is stored the moment it arrives; \
            `--resume RUN_ID` finishes an interrupted run without measuring anything twice.
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Profile file, or the name of an embedded profile (quick).") var profile: String?
    @Option(help: "Device to run on (repeat for several; they run in parallel).") var device: [String] = []
    @Option(help: "Finish this run: collect results boards journalled, then measure only what is missing.") var resume: Int64?
    @Option(help: "Give up on a busy board after this many seconds (default: wait).") var lockTimeout: Double?
    @Option(help: "Seconds between agent heartbeats (the connection is lost after --missed-heartbeats of them).") var heartbeat: Double = 2
    @Option(help: "Missed heartbeats after which a connection counts as lost.") var missedHeartbeats: Double = 5
    @Option(help: "Retries per device after a transport failure (backoff 1, 2, 4... s).") var retries: Int = 3
    @Option(help: "Agent executable to deploy if a device lacks this version.") var agent: String?
    @Flag(help: "Print one JSON document on stdout.") var json = false

    func validate() throws {
        if resume == nil {
            if profile == nil { throw ValidationError("give --profile FILE (or --resume RUN_ID)") }
            if device.isEmpty { throw ValidationError("give at least one --device NAME") }
        } else if profile != nil || !device.isEmpty {
            throw ValidationError("--resume continues a run with its own profile and devices; give neither --profile nor --device")
        }
        if let t = lockTimeout, !(t >= 0 && t.isFinite) { throw ValidationError("--lock-timeout must be a number of seconds ≥ 0") }
        if !(heartbeat >= 0.1 && heartbeat <= 600) { throw ValidationError("--heartbeat must be 0.1...600 seconds") }
        if !(missedHeartbeats >= 2 && missedHeartbeats <= 100) { throw ValidationError("--missed-heartbeats must be 2...100") }
        if !(0...20).contains(retries) { throw ValidationError("--retries must be 0...20") }
    }

    func run() throws {
        let store = try global.openStore()
        let logger = global.logger()
        let coordinator = RunCoordinator(workspace: global.resolved, store: store, logger: logger)
        var options = RunOptions(profile: profile, devices: device, agentPath: agent, lockTimeoutSeconds: lockTimeout, resume: resume)
        (options.heartbeatSeconds, options.missedHeartbeats, options.retries) = (heartbeat, missedHeartbeats, retries)
        let progress = RunProgress(quiet: global.quiet)
        options.onEvent = { progress.handle($0) }
        let outcome = try boardbench.run { () throws(ControllerError) in try coordinator.run(options) }
        progress.finish()
        let detail = try boardbench.run { () throws(StoreError) in try store.run(outcome.runId) }
        if json {
            printOut(try Views.encode(Views.document(detail, includeSamples: false, outcome: outcome)))
        } else {
            printOut(ResultsTable.render(detail))
            printOut("run \(outcome.runId): \(outcome.status)")
        }
        for d in outcome.devices { if let e = d.error { printError("error: \(e.description)") } }
        if outcome.status != "completed" {
            printError("boardbench: `boardbench run --resume \(outcome.runId)` measures what is missing")
        }
        if let e = outcome.devices.compactMap(\.error).first { throw ExitCode(e.exitStatus.rawValue) }
        if outcome.status != "completed" { throw ExitCode(ExitStatus.partialRun.rawValue) }
    }
}

/// The human summary: one line per benchmark with the median and its 95% interval, p90, CV
/// and the stability verdict.
enum ResultsTable {
    static func render(_ d: RunDetail) -> String {
        var rows = [["device", "benchmark", "samples", "median", "95% CI", "p90", "CV", "verdict"]]
        for r in d.results {
            if let s = r.statistics {
                let samples = r.record.repeatsPerSample > 1 ? "\(s.count)×\(r.record.repeatsPerSample)" : "\(s.count)"
                let verdict = StabilityVerdict.assess(s, conditions: r.outcome?.conditions ?? [])
                rows.append(
                    [
                        r.record.device, r.record.benchmark, samples, Format.duration(s.median),
                        "\(Format.duration(s.medianLow95))–\(Format.duration(s.medianHigh95))", Format.duration(s.p90),
                        String(format: "%.1f%%", s.coefficientOfVariation * 100), verdict.summary,
                    ])
            } else {
                rows.append([r.record.device, r.record.benchmark, "\(r.record.status): \(r.record.error ?? "no samples")", "", "", "", "", ""])
            }
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).enumerated().map { i, p in
                i < 2 || i == row.count - 1
                    ? p.0.padding(toLength: p.1, withPad: " ", startingAt: 0) : String(repeating: " ", count: p.1 - p.0.count) + p.0
            }.joined(separator: "  ").trimmingTrailingSpaces
        }.joined(separator: "\n")
    }
}

extension String {
    fileprivate var trimmingTrailingSpaces: String {
        var s = Substring(self)
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
