import BenchCore
import Yams

/// The keys a user-written YAML file may use. Decoding alone ignores keys it does not know, so
/// `iteration: 500` (for `iterations`) would silently measure with the default: a number the
/// user did not ask for. Files are therefore checked against their schema after decoding.
indirect enum KeySchema: Sendable {
    /// A mapping with exactly these keys (each optional), in the order error messages list them.
    case mapping([(String, KeySchema)])
    case list(KeySchema)
    /// Not checked here: free-form values, or mappings whose keys are checked elsewhere
    /// (sweep keys by `ProfileSweep`, facts written by BoardBench itself).
    case any

    /// The keys of a Codable struct with synthesized coding keys, read from an instance's stored
    /// properties, so the schema cannot fall behind when a setting is added.
    static func properties(of value: Any, overriding nested: [String: KeySchema] = [:]) -> KeySchema {
        .mapping(Mirror(reflecting: value).children.compactMap { $0.label }.map { ($0, nested[$0] ?? .any) })
    }

    /// `settings:` of a profile or benchmark.
    static let settings = properties(of: SettingsOverride())

    /// A profile (`Profiles/*.yaml`).
    static let profile = KeySchema.mapping([
        ("name", .any), ("description", .any), ("settings", settings), ("sweep", .any),
        (
            "benchmarks",
            .list(
                .mapping([
                    ("name", .any), ("model", .any), ("inputShapes", .any), ("settings", settings), ("sweep", .any), ("runner", .any), ("command", .any),
                    ("output", .any), ("select", .any), ("sampleMetric", .any), ("graphOptimization", .any), ("executionProvider", .any),
                    ("environment", .any),
                ]))
        ),
    ])

    static let energy = properties(of: EnergyConfig(provider: .none))

    /// A device file (`Devices/NAME.yaml`). `facts:` is BoardBench's own and not checked;
    /// `notes:` holds whatever the people who share the board want to say about it.
    static let device: KeySchema = {
        guard case .mapping(let keys) = properties(of: DeviceConfig(name: "x", transport: .local, workdir: "/"), overriding: ["energy": energy])
        else { return .any }
        return .mapping(keys + [("notes", .any)])
    }()

    /// A board descriptor (`Devices/boards/NAME.yaml`).
    static let board = properties(of: BoardDescriptor(name: "x", architecture: "x"), overriding: ["energy": energy])
}

extension YAMLConfig {
    /// The first key in `text` that `schema` does not allow, as one line naming the line, the
    /// field and the keys that are allowed there (with the closest one when it looks like a typo);
    /// nil when every key is known. Text that does not parse is left to the decoder's message.
    static func unknownKey(in text: String, schema: KeySchema) -> String? {
        guard let root = try? Yams.compose(yaml: text) else { return nil }
        return unknownKey(in: root, schema: schema, path: "")
    }

    private static func unknownKey(in node: Node, schema: KeySchema, path: String) -> String? {
        switch (schema, node) {
        case (.any, _):
            return nil
        case (.list(let element), .sequence(let items)):
            for (i, item) in items.enumerated() {
                if let problem = unknownKey(in: item, schema: element, path: "\(path)[\(i)]") { return problem }
            }
            return nil
        case (.mapping(let allowed), .mapping(let pairs)):
            for (key, value) in pairs {
                let name = key.string ?? "\(key)"
                let field = path.isEmpty ? name : "\(path).\(name)"
                guard let sub = allowed.first(where: { $0.0 == name })?.1 else {
                    let names = allowed.map(\.0)
                    let line = key.mark.map { "line \($0.line): " } ?? ""
                    let hint = closest(to: name, in: names).map { " (did you mean \($0)?)" } ?? ""
                    return "\(line)field \(field): unknown field\(hint); expected one of \(names.joined(separator: ", "))"
                }
                if let problem = unknownKey(in: value, schema: sub, path: field) { return problem }
            }
            return nil
        default:
            // A wrong shape (a list where a mapping belongs) is the decoder's to report.
            return nil
        }
    }

    /// The allowed key within two edits of `name` (ignoring case), when there is exactly one
    /// nearest: `iteration`, `Iterations` and `iteratoins` all suggest `iterations`.
    static func closest(to name: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(name.lowercased(), $0.lowercased())) }.filter { $0.1 <= 2 }
        guard let best = scored.map(\.1).min() else { return nil }
        let nearest = scored.filter { $0.1 == best }
        return nearest.count == 1 ? nearest[0].0 : nil
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
    /// neighbours each cost one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars)
        let y = Array(b.unicodeScalars)
        if x.isEmpty || y.isEmpty { return max(x.count, y.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[x.count][y.count]
    }
}
