import Foundation

/// Every failure of a transport. Each description is one sentence naming the device and what to do.
public enum TransportError: Error, CustomStringConvertible, Sendable, Equatable {
    case unreachable(label: String, host: String, port: Int, reason: String)
    case hostKeyUnknown(label: String, fingerprint: String)
    case hostKeyChanged(label: String, pinned: String, actual: String)
    case hostKeyMismatch(label: String, expected: String, actual: String)
    case authenticationFailed(label: String, user: String, identity: String?, reason: String)
    /// `what` names the operation, e.g. "`uname -a`"; `seconds` is the limit that expired.
    case timedOut(label: String, what: String, seconds: Double)
    /// The SSH session or an exec channel failed (connection dropped, channel refused, ...).
    case channel(label: String, reason: String)
    case sftp(label: String, path: String, reason: String)
    /// Writing `path` on the device failed because its filesystem is full; `availableBytes` is
    /// what the filesystem reported free afterwards, when it could be asked.
    case diskFull(label: String, path: String, availableBytes: Int64?)
    /// A local operation failed (spawning a process, reading or writing a local file).
    case local(label: String, reason: String)
    /// The caller passed something unusable (empty argv, NUL byte in an argument, relative path).
    case invalidArgument(label: String, reason: String)

    public var label: String {
        switch self {
        case .unreachable(let label, _, _, _), .hostKeyUnknown(let label, _),
            .hostKeyChanged(let label, _, _), .hostKeyMismatch(let label, _, _),
            .authenticationFailed(let label, _, _, _), .timedOut(let label, _, _),
            .channel(let label, _), .sftp(let label, _, _), .diskFull(let label, _, _), .local(let label, _),
            .invalidArgument(let label, _):
            return label
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let label, let host, let port, let reason):
            return "device \(label): cannot reach \(host):\(port) (\(reason)); check the host, port and that sshd runs"
        case .hostKeyUnknown(let label, let fingerprint):
            return "device \(label): unknown host key \(fingerprint); check it, then pass --accept-new-host-key or --host-key-fingerprint \(fingerprint)"
        case .hostKeyChanged(let label, let pinned, let actual):
            return
                "device \(label): host key changed from \(pinned) to \(actual); if the board was reinstalled, re-pin it with `boardbench device enrol \(label) --accept-new-host-key` (or --host-key-fingerprint \(actual))"
        case .hostKeyMismatch(let label, let expected, let actual):
            return
                "device \(label): host key is \(actual) but --host-key-fingerprint expected \(expected); check the fingerprint on the board with `ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub`"
        case .authenticationFailed(let label, let user, let identity, let reason):
            let with = identity.map { "with identity \($0)" } ?? "with ssh-agent and the default keys"
            return "device \(label): key authentication as \(user) failed \(with) (\(reason)); check --identity and the board's authorized_keys"
        case .timedOut(let label, let what, let seconds):
            return "device \(label): \(what) timed out after \(Self.format(seconds)) s; check that the board is responsive or raise the timeout"
        case .channel(let label, let reason):
            return "device \(label): SSH channel failed (\(reason)); check the connection to the board and retry"
        case .sftp(let label, let path, let reason):
            return "device \(label): file transfer to \(path) failed (\(reason)); check free space and permissions on the board"
        case .diskFull(let label, let path, let available):
            let free = available.map { " (\($0) bytes available there)" } ?? ""
            return
                "device \(label): cannot write \(path): No space left on device\(free); free space on the board (`boardbench device clean \(label)` removes old plans and agents), then run again"
        case .local(let label, let reason):
            return "device \(label): local operation failed (\(reason)); check the host's files and permissions"
        case .invalidArgument(let label, let reason):
            return "device \(label): invalid request (\(reason)); fix the caller"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.2f", seconds)
    }
}
