import BenchCore

/// Why a plan could not be built, encoded or decoded. Every decoder failure is one of these:
/// arbitrary bytes never crash or allocate without bound.
public enum PlanError: Error, CustomStringConvertible, Sendable, Equatable, ExitStatusProviding {
    case notAPlan
    case unsupportedVersion(found: Int, supported: Int)
    case truncated(expected: Int, actual: Int)
    case checksumMismatch(section: String)
    case malformed(String)
    case invalidAttribute(key: String, reason: String)
    case invalidNode(node: String, reason: String)
    case invalidGraph(String)
    case unknownBuiltin(name: String, known: [String])

    public var description: String {
        switch self {
        case .notAPlan: "not a BoardBench plan (bad magic); compile the model with `boardbench compile`"
        case .unsupportedVersion(let found, let supported):
            "plan format version \(found) is not supported (this build reads versions 1 to \(supported)); recompile the model with the same BoardBench version as the agent"
        case .truncated(let expected, let actual) where actual > expected:
            "plan has \(actual - expected) bytes after its end: header says \(expected) bytes, file has \(actual); compile or push it again"
        case .truncated(let expected, let actual):
            "plan is truncated: header says \(expected) bytes, file has \(actual); push it again"
        case .checksumMismatch(let section): "plan section \(section) fails its CRC-32 check: the file is corrupted; push it again"
        case .malformed(let what): "malformed plan: \(what)"
        case .invalidAttribute(let key, let reason): "invalid attribute \(key): \(reason)"
        case .invalidNode(let node, let reason): "invalid node \(node): \(reason)"
        case .invalidGraph(let what): "invalid graph: \(what)"
        case .unknownBuiltin(let name, let known):
            "unknown built-in model \(name.debugDescription); known: \(known.joined(separator: ", "))"
        }
    }

    public var exitStatus: ExitStatus { .dataError }
}
