/// Summary statistics over every kept sample. Derived, never stored alone.
///
/// Percentiles use linear interpolation between closest ranks (NumPy's default, "type 7"),
/// so p50 of an even count is the mean of the two middle samples.
public struct Statistics: Codable, Sendable, Equatable {
    public var count: Int
    public var min: Double
    public var p25: Double
    public var median: Double
    public var p75: Double
    public var p90: Double
    public var p99: Double
    public var max: Double
    public var mean: Double
    /// Sample standard deviation (n - 1 in the denominator); 0 for a single sample.
    public var standardDeviation: Double

    /// Coefficient of variation: standard deviation over mean; 0 when the mean is 0.
    public var coefficientOfVariation: Double { mean == 0 ? 0 : standardDeviation / mean }

    /// Returns nil for an empty sample set: there is nothing honest to report.
    public init?(_ samples: [Double]) {
        guard !samples.isEmpty else { return nil }
        let sorted = samples.sorted()
        count = sorted.count
        min = sorted[0]
        max = sorted[sorted.count - 1]
        p25 = Statistics.percentile(sorted, 25)
        median = Statistics.percentile(sorted, 50)
        p75 = Statistics.percentile(sorted, 75)
        p90 = Statistics.percentile(sorted, 90)
        p99 = Statistics.percentile(sorted, 99)
        // Kahan-free two-pass mean/variance is exact enough for nanosecond samples.
        let m = sorted.reduce(0, +) / Double(sorted.count)
        mean = m
        if sorted.count > 1 {
            let ss = sorted.reduce(0) { $0 + ($1 - m) * ($1 - m) }
            standardDeviation = (ss / Double(sorted.count - 1)).squareRoot()
        } else {
            standardDeviation = 0
        }
    }

    public init?(nanoseconds: [Int64]) {
        self.init(nanoseconds.map(Double.init))
    }

    /// `sorted` must be ascending and non-empty; `p` in 0...100.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        precondition(!sorted.isEmpty && (0...100).contains(p), "percentile of empty data or p out of range")
        let rank = p / 100 * Double(sorted.count - 1)
        let lower = Int(rank.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        let fraction = rank - Double(lower)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
    }
}
