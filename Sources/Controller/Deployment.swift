import BenchCore
import Foundation
import Transport

/// Puts the agent and plans on a device, only when the device lacks them.
public enum Deployment {
    /// Makes sure `<workdir>/agent/<version>/boardbench-agent` holds exactly `binary`'s bytes
    /// (compared by SHA-256, so a different build of the same version is replaced too) and
    /// reports this version.
    public static func ensureAgent(
        _ t: any DeviceTransport, config: DeviceConfig, probes: ProbeConfig, binary: AgentBinary
    ) throws(ControllerError) -> AgentClient {
        let path = config.agentPath(version: BoardBenchVersion.current)
        let client = AgentClient(transport: t, agentPath: path, probes: probes)
        let localHash = try binary.sha256()
        let remote = try? t.run(["sha256sum", path], timeoutSeconds: 120)
        let remoteHash = remote.flatMap { $0.exitStatus == 0 ? String(decoding: $0.stdout, as: UTF8.self).split(separator: " ").first.map(String.init) : nil }
        if remoteHash != localHash {
            do {
                try t.uploadFile(at: binary.path, to: path, mode: 0o755)
            } catch {
                throw .transport(error)
            }
        }
        guard let hello = client.version() else {
            let detail = (try? t.run([path, "version"], timeoutSeconds: 60)).map { String(decoding: $0.stderr, as: UTF8.self) } ?? ""
            throw .agentFailed(device: t.label, reason: "the deployed agent does not start: \(detail.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        guard hello.agentVersion == BoardBenchVersion.current, hello.protocol == AgentProtocol.version else {
            throw .agentProtocol(
                device: t.label,
                reason:
                    "deployed agent reports \(hello.agentVersion)/protocol \(hello.protocol), expected \(BoardBenchVersion.current)/\(AgentProtocol.version)")
        }
        return client
    }

    /// Pushes each plan the device lacks (or holds with other bytes); returns how many were pushed.
    @discardableResult
    public static func pushPlans(_ plans: [CompiledModel], to t: any DeviceTransport, config: DeviceConfig) throws(ControllerError) -> Int {
        let unique = Dictionary(plans.map { ($0.hash, $0) }, uniquingKeysWith: { a, _ in a })
        let paths = unique.keys.sorted().map { config.planPath(hash: $0) }
        var present = Set<String>()
        do throws(TransportError) {
            // Touch what is there: `device clean` keeps plans used recently (by mtime).
            let script = #"for f in "$@"; do if [ -f "$f" ]; then touch -c "$f"; sha256sum "$f"; fi; done"#
            for batch in argumentBatches(paths) {
                let r = try t.run(["sh", "-c", script, "sh"] + batch, timeoutSeconds: 300)
                for line in String(decoding: r.stdout, as: UTF8.self).split(separator: "\n") {
                    let parts = line.split(separator: " ", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    let path = parts[1].trimmingCharacters(in: .whitespaces)
                    if path == config.planPath(hash: String(parts[0])) { present.insert(String(parts[0])) }
                }
            }
            // One batch: over SSH, one SFTP session and a few commands for all of them.
            let missing = unique.keys.sorted().filter { !present.contains($0) }
            try t.uploadAll(missing.map { UploadFile(Data(unique[$0]!.plan), to: config.planPath(hash: $0), mode: 0o644) })
            return missing.count
        } catch {
            throw .transport(error)
        }
    }
}
