import BenchCore

/// Jetson on L4T <= 32 (Nano, TX2, Xavier): NVIDIA's IIO driver `ina3221x` at
/// `/sys/bus/i2c/drivers/ina3221x/<bus>-<addr>/iio:device<N>/`, with `rail_name_<ch>` and
/// `in_power<ch>_input` in mW for channels 0..2.
public struct INA3221IIOSource: EnergySource {
    public let root: SysfsRoot
    public let directory: String
    public let channel: Int
    public let rail: String

    public var quantity: EnergyQuantity { .power }
    public var description: String { "ina3221x \(rail) (\(directory)/in_power\(channel)_input)" }

    static let driver = "/sys/bus/i2c/drivers/ina3221x"

    static func rails(root: SysfsRoot) -> [(directory: String, channel: Int, name: String)] {
        var found: [(directory: String, channel: Int, name: String)] = []
        for device in root.list(driver) {
            for iio in root.list("\(driver)/\(device)") where iio.hasPrefix("iio:device") {
                let dir = "\(driver)/\(device)/\(iio)"
                for ch in 0..<8 {
                    guard let name = root.value("\(dir)/rail_name_\(ch)"), root.exists("\(dir)/in_power\(ch)_input") else { continue }
                    found.append((dir, ch, name))
                }
            }
        }
        return found
    }

    public static func open(rail: String?, root: SysfsRoot) -> Result<INA3221IIOSource, EnergyUnavailable> {
        let wanted = rail ?? "POM_5V_IN"
        let all = rails(root: root)
        guard !all.isEmpty else {
            return .failure(
                EnergyUnavailable(
                    "ina3221-iio: no INA3221 rails under \(driver) (not a Jetson on L4T <= 32; Orin and L4T >= 34 use energy.provider ina3221-hwmon)"))
        }
        guard let found = all.first(where: { $0.name == wanted }) else {
            return .failure(EnergyUnavailable("ina3221-iio: no rail \(wanted); rails here: \(listed(all.map(\.name))); set energy.rail to one of them"))
        }
        let source = INA3221IIOSource(root: root, directory: found.directory, channel: found.channel, rail: found.name)
        return source.read().map { _ in source }
    }

    public func read() -> Result<Double, EnergyUnavailable> {
        let file = "\(directory)/in_power\(channel)_input"
        guard let milliwatts = root.number(file) else { return .failure(EnergyUnavailable("ina3221-iio: cannot read \(file)")) }
        return .success(milliwatts / 1000)
    }
}
