import BenchCore

/// The energy part of a benchmark: opens the configured rail once, measures an idle baseline
/// just before the window, samples the rail on its own thread during the window only, and turns
/// the samples into joules per inference with a precision verdict.
///
///     let meter = EnergyMeter(config: config, root: root)
///     let idle = meter.measureIdle()            // config.idleBaselineSeconds of doing nothing
///     meter.start()
///     for _ in 0..<n { runInference() }
///     let energy = meter.stop(inferences: n, idle: idle)
///
/// When the rail is missing every call still works and returns `unavailable` with the reason.
/// Used from one thread (the one running the benchmark).
public final class EnergyMeter {
    public let config: EnergyConfig
    /// The opened rail, or why there is none.
    public let source: Result<any EnergySource, EnergyUnavailable>
    private let sampler: EnergySampler?
    private var startFailure: EnergyUnavailable?

    public convenience init(config: EnergyConfig, root: SysfsRoot = SysfsRoot()) {
        self.init(config: config, source: EnergySources.open(config, root: root))
    }

    /// With an already opened (or synthetic) source.
    public init(config: EnergyConfig, source: Result<any EnergySource, EnergyUnavailable>) {
        self.config = config
        self.source = source
        if case .success(let s) = source, config.problem() == nil {
            sampler = EnergySampler(source: s, sampleRateHertz: config.sampleRateHertz)
        } else {
            sampler = nil
        }
    }

    /// Why energy cannot be measured here, or nil when the rail is readable.
    public var unavailableReason: String? {
        if let problem = config.problem() { return problem }
        if case .failure(let why) = source { return why.description }
        return nil
    }

    /// The precision rule for this rail and rate: the config's sensor interval wins over the source's.
    public var precisionRule: EnergyPrecision {
        let sourceInterval: Double? = if case .success(let s) = source { s.updateIntervalSeconds } else { nil }
        return EnergyPrecision(
            sampleRateHertz: config.sampleRateHertz, sensorUpdateIntervalSeconds: config.sensorUpdateIntervalMilliseconds.map { $0 / 1000 } ?? sourceInterval,
            minimumSamples: config.minimumSamples)
    }

    /// The shortest window that can be `precise`; shorter runs must be lengthened.
    public var minimumWindowSeconds: Double { precisionRule.minimumWindowSeconds }

    /// Inferences needed to fill the minimum window at the given latency.
    public func inferencesNeeded(secondsPerInference: Double) -> Int { precisionRule.inferencesNeeded(secondsPerInference: secondsPerInference) }

    /// Idle power over `seconds` (default `config.idleBaselineSeconds`) of doing nothing, measured
    /// like a window with no inferences. Call it just before `start()`.
    public func measureIdle(seconds: Double? = nil) -> EnergyMeasurement {
        let duration = seconds ?? config.idleBaselineSeconds
        if let why = unavailableReason { return .unavailable(why) }
        guard duration > 0 else { return .unavailable("idle baseline disabled (energy.idleBaselineSeconds is 0)") }
        start()
        MonotonicClock.sleep(seconds: duration)
        return stop(inferences: 0)
    }

    /// Opens the measured window (ending any open one).
    public func start() {
        startFailure = nil
        if case .failure(let why) = sampler?.start() { startFailure = why }
    }

    /// Closes the window and returns its energy; `idle` is the baseline from `measureIdle`.
    /// `workSeconds`: the span of the inferences themselves, when the caller timed it.
    public func stop(inferences: Int, idle: EnergyMeasurement? = nil, workSeconds: Double? = nil) -> EnergyMeasurement {
        if let why = unavailableReason { return .unavailable(why, inferences: inferences) }
        if let why = startFailure { return .unavailable(why.description, inferences: inferences) }
        guard let sampler, let window = sampler.stop() else { return .unavailable("stop() without start()", inferences: inferences) }
        return .from(window: window, source: sampler.source, precision: precisionRule, inferences: inferences, idle: idle, workSeconds: workSeconds)
    }
}
