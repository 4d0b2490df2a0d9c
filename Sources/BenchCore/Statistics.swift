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
    /// Bootstrap 95% confidence interval of the median (percentile method, seeded, so the same
    /// samples always give the same interval). Equal to the median for a single sample.
    public var medianLow95: Double
    public var medianHigh95: Double
    /// Samples flagged by the modified z-score rule (see `outlierIndices`). Kept, never dropped.
    public var outliers: Int

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
        (medianLow95, medianHigh95) = Statistics.bootstrapMedianInterval(sorted)
        outliers = Statistics.outlierIndices(samples).count
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

extension Statistics {
    /// Resamples drawn for the median's confidence interval.
    public static let bootstrapResamples = 1_000
    /// Modified z-score above which a sample is an outlier (Iglewicz and Hoaglin's 3.5).
    public static let outlierScore = 3.5

    /// Half the width of the median's 95% interval, relative to the median.
    public var relativeMedianHalfWidth: Double { median == 0 ? 0 : (medianHigh95 - medianLow95) / 2 / median }

    /// The 2.5th and 97.5th percentiles of the medians of `bootstrapResamples` resamples.
    /// The generator is seeded from the sample count, so results are reproducible.
    static func bootstrapMedianInterval(_ sorted: [Double]) -> (Double, Double) {
        let n = sorted.count
        guard n > 1 else { return (sorted[0], sorted[0]) }
        var rng = SplitMix64(seed: 0x0B0A_4DBE_4C00 ^ UInt64(n))
        var medians = [Double](repeating: 0, count: bootstrapResamples)
        var draw = [Double](repeating: 0, count: n)
        for r in 0..<bootstrapResamples {
            for i in 0..<n { draw[i] = sorted[Int(rng.next() % UInt64(n))] }
            medians[r] = median(ofScratch: &draw)
        }
        medians.sort()
        return (percentile(medians, 2.5), percentile(medians, 97.5))
    }

    /// Indices whose modified z-score 0.6745·|x − median| / MAD exceeds `outlierScore`. When
    /// more than half the samples are identical (MAD = 0) the mean absolute deviation stands
    /// in (scaled by 1.2533, its ratio to σ for normal data), so ties do not flag everything.
    public static func outlierIndices(_ samples: [Double]) -> [Int] {
        guard samples.count > 2 else { return [] }
        var scratch = samples
        let med = median(ofScratch: &scratch)
        var deviations = samples.map { abs($0 - med) }
        var scratchDev = deviations
        let mad = median(ofScratch: &scratchDev)
        let scale: Double
        if mad > 0 {
            scale = mad / 0.6745
        } else {
            let meanAD = deviations.reduce(0, +) / Double(deviations.count)
            guard meanAD > 0 else { return [] }
            scale = meanAD * 1.2533
        }
        deviations = deviations.map { $0 / scale }
        return deviations.indices.filter { deviations[$0] > outlierScore }
    }

    /// Median by selection (expected linear time); reorders `values`.
    static func median(ofScratch values: inout [Double]) -> Double {
        let n = values.count
        let upper = select(&values, n / 2)
        if n % 2 == 1 { return upper }
        // The lower middle is the largest value left of the upper middle after selection.
        var lower = values[0]
        for i in 1..<(n / 2) where values[i] > lower { lower = values[i] }
        return (lower + upper) / 2
    }

    /// Hoare's quickselect: the k-th smallest, leaving smaller values before index k.
    private static func select(_ a: inout [Double], _ k: Int) -> Double {
        var lo = 0, hi = a.count - 1
        while lo < hi {
            let pivot = a[(lo + hi) / 2]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j {
                    a.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { hi = j } else if k >= i { lo = i } else { break }
        }
        return a[k]
    }
}

/// A small, fast, seedable generator (Vigna's SplitMix64): reproducible resampling.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
