/// What a power source reports on each read.
public enum EnergyQuantity: String, Codable, Sendable {
    /// Instantaneous watts; integrated over time (trapezoid).
    case power
    /// A cumulative joule counter; the window's energy is its delta.
    case energyCounter
}

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

    public init(
        status: Status, reason: String?, source: String?, quantity: EnergyQuantity?, windowSeconds: Double?, totalJoules: Double?,
        averageWatts: Double?, inferences: Int, joulesPerInference: Double?, idleWatts: Double?, joulesPerInferenceAboveIdle: Double?,
        sampleCount: Int, achievedRateHertz: Double?, maxSampleIntervalSeconds: Double?, counterWraps: Int, precision: Precision?,
        imprecisionReasons: [String], minimumWindowSeconds: Double?, notes: [String]
    ) {
        self.status = status
        self.reason = reason
        self.source = source
        self.quantity = quantity
        self.windowSeconds = windowSeconds
        self.totalJoules = totalJoules
        self.averageWatts = averageWatts
        self.inferences = inferences
        self.joulesPerInference = joulesPerInference
        self.idleWatts = idleWatts
        self.joulesPerInferenceAboveIdle = joulesPerInferenceAboveIdle
        self.sampleCount = sampleCount
        self.achievedRateHertz = achievedRateHertz
        self.maxSampleIntervalSeconds = maxSampleIntervalSeconds
        self.counterWraps = counterWraps
        self.precision = precision
        self.imprecisionReasons = imprecisionReasons
        self.minimumWindowSeconds = minimumWindowSeconds
        self.notes = notes
    }

    public static func unavailable(_ reason: String, inferences: Int = 0) -> EnergyMeasurement {
        EnergyMeasurement(
            status: .unavailable, reason: reason, source: nil, quantity: nil, windowSeconds: nil, totalJoules: nil, averageWatts: nil,
            inferences: inferences, joulesPerInference: nil, idleWatts: nil, joulesPerInferenceAboveIdle: nil, sampleCount: 0,
            achievedRateHertz: nil, maxSampleIntervalSeconds: nil, counterWraps: 0, precision: nil, imprecisionReasons: [],
            minimumWindowSeconds: nil, notes: [])
    }
}
