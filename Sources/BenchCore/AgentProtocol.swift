/// The host/agent protocol. The host starts `boardbench-agent serve` and writes one
/// `AgentRequest` (JSON) to its stdin; the agent answers with JSON lines on stdout, the first
/// always a `hello`. docs/formats.md documents every field.
public enum AgentProtocol {
    /// Bumped whenever a message changes shape; host and agent must agree exactly.
    /// 2: the `infer` command and `tensor` messages.
    /// 3: the measurement engine's settings and results (calibrated repeats, memory, pinning,
    ///    conditions, counters, energy, environment).
    /// 4: sessions: the board lock, heartbeats, `started` and `waiting` messages, the result
    ///    journal and the `collect` command; settings gain timeoutSeconds and testSleepMilliseconds.
    /// 5: one command per run: `sendFacts`, `checkPlans` and `plansMissing`, journals dropped by
    ///    the next session (`dropRunKeys`, `journalsDropped`).
    /// 6: external runners: `BenchmarkRequest.runner`, `BenchmarkOutcome.runner`,
    ///    `InferRequest.runner`.
    public static let version = 6
}

/// How the agent conducts a `measure` or `collect` session (docs/formats.md, "Sessions").
public struct SessionOptions: Codable, Sendable, Equatable {
    /// Seconds between heartbeat lines while the session lasts; nil: no heartbeats.
    public var heartbeatSeconds: Double?
    /// The board lock to hold while measuring; nil: measure without it.
    public var lock: LockOptions?
    /// Where results are journalled before they are sent; nil: no journal.
    public var journal: JournalOptions?

    public init(heartbeatSeconds: Double? = nil, lock: LockOptions? = nil, journal: JournalOptions? = nil) {
        self.heartbeatSeconds = heartbeatSeconds
        self.lock = lock
        self.journal = journal
    }
}

/// The board's exclusive lock: flock(2) on `path`, shared by every user and workdir of the board.
public struct LockOptions: Codable, Sendable, Equatable {
    /// Where every user of a board meets unless its device file says otherwise.
    public static let defaultPath = "/run/lock/boardbench.lock"
    /// Used instead of `defaultPath` on a board without /run/lock (minimal containers); every
    /// agent makes the same choice, so users still meet on one file.
    public static let fallbackPath = "/tmp/boardbench.lock"

    public var path: String
    /// Give up after waiting this long; nil: wait for ever.
    public var timeoutSeconds: Double?
    /// Who asks, shown to whoever waits: "user@host, run 12".
    public var holder: String

    public init(path: String, timeoutSeconds: Double?, holder: String) {
        self.path = path
        self.timeoutSeconds = timeoutSeconds
        self.holder = holder
    }
}

/// The result journal: `<directory>/<runKey>/<benchmark key>.json`, one file per result,
/// written (and synced) before the result is sent.
public struct JournalOptions: Codable, Sendable, Equatable {
    /// `<workdir>/results`.
    public var directory: String
    /// The run's UUID (`RunRecord.runKey`).
    public var runKey: String

    public init(directory: String, runKey: String) {
        self.init(directory: directory, runKey: runKey, dropRunKeys: [])
    }

    /// Journals of earlier runs whose results the host has all stored: the session removes them
    /// (after taking the lock), so no command is spent on clean-up at the end of a run.
    public var dropRunKeys: [String]

    public init(directory: String, runKey: String, dropRunKeys: [String]) {
        self.directory = directory
        self.runKey = runKey
        self.dropRunKeys = dropRunKeys
    }

    private enum CodingKeys: String, CodingKey { case directory, runKey, dropRunKeys }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        directory = try c.decode(String.self, forKey: .directory)
        runKey = try c.decode(String.self, forKey: .runKey)
        dropRunKeys = try c.decodeIfPresent([String].self, forKey: .dropRunKeys) ?? []
    }

    /// The run's journal directory.
    public var runDirectory: String { "\(directory)/\(runKey)" }

    /// True for keys that are safe as one path component (the host makes UUIDs).
    public static func isValidRunKey(_ key: String) -> Bool {
        !key.isEmpty && key.count <= 64
            && key.utf8.allSatisfy { c in
                (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45
            }
    }

    /// A file name for a benchmark's result: `EntityName.fileKey(for:)` (safe characters, a
    /// short prefix and the name's hash, so distinct names never collide) plus ".json".
    public static func fileName(for benchmark: String) -> String { EntityName.fileKey(for: benchmark) + ".json" }
}

public struct AgentRequest: Codable, Sendable, Equatable {
    /// `collect` sends the results journalled for `session.journal` (those a host may have
    /// missed) and measures nothing.
    public enum Command: String, Codable, Sendable { case probe, measure, infer, collect }

    public var `protocol`: Int
    public var command: Command
    /// For `measure`: the benchmarks to run, in order.
    public var benchmarks: [BenchmarkRequest]
    /// For `infer`: the plan and its inputs.
    public var infer: InferRequest?
    /// Where this device's sensors and helper commands are; nil: the real paths.
    public var probes: ProbeConfig?
    /// Lock, heartbeats and journal; nil: none of them (probe, infer, tests).
    public var session: SessionOptions?
    /// For `measure` and `collect`: send the board's `facts` right after `hello`, as `probe`
    /// would, so a run needs no separate probe command on the board.
    public var sendFacts: Bool
    /// For `measure`: before anything else, check that every plan is on the board with the
    /// bytes its `planHash` names; if any is not, answer `plansMissing` and measure nothing.
    /// The host then pushes those and asks again: no separate command checks the plans.
    public var checkPlans: Bool

    public init(
        command: Command, benchmarks: [BenchmarkRequest] = [], infer: InferRequest? = nil, probes: ProbeConfig? = nil,
        session: SessionOptions? = nil, sendFacts: Bool = false, checkPlans: Bool = false
    ) {
        self.protocol = AgentProtocol.version
        self.command = command
        self.benchmarks = benchmarks
        self.infer = infer
        self.probes = probes
        self.session = session
        self.sendFacts = sendFacts
        self.checkPlans = checkPlans
    }

    private enum CodingKeys: String, CodingKey { case `protocol`, command, benchmarks, infer, probes, session, sendFacts, checkPlans }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.protocol = try c.decode(Int.self, forKey: .protocol)
        command = try c.decode(Command.self, forKey: .command)
        benchmarks = try c.decodeIfPresent([BenchmarkRequest].self, forKey: .benchmarks) ?? []
        infer = try c.decodeIfPresent(InferRequest.self, forKey: .infer)
        probes = try c.decodeIfPresent(ProbeConfig.self, forKey: .probes)
        session = try c.decodeIfPresent(SessionOptions.self, forKey: .session)
        sendFacts = try c.decodeIfPresent(Bool.self, forKey: .sendFacts) ?? false
        checkPlans = try c.decodeIfPresent(Bool.self, forKey: .checkPlans) ?? false
    }
}

public struct BenchmarkRequest: Codable, Sendable, Equatable {
    public var name: String
    /// Absolute path of the plan on the device.
    public var planPath: String
    /// SHA-256 (hex) the host computed; echoed back so results stay tied to the exact bytes.
    public var planHash: String
    public var settings: MeasurementSettings
    /// Measured by an external runtime instead of BoardBench's own; nil: the builtin runtime.
    /// `planPath` is then the pushed model file ("" when nothing was pushed) and `planHash`
    /// its SHA-256 (or the runner request's, when nothing was pushed).
    public var runner: RunnerRequest?

    public init(name: String, planPath: String, planHash: String, settings: MeasurementSettings, runner: RunnerRequest? = nil) {
        self.name = name
        self.planPath = planPath
        self.planHash = planHash
        self.settings = settings
        self.runner = runner
    }
}

/// One line of agent output.
public enum AgentMessage: Sendable, Equatable {
    case hello(Hello)
    /// Sent every `heartbeatSeconds` while the session lasts: the agent is alive and the
    /// connection works (libssh sends no keepalives).
    case heartbeat(Heartbeat)
    /// The board lock is held by someone else; sent when waiting starts and with each heartbeat.
    case waiting(LockWait)
    /// A benchmark starts (cooldown included): the host's timeout for it starts now.
    case started(Started)
    case facts(DeviceFacts)
    /// Which of `JournalOptions.dropRunKeys` the session removed (or found gone), and why
    /// any other could not be removed; sent once the lock is held, before any benchmark.
    case journalsDropped(JournalsDropped)
    /// Answer to `checkPlans`: the plan hashes the board lacks (or holds with other bytes),
    /// followed by `done`; nothing was measured.
    case plansMissing(PlansMissing)
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

    public struct Heartbeat: Codable, Sendable, Equatable {
        public var sequence: Int
        /// The benchmark being measured, nil between benchmarks or while waiting for the lock.
        public var benchmark: String?
        public init(sequence: Int, benchmark: String?) {
            self.sequence = sequence
            self.benchmark = benchmark
        }
    }

    public struct LockWait: Codable, Sendable, Equatable {
        public var path: String
        /// What the holder wrote into the lock file ("user@host, run 12"), if anything.
        public var holder: String?
        public var sinceUnixSeconds: Int64?
        public var holderPid: Int32?
        public init(path: String, holder: String?, sinceUnixSeconds: Int64?, holderPid: Int32?) {
            self.path = path
            self.holder = holder
            self.sinceUnixSeconds = sinceUnixSeconds
            self.holderPid = holderPid
        }
    }

    public struct Started: Codable, Sendable, Equatable {
        public var benchmark: String
        public var index: Int
        public init(benchmark: String, index: Int) {
            self.benchmark = benchmark
            self.index = index
        }
    }

    public struct JournalsDropped: Codable, Sendable, Equatable {
        public var runKeys: [String]
        public var problems: [String]
        public init(runKeys: [String], problems: [String]) {
            self.runKeys = runKeys
            self.problems = problems
        }
    }

    public struct PlansMissing: Codable, Sendable, Equatable {
        public var planHashes: [String]
        public init(planHashes: [String]) { self.planHashes = planHashes }
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
    private enum Kind: String, Codable { case hello, heartbeat, waiting, started, facts, journalsDropped, plansMissing, result, tensor, error, done }
    private enum CodingKeys: String, CodingKey { case type, hello, heartbeat, waiting, started, facts, journalsDropped, plansMissing, result, tensor, error }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(Kind.self, forKey: .type) {
        case .hello: self = .hello(try c.decode(Hello.self, forKey: .hello))
        case .heartbeat: self = .heartbeat(try c.decode(Heartbeat.self, forKey: .heartbeat))
        case .waiting: self = .waiting(try c.decode(LockWait.self, forKey: .waiting))
        case .started: self = .started(try c.decode(Started.self, forKey: .started))
        case .facts: self = .facts(try c.decode(DeviceFacts.self, forKey: .facts))
        case .journalsDropped: self = .journalsDropped(try c.decode(JournalsDropped.self, forKey: .journalsDropped))
        case .plansMissing: self = .plansMissing(try c.decode(PlansMissing.self, forKey: .plansMissing))
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
        case .heartbeat(let v): try c.encode(Kind.heartbeat, forKey: .type); try c.encode(v, forKey: .heartbeat)
        case .waiting(let v): try c.encode(Kind.waiting, forKey: .type); try c.encode(v, forKey: .waiting)
        case .started(let v): try c.encode(Kind.started, forKey: .type); try c.encode(v, forKey: .started)
        case .facts(let v): try c.encode(Kind.facts, forKey: .type); try c.encode(v, forKey: .facts)
        case .journalsDropped(let v): try c.encode(Kind.journalsDropped, forKey: .type); try c.encode(v, forKey: .journalsDropped)
        case .plansMissing(let v): try c.encode(Kind.plansMissing, forKey: .type); try c.encode(v, forKey: .plansMissing)
        case .result(let v): try c.encode(Kind.result, forKey: .type); try c.encode(v, forKey: .result)
        case .tensor(let v): try c.encode(Kind.tensor, forKey: .type); try c.encode(v, forKey: .tensor)
        case .error(let v): try c.encode(Kind.error, forKey: .type); try c.encode(v, forKey: .error)
        case .done: try c.encode(Kind.done, forKey: .type)
        }
    }
}
