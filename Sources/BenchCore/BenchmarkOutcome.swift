/// What the agent measured for one benchmark. Samples are kept whole; statistics are
/// derived by whoever reads them.
public struct BenchmarkOutcome: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case ok
        /// The plan could not be loaded or executed; `error` says why.
        case failed
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
    /// One latency per timed execution, in order.
    public var samplesNanoseconds: [Int64]
    /// Start of each sample, relative to the first sample's start (monotonic clock).
    public var sampleOffsetsNanoseconds: [Int64]
    /// Peak resident set (VmHWM) of the measured phase, reset before it; nil if unreadable.
    public var peakResidentKiB: Int64?
    public var arenaBytes: Int64
    public var weightBytes: Int64

    public init(
        benchmark: String, planHash: String, status: Status, error: String?, runtimeVersion: String,
        settings: MeasurementSettings, startedAtUnixNanoseconds: Int64, loadNanoseconds: Int64,
        coldStartNanoseconds: Int64, samplesNanoseconds: [Int64], sampleOffsetsNanoseconds: [Int64],
        peakResidentKiB: Int64?, arenaBytes: Int64, weightBytes: Int64
    ) {
        self.benchmark = benchmark
        self.planHash = planHash
        self.status = status
        self.error = error
        self.runtimeVersion = runtimeVersion
        self.settings = settings
        self.startedAtUnixNanoseconds = startedAtUnixNanoseconds
        self.loadNanoseconds = loadNanoseconds
        self.coldStartNanoseconds = coldStartNanoseconds
        self.samplesNanoseconds = samplesNanoseconds
        self.sampleOffsetsNanoseconds = sampleOffsetsNanoseconds
        self.peakResidentKiB = peakResidentKiB
        self.arenaBytes = arenaBytes
        self.weightBytes = weightBytes
    }

    /// A failed benchmark: no samples, the reason in `error`.
    public static func failure(
        benchmark: String, planHash: String, error: String, runtimeVersion: String,
        settings: MeasurementSettings, startedAtUnixNanoseconds: Int64
    ) -> BenchmarkOutcome {
        BenchmarkOutcome(
            benchmark: benchmark, planHash: planHash, status: .failed, error: error,
            runtimeVersion: runtimeVersion, settings: settings,
            startedAtUnixNanoseconds: startedAtUnixNanoseconds, loadNanoseconds: 0,
            coldStartNanoseconds: 0, samplesNanoseconds: [], sampleOffsetsNanoseconds: [],
            peakResidentKiB: nil, arenaBytes: 0, weightBytes: 0)
    }
}
