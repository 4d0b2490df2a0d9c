/// What a counter session measured over one window (docs/methodology.md, "Performance counters").
/// Every requested event appears once, in request order: either with a value or with the
/// reason it has none. An unavailable event is never reported as zero.
public struct CounterResults: Codable, Sendable, Equatable {
    public var readings: [CounterReading]
    /// Threads of the process that had counters opened on them when the window started.
    public var threadsCounted: Int
    /// Threads listed in /proc/self/task that exited before their counters could be opened
    /// (they ran nothing inside the window).
    public var threadsExitedBeforeOpen: Int
    /// Whether threads created during the window were counted through perf's `inherit`.
    public var inheritsNewThreads: Bool
    /// Whether values were read as groups (PERF_FORMAT_GROUP) or one event at a time (kernels
    /// that refuse `inherit` together with group reads).
    public var groupReads: Bool
    /// Wall time between enabling and disabling the counters, CLOCK_MONOTONIC.
    public var windowNanoseconds: UInt64

    public init(
        readings: [CounterReading], threadsCounted: Int, threadsExitedBeforeOpen: Int, inheritsNewThreads: Bool, groupReads: Bool,
        windowNanoseconds: UInt64
    ) {
        self.readings = readings
        self.threadsCounted = threadsCounted
        self.threadsExitedBeforeOpen = threadsExitedBeforeOpen
        self.inheritsNewThreads = inheritsNewThreads
        self.groupReads = groupReads
        self.windowNanoseconds = windowNanoseconds
    }

    public func reading(_ event: String) -> CounterReading? { readings.first { $0.event == event } }

    /// Scaled values divided by the number of iterations the window ran, for the events that
    /// have values; unavailable events are absent, not zero.
    public func perIteration(iterations: Int) -> [String: Double] {
        var values: [String: Double] = [:]
        for reading in readings {
            if let v = reading.perIteration(iterations: iterations) { values[reading.event] = v }
        }
        return values
    }
}

public enum CounterUnit: String, Codable, Sendable {
    case count
    /// task-clock and cpu-clock count nanoseconds.
    case nanoseconds
}

/// Which privilege levels an event counted.
public enum CounterPrivilege: String, Codable, Sendable {
    case userAndKernel = "user+kernel"
    /// perf_event_paranoid >= 2 without CAP_PERFMON: kernel-mode work (syscalls, page-fault
    /// handling) done for the benchmark is not in the value.
    case user
}

public struct CounterReading: Codable, Sendable, Equatable {
    /// The name as requested (a libpfm4 name such as `perf::CYCLES`).
    public var event: String
    public var unit: CounterUnit
    /// Which group it was scheduled in ("hardware-0", "software"); nil when never opened.
    public var group: String?
    public var privilege: CounterPrivilege?
    /// Sum over threads of the raw counts, before multiplex scaling.
    public var rawValue: UInt64?
    /// rawValue * timeEnabled / timeRunning: the estimate had the event counted all the time.
    public var value: Double?
    /// Sums over threads of PERF_FORMAT_TOTAL_TIME_ENABLED / _RUNNING. For per-thread counters
    /// the clock only runs while the thread is on a CPU.
    public var timeEnabledNanoseconds: UInt64?
    public var timeRunningNanoseconds: UInt64?
    /// timeEnabled / timeRunning (1 when the event had a counter the whole time).
    public var scalingFactor: Double?
    /// The PMU multiplexed the event: value is an estimate, scaled by scalingFactor.
    public var multiplexed: Bool
    /// Why there is no value ("unsupported on this CPU ...", "not permitted: perf_event_paranoid=3 ...").
    public var unavailableReason: String?

    public init(
        event: String, unit: CounterUnit, group: String?, privilege: CounterPrivilege?, rawValue: UInt64?, value: Double?,
        timeEnabledNanoseconds: UInt64?, timeRunningNanoseconds: UInt64?, scalingFactor: Double?, multiplexed: Bool,
        unavailableReason: String?
    ) {
        self.event = event
        self.unit = unit
        self.group = group
        self.privilege = privilege
        self.rawValue = rawValue
        self.value = value
        self.timeEnabledNanoseconds = timeEnabledNanoseconds
        self.timeRunningNanoseconds = timeRunningNanoseconds
        self.scalingFactor = scalingFactor
        self.multiplexed = multiplexed
        self.unavailableReason = unavailableReason
    }

    /// An event with no value and the reason why.
    public static func unavailable(_ event: String, unit: CounterUnit, group: String? = nil, reason: String) -> CounterReading {
        CounterReading(
            event: event, unit: unit, group: group, privilege: nil, rawValue: nil, value: nil, timeEnabledNanoseconds: nil,
            timeRunningNanoseconds: nil, scalingFactor: nil, multiplexed: false, unavailableReason: reason)
    }

    public var isAvailable: Bool { value != nil }

    /// The scaled value per iteration; nil when unavailable or iterations < 1.
    public func perIteration(iterations: Int) -> Double? {
        guard let value, iterations > 0 else { return nil }
        return value / Double(iterations)
    }
}
