/// Every exit status the `boardbench` command can return, in one place.
///
/// The values follow BSD `sysexits.h` where a category fits, so shell scripts can tell
/// "your input is wrong" from "the board is down" without parsing messages.
/// docs/formats.md lists them; the CLI maps each error to one of these.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Everything asked for was done.
    case success = 0
    /// An unexpected failure inside BoardBench (a bug, or an error no other case covers).
    case failure = 1
    /// `compare` found a regression beyond the threshold.
    case regression = 2
    /// The run finished, but at least one benchmark failed, timed out or was unsupported.
    case partialRun = 3
    /// Bad command-line usage (unknown flag, missing argument).
    case usage = 64
    /// Malformed input: a profile, device file, model or plan that does not parse or validate.
    case dataError = 65
    /// A named input file or device does not exist.
    case noInput = 66
    /// The device cannot be reached (connection refused, timeout, name does not resolve).
    case unavailable = 69
    /// An output file, the store, or an upload to the board could not be written (disk full,
    /// permission denied).
    case ioError = 74
    /// The board is busy (lock held by someone else) past `--lock-timeout`.
    case temporaryFailure = 75
    /// The agent spoke a protocol the host does not understand, or broke it mid-run.
    case protocolError = 76
    /// Refused for security: unknown or changed host key, or key authentication failed.
    case permissionDenied = 77
    /// The configuration cannot work: no agent for the board's architecture, missing
    /// C libraries on the board, a device that is not enrolled.
    case configuration = 78

    public var summary: String {
        switch self {
        case .success: "success"
        case .failure: "unexpected failure"
        case .regression: "regression beyond threshold"
        case .partialRun: "run finished with failed benchmarks"
        case .usage: "bad command-line usage"
        case .dataError: "malformed input (profile, device file, model or plan)"
        case .noInput: "input file or device not found"
        case .unavailable: "device unreachable"
        case .ioError: "could not write output or store"
        case .temporaryFailure: "board busy (lock timeout)"
        case .protocolError: "agent protocol error"
        case .permissionDenied: "host key refused or authentication failed"
        case .configuration: "configuration cannot work (agent, libraries, enrolment)"
        }
    }
}

/// An error that knows which exit status it deserves.
public protocol ExitStatusProviding: Error {
    var exitStatus: ExitStatus { get }
}
