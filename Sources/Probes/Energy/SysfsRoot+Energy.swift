import BenchCore
#if canImport(Glibc)
    import Glibc
#endif

extension SysfsRoot {
    /// Whether the path exists at all, to tell "absent" from "present but unreadable" (RAPL's
    /// energy_uj is root-only on current kernels).
    func exists(_ absolute: String) -> Bool { access(path(absolute), F_OK) == 0 }

    /// A reading as a Double (sysfs values are integers, some helpers print decimals).
    func number(_ absolute: String) -> Double? { value(absolute).flatMap { Double($0) } }
}

/// "a, b, c", or "none" for an empty list: rail listings in error messages.
func listed(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }
