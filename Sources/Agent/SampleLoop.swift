import BenchCore

/// The timing core of a benchmark: warm up, calibrate how many executions one sample times,
/// then sample until enough samples and time have passed (or the time limit). The clock and
/// the work are parameters, so tests drive it with a synthetic clock and exact arithmetic.
public struct SampleLoop {
    public struct Result: Sendable, Equatable {
        public var warmupRuns: Int
        public var warmupNanoseconds: Int64
        /// The calibration's trial batches (0 when one execution already fills a sample).
        public var calibrationNanoseconds: Int64
        public var repeatsPerSample: Int
        /// Per-execution latency of each sample (sample time / repeats, rounded to the nanosecond).
        public var samples: [Int64]
        /// Start of each sample relative to the first sample's start.
        public var offsets: [Int64]
        public var measuredNanoseconds: Int64
        /// Set when sampling stopped at maxMeasureSeconds before `iterations` samples existed.
        public var cutShort: String?
        /// True when `batch` failed (returned nil): the loop stopped there and the caller knows why.
        public var failed = false
    }

    /// Upper bound on the calibrated repeat count (a 2 ms sample of a 1 ns body).
    public static let maxRepeats = 10_000_000

    public let settings: MeasurementSettings
    public let clock: () -> Int64
    public let execute: () -> Void
    /// Runs n executions and returns their total time as the executor measured it, nil on
    /// failure: for an external runtime that times itself in its own process (the ONNX
    /// Runtime script), or the agent timing a program's whole invocations. nil: `execute`,
    /// timed with `clock`.
    public let batch: ((Int) -> Int64?)?

    public init(settings: MeasurementSettings, clock: @escaping () -> Int64, execute: @escaping () -> Void) {
        self.settings = settings
        self.clock = clock
        self.execute = execute
        self.batch = nil
    }

    public init(settings: MeasurementSettings, clock: @escaping () -> Int64, batch: @escaping (Int) -> Int64?) {
        self.settings = settings
        self.clock = clock
        self.execute = {}
        self.batch = batch
    }

    /// Times `repeats` executions: with `batch` its own figure (nil on failure), else the clock's.
    private func timed(_ repeats: Int) -> Int64? {
        if let batch { return batch(repeats) }
        let t0 = clock()
        for _ in 0..<repeats { execute() }
        return clock() - t0
    }

    /// Warmup then calibration; `beforeSampling` runs right before the first sample (counters
    /// and energy sampling start there, so they cover the samples and nothing else).
    public func run(beforeSampling: () -> Void = {}) -> Result {
        // Warmup: at least `warmupRuns` executions and at least `warmupSeconds`.
        let warmupLimit = Int64(settings.warmupSeconds * 1e9)
        var warmupTimes: [Int64] = []
        let warmStart = clock()
        while warmupTimes.count < settings.warmupRuns || clock() - warmStart < warmupLimit {
            guard let t = timed(1) else { return failedResult(warmupTimes.count) }
            warmupTimes.append(t)
        }
        let warmupNanoseconds = warmupTimes.isEmpty ? 0 : clock() - warmStart

        let calibrationStart = clock()
        guard let repeats = calibrate(warmupTimes) else { return failedResult(warmupTimes.count) }
        let calibrationNanoseconds = clock() - calibrationStart
        beforeSampling()
        let minimum = Int64(settings.minMeasureSeconds * 1e9)
        let maximum = Int64(settings.maxMeasureSeconds * 1e9)
        var samples: [Int64] = []
        var offsets: [Int64] = []
        samples.reserveCapacity(min(settings.iterations, 1 << 20))
        offsets.reserveCapacity(min(settings.iterations, 1 << 20))
        var origin: Int64?
        var last: Int64 = 0
        var failed = false
        while true {
            let t0 = clock()
            if origin == nil { origin = t0 }
            let origin = origin ?? t0
            let measured: Int64
            if let batch {
                guard let t = batch(repeats) else {
                    failed = true
                    break
                }
                measured = t
            } else {
                for _ in 0..<repeats { execute() }
                measured = clock() - t0
            }
            let t1 = clock()
            samples.append(Self.perExecution(measured, repeats))
            offsets.append(t0 - origin)
            last = t1
            let elapsed = t1 - origin
            if samples.count >= settings.iterations && elapsed >= minimum { break }
            if elapsed >= maximum { break }
        }
        let cutShort =
            samples.count < settings.iterations && !failed
            ? "sampling stopped at maxMeasureSeconds (\(settings.maxMeasureSeconds) s) after \(samples.count) of \(settings.iterations) samples"
            : nil
        return Result(
            warmupRuns: warmupTimes.count, warmupNanoseconds: warmupNanoseconds, calibrationNanoseconds: calibrationNanoseconds,
            repeatsPerSample: repeats, samples: samples,
            offsets: offsets, measuredNanoseconds: last - (origin ?? last), cutShort: cutShort, failed: failed)
    }

    private func failedResult(_ warmups: Int) -> Result {
        Result(
            warmupRuns: warmups, warmupNanoseconds: 0, calibrationNanoseconds: 0, repeatsPerSample: 1, samples: [], offsets: [], measuredNanoseconds: 0,
            cutShort: nil, failed: true)
    }

    /// 1 when one execution already lasts `minSampleMilliseconds`; otherwise the count whose
    /// back-to-back run does, estimated from the warmups' median and then doubled until a
    /// timed trial reaches the minimum (an estimate from few warmups can be off).
    func calibrate(_ warmupTimes: [Int64]) -> Int? {
        let target = Int64(settings.minSampleMilliseconds * 1e6)
        guard target > 0 else { return 1 }
        var estimate: Int64
        if warmupTimes.isEmpty {
            guard let t = timed(1) else { return nil }
            estimate = t
        } else {
            estimate = warmupTimes.sorted()[warmupTimes.count / 2]
        }
        if estimate >= target { return 1 }
        var repeats = estimate > 0 ? Int(min((target + estimate - 1) / estimate, Int64(Self.maxRepeats))) : 2
        while repeats < Self.maxRepeats {
            guard let t = timed(repeats) else { return nil }
            if t >= target { break }
            repeats = min(repeats * 2, Self.maxRepeats)
        }
        return max(repeats, 1)
    }

    static func perExecution(_ total: Int64, _ repeats: Int) -> Int64 {
        repeats == 1 ? total : (total + Int64(repeats) / 2) / Int64(repeats)
    }
}
