import BenchCore
import Foundation
import Logging
import Transport

public struct EnrolOptions: Sendable {
    public var name: String
    public var local = false
    public var host: String?
    public var port: Int?
    public var user: String?
    public var identity: String?
    public var workdir: String?
    public var sysfsRoot: String?
    /// The board's lock file (`DeviceConfig.lockPath`).
    public var lockPath: String?
    /// Reach the board through a gateway (`DeviceConfig.proxyCommand`).
    public var proxyCommand: String?
    public var acceptNewHostKey = false
    public var expectedFingerprint: String?
    public var agentPath: String?

    public init(name: String) { self.name = name }
}

/// Enrolment: connect and check the host key, pre-flight with plain shell commands, deploy the
/// agent, run its probe, write `Devices/NAME.yaml`. Nothing is pushed to a board that cannot run it.
public enum Enrolment {
    public static func enrol(_ o: EnrolOptions, workspace: Workspace, logger: Logger) throws(ControllerError) -> DeviceConfig {
        func log(_ m: String) { logger.info("\(m)") }
        do { try EntityName.validate(o.name, kind: "device") } catch { throw .invalidArgument(error.description) }
        let existing: DeviceConfig? =
            FileManager.default.fileExists(atPath: workspace.deviceFile(o.name).path)
            ? try DeviceFile.load(o.name, in: workspace) : nil
        var config = existing ?? DeviceConfig(name: o.name, transport: o.local ? .local : .ssh, workdir: "/")
        if o.local {
            config.transport = .local
        } else if o.host != nil {
            config.transport = .ssh
        }
        if let v = o.host { config.host = v }
        if let v = o.port { config.port = v }
        if let v = o.user { config.user = v }
        if let v = o.identity { config.identity = URL(fileURLWithPath: v).standardizedFileURL.path }
        if let v = o.sysfsRoot { config.sysfsRoot = v }
        if let v = o.lockPath { config.lockPath = v }
        if let v = o.proxyCommand { config.proxyCommand = v }
        if config.transport == .ssh, config.host == nil {
            throw .invalidArgument("device \(o.name): give --host HOST (or --local for this machine)")
        }

        let policy: HostKeyPolicy? =
            if let fp = o.expectedFingerprint { .expect(fp) } else if o.acceptNewHostKey { .acceptNew } else { nil }
        log("connecting to \(o.name)")
        let transport = try DeviceConnector.connect(config, policy: policy)
        if let ssh = transport as? SSHSession {
            if config.hostKeyFingerprint != ssh.hostKeyFingerprint { log("pinned host key \(ssh.hostKeyFingerprint)") }
            config.hostKeyFingerprint = ssh.hostKeyFingerprint
        }
        if let w = o.workdir ?? (existing?.workdir).flatMap({ $0 == "/" ? nil : $0 }) {
            config.workdir = w
        } else {
            config.workdir = try defaultWorkdir(transport)
        }
        if let problem = config.problem() { throw .invalidArgument("device \(o.name): \(problem)") }

        let binary = try AgentBinary.locate(explicit: o.agentPath)
        log("pre-flight checks on \(o.name)")
        let report = try Preflight.inspect(transport)
        try Preflight.check(report, agent: binary, device: o.name)
        log("deploying agent \(BoardBenchVersion.current) to \(config.agentPath(version: BoardBenchVersion.current))")
        let client = try Deployment.ensureAgent(transport, config: config, probes: config.sensorPaths, binary: binary)
        log("probing \(o.name)")
        do { config.facts = try client.probe() } catch let e as ControllerError { throw e } catch {
            throw .agentFailed(device: o.name, reason: "\(error)")
        }
        try DeviceFile.save(config, in: workspace)
        return config
    }

    /// `$HOME/.boardbench` on the device.
    static func defaultWorkdir(_ t: any DeviceTransport) throws(ControllerError) -> String {
        do {
            let r = try t.run(["sh", "-c", #"printf %s "$HOME""#], timeoutSeconds: 30)
            let home = String(decoding: r.stdout, as: UTF8.self)
            guard r.exitStatus == 0, home.hasPrefix("/") else {
                throw ControllerError.invalidArgument("device \(t.label): cannot find the home directory; pass --workdir DIR")
            }
            return (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.boardbench"
        } catch let e as TransportError {
            throw .transport(e)
        } catch let e as ControllerError {
            throw e
        } catch {
            throw .invalidArgument("\(error)")
        }
    }
}
