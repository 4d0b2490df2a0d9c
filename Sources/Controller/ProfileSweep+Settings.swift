import BenchCore
import Foundation
import Yams

/// Sweeping a measurement setting, generically: a value is decoded exactly as if it were
/// written under the benchmark's `settings:`, through `SettingsOverride`'s own Codable, so
/// keys added to `SettingsOverride` later can be swept with no change here.
enum SweepSettings {
    /// `value` as setting `key`, re-encoded by `SettingsOverride` (so `0.50` and `0.5` are
    /// the same value); a problem when the value does not decode or `key` is no setting.
    static func canonical(_ value: SweepValue, key: String) throws(SweepProblem) -> Node {
        let written: Node =
            switch value {
            case .scalar(let text): Node(text)
            case .list(let items): Node(items.map { Node($0) })
            }
        let override: SettingsOverride
        do {
            override = try YAMLDecoder().decode(SettingsOverride.self, from: Node([(Node(key), written)]))
        } catch let DecodingError.typeMismatch(type, _) {
            throw SweepProblem("\(value.description) is not a valid \(key): expected \(YAMLConfig.friendly(type))")
        } catch let DecodingError.dataCorrupted(context) {
            throw SweepProblem("\(value.description) is not a valid \(key): \(context.debugDescription)")
        } catch {
            throw SweepProblem("\(value.description) is not a valid \(key): \(error)")
        }
        // A key SettingsOverride does not know decodes to nothing and so is not written back.
        guard let canonical = try encoded(override)[key] else {
            throw SweepProblem(
                "unknown sweep key \(key): sweep keys are \(ProfileSweep.shapeKeys.joined(separator: ", ")) and the measurement settings (\(settingKeys.joined(separator: ", ")))"
            )
        }
        return canonical
    }

    /// `base` with each swept key set to its node, decoded back through `SettingsOverride`.
    static func merged(_ base: SettingsOverride?, _ swept: [(key: String, node: Node)]) throws(SweepProblem) -> SettingsOverride? {
        guard !swept.isEmpty else { return base }
        var mapping = try encoded(base ?? SettingsOverride())
        for (key, node) in swept { mapping[key] = node }
        do {
            return try YAMLDecoder().decode(SettingsOverride.self, from: .mapping(mapping))
        } catch {
            throw SweepProblem("the swept settings do not combine with the benchmark's own: \(error)")
        }
    }

    /// A canonical value as text for names and parameters: scalars as they are, lists joined
    /// with `,` (and, should a setting ever take a mapping, `key=value` pairs joined with `,`).
    static func text(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): scalar.string
        case .sequence(let sequence): sequence.map { text(of: $0) }.joined(separator: ",")
        case .mapping(let mapping): mapping.map { "\(text(of: $0.key))=\(text(of: $0.value))" }.joined(separator: ",")
        case .alias(let alias): alias.anchor.rawValue
        }
    }

    /// The keys `SettingsOverride` has, for the unknown-key message (its stored properties,
    /// which its synthesized Codable uses as keys).
    static var settingKeys: [String] { Mirror(reflecting: SettingsOverride()).children.compactMap(\.label) }

    /// `override` through its Codable as JSON (which writes numbers the shortest way that
    /// reads back exactly: `0.5`, `55`), read back as a YAML mapping (JSON is flow YAML).
    private static func encoded(_ override: SettingsOverride) throws(SweepProblem) -> Node.Mapping {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            guard let mapping = try Yams.compose(yaml: String(decoding: encoder.encode(override), as: UTF8.self))?.mapping else {
                throw SweepProblem("settings did not encode as a mapping")
            }
            return mapping
        } catch let problem as SweepProblem {
            throw problem
        } catch {
            throw SweepProblem("settings could not be encoded: \(error)")
        }
    }
}
