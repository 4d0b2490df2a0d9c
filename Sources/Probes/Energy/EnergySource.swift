import BenchCore

/// One rail that can be read repeatedly. Implementations read sysfs through `SysfsRoot`
/// (opened afresh on every read) or run a helper command; they must be cheap enough to call
/// at the configured sample rate from the sampler thread.
public protocol EnergySource: Sendable {
    var quantity: EnergyQuantity { get }
    /// What is read, for results and errors: "rapl package-0 (/sys/class/powercap/intel-rapl:0)".
    var description: String { get }
    /// For counters: the value (J) at which the counter wraps back to 0; nil when it does not wrap.
    var counterRangeJoules: Double? { get }
    /// The sensor's own refresh interval, when known: sampling faster than this sees repeated values.
    var updateIntervalSeconds: Double? { get }
    /// What the reading leaves out, carried into every result ("misses PMIC conversion loss").
    var caveat: String? { get }
    /// Watts for `.power`, joules for `.energyCounter`.
    func read() -> Result<Double, EnergyUnavailable>
}

extension EnergySource {
    public var counterRangeJoules: Double? { nil }
    public var updateIntervalSeconds: Double? { nil }
    public var caveat: String? { nil }
}

/// Why energy cannot be measured (or a read failed). The message says what is missing and
/// what to do about it; results carry it instead of a zero.
public struct EnergyUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// One timestamped reading on the monotonic clock.
public struct EnergySample: Sendable, Equatable {
    public var timeNanoseconds: UInt64
    /// Watts or joules, as the source's quantity says.
    public var value: Double

    public init(timeNanoseconds: UInt64, value: Double) {
        self.timeNanoseconds = timeNanoseconds
        self.value = value
    }
}
