import Yams

/// A YAML node with the path that reached it, so every complaint names the file and the field
/// (`stages[2].kernels`). Space files and arch specs (YAML or JSON) are both read through it.
struct YAMLField {
    let node: Node
    let file: String
    let path: String

    static func root(_ text: String, file: String) throws(SpaceError) -> YAMLField {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            let message = String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            throw .invalid(file: file, field: "", reason: "not valid YAML or JSON: \(message)")
        }
        guard let node else { throw .invalid(file: file, field: "", reason: "the document is empty") }
        return YAMLField(node: node, file: file, path: "")
    }

    func fail(_ reason: String) -> SpaceError { .invalid(file: file, field: path, reason: reason) }

    func child(_ key: String, _ node: Node) -> YAMLField {
        YAMLField(node: node, file: file, path: path.isEmpty ? key : "\(path).\(key)")
    }

    var isNull: Bool {
        guard case .scalar(let s) = node else { return false }
        return s.style == .plain && ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// A mapping whose keys must all be in `allowed`: a misspelt key is an error, not a default.
    func object(allowed: [String]) throws(SpaceError) -> YAMLObject {
        guard case .mapping(let mapping) = node else { throw fail("expected a mapping (key: value), found \(kind)") }
        var fields: [String: YAMLField] = [:]
        for (key, value) in mapping {
            guard case .scalar(let k) = key else { throw fail("keys must be plain names") }
            guard allowed.contains(k.string) else {
                throw fail("unknown field \(k.string.debugDescription); expected one of \(allowed.joined(separator: ", "))")
            }
            guard fields[k.string] == nil else { throw fail("field \(k.string.debugDescription) appears twice") }
            fields[k.string] = child(k.string, value)
        }
        return YAMLObject(fields: fields, owner: self)
    }

    func list() throws(SpaceError) -> [YAMLField] {
        guard case .sequence(let items) = node else { throw fail("expected a list, found \(kind)") }
        return items.enumerated().map { YAMLField(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// A list, or a single scalar standing for a list of `count` equal items (OFA's `val2list`).
    func list(orRepeated count: Int) throws(SpaceError) -> [YAMLField] {
        if case .scalar = node { return Array(repeating: self, count: count) }
        return try list()
    }

    func string() throws(SpaceError) -> String {
        guard case .scalar(let s) = node, !isNull else { throw fail("expected text, found \(kind)") }
        return s.string
    }

    func int() throws(SpaceError) -> Int {
        if let v = plainScalar.flatMap({ Int($0) }) { return v }
        // JSON written by Python may spell integers as 3.0.
        if let d = plainScalar.flatMap({ Double($0) }), d.isFinite, d == d.rounded(), abs(d) < 1e9 { return Int(d) }
        throw fail("expected an integer, found \(kind)")
    }

    func double() throws(SpaceError) -> Double {
        guard let d = plainScalar.flatMap({ Double($0) }), d.isFinite else { throw fail("expected a number, found \(kind)") }
        return d
    }

    func bool() throws(SpaceError) -> Bool {
        switch plainScalar {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: throw fail("expected true or false, found \(kind)")
        }
    }

    func ints() throws(SpaceError) -> [Int] {
        var out: [Int] = []
        for item in try list() { out.append(try item.int()) }
        return out
    }

    func doubles() throws(SpaceError) -> [Double] {
        var out: [Double] = []
        for item in try list() { out.append(try item.double()) }
        return out
    }

    private var plainScalar: String? {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return nil }
        return s.string.replacingOccurrences(of: "_", with: "")
    }

    /// How the node looks, for messages ("found text "abc"").
    var kind: String {
        switch node {
        case .scalar(let s):
            if isNull { return "nothing" }
            let text = s.string.count > 40 ? String(s.string.prefix(40)) + "..." : s.string
            return s.style == .plain || s.style == .any ? text : "text \(text.debugDescription)"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}

/// The fields of one YAML mapping, each already checked against the allowed keys.
struct YAMLObject {
    let fields: [String: YAMLField]
    let owner: YAMLField

    subscript(key: String) -> YAMLField? {
        guard let f = fields[key], !f.isNull else { return nil }
        return f
    }

    /// `read` applied to the field, or nil when it is absent.
    func value<T>(_ key: String, _ read: (YAMLField) throws(SpaceError) -> T) throws(SpaceError) -> T? {
        guard let f = self[key] else { return nil }
        return try read(f)
    }

    func required(_ key: String) throws(SpaceError) -> YAMLField {
        guard let f = self[key] else { throw owner.fail("missing required field \(key)") }
        return f
    }
}
