import Foundation

/// Quotes argv for a POSIX shell so that every argument stays literal: each one is wrapped in
/// single quotes, inside which nothing is special, and each embedded `'` becomes `'\''`.
/// Newlines, `$()`, backticks and spaces need no escaping inside single quotes.
/// An empty argument becomes `''` so it survives as an empty word.
public func shellQuote(_ argv: [String]) -> String {
    argv.map(shellQuote(argument:)).joined(separator: " ")
}

func shellQuote(argument: String) -> String {
    "'" + argument.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}

/// Rejects argv that no exec can carry: empty, or with a NUL byte (C strings end there,
/// so the command would silently differ from what the caller asked for).
func validate(argv: [String], label: String) throws(TransportError) {
    guard let first = argv.first, !first.isEmpty else {
        throw .invalidArgument(label: label, reason: "empty command")
    }
    if argv.contains(where: { $0.utf8.contains(0) }) {
        throw .invalidArgument(label: label, reason: "an argument of `\(first)` contains a NUL byte")
    }
}

/// Short human-readable name of a command for error messages.
func describeCommand(_ argv: [String]) -> String {
    let text = argv.joined(separator: " ")
    return "`" + (text.count > 80 ? String(text.prefix(77)) + "..." : text) + "`"
}

/// Splits remote paths without Foundation's URL semantics (the path is the board's, not ours).
func splitRemotePath(_ path: String) -> (directory: String, basename: String)? {
    guard let slash = path.lastIndex(of: "/") else { return (".", path) }
    let base = String(path[path.index(after: slash)...])
    guard !base.isEmpty else { return nil }
    let dir = String(path[..<slash])
    return (dir.isEmpty ? "/" : dir, base)
}

/// `.<basename>.tmp-<random>` next to the target, so the final rename stays on one filesystem.
func temporarySibling(directory: String, basename: String) -> String {
    let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
    let name = ".\(basename).tmp-\(random)"
    return directory == "/" ? "/" + name : directory + "/" + name
}

/// Splits `arguments` into batches whose shell-quoted text stays under `limit` bytes, keeping
/// each group of `unit` consecutive arguments in one batch. An SSH command reaches the board
/// as the one argument of `sh -c`, and Linux refuses a single argument over 128 KiB
/// (MAX_ARG_STRLEN): a thousand plan paths in one command came close.
public func argumentBatches(_ arguments: [String], unit: Int = 1, limit: Int = 64 * 1024) -> [[String]] {
    var batches: [[String]] = []
    var current: [String] = []
    var size = 0
    var index = 0
    while index < arguments.count {
        let group = Array(arguments[index..<min(index + max(unit, 1), arguments.count)])
        let groupSize = group.reduce(0) { $0 + shellQuote(argument: $1).utf8.count + 1 }
        if !current.isEmpty && size + groupSize > limit {
            batches.append(current)
            (current, size) = ([], 0)
        }
        current += group
        size += groupSize
        index += group.count
    }
    if !current.isEmpty { batches.append(current) }
    return batches
}
