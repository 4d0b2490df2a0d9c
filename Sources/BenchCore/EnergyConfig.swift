/// Which power rail the agent samples during a measured window, and how. The host reads it
/// from the board descriptor's `energy:` block (overridable in the device file) and sends it
/// to the agent. Every field but `provider` has a default, so a board file names only what it
/// changes. YAML keys are the property names:
///
///     energy:
///       provider: ina3221-hwmon      # rapl | hwmon | ina3221-hwmon | ina3221-iio | rpi5-pmic | command | none
///       rail: VDD_IN                 # zone name, rail label, or PMIC rail; see `rail`
///       device: ina226               # hwmon only: the hwmon `name`
///       command: [/usr/local/bin/meter, --watts]   # command: argv; rpi5-pmic: vcgencmd override
///       commandUnit: watts           # command only: watts (instantaneous) or joules (cumulative)
///       sampleRateHertz: 20
///       minimumSamples: 10
///       sensorUpdateIntervalMilliseconds: 8   # when the sensor's own interval cannot be read
///       idleBaselineSeconds: 2
public struct EnergyConfig: Codable, Sendable, Equatable, Hashable {
    public enum Provider: String, Codable, Sendable, CaseIterable {
        /// No power sensor: energy is reported unavailable with the board's reason.
        case none
        /// Intel/AMD RAPL through powercap: `/sys/class/powercap/intel-rapl:*/energy_uj`.
        case rapl
        /// Any hwmon device exposing `power*_input`/`power*_average` (uW) or `energy*_input` (uJ).
        case hwmon
        /// Jetson L4T >= 34: mainline hwmon `ina3221`, power = bus mV x mA.
        case ina3221Hwmon = "ina3221-hwmon"
        /// Jetson L4T <= 32: NVIDIA IIO driver `ina3221x`, `in_power*_input` in mW.
        case ina3221IIO = "ina3221-iio"
        /// Raspberry Pi 5 PMIC ADC through `vcgencmd pmic_read_adc`.
        case rpi5PMIC = "rpi5-pmic"
        /// A user-supplied command that prints watts (or cumulative joules).
        case command
    }

    public enum CommandUnit: String, Codable, Sendable {
        case watts, joules
    }

    public var provider: Provider
    /// rapl: zone name (`package-0`, `psys`, `dram`); ina3221-*: rail label (`VDD_IN`,
    /// `POM_5V_IN`); hwmon: channel label (or `power1`-style channel name); rpi5-pmic: one PMIC
    /// rail (`VDD_CORE`), absent for the sum of all rails. Absent elsewhere means the first one.
    public var rail: String?
    /// hwmon only: the `name` file of the hwmon device to use.
    public var device: String?
    /// command: the meter's argv (required); rpi5-pmic: replaces `["vcgencmd", "pmic_read_adc"]`.
    public var command: [String]?
    public var commandUnit: CommandUnit
    public var sampleRateHertz: Double
    /// Fewer samples than this over a window (or over the sensor's own update interval) makes
    /// the measurement `imprecise`.
    public var minimumSamples: Int
    /// The sensor's own refresh interval. Overrides what the provider reads (INA3221 hwmon
    /// `update_interval`) or assumes (RAPL: 1 ms); set it where neither is known.
    public var sensorUpdateIntervalMilliseconds: Double?
    /// Length of the idle measurement taken just before each window; 0 skips it.
    public var idleBaselineSeconds: Double

    public static let defaultSampleRateHertz = 20.0
    public static let defaultMinimumSamples = 10
    public static let defaultIdleBaselineSeconds = 2.0

    public init(
        provider: Provider, rail: String? = nil, device: String? = nil, command: [String]? = nil, commandUnit: CommandUnit = .watts,
        sampleRateHertz: Double = EnergyConfig.defaultSampleRateHertz, minimumSamples: Int = EnergyConfig.defaultMinimumSamples,
        sensorUpdateIntervalMilliseconds: Double? = nil, idleBaselineSeconds: Double = EnergyConfig.defaultIdleBaselineSeconds
    ) {
        self.provider = provider
        self.rail = rail
        self.device = device
        self.command = command
        self.commandUnit = commandUnit
        self.sampleRateHertz = sampleRateHertz
        self.minimumSamples = minimumSamples
        self.sensorUpdateIntervalMilliseconds = sensorUpdateIntervalMilliseconds
        self.idleBaselineSeconds = idleBaselineSeconds
    }

    private enum CodingKeys: String, CodingKey {
        case provider, rail, device, command, commandUnit, sampleRateHertz, minimumSamples, sensorUpdateIntervalMilliseconds, idleBaselineSeconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            provider: try c.decode(Provider.self, forKey: .provider),
            rail: try c.decodeIfPresent(String.self, forKey: .rail),
            device: try c.decodeIfPresent(String.self, forKey: .device),
            command: try c.decodeIfPresent([String].self, forKey: .command),
            commandUnit: try c.decodeIfPresent(CommandUnit.self, forKey: .commandUnit) ?? .watts,
            sampleRateHertz: try c.decodeIfPresent(Double.self, forKey: .sampleRateHertz) ?? Self.defaultSampleRateHertz,
            minimumSamples: try c.decodeIfPresent(Int.self, forKey: .minimumSamples) ?? Self.defaultMinimumSamples,
            sensorUpdateIntervalMilliseconds: try c.decodeIfPresent(Double.self, forKey: .sensorUpdateIntervalMilliseconds),
            idleBaselineSeconds: try c.decodeIfPresent(Double.self, forKey: .idleBaselineSeconds) ?? Self.defaultIdleBaselineSeconds)
    }

    /// Describes the first setting out of range, or nil when all are usable. A missing sensor,
    /// command or rail is not a problem here: the agent reports energy unavailable with the reason.
    public func problem() -> String? {
        if !(sampleRateHertz > 0 && sampleRateHertz <= 10_000) { return "energy.sampleRateHertz must be in (0, 10000], got \(sampleRateHertz)" }
        if minimumSamples < 2 || minimumSamples > 1_000_000 { return "energy.minimumSamples must be 2...1000000, got \(minimumSamples)" }
        if let ms = sensorUpdateIntervalMilliseconds, !(ms >= 0 && ms <= 60_000) {
            return "energy.sensorUpdateIntervalMilliseconds must be 0...60000, got \(ms)"
        }
        if !(idleBaselineSeconds >= 0 && idleBaselineSeconds <= 600) { return "energy.idleBaselineSeconds must be 0...600, got \(idleBaselineSeconds)" }
        return nil
    }
}
