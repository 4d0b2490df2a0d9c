import Foundation
import Yams

/// Edits top-level keys of a YAML document as text, so comments, ordering and any keys the
/// user added stay exactly as they were.
enum YAMLText {
    /// Sets `key: value` (a scalar), replacing the existing top-level line or appending one.
    static func setScalar(_ text: String, key: String, value: String) -> String {
        replaceBlock(text, key: key, with: "\(key): \(scalar(value))\n")
    }

    /// Replaces the top-level entry `key` (its line and every indented or blank line under it)
    /// with `block`, or appends `block` when the key is absent.
    static func replaceBlock(_ text: String, key: String, with block: String) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard let start = lines.firstIndex(where: { isTopLevel($0, key: key) }) else {
            let separator = text.isEmpty || text.hasSuffix("\n") ? "" : "\n"
            return text + separator + block
        }
        var end = start + 1
        while end < lines.count, lines[end].isEmpty || lines[end].first == " " || lines[end].first == "\t" || lines[end].hasPrefix("- ") || lines[end] == "-" {
            end += 1
        }
        // Blank lines before the next key belong to the layout, not to the block.
        while end > start + 1, lines[end - 1].trimmingCharacters(in: .whitespaces).isEmpty { end -= 1 }
        let replacement = block.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).dropLast()
        lines.replaceSubrange(start..<end, with: replacement)
        return lines.joined(separator: "\n") + "\n"
    }

    /// A scalar as YAML writes it (quoted when needed).
    static func scalar(_ value: String) -> String {
        let dumped = (try? Yams.serialize(node: .scalar(.init(value)))) ?? "\"\(value)\"\n"
        return String(dumped.dropLast(dumped.hasSuffix("\n") ? 1 : 0)).replacingOccurrences(of: "\n...", with: "")
    }

    private static func isTopLevel(_ line: String, key: String) -> Bool {
        line.hasPrefix("\(key):") || line.hasPrefix("\"\(key)\":") || line.hasPrefix("'\(key)':")
    }
}
