import BenchCore
import Foundation

/// A profile as loaded: the parsed value, its exact text (stored with every run) and where it came from.
public struct LoadedProfile: Sendable {
    public var profile: Profile
    public var text: String
    public var path: String
    /// Directory that relative model paths resolve against (nil for embedded profiles).
    public var directory: URL?
}

public enum ProfileLoader {
    /// Loads `reference`: a file path, or the name of an embedded profile (`quick`,
    /// `quick.yaml`, `Profiles/quick.yaml`) when no such file exists.
    public static func load(_ reference: String) throws(ControllerError) -> LoadedProfile {
        let url = URL(fileURLWithPath: reference)
        if let text = try? String(contentsOf: url, encoding: .utf8) {
            return try parse(text, path: reference, directory: url.deletingLastPathComponent())
        }
        let name = URL(fileURLWithPath: reference).lastPathComponent
        if FileManager.default.fileExists(atPath: reference) {
            throw .profile(path: reference, reason: "cannot be read as UTF-8 text")
        }
        guard let embedded = BundledResources.profile(named: name) else {
            throw .fileNotFound(path: reference, what: "profile (embedded profiles: \(BundledResources.profileNames.joined(separator: ", ")))")
        }
        return try parse(embedded.text, path: embedded.path, directory: nil)
    }

    public static func parse(_ text: String, path: String, directory: URL?) throws(ControllerError) -> LoadedProfile {
        let profile = try YAMLConfig.decode(Profile.self, from: text, path: path)
        guard !profile.benchmarks.isEmpty else { throw .profile(path: path, reason: "field benchmarks: needs at least one benchmark") }
        var seen = Set<String>()
        for (i, b) in profile.benchmarks.enumerated() {
            guard EntityName.isValid(b.name) else {
                throw .profile(path: path, reason: "field benchmarks[\(i)].name: \(b.name.debugDescription) must match \(EntityName.rule)")
            }
            guard seen.insert(b.name).inserted else { throw .profile(path: path, reason: "field benchmarks[\(i)].name: \(b.name) appears twice") }
            if let problem = profile.effectiveSettings(for: b).problem() {
                throw .profile(path: path, reason: "benchmark \(b.name): \(problem)")
            }
        }
        return LoadedProfile(profile: profile, text: text, path: path, directory: directory)
    }
}
