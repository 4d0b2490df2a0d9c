import COpenBLAS

/// Identity of the built-in runtime. `version` changes whenever kernel code changes:
/// results and latency tables store it so numbers from different kernels never mix.
public enum RuntimeInfo {
    public static let name = "builtin"
    /// The kernel generation, plus `+debug` in unoptimised builds (whose kernels run many times
    /// slower: their numbers must never mix with a release agent's).
    public static let version = String(stamp.dropFirst(stampPrefix.count))

    /// The version as one literal in the executable, so the host can read which runtime an
    /// agent binary carries without running it (it may be built for another architecture).
    #if DEBUG
        static let stamp = "@(#)boardbench-runtime builtin-6+debug"
    #else
        static let stamp = "@(#)boardbench-runtime builtin-6"
    #endif
    public static let stampPrefix = "@(#)boardbench-runtime "

    /// OpenBLAS's kernel name ("Haswell", "ARMV8"): some machines pin it with OPENBLAS_CORETYPE.
    public static var blasCoreName: String {
        guard let p = openblas_get_corename() else { return "unknown" }
        return String(cString: p)
    }

    public static var blasConfig: String {
        guard let p = openblas_get_config() else { return "unknown" }
        return String(cString: p).trimmingCharacters(in: .whitespaces)
    }

    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}

extension Set where Element == Character {
    fileprivate static var whitespaces: Set<Character> { [" ", "\t", "\n"] }
}
