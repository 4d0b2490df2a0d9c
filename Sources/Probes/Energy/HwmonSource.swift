import BenchCore

/// A generic hwmon channel (`/sys/class/hwmon/hwmon*/`, device chosen by its `name` file):
/// `energy<N>_input` (uJ, cumulative) or `power<N>_input` / `power<N>_average` (uW).
public struct HwmonSource: EnergySource {
    public let root: SysfsRoot
    /// The file read on every sample, e.g. `/sys/class/hwmon/hwmon2/power1_input`.
    public let file: String
    public let deviceName: String
    /// The channel's label, or its file stem (`power1`) when it has none.
    public let channel: String
    public let quantity: EnergyQuantity

    public var description: String { "hwmon \(deviceName) \(channel) (\(file))" }

    static let hwmon = "/sys/class/hwmon"

    struct Channel {
        var dir: String
        var stem: String
        var file: String
        var label: String?
        var quantity: EnergyQuantity
        var shown: String { label.map { "\($0) (\(stem))" } ?? stem }
    }

    /// The energy counter first (the hardware integrated it), then instantaneous power, then averaged power.
    static let kinds: [(prefix: String, suffix: String, quantity: EnergyQuantity)] = [
        ("energy", "_input", .energyCounter), ("power", "_input", .power), ("power", "_average", .power),
    ]

    static func channels(in dir: String, root: SysfsRoot) -> [Channel] {
        let files = root.list(dir)
        var found: [Channel] = []
        for kind in kinds {
            for f in files where f.hasPrefix(kind.prefix) && f.hasSuffix(kind.suffix) {
                let stem = String(f.dropLast(kind.suffix.count))
                guard Int(stem.dropFirst(kind.prefix.count)) != nil else { continue }
                let label = root.value("\(dir)/\(stem)_label")
                found.append(Channel(dir: dir, stem: stem, file: "\(dir)/\(f)", label: label, quantity: kind.quantity))
            }
        }
        return found
    }

    public static func open(device: String?, rail: String?, root: SysfsRoot) -> Result<HwmonSource, EnergyUnavailable> {
        guard let device, !device.isEmpty else {
            return .failure(EnergyUnavailable("hwmon: energy.device (the hwmon name, e.g. ina226) is not set"))
        }
        let dirs = root.list(hwmon).map { "\(hwmon)/\($0)" }
        let names = dirs.map { (dir: $0, name: root.value("\($0)/name") ?? "?") }
        let matching = names.filter { $0.name == device }
        guard !matching.isEmpty else {
            let have = names.map(\.name)
            return .failure(EnergyUnavailable("hwmon: no hwmon device named \(device); devices here: \(listed(have)); set energy.device to one of them"))
        }
        let candidates = matching.flatMap { channels(in: $0.dir, root: root) }
        let chosen = rail.map { r in candidates.first { $0.label == r || $0.stem == r } } ?? candidates.first
        guard let channel = chosen else {
            let what = rail.map { "no power or energy channel labelled \($0)" } ?? "no power or energy channels"
            return .failure(
                EnergyUnavailable("hwmon: \(device) has \(what); channels here: \(listed(candidates.map(\.shown))); set energy.rail to one of them"))
        }
        let source = HwmonSource(root: root, file: channel.file, deviceName: device, channel: channel.label ?? channel.stem, quantity: channel.quantity)
        return source.read().map { _ in source }
    }

    public func read() -> Result<Double, EnergyUnavailable> {
        guard let micro = root.number(file) else { return .failure(EnergyUnavailable("hwmon: cannot read \(file)")) }
        return .success(micro / 1e6)
    }
}
