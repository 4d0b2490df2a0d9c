import BenchCore
import Probes

#if canImport(Glibc)
    import Glibc
#endif

/// The agent's side of `AgentRequest.checkPlans`: which plans of a request the board lacks or
/// holds with other bytes than their `planHash`. Plans found intact get their mtime set to
/// now, since `device clean` keeps the plans used recently.
///
/// The hashing is the board's `sha256sum` (coreutils or busybox, which the host relied on
/// before), spawned directly, without a shell: a SHA-256 library would have grown the agent
/// by half (swift-crypto: 27.7 → 41.7 MB). A plan that vanishes between the stat and the hash
/// fails its batch with `plan-check`; the host's next session sees it missing and pushes it.
enum PlanCheck {
    /// The plan hashes the board lacks, or why the check itself failed (no `sha256sum`, a
    /// timeout): that is an error of its own, never "every plan missing".
    static func missing(_ benchmarks: [BenchmarkRequest]) -> Result<[String], AgentMessage.AgentFailure> {
        var plans: [(path: String, hash: String)] = []
        // A runner request with nothing pushed (a model already on the board) has no plan path.
        for b in benchmarks where !b.planPath.isEmpty && !plans.contains(where: { $0.path == b.planPath }) { plans.append((b.planPath, b.planHash)) }
        var found: [String: String] = [:]
        var bytes = 0
        let present = plans.map(\.path).filter { path in
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
            bytes += Int(st.st_size)
            return true
        }
        // One child per 512 plans keeps the argument list far below ARG_MAX; the timeout allows
        // 2 MB/s (a Pi Zero's SD card), plus a minute.
        var start = 0
        while start < present.count {
            let batch = Array(present[start..<min(start + 512, present.count)])
            start += batch.count
            switch HelperCommand.run(["sha256sum", "--"] + batch, timeoutSeconds: 60 + Double(bytes) / 2e6) {
            case .success(let out):
                for line in out.split(separator: "\n") {
                    let parts = line.split(separator: " ", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    found[String(parts[1].drop(while: { $0 == " " || $0 == "*" }))] = String(parts[0])
                }
            case .failure(let failure):
                return .failure(.init(code: "plan-check", message: "cannot hash the plans on the board: \(failure.description)"))
            }
        }
        var missing = Set<String>()
        for plan in plans {
            if found[plan.path] == plan.hash {
                _ = utimensat(AT_FDCWD, plan.path, nil, 0)
            } else {
                missing.insert(plan.hash)
            }
        }
        return .success(missing.sorted())
    }
}
