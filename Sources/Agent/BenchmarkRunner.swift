import BenchCore
import ModelPlan
import Probes
import Runtime

#if canImport(Glibc)
    import Glibc
#endif

/// Measures one benchmark: load and validate the plan, time the cold start on its own, run
/// the warmups, then time each measured execution. Every sample is kept.
public enum BenchmarkRunner {
    /// Measures one benchmark on the device whose files `root` reads (docs/methodology.md):
    /// cooldown, pinning, load (time and memory), the cold start on its own, then the sample
    /// loop with the peak resident set reset just before it.
    public static func measure(_ request: BenchmarkRequest, device: DeviceContext = DeviceContext(nil)) -> BenchmarkOutcome {
        if let runner = request.runner { return ExternalRunner.measure(request, runner: runner, device: device) }
        let settings = request.settings
        var outcome = BenchmarkOutcome(
            benchmark: request.name, planHash: request.planHash, status: .ok, runtimeVersion: RuntimeInfo.version, settings: settings,
            startedAtUnixNanoseconds: Clock.unixNanoseconds())
        func failed(_ message: String) -> BenchmarkOutcome {
            var f = outcome
            f.status = .failed
            f.error = message
            return f
        }
        if let problem = settings.problem() { return failed("invalid settings: \(problem)") }

        let environment = EnvironmentProbe(root: device.root, throttleCommand: device.throttleCommand)
        let originalCores = CPUAffinity.cores()
        defer { if outcome.pinnedCores != nil, !originalCores.isEmpty { _ = CPUAffinity.pinProcess(to: originalCores) } }
        if let failure = settle(settings, device: device, environment: environment, outcome: &outcome) { return failed(failure) }
        let before = environment.snapshot()
        outcome.environmentBefore = before

        // Memory figures must not depend on the benchmarks before this one (MemoryProbe).
        if !MemoryProbe.fixAllocatorThresholds() {
            outcome.conditions.append("load memory may include heap freed by earlier benchmarks: this C library has no mallopt")
        }
        MemoryProbe.releaseFreeHeap()
        MemoryProbe.resetPeak()
        let residentBefore = MemoryProbe.residentKiB()
        let loadStart = Clock.monotonicNanoseconds()
        let bytes: [UInt8]
        switch readWholeFile(request.planPath) {
        case .success(let b): bytes = b
        case .failure(let message): return failed(message)
        }
        let graph: Graph
        do { graph = try PlanCodec.decode(bytes) } catch { return failed("plan \(request.planPath): \(error.description)") }
        let executor = Executor(graph: graph, threads: settings.threads)
        executor.fillInputsDeterministically()
        outcome.loadNanoseconds = Clock.monotonicNanoseconds() - loadStart
        if let before = residentBefore, let after = MemoryProbe.residentKiB() { outcome.loadResidentKiB = after - before }
        outcome.loadPeakResidentKiB = MemoryProbe.peakResidentKiB()
        (outcome.arenaBytes, outcome.weightBytes) = (Int64(executor.activationBytes), Int64(executor.weightBytes))

        // The test-only workload sleeps instead of computing (docs/formats.md, "Test workload").
        let execute: () -> Void
        if let ms = settings.testSleepMilliseconds {
            execute = { MonotonicClock.sleep(seconds: ms / 1000) }
            outcome.conditions.append("test workload: every execution slept \(ms) ms instead of running the plan")
        } else {
            execute = executor.execute
        }
        let coldStart = Clock.monotonicNanoseconds()
        execute()
        outcome.coldStartNanoseconds = Clock.monotonicNanoseconds() - coldStart

        // Energy over the samples only (after an idle baseline), counters on every thread that
        // exists when sampling starts (OpenBLAS's and the runtime's) and inherited by later ones.
        var loopSettings = settings
        let window = MeasurementWindow(&loopSettings, device: device, process: nil, outcome: &outcome)
        var resetWorked = false
        var cpuAtStart: Int64 = 0
        let loop = SampleLoop(settings: loopSettings, clock: Clock.monotonicNanoseconds, execute: execute)
        let r = loop.run {
            window.start {
                resetWorked = MemoryProbe.resetPeak()
                // Process CPU time brackets the counters (read before they start and after they
                // stop), so the two cover the same work and task-clock can be checked against it.
                cpuAtStart = Clock.processCPUNanoseconds()
            }
        }
        var cpuAtEnd: Int64 = 0
        window.stop(executions: r.samples.count * r.repeatsPerSample, measuredNanoseconds: r.measuredNanoseconds, into: &outcome) {
            cpuAtEnd = Clock.processCPUNanoseconds()
        }
        outcome.processCPUNanoseconds = cpuAtEnd - cpuAtStart
        recordEnvironmentAfter(environment, before: before, into: &outcome)
        outcome.peakResidentKiB = resetWorked ? MemoryProbe.peakResidentKiB() : nil
        record(r, into: &outcome)
        if !resetWorked { outcome.conditions.append("peak memory unknown: /proc/self/clear_refs refused the reset") }
        return outcome
    }

    /// Before a benchmark, for every runtime: the idle time, the wait for `cooldownBelowCelsius`
    /// (flagged when it times out) and pinning to `cores`. The failure message, or nil. The
    /// caller restores the agent's cores afterwards when `outcome.pinnedCores` is set.
    static func settle(
        _ settings: MeasurementSettings, device: DeviceContext, environment: EnvironmentProbe, outcome: inout BenchmarkOutcome
    ) -> String? {
        MonotonicClock.sleep(seconds: settings.cooldownSeconds)
        if let target = settings.cooldownBelowCelsius {
            let c = environment.coolDown(belowCelsius: target, timeoutSeconds: settings.cooldownTimeoutSeconds)
            outcome.cooldown = c
            if c.status == .timedOut {
                let last = c.lastCelsius.map { "\(($0 * 10).rounded() / 10) °C" } ?? "unknown"
                outcome.conditions.append("cooldown timed out after \(Int(c.waitedSeconds)) s at \(last), above \(target) °C")
            }
        }
        guard let spec = settings.cores else { return nil }
        switch pin(spec, device: device, environment: environment) {
        case .success(let resolved):
            (outcome.pinnedCores, outcome.pinningBasis) = (resolved.cpus, resolved.basis)
            return nil
        case .failure(let failure):
            return failure.description
        }
    }

    /// What the sample loop measured: warm-up, calibration, samples, and a cut-short condition.
    static func record(_ r: SampleLoop.Result, into outcome: inout BenchmarkOutcome) {
        (outcome.warmupRuns, outcome.warmupNanoseconds, outcome.repeatsPerSample) = (r.warmupRuns, r.warmupNanoseconds, r.repeatsPerSample)
        outcome.calibrationNanoseconds = r.calibrationNanoseconds
        (outcome.samplesNanoseconds, outcome.sampleOffsetsNanoseconds, outcome.measuredNanoseconds) = (r.samples, r.offsets, r.measuredNanoseconds)
        if let cut = r.cutShort { outcome.conditions.append(cut) }
    }

    /// The environment after the samples, and what comparing it with `before` found (also
    /// in the conditions, so it bears on the verdict).
    static func recordEnvironmentAfter(_ environment: EnvironmentProbe, before: EnvironmentSnapshot, into outcome: inout BenchmarkOutcome) {
        let after = environment.snapshot()
        outcome.environmentAfter = after
        let issues = EnvironmentAssessment.issues(before: before, after: after, cpus: outcome.pinnedCores)
        outcome.environmentIssues = issues
        outcome.conditions += issues.map(\.reason)
    }

    /// Resolves a core spec against the device and pins every thread of the agent to it.
    static func pin(_ spec: String, device: DeviceContext, environment: EnvironmentProbe) -> Result<ResolvedCores, CPUAffinity.Failure> {
        let resolved: ResolvedCores
        if spec == "big", let listed = device.config.bigCores {
            resolved = ResolvedCores(cpus: listed, basis: "the board descriptor's bigCores")
        } else {
            do { resolved = try environment.resolveCores(spec: spec) } catch { return .failure(.init(description: error.description)) }
        }
        // The cores must also be ones this process may use (a cgroup or taskset can narrow them).
        let allowed = CPUAffinity.cores()
        let refused = resolved.cpus.filter { !allowed.contains($0) }
        guard refused.isEmpty, !resolved.cpus.isEmpty else {
            return .failure(
                .init(description: "cores \(spec): \(CPUList.format(refused)) not available to the agent (it may use \(CPUList.format(allowed)))"))
        }
        return CPUAffinity.pinProcess(to: resolved.cpus).map { resolved }
    }

    enum ReadResult {
        case success([UInt8])
        case failure(String)
    }

    /// Reads a plan file, refusing anything over the plan size limit before allocating.
    static func readWholeFile(_ path: String) -> ReadResult {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure("cannot open plan \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure("cannot stat plan \(path): \(String(cString: strerror(errno)))") }
        let size = Int(st.st_size)
        guard size <= PlanFormat.maxFileSize else { return .failure("plan \(path) is \(size) bytes, over the 2 GiB limit") }
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, size - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return .failure("cannot read plan \(path): \(n == 0 ? "unexpected end of file" : String(cString: strerror(errno)))") }
            done += n
        }
        return .success(bytes)
    }
}
