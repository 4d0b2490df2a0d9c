import Foundation

/// Numbers as people read them: a unit always, and about four significant digits
/// (1.234 ms, 12.3 mJ, 45.6 MiB). Locale-independent, so pages are the same everywhere.
public enum Units {
    /// Nanoseconds: `812 ns`, `1.234 ms`, `2.05 s`.
    public static func duration(_ ns: Double) -> String {
        guard ns.isFinite else { return "n/a" }
        if ns == 0 { return "0 ns" }
        // Thresholds sit where four significant digits round up to the next unit (999 960 ns
        // is "1.000 ms", not "1000.0 µs").
        let a = abs(ns)
        switch a {
        case ..<999.95: return significant(ns, "ns")
        case ..<999_950: return significant(ns / 1e3, "µs")
        case ..<999_950_000: return significant(ns / 1e6, "ms")
        default: return significant(ns / 1e9, "s")
        }
    }

    /// Joules: `12.3 mJ`, `450 µJ`, `1.20 J`.
    public static func energy(_ joules: Double) -> String {
        guard joules.isFinite else { return "n/a" }
        if joules == 0 { return "0 J" }
        let a = abs(joules)
        switch a {
        case ..<0.99995e-3: return significant(joules * 1e6, "µJ")
        case ..<0.99995: return significant(joules * 1e3, "mJ")
        default: return significant(joules, "J")
        }
    }

    public static func power(_ watts: Double) -> String {
        guard watts.isFinite else { return "n/a" }
        return watts < 0.99995 ? significant(watts * 1e3, "mW") : significant(watts, "W")
    }

    /// KiB counts: `812 KiB`, `45.6 MiB`, `1.20 GiB`.
    public static func kibibytes(_ kib: Int64) -> String { bytes(Double(kib) * 1024) }

    public static func bytes(_ b: Double) -> String {
        switch b {
        case ..<1024: return "\(Int(b)) B"
        case ..<(1024 * 1024): return significant(b / 1024, "KiB")
        case ..<(1024 * 1024 * 1024): return significant(b / 1024 / 1024, "MiB")
        default: return significant(b / 1024 / 1024 / 1024, "GiB")
        }
    }

    /// A fraction as a percentage with one decimal: `0.0712` → `7.1 %`.
    public static func percent(_ fraction: Double, digits: Int = 1) -> String {
        fraction.isFinite ? "\(fixed(fraction * 100, digits)) %" : "n/a"
    }

    /// A signed change: `+20.0 %`, `−3.1 %`.
    public static func change(_ percent: Double) -> String {
        guard percent.isFinite else { return "n/a" }
        return (percent > 0 ? "+" : percent < 0 ? "−" : "±") + "\(fixed(abs(percent), 1)) %"
    }

    public static func speedup(_ ratio: Double) -> String { ratio.isFinite ? "×\(fixed(ratio, ratio >= 9.995 ? 1 : 2))" : "n/a" }

    public static func celsius(_ c: Double) -> String { c.isFinite ? "\(fixed(c, 1)) °C" : "n/a" }

    public static func frequency(_ kHz: Int) -> String {
        kHz >= 1_000_000 ? significant(Double(kHz) / 1e6, "GHz") : significant(Double(kHz) / 1e3, "MHz")
    }

    /// A count with thousands separators: `1 234 567`.
    public static func count(_ v: Double) -> String {
        guard v.isFinite else { return "n/a" }
        if abs(v) < 1000 { return abs(v) < 10 && v != v.rounded() ? fixed(v, 2) : fixed(v, v == v.rounded() ? 0 : 1) }
        guard abs(v) < 9e18 else { return "\(v)" }
        let digits = String(Int64(v.rounded()).magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "\u{202F}" }
            out.append(c)
        }
        return (v < 0 ? "−" : "") + out
    }

    /// UTC date and time of a Unix-epoch nanosecond timestamp: `2026-12-06 22:38 UTC`.
    public static func date(_ unixNanoseconds: Int64) -> String {
        var t = time_t(unixNanoseconds / 1_000_000_000)
        var parts = tm()
        gmtime_r(&t, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)) UTC"
    }

    /// Four significant digits at most, trailing precision kept (`1.100 ms`, `12.30 mJ`, `123.4 µs`).
    static func significant(_ v: Double, _ unit: String) -> String {
        let a = abs(v)
        let digits = a >= 99.995 ? 1 : (a >= 9.9995 ? 2 : 3)
        return "\(fixed(v, digits)) \(unit)"
    }
}

/// `v` with exactly `digits` decimals, no exponent, no locale: `fixed(1.1, 3)` is `1.100`.
func fixed(_ v: Double, _ digits: Int) -> String {
    guard v.isFinite else { return v.isNaN ? "0" : (v > 0 ? "1e308" : "-1e308") }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(v) * scale).rounded()
    guard scaled < 9e15 else { return String(Int64(v.rounded())) }
    let whole = Int64(scaled) / Int64(scale)
    let frac = Int64(scaled) % Int64(scale)
    var s = (v < 0 && scaled != 0 ? "-" : "") + String(whole)
    if digits > 0 {
        let f = String(frac)
        s += "." + String(repeating: "0", count: digits - f.count) + f
    }
    return s
}
