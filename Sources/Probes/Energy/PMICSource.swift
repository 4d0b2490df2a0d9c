import BenchCore

/// Raspberry Pi 5: the PMIC's ADC through `vcgencmd pmic_read_adc`, which prints one line per
/// channel, `  VDD_CORE_A current(7)=0.75012000A` and `  VDD_CORE_V volt(15)=0.89369880V`.
/// Power is the sum of V x A over the rails that have both (or of one chosen rail). It measures
/// the PMIC's outputs, so it misses the PMIC's own conversion loss and loads fed straight from
/// 5 V (USB, fan, HATs).
public struct PMICSource: EnergySource {
    public let command: [String]
    /// One rail (`VDD_CORE`), or nil for the sum of all.
    public let rail: String?

    public var quantity: EnergyQuantity { .power }
    public var description: String { "rpi5 PMIC \(rail ?? "sum of rails") (\(command.joined(separator: " ")))" }
    public var caveat: String? {
        "Raspberry Pi 5 PMIC output rails: excludes PMIC conversion loss and loads fed directly from 5 V (USB, fan, HATs)"
    }

    public static let defaultCommand = ["vcgencmd", "pmic_read_adc"]

    public struct Rail: Sendable, Equatable {
        public var name: String
        public var volts: Double
        public var amps: Double
        public var watts: Double { volts * amps }

        public init(name: String, volts: Double, amps: Double) {
            self.name = name
            self.volts = volts
            self.amps = amps
        }
    }

    /// The rails with both a voltage and a current line, in first-seen order.
    public static func parse(_ output: String) -> [Rail] {
        var volts: [String: Double] = [:]
        var amps: [String: Double] = [:]
        var order: [String] = []
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, let eq = parts[1].firstIndex(of: "=") else { continue }
            let label = String(parts[0])
            let valueText = parts[1][parts[1].index(after: eq)...]
            guard let unit = valueText.last, let value = Double(valueText.dropLast()) else { continue }
            if unit == "A" && label.hasSuffix("_A") {
                let name = String(label.dropLast(2))
                amps[name] = value
                if !order.contains(name) { order.append(name) }
            } else if unit == "V" && label.hasSuffix("_V") {
                let name = String(label.dropLast(2))
                volts[name] = value
                if !order.contains(name) { order.append(name) }
            }
        }
        return order.compactMap { name in
            guard let v = volts[name], let a = amps[name] else { return nil }
            return Rail(name: name, volts: v, amps: a)
        }
    }

    public static func open(rail: String?, command: [String]?, root: SysfsRoot) -> Result<PMICSource, EnergyUnavailable> {
        let wantedRail = (rail == nil || rail == "total") ? nil : rail
        let source = PMICSource(command: command ?? defaultCommand, rail: wantedRail)
        switch source.readRails() {
        case .failure(let why): return .failure(why)
        case .success(let rails):
            if let wantedRail, !rails.contains(where: { $0.name == wantedRail }) {
                return .failure(
                    EnergyUnavailable(
                        "rpi5-pmic: no rail \(wantedRail); rails here: \(listed(rails.map(\.name))); set energy.rail to one, or omit it for the sum"))
            }
            return .success(source)
        }
    }

    func readRails() -> Result<[Rail], EnergyUnavailable> {
        switch HelperCommand.run(command, timeoutSeconds: 5) {
        case .failure(let f):
            return .failure(
                EnergyUnavailable(
                    "rpi5-pmic: \(f.description) (only the Raspberry Pi 5 has this PMIC; other boards need an external meter, energy.provider command)"))
        case .success(let text):
            let rails = Self.parse(text)
            guard !rails.isEmpty else {
                let first = text.split(separator: "\n").first.map(String.init)?.trimmed ?? ""
                return .failure(
                    EnergyUnavailable("rpi5-pmic: \(command.joined(separator: " ")) printed no PMIC readings (\"\(first)\"): not a Raspberry Pi 5?"))
            }
            return .success(rails)
        }
    }

    public func read() -> Result<Double, EnergyUnavailable> {
        readRails().map { rails in
            rails.filter { rail == nil || $0.name == rail }.reduce(0) { $0 + $1.watts }
        }
    }
}
