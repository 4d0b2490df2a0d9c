/// Where the agent finds a device's sensors and helper commands, from the device file and its
/// board descriptor. Every field is optional: nil means the real path on the board. Tests point
/// these at fixture trees and fixture scripts.
public struct ProbeConfig: Codable, Sendable, Equatable {
    /// The directory standing for `/sys`; a fixture tree holding `sys/`, `proc/` and `etc/` works too.
    public var sysfsRoot: String?
    /// The directory standing for `/proc` (default: `proc/` of a fixture tree, else `/proc`).
    public var procRoot: String?
    /// `vcgencmd` (Raspberry Pi firmware: throttling flags, Pi 5 PMIC rails).
    public var vcgencmdPath: String?
    /// `tegrastats` (Jetson), recorded for reference; rails are read from sysfs.
    public var tegrastatsPath: String?
    /// The board's big cores, from its descriptor; nil: derived from cpu_capacity or max frequency.
    public var bigCores: [Int]?
    /// The power rail to integrate (board descriptor, overridden by the device file); nil: none configured.
    public var energy: EnergyConfig?

    public init(
        sysfsRoot: String? = nil, procRoot: String? = nil, vcgencmdPath: String? = nil, tegrastatsPath: String? = nil,
        bigCores: [Int]? = nil, energy: EnergyConfig? = nil
    ) {
        self.sysfsRoot = sysfsRoot
        self.procRoot = procRoot
        self.vcgencmdPath = vcgencmdPath
        self.tegrastatsPath = tegrastatsPath
        self.bigCores = bigCores
        self.energy = energy
    }
}
