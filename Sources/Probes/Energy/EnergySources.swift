import BenchCore

/// Opens the rail a config names. Absence is an answer: the failure says which rails exist
/// and which setting to change, so a board without the sensor reports "unavailable", never 0 W.
public enum EnergySources {
    public static func open(_ config: EnergyConfig, root: SysfsRoot = SysfsRoot()) -> Result<any EnergySource, EnergyUnavailable> {
        if let problem = config.problem() { return .failure(EnergyUnavailable(problem)) }
        switch config.provider {
        case .none:
            return .failure(
                EnergyUnavailable(
                    "this board has no power sensor (energy.provider none); to measure energy, connect an external meter and set "
                        + "energy.provider: command with energy.command: [argv that prints watts]"))
        case .rapl: return RAPLSource.open(rail: config.rail, root: root).map { $0 }
        case .hwmon: return HwmonSource.open(device: config.device, rail: config.rail, root: root).map { $0 }
        case .ina3221Hwmon: return INA3221HwmonSource.open(rail: config.rail, root: root).map { $0 }
        case .ina3221IIO: return INA3221IIOSource.open(rail: config.rail, root: root).map { $0 }
        case .rpi5PMIC: return PMICSource.open(rail: config.rail, command: config.command, root: root).map { $0 }
        case .command: return CommandSource.open(argv: config.command, unit: config.commandUnit).map { $0 }
        }
    }
}
