import Foundation

/// Profiles and board descriptors embedded in the binary, so `boardbench` works from any
/// directory. The repository's `Profiles/` and `Devices/boards/` hold the same files (a test
/// checks they match).
public enum BundledResources {
    public static func profile(named name: String) -> (text: String, path: String)? {
        let base = name.hasSuffix(".yaml") ? String(name.dropLast(5)) : name
        guard EntityNameCheck.isSimple(base),
            let url = Bundle.module.url(forResource: base, withExtension: "yaml", subdirectory: "Profiles"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { return nil }
        return (text, "builtin:Profiles/\(base).yaml")
    }

    public static var profileNames: [String] { names(in: "Profiles") }
    public static var spaceNames: [String] { names(in: "Profiles/spaces") }

    /// The embedded copy of `Profiles/spaces/`, the built-in search spaces.
    public static var spacesDirectory: URL? { Bundle.module.resourceURL?.appendingPathComponent("Profiles/spaces") }

    public static func space(named name: String) -> String? {
        guard EntityNameCheck.isSimple(name), let dir = spacesDirectory else { return nil }
        return try? String(contentsOf: dir.appendingPathComponent("\(name).yaml"), encoding: .utf8)
    }
    public static var boardNames: [String] { names(in: "boards") }

    public static func board(named name: String) -> String? {
        guard EntityNameCheck.isSimple(name), let url = Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "boards") else { return nil }
        return try? String(contentsOf: url, encoding: .utf8)
    }

    private static func names(in subdirectory: String) -> [String] {
        guard let dir = Bundle.module.resourceURL?.appendingPathComponent(subdirectory),
            let files = try? FileManager.default.contentsOfDirectory(atPath: dir.path)
        else { return [] }
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }
}

enum EntityNameCheck {
    static func isSimple(_ s: String) -> Bool { !s.isEmpty && !s.contains("/") && !s.hasPrefix(".") }
}
