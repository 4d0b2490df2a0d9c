import COpenBLAS

/// Identity of the built-in runtime. `version` changes whenever kernel code changes:
/// results and latency tables store it so numbers from different kernels never mix.
public enum RuntimeInfo {
    public static let name = "builtin"
    public static let version = "builtin-4"

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
