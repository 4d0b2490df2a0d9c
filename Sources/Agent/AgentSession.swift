import BenchCore
import Probes
import Runtime

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Serves one request: answers `hello` first, then the command's messages, then `done`.
/// Messages go to `emit` as they are produced, so the host stores each result on arrival.
public struct AgentSession {
    public let root: SysfsRoot
    public let emit: (AgentMessage) throws -> Void

    public init(root: SysfsRoot, emit: @escaping (AgentMessage) throws -> Void) {
        self.root = root
        self.emit = emit
    }

    public func serve(requestBytes: [UInt8]) throws {
        let channel = SessionChannel(emit)
        try channel.send(
            .hello(.init(agentVersion: BoardBenchVersion.current, protocol: AgentProtocol.version, runtimeVersion: RuntimeInfo.version, pid: getpid())))
        let request: AgentRequest
        do {
            request = try JSONDecoder().decode(AgentRequest.self, from: Data(requestBytes))
        } catch {
            try channel.send(.error(.init(code: "bad-request", message: "request is not valid JSON for protocol \(AgentProtocol.version): \(error)")))
            return
        }
        guard request.protocol == AgentProtocol.version else {
            try channel.send(
                .error(
                    .init(code: "protocol-mismatch", message: "host speaks protocol \(request.protocol), agent \(AgentProtocol.version); redeploy the agent")))
            return
        }
        let session = request.session ?? SessionOptions()
        var heartbeat: HeartbeatThread?
        if let period = session.heartbeatSeconds {
            do { heartbeat = try HeartbeatThread(every: period, channel: channel) } catch {
                try channel.send(.error(.init(code: "heartbeat", message: "\(error.description); the host would take the silence for a lost connection")))
                return
            }
        }
        defer { heartbeat?.stop() }
        let device = DeviceContext(request.probes, fallbackRoot: root)
        if request.sendFacts && (request.command == .measure || request.command == .collect) {
            try channel.send(.facts(FactsCollector.collect(root: device.root)))
        }
        switch request.command {
        case .probe:
            try channel.send(.facts(FactsCollector.collect(root: device.root)))
        case .measure:
            if request.checkPlans {
                switch PlanCheck.missing(request.benchmarks) {
                case .failure(let failure):
                    try channel.send(.error(failure))
                    return
                case .success(let missing) where !missing.isEmpty:
                    try channel.send(.plansMissing(.init(planHashes: missing)))
                    try channel.send(.done)
                    return
                case .success:
                    break
                }
            }
            guard try measure(request.benchmarks, session: session, device: device, channel: channel) else { return }
        case .collect:
            guard let options = session.journal else {
                try channel.send(.error(.init(code: "bad-request", message: "collect request without a `session.journal`")))
                return
            }
            // Under the lock: an agent that lost its host may still be finishing (and journalling)
            // a benchmark of this run; its result is collected once it lets go.
            guard let lock = try takeLock(session, channel) else { return }
            defer { withExtendedLifetime(lock) {} }
            let journal: ResultJournal
            do { journal = try ResultJournal(options) } catch {
                try channel.send(.error(.init(code: "journal", message: error.description)))
                return
            }
            if !options.dropRunKeys.isEmpty { try channel.send(.journalsDropped(journal.dropEarlier())) }
            let found = journal.readAll()
            guard found.problems.isEmpty else {
                try channel.send(.error(.init(code: "journal", message: "unreadable journal entries: \(found.problems.joined(separator: "; "))")))
                return
            }
            for r in found.results { try channel.send(.result(r)) }
        case .infer:
            guard let infer = request.infer else {
                try channel.send(.error(.init(code: "bad-request", message: "infer request without an `infer` body")))
                return
            }
            switch InferenceRunner.run(infer) {
            case .success(let outputs): for o in outputs { try channel.send(.tensor(o)) }
            case .failure(let failure):
                try channel.send(.error(failure))
                return
            }
        }
        try channel.send(.done)
    }

    /// The session's board lock: `.some(nil)` when none was asked for, nil when it could not be
    /// taken (the error has been sent).
    private func takeLock(_ session: SessionOptions, _ channel: SessionChannel) throws -> BoardLock?? {
        guard let options = session.lock else { return .some(nil) }
        switch try BoardLock.acquire(options, onWait: { try channel.send(.waiting($0)) }) {
        case .success(let lock): return .some(lock)
        case .failure(let failure):
            try channel.send(.error(.init(code: failure.code, message: failure.description)))
            return nil
        }
    }

    /// Measures under the board lock, journalling each result before sending it. False when
    /// the session ended with an error message (lock or journal), which has been sent.
    private func measure(_ benchmarks: [BenchmarkRequest], session: SessionOptions, device: DeviceContext, channel: SessionChannel) throws -> Bool {
        guard let lock = try takeLock(session, channel) else { return false }
        defer { withExtendedLifetime(lock) {} }
        var journal: ResultJournal?
        if let options = session.journal {
            do { journal = try ResultJournal(options) } catch {
                try channel.send(.error(.init(code: "journal", message: error.description)))
                return false
            }
            if let journal, !options.dropRunKeys.isEmpty { try channel.send(.journalsDropped(journal.dropEarlier())) }
        }
        for (index, benchmark) in benchmarks.enumerated() {
            channel.setBenchmark(benchmark.name)
            try channel.send(.started(.init(benchmark: benchmark.name, index: index)))
            // Backstop for a host that is gone: the host kills the agent at the timeout; if
            // nobody does, SIGALRM ends the process shortly after (the kernel drops the lock).
            // The request's settings are unchecked here (BenchmarkRunner refuses bad ones at
            // once): a negative or non-finite timeout must not trap the conversion to UInt32.
            let grace = 30.0
            let limit = benchmark.settings.problem() == nil ? benchmark.settings.timeoutSeconds + grace : grace
            alarm(UInt32(min(limit, Double(UInt32.max / 2))))
            let outcome = BenchmarkRunner.measure(benchmark, device: device)
            alarm(0)
            channel.setBenchmark(nil)
            var journalProblem: String?
            do { try journal?.write(outcome) } catch { journalProblem = error.description }
            try channel.send(.result(outcome))
            if let journalProblem {
                // The result went out, but later ones could not be recovered if the host missed
                // them: stop with the reason (typically a full disk on the board).
                try channel.send(.error(.init(code: "journal", message: "\(journalProblem); free space in the workdir, then resume the run")))
                return false
            }
        }
        return true
    }
}
