import BenchCore
import GRDB

/// What latency tables need from storage (store v4). docs/formats.md, "Latency tables".
public protocol TableStore: Sendable {
    /// The table with exactly this identity, created when missing.
    func latencyTable(matching table: LatencyTableRecord) throws(StoreError) -> LatencyTableRecord
    /// Every table, newest first; filtered by device and space when given.
    func latencyTables(device: String?, space: String?) throws(StoreError) -> [LatencyTableRecord]
    func linkRun(tableId: Int64, runId: Int64, purpose: String) throws(StoreError)
    func tableRuns(tableId: Int64) throws(StoreError) -> [TableRunRecord]
    /// Inserts or replaces entries (one transaction).
    func saveEntries(_ entries: [TableEntryRecord]) throws(StoreError)
    func entries(tableId: Int64) throws(StoreError) -> [TableEntryRecord]
    @discardableResult
    func saveReport(_ report: TableReportRecord) throws(StoreError) -> Int64
    /// Reports of one kind, newest first.
    func reports(tableId: Int64, kind: String) throws(StoreError) -> [TableReportRecord]
    @discardableResult
    func saveSearch(_ search: SearchRecord) throws(StoreError) -> Int64
    /// Searches, newest first; of one table when given.
    func searches(tableId: Int64?) throws(StoreError) -> [SearchRecord]
    /// The ok results of a run with their samples (no failed ones), for turning into entries.
    func okResults(runId: Int64) throws(StoreError) -> [StoredResult]
}

extension SQLiteStore: TableStore {
    public func latencyTable(matching table: LatencyTableRecord) throws(StoreError) -> LatencyTableRecord {
        try writing { db in
            let existing = try LatencyTableRecord.fetchOne(
                db,
                sql: """
                    SELECT * FROM latencyTable WHERE device = ? AND space = ? AND spaceHash = ? AND runtime = ?
                    AND runtimeVersion = ? AND settingsHash = ?
                    """,
                arguments: [table.device, table.space, table.spaceHash, table.runtime, table.runtimeVersion, table.settingsHash])
            if let existing { return existing }
            var created = table
            created.id = nil
            try created.insert(db)
            return created
        }
    }

    public func latencyTables(device: String?, space: String?) throws(StoreError) -> [LatencyTableRecord] {
        try reading { db in
            var request = LatencyTableRecord.order(Column("id").desc)
            if let device { request = request.filter(Column("device") == device) }
            if let space { request = request.filter(Column("space") == space) }
            return try request.fetchAll(db)
        }
    }

    public func linkRun(tableId: Int64, runId: Int64, purpose: String) throws(StoreError) {
        try writing { db in try TableRunRecord(tableId: tableId, runId: runId, purpose: purpose).insert(db, onConflict: .replace) }
    }

    public func tableRuns(tableId: Int64) throws(StoreError) -> [TableRunRecord] {
        try reading { db in try TableRunRecord.filter(Column("tableId") == tableId).order(Column("runId")).fetchAll(db) }
    }

    public func saveEntries(_ entries: [TableEntryRecord]) throws(StoreError) {
        try writing { db in for e in entries { try e.insert(db, onConflict: .replace) } }
    }

    public func entries(tableId: Int64) throws(StoreError) -> [TableEntryRecord] {
        try reading { db in try TableEntryRecord.filter(Column("tableId") == tableId).order(Column("blockKey")).fetchAll(db) }
    }

    public func saveReport(_ report: TableReportRecord) throws(StoreError) -> Int64 {
        try writing { db in
            var r = report
            try r.insert(db)
            return r.id!
        }
    }

    public func reports(tableId: Int64, kind: String) throws(StoreError) -> [TableReportRecord] {
        try reading { db in
            try TableReportRecord.filter(Column("tableId") == tableId && Column("kind") == kind).order(Column("id").desc).fetchAll(db)
        }
    }

    public func saveSearch(_ search: SearchRecord) throws(StoreError) -> Int64 {
        try writing { db in
            var s = search
            try s.insert(db)
            return s.id!
        }
    }

    public func searches(tableId: Int64?) throws(StoreError) -> [SearchRecord] {
        try reading { db in
            var request = SearchRecord.order(Column("id").desc)
            if let tableId { request = request.filter(Column("tableId") == tableId) }
            return try request.fetchAll(db)
        }
    }

    public func okResults(runId: Int64) throws(StoreError) -> [StoredResult] {
        try reading { db in
            let records = try ResultRecord.filter(Column("runId") == runId && Column("status") == "ok").order(Column("id")).fetchAll(db)
            return try records.map { r in
                let rows = try Row.fetchAll(
                    db, sql: "SELECT latencyNanoseconds, offsetNanoseconds FROM sample WHERE resultId = ? ORDER BY seq", arguments: [r.id])
                return StoredResult(record: r, samplesNanoseconds: rows.map { $0[0] }, offsetsNanoseconds: rows.map { $0[1] })
            }
        }
    }
}
