/// A fragment of markup. Escaping is decided by type, not by remembering: the literal parts of
/// an `HTML` value are written in this module's source, and every `String` interpolated into
/// one is escaped. Only another `HTML` value (itself built the same way) goes in verbatim, so a
/// model, device or profile name can never become markup.
public struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public private(set) var markup: String

    public init(stringLiteral value: String) { markup = value }
    public init(stringInterpolation: Interpolation) { markup = stringInterpolation.markup }
    private init(trusted: String) { markup = trusted }

    public var description: String { markup }
    public var isEmpty: Bool { markup.isEmpty }

    public static func + (a: HTML, b: HTML) -> HTML { HTML(trusted: a.markup + b.markup) }
    public static func += (a: inout HTML, b: HTML) { a.markup += b.markup }

    /// Plain text as markup: escaped.
    public static func text(_ s: String) -> HTML { HTML(trusted: escapeHTML(s)) }

    public struct Interpolation: StringInterpolationProtocol {
        var markup = ""
        public init(literalCapacity: Int, interpolationCount: Int) { markup.reserveCapacity(literalCapacity + 16 * interpolationCount) }
        public mutating func appendLiteral(_ literal: String) { markup += literal }
        /// Text from anywhere: escaped.
        public mutating func appendInterpolation(_ s: String) { markup += escapeHTML(s) }
        public mutating func appendInterpolation(_ s: Substring) { markup += escapeHTML(String(s)) }
        /// Markup built by this module: verbatim.
        public mutating func appendInterpolation(_ h: HTML) { markup += h.markup }
        public mutating func appendInterpolation(_ parts: [HTML]) { for p in parts { markup += p.markup } }
        public mutating func appendInterpolation(_ v: Int) { markup += String(v) }
        public mutating func appendInterpolation(_ v: Int64) { markup += String(v) }
        /// A coordinate or size in a chart: one decimal, no exponent.
        public mutating func appendInterpolation(_ v: Double) { markup += fixed(v, 1) }
    }
}

extension Sequence where Element == HTML {
    public func joined(separator: HTML = "") -> HTML {
        var out: HTML = ""
        var first = true
        for part in self {
            if !first { out += separator }
            out += part
            first = false
        }
        return out
    }
}

/// Escapes text for HTML element content and attribute values (quoted with either quote).
public func escapeHTML(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}
