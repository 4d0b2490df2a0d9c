/// Escapes text for HTML element content and attribute values. Every string that came from a
/// device, profile, model or user passes through here.
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

/// One self-contained page: inline CSS, no external URLs, no script.
func page(title: String, body: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(escapeHTML(title))</title>
    <style>
    body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2430}
    h1{font-size:1.5rem;margin-bottom:.25rem} h2{font-size:1.15rem;margin-top:2rem}
    .meta{color:#5b6472} table{border-collapse:collapse;width:100%;margin:.5rem 0}
    th,td{padding:.35rem .6rem;border-bottom:1px solid #e3e6ea;text-align:right;white-space:nowrap}
    th:first-child,td:first-child,th.l,td.l{text-align:left} th{background:#f5f7f9;font-weight:600}
    .fail{color:#b42318;font-weight:600} .ok{color:#067647} svg{display:block} code{font-size:.9em}
    </style></head><body>
    \(body)
    </body></html>

    """
}

/// Formats nanoseconds with a unit and four significant digits.
func duration(_ ns: Double) -> String {
    func fmt(_ v: Double, _ unit: String) -> String {
        let digits = v >= 100 ? 1 : (v >= 10 ? 2 : 3)
        return "\(rounded(v, digits)) \(unit)"
    }
    switch ns {
    case ..<1_000: return fmt(ns, "ns")
    case ..<1_000_000: return fmt(ns / 1e3, "µs")
    case ..<1_000_000_000: return fmt(ns / 1e6, "ms")
    default: return fmt(ns / 1e9, "s")
    }
}

func rounded(_ v: Double, _ digits: Int) -> String {
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (v * p).rounded() / p
    var s = "\(r)"
    if let dot = s.firstIndex(of: ".") {
        let decimals = s.distance(from: dot, to: s.endIndex) - 1
        if decimals < digits { s += String(repeating: "0", count: digits - decimals) }
    }
    return s
}
