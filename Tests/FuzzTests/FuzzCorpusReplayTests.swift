import Foundation
import FuzzTargets
import Testing

/// Replays the committed corpora (`Fuzz/Corpora/TARGET/`) through the entry points libFuzzer
/// runs (`scripts/fuzz.sh`), so every input a campaign kept, and every crash it found, is
/// checked by a plain `swift test`. File names say what to expect: `valid-*` must be accepted
/// (the entry point really parses), `crash-*` once crashed and must now just return, anything
/// else (`bad-*`, libFuzzer's hash names) must return without breaking an invariant.
@Suite struct FuzzCorpusReplayTests {
    static let corpora = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpora")

    static func files(_ target: FuzzTarget) -> [URL] {
        let dir = corpora.appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.sorted().map { dir.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases) func corpusReplaysWithoutFindings(_ target: FuzzTarget) throws {
        let files = Self.files(target)
        #expect(!files.isEmpty, "Fuzz/Corpora/\(target.rawValue) is missing or empty")
        #expect(files.contains { $0.lastPathComponent.hasPrefix("valid-") }, "Fuzz/Corpora/\(target.rawValue) has no valid-* seed")
        for file in files {
            let outcome = target.run([UInt8](try Data(contentsOf: file)))
            let name = "\(target.rawValue)/\(file.lastPathComponent)"
            if case .broken(let why) = outcome { Issue.record("\(name) broke an invariant: \(why)") }
            if file.lastPathComponent.hasPrefix("valid-") { #expect(outcome == .accepted, "\(name): \(outcome)") }
        }
    }

    /// A corpus directory that matches no target would never be replayed.
    @Test func everyCorpusBelongsToATarget() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpora.path)
        #expect(Set(names) == Set(FuzzTarget.allCases.map(\.rawValue)))
    }
}
