import BenchCore
import Foundation
import Logging
import Transport

/// What `device probe` found and wrote.
public struct DeviceProbeOutcome: Codable, Sendable, Equatable {
    public var device: String
    public var facts: DeviceFacts
    /// Facts that differ from the ones the device file held ("kernel: 6.6 -> 6.12"); every key
    /// when the file had none.
    public var changes: [String]
}

/// `boardbench device probe`: refreshes a device file's `facts:` from the agent's probe.
public enum DeviceProbe {
    /// Connects with the pinned host key, checks the board as enrolment does (nothing is pushed
    /// to a board that cannot run it), deploys the agent when it is missing or differs, runs its
    /// probe and rewrites `facts:` (user edits elsewhere in the file survive).
    public static func probe(_ name: String, workspace: Workspace, agentPath: String?, logger: Logger) throws(ControllerError) -> DeviceProbeOutcome {
        var config = try DeviceFile.load(name, in: workspace)
        let binary = try AgentBinary.locate(explicit: agentPath)
        logger.info("connecting to \(name)")
        let transport = try DeviceConnector.connect(config)
        try Preflight.check(try Preflight.inspect(transport), agent: binary, device: name)
        let probes = try config.probeConfig(in: workspace)
        logger.info("checking agent \(BoardBenchVersion.current) at \(config.agentPath(version: BoardBenchVersion.current))")
        let client = try Deployment.ensureAgent(transport, config: config, probes: probes, binary: binary)
        logger.info("probing \(name)")
        let facts: DeviceFacts
        do { facts = try client.probe() } catch let e as ControllerError { throw e } catch {
            throw .agentFailed(device: name, reason: "\(error)")
        }
        let changes = differences(from: config.facts, to: facts)
        config.facts = facts
        try DeviceFile.save(config, in: workspace)
        return DeviceProbeOutcome(device: name, facts: facts, changes: changes)
    }

    /// One "key: old -> new" line per top-level fact that changed, in key order.
    static func differences(from old: DeviceFacts?, to new: DeviceFacts) -> [String] {
        func fields(_ f: DeviceFacts?) -> [String: String] {
            guard let f else { return [:] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            guard let data = try? encoder.encode(f), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
            return object.mapValues { value in
                if let d = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]) {
                    return String(decoding: d, as: UTF8.self)
                }
                return "\(value)"
            }
        }
        let before = fields(old), after = fields(new)
        return Set(before.keys).union(after.keys).sorted().compactMap { key in
            let a = before[key], b = after[key]
            guard a != b else { return nil }
            let (x, y) = (a ?? "(none)", b ?? "(none)")
            // Lists such as perfEvents are too long for one line: name the key only.
            return x.count + y.count > 100 ? "\(key) changed" : "\(key): \(x) -> \(y)"
        }
    }
}
