/// The state of the board just before or just after a benchmark: frequency scaling, thermal
/// zones, throttle flags and load. A source the board lacks is listed in `unknown` with the
/// reason; it never fails the snapshot.
public struct EnvironmentSnapshot: Codable, Sendable, Equatable {
    /// One entry per CPU that exposes cpufreq, in CPU order.
    public var cores: [CoreFrequencyState]
    public var thermalZones: [ThermalZoneReading]
    /// `vcgencmd get_throttled` (Raspberry Pi); nil where the board has no such command.
    public var throttle: ThrottleFlags?
    public var loadAverage: LoadAverage?
    /// CPUs online (/sys/devices/system/cpu/online), the reference for the load threshold.
    public var onlineCPUs: Int?
    /// Sources that could not be read, each "source: why".
    public var unknown: [String]

    public init(
        cores: [CoreFrequencyState], thermalZones: [ThermalZoneReading], throttle: ThrottleFlags?, loadAverage: LoadAverage?,
        onlineCPUs: Int?, unknown: [String]
    ) {
        self.cores = cores
        self.thermalZones = thermalZones
        self.throttle = throttle
        self.loadAverage = loadAverage
        self.onlineCPUs = onlineCPUs
        self.unknown = unknown
    }

    /// The hottest zone that reads a real temperature.
    public var hottestCelsius: Double? { thermalZones.compactMap(\.celsius).max() }
}

public struct CoreFrequencyState: Codable, Sendable, Equatable {
    public var cpu: Int
    public var governor: String?
    /// scaling_cur_freq.
    public var currentFrequencyKHz: Int?
    /// scaling_max_freq: the policy limit, lowered by thermal cooling devices or the user.
    public var policyMaxFrequencyKHz: Int?
    /// cpuinfo_max_freq: what the hardware can do.
    public var hardwareMaxFrequencyKHz: Int?

    public init(cpu: Int, governor: String?, currentFrequencyKHz: Int?, policyMaxFrequencyKHz: Int?, hardwareMaxFrequencyKHz: Int?) {
        self.cpu = cpu
        self.governor = governor
        self.currentFrequencyKHz = currentFrequencyKHz
        self.policyMaxFrequencyKHz = policyMaxFrequencyKHz
        self.hardwareMaxFrequencyKHz = hardwareMaxFrequencyKHz
    }
}

public struct ThermalZoneReading: Codable, Sendable, Equatable {
    /// Directory name, `thermal_zone0`.
    public var zone: String
    /// Its `type`, `cpu-thermal`.
    public var type: String
    /// nil when unreadable or an unused sensor (-256 °C on Jetson).
    public var celsius: Double?

    public init(zone: String, type: String, celsius: Double?) {
        self.zone = zone
        self.type = type
        self.celsius = celsius
    }
}

/// `/proc/loadavg`: runnable-or-waiting tasks averaged over 1, 5 and 15 minutes.
public struct LoadAverage: Codable, Sendable, Equatable {
    public var oneMinute: Double
    public var fiveMinutes: Double
    public var fifteenMinutes: Double

    public init(oneMinute: Double, fiveMinutes: Double, fifteenMinutes: Double) {
        self.oneMinute = oneMinute
        self.fiveMinutes = fiveMinutes
        self.fifteenMinutes = fifteenMinutes
    }
}

/// Raspberry Pi firmware throttle conditions (`vcgencmd get_throttled`).
public enum ThrottleCondition: String, Codable, Sendable, CaseIterable {
    case underVoltage = "under-voltage"
    case armFrequencyCapped = "arm-frequency-capped"
    case throttled
    case softTemperatureLimit = "soft-temperature-limit"

    /// Bit of the "now" flag; the "occurred since boot" flag is 16 bits higher.
    public var bit: Int {
        switch self {
        case .underVoltage: 0
        case .armFrequencyCapped: 1
        case .throttled: 2
        case .softTemperatureLimit: 3
        }
    }
}

public struct ThrottleFlags: Codable, Sendable, Equatable {
    /// The value as printed, `throttled=0x50005` -> 0x50005.
    public var raw: UInt32
    /// Conditions active at the moment of reading (bits 0-3).
    public var now: [ThrottleCondition]
    /// Conditions seen at any time since boot (bits 16-19).
    public var sinceBoot: [ThrottleCondition]

    public init(raw: UInt32) {
        self.raw = raw
        self.now = ThrottleCondition.allCases.filter { raw & (1 << UInt32($0.bit)) != 0 }
        self.sinceBoot = ThrottleCondition.allCases.filter { raw & (1 << UInt32($0.bit + 16)) != 0 }
    }
}

/// One reason the environment may have disturbed a benchmark; `reason` is what a stability
/// verdict includes.
public struct EnvironmentIssue: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A throttle condition was active before or after the run (vcgencmd "now" bits).
        case throttlingActive = "throttling-active"
        /// A throttle condition started during the run ("occurred" bit set after, clear before).
        case throttlingDuringRun = "throttling-during-run"
        /// Governor `performance` but a core ran below its hardware maximum.
        case frequencyBelowMaximum = "frequency-below-maximum"
        case governorNotPerformance = "governor-not-performance"
        case highLoad = "high-load"
    }

    public var kind: Kind
    public var detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// "kind: detail", stable prefix for machines, detail for people.
    public var reason: String { "\(kind.rawValue): \(detail)" }
}

/// What waiting for the board to cool down came to.
public struct CooldownOutcome: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable {
        case reached
        case timedOut = "timed-out"
        /// No thermal zone reads a temperature: nothing to wait for.
        case noThermalZones = "no-thermal-zones"
    }

    public var status: Status
    public var targetCelsius: Double
    /// The hottest zone at the last poll.
    public var lastCelsius: Double?
    public var waitedSeconds: Double

    public init(status: Status, targetCelsius: Double, lastCelsius: Double?, waitedSeconds: Double) {
        self.status = status
        self.targetCelsius = targetCelsius
        self.lastCelsius = lastCelsius
        self.waitedSeconds = waitedSeconds
    }
}
