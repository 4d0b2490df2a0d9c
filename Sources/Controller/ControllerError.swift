import BenchCore
import Transport

/// Failures of host-side orchestration. Each message names what went wrong and what to do.
public enum ControllerError: Error, CustomStringConvertible, Sendable, ExitStatusProviding {
    case deviceNotEnrolled(name: String, path: String)
    case deviceFile(path: String, reason: String)
    case profile(path: String, reason: String)
    /// A model that cannot be compiled (unsupported ops, malformed file).
    case model(path: String, reason: String)
    case fileNotFound(path: String, what: String)
    case agentNotFound(searched: [String])
    case agentArchitecture(device: String, board: String, agent: String, path: String)
    case agentMissingLibraries(device: String, missing: [RequiredLibrary])
    case glibcTooOld(device: String, board: String, needed: String)
    /// The SSH user logs in but cannot run plain commands (no shell, no home directory).
    case accountUnusable(device: String, reason: String)
    case agentProtocol(device: String, reason: String)
    case agentFailed(device: String, reason: String)
    /// The agent process ended before saying `done`: killed (a signal: 128 + its number), crashed
    /// or exited. `stderr` is what it printed last.
    case agentExited(device: String, status: Int32, stderr: String)
    case transport(TransportError)
    case invalidArgument(String)
    case output(path: String, reason: String)
    /// The board lock stayed held past `--lock-timeout`.
    case boardBusy(device: String, reason: String)
    /// The agent went silent for `seconds` (missed heartbeats): the network or the board is gone.
    case connectionLost(device: String, seconds: Double)
    /// `run --resume` cannot continue this run as it was planned.
    case resume(runId: Int64, reason: String)

    public var description: String {
        switch self {
        case .deviceNotEnrolled(let name, let path):
            "device \(name) is not enrolled (no \(path)); run `boardbench device enrol \(name) --host HOST` or `--local`"
        case .deviceFile(let path, let reason): "\(path): \(reason)"
        case .profile(let path, let reason): "\(path): \(reason)"
        case .model(let path, let reason): "cannot compile \(path): \(reason)"
        case .fileNotFound(let path, let what): "\(what) \(path) does not exist"
        case .agentNotFound(let searched):
            "no boardbench-agent found (looked at: \(searched.joined(separator: ", "))); build it with `swift build -c release --product boardbench-agent --static-swift-stdlib` and pass --agent PATH or set BOARDBENCH_AGENT"
        case .agentArchitecture(let device, let board, let agent, let path):
            "\(device) is \(board) but the agent at \(path) is built for \(agent): build one for \(board) as docs/cross-build.md says and pass --agent PATH"
        case .agentMissingLibraries(let device, let missing):
            "\(missing.map(\.soname).joined(separator: ", ")) missing on \(device): sudo apt-get install \(missing.map(\.debianPackage).joined(separator: " "))"
        case .glibcTooOld(let device, let board, let needed):
            "\(device) has glibc \(board) but the agent needs at least \(needed): build the agent against an older sysroot (docs/cross-build.md)"
        case .accountUnusable(let device, let reason):
            "device \(device): the SSH user logs in but cannot run commands (\(reason)); give the account a shell and a home directory, or enrol with another --user"
        case .agentProtocol(let device, let reason): "device \(device): the agent broke the protocol: \(reason)"
        case .agentFailed(let device, let reason): "device \(device): the agent failed: \(reason)"
        case .agentExited(let device, let status, let stderr):
            "device \(device): the agent \(Self.describeExit(status)) before finishing\(stderr.isEmpty ? "" : ": \(stderr.prefix(500))")"
        case .transport(let e): e.description
        case .invalidArgument(let what): what
        case .output(let path, let reason): "cannot write \(path): \(reason)"
        case .boardBusy(let device, let reason):
            "device \(device) is busy: \(reason); wait, raise --lock-timeout, or resume the run later with `boardbench run --resume RUN_ID`"
        case .connectionLost(let device, let seconds):
            "device \(device): no heartbeat for \(Int(seconds)) s, the connection or the board is gone; check the network, then `boardbench run --resume RUN_ID`"
        case .resume(let runId, let reason): "cannot resume run \(runId): \(reason)"
        }
    }

    /// "was killed by signal 9 (SIGKILL)" for 128 + a signal number (how sshd and the shell
    /// report a killed command), "exited with status N" otherwise.
    static func describeExit(_ status: Int32) -> String {
        let names: [Int32: String] = [
            1: "SIGHUP", 2: "SIGINT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 11: "SIGSEGV",
            13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
        ]
        guard status > 128, status <= 128 + 64 else { return "exited with status \(status)" }
        let signal = status - 128
        return "was killed by signal \(signal)\(names[signal].map { " (\($0))" } ?? "")"
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .deviceNotEnrolled, .fileNotFound: .noInput
        case .deviceFile, .profile, .model: .dataError
        case .agentNotFound, .agentArchitecture, .agentMissingLibraries, .glibcTooOld, .accountUnusable: .configuration
        case .agentProtocol: .protocolError
        case .agentFailed, .agentExited: .failure
        case .transport(let e): e.exitStatus
        case .invalidArgument: .usage
        case .output: .ioError
        case .boardBusy: .temporaryFailure
        case .connectionLost: .unavailable
        case .resume: .dataError
        }
    }
}

extension TransportError: ExitStatusProviding {
    public var exitStatus: ExitStatus {
        switch self {
        case .unreachable: .unavailable
        case .hostKeyUnknown, .hostKeyChanged, .hostKeyMismatch, .authenticationFailed: .permissionDenied
        case .timedOut: .unavailable
        // The board's workdir could not be written: full, read-only or not permitted.
        case .sftp, .diskFull: .ioError
        default: .failure
        }
    }
}
