import BenchCore
import Controller
import Spaces
import Store

public enum TableError: Error, CustomStringConvertible, Sendable, ExitStatusProviding {
    /// A run, a device or the store failed (its own message and exit status).
    case controller(ControllerError)
    case space(path: String, reason: String)
    /// No table for this device, space and settings yet.
    case noTable(device: String, space: String, known: [String])
    /// Stored data cannot be read back.
    case corrupt(String)
    /// The architecture needs blocks the table does not have.
    case missingBlocks(arch: String, keys: [String])
    /// The board measured with a runtime other than the table's: its entries would mix runtimes.
    case runtimeMismatch(table: String, measured: String)
    case invalidArgument(String)
    /// A search or validation could not produce what it promised (all measurements failed...).
    case failed(String)
    /// A build stopped part-way because of the device; what it measured is stored.
    case incomplete(measured: Int, of: Int, cause: ControllerError)

    public var description: String {
        switch self {
        case .controller(let e): e.description
        case .space(let path, let reason): "\(path): \(reason)"
        case .noTable(let device, let space, let known):
            "no latency table of \(space) for \(device) with these settings; build one with `boardbench table build --space \(space) --device \(device)`"
                + (known.isEmpty ? "" : " (tables of this device and space exist for: \(known.joined(separator: "; ")))")
        case .corrupt(let what): "the store holds a table this version cannot read: \(what)"
        case .missingBlocks(let arch, let keys):
            "the table has no entry for \(keys.count) block(s) of \(arch): \(keys.prefix(3).joined(separator: ", "))\(keys.count > 3 ? ", ..." : ""); "
                + "build the table at that resolution (`table build --resolutions ...`)"
        case .runtimeMismatch(let table, let measured):
            "the board measured with runtime \(measured) but the table is for \(table); update the agent (the host pushes its own) and build again"
        case .invalidArgument(let what): what
        case .failed(let what): what
        case .incomplete(let measured, let total, let cause):
            "\(cause.description); \(measured) of \(total) blocks were measured and are stored; run the same command again to measure the rest"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .controller(let e): e.exitStatus
        case .space, .corrupt: .dataError
        case .noTable: .noInput
        case .missingBlocks: .dataError
        case .runtimeMismatch: .configuration
        case .invalidArgument: .usage
        case .failed: .failure
        case .incomplete(_, _, let cause): cause.exitStatus
        }
    }
}

extension Workspace {
    /// A table-store operation, its failure reported like any store failure (exit 74).
    func tables<T>(_ body: () throws(StoreError) -> T) throws(TableError) -> T {
        do { return try body() } catch { throw .controller(.output(path: databasePath, reason: error.description)) }
    }
}
