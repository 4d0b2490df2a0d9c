import BenchCore

/// The precision rule: a window needs at least `minimumSamples` distinct sensor readings. A
/// reading is distinct when it is both a separate sample and a separate sensor update, so the
/// effective period is the longer of the sample period and the sensor's own update interval.
public struct EnergyPrecision: Sendable, Equatable {
    public var sampleRateHertz: Double
    public var sensorUpdateIntervalSeconds: Double?
    public var minimumSamples: Int

    public init(sampleRateHertz: Double, sensorUpdateIntervalSeconds: Double?, minimumSamples: Int) {
        self.sampleRateHertz = sampleRateHertz
        self.sensorUpdateIntervalSeconds = sensorUpdateIntervalSeconds
        self.minimumSamples = minimumSamples
    }

    public var effectivePeriodSeconds: Double { max(1 / sampleRateHertz, sensorUpdateIntervalSeconds ?? 0) }

    /// (minimumSamples - 1) effective periods: the first and last samples sit on the window's edges.
    public var minimumWindowSeconds: Double { Double(max(minimumSamples - 1, 1)) * effectivePeriodSeconds }

    /// How many inferences of `secondsPerInference` fill the minimum window: the caller raises
    /// its iteration count (or repeats the window) to at least this.
    public func inferencesNeeded(secondsPerInference: Double) -> Int {
        guard secondsPerInference > 0 else { return 1 }
        // The relative epsilon keeps 1.26 / 0.01 = 126.00000000000001 at 126.
        return max(1, Int((minimumWindowSeconds / secondsPerInference * (1 - 1e-12)).rounded(.up)))
    }

    /// Samples that saw distinct sensor updates: never more than one per update interval.
    public func distinctSamples(count: Int, coveredSeconds: Double) -> Int {
        guard let interval = sensorUpdateIntervalSeconds, interval > 0 else { return count }
        return min(count, Int((coveredSeconds / interval).rounded(.down)) + 1)
    }
}
