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
            // Yams syntax errors already carry "line:column: message".
            throw .profile(path: path, reason: "not valid YAML: \(String(describing: error).replacingOccurrences(of: "\n", with: " "))")
        }
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
            if let underlying = c.underlyingError {
                return "not valid YAML: \(String(describing: underlying).replacingOccurrences(of: "\n", with: " "))"
            }
            return "\(at(c.codingPath)): \(c.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    private static func friendly(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type: "an integer"
        case is String.Type: "text"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default: "\(type)".contains("Array") ? "a list" : "a mapping"
        }
    }

    /// Line (1-based) of the deepest node the coding path reaches.
    private static func lineOf(_ path: [any CodingKey], in text: String) -> Int? {
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
}
