import BenchCore

/// Intel RAPL (also AMD since Linux 5.8) through powercap: `/sys/class/powercap/intel-rapl:<N>`
/// with `name` (package-0, core, uncore, dram, psys), the cumulative `energy_uj` counter and
/// `max_energy_range_uj`, where the counter wraps back to 0.
public struct RAPLSource: EnergySource {
    public let root: SysfsRoot
    /// The powercap directory, e.g. `/sys/class/powercap/intel-rapl:0`.
    public let zonePath: String
    public let zoneName: String
    public let counterRangeJoules: Double?

    public var quantity: EnergyQuantity { .energyCounter }
    /// RAPL refreshes its counters about every millisecond (Intel SDM, "RAPL interfaces").
    public var updateIntervalSeconds: Double? { 0.001 }
    public var description: String { "rapl \(zoneName) (\(zonePath))" }

    static let powercap = "/sys/class/powercap"

    public static func open(rail: String?, root: SysfsRoot) -> Result<RAPLSource, EnergyUnavailable> {
        let wanted = rail ?? "package-0"
        let zones = root.list(powercap).filter { $0.hasPrefix("intel-rapl") && $0.contains(":") }
        let named = zones.map { (dir: $0, name: root.value("\(powercap)/\($0)/name") ?? "?") }
        guard !named.isEmpty else {
            return .failure(
                EnergyUnavailable(
                    "rapl: \(powercap) has no intel-rapl zones (no RAPL on this CPU, a VM, or the intel_rapl_msr module is not loaded); "
                        + "load the module or choose another energy.provider"))
        }
        guard let zone = named.first(where: { $0.name == wanted }) else {
            let have = named.map { "\($0.name) (\($0.dir))" }
            return .failure(EnergyUnavailable("rapl: no zone named \(wanted); zones here: \(listed(have)); set energy.rail to one of them"))
        }
        let path = "\(powercap)/\(zone.dir)"
        guard root.exists("\(path)/energy_uj") else {
            return .failure(EnergyUnavailable("rapl: \(path) has no energy_uj counter"))
        }
        let range = root.number("\(path)/max_energy_range_uj").map { $0 / 1e6 }
        let source = RAPLSource(root: root, zonePath: path, zoneName: zone.name, counterRangeJoules: range)
        return source.read().map { _ in source }
    }

    public func read() -> Result<Double, EnergyUnavailable> {
        let file = "\(zonePath)/energy_uj"
        guard let microjoules = root.number(file) else {
            return .failure(
                EnergyUnavailable(
                    "rapl: cannot read \(file): it is readable by root only since Linux 5.10; run the agent as root "
                        + "or make the file readable (chmod a+r \(file))"))
        }
        return .success(microjoules / 1e6)
    }
}
