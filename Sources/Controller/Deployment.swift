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
        try prepare(t, config: config, probes: probes, binary: binary, plans: []).client
    }

    /// What `prepare` leaves behind: a client for the deployed agent, and which of the plans
    /// asked about the board already holds with the right bytes.
    public struct Prepared {
        public var client: AgentClient
        public var presentPlans: Set<String>
    }

    /// `ensureAgent` and the plan check of `pushPlans` in one command on the board: every
    /// command costs a login shell there, which a heavy `~/.bashrc` makes 100 ms or more.
    public static func prepare(
        _ t: any DeviceTransport, config: DeviceConfig, probes: ProbeConfig, binary: AgentBinary, plans: [CompiledModel]
    ) throws(ControllerError) -> Prepared {
        let path = config.agentPath(version: BoardBenchVersion.current)
        let client = AgentClient(transport: t, agentPath: path, probes: probes)
        let localHash = try binary.sha256()
        let found: [String: String]
        let pushed = plans.filter { $0.fileName != nil }
        do { found = try hashes(on: t, agent: path, plans: pushed.compactMap { config.modelPath($0) }) } catch {
            throw .transport(error)
        }
        if found[path] != localHash {
            do {
                try t.uploadFile(at: binary.path, to: path, mode: 0o755)
            } catch {
                throw .transport(error)
            }
        }
        let present = Set(pushed.filter { m in config.modelPath(m).map { found[$0] == m.hash } ?? false }.map(\.hash))
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
        return Prepared(client: client, presentPlans: present)
    }

    /// Pushes each plan the device lacks (or holds with other bytes); returns how many were
    /// pushed. `present` is what `prepare` found; nil asks the board first.
    @discardableResult
    /// `keepSameSize`: a plan file of the right size already there is left as it is (the agent
    /// verifies plans by hash before it measures, `checkPlans`).
    public static func pushPlans(
        _ plans: [CompiledModel], present: Set<String>? = nil, to t: any DeviceTransport, config: DeviceConfig, keepSameSize: Bool = false
    ) throws(ControllerError) -> Int {
        // Models already on the board (`board:/path`) have no file to push.
        let unique = Dictionary(plans.filter { $0.fileName != nil }.map { ($0.hash, $0) }, uniquingKeysWith: { a, _ in a })
        do throws(TransportError) {
            var present = present
            if present == nil {
                let found = try hashes(on: t, agent: nil, plans: unique.values.compactMap { config.modelPath($0) })
                present = Set(unique.values.filter { m in config.modelPath(m).map { found[$0] == m.hash } ?? false }.map(\.hash))
            }
            // One batch: over SSH, one SFTP session and a few commands for all of them.
            let missing = unique.keys.sorted().filter { present?.contains($0) != true }
            return try t.uploadAll(
                missing.compactMap { hash in
                    unique[hash].flatMap { m in
                        config.modelPath(m).map { UploadFile(Data(m.plan), to: $0, mode: 0o644, keepSameSize: keepSameSize) }
                    }
                })
        } catch {
            throw .transport(error)
        }
    }

    /// Shell that sets `h` to the SHA-256 of the file `$a` (empty when it is missing).
    ///
    /// The hash is kept beside the agent in `boardbench-agent.sha256` under its size, inode,
    /// mtime and ctime, so a run reads 27 MB only when the file changed (git's index does the
    /// same). Any write, chmod or replacement moves the ctime; a hash is not kept when the
    /// ctime is within two seconds of the time read before the stat, so a change in the same
    /// second, or during a slow hash, is never masked.
    static let agentHashSnippet = #"""
        h=""
        if [ -n "$a" ] && [ -f "$a" ]; then
          n=$(date +%s); c="$a.sha256"; s=$(stat -c '%s %i %Y %Z' -- "$a" 2>/dev/null)
          if [ -n "$s" ] && [ -f "$c" ] && [ "$(sed -n 1p "$c")" = "$s" ]; then h=$(sed -n 2p "$c")
          else
            h=$(sha256sum -- "$a" | cut -d ' ' -f 1)
            z=${s##* }
            if [ -n "$h" ] && [ -n "$s" ] && [ $((n - z)) -ge 2 ]; then (printf '%s\n%s\n' "$s" "$h" > "$c") 2>/dev/null; fi
          fi
        fi

        """#

    /// `sh -c` script run as `sh <agent> <sha256> <agent arguments...>`: starts the agent when
    /// it has that hash, else prints `AgentClient.differsMarker` and what it found, exit 75.
    static let guardScript = #"""
        a="$1"; want="$2"; shift 2
        \#(agentHashSnippet)
        if [ "$h" != "$want" ]; then echo "boardbench-agent-differs ${h:-missing}"; exit 75; fi
        exec "$a" "$@"
        """#

    /// SHA-256 by path of the agent and of each plan that exists on the board, in one command
    /// per 64 KiB of paths. Plans found are touched: `device clean` keeps recently used ones.
    static func hashes(on t: any DeviceTransport, agent: String?, plans: [String]) throws(TransportError) -> [String: String] {
        let script = #"""
            a="$1"; shift
            \#(agentHashSnippet)
            if [ -n "$h" ]; then echo "$h  $a"; fi
            for f in "$@"; do if [ -f "$f" ]; then touch -c -- "$f"; sha256sum -- "$f"; fi; done
            """#
        var found: [String: String] = [:]
        let batches = plans.isEmpty ? [[]] : argumentBatches(plans.sorted())
        for (i, batch) in batches.enumerated() {
            let r = try t.run(["sh", "-c", script, "sh", i == 0 ? agent ?? "" : ""] + batch, timeoutSeconds: 300)
            for line in String(decoding: r.stdout, as: UTF8.self).split(separator: "\n") {
                let parts = line.split(separator: " ", maxSplits: 1)
                guard parts.count == 2 else { continue }
                found[parts[1].trimmingCharacters(in: .whitespaces)] = String(parts[0])
            }
        }
        return found
    }
}
