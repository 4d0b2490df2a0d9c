/// How a benchmark that does not run on BoardBench's own runtime is measured (issue "10.",
/// docs/methodology.md, "External runtimes"). The agent keeps its method: warmup, statistics,
/// memory, energy, counters and environment are its own whatever executes the model.
public struct RunnerRequest: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// Any program on the board, run from an argv template.
        case command
        /// ONNX Runtime's Python package, driven by the runner script the agent carries.
        case onnxruntime
    }

    public var kind: Kind
    /// `command`: the program and its arguments, with placeholders the agent fills in:
    /// `{model}`, `{threads}`, `{iterations}`, `{warmup}` and `{output}` (a file the program
    /// writes its timings to, parsed instead of its standard output).
    public var command: [String]?
    /// `command`: the format of its output (`RunnerFormat` names); nil: the agent times each
    /// whole invocation.
    public var format: String?
    /// Which test of a multi-test output (llama-bench's `pp512`) is this benchmark's.
    public var select: String?
    /// A metric that is one sample per invocation, for programs that print no per-iteration
    /// times (`benchmark_model` run with one measured iteration: `avg`).
    public var sampleMetric: String?
    /// The model's path on the board when it is already there (`board:/path`); nil: the pushed
    /// file `planPath`.
    public var modelPath: String?
    /// `onnxruntime`: the Python interpreter that has the `onnxruntime` package.
    public var python: String?
    /// `onnxruntime`: `all`, `extended`, `basic` or `disabled`.
    public var graphOptimization: String?
    /// `onnxruntime`: the execution provider, `CPUExecutionProvider` unless named.
    public var executionProvider: String?
    /// Variables added to the program's environment.
    public var environment: [String: String]?
    /// `onnxruntime`: shapes for inputs with dynamic dimensions, as `inputShapes` in a profile
    /// (`1x3x224x224` for the first input, or `NAME:1x3x224x224`).
    public var inputShapes: [String]?

    public init(
        kind: Kind, command: [String]? = nil, format: String? = nil, select: String? = nil, sampleMetric: String? = nil, modelPath: String? = nil,
        python: String? = nil, graphOptimization: String? = nil, executionProvider: String? = nil, environment: [String: String]? = nil,
        inputShapes: [String]? = nil
    ) {
        self.inputShapes = inputShapes
        self.kind = kind
        self.command = command
        self.format = format
        self.select = select
        self.sampleMetric = sampleMetric
        self.modelPath = modelPath
        self.python = python
        self.graphOptimization = graphOptimization
        self.executionProvider = executionProvider
        self.environment = environment
    }

    /// The placeholders a command template may use.
    public static let placeholders = ["model", "threads", "iterations", "warmup", "output"]

    /// The graph optimisation levels ONNX Runtime's Python API names (`GraphOptimizationLevel`).
    public static let graphOptimizationLevels = ["all", "extended", "basic", "disabled"]

    /// The first `{name}` in `argument` that is not a placeholder, or nil.
    public static func unknownPlaceholder(in argument: String) -> String? {
        var rest = Substring(argument)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { return nil }
            let name = String(rest[rest.index(after: open)..<close])
            if !placeholders.contains(name) { return name }
            rest = rest[rest.index(after: close)...]
        }
        return nil
    }

    /// `argument` with every placeholder replaced by its value.
    /// Placeholders without a value stay as written.
    public static func substitute(_ argument: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(argument)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            out += rest[..<open]
            let name = String(rest[rest.index(after: open)..<close])
            out += values[name] ?? "{\(name)}"
            rest = rest[rest.index(after: close)...]
        }
        return out + rest
    }
}

/// What an external runner did, kept with the result (`BenchmarkOutcome.runner`).
public struct RunnerDetail: Codable, Sendable, Equatable {
    public var kind: RunnerRequest.Kind
    /// `invocation` (the agent timed each whole run of the program), `output` (times the
    /// program printed) or `in-process` (the ONNX Runtime script timed `session.run`).
    public var timing: String
    /// The command as run, placeholders filled in (the first invocation's).
    public var argv: [String]
    /// Program runs, warm-ups included.
    public var invocations: Int
    /// The test whose times are the samples, when the output has several.
    public var test: String?
    /// What the program reported besides its times (tokens/s...), by test.
    public var metrics: [RunnerMetric]
    /// The runtime as it names itself ("onnxruntime 1.32.0"), when it does.
    public var runtime: String?
    /// What the figures of this runner cover, where it differs from the builtin runtime's
    /// ("memory is the program's peak, load included"). Not conditions: they are true of every
    /// such result and say nothing about its stability.
    public var notes: [String]?

    public init(
        kind: RunnerRequest.Kind, timing: String, argv: [String], invocations: Int = 0, test: String? = nil, metrics: [RunnerMetric] = [],
        runtime: String? = nil
    ) {
        self.kind = kind
        self.timing = timing
        self.argv = argv
        self.invocations = invocations
        self.test = test
        self.metrics = metrics
        self.runtime = runtime
    }
}

/// A figure a program computed itself, with its unit as the program meant it.
public struct RunnerMetric: Codable, Sendable, Equatable {
    public var test: String
    public var name: String
    public var value: Double
    public var unit: String

    public init(test: String, name: String, value: Double, unit: String) {
        self.test = test
        self.name = name
        self.value = value
        self.unit = unit
    }
}
