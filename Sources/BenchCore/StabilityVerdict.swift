/// Whether a benchmark's numbers can be trusted as they are, and why not when they can't.
/// Statistical reasons come from the samples; conditions come from the measurement and the
/// device (throttling, governor, load, sampling cut short). docs/methodology.md has the rules.
public struct StabilityVerdict: Codable, Sendable, Equatable {
    /// True when no reason below applies.
    public var stable: Bool
    /// "stable", or "noisy: " and the first reason ("noisy: CV 7.0%").
    public var summary: String
    public var reasons: [String]

    /// Coefficient of variation above which samples are noisy.
    public static let maxCoefficientOfVariation = 0.05
    /// Median 95% interval half-width, relative to the median, above which the median is imprecise.
    public static let maxMedianHalfWidth = 0.02
    /// Share of outliers above which the distribution is disturbed.
    public static let maxOutlierShare = 0.05

    public init(stable: Bool, summary: String, reasons: [String]) {
        self.stable = stable
        self.summary = summary
        self.reasons = reasons
    }

    public static func assess(_ s: Statistics, conditions: [String] = []) -> StabilityVerdict {
        var reasons: [String] = []
        if s.coefficientOfVariation > maxCoefficientOfVariation {
            reasons.append("CV \(percent(s.coefficientOfVariation))")
        }
        if s.relativeMedianHalfWidth > maxMedianHalfWidth {
            reasons.append("median known to ±\(percent(s.relativeMedianHalfWidth)) (95% interval)")
        }
        if s.count > 0, Double(s.outliers) / Double(s.count) > maxOutlierShare {
            reasons.append("\(s.outliers) of \(s.count) samples are outliers")
        }
        if s.count < 10 { reasons.append("only \(s.count) sample\(s.count == 1 ? "" : "s")") }
        reasons += conditions
        guard let first = reasons.first else { return StabilityVerdict(stable: true, summary: "stable", reasons: []) }
        return StabilityVerdict(stable: false, summary: "noisy: \(first)", reasons: reasons)
    }

    private static func percent(_ v: Double) -> String {
        let tenths = (v * 1000).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10)%"
    }
}
