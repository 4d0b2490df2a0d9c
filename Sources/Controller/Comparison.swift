import BenchCore
import Store

/// A summary statistic `compare` can hold to a threshold. Latency: lower is better.
public enum ComparisonMetric: String, CaseIterable, Codable, CodingKeyRepresentable, Sendable, Comparable {
    /// The median: the only metric with a confidence interval, so the only one that can be "within noise".
    case p50, p90, p99, mean

    public func value(_ s: Statistics) -> Double {
        switch self {
        case .p50: s.median
        case .p90: s.p90
        case .p99: s.p99
        case .mean: s.mean
        }
    }

    /// How text output names it.
    public var label: String { self == .p50 ? "median" : rawValue }

    public static func < (a: ComparisonMetric, b: ComparisonMetric) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Percent changes beyond which a metric counts as slower or faster. The median is always
/// compared (5% unless given); p90, p99 and the mean only when given.
public struct ComparisonThresholds: Codable, Sendable, Equatable {
    public var percents: [ComparisonMetric: Double]

    public static let defaultMedianPercent = 5.0
    public static let `default` = ComparisonThresholds(percents: [.p50: defaultMedianPercent])

    /// The median gets the default threshold when `percents` has none for it.
    public init(percents: [ComparisonMetric: Double]) {
        self.percents = percents
        if self.percents[.p50] == nil { self.percents[.p50] = Self.defaultMedianPercent }
    }

    /// The metrics compared, median first.
    public var metrics: [ComparisonMetric] { percents.keys.sorted() }

    /// Parses `--threshold` values: `5` (the median), `p90=10`, `mean=3%`. Keys are p50, p90,
    /// p99 and mean; a key given twice, a negative or non-numeric percentage is refused.
    public static func parse(_ specs: [String]) throws(ControllerError) -> ComparisonThresholds {
        var given: [ComparisonMetric: Double] = [:]
        for spec in specs {
            let parts = spec.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = parts.count == 2 ? String(parts[0]).trimmed : "p50"
            let text = String(parts.count == 2 ? parts[1] : parts[0]).trimmed
            guard let metric = ComparisonMetric(rawValue: key.lowercased()) else {
                throw .invalidArgument(
                    "--threshold \(spec): unknown key \(key); use PERCENT for the median or one of "
                        + ComparisonMetric.allCases.map { "\($0.rawValue)=PERCENT" }.joined(separator: ", "))
            }
            let number = text.hasSuffix("%") ? String(text.dropLast()) : text
            guard let percent = Double(number), percent.isFinite, percent >= 0 else {
                throw .invalidArgument("--threshold \(spec): \(text.isEmpty ? "no percentage" : text) is not a percentage ≥ 0 (e.g. 5 or 2.5)")
            }
            guard given[metric] == nil else { throw .invalidArgument("--threshold \(spec): \(metric.rawValue) is given twice") }
            given[metric] = percent
        }
        var thresholds = ComparisonThresholds.default
        for (metric, percent) in given { thresholds.percents[metric] = percent }
        return thresholds
    }

    public init(from decoder: any Decoder) throws {
        self.init(percents: try [ComparisonMetric: Double](from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try percents.encode(to: encoder)
    }
}

/// What a comparison concluded for a metric or a benchmark.
public enum ComparisonClass: String, Codable, Sendable {
    case regression, improvement, unchanged
}

/// A benchmark on a device: how runs are matched.
public struct BenchmarkKey: Codable, Sendable, Hashable {
    public var device: String
    public var benchmark: String

    public init(device: String, benchmark: String) {
        self.device = device
        self.benchmark = benchmark
    }
}

/// One metric of one benchmark, base against new.
public struct MetricComparison: Codable, Sendable, Equatable {
    public var metric: ComparisonMetric
    public var thresholdPercent: Double
    public var baseNanoseconds: Double
    public var newNanoseconds: Double
    /// (new − base) / base × 100: positive is slower. Nil when the base is 0 ns and the new is not.
    public var changePercent: Double?
    /// The median's bootstrap 95% intervals and whether they overlap; nil for other metrics.
    public var baseLow95Nanoseconds, baseHigh95Nanoseconds, newLow95Nanoseconds, newHigh95Nanoseconds: Double?
    public var intervalsOverlap: Bool?
    public var classification: ComparisonClass
    /// The change is beyond the threshold but the intervals overlap: classified unchanged.
    public var withinNoise: Bool
}

/// A benchmark both runs measured successfully.
public struct PairComparison: Codable, Sendable, Equatable {
    public var device: String
    public var benchmark: String
    /// Regression when any metric regressed; improvement when none did and some improved.
    public var classification: ComparisonClass
    /// The median's change is beyond its threshold but within noise.
    public var withinNoise: Bool
    public var baseSamples: Int
    public var newSamples: Int
    /// The runs measured different plan bytes (the model or its compilation changed).
    public var planChanged: Bool
    /// Median first, then the other thresholded metrics.
    public var metrics: [MetricComparison]

    public var median: MetricComparison { metrics.first { $0.metric == .p50 }! }
}

/// A benchmark that failed (or kept no samples) in at least one of the runs.
public struct FailedPair: Codable, Sendable, Equatable {
    public var device: String
    public var benchmark: String
    /// `ok` or `failed` (`failed` also when a result kept no samples).
    public var baseStatus: String
    public var newStatus: String
    public var baseError: String?
    public var newError: String?
    /// Ok in the base run and failed in the new one.
    public var regression: Bool
}

/// The run a side of the comparison came from.
public struct ComparedRun: Codable, Sendable, Equatable {
    public var runId: Int64
    /// Set when the run was named through `--baseline`.
    public var baseline: String?
    public var profile: String
    public var status: String
    public var createdAt: String
}

/// `boardbench compare`'s conclusions: what changed between two runs, benchmark by benchmark.
/// docs/methodology.md ("Comparing runs") states the rule; docs/formats.md the JSON shape.
public struct RunComparison: Codable, Sendable, Equatable {
    public struct Summary: Codable, Sendable, Equatable {
        public var regressions, improvements, unchanged, withinNoise, failed, onlyInBase, onlyInNew: Int
    }

    public var base: ComparedRun
    public var new: ComparedRun
    public var thresholds: ComparisonThresholds
    /// True when any pair regressed or a benchmark ok in the base failed in the new run.
    public var regression: Bool
    /// `regressions` counts failed pairs that are regressions too.
    public var summary: Summary
    public var pairs: [PairComparison]
    public var failed: [FailedPair]
    public var onlyInBase: [BenchmarkKey]
    public var onlyInNew: [BenchmarkKey]

    /// Matches results by (device, benchmark) and classifies each pair. Pairs follow the base
    /// run's order; benchmarks only in the new run follow its order.
    public init(base: RunDetail, new: RunDetail, thresholds: ComparisonThresholds = .default, baseline: String? = nil) {
        self.base = ComparedRun(base.run, baseline: baseline)
        self.new = ComparedRun(new.run, baseline: nil)
        self.thresholds = thresholds
        var newByKey: [BenchmarkKey: StoredResult] = [:]
        for r in new.results { newByKey[BenchmarkKey(r.record)] = r }
        let baseKeys = Set(base.results.map { BenchmarkKey($0.record) })
        (pairs, failed, onlyInBase) = ([], [], [])
        for b in base.results {
            let key = BenchmarkKey(b.record)
            guard let n = newByKey[key] else {
                onlyInBase.append(key)
                continue
            }
            let (bs, ns) = (Self.statistics(b), Self.statistics(n))
            if let bs, let ns {
                pairs.append(Self.pair(key, base: (b, bs), new: (n, ns), thresholds: thresholds))
            } else {
                failed.append(
                    FailedPair(
                        device: key.device, benchmark: key.benchmark, baseStatus: bs == nil ? "failed" : "ok", newStatus: ns == nil ? "failed" : "ok",
                        baseError: bs == nil ? Self.failure(b) : nil, newError: ns == nil ? Self.failure(n) : nil, regression: bs != nil))
            }
        }
        onlyInNew = new.results.map { BenchmarkKey($0.record) }.filter { !baseKeys.contains($0) }
        let regressions = pairs.filter { $0.classification == .regression }.count + failed.filter(\.regression).count
        summary = Summary(
            regressions: regressions, improvements: pairs.filter { $0.classification == .improvement }.count,
            unchanged: pairs.filter { $0.classification == .unchanged }.count, withinNoise: pairs.filter(\.withinNoise).count,
            failed: failed.count, onlyInBase: onlyInBase.count, onlyInNew: onlyInNew.count)
        regression = regressions > 0
    }

    /// A result's statistics, or nil when it failed or kept no samples: nothing to compare.
    static func statistics(_ r: StoredResult) -> Statistics? {
        r.record.status == "ok" ? r.statistics : nil
    }

    static func failure(_ r: StoredResult) -> String {
        r.record.error ?? (r.record.status == "ok" ? "no samples" : r.record.status)
    }

    static func pair(
        _ key: BenchmarkKey, base: (StoredResult, Statistics), new: (StoredResult, Statistics), thresholds: ComparisonThresholds
    ) -> PairComparison {
        let metrics = thresholds.metrics.map { metric in
            compare(metric, base: base.1, new: new.1, thresholdPercent: thresholds.percents[metric]!)
        }
        let classification: ComparisonClass =
            metrics.contains { $0.classification == .regression }
            ? .regression : metrics.contains { $0.classification == .improvement } ? .improvement : .unchanged
        return PairComparison(
            device: key.device, benchmark: key.benchmark, classification: classification,
            withinNoise: metrics.contains(where: \.withinNoise), baseSamples: base.1.count, newSamples: new.1.count,
            planChanged: base.0.record.planHash != new.0.record.planHash, metrics: metrics)
    }

    /// The rule: slower (faster) beyond the threshold is a regression (improvement); for the
    /// median only when the two 95% intervals are also disjoint, else it is "within noise".
    public static func compare(_ metric: ComparisonMetric, base: Statistics, new: Statistics, thresholdPercent: Double) -> MetricComparison {
        let (b, n) = (metric.value(base), metric.value(new))
        let change = b == n ? 0 : b == 0 ? Double.infinity : (n - b) / b * 100
        var m = MetricComparison(
            metric: metric, thresholdPercent: thresholdPercent, baseNanoseconds: b, newNanoseconds: n,
            changePercent: change.isFinite ? change : nil, classification: .unchanged, withinNoise: false)
        let beyond = abs(change) > thresholdPercent
        var separated = true
        if metric == .p50 {
            (m.baseLow95Nanoseconds, m.baseHigh95Nanoseconds) = (base.medianLow95, base.medianHigh95)
            (m.newLow95Nanoseconds, m.newHigh95Nanoseconds) = (new.medianLow95, new.medianHigh95)
            let overlap = base.medianLow95 <= new.medianHigh95 && new.medianLow95 <= base.medianHigh95
            m.intervalsOverlap = overlap
            separated = !overlap
        }
        if beyond && separated {
            m.classification = change > 0 ? .regression : .improvement
        } else if beyond {
            m.withinNoise = true
        }
        return m
    }
}

extension ComparedRun {
    init(_ r: RunRecord, baseline: String?) {
        self.init(runId: r.id ?? 0, baseline: baseline, profile: r.profileName, status: r.status, createdAt: Views.iso(r.createdAtUnixNanoseconds))
    }
}

extension BenchmarkKey {
    init(_ r: ResultRecord) {
        self.init(device: r.device, benchmark: r.benchmark)
    }
}

extension String {
    fileprivate var trimmed: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
