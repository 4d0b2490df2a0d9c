#if canImport(Glibc)
    import Glibc
#endif

/// Facts about the machine read from procfs, sysfs and /etc through a `SysfsRoot`.
public struct SystemProbe: Sendable {
    public let root: SysfsRoot

    public init(root: SysfsRoot) { self.root = root }

    /// "model name" on x86, "Model" (Raspberry Pi) or "Hardware"/"CPU part" on Arm.
    public var cpuModel: String {
        let info = root.read("/proc/cpuinfo") ?? ""
        for key in ["model name", "Model", "Hardware", "cpu model"] {
            if let v = field(key, in: info) { return v }
        }
        if let part = field("CPU part", in: info) { return "Arm CPU part \(part)" }
        return "unknown"
    }

    public var logicalCores: Int {
        let info = root.read("/proc/cpuinfo") ?? ""
        let n = info.split(separator: "\n").filter { $0.hasPrefix("processor") }.count
        return n > 0 ? n : Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    public var memoryBytes: Int64 {
        let info = root.read("/proc/meminfo") ?? ""
        guard let v = field("MemTotal", in: info), let kib = Int64(v.split(separator: " ").first ?? "") else { return 0 }
        return kib * 1024
    }

    public var operatingSystem: String {
        let text = root.read("/etc/os-release") ?? root.read("/usr/lib/os-release") ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmingQuotes
        }
        return "unknown"
    }

    public var kernel: String { root.value("/proc/sys/kernel/osrelease") ?? "unknown" }
    public var hostname: String { root.value("/proc/sys/kernel/hostname") ?? "unknown" }

    /// CPU directories `cpu0`, `cpu1`, ... present under sysfs.
    public var cpuIndices: [Int] {
        root.list("/sys/devices/system/cpu").compactMap { name in
            name.hasPrefix("cpu") ? Int(name.dropFirst(3)) : nil
        }
    }

    /// Highest `cpuinfo_max_freq` in kHz, nil without cpufreq (VMs).
    public var maxFrequencyKHz: Int? {
        cpuIndices.compactMap { root.integer("/sys/devices/system/cpu/cpu\($0)/cpufreq/cpuinfo_max_freq") }.max().map(Int.init)
    }

    public var governor: String? { root.value("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor") }

    /// Thermal zone names (`type`), in zone order.
    public var thermalZones: [String] {
        root.list("/sys/class/thermal").filter { $0.hasPrefix("thermal_zone") }.map { zone in
            root.value("/sys/class/thermal/\(zone)/type") ?? zone
        }
    }

    /// `uname -m` of the running kernel (not a file, so not under the root).
    public static var architecture: String {
        var u = utsname()
        guard uname(&u) == 0 else { return "unknown" }
        return withUnsafePointer(to: u.machine) { $0.withMemoryRebound(to: CChar.self, capacity: 65) { String(cString: $0) } }
    }

    public static var glibcVersion: String {
        // confstr gives "glibc 2.36" without needing <gnu/libc-version.h>.
        var buffer = [CChar](repeating: 0, count: 64)
        guard confstr(Int32(_CS_GNU_LIBC_VERSION), &buffer, buffer.count) > 0 else { return "unknown" }
        let text = String(cString: buffer)
        return text.hasPrefix("glibc ") ? String(text.dropFirst(6)) : text
    }

    private func field(_ key: String, in text: String) -> String? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingCharacters() == key else { continue }
            let v = parts[1].trimmingCharacters()
            if !v.isEmpty { return v }
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String { String(self).trimmed }
}

extension String {
    fileprivate var trimmingQuotes: String {
        var s = trimmed
        if s.hasPrefix("\""), s.hasSuffix("\""), s.count >= 2 { s = String(s.dropFirst().dropLast()) }
        return s
    }
}
