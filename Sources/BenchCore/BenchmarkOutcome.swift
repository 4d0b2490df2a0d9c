/// What the agent measured for one benchmark. Samples are kept whole; statistics are
/// derived by whoever reads them.
public struct BenchmarkOutcome: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case ok
        /// The plan could not be loaded or executed; `error` says why.
        case failed
        /// The benchmark outran its `timeoutSeconds`; the host killed the agent (recorded by the host).
        case timedOut
    }

    public var benchmark: String
    public var planHash: String
    public var status: Status
    public var error: String?
    public var runtimeVersion: String
    public var settings: MeasurementSettings
    /// Wall-clock start of the benchmark, nanoseconds since the Unix epoch (device clock).
    public var startedAtUnixNanoseconds: Int64
    /// Decoding, validating and preparing the plan.
    public var loadNanoseconds: Int64
    /// The first execution after load, timed on its own and never mixed with samples.
    public var coldStartNanoseconds: Int64
    /// Warmup executions run (after the cold start) and how long they took in all.
    public var warmupRuns: Int
    public var warmupNanoseconds: Int64
    /// Finding `repeatsPerSample`: the trial batches after the warmup (nil from agents before it
    /// was recorded). Device time like the warmup: the board is executing the model.
    public var calibrationNanoseconds: Int64?
    /// Back-to-back executions each sample timed; samples are per execution (total / repeats).
    public var repeatsPerSample: Int
    /// One latency per sample, per execution, in order.
    public var samplesNanoseconds: [Int64]
    /// Start of each sample, relative to the first sample's start (monotonic clock).
    public var sampleOffsetsNanoseconds: [Int64]
    /// From the first sample's start to the last sample's end.
    public var measuredNanoseconds: Int64
    /// Peak resident set (VmHWM) of the measured phase, reset before it; nil if unreadable.
    public var peakResidentKiB: Int64?
    /// Resident set growth over the load (plan bytes, weights, arena), and the peak during it.
    public var loadResidentKiB: Int64?
    public var loadPeakResidentKiB: Int64?
    public var arenaBytes: Int64
    public var weightBytes: Int64
    /// The cores every thread of the agent was pinned to, nil when not pinned.
    public var pinnedCores: [Int]?
    /// Things that happened during the measurement and bear on trusting it ("sampling stopped
    /// at maxMeasureSeconds", "cooldown timed out at 71.2 °C"); they feed the stability verdict.
    public var conditions: [String]
    /// Energy over the measured window (nil when the settings turned it off); `unavailable`
    /// with the reason when the device has no readable rail, never zero.
    public var energy: EnergyMeasurement?
    /// CPU time the whole agent process used over the samples (all threads): with the
    /// measured time it shows how many cores the work kept busy.
    public var processCPUNanoseconds: Int64?
    /// Performance counters over the samples, summed over every thread; nil when none were asked for.
    public var counters: CounterResults?
    /// Counter values per execution (scaled value / executions), by event; unavailable events are absent.
    public var countersPerExecution: [String: Double]?
    /// The device just before the benchmark (after any cooldown) and just after it.
    public var environmentBefore: EnvironmentSnapshot?
    public var environmentAfter: EnvironmentSnapshot?
    /// What comparing the two snapshots found (throttling, governor, load); also in `conditions`.
    public var environmentIssues: [EnvironmentIssue]?
    /// The wait for `cooldownBelowCelsius`, when one was asked for.
    public var cooldown: CooldownOutcome?
    /// How `cores` was resolved ("highest cpu_capacity, 1024"), when pinned.
    public var pinningBasis: String?
    /// For a benchmark an external runtime executed: how it was run and what it reported.
    public var runner: RunnerDetail?

    public init(
        benchmark: String, planHash: String, status: Status, error: String? = nil, runtimeVersion: String,
        settings: MeasurementSettings, startedAtUnixNanoseconds: Int64
    ) {
        self.benchmark = benchmark
        self.planHash = planHash
        self.status = status
        self.error = error
        self.runtimeVersion = runtimeVersion
        self.settings = settings
        self.startedAtUnixNanoseconds = startedAtUnixNanoseconds
        loadNanoseconds = 0
        coldStartNanoseconds = 0
        warmupRuns = 0
        warmupNanoseconds = 0
        repeatsPerSample = 1
        samplesNanoseconds = []
        sampleOffsetsNanoseconds = []
        measuredNanoseconds = 0
        arenaBytes = 0
        weightBytes = 0
        conditions = []
    }

    /// A failed benchmark: no samples, the reason in `error`.
    public static func failure(
        benchmark: String, planHash: String, error: String, runtimeVersion: String,
        settings: MeasurementSettings, startedAtUnixNanoseconds: Int64
    ) -> BenchmarkOutcome {
        BenchmarkOutcome(
            benchmark: benchmark, planHash: planHash, status: .failed, error: error, runtimeVersion: runtimeVersion,
            settings: settings, startedAtUnixNanoseconds: startedAtUnixNanoseconds)
    }
}

extension BenchmarkOutcome {
    /// Statistics over every sample; nil for a failed benchmark.
    public var statistics: Statistics? { status == .ok ? Statistics(nanoseconds: samplesNanoseconds) : nil }

    /// The stability verdict over the samples and everything recorded about the conditions.
    public var verdict: StabilityVerdict? {
        statistics.map { StabilityVerdict.assess($0, conditions: conditions) }
    }

    /// The outcome without its samples: what the store keeps beside the sample rows.
    public var withoutSamples: BenchmarkOutcome {
        var o = self
        o.samplesNanoseconds = []
        o.sampleOffsetsNanoseconds = []
        return o
    }
}
