/// A profile's `sweep:` mapping: parameter names, each with the values to measure, in the
/// order written. One benchmark with a sweep stands for the Cartesian product of its values
/// (docs/formats.md, "Sweeps"); the loader expands it, so consumers see plain benchmarks.
public struct Sweep: Codable, Sendable, Equatable {
    public var axes: [SweepAxis]

    public init(_ axes: [SweepAxis]) { self.axes = axes }

    /// Decodes a mapping of lists, keeping the keys in the order the decoder reports them
    /// (YAML keeps the written order; that order decides the expansion order and the names).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: SweepKey.self)
        axes = try container.allKeys.map { key in
            do {
                return SweepAxis(name: key.stringValue, values: try container.decode([SweepValue].self, forKey: key))
            } catch DecodingError.typeMismatch(_, let context) where context.codingPath.count == container.codingPath.count + 1 {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container,
                    debugDescription: "a sweep key takes a list of values (write `\(key.stringValue): [4]` for a single value)")
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: SweepKey.self)
        for axis in axes { try container.encode(axis.values, forKey: SweepKey(axis.name)) }
    }
}

/// One swept parameter: its name (`threads`, `resolution`...) and its values in order.
public struct SweepAxis: Sendable, Equatable {
    public var name: String
    public var values: [SweepValue]

    public init(name: String, values: [SweepValue]) {
        self.name = name
        self.values = values
    }
}

/// One value of a swept parameter as written: a scalar (`4`, `0-3,6`, `0.5`, `true`) or, for
/// list-valued settings such as `counters`, a list of scalars. Its meaning comes from the
/// parameter it belongs to, so it is kept as text until the loader interprets it.
public enum SweepValue: Codable, Sendable, Equatable, Hashable {
    case scalar(String)
    case list([String])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a sweep value cannot be empty (null)")
        }
        if let text = try? container.decode(String.self) {
            self = .scalar(text)
        } else if let items = try? container.decode([String].self) {
            self = .list(items)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a sweep value is a scalar or a list of scalars")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .scalar(let text): try container.encode(text)
        case .list(let items): try container.encode(items)
        }
    }
}

/// The value one expanded benchmark has for one swept parameter, as canonical text (lists
/// join their items with `,`), so reports and exports can group results by it.
public struct SweepParameter: Codable, Sendable, Equatable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension Sweep {
    /// Longest benchmark name `EntityName` allows.
    public static let maxNameLength = 64

    /// The name of the benchmark `base` expands to for `parameters`:
    /// `base.name1-value1.name2-value2...`, parameters in sweep order. Every character of a
    /// value outside `[A-Za-z0-9._-]` becomes `_` and an empty value is written `none`, so a
    /// valid base name gives a valid name. A name longer than 64 characters keeps its first
    /// 47 and ends in `-` and the 16 hex digits of the FNV-1a 64-bit hash of the whole long
    /// name, so it stays unique (the loader still checks no two benchmarks share a name).
    public static func benchmarkName(base: String, parameters: [SweepParameter]) -> String {
        let full = ([base] + parameters.map { "\(nameToken($0.name))-\(nameToken($0.value))" }).joined(separator: ".")
        guard full.unicodeScalars.count > maxNameLength else { return full }
        return String(String.UnicodeScalarView(full.unicodeScalars.prefix(maxNameLength - 17))) + "-" + EntityName.hashHex(full)
    }

    static func nameToken(_ text: String) -> String {
        guard !text.isEmpty else { return "none" }
        return String(String.UnicodeScalarView(text.unicodeScalars.map { EntityName.isNameScalar($0) ? $0 : "_" }))
    }
}

private struct SweepKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }

    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
