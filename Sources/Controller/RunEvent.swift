/// What a run reports while it goes, for progress displays and logs. Events of different
/// devices arrive from different threads, interleaved; each names its device.
public enum RunEvent: Sendable {
    /// The run is planned (or reopened): items per device still to measure, and in all.
    case planned(runId: Int64, resumed: Bool, pending: [String: Int], total: [String: Int])
    case connecting(device: String, attempt: Int)
    /// Results the board had journalled and the host had not stored (after a lost connection
    /// or a killed host) were collected.
    case collected(device: String, stored: Int, alreadyStored: Int)
    /// Plans pushed to the board (those it lacked or held with other bytes).
    case pushed(device: String, plans: Int, present: Int)
    /// The board lock is held by someone else; repeated while waiting.
    case waitingForLock(device: String, holder: String?, sinceUnixSeconds: Int64?)
    case started(device: String, benchmark: String)
    /// A result was stored; `summary` is the one-line description.
    case stored(device: String, benchmark: String, ok: Bool, summary: String)
    case timedOut(device: String, benchmark: String, seconds: Double)
    /// The agent died while measuring `benchmark`: its item is `failed` (`--resume` measures it
    /// again) and the device goes on with the next one.
    case agentDied(device: String, benchmark: String, reason: String)
    case retrying(device: String, attempt: Int, delaySeconds: Double, reason: String)
    /// The device has nothing left to do (`failed` items were not measured).
    case deviceFinished(device: String, done: Int, failed: Int)
    case deviceFailed(device: String, reason: String)

    public var device: String? {
        switch self {
        case .planned: nil
        case .connecting(let d, _), .collected(let d, _, _), .pushed(let d, _, _), .waitingForLock(let d, _, _), .started(let d, _),
            .stored(let d, _, _, _), .timedOut(let d, _, _), .agentDied(let d, _, _), .retrying(let d, _, _, _), .deviceFinished(let d, _, _),
            .deviceFailed(let d, _):
            d
        }
    }

    /// The event as one log line.
    public var line: String {
        switch self {
        case .planned(let id, let resumed, let pending, let total):
            let parts = total.keys.sorted().map { "\($0) \(total[$0]! - (pending[$0] ?? 0))/\(total[$0]!)" }
            return "run \(id) \(resumed ? "resumed" : "planned"): \(parts.joined(separator: ", ")) done"
        case .connecting(let d, let attempt): return "\(d): connecting\(attempt > 1 ? " (attempt \(attempt))" : "")"
        case .collected(let d, let stored, let already):
            return "\(d): collected \(stored) journalled result(s) from the board\(already > 0 ? ", \(already) already stored" : "")"
        case .pushed(let d, let plans, let present): return "\(d): \(plans) plan(s) pushed, \(present) already there"
        case .waitingForLock(let d, let holder, let since):
            return "waiting for \(d), held by \(holder ?? "another process")\(since.map { " since \(Views.iso($0 * 1_000_000_000))" } ?? "")"
        case .started(let d, let b): return "\(d) \(b): started"
        case .stored(_, _, _, let summary): return summary
        case .timedOut(let d, let b, let s): return "\(d) \(b): timed out after \(Int(s)) s; the agent was killed"
        case .agentDied(let d, let b, let reason): return "\(d) \(b): not measured: \(reason)"
        case .retrying(let d, let attempt, let delay, let reason):
            return "\(d): \(reason); retry \(attempt) in \(Int(delay.rounded(.up))) s"
        case .deviceFinished(let d, let done, let failed): return "\(d): finished, \(done) done\(failed > 0 ? ", \(failed) not measured" : "")"
        case .deviceFailed(let d, let reason): return "\(d): failed: \(reason)"
        }
    }
}
