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
/// by half (swift-crypto: 27.7 → 41.7 MB).
enum PlanCheck {
    static func missing(_ benchmarks: [BenchmarkRequest]) -> [String] {
        var plans: [(path: String, hash: String)] = []
        for b in benchmarks where !plans.contains(where: { $0.path == b.planPath }) { plans.append((b.planPath, b.planHash)) }
        var found: [String: String] = [:]
        var bytes = 0
        let present = plans.map(\.path).filter { path in
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
            bytes += Int(st.st_size)
            return true
        }
        // One child per 512 plans keeps the argument list far below ARG_MAX; a board hashes
        // 20 MB/s or more, so the timeout scales with the bytes.
        var start = 0
        while start < present.count {
            let batch = Array(present[start..<min(start + 512, present.count)])
            start += batch.count
            // A plan removed meanwhile fails the whole batch: its plans count as missing and
            // are pushed again, which is correct, only slower.
            if case .success(let out) = HelperCommand.run(["sha256sum", "--"] + batch, timeoutSeconds: 30 + Double(bytes) / 20e6) {
                for line in out.split(separator: "\n") {
                    let parts = line.split(separator: " ", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    found[String(parts[1].drop(while: { $0 == " " || $0 == "*" }))] = String(parts[0])
                }
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
        return missing.sorted()
    }
}
