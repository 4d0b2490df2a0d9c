/// The energy of one measured window. When `status` is `unavailable`, every number is nil and
/// `reason` says why: a missing sensor is never reported as 0 J.
public struct EnergyMeasurement: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case measured, unavailable
    }

    public enum Precision: String, Codable, Sendable {
        /// Enough sensor samples over the window (see `EnergyPrecision`).
        case precise
        /// Numbers are given but should not be trusted far; `imprecisionReasons` says why and
        /// `minimumWindowSeconds` how long the window must be.
        case imprecise
    }

    public var status: Status
    /// Why energy is unavailable.
    public var reason: String?
    /// What was read, e.g. "ina3221 VDD_IN (/sys/bus/i2c/...)".
    public var source: String?
    public var quantity: EnergyQuantity?
    public var windowSeconds: Double?
    public var totalJoules: Double?
    public var averageWatts: Double?
    /// Inferences run in the window (0 for an idle baseline).
    public var inferences: Int
    public var joulesPerInference: Double?
    /// Average power of the idle baseline measured just before the window.
    public var idleWatts: Double?
    /// (totalJoules - idleWatts x windowSeconds) / inferences: the energy the work added.
    public var joulesPerInferenceAboveIdle: Double?
    public var sampleCount: Int
    public var achievedRateHertz: Double?
    /// The longest gap between two samples; it bounds how much of a step change is smeared.
    public var maxSampleIntervalSeconds: Double?
    public var counterWraps: Int
    /// Nil when unavailable.
    public var precision: Precision?
    public var imprecisionReasons: [String]
    /// The shortest window the precision rule accepts at this rate and sensor.
    public var minimumWindowSeconds: Double?
    /// Caveats of the source and of the idle baseline, e.g. what a PMIC reading leaves out.
    public var notes: [String]

    public static func unavailable(_ reason: String, inferences: Int = 0) -> EnergyMeasurement {
        EnergyMeasurement(
            status: .unavailable, reason: reason, source: nil, quantity: nil, windowSeconds: nil, totalJoules: nil, averageWatts: nil,
            inferences: inferences, joulesPerInference: nil, idleWatts: nil, joulesPerInferenceAboveIdle: nil, sampleCount: 0,
            achievedRateHertz: nil, maxSampleIntervalSeconds: nil, counterWraps: 0, precision: nil, imprecisionReasons: [],
            minimumWindowSeconds: nil, notes: [])
    }
}

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
