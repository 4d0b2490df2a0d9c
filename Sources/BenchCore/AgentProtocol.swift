/// The host/agent protocol. The host starts `boardbench-agent serve` and writes one
/// `AgentRequest` (JSON) to its stdin; the agent answers with JSON lines on stdout, the first
/// always a `hello`. docs/formats.md documents every field.
public enum AgentProtocol {
    /// Bumped whenever a message changes shape; host and agent must agree exactly.
    /// 2: the `infer` command and `tensor` messages.
    /// 3: the measurement engine's settings and results (calibrated repeats, memory, pinning,
    ///    conditions, counters, energy, environment).
    public static let version = 3
}

public struct AgentRequest: Codable, Sendable, Equatable {
    public enum Command: String, Codable, Sendable { case probe, measure, infer }

    public var `protocol`: Int
    public var command: Command
    /// For `measure`: the benchmarks to run, in order.
    public var benchmarks: [BenchmarkRequest]
    /// For `infer`: the plan and its inputs.
    public var infer: InferRequest?
    /// Where this device's sensors and helper commands are; nil: the real paths.
    public var probes: ProbeConfig?

    public init(command: Command, benchmarks: [BenchmarkRequest] = [], infer: InferRequest? = nil, probes: ProbeConfig? = nil) {
        self.protocol = AgentProtocol.version
        self.command = command
        self.benchmarks = benchmarks
        self.infer = infer
        self.probes = probes
    }

    private enum CodingKeys: String, CodingKey { case `protocol`, command, benchmarks, infer, probes }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.protocol = try c.decode(Int.self, forKey: .protocol)
        command = try c.decode(Command.self, forKey: .command)
        benchmarks = try c.decodeIfPresent([BenchmarkRequest].self, forKey: .benchmarks) ?? []
        infer = try c.decodeIfPresent(InferRequest.self, forKey: .infer)
        probes = try c.decodeIfPresent(ProbeConfig.self, forKey: .probes)
    }
}

public struct BenchmarkRequest: Codable, Sendable, Equatable {
    public var name: String
    /// Absolute path of the plan on the device.
    public var planPath: String
    /// SHA-256 (hex) the host computed; echoed back so results stay tied to the exact bytes.
    public var planHash: String
    public var settings: MeasurementSettings

    public init(name: String, planPath: String, planHash: String, settings: MeasurementSettings) {
        self.name = name
        self.planPath = planPath
        self.planHash = planHash
        self.settings = settings
    }
}

/// One line of agent output.
public enum AgentMessage: Sendable, Equatable {
    case hello(Hello)
    case facts(DeviceFacts)
    case result(BenchmarkOutcome)
    /// One output of an `infer` request, in graph output order.
    case tensor(TensorPayload)
    /// A failure of the whole request (bad request, unreadable workdir); per-benchmark
    /// failures arrive as results with status `failed`.
    case error(AgentFailure)
    case done

    public struct Hello: Codable, Sendable, Equatable {
        public var agentVersion: String
        public var `protocol`: Int
        public var runtimeVersion: String
        public var pid: Int32
        public init(agentVersion: String, protocol: Int, runtimeVersion: String, pid: Int32) {
            self.agentVersion = agentVersion
            self.protocol = `protocol`
            self.runtimeVersion = runtimeVersion
            self.pid = pid
        }
    }

    public struct AgentFailure: Codable, Sendable, Equatable, Error {
        public var code: String
        public var message: String
        public init(code: String, message: String) {
            self.code = code
            self.message = message
        }
    }
}

extension AgentMessage: Codable {
    private enum Kind: String, Codable { case hello, facts, result, tensor, error, done }
    private enum CodingKeys: String, CodingKey { case type, hello, facts, result, tensor, error }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Kind.self, forKey: .type) {
        case .hello: self = .hello(try c.decode(Hello.self, forKey: .hello))
        case .facts: self = .facts(try c.decode(DeviceFacts.self, forKey: .facts))
        case .result: self = .result(try c.decode(BenchmarkOutcome.self, forKey: .result))
        case .tensor: self = .tensor(try c.decode(TensorPayload.self, forKey: .tensor))
        case .error: self = .error(try c.decode(AgentFailure.self, forKey: .error))
        case .done: self = .done
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .hello(let v): try c.encode(Kind.hello, forKey: .type); try c.encode(v, forKey: .hello)
        case .facts(let v): try c.encode(Kind.facts, forKey: .type); try c.encode(v, forKey: .facts)
        case .result(let v): try c.encode(Kind.result, forKey: .type); try c.encode(v, forKey: .result)
        case .tensor(let v): try c.encode(Kind.tensor, forKey: .type); try c.encode(v, forKey: .tensor)
        case .error(let v): try c.encode(Kind.error, forKey: .type); try c.encode(v, forKey: .error)
        case .done: try c.encode(Kind.done, forKey: .type)
        }
    }
}
