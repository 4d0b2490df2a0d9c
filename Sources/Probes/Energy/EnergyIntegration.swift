import BenchCore

/// Pure arithmetic over timestamped samples: no I/O, so it is tested on synthetic data.
public enum EnergyIntegration {
    /// Joules from instantaneous power: the trapezoid rule over the samples,
    /// J = sum of (P[i] + P[i+1]) / 2 x (t[i+1] - t[i]). On a step change of dP the error is at
    /// most dP x (the interval holding the step) / 2.
    public static func trapezoidJoules(_ samples: [EnergySample]) -> Double {
        guard samples.count >= 2 else { return 0 }
        var joules = 0.0
        for (a, b) in zip(samples, samples.dropFirst()) where b.timeNanoseconds > a.timeNanoseconds {
            joules += (a.value + b.value) / 2 * Double(b.timeNanoseconds - a.timeNanoseconds) / 1e9
        }
        return joules
    }

    /// The increase of a counter from `earlier` to `later`, assuming at most one wrap at `range`:
    /// `later >= earlier ? later - earlier : later + (range - earlier)`.
    public static func wrappedDelta(from earlier: Double, to later: Double, range: Double) -> Double {
        later >= earlier ? later - earlier : later + (range - earlier)
    }

    public struct CounterDelta: Sendable, Equatable {
        public var joules: Double
        /// Wraps seen (the counter went down between two samples).
        public var wraps: Int
        /// Intervals long enough that a whole counter range could pass in them at the highest
        /// power seen in the window: a second wrap there cannot be ruled out.
        public var ambiguousIntervals: Int
        /// Decreases of a counter with no known range (a reset): such intervals count 0 J.
        public var resets: Int
    }

    /// The energy a counter accumulated over the samples, summed interval by interval so that a
    /// counter wrapping several times over the window is right as long as it wraps at most once
    /// between two samples.
    public static func counterDelta(_ samples: [EnergySample], rangeJoules: Double?) -> CounterDelta {
        var result = CounterDelta(joules: 0, wraps: 0, ambiguousIntervals: 0, resets: 0)
        var intervals: [(joules: Double, seconds: Double)] = []
        for (a, b) in zip(samples, samples.dropFirst()) {
            let seconds = Double(b.timeNanoseconds &- a.timeNanoseconds) / 1e9
            var joules = b.value - a.value
            if joules < 0 {
                if let range = rangeJoules, range > 0 {
                    joules = wrappedDelta(from: a.value, to: b.value, range: range)
                    result.wraps += 1
                } else {
                    joules = 0
                    result.resets += 1
                }
            }
            intervals.append((joules, seconds))
            result.joules += joules
        }
        if let range = rangeJoules, range > 0 {
            let peakWatts = intervals.filter { $0.seconds > 0 }.map { $0.joules / $0.seconds }.max() ?? 0
            result.ambiguousIntervals = intervals.filter { peakWatts > 0 && range <= peakWatts * $0.seconds }.count
        }
        return result
    }
}
