extension EntityName {
    /// Longest part of a name that `fileKey(for:)` keeps before the hash.
    public static let fileKeyPrefixLength = 40

    /// A file-name-safe key for any name (a benchmark name in a journal file name, say):
    /// the name with every character outside `[A-Za-z0-9._-]` replaced by `_` (a leading `.`
    /// or `-` too; an empty name is `_`), cut to 40 characters, then `-` and 16 hex digits of the FNV-1a 64-bit hash
    /// of the name's exact UTF-8 bytes. At most 57 characters, never `.`/`..`, no `/`; names
    /// that differ (even only in case, for case-insensitive file systems, or only past the
    /// cut) get different keys. The algorithm is part of the on-board file format: it never
    /// changes (docs/formats.md, "Sweeps").
    public static func fileKey(for name: String) -> String {
        var prefix = String.UnicodeScalarView(name.unicodeScalars.prefix(fileKeyPrefixLength).map { isNameScalar($0) ? $0 : "_" })
        if prefix.isEmpty {
            prefix = "_".unicodeScalars
        } else if let first = prefix.first, first == "." || first == "-" {
            prefix.replaceSubrange(prefix.startIndex...prefix.startIndex, with: ["_"])
        }
        return String(prefix) + "-" + hashHex(name)
    }

    /// The FNV-1a 64-bit hash of `text`'s UTF-8 bytes as 16 lowercase hex digits.
    static func hashHex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Whether `scalar` may appear in a name after its first character: `[A-Za-z0-9._-]`.
    static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_"
            || scalar == "-"
    }
}
