import Yams

/// Finds where a field of a YAML document is, for error messages that name the line.
struct YAMLLocator {
    enum Step {
        case key(String)
        case index(Int)
    }

    private let text: String?

    /// `text` nil (a profile built in code) locates nothing. The text is parsed only when a
    /// line is asked for, which is on the way to an error.
    init(text: String?) { self.text = text }

    /// Line (1-based) of the deepest node `path` reaches, nil without a document. A document
    /// Yams cannot compose has already failed to decode with its own message, so it only
    /// loses the line numbers here.
    func line(_ path: [Step]) -> Int? {
        guard let text, var node = try? Yams.compose(yaml: text) else { return nil }
        for step in path {
            switch step {
            case .index(let i):
                guard let sequence = node.sequence, i < sequence.count else { return node.mark?.line }
                node = sequence[i]
            case .key(let key):
                guard let next = node.mapping?[key] else { return node.mark?.line }
                node = next
            }
        }
        return node.mark?.line
    }

    /// `line L: field a[0].b.c` (without the line when unknown), the form YAMLConfig uses.
    func describe(_ path: [Step]) -> String {
        let field = path.map { step in
            switch step {
            case .index(let i): "[\(i)]"
            case .key(let key): ".\(key)"
            }
        }.joined(separator: "").drop { $0 == "." }
        return (line(path).map { "line \($0): " } ?? "") + "field \(field)"
    }
}
