/// What a device is, as its agent's `probe` reports it. Enrolment writes these into the
/// `facts:` section of `Devices/NAME.yaml`; every run stores its own snapshot.
public struct DeviceFacts: Codable, Sendable, Equatable {
    /// `uname -m`, e.g. "x86_64", "aarch64".
    public var architecture: String
    public var cpuModel: String
    public var logicalCores: Int
    /// Highest `cpuinfo_max_freq` over all cores; nil when cpufreq is absent (VMs).
    public var maxFrequencyKHz: Int?
    public var memoryBytes: Int64
    /// PRETTY_NAME from os-release.
    public var operatingSystem: String
    public var kernel: String
    public var hostname: String
    public var glibcVersion: String
    /// Governor of cpu0, or nil when cpufreq is absent.
    public var governor: String?
    public var thermalZones: [String]
    public var blasCoreName: String
    public var blasConfig: String
    public var agentVersion: String
    /// Which performance-counter events open on this device, and why not where they don't.
    public var perfEvents: [PerfEventAvailability]

    public init(
        architecture: String, cpuModel: String, logicalCores: Int, maxFrequencyKHz: Int?,
        memoryBytes: Int64, operatingSystem: String, kernel: String, hostname: String,
        glibcVersion: String, governor: String?, thermalZones: [String], blasCoreName: String,
        blasConfig: String, agentVersion: String, perfEvents: [PerfEventAvailability]
    ) {
        self.architecture = architecture
        self.cpuModel = cpuModel
        self.logicalCores = logicalCores
        self.maxFrequencyKHz = maxFrequencyKHz
        self.memoryBytes = memoryBytes
        self.operatingSystem = operatingSystem
        self.kernel = kernel
        self.hostname = hostname
        self.glibcVersion = glibcVersion
        self.governor = governor
        self.thermalZones = thermalZones
        self.blasCoreName = blasCoreName
        self.blasConfig = blasConfig
        self.agentVersion = agentVersion
        self.perfEvents = perfEvents
    }
}

public struct PerfEventAvailability: Codable, Sendable, Equatable {
    public var event: String
    public var available: Bool
    /// Why it is unavailable ("unsupported on this CPU", "not permitted: perf_event_paranoid=3").
    public var reason: String?

    public init(event: String, available: Bool, reason: String?) {
        self.event = event
        self.available = available
        self.reason = reason
    }
}
