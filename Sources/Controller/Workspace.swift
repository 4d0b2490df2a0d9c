import Foundation

/// Where BoardBench keeps the user's files: `Devices/`, `Profiles/`, `Reports/` under one
/// directory (`--workspace`, default the current directory), and the store (`--db`).
public struct Workspace: Sendable {
    public let root: URL
    public let databasePath: String

    public init(root: String, databasePath: String?) {
        let cwd = FileManager.default.currentDirectoryPath
        let rootURL = URL(fileURLWithPath: root, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).standardizedFileURL
        self.root = rootURL
        let db = databasePath ?? ProcessInfo.processInfo.environment["BOARDBENCH_DB"] ?? "boardbench.sqlite"
        self.databasePath = URL(fileURLWithPath: db, relativeTo: rootURL).standardizedFileURL.path
    }

    public var devicesDirectory: URL { root.appendingPathComponent("Devices", isDirectory: true) }
    public var reportsDirectory: URL { root.appendingPathComponent("Reports", isDirectory: true) }

    public func deviceFile(_ name: String) -> URL { devicesDirectory.appendingPathComponent("\(name).yaml") }

    /// Names of enrolled devices (files `Devices/*.yaml`), sorted.
    public func enrolledDevices() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: devicesDirectory.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }
}
