import BenchCore
import Foundation

/// A profile as loaded: the parsed value (sweeps expanded), its exact text (stored with every
/// run) and where it came from.
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

    /// Decodes and checks a profile and expands its sweeps (`ProfileSweep`), so the result
    /// holds only plain benchmarks; `text` stays as written.
    public static func parse(_ text: String, path: String, directory: URL?) throws(ControllerError) -> LoadedProfile {
        let written = try YAMLConfig.decode(Profile.self, from: text, path: path)
        if let problem = YAMLConfig.unknownKey(in: text, schema: .profile) { throw .profile(path: path, reason: problem) }
        guard !written.benchmarks.isEmpty else { throw .profile(path: path, reason: "field benchmarks: needs at least one benchmark") }
        for (i, b) in written.benchmarks.enumerated() where !EntityName.isValid(b.name) {
            throw .profile(path: path, reason: "field benchmarks[\(i)].name: \(b.name.debugDescription) must match \(EntityName.rule)")
        }
        let profile = try ProfileSweep.expand(written, path: path, text: text, directory: directory)
        for b in profile.benchmarks {
            if let problem = RunnerModels.problem(b) { throw .profile(path: path, reason: "benchmark \(b.name): \(problem)") }
            if let problem = profile.effectiveSettings(for: b).problem() {
                throw .profile(path: path, reason: "benchmark \(b.name): \(problem)")
            }
        }
        return LoadedProfile(profile: profile, text: text, path: path, directory: directory)
    }
}
