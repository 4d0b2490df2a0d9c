/// Number spellings shared by messages and the canonical form: integral values without a
/// fraction ("6", not "6.0"), others in Swift's shortest round-trip form ("0.35").
enum Format {
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func numbers(_ values: [Double]) -> String { "[" + values.map(number).joined(separator: ", ") + "]" }
    static func ints(_ values: [Int]) -> String { "[" + values.map(String.init).joined(separator: ", ") + "]" }
}

/// Channel rounding exactly as the Once-for-All / ProxylessNAS / MobileNet reference code does it.
public enum Channels {
    /// `make_divisible`: the nearest multiple of `divisor` (at least `divisor`), bumped up one
    /// step when rounding would lose more than 10%.
    public static func makeDivisible(_ value: Double, divisor: Int = 8) -> Int {
        var rounded = max(divisor, Int(value + Double(divisor) / 2) / divisor * divisor)
        if Double(rounded) < 0.9 * value { rounded += divisor }
        return rounded
    }

    /// `make_divisible(round(channels * ratio), 8)` with round half to even (torch.round), the
    /// middle width of an inverted residual or bottleneck.
    public static func middle(_ channels: Int, ratio: Double, divisor: Int = 8) -> Int {
        makeDivisible((Double(channels) * ratio).rounded(.toNearestOrEven), divisor: divisor)
    }

    /// A base width under a width multiplier (rounded even at 1.0, as the references do).
    public static func scaled(_ base: Int, by multiplier: Double, divisor: Int = 8) -> Int {
        makeDivisible(Double(base) * multiplier, divisor: divisor)
    }
}
