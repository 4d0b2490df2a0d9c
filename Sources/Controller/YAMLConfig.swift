import Foundation
import Yams

/// Decodes user-written YAML (profiles, device files, spaces) into Codable values, turning
/// every failure into one line that names the file, the line and the field.
enum YAMLConfig {
    static func decode<T: Decodable>(_ type: T.Type, from text: String, path: String) throws(ControllerError) -> T {
        do {
            return try YAMLDecoder().decode(T.self, from: text)
        } catch let error as DecodingError {
            throw .profile(path: path, reason: describe(error, text: text))
        } catch {
            throw .profile(path: path, reason: syntax(error, text: text))
        }
    }

    /// Puts the line of the field a validation message names ("field port: must be ...") in front
    /// of it, so checks made after decoding point into the file as decode errors do. A field that
    /// is absent from the file has no line; the message is returned unchanged.
    static func locate(_ problem: String, in text: String) -> String {
        guard problem.hasPrefix("field "), let colon = problem.firstIndex(of: ":") else { return problem }
        let field = problem[problem.index(problem.startIndex, offsetBy: 6)..<colon]
        let keys = field.split(separator: ".").map(String.init)
        guard !keys.isEmpty, let line = lineOfKey(keys, in: text) else { return problem }
        return "line \(line): \(problem)"
    }

    private static func describe(_ error: DecodingError, text: String) -> String {
        func at(_ path: [any CodingKey]) -> String {
            let field = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }
            let line = lineOf(path, in: text).map { "line \($0): " } ?? ""
            return "\(line)field \(field.isEmpty ? "(top level)" : String(field))"
        }
        switch error {
        case .typeMismatch(let type, let c): return "\(at(c.codingPath)): expected \(friendly(type))"
        case .valueNotFound(let type, let c): return "\(at(c.codingPath)): expected \(friendly(type)), found nothing"
        case .keyNotFound(let key, let c): return "\(at(c.codingPath)): missing required field \(key.stringValue)"
        case .dataCorrupted(let c):
            if let underlying = c.underlyingError { return syntax(underlying, text: text) }
            // Swift's words for an enum value it does not know name a type the user never sees.
            if c.debugDescription.hasPrefix("Cannot initialize "), let range = c.debugDescription.range(of: "invalid String value ") {
                return "\(at(c.codingPath)): \(String(c.debugDescription[range.upperBound...]).debugDescription) is not an allowed value"
            }
            return "\(at(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// A parse failure: the line and field of the construct libyaml was reading, where it gave up,
    /// and libyaml's own words (without the source snippet Yams appends).
    private static func syntax(_ error: any Error, text: String) -> String {
        let located: (mark: Mark, problem: String, context: YamlError.Context?)? =
            switch error as? YamlError {
            case .scanner(let context, let problem, let mark, _): (mark, problem, context)
            case .parser(let context, let problem, let mark, _): (mark, problem, context)
            case .composer(let context, let problem, let mark, _): (mark, problem, context)
            default: nil
            }
        if case .duplicatedKeysInMapping(let duplicates, let context) = error as? YamlError, let key = duplicates.first {
            return duplicateKey(key, mappingLine: context.mark.line, in: text)
        }
        guard let located else {
            return "not valid YAML: \(String(describing: error).replacingOccurrences(of: "\n", with: " "))"
        }
        // libyaml often notices a problem lines after the construct it was reading (an unclosed
        // list): that construct's line names the field, the place it gave up follows.
        let mark = located.mark
        guard let context = located.context, context.mark.line != mark.line else {
            let field = fieldNear(line: mark.line, in: text).map { "field \($0): " } ?? ""
            return "line \(mark.line), column \(mark.column): \(field)not valid YAML: \(located.problem)"
        }
        let field = fieldNear(line: context.mark.line, in: text).map { "field \($0): " } ?? ""
        return "line \(context.mark.line): \(field)not valid YAML: \(located.problem) \(context.text) (noticed at line \(mark.line), column \(mark.column))"
    }

    /// "line L: field a.b: appears twice in the same mapping": Yams names only the mapping's first
    /// line (and appends the whole text), so the second occurrence of the key is looked up here.
    private static func duplicateKey(_ key: String, mappingLine: Int, in text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let occurrences = lines.indices.filter { i in
            guard i + 1 >= mappingLine else { return false }
            var body = lines[i].drop { $0 == " " }
            if body.hasPrefix("- ") { body = body.dropFirst(2) }
            let bare = body.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            return body.hasPrefix("\(key):") || bare.hasPrefix("\(key)\":") || bare.hasPrefix("\(key)':")
        }
        guard occurrences.count >= 2 else { return "not valid YAML: key \(key.debugDescription) appears twice in the same mapping" }
        let line = occurrences[1] + 1
        let field = fieldNear(line: line, in: text) ?? key
        return "line \(line): field \(field): appears twice in the same mapping (line \(occurrences[0] + 1))"
    }

    /// How a user would name a Swift type in YAML ("an integer", "a list").
    static func friendly(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type: "an integer"
        case is String.Type: "text"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        // Yams names its node kinds when the YAML has the wrong shape for a field.
        case is Node.Scalar.Type: "a single value, not a list or mapping"
        case is Node.Sequence.Type: "a list"
        case is Node.Mapping.Type: "a mapping"
        default: "\(type)".contains("Array") ? "a list" : "a mapping"
        }
    }

    /// Line (1-based) of the deepest node the coding path reaches.
    static func lineOf(_ path: [any CodingKey], in text: String) -> Int? {
        guard var node = try? Yams.compose(yaml: text) else { return nil }
        for key in path {
            if let i = key.intValue, let seq = node.sequence, i < seq.count {
                node = seq[i]
            } else if let map = node.mapping, let next = map[key.stringValue] {
                node = next
            } else {
                break
            }
        }
        return node.mark.map { $0.line }
    }

    /// Line (1-based) of the key at the end of `keys` (nested mapping keys), or nil when the file
    /// does not have it. The key's own line, not its value's: a block mapping starts a line later.
    static func lineOfKey(_ keys: [String], in text: String) -> Int? {
        guard var node = try? Yams.compose(yaml: text) else { return nil }
        var line: Int?
        for key in keys {
            guard let map = node.mapping, let pair = map.first(where: { $0.key.string == key }) else { return nil }
            line = pair.key.mark?.line
            node = pair.value
        }
        return line
    }

    /// The dotted key path being written at `line` (the nearest key at or above it, with the
    /// less indented keys that enclose it), for errors where the YAML does not parse at all.
    static func fieldNear(line: Int, in text: String) -> String? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var path: [String] = []
        var indentLimit = Int.max
        var index = min(line, lines.count) - 1
        while index >= 0 {
            let raw = lines[index]
            index -= 1
            let indent = raw.prefix { $0 == " " }.count
            var body = raw.dropFirst(indent)
            if body.hasPrefix("- ") { body = body.dropFirst(2) }
            guard indent < indentLimit, !body.hasPrefix("#"), let colon = body.firstIndex(of: ":") else { continue }
            let key = body[..<colon].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            guard !key.isEmpty, !key.contains(" "), !key.contains("{"), !key.contains("[") else { continue }
            path.insert(key, at: 0)
            indentLimit = indent
            if indent == 0 { break }
        }
        return path.isEmpty ? nil : path.joined(separator: ".")
    }
}
