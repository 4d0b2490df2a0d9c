import BenchCore
import Foundation
import Logging
import Store
import Transport

/// One device's share of a run, on its own thread: connect, deploy what is missing, collect
/// journalled results, then measure the items still pending, one agent session at a time.
/// Transport failures are retried with backoff; a benchmark that outruns its timeout gets its
/// agent killed and is stored as timed out, and the rest go on in a new session.
struct DeviceWorker: Sendable {
    let config: DeviceConfig
    let items: [RunItemRecord]
    let runId: Int64
    let runKey: String
    /// The run is resumed: its journal may hold results from before.
    let resumed: Bool
    let provenance: RunCoordinator.Provenance
    let models: [String: CompiledModel]
    let binary: AgentBinary
    let lockTimeoutSeconds: Double?
    let options: RunOptions
    let workspace: Workspace
    let store: any ResultStore
    let logger: Logger

    var device: String { config.name }

    /// Thrown from the message handler when a benchmark outruns its timeout.
    private struct BenchmarkTimeout: Error {
        var benchmark: String
        var seconds: Double
    }

    /// Thrown from `measure` when the agent died (killed, crashed) in the middle of a benchmark.
    private struct AgentDied: Error {
        var benchmark: String
        var error: ControllerError
    }

    /// What a session carries over to the next attempt.
    private final class State {
        var pushed = 0
        var results: [BenchmarkOutcome] = []
        /// An agent that may still run on the board after a lost connection.
        var strayAgentPid: Int32?
        var factsHash: String?
        var agentVersion: String?
        /// The board may hold journalled results of this run: it is resumed, or a session of
        /// it has started measuring there.
        var mayHaveJournal = false
        /// Plans the store had never seen on the board were pushed (first session only).
        var pushedAhead = false
        /// Earlier runs' journals on this board whose results are all stored.
        var dropRunKeys: [String] = []
    }

    func run() -> DeviceRunOutcome {
        let state = State()
        state.mayHaveJournal = resumed
        do {
            // A resumed run journals again: its journal must not be dropped by another run's
            // session until this one has stored everything (`releaseJournal`).
            if resumed { try store.markJournals(device: device, runKeys: [runKey], state: .kept) }
            state.dropRunKeys = try store.journals(device: device, state: .droppable).filter { $0 != runKey }
        } catch {
            let failure = ControllerError.output(path: workspace.databasePath, reason: error.description)
            options.onEvent(.deviceFailed(device: device, reason: failure.description))
            return DeviceRunOutcome(device: device, plansPushed: 0, results: [], error: failure)
        }
        var outcome = DeviceRunOutcome(device: device, plansPushed: 0, results: [], error: nil)
        var attempt = 1
        while true {
            let storedBefore = state.results.count
            do throws(ControllerError) {
                try session(state, attempt: attempt)
                let (done, failed) = try counts()
                options.onEvent(.deviceFinished(device: device, done: done, failed: failed))
                break
            } catch {
                if case .output = error {
                    outcome.error = error
                    break
                }
                // A session that stored results before it failed made progress: the board is
                // flaky, not gone, so the retry budget and backoff start again (a farm running
                // overnight may see a board reboot many times).
                if state.results.count > storedBefore { attempt = 1 }
                if Self.isRetryable(error), attempt <= options.retries {
                    let delay = options.retryBaseSeconds * pow(2, Double(attempt - 1))
                    options.onEvent(.retrying(device: device, attempt: attempt, delaySeconds: delay, reason: error.description))
                    Thread.sleep(forTimeInterval: delay)
                    attempt += 1
                    continue
                }
                outcome.error = error
                options.onEvent(.deviceFailed(device: device, reason: error.description))
                do {
                    try store.updateItems(runId: runId, device: device, benchmarks: nil, state: .failed, error: error.description)
                } catch let storeError {
                    outcome.error = .output(path: workspace.databasePath, reason: storeError.description)
                }
                break
            }
        }
        outcome.plansPushed = state.pushed
        outcome.results = state.results
        return outcome
    }

    /// Failures worth another attempt: the network, not the configuration or a refusal.
    static func isRetryable(_ error: ControllerError) -> Bool {
        switch error {
        case .connectionLost: true
        case .transport(let t):
            switch t {
            case .unreachable, .timedOut, .channel, .sftp: true
            default: false
            }
        default: false
        }
    }

    private func counts() throws(ControllerError) -> (done: Int, failed: Int) {
        let mine = try storing { () throws(StoreError) in try store.items(runId) }.filter { $0.device == device }
        return (mine.filter { $0.state == .done }.count, mine.filter { $0.state != .done }.count)
    }

    /// Items still to measure in this run; `failed` ones wait for `--resume`, which sets them
    /// back to `pending`.
    private func pending() throws(ControllerError) -> [RunItemRecord] {
        try storing { () throws(StoreError) in try store.items(runId) }.filter { $0.device == device && $0.state == .pending }
            .sorted { $0.position < $1.position }
    }

    private func session(_ state: State, attempt: Int) throws(ControllerError) {
        guard try !pending().isEmpty else { return }
        options.onEvent(.connecting(device: device, attempt: attempt))
        let transport = try DeviceConnector.connect(config)
        if let facts = config.facts, facts.architecture != binary.architecture {
            throw .agentArchitecture(device: device, board: facts.architecture, agent: binary.architecture, path: binary.path)
        }
        // One command per agent session: a guard checks the agent's SHA-256 before starting it,
        // and the agent checks the plans (`checkPlans`); what the board lacks is pushed only
        // then (docs/performance.md, "Commands per run").
        var client = AgentClient(
            transport: transport, agentPath: config.agentPath(version: BoardBenchVersion.current), probes: try config.probeConfig(in: workspace),
            expectedHash: try binary.sha256())
        client.missedHeartbeats = options.missedHeartbeats
        if let pid = state.strayAgentPid {
            // The previous session's agent lost its host; end it before it holds the lock longer.
            try client.kill(pid: pid)
            state.strayAgentPid = nil
        }
        var deployed = false
        /// Runs `body`; a missing agent or another build is uploaded, once, and `body` runs again.
        func withAgent<T>(_ body: () throws -> T) throws -> T {
            do { return try body() } catch let differs as AgentClient.AgentDiffers {
                guard !deployed else {
                    throw ControllerError.agentFailed(
                        device: device,
                        reason: "\(client.agentPath) has SHA-256 \(differs.found ?? "none") right after it was uploaded; is the workdir writable?")
                }
                deployed = true
                do { try transport.uploadFile(at: binary.path, to: client.agentPath, mode: 0o755) } catch { throw ControllerError.transport(error) }
                return try body()
            }
        }

        // A fresh run's first session has nothing journalled on the board to collect.
        if state.mayHaveJournal {
            do { try withAgent { try collect(client, state) } } catch let e as ControllerError { throw e } catch {
                throw .agentFailed(device: device, reason: "\(error)")
            }
        }
        var remaining = try pending()
        guard !remaining.isEmpty else { return try releaseJournal() }
        // pushedHere: plans pushed because the agent reported them missing (never twice);
        // written: plan files written in this session, for the `pushed` event.
        var pushedHere = Set<String>(), written = 0, announced = false
        // Plans this store never measured on the board are most likely not there: push them
        // before the first session rather than learn it from the agent at the cost of a
        // command (a plan of the right size already there is kept; the agent checks hashes).
        if !state.pushedAhead {
            state.pushedAhead = true
            let known = try storing { () throws(StoreError) in try store.planHashes(device: device) }
            let unknown = Set(remaining.compactMap { request($0)?.planHash }).subtracting(known).sorted().compactMap { models[$0] }
            if !unknown.isEmpty {
                let n = try Deployment.pushPlans(unknown, present: [], to: transport, config: config, keepSameSize: true)
                (written, state.pushed) = (written + n, state.pushed + n)
            }
        }
        let announce = {
            guard !announced else { return }
            announced = true
            let needed = Set(remaining.compactMap { request($0)?.planHash }).count
            options.onEvent(.pushed(device: device, plans: written, present: needed - written))
        }

        while !remaining.isEmpty {
            let requests = remaining.compactMap { request($0) }
            guard requests.count == remaining.count else {
                throw .agentProtocol(device: device, reason: "a stored item's request does not decode; the store may be damaged")
            }
            do {
                let missing = try withAgent { try measure(requests, client: client, state: state, plansChecked: announce) }
                if !missing.isEmpty {
                    // The agent measured nothing: push what it lacks (once) and ask again.
                    let plans = missing.compactMap { models[$0] }
                    guard plans.count == missing.count, pushedHere.isDisjoint(with: missing) else {
                        throw ControllerError.agentProtocol(
                            device: device, reason: "the agent reports plans \(missing.joined(separator: ", ")) missing, which were pushed or never sent")
                    }
                    let n = try Deployment.pushPlans(plans, present: [], to: transport, config: config)
                    (written, state.pushed) = (written + n, state.pushed + n)
                    pushedHere.formUnion(missing)
                    continue
                }
                let left = try pending()
                // A session that ends without a result for something it was asked: never loop on it.
                guard left.count < remaining.count else {
                    throw ControllerError.agentProtocol(
                        device: device, reason: "the agent finished without results for \(left.map(\.benchmark).joined(separator: ", "))")
                }
            } catch let timeout as BenchmarkTimeout {
                if let pid = state.strayAgentPid {
                    try client.kill(pid: pid)
                    state.strayAgentPid = nil
                }
                try recordTimeout(timeout, requests: requests, state: state)
            } catch let died as AgentDied {
                // Not retried in place: an agent that crashes on a benchmark would crash again.
                // The item waits for `--resume`; the next benchmarks run in a new session.
                state.strayAgentPid = nil
                try storing { () throws(StoreError) in
                    try store.updateItems(runId: runId, device: device, benchmarks: [died.benchmark], state: .failed, error: died.error.description)
                }
                options.onEvent(.agentDied(device: device, benchmark: died.benchmark, reason: died.error.description))
            } catch let e as ControllerError {
                throw e
            } catch {
                throw .agentFailed(device: device, reason: "\(error)")
            }
            remaining = try pending()
        }
        try releaseJournal()
    }

    /// The runtime column of a benchmark's result: `builtin`, or the external runner's kind.
    private func runtime(of benchmark: String) -> String {
        guard let item = items.first(where: { $0.benchmark == benchmark }), item.requestJSON.contains("\"runner\"") else { return "builtin" }
        return request(item)?.runner?.kind.rawValue ?? "builtin"
    }

    private func request(_ item: RunItemRecord) -> BenchmarkRequest? {
        try? JSONDecoder().decode(BenchmarkRequest.self, from: Data(item.requestJSON.utf8))
    }

    /// The board lock as this run asks for it; the holder note names user, host and run.
    private var lock: LockOptions {
        LockOptions(
            path: config.effectiveLockPath, timeoutSeconds: lockTimeoutSeconds,
            holder: "\(DeviceConnector.currentUser())@\(ProcessInfo.processInfo.hostName), run \(runId)")
    }

    private func journal(_ state: State) -> JournalOptions {
        JournalOptions(directory: "\(config.workdir)/results", runKey: runKey, dropRunKeys: state.dropRunKeys)
    }

    /// Stores what the board journalled for this run and the host never stored.
    private func collect(_ client: AgentClient, _ state: State) throws {
        let items = Dictionary(uniqueKeysWithValues: self.items.map { ($0.benchmark, $0) })
        var stored = 0, already = 0
        do {
            let session = SessionOptions(heartbeatSeconds: options.heartbeatSeconds, lock: lock, journal: journal(state))
            try client.send(AgentRequest(command: .collect, session: session, sendFacts: state.factsHash == nil)) { message in
                switch message {
                case .facts(let f):
                    try record(f, state: state)
                case .journalsDropped(let report):
                    try dropped(report, state: state)
                case .waiting(let w):
                    options.onEvent(.waitingForLock(device: device, holder: w.holder, sinceUnixSeconds: w.sinceUnixSeconds))
                case .result(let r):
                    guard let item = items[r.benchmark] else { return }
                    try requireFacts(state, before: r.benchmark)
                    if try save(r, model: item.model, state: state) { stored += 1 } else { already += 1 }
                default:
                    break
                }
            }
        } catch let e as StoreError {
            throw ControllerError.output(path: workspace.databasePath, reason: e.description)
        }
        if stored + already > 0 { options.onEvent(.collected(device: device, stored: stored, alreadyStored: already)) }
    }

    /// One agent session measuring `requests` in order; returns when the agent is done, with
    /// the plan hashes it lacks when it measured nothing for that reason (`checkPlans`).
    /// `plansChecked` runs once the agent has passed its plan check.
    private func measure(_ requests: [BenchmarkRequest], client: AgentClient, state: State, plansChecked: () -> Void) throws -> [String] {
        var missing: [String] = []
        let session = SessionOptions(heartbeatSeconds: options.heartbeatSeconds, lock: lock, journal: journal(state))
        let byName = Dictionary(uniqueKeysWithValues: requests.map { ($0.name, $0) })
        state.mayHaveJournal = true
        let models = Dictionary(uniqueKeysWithValues: self.items.map { ($0.benchmark, $0.model) })
        var current: (name: String, deadline: Date, seconds: Double)?
        do {
            try client.send(
                AgentRequest(command: .measure, benchmarks: requests, session: session, sendFacts: state.factsHash == nil, checkPlans: true),
                onHello: { state.strayAgentPid = $0.pid }
            ) { message in
                switch message {
                case .facts(let f):
                    try record(f, state: state)
                case .plansMissing(let m):
                    missing = m.planHashes
                case .journalsDropped(let report):
                    plansChecked()
                    try dropped(report, state: state)
                case .waiting(let w):
                    plansChecked()
                    options.onEvent(.waitingForLock(device: device, holder: w.holder, sinceUnixSeconds: w.sinceUnixSeconds))
                case .started(let s):
                    plansChecked()
                    guard let r = byName[s.benchmark] else {
                        throw ControllerError.agentProtocol(device: device, reason: "started unknown benchmark \(s.benchmark)")
                    }
                    current = (s.benchmark, Date().addingTimeInterval(r.settings.timeoutSeconds), r.settings.timeoutSeconds)
                    options.onEvent(.started(device: device, benchmark: s.benchmark))
                case .heartbeat:
                    if let c = current, Date() > c.deadline { throw BenchmarkTimeout(benchmark: c.name, seconds: c.seconds) }
                case .result(let r):
                    guard let model = models[r.benchmark], byName[r.benchmark] != nil else {
                        throw ControllerError.agentProtocol(device: device, reason: "result for unknown benchmark \(r.benchmark)")
                    }
                    current = nil
                    try requireFacts(state, before: r.benchmark)
                    _ = try save(r, model: model, state: state)
                    state.results.append(r)
                default:
                    break
                }
            }
            state.strayAgentPid = nil
        } catch let e as StoreError {
            throw ControllerError.output(path: workspace.databasePath, reason: e.description)
        } catch let e as ControllerError {
            if case .agentExited = e, let c = current { throw AgentDied(benchmark: c.name, error: e) }
            throw e
        }
        return missing
    }

    /// Stores the board's facts for this run; the session asked for them (`sendFacts`) because
    /// the run had none yet, so they come before any result.
    private func record(_ facts: DeviceFacts, state: State) throws(ControllerError) {
        let factsJSON = RunCoordinator.json(facts)
        let hash = PlanIdentity.hash(Data(factsJSON.utf8))
        try storing { () throws(StoreError) in
            try store.recordDevice(RunDeviceRecord(runId: runId, device: device, factsJSON: factsJSON, factsHash: hash, agentVersion: facts.agentVersion))
        }
        (state.factsHash, state.agentVersion) = (hash, facts.agentVersion)
    }

    /// A result may only be stored with the board's facts known.
    private func requireFacts(_ state: State, before benchmark: String) throws(ControllerError) {
        guard state.factsHash != nil else {
            throw .agentProtocol(device: device, reason: "result for \(benchmark) came before the board's facts")
        }
    }

    /// Stores a result (false when the run already held it) and reports it.
    private func save(_ r: BenchmarkOutcome, model: String, state: State) throws -> Bool {
        let statistics = r.statistics
        var record = RunCoordinator.record(r, statistics: statistics, runId: runId, device: device, model: model, runtime: runtime(of: r.benchmark))
        record.hostVersion = BoardBenchVersion.current
        record.agentVersion = state.agentVersion
        record.factsHash = state.factsHash
        record.profileHash = provenance.profileHash
        record.runPlanHash = provenance.planHash
        guard try store.recordResult(record, samples: r.samplesNanoseconds, offsets: r.sampleOffsetsNanoseconds) != nil else { return false }
        options.onEvent(
            .stored(device: device, benchmark: r.benchmark, ok: r.status == .ok, summary: RunCoordinator.describe(r, statistics: statistics, device: device)))
        return true
    }

    private func recordTimeout(_ timeout: BenchmarkTimeout, requests: [BenchmarkRequest], state: State) throws(ControllerError) {
        guard let r = requests.first(where: { $0.name == timeout.benchmark }) else {
            throw .agentProtocol(device: device, reason: "timed out on \(timeout.benchmark), which was not asked for")
        }
        var outcome = BenchmarkOutcome(
            benchmark: r.name, planHash: r.planHash, status: .timedOut,
            error: "did not finish within its timeout of \(Int(timeout.seconds)) s (timeoutSeconds); the agent was killed", runtimeVersion: "unknown",
            settings: r.settings, startedAtUnixNanoseconds: RunCoordinator.now())
        outcome.conditions = ["timed out"]
        let model = items.first { $0.benchmark == r.name }?.model ?? ""
        do { _ = try save(outcome, model: model, state: state) } catch let e as StoreError {
            throw .output(path: workspace.databasePath, reason: e.description)
        } catch {
            throw .output(path: workspace.databasePath, reason: "\(error)")
        }
        state.results.append(outcome)
        options.onEvent(.timedOut(device: device, benchmark: r.name, seconds: timeout.seconds))
    }

    /// Every item is stored: the board's journal of this run is no longer needed. The next
    /// session on the board removes it (`JournalOptions.dropRunKeys`): a command of its own
    /// would cost a login shell on the board at the end of every run.
    private func releaseJournal() throws(ControllerError) {
        try storing { () throws(StoreError) in try store.markJournals(device: device, runKeys: [runKey], state: .droppable) }
    }

    /// Records what a session removed of earlier journals; what it could not remove stays
    /// droppable (the next session tries again) and is logged.
    private func dropped(_ report: AgentMessage.JournalsDropped, state: State) throws(ControllerError) {
        try storing { () throws(StoreError) in try store.markJournals(device: device, runKeys: report.runKeys, state: .dropped) }
        state.dropRunKeys.removeAll { report.runKeys.contains($0) }
        for problem in report.problems { logger.warning("\(device): could not remove an old result journal: \(problem)") }
    }

    private func storing<T>(_ body: () throws(StoreError) -> T) throws(ControllerError) -> T { try workspace.storing(body) }
}

/// A value shared between threads behind a lock.
final class Locked<Value>: @unchecked Sendable {  // every access holds `lock`
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value { lock.withLock { stored } }

    func update(_ body: (inout Value) -> Void) { lock.withLock { body(&stored) } }
}
