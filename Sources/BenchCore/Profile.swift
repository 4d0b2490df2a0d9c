/// A benchmark suite as written in `Profiles/*.yaml`.
public struct Profile: Codable, Sendable, Equatable {
    public var name: String
    public var description: String?
    public var settings: SettingsOverride?
    /// Parameters swept for every benchmark (before each benchmark's own `sweep`); nil once
    /// the loader has expanded the profile.
    public var sweep: Sweep?
    public var benchmarks: [BenchmarkSpec]

    public init(name: String, description: String? = nil, settings: SettingsOverride? = nil, sweep: Sweep? = nil, benchmarks: [BenchmarkSpec]) {
        self.name = name
        self.description = description
        self.settings = settings
        self.sweep = sweep
        self.benchmarks = benchmarks
    }

    /// The settings one benchmark is measured with.
    public func effectiveSettings(for benchmark: BenchmarkSpec) -> MeasurementSettings {
        let base = (settings ?? SettingsOverride()).applied(to: .default)
        return (benchmark.settings ?? SettingsOverride()).applied(to: base)
    }
}

public struct BenchmarkSpec: Codable, Sendable, Equatable {
    public var name: String
    /// `builtin:NAME` for a model shipped with BoardBench, otherwise a path relative to the profile.
    public var model: String
    /// For ONNX models with dynamic dimensions: `--input-shape` values, `1x3x224x224` (the
    /// first input) or `NAME:1x3x224x224`.
    public var inputShapes: [String]?
    public var settings: SettingsOverride?
    /// Parameters to expand this entry over (docs/formats.md, "Sweeps"); nil once expanded.
    public var sweep: Sweep?
    /// For a benchmark expanded from a sweep: its value of each swept parameter, in sweep
    /// order (nil for a benchmark written as it is).
    public var parameters: [SweepParameter]?

    /// What executes the model: `builtin` (BoardBench's runtime, the default), `onnxruntime`
    /// or `command` (docs/formats.md, "Runners").
    public var runner: String?
    /// `command`: the program and its arguments, with `{model}`, `{threads}`, `{iterations}`,
    /// `{warmup}` and `{output}` placeholders.
    public var command: [String]?
    /// `command`: the format the program prints its own times in (`lines`, `llama-bench`,
    /// `benchmark_model`, `trtexec`, `trtexec-times`); absent: each whole run is timed.
    public var output: String?
    /// `command`: the test of a multi-test output this benchmark reports (`pp512`).
    public var select: String?
    /// `command`: a metric of the output taken as one sample per run (`avg`).
    public var sampleMetric: String?
    /// `onnxruntime`: `all` (default), `extended`, `basic` or `disabled`.
    public var graphOptimization: String?
    /// `onnxruntime`: the execution provider (default `CPUExecutionProvider`).
    public var executionProvider: String?
    /// Environment variables for the program (`command`, `onnxruntime`).
    public var environment: [String: String]?

    public init(
        name: String, model: String, inputShapes: [String]? = nil, settings: SettingsOverride? = nil, sweep: Sweep? = nil,
        parameters: [SweepParameter]? = nil
    ) {
        self.name = name
        self.model = model
        self.inputShapes = inputShapes
        self.settings = settings
        self.sweep = sweep
        self.parameters = parameters
    }

    /// Identifies what gets compiled: the model and the shapes it is compiled for.
    public var compileKey: String { ([runner ?? "builtin", model] + (inputShapes ?? [])).joined(separator: "\u{1F}") }
}
