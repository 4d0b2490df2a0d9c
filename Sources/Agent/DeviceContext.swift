import BenchCore
import Probes

#if canImport(Glibc)
    import Glibc
#endif

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

    /// `vcgencmd get_throttled` where the board has vcgencmd: a configured path, or one on PATH.
    public var throttleCommand: [String]? {
        if let path = config.vcgencmdPath { return [path, "get_throttled"] }
        let path = (getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin").split(separator: ":")
        return path.contains { access("\($0)/vcgencmd", X_OK) == 0 } ? ["vcgencmd", "get_throttled"] : nil
    }
}
