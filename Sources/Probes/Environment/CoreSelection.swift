import BenchCore

/// Cores a benchmark runs on, resolved from a spec and from the board's own facts.
public struct ResolvedCores: Sendable, Equatable {
    public var cpus: [Int]
    /// How they were chosen, for the result ("cpu_capacity 1024 of 1024", "cpuinfo_max_freq ...").
    public var basis: String

    public init(cpus: [Int], basis: String) {
        self.cpus = cpus
        self.basis = basis
    }
}

public struct CoreSelectionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
}

extension EnvironmentProbe {
    /// "all": every online CPU. "big": the CPUs with the highest `cpu_capacity` (the scheduler's
    /// own measure, which also tells microarchitectures apart at equal clocks), else the highest
    /// `cpuinfo_max_freq`; on a board where neither exists or all cores are equal, every core.
    /// Otherwise a CPU list like "0-3,6", each of which must be online.
    public func resolveCores(spec: String) throws(CoreSelectionError) -> ResolvedCores {
        let online = onlineCPUs() ?? []
        let trimmed = spec.filter { !$0.isWhitespace }
        switch trimmed.lowercased() {
        case "all":
            guard !online.isEmpty else { throw CoreSelectionError(description: "cores \"all\": no CPUs found under /sys/devices/system/cpu") }
            return ResolvedCores(cpus: online, basis: "all online CPUs")
        case "big":
            guard !online.isEmpty else { throw CoreSelectionError(description: "cores \"big\": no CPUs found under /sys/devices/system/cpu") }
            return bigCores(of: online)
        default:
            let cpus: [Int]
            do { cpus = try CPUList.parse(trimmed) } catch { throw CoreSelectionError(description: "cores: \(error.description)") }
            let missing = cpus.filter { !online.contains($0) }
            guard missing.isEmpty || online.isEmpty else {
                throw CoreSelectionError(
                    description: "cores \"\(spec)\": CPU \(CPUList.format(missing)) is not online here (online: \(CPUList.format(online)))")
            }
            return ResolvedCores(cpus: cpus, basis: "listed")
        }
    }

    private func bigCores(of online: [Int]) -> ResolvedCores {
        for (file, unit) in [("cpu_capacity", ""), ("cpufreq/cpuinfo_max_freq", " kHz")] {
            let values = online.map { root.integer("/sys/devices/system/cpu/cpu\($0)/\(file)") }
            guard values.allSatisfy({ $0 != nil }) else { continue }
            let known = values.compactMap { $0 }
            guard let top = known.max() else { continue }
            let cpus = zip(online, known).filter { $0.1 == top }.map(\.0)
            let name = file.split(separator: "/").last.map(String.init) ?? file
            let basis =
                cpus.count == online.count ? "\(name) \(top)\(unit) on every CPU: all cores are big" : "highest \(name), \(top)\(unit)"
            return ResolvedCores(cpus: cpus, basis: basis)
        }
        return ResolvedCores(cpus: online, basis: "no cpu_capacity or cpuinfo_max_freq on every CPU: cores cannot be told apart, all used")
    }
}
