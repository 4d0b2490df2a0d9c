import ArgumentParser
import Controller
import Logging
import Store

/// Flags every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(help: "SQLite store (default ./boardbench.sqlite, or BOARDBENCH_DB).")
    var db: String?

    @Option(help: "Directory holding Devices/, Profiles/ and Reports/.")
    var workspace: String = "."

    @Flag(name: .shortAndLong, help: "Only errors on stderr.")
    var quiet = false

    var resolved: Workspace { Workspace(root: workspace, databasePath: db) }

    func logger() -> Logger {
        LoggingSetup.bootstrapOnce()
        var l = Logger(label: "boardbench")
        l.logLevel = quiet ? .error : .info
        return l
    }

    func openStore() throws -> SQLiteStore {
        try run { () throws(StoreError) in try SQLiteStore(path: resolved.databasePath) }
    }
}
