/// How one benchmark is measured. Profiles set defaults and benchmarks override them;
/// every field has a default so profiles only name what they change.
public struct MeasurementSettings: Codable, Sendable, Equatable, Hashable {
    /// Untimed executions after the cold start, before measuring.
    public var warmupRuns: Int
    /// Timed executions, one sample each.
    public var iterations: Int
    /// Threads for the runtime (OpenBLAS and the runtime's own loops).
    public var threads: Int

    public static let `default` = MeasurementSettings(warmupRuns: 5, iterations: 50, threads: 1)

    public init(warmupRuns: Int, iterations: Int, threads: Int) {
        self.warmupRuns = warmupRuns
        self.iterations = iterations
        self.threads = threads
    }

    private enum CodingKeys: String, CodingKey { case warmupRuns, iterations, threads }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MeasurementSettings.default
        warmupRuns = try c.decodeIfPresent(Int.self, forKey: .warmupRuns) ?? d.warmupRuns
        iterations = try c.decodeIfPresent(Int.self, forKey: .iterations) ?? d.iterations
        threads = try c.decodeIfPresent(Int.self, forKey: .threads) ?? d.threads
    }

    /// Describes the first setting out of range, or nil when all are usable.
    public func problem() -> String? {
        if warmupRuns < 0 || warmupRuns > 1_000_000 { return "warmupRuns must be 0...1000000, got \(warmupRuns)" }
        if iterations < 1 || iterations > 10_000_000 { return "iterations must be 1...10000000, got \(iterations)" }
        if threads < 1 || threads > 1024 { return "threads must be 1...1024, got \(threads)" }
        return nil
    }
}

/// A benchmark's settings as written in a profile: any field may be absent and then
/// falls back to the profile's, then to `MeasurementSettings.default`.
public struct SettingsOverride: Codable, Sendable, Equatable, Hashable {
    public var warmupRuns: Int?
    public var iterations: Int?
    public var threads: Int?

    public init(warmupRuns: Int? = nil, iterations: Int? = nil, threads: Int? = nil) {
        self.warmupRuns = warmupRuns
        self.iterations = iterations
        self.threads = threads
    }

    public func applied(to base: MeasurementSettings) -> MeasurementSettings {
        MeasurementSettings(
            warmupRuns: warmupRuns ?? base.warmupRuns,
            iterations: iterations ?? base.iterations,
            threads: threads ?? base.threads)
    }
}
