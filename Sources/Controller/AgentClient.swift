import BenchCore
import Foundation
import Transport

/// Speaks the agent protocol over a transport: one request in, JSON lines out.
public struct AgentClient {
    public let transport: any DeviceTransport
    public let agentPath: String
    /// Sent with every request: where the device's sensors and helper commands are.
    public let probes: ProbeConfig
    /// Longest silence tolerated from an agent that sends no heartbeats (probe, infer).
    public var idleTimeoutSeconds: Double = 900
    /// A session with heartbeats is lost after this many periods without a line.
    public var missedHeartbeats: Double = 5
    /// When set, `send` starts the agent through a guard that first checks its SHA-256 on the
    /// board and throws `AgentDiffers` instead of starting another build: a run checks and
    /// starts the agent with one command.
    public var expectedHash: String?

    /// The board's agent is missing or is another build (`expectedHash`); nothing ran.
    public struct AgentDiffers: Error {
        public var found: String?
    }

    public init(transport: any DeviceTransport, agentPath: String, probes: ProbeConfig, expectedHash: String? = nil) {
        self.transport = transport
        self.agentPath = agentPath
        self.probes = probes
        self.expectedHash = expectedHash
    }

    /// What the guard prints, alone on the first line, when the agent is not `expectedHash`.
    static let differsMarker = "boardbench-agent-differs"

    var device: String { transport.label }

    /// The deployed agent's hello, or nil when it is missing or does not run.
    public func version() -> AgentMessage.Hello? {
        guard let r = try? transport.run([agentPath, "version"], timeoutSeconds: 60), r.exitStatus == 0,
            let line = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").first,
            case .hello(let hello)? = try? JSONDecoder().decode(AgentMessage.self, from: Data(line.utf8))
        else { return nil }
        return hello
    }

    /// Sends `request` and hands every message after `hello` to `onMessage` as it arrives
    /// (`onHello` gets the hello: the agent's pid). Returns when the agent says `done`; throws if
    /// it fails, breaks the protocol or goes silent (for a heartbeat session: `missedHeartbeats`
    /// periods, `ControllerError.connectionLost`).
    public func send(
        _ request: AgentRequest, onHello: (AgentMessage.Hello) -> Void = { _ in }, onMessage: (AgentMessage) throws -> Void
    ) throws {
        var request = request
        if request.probes == nil { request.probes = probes }
        let body = try JSONEncoder().encode(request)
        var sawHello = false, sawDone = false
        let decoder = JSONDecoder()
        let outcome: StreamOutcome
        let silence = request.session?.heartbeatSeconds.map { $0 * missedHeartbeats } ?? idleTimeoutSeconds
        let argv =
            expectedHash.map { ["sh", "-c", Deployment.guardScript, "sh", agentPath, $0, "serve"] } ?? [agentPath, "serve"]
        do {
            outcome = try transport.stream(argv, stdin: body, idleTimeoutSeconds: silence) { line in
                guard !line.isEmpty else { return }
                if !sawHello && line.hasPrefix(Self.differsMarker) {
                    let found = line.dropFirst(Self.differsMarker.count).trimmingCharacters(in: .whitespaces)
                    throw AgentDiffers(found: found == "missing" ? nil : found)
                }
                let message: AgentMessage
                do { message = try decoder.decode(AgentMessage.self, from: Data(line.utf8)) } catch {
                    throw ControllerError.agentProtocol(device: device, reason: "unreadable line \(String(line.prefix(200)).debugDescription)")
                }
                switch message {
                case .hello(let h):
                    guard !sawHello else { throw ControllerError.agentProtocol(device: device, reason: "second hello") }
                    guard h.protocol == AgentProtocol.version, h.agentVersion == BoardBenchVersion.current else {
                        throw ControllerError.agentProtocol(
                            device: device,
                            reason:
                                "agent \(h.agentVersion) speaks protocol \(h.protocol), host \(BoardBenchVersion.current) needs \(AgentProtocol.version); re-enrol to redeploy"
                        )
                    }
                    sawHello = true
                    onHello(h)
                case .error(let f) where f.code == "board-busy":
                    throw ControllerError.boardBusy(device: device, reason: f.message)
                case .error(let f):
                    throw ControllerError.agentFailed(device: device, reason: "\(f.code): \(f.message)")
                case .done:
                    sawDone = true
                default:
                    guard sawHello else { throw ControllerError.agentProtocol(device: device, reason: "message before hello") }
                    try onMessage(message)
                }
            }
        } catch TransportError.timedOut(_, _, let seconds) where request.session?.heartbeatSeconds != nil {
            throw ControllerError.connectionLost(device: device, seconds: seconds)
        } catch let e as TransportError {
            throw ControllerError.transport(e)
        }
        guard sawDone else {
            let stderr = String(decoding: outcome.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ControllerError.agentExited(device: device, status: outcome.exitStatus, stderr: stderr)
        }
    }

    /// Ends agent process `pid` on the board if it is still a boardbench-agent (a recycled pid is
    /// left alone): SIGTERM, then SIGKILL after a second. Returns whether it was running.
    @discardableResult
    public func kill(pid: Int32) throws(ControllerError) -> Bool {
        let script = """
            p="$1"
            grep -q boardbench-agent "/proc/$p/cmdline" 2>/dev/null || exit 3
            kill -TERM "$p" 2>/dev/null
            for i in 1 2 3 4 5 6 7 8 9 10; do
              grep -q boardbench-agent "/proc/$p/cmdline" 2>/dev/null || exit 0
              sleep 0.1
            done
            kill -KILL "$p" 2>/dev/null
            exit 0
            """
        do {
            let r = try transport.run(["sh", "-c", script, "sh", String(pid)], timeoutSeconds: 30)
            return r.exitStatus == 0
        } catch {
            throw .transport(error)
        }
    }

    /// Runs the agent's probe.
    public func probe() throws -> DeviceFacts {
        var facts: DeviceFacts?
        try send(AgentRequest(command: .probe)) { message in
            if case .facts(let f) = message { facts = f }
        }
        guard let facts else { throw ControllerError.agentProtocol(device: device, reason: "probe returned no facts") }
        return facts
    }
}
