import BenchCore
import Probes

#if canImport(Glibc)
    import Glibc
#endif

/// Energy and performance counters over a benchmark's samples, the same for every runtime
/// (docs/methodology.md): the rail is sampled over the samples only, after an idle baseline
/// taken just before them, and a window too short for the sensor's rate lengthens the run;
/// counters are opened on every thread of the measured process that exists when sampling
/// starts and inherited by threads (and programs) started later.
final class MeasurementWindow {
    private var meter: EnergyMeter?
    private var counters: CounterSession?
    private var counterFailure: String?
    private var idle: EnergyMeasurement?

    /// Records an unavailable rail in `outcome` and lengthens `settings.minMeasureSeconds` to the
    /// rail's minimum window. `process`: count that process's threads (a long-lived external
    /// runtime); nil: the agent's own, inherited by the programs it starts during the window.
    init(_ settings: inout MeasurementSettings, device: DeviceContext, process: pid_t?, outcome: inout BenchmarkOutcome) {
        if settings.energy {
            if let config = device.config.energy {
                let m = EnergyMeter(config: config, root: device.root)
                if let why = m.unavailableReason {
                    outcome.energy = .unavailable(why)
                } else {
                    meter = m
                    settings.minMeasureSeconds = min(max(settings.minMeasureSeconds, m.minimumWindowSeconds), settings.maxMeasureSeconds)
                }
            } else {
                outcome.energy = .unavailable(
                    "no power rail configured for this device: name its board (`board:`) or give `energy:` in its device file")
            }
        }
        let events = settings.counters ?? PerfEventProbe.defaultEvents
        if !events.isEmpty {
            do { counters = try CounterSession(events: events, root: device.root, process: process) } catch { counterFailure = "\(error)" }
        }
    }

    /// Takes the idle baseline, runs `beforeCounting` (peak resets, CPU clocks), then starts the
    /// counters and the rail.
    func start(_ beforeCounting: () -> Void = {}) {
        idle = meter?.measureIdle()
        beforeCounting()
        do { try counters?.start() } catch {
            counterFailure = "\(error)"
            counters = nil
        }
        meter?.start()
    }

    /// Stops the counters, runs `afterCounters` (the other side of a CPU-time bracket), then the
    /// rail, and records both in `outcome`. `executions` 0: totals only, nothing per execution.
    func stop(executions: Int, measuredNanoseconds: Int64, into outcome: inout BenchmarkOutcome, afterCounters: () -> Void = {}) {
        if let counters {
            do {
                let results = try counters.stop()
                outcome.counters = results
                outcome.countersPerExecution = results.perIteration(iterations: executions)
            } catch { counterFailure = "\(error)" }
        }
        afterCounters()
        if let meter { outcome.energy = meter.stop(inferences: executions, idle: idle, workSeconds: Double(measuredNanoseconds) / 1e9) }
        if let counterFailure { outcome.conditions.append("counters not measured: \(counterFailure)") }
    }
}
