import Foundation

/// Finds search spaces by name: first among spaces handed over in memory (embedded resources,
/// tests), then as `NAME.yaml` in each search directory in order (`Profiles/spaces`).
public struct SpaceCatalog: Sendable {
    public private(set) var spaces: [String: SearchSpace]
    public var directories: [URL]

    public init(spaces: [SearchSpace] = [], directories: [URL] = []) {
        self.spaces = Dictionary(spaces.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.directories = directories
    }

    /// Adds (or replaces) a space held in memory.
    public mutating func add(_ space: SearchSpace) { spaces[space.name] = space }

    /// Loads every `*.yaml` of a directory into memory, in name order. A malformed file is an
    /// error (naming it), so a broken space is never silently missing.
    public static func loading(directory: URL) throws(SpaceError) -> SpaceCatalog {
        var catalog = SpaceCatalog()
        for url in try yamlFiles(in: directory) { catalog.add(try SearchSpace(contentsOf: url)) }
        return catalog
    }

    public func space(named name: String) throws(SpaceError) -> SearchSpace {
        if let s = spaces[name] { return s }
        if SearchSpace.isValidName(name) {
            for dir in directories {
                let url = dir.appendingPathComponent("\(name).yaml")
                if FileManager.default.fileExists(atPath: url.path) { return try SearchSpace(contentsOf: url) }
            }
        }
        throw .unknownSpace(name: name, known: names, searched: directories.map(\.path))
    }

    /// Names of every space this catalog can find, sorted.
    public var names: [String] {
        var all = Set(spaces.keys)
        for dir in directories {
            for url in (try? Self.yamlFiles(in: dir)) ?? [] { all.insert(url.deletingPathExtension().lastPathComponent) }
        }
        return all.sorted()
    }

    private static func yamlFiles(in directory: URL) throws(SpaceError) -> [URL] {
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw .unreadable(path: directory.path, reason: error.localizedDescription)
        }
        return entries.filter { $0.hasSuffix(".yaml") && !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }
}
