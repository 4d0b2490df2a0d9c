import BenchCore

public enum StoreError: Error, CustomStringConvertible, Sendable, ExitStatusProviding {
    case cannotOpen(path: String, reason: String)
    case write(path: String, reason: String, diskFull: Bool)
    case read(path: String, reason: String)
    case runNotFound(Int64)
    case corrupt(path: String, reason: String)
    case baselineNotFound(String)
    /// `results delete` on a run that baselines still name.
    case runIsBaseline(Int64, baselines: [String])

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open the store \(path): \(reason); check the path (--db or BOARDBENCH_DB) and its permissions"
        case .write(let path, let reason, let diskFull):
            diskFull
                ? "the store \(path) is full (disk full): \(reason); free space, then resume the run: results stored so far are kept"
                : "cannot write to the store \(path): \(reason)"
        case .read(let path, let reason): "cannot read the store \(path): \(reason)"
        case .runNotFound(let id): "no run \(id) in the store; `boardbench results list` shows the runs"
        case .corrupt(let path, let reason): "the store \(path) holds data this version cannot read: \(reason)"
        case .baselineNotFound(let name): "no baseline named \(name); `boardbench baseline list` shows them, `baseline save NAME RUN_ID` makes one"
        case .runIsBaseline(let id, let names):
            "run \(id) is the baseline \(names.joined(separator: ", ")); move or delete the baseline first (`boardbench baseline save NAME OTHER_RUN` or `baseline delete NAME`)"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .cannotOpen, .write, .read: .ioError
        case .runNotFound, .baselineNotFound: .noInput
        case .runIsBaseline: .usage
        case .corrupt: .dataError
        }
    }
}
