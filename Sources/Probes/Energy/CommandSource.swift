import BenchCore

/// An external meter: a user-configured command that prints watts (instantaneous) or joules
/// (cumulative), e.g. a script around a USB power meter. The first number printed is taken; a
/// unit letter right after it (`4.93W`, `4.93 W`) is allowed.
public struct CommandSource: EnergySource {
    public let argv: [String]
    public let quantity: EnergyQuantity
    public let timeoutSeconds: Double

    public var description: String { "command \(argv.joined(separator: " ")) (\(quantity == .power ? "watts" : "joules"))" }

    public static func open(argv: [String]?, unit: EnergyConfig.CommandUnit, timeoutSeconds: Double = 5) -> Result<CommandSource, EnergyUnavailable> {
        guard let argv, !argv.isEmpty else {
            return .failure(
                EnergyUnavailable(
                    "command: no meter command configured; set energy.command to an argv that prints watts, e.g. command: [/usr/local/bin/meter]"))
        }
        let source = CommandSource(argv: argv, quantity: unit == .joules ? .energyCounter : .power, timeoutSeconds: timeoutSeconds)
        return source.read().map { _ in source }
    }

    /// The first whitespace-separated token that is a number, with an optional trailing W or J.
    public static func parse(_ output: String) -> Double? {
        for token in output.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }) {
            var t = Substring(token)
            if let last = t.last, "WwJj".contains(last) { t = t.dropLast() }
            if let value = Double(t), value.isFinite { return value }
        }
        return nil
    }

    public func read() -> Result<Double, EnergyUnavailable> {
        switch HelperCommand.run(argv, timeoutSeconds: timeoutSeconds) {
        case .failure(let f): return .failure(EnergyUnavailable("command: \(f.description)"))
        case .success(let text):
            guard let value = Self.parse(text) else {
                let first = text.split(separator: "\n").first.map(String.init) ?? ""
                return .failure(EnergyUnavailable("command: \(argv[0]) printed no number (\"\(first)\"); it must print watts, e.g. 4.93"))
            }
            return .success(value)
        }
    }
}
