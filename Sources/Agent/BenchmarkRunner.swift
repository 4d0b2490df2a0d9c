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
        MonotonicClock.sleep(seconds: settings.cooldownSeconds)
        if let target = settings.cooldownBelowCelsius {
            let c = environment.coolDown(belowCelsius: target, timeoutSeconds: settings.cooldownTimeoutSeconds)
            outcome.cooldown = c
            if c.status == .timedOut {
                let last = c.lastCelsius.map { "\(($0 * 10).rounded() / 10) °C" } ?? "unknown"
                outcome.conditions.append("cooldown timed out after \(Int(c.waitedSeconds)) s at \(last), above \(target) °C")
            }
        }
        let originalCores = CPUAffinity.cores()
        defer { if outcome.pinnedCores != nil, !originalCores.isEmpty { _ = CPUAffinity.pinProcess(to: originalCores) } }
        if let spec = settings.cores {
            switch pin(spec, device: device, environment: environment) {
            case .success(let resolved): (outcome.pinnedCores, outcome.pinningBasis) = (resolved.cpus, resolved.basis)
            case .failure(let failure): return failed(failure.description)
            }
        }
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

        // Energy: the rail is sampled over the samples only, after an idle baseline taken just
        // before them; a window too short for the sensor's rate lengthens the run.
        var loopSettings = settings
        var meter: EnergyMeter?
        if settings.energy {
            if let config = device.config.energy {
                let m = EnergyMeter(config: config, root: device.root)
                if let why = m.unavailableReason {
                    outcome.energy = .unavailable(why)
                } else {
                    meter = m
                    loopSettings.minMeasureSeconds = min(max(settings.minMeasureSeconds, m.minimumWindowSeconds), settings.maxMeasureSeconds)
                }
            } else {
                outcome.energy = .unavailable(
                    "no power rail configured for this device: name its board (`board:`) or give `energy:` in its device file")
            }
        }

        // Counters: opened on every thread that exists when sampling starts (OpenBLAS's and the
        // runtime's included) and inherited by threads started later.
        let events = settings.counters ?? PerfEventProbe.defaultEvents
        var counters: CounterSession?
        var counterFailure: String?
        if !events.isEmpty {
            do { counters = try CounterSession(events: events, root: device.root) } catch { counterFailure = "\(error)" }
        }

        var resetWorked = false
        var cpuAtStart: Int64 = 0
        var idle: EnergyMeasurement?
        let loop = SampleLoop(settings: loopSettings, clock: Clock.monotonicNanoseconds, execute: execute)
        let r = loop.run {
            idle = meter?.measureIdle()
            resetWorked = MemoryProbe.resetPeak()
            // Process CPU time brackets the counters (read before they start and after they
            // stop), so the two cover the same work and task-clock can be checked against it.
            cpuAtStart = Clock.processCPUNanoseconds()
            do { try counters?.start() } catch {
                counterFailure = "\(error)"
                counters = nil
            }
            meter?.start()
        }
        let executions = r.samples.count * r.repeatsPerSample
        if let counters {
            do {
                let results = try counters.stop()
                outcome.counters = results
                outcome.countersPerExecution = results.perIteration(iterations: executions)
            } catch { counterFailure = "\(error)" }
        }
        outcome.processCPUNanoseconds = Clock.processCPUNanoseconds() - cpuAtStart
        if let meter { outcome.energy = meter.stop(inferences: executions, idle: idle, workSeconds: Double(r.measuredNanoseconds) / 1e9) }
        if let counterFailure { outcome.conditions.append("counters not measured: \(counterFailure)") }
        let after = environment.snapshot()
        outcome.environmentAfter = after
        let issues = EnvironmentAssessment.issues(before: before, after: after, cpus: outcome.pinnedCores)
        outcome.environmentIssues = issues
        outcome.conditions += issues.map(\.reason)
        outcome.peakResidentKiB = resetWorked ? MemoryProbe.peakResidentKiB() : nil
        (outcome.warmupRuns, outcome.warmupNanoseconds, outcome.repeatsPerSample) = (r.warmupRuns, r.warmupNanoseconds, r.repeatsPerSample)
        outcome.calibrationNanoseconds = r.calibrationNanoseconds
        (outcome.samplesNanoseconds, outcome.sampleOffsetsNanoseconds, outcome.measuredNanoseconds) = (r.samples, r.offsets, r.measuredNanoseconds)
        if let cut = r.cutShort { outcome.conditions.append(cut) }
        if !resetWorked { outcome.conditions.append("peak memory unknown: /proc/self/clear_refs refused the reset") }
        return outcome
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
