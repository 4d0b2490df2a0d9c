import BenchCore
import Probes

/// The device the agent measures on, as the request describes it: where its sensor files and
/// helper commands are, and what its board descriptor says.
public struct DeviceContext: Sendable {
    public let root: SysfsRoot
    public let config: ProbeConfig

    /// `config` from the request wins; without one, `fallbackRoot` (the agent's `--sysfs-root`).
    public init(_ config: ProbeConfig?, fallbackRoot: SysfsRoot = SysfsRoot()) {
        self.config = config ?? ProbeConfig()
        root = config.map { SysfsRoot($0) } ?? fallbackRoot
    }

    public var vcgencmd: String { config.vcgencmdPath ?? "vcgencmd" }
}
