import BenchCore

/// Reads an `EnvironmentSnapshot` through a `SysfsRoot` (and, on a Raspberry Pi, the throttle
/// command). Taken just before and just after each benchmark, never during it.
public struct EnvironmentProbe: Sendable {
    public let root: SysfsRoot
    /// argv printing `throttled=0x...` (`["vcgencmd", "get_throttled"]` on a Raspberry Pi), from
    /// the board's configuration; nil on boards without one (Jetson, RK3588, x86).
    public let throttleCommand: [String]?
    public let throttleTimeoutSeconds: Double

    public init(root: SysfsRoot = SysfsRoot(), throttleCommand: [String]? = nil, throttleTimeoutSeconds: Double = 2) {
        self.root = root
        self.throttleCommand = throttleCommand
        self.throttleTimeoutSeconds = throttleTimeoutSeconds
    }

    public func snapshot() -> EnvironmentSnapshot {
        var unknown: [String] = []
        let cores = coreStates()
        if cores.isEmpty { unknown.append("cpufreq: no /sys/devices/system/cpu/cpu*/cpufreq (no frequency scaling exposed, as in a VM)") }
        let (zones, zoneNotes) = thermalZones()
        unknown += zoneNotes
        let throttle = readThrottle()
        if case .failure(let why) = throttle { unknown.append("throttling: \(why.description)") }
        let load = loadAverage()
        if load == nil { unknown.append("loadavg: /proc/loadavg is missing or unreadable") }
        let online = onlineCPUs()
        if online == nil { unknown.append("cpus: neither /sys/devices/system/cpu/online nor cpu* directories") }
        return EnvironmentSnapshot(
            cores: cores, thermalZones: zones, throttle: try? throttle.get(), loadAverage: load, onlineCPUs: online?.count, unknown: unknown)
    }

    /// The hottest zone's temperature now, nil without readable zones (cooldown polls this).
    public func hottestCelsius() -> Double? { thermalZones().zones.compactMap(\.celsius).max() }

    func coreStates() -> [CoreFrequencyState] {
        cpuDirectories().compactMap { cpu in
            let dir = "/sys/devices/system/cpu/cpu\(cpu)/cpufreq"
            let governor = root.value("\(dir)/scaling_governor")
            let current = root.integer("\(dir)/scaling_cur_freq").map(Int.init)
            let policyMax = root.integer("\(dir)/scaling_max_freq").map(Int.init)
            let hardwareMax = root.integer("\(dir)/cpuinfo_max_freq").map(Int.init)
            if governor == nil && current == nil && policyMax == nil && hardwareMax == nil { return nil }
            return CoreFrequencyState(
                cpu: cpu, governor: governor, currentFrequencyKHz: current, policyMaxFrequencyKHz: policyMax, hardwareMaxFrequencyKHz: hardwareMax)
        }
    }

    /// Zones in order; temperatures at or below -200 °C are unused sensors (Jetson prints -256).
    func thermalZones() -> (zones: [ThermalZoneReading], unknown: [String]) {
        let names = root.list("/sys/class/thermal").filter { $0.hasPrefix("thermal_zone") }
        guard !names.isEmpty else { return ([], ["thermal: no /sys/class/thermal/thermal_zone*"]) }
        var unknown: [String] = []
        let zones = names.map { zone -> ThermalZoneReading in
            let type = root.value("/sys/class/thermal/\(zone)/type") ?? zone
            guard let milli = root.integer("/sys/class/thermal/\(zone)/temp") else {
                unknown.append("thermal: \(zone) (\(type)) temp is unreadable")
                return ThermalZoneReading(zone: zone, type: type, celsius: nil)
            }
            let celsius = Double(milli) / 1000
            guard celsius > -200 else {
                unknown.append("thermal: \(zone) (\(type)) reads \(celsius) °C, an unused sensor")
                return ThermalZoneReading(zone: zone, type: type, celsius: nil)
            }
            return ThermalZoneReading(zone: zone, type: type, celsius: celsius)
        }
        return (zones, unknown)
    }

    struct Unknown: Error, CustomStringConvertible {
        var description: String
    }

    func readThrottle() -> Result<ThrottleFlags, Unknown> {
        guard let command = throttleCommand, !command.isEmpty else {
            return .failure(Unknown(description: "no throttle command for this board (vcgencmd get_throttled exists on Raspberry Pi only)"))
        }
        switch HelperCommand.run(command, timeoutSeconds: throttleTimeoutSeconds) {
        case .failure(let failure):
            return .failure(Unknown(description: failure.description))
        case .success(let output):
            guard let flags = Self.parseThrottled(output) else {
                let first = output.split(separator: "\n").first.map(String.init) ?? ""
                return .failure(Unknown(description: "\(command.joined(separator: " ")) printed \"\(first)\", not throttled=0x..."))
            }
            return .success(flags)
        }
    }

    /// `throttled=0x50005` -> flags.
    static func parseThrottled(_ output: String) -> ThrottleFlags? {
        for line in output.split(separator: "\n") {
            let text = line.trimmingWhitespace
            guard text.hasPrefix("throttled=") else { continue }
            var value = text.dropFirst("throttled=".count)
            if value.hasPrefix("0x") || value.hasPrefix("0X") { value = value.dropFirst(2) }
            return UInt32(value, radix: 16).map(ThrottleFlags.init(raw:))
        }
        return nil
    }

    func loadAverage() -> LoadAverage? {
        guard let fields = root.value("/proc/loadavg")?.split(separator: " "), fields.count >= 3,
            let one = Double(fields[0]), let five = Double(fields[1]), let fifteen = Double(fields[2])
        else { return nil }
        return LoadAverage(oneMinute: one, fiveMinutes: five, fifteenMinutes: fifteen)
    }

    /// `online` ("0-3,6") when present, else the cpuN directories.
    func onlineCPUs() -> [Int]? {
        if let text = root.value("/sys/devices/system/cpu/online"), let cpus = try? CPUList.parse(text) { return cpus }
        let dirs = cpuDirectories()
        return dirs.isEmpty ? nil : dirs
    }

    func cpuDirectories() -> [Int] {
        root.list("/sys/devices/system/cpu").compactMap { $0.hasPrefix("cpu") ? Int($0.dropFirst(3)) : nil }.sorted()
    }
}

extension Substring {
    fileprivate var trimmingWhitespace: Substring {
        var s = self
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return s
    }
}
