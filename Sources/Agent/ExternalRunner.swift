import BenchCore
import Probes
import Runners

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Measures a benchmark that an external runtime executes (docs/methodology.md, "External
/// runtimes"): ONNX Runtime through the runner script, or any program from a command
/// template. The method is the builtin runtime's: cooldown, pinning (children inherit the
/// agent's affinity), environment before and after, energy over the samples, counters on
/// whatever executes the model, and the executing process's peak memory.
enum ExternalRunner {
    static func measure(_ request: BenchmarkRequest, runner: RunnerRequest, device: DeviceContext) -> BenchmarkOutcome {
        let settings = request.settings
        var outcome = BenchmarkOutcome(
            benchmark: request.name, planHash: request.planHash, status: .ok, runtimeVersion: runner.kind.rawValue, settings: settings,
            startedAtUnixNanoseconds: Clock.unixNanoseconds())
        if let problem = settings.problem() { return failed(outcome, "invalid settings: \(problem)") }
        if let problem = problem(runner) { return failed(outcome, problem) }
        // A program that hangs is stopped by the agent, with a message, before the host's timeout.
        let deadline = MonotonicClock.seconds() + settings.timeoutSeconds * 0.9

        let environment = EnvironmentProbe(root: device.root, throttleCommand: device.throttleCommand)
        let originalCores = CPUAffinity.cores()
        defer { if outcome.pinnedCores != nil, !originalCores.isEmpty { _ = CPUAffinity.pinProcess(to: originalCores) } }
        if let failure = BenchmarkRunner.settle(settings, device: device, environment: environment, outcome: &outcome) {
            return failed(outcome, failure)
        }
        let before = environment.snapshot()
        outcome.environmentBefore = before

        switch runner.kind {
        case .onnxruntime: onnxRuntime(request, runner, device, deadline, &outcome)
        case .command where runner.format == nil: invocations(request, runner, device, deadline, &outcome)
        case .command: parsedOutput(request, runner, device, deadline, &outcome)
        }
        guard outcome.status == .ok else { return outcome }

        BenchmarkRunner.recordEnvironmentAfter(environment, before: before, into: &outcome)
        return outcome
    }

    /// What is wrong with a runner request, before anything runs.
    static func problem(_ runner: RunnerRequest) -> String? {
        switch runner.kind {
        case .command:
            guard let argv = runner.command, let program = argv.first, !program.isEmpty else { return "runner command: the command is empty" }
            if let format = runner.format, RunnerFormat(rawValue: format) == nil {
                return "runner command: unknown output format \(format) (known: \(RunnerFormat.allCases.map(\.rawValue).joined(separator: ", ")))"
            }
            for argument in argv {
                if let name = RunnerRequest.unknownPlaceholder(in: argument) { return "runner command: unknown placeholder {\(name)} in \(argument)" }
            }
            if runner.format == nil, argv.contains(where: { $0.contains("{output}") }) {
                return "runner command: {output} needs an output format"
            }
        case .onnxruntime:
            if let level = runner.graphOptimization, !RunnerRequest.graphOptimizationLevels.contains(level) {
                return "runner onnxruntime: graphOptimization \(level) is not one of \(RunnerRequest.graphOptimizationLevels.joined(separator: ", "))"
            }
        }
        return nil
    }

    private static func failed(_ outcome: BenchmarkOutcome, _ message: String) -> BenchmarkOutcome {
        var f = outcome
        f.status = .failed
        f.error = message
        return f
    }

    // MARK: - ONNX Runtime

    private static func onnxRuntime(
        _ request: BenchmarkRequest, _ runner: RunnerRequest, _ device: DeviceContext, _ deadline: Double, _ outcome: inout BenchmarkOutcome
    ) {
        let python = runner.python ?? "python3"
        var detail = RunnerDetail(kind: .onnxruntime, timing: "in-process", argv: [python, "-c", "<runner script>"])
        let session: OnnxRuntimeSession
        switch OnnxRuntimeSession.start(
            python: python, model: runner.modelPath ?? request.planPath, threads: request.settings.threads, runner: runner, deadline: deadline)
        {
        case .success(let s): session = s
        case .failure(let f):
            outcome = failed(outcome, f.message)
            return
        }
        defer { session.close() }
        detail.argv = session.argv
        detail.invocations = 1
        detail.runtime = "onnxruntime \(session.version) (\(session.provider))"
        outcome.runtimeVersion = "onnxruntime \(session.version)"
        outcome.loadNanoseconds = session.loadNanoseconds
        outcome.loadPeakResidentKiB = MemoryProbe.peakResidentKiB(process: session.child.pid)
        outcome.loadResidentKiB = MemoryProbe.residentKiB(process: session.child.pid)
        var st = stat()
        if stat(runner.modelPath ?? request.planPath, &st) == 0 { outcome.weightBytes = Int64(st.st_size) }

        guard let cold = session.run(1, deadline: deadline) else {
            outcome = failed(outcome, session.failure ?? "the runner stopped")
            return
        }
        outcome.coldStartNanoseconds = cold

        var loopSettings = request.settings
        let window = MeasurementWindow(&loopSettings, device: device, process: session.child.pid, outcome: &outcome)
        var resetWorked = false
        var cpuAtStart: Int64?
        let loop = SampleLoop(settings: loopSettings, clock: Clock.monotonicNanoseconds) { n in session.run(n, deadline: deadline) }
        let r = loop.run {
            window.start {
                resetWorked = MemoryProbe.resetPeak(process: session.child.pid)
                cpuAtStart = session.child.cpuNanoseconds()
            }
        }
        let executions = r.samples.count * r.repeatsPerSample
        window.stop(executions: executions, measuredNanoseconds: r.measuredNanoseconds, into: &outcome)
        if r.failed {
            outcome = failed(outcome, session.failure ?? "the runner stopped")
            return
        }
        if let start = cpuAtStart, let end = session.child.cpuNanoseconds() { outcome.processCPUNanoseconds = end - start }
        outcome.peakResidentKiB = resetWorked ? MemoryProbe.peakResidentKiB(process: session.child.pid) : nil
        if !resetWorked { outcome.conditions.append("peak memory unknown: the runner's clear_refs refused the reset") }
        detail.notes = [
            "times are session.run as the runner script measured it (monotonic clock); counters, CPU time and memory are the runner process's"
        ]
        BenchmarkRunner.record(r, into: &outcome)
        outcome.runner = detail
    }

    // MARK: - Commands

    /// The argv of one invocation, placeholders filled in.
    private static func argv(_ request: BenchmarkRequest, _ runner: RunnerRequest, output: String?) -> [String] {
        var values = [
            "model": runner.modelPath ?? request.planPath, "threads": String(request.settings.threads),
            "iterations": String(request.settings.iterations), "warmup": String(request.settings.warmupRuns),
        ]
        if let output { values["output"] = output }
        return (runner.command ?? []).map { RunnerRequest.substitute($0, values) }
    }

    /// One run of the program to its end: its standard output, exit and wall time.
    private struct Invocation {
        var output: [UInt8]
        var exit: ChildProgram.Exit
        var nanoseconds: Int64
    }

    private static func invoke(_ argv: [String], _ runner: RunnerRequest, deadline: Double) -> Result<Invocation, RunnerFailure> {
        let t0 = Clock.monotonicNanoseconds()
        let child: ChildProgram
        switch ChildProgram.start(argv, environment: runner.environment ?? [:]) {
        case .success(let c): child = c
        case .failure(let f): return .failure(f)
        }
        let limit = "\(argv[0]) did not finish before the benchmark's time limit (0.9 × timeoutSeconds)"
        guard let output = child.readAll(deadline: deadline) else {
            child.kill()
            child.wait()
            return .failure(RunnerFailure(MonotonicClock.seconds() >= deadline ? limit : "\(argv[0]) printed over 16 MiB"))
        }
        // Standard output is closed; the program may still run (or hang) without it.
        let exit = child.finish(within: deadline - MonotonicClock.seconds())
        let t = Clock.monotonicNanoseconds() - t0
        if MonotonicClock.seconds() >= deadline && !exit.succeeded { return .failure(RunnerFailure(limit)) }
        if let problem = exit.problem {
            child.drainErrors(deadline: MonotonicClock.seconds() + 1)
            let tail = child.stderrTail
            return .failure(RunnerFailure("\(argv[0]) \(problem)\(tail.isEmpty ? "" : ": \(tail)")"))
        }
        return .success(Invocation(output: output, exit: exit, nanoseconds: t))
    }

    /// `timing: invocation`: each whole run of the program is one execution, timed by the agent
    /// (process start and model load included: what a user of the program waits for).
    private static func invocations(
        _ request: BenchmarkRequest, _ runner: RunnerRequest, _ device: DeviceContext, _ deadline: Double, _ outcome: inout BenchmarkOutcome
    ) {
        let command = argv(request, runner, output: nil)
        var detail = RunnerDetail(kind: .command, timing: "invocation", argv: command)
        var failure: String?
        var inWindow = false
        var peak: Int64?
        var cpu: Int64 = 0
        let run = { () -> Int64? in
            switch invoke(command, runner, deadline: deadline) {
            case .success(let inv):
                detail.invocations += 1
                if inWindow {
                    if let p = inv.exit.peakResidentKiB { peak = max(peak ?? 0, p) }
                    cpu += inv.exit.cpuNanoseconds
                }
                return inv.nanoseconds
            case .failure(let f):
                failure = f.message
                return nil
            }
        }
        guard let cold = run() else {
            outcome = failed(outcome, failure ?? "the program failed")
            return
        }
        outcome.coldStartNanoseconds = cold
        var loopSettings = request.settings
        let window = MeasurementWindow(&loopSettings, device: device, process: nil, outcome: &outcome)
        let loop = SampleLoop(settings: loopSettings, clock: Clock.monotonicNanoseconds) { n in
            var total: Int64 = 0
            for _ in 0..<n {
                guard let t = run() else { return nil }
                total += t
            }
            return total
        }
        let r = loop.run {
            inWindow = true
            window.start()
        }
        window.stop(executions: r.samples.count * r.repeatsPerSample, measuredNanoseconds: r.measuredNanoseconds, into: &outcome)
        if r.failed {
            outcome = failed(outcome, failure ?? "the program failed")
            return
        }
        outcome.peakResidentKiB = peak
        outcome.processCPUNanoseconds = cpu
        detail.notes = [
            "each sample is a whole run of the program, process start and model load included",
            "counters cover the agent and every run of the program; memory is the program's peak: ru_maxrss when above the agent's own, else VmHWM read every 50 ms while it runs",
        ]
        BenchmarkRunner.record(r, into: &outcome)
        outcome.runner = detail
    }

    /// `output:` given: the program times its own iterations and prints them; the agent runs
    /// it until it has `iterations` samples and `minMeasureSeconds` have passed.
    private static func parsedOutput(
        _ request: BenchmarkRequest, _ runner: RunnerRequest, _ device: DeviceContext, _ deadline: Double, _ outcome: inout BenchmarkOutcome
    ) {
        let settings = request.settings
        guard let format = runner.format.flatMap(RunnerFormat.init(rawValue:)) else { return }
        let writesFile = (runner.command ?? []).contains { $0.contains("{output}") }
        let outputPath = "\(temporaryDirectory)/boardbench-runner-\(getpid())-\(Clock.monotonicNanoseconds()).out"
        let command = argv(request, runner, output: writesFile ? outputPath : nil)
        defer { if writesFile { unlink(outputPath) } }
        var detail = RunnerDetail(kind: .command, timing: "output", argv: command)

        var loopSettings = settings
        let window = MeasurementWindow(&loopSettings, device: device, process: nil, outcome: &outcome)
        var samples: [Int64] = []
        var offsets: [Int64] = []
        var peak: Int64?
        var cpu: Int64 = 0
        let origin = Clock.monotonicNanoseconds()
        var last = origin
        window.start()
        var failure: String?
        while true {
            let started = Clock.monotonicNanoseconds()
            if writesFile { unlink(outputPath) }
            let result = once(command, runner, format: format, outputPath: writesFile ? outputPath : nil, deadline: deadline)
            guard case .success(let step) = result else {
                if case .failure(let f) = result { failure = f.message }
                break
            }
            detail.invocations += 1
            if let p = step.exit.peakResidentKiB { peak = max(peak ?? 0, p) }
            (cpu, last) = (cpu + step.exit.cpuNanoseconds, Clock.monotonicNanoseconds())
            detail.test = step.test.isEmpty ? nil : step.test
            detail.metrics = step.metrics
            var offset = started - origin
            for s in step.samples {
                samples.append(s)
                offsets.append(offset)
                offset += s
            }
            let elapsed = last - origin
            if samples.count >= loopSettings.iterations && elapsed >= Int64(loopSettings.minMeasureSeconds * 1e9) { break }
            if elapsed >= Int64(loopSettings.maxMeasureSeconds * 1e9) {
                if samples.count < loopSettings.iterations {
                    outcome.conditions.append(
                        "sampling stopped at maxMeasureSeconds (\(loopSettings.maxMeasureSeconds) s) after \(samples.count) of \(loopSettings.iterations) samples"
                    )
                }
                break
            }
        }
        // The window holds whole runs (start, load, the program's own warm-ups): its energy and
        // counts are kept as totals, not divided into figures per inference.
        window.stop(executions: 0, measuredNanoseconds: last - origin, into: &outcome)
        if let failure {
            outcome = failed(outcome, failure)
            return
        }
        outcome.samplesNanoseconds = samples
        outcome.sampleOffsetsNanoseconds = offsets
        outcome.measuredNanoseconds = last - origin
        outcome.warmupRuns = (runner.command ?? []).contains { $0.contains("{warmup}") } ? settings.warmupRuns : 0
        outcome.peakResidentKiB = peak
        outcome.processCPUNanoseconds = cpu
        detail.notes = [
            "times are the program's own; sample offsets are each run's start plus the program's times before the sample",
            "energy and counters are totals over the program's whole runs (load and its own warm-ups included), not per inference",
            "memory is the program's peak: ru_maxrss when above the agent's own, else VmHWM read every 50 ms while it runs",
        ]
        outcome.runner = detail
    }

    /// One run of a program that prints its own times: what it printed, parsed.
    private struct Step {
        var exit: ChildProgram.Exit
        var test: String
        var samples: [Int64]
        var metrics: [RunnerMetric]
    }

    private static func once(
        _ command: [String], _ runner: RunnerRequest, format: RunnerFormat, outputPath: String?, deadline: Double
    ) -> Result<Step, RunnerFailure> {
        let inv: Invocation
        switch invoke(command, runner, deadline: deadline) {
        case .success(let i): inv = i
        case .failure(let f): return .failure(f)
        }
        let text: String
        if let outputPath {
            guard let data = FileManager.default.contents(atPath: outputPath) else {
                return .failure("\(command[0]) wrote nothing to {output} (\(outputPath))")
            }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = String(decoding: inv.output, as: UTF8.self)
        }
        let report: RunnerReport
        do { report = try RunnerOutput.parse(text, as: format) } catch {
            return .failure("output of \(command[0]) as \(format.rawValue): \(error.description)")
        }
        return pick(report, format: format, runner: runner, program: command[0]).map { chosen in
            Step(
                exit: inv.exit, test: chosen.test.name, samples: chosen.samples,
                metrics: report.tests.flatMap { t in t.metrics.map { RunnerMetric(test: t.name, name: $0.name, value: $0.value, unit: $0.unit) } })
        }
    }

    /// The samples of one invocation's output: the selected test's per-iteration times, or
    /// its `sampleMetric` as one sample.
    private static func pick(_ report: RunnerReport, format: RunnerFormat, runner: RunnerRequest, program: String) -> Result<
        (test: RunnerReport.Test, samples: [Int64]), RunnerFailure
    > {
        let names = report.tests.map { $0.name.isEmpty ? "(unnamed)" : $0.name }.joined(separator: ", ")
        let test: RunnerReport.Test
        if let select = runner.select {
            guard let t = report.tests.first(where: { $0.name == select }) else {
                return .failure(RunnerFailure("output of \(program) has no test \(select) (it has \(names))"))
            }
            test = t
        } else {
            guard report.tests.count == 1 else {
                return .failure(RunnerFailure("output of \(program) has \(report.tests.count) tests (\(names)); name one with select"))
            }
            test = report.tests[0]
        }
        if let name = runner.sampleMetric {
            guard let m = test.metrics.first(where: { $0.name == name }) else {
                return .failure(
                    RunnerFailure("output of \(program) has no metric \(name) (it has \(test.metrics.map(\.name).joined(separator: ", ")))"))
            }
            guard let ns = nanoseconds(m.value, unit: m.unit), ns > 0 else {
                return .failure(RunnerFailure("metric \(name) is \(m.value) \(m.unit), not a positive time"))
            }
            return .success((test, [ns]))
        }
        guard !test.samplesNanoseconds.isEmpty else {
            return .failure(
                RunnerFailure(
                    "output of \(program) as \(format.rawValue) has no per-iteration times; name a sampleMetric (one sample per run) or leave out output to time whole runs"
                ))
        }
        return .success((test, test.samplesNanoseconds))
    }

    /// $TMPDIR or /tmp: where programs write `{output}` files and the ONNX Runtime runner's
    /// inference tensors go.
    static var temporaryDirectory: String {
        if let t = getenv("TMPDIR"), t.pointee != 0 { return String(cString: t) }
        return "/tmp"
    }

    /// A time metric in nanoseconds, by its unit; nil for a unit that is not a time.
    static func nanoseconds(_ value: Double, unit: String) -> Int64? {
        let scale: Double
        switch unit {
        case "ns": scale = 1
        case "us", "µs": scale = 1e3
        case "ms": scale = 1e6
        case "s": scale = 1e9
        default: return nil
        }
        let ns = value * scale
        guard ns.isFinite, ns < 9e18 else { return nil }
        return Int64(ns.rounded())
    }
}
