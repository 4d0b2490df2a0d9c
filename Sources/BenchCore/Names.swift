/// Device and benchmark names end up in file names, remote paths and HTML, so they are
/// restricted to a small safe alphabet: `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`.
public enum EntityName {
    public static let rule = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}"

    public static func isValid(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        guard let first = scalars.first, scalars.count <= 64, isAlnum(first) else { return false }
        return scalars.dropFirst().allSatisfy { isAlnum($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }

    /// Throws `NameError` naming the rule when `name` does not follow it.
    public static func validate(_ name: String, kind: String) throws(NameError) {
        guard isValid(name) else { throw NameError(kind: kind, name: name) }
    }

    private static func isAlnum(_ s: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
    }
}

public struct NameError: Error, CustomStringConvertible, Sendable, ExitStatusProviding {
    public var kind: String
    public var name: String
    public var description: String {
        "\(kind) name \(name.debugDescription) is not allowed: names must match \(EntityName.rule)"
    }
    public var exitStatus: ExitStatus { .dataError }
}
