import BenchCore

/// Jetson on L4T >= 34 (Orin): the mainline hwmon driver `ina3221` at
/// `/sys/bus/i2c/drivers/ina3221/<bus>-<addr>/hwmon/hwmon<N>/` (N is not stable, so it is
/// listed, not assumed). Channels 1..3: `in<ch>_label` names the rail ("NC" = not connected); no
/// power file exists, so P = bus `in<ch>_input` (mV) x `curr<ch>_input` (mA).
public struct INA3221HwmonSource: EnergySource {
    public let root: SysfsRoot
    /// The hwmon directory holding the rail.
    public let directory: String
    public let channel: Int
    public let rail: String
    public let updateIntervalSeconds: Double?

    public var quantity: EnergyQuantity { .power }
    public var description: String { "ina3221 \(rail) (\(directory)/in\(channel)_input x curr\(channel)_input)" }

    static let driver = "/sys/bus/i2c/drivers/ina3221"

    struct Rail {
        var directory: String
        var channel: Int
        var name: String
    }

    static func rails(root: SysfsRoot) -> [Rail] {
        var found: [Rail] = []
        for device in root.list(driver) {
            for hw in root.list("\(driver)/\(device)/hwmon") where hw.hasPrefix("hwmon") {
                let dir = "\(driver)/\(device)/hwmon/\(hw)"
                for ch in 1...3 {
                    guard let label = root.value("\(dir)/in\(ch)_label"), label != "NC", root.exists("\(dir)/curr\(ch)_input") else { continue }
                    found.append(Rail(directory: dir, channel: ch, name: label))
                }
            }
        }
        return found
    }

    public static func open(rail: String?, root: SysfsRoot) -> Result<INA3221HwmonSource, EnergyUnavailable> {
        let wanted = rail ?? "VDD_IN"
        let all = rails(root: root)
        guard !all.isEmpty else {
            return .failure(
                EnergyUnavailable(
                    "ina3221-hwmon: no INA3221 rails under \(driver) (not a Jetson on L4T >= 34; L4T <= 32 boards use energy.provider ina3221-iio)"))
        }
        guard let found = all.first(where: { $0.name == wanted }) else {
            return .failure(EnergyUnavailable("ina3221-hwmon: no rail \(wanted); rails here: \(listed(all.map(\.name))); set energy.rail to one of them"))
        }
        let interval = root.number("\(found.directory)/update_interval").map { $0 / 1000 }
        let source = INA3221HwmonSource(root: root, directory: found.directory, channel: found.channel, rail: found.name, updateIntervalSeconds: interval)
        return source.read().map { _ in source }
    }

    public func read() -> Result<Double, EnergyUnavailable> {
        let volts = "\(directory)/in\(channel)_input"
        let amps = "\(directory)/curr\(channel)_input"
        guard let millivolts = root.number(volts), let milliamps = root.number(amps) else {
            return .failure(EnergyUnavailable("ina3221-hwmon: cannot read \(volts) or \(amps)"))
        }
        return .success(millivolts * milliamps / 1e6)
    }
}
