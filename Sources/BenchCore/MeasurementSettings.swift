/// How one benchmark is measured. Profiles set defaults and benchmarks override them;
/// every field has a default so profiles only name what they change. docs/methodology.md
/// explains each choice; docs/formats.md lists the YAML keys.
public struct MeasurementSettings: Codable, Sendable, Equatable, Hashable {
    /// Untimed executions after the cold start, before measuring (at least this many...).
    public var warmupRuns: Int
    /// ...and at least this long, so caches, page tables and clocks settle on fast models too.
    public var warmupSeconds: Double
    /// Samples to take at least (each sample may time several executions, see `minSampleMilliseconds`).
    public var iterations: Int
    /// Keep sampling until this much time has passed, even when `iterations` are done.
    public var minMeasureSeconds: Double
    /// Stop sampling after this long, even when fewer than `iterations` samples exist (flagged).
    public var maxMeasureSeconds: Double
    /// A sample shorter than this times a calibrated number of back-to-back executions instead
    /// (TVM's `min_repeat_ms`), so microsecond blocks are not lost in clock resolution. 0 disables.
    public var minSampleMilliseconds: Double
    /// Idle time before the benchmark starts (after the previous one), for the board to cool.
    public var cooldownSeconds: Double
    /// Wait before starting until the hottest thermal zone is below this (°C); nil: do not wait.
    public var cooldownBelowCelsius: Double?
    /// Give up waiting for `cooldownBelowCelsius` after this long and measure anyway (flagged).
    public var cooldownTimeoutSeconds: Double
    /// Threads for the runtime (OpenBLAS and the runtime's own loops).
    public var threads: Int
    /// CPU pinning: nil (none), "all", "big" (from the board's facts) or a list such as "0-3,6".
    public var cores: String?
    /// Performance-counter events (libpfm4 names); nil means the defaults, [] none.
    public var counters: [String]?
    /// Measure energy over the measured window (the rail comes from the device's board descriptor).
    public var energy: Bool
    /// The whole benchmark (cooldown, load, warm-up, samples) must finish within this; past it
    /// the host kills the agent and records the benchmark as timed out.
    public var timeoutSeconds: Double
    /// Test-only workload (docs/formats.md): every execution sleeps this long instead of running
    /// the plan, which is still loaded and validated. Exercises timeouts, hangs and scheduling
    /// without competing for the CPU; results say so in their conditions. nil: run the plan.
    public var testSleepMilliseconds: Double?

    public static let `default` = MeasurementSettings()

    public init(
        warmupRuns: Int = 5, warmupSeconds: Double = 0.1, iterations: Int = 50, minMeasureSeconds: Double = 0,
        maxMeasureSeconds: Double = 120, minSampleMilliseconds: Double = 2, cooldownSeconds: Double = 0,
        cooldownBelowCelsius: Double? = nil, cooldownTimeoutSeconds: Double = 120, threads: Int = 1, cores: String? = nil,
        counters: [String]? = nil, energy: Bool = true, timeoutSeconds: Double = 900, testSleepMilliseconds: Double? = nil
    ) {
        self.warmupRuns = warmupRuns
        self.warmupSeconds = warmupSeconds
        self.iterations = iterations
        self.minMeasureSeconds = minMeasureSeconds
        self.maxMeasureSeconds = maxMeasureSeconds
        self.minSampleMilliseconds = minSampleMilliseconds
        self.cooldownSeconds = cooldownSeconds
        self.cooldownBelowCelsius = cooldownBelowCelsius
        self.cooldownTimeoutSeconds = cooldownTimeoutSeconds
        self.threads = threads
        self.cores = cores
        self.counters = counters
        self.energy = energy
        self.timeoutSeconds = timeoutSeconds
        self.testSleepMilliseconds = testSleepMilliseconds
    }

    /// Settings stored by older versions lack the newer keys: they decode with the defaults.
    public init(from decoder: any Decoder) throws {
        self = try SettingsOverride(from: decoder).applied(to: MeasurementSettings())
    }

    /// Describes the first setting out of range, or nil when all are usable.
    public func problem() -> String? {
        func bad(_ name: String, _ value: Double, _ range: ClosedRange<Double>) -> String? {
            value.isFinite && range.contains(value) ? nil : "\(name) must be \(range.lowerBound)...\(range.upperBound), got \(value)"
        }
        if warmupRuns < 0 || warmupRuns > 1_000_000 { return "warmupRuns must be 0...1000000, got \(warmupRuns)" }
        if iterations < 1 || iterations > 10_000_000 { return "iterations must be 1...10000000, got \(iterations)" }
        if threads < 1 || threads > 1024 { return "threads must be 1...1024, got \(threads)" }
        let day = 86_400.0
        if let p = bad("warmupSeconds", warmupSeconds, 0...day) ?? bad("minMeasureSeconds", minMeasureSeconds, 0...day)
            ?? bad("maxMeasureSeconds", maxMeasureSeconds, 0.001...day) ?? bad("minSampleMilliseconds", minSampleMilliseconds, 0...10_000)
            ?? bad("cooldownSeconds", cooldownSeconds, 0...day) ?? bad("cooldownTimeoutSeconds", cooldownTimeoutSeconds, 0...day)
            ?? bad("timeoutSeconds", timeoutSeconds, 1...7 * day) ?? testSleepMilliseconds.flatMap({ bad("testSleepMilliseconds", $0, 0...600_000) })
        {
            return p
        }
        if let c = cooldownBelowCelsius, let p = bad("cooldownBelowCelsius", c, 0...150) { return p }
        if minMeasureSeconds > maxMeasureSeconds {
            return "minMeasureSeconds (\(minMeasureSeconds)) is above maxMeasureSeconds (\(maxMeasureSeconds))"
        }
        if let cores, let p = CoreSpec.problem(cores) { return "cores: \(p)" }
        if let counters, let empty = counters.firstIndex(where: { $0.isEmpty }) { return "counters[\(empty)] is empty" }
        return nil
    }
}

/// A benchmark's settings as written in a profile: any field may be absent and then
/// falls back to the profile's, then to `MeasurementSettings.default`.
public struct SettingsOverride: Codable, Sendable, Equatable, Hashable {
    public var warmupRuns: Int?
    public var warmupSeconds: Double?
    public var iterations: Int?
    public var minMeasureSeconds: Double?
    public var maxMeasureSeconds: Double?
    public var minSampleMilliseconds: Double?
    public var cooldownSeconds: Double?
    public var cooldownBelowCelsius: Double?
    public var cooldownTimeoutSeconds: Double?
    public var threads: Int?
    public var cores: String?
    public var counters: [String]?
    public var energy: Bool?
    public var timeoutSeconds: Double?
    public var testSleepMilliseconds: Double?

    public init(
        warmupRuns: Int? = nil, warmupSeconds: Double? = nil, iterations: Int? = nil, minMeasureSeconds: Double? = nil,
        maxMeasureSeconds: Double? = nil, minSampleMilliseconds: Double? = nil, cooldownSeconds: Double? = nil,
        cooldownBelowCelsius: Double? = nil, cooldownTimeoutSeconds: Double? = nil, threads: Int? = nil, cores: String? = nil,
        counters: [String]? = nil, energy: Bool? = nil, timeoutSeconds: Double? = nil, testSleepMilliseconds: Double? = nil
    ) {
        self.warmupRuns = warmupRuns
        self.warmupSeconds = warmupSeconds
        self.iterations = iterations
        self.minMeasureSeconds = minMeasureSeconds
        self.maxMeasureSeconds = maxMeasureSeconds
        self.minSampleMilliseconds = minSampleMilliseconds
        self.cooldownSeconds = cooldownSeconds
        self.cooldownBelowCelsius = cooldownBelowCelsius
        self.cooldownTimeoutSeconds = cooldownTimeoutSeconds
        self.threads = threads
        self.cores = cores
        self.counters = counters
        self.energy = energy
        self.timeoutSeconds = timeoutSeconds
        self.testSleepMilliseconds = testSleepMilliseconds
    }

    public func applied(to base: MeasurementSettings) -> MeasurementSettings {
        var s = base
        if let v = warmupRuns { s.warmupRuns = v }
        if let v = warmupSeconds { s.warmupSeconds = v }
        if let v = iterations { s.iterations = v }
        if let v = minMeasureSeconds { s.minMeasureSeconds = v }
        if let v = maxMeasureSeconds { s.maxMeasureSeconds = v }
        if let v = minSampleMilliseconds { s.minSampleMilliseconds = v }
        if let v = cooldownSeconds { s.cooldownSeconds = v }
        if let v = cooldownBelowCelsius { s.cooldownBelowCelsius = v }
        if let v = cooldownTimeoutSeconds { s.cooldownTimeoutSeconds = v }
        if let v = threads { s.threads = v }
        if let v = cores { s.cores = v }
        if let v = counters { s.counters = v }
        if let v = energy { s.energy = v }
        if let v = timeoutSeconds { s.timeoutSeconds = v }
        if let v = testSleepMilliseconds { s.testSleepMilliseconds = v }
        return s
    }
}

/// CPU pinning as written in settings: "all", "big", or a CPU list ("0-3,6", `CPUList`).
public enum CoreSpec {
    /// Highest core index a list may name.
    public static let maxCore = 4095

    /// Why a spec cannot be used, or nil.
    public static func problem(_ spec: String) -> String? {
        if spec == "all" || spec == "big" { return nil }
        if let cores = try? CPUList.parse(spec), let top = cores.last, top <= maxCore { return nil }
        return "\(spec.debugDescription) is not \"all\", \"big\" or a core list such as \"0-3,6\""
    }
}
