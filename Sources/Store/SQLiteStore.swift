import BenchCore
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The embedded store: one SQLite file in WAL mode, so readers (reports) never block the
/// writer (a run storing results as they arrive).
public final class SQLiteStore: ResultStore {
    public let path: String
    let db: any DatabaseWriter

    /// Opens (creating if needed, with mode 0600: results can name private hosts) and migrates.
    public init(path: String) throws(StoreError) {
        self.path = path
        if access(path, F_OK) != 0 {
            let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
            close(fd)
        }
        let lock = try Self.lockDirectory(of: path)
        defer { close(lock) }
        do {
            var config = Configuration()
            config.busyMode = .timeout(30)
            let pool = try DatabasePool(path: path, configuration: config)
            try Migrations.migrator.migrate(pool)
            db = pool
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// Holds an exclusive flock on the store's directory while it is opened and migrated (the
    /// lock goes with the returned descriptor). GRDB reads which migrations are applied outside
    /// the migrations' transactions, so two processes opening a new store at once (a run and a
    /// `results list`, two runs) would both apply one and the second would fail with "duplicate
    /// column". Not a lock on the file itself: closing another descriptor of it would drop the
    /// fcntl locks SQLite holds on it.
    private static func lockDirectory(of path: String) throws(StoreError) -> Int32 {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? "."
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: "cannot open its directory \(directory): \(String(cString: strerror(errno)))") }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(fd)
                throw .cannotOpen(path: path, reason: "cannot lock its directory \(directory): \(reason)")
            }
        }
        return fd
    }

    /// An in-memory store for tests.
    public init(inMemory: ()) throws(StoreError) {
        path = ":memory:"
        do {
            let queue = try DatabaseQueue()
            try Migrations.migrator.migrate(queue)
            db = queue
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
    }

    func writing<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try db.write(body)
        } catch let e as StoreError {
            throw e
        } catch let e as DatabaseError {
            throw .write(path: path, reason: e.description, diskFull: e.resultCode == .SQLITE_FULL)
        } catch {
            throw .write(path: path, reason: "\(error)", diskFull: false)
        }
    }

    func reading<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try db.read(body)
        } catch let e as StoreError {
            throw e
        } catch {
            throw .read(path: path, reason: "\(error)")
        }
    }

    public func beginRun(_ run: RunRecord, items: [RunItemRecord]) throws(StoreError) -> Int64 {
        try writing { db in
            var r = run
            try r.insert(db)
            for var item in items {
                item.runId = r.id!
                try item.insert(db)
            }
            return r.id!
        }
    }

    public func reopenRun(_ id: Int64) throws(StoreError) {
        try writing { db in
            guard try RunRecord.fetchOne(db, key: id) != nil else { throw StoreError.runNotFound(id) }
            try db.execute(sql: "UPDATE run SET status = 'running', finishedAtUnixNanoseconds = NULL WHERE id = ?", arguments: [id])
        }
    }

    public func recordDevice(_ device: RunDeviceRecord) throws(StoreError) {
        try writing { db in try device.upsert(db) }
    }

    public func markJournals(device: String, runKeys: [String], state: JournalState) throws(StoreError) {
        guard !runKeys.isEmpty else { return }
        try writing { db in
            for key in runKeys {
                try db.execute(
                    sql: "UPDATE runDevice SET journal = ? WHERE device = ? AND runId IN (SELECT id FROM run WHERE runKey = ?)",
                    arguments: [state.rawValue, device, key])
            }
        }
    }

    public func planHashes(device: String) throws(StoreError) -> Set<String> {
        try reading { db in Set(try String.fetchAll(db, sql: "SELECT DISTINCT planHash FROM result WHERE device = ?", arguments: [device])) }
    }

    public func journals(device: String, state: JournalState) throws(StoreError) -> [String] {
        try reading { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT run.runKey FROM runDevice JOIN run ON run.id = runDevice.runId
                    WHERE runDevice.device = ? AND runDevice.journal = ? AND run.runKey IS NOT NULL ORDER BY run.id
                    """,
                arguments: [device, state.rawValue])
        }
    }

    @discardableResult
    public func recordResult(_ result: ResultRecord, samples: [Int64], offsets: [Int64]) throws(StoreError) -> Int64? {
        try writing { db -> Int64? in
            let existing = try Int64.fetchOne(
                db, sql: "SELECT id FROM result WHERE runId = ? AND device = ? AND benchmark = ?",
                arguments: [result.runId, result.device, result.benchmark])
            if existing != nil { return nil }
            var r = result
            try r.insert(db)
            let id = r.id!
            try Self.insertSamples(db, resultId: id, samples: samples, offsets: offsets)
            try db.execute(
                sql: "UPDATE runItem SET state = 'done', error = NULL, updatedAtUnixNanoseconds = ? WHERE runId = ? AND device = ? AND benchmark = ?",
                arguments: [Self.now(), result.runId, result.device, result.benchmark])
            return id
        }
    }

    /// Rows of `sample` one INSERT statement writes: a statement per row spent most of the
    /// ingest time stepping SQLite and building arguments (Benchmarks/harness.py, "store").
    static let samplesPerStatement = 64

    static func insertSamples(_ db: Database, resultId: Int64, samples: [Int64], offsets: [Int64]) throws {
        let prefix = "INSERT INTO sample (resultId, seq, latencyNanoseconds, offsetNanoseconds) VALUES "
        let batch = samplesPerStatement
        let wide = try db.cachedStatement(sql: prefix + Array(repeating: "(?, ?, ?, ?)", count: batch).joined(separator: ", "))
        let single = try db.cachedStatement(sql: prefix + "(?, ?, ?, ?)")
        var values: [(any DatabaseValueConvertible)?] = []
        values.reserveCapacity(4 * batch)
        var start = 0
        while start < samples.count {
            // Whole batches through the wide statement, the tail row by row.
            let rows = samples.count - start >= batch ? batch : 1
            for i in start..<(start + rows) {
                values += [resultId, i, samples[i], i < offsets.count ? offsets[i] : 0]
            }
            // The arguments match the statement by construction: skip GRDB's validation.
            let statement = rows == batch ? wide : single
            statement.setUncheckedArguments(StatementArguments(values))
            try statement.execute()
            values.removeAll(keepingCapacity: true)
            start += rows
        }
    }

    public func updateItems(runId: Int64, device: String, benchmarks: [String]?, state: RunItemRecord.State, error: String?) throws(StoreError) {
        try writing { db in
            let attempt = state == .failed ? 1 : 0
            var sql = """
                UPDATE runItem SET state = ?, error = ?, attempts = attempts + ?, updatedAtUnixNanoseconds = ?
                WHERE runId = ? AND device = ? AND state != 'done'
                """
            var arguments: StatementArguments = [state.rawValue, error, attempt, Self.now(), runId, device]
            if let benchmarks {
                guard !benchmarks.isEmpty else { return }
                sql += " AND benchmark IN (\(databaseQuestionMarks(count: benchmarks.count)))"
                arguments += StatementArguments(benchmarks)
            }
            try db.execute(sql: sql, arguments: arguments)
        }
    }

    public func items(_ runId: Int64) throws(StoreError) -> [RunItemRecord] {
        try reading { db in
            try RunItemRecord.fetchAll(db, sql: "SELECT * FROM runItem WHERE runId = ? ORDER BY device, position", arguments: [runId])
        }
    }

    public func deleteRun(_ id: Int64) throws(StoreError) {
        try writing { db in
            guard try RunRecord.fetchOne(db, key: id) != nil else { throw StoreError.runNotFound(id) }
            let names = try String.fetchAll(db, sql: "SELECT name FROM baseline WHERE runId = ? ORDER BY name", arguments: [id])
            guard names.isEmpty else { throw StoreError.runIsBaseline(id, baselines: names) }
            // Samples, results, items and devices go with the run (ON DELETE CASCADE).
            try db.execute(sql: "DELETE FROM run WHERE id = ?", arguments: [id])
        }
    }

    public func saveBaseline(_ name: String, runId: Int64, at: Int64) throws(StoreError) {
        try writing { db in
            guard try RunRecord.fetchOne(db, key: runId) != nil else { throw StoreError.runNotFound(runId) }
            try BaselineRecord(name: name, runId: runId, createdAtUnixNanoseconds: at).upsert(db)
        }
    }

    public func baseline(_ name: String) throws(StoreError) -> BaselineRecord {
        try reading { db in
            guard let b = try BaselineRecord.fetchOne(db, key: name) else { throw StoreError.baselineNotFound(name) }
            return b
        }
    }

    public func baselines() throws(StoreError) -> [BaselineRecord] {
        try reading { db in try BaselineRecord.order(Column("name")).fetchAll(db) }
    }

    public func deleteBaseline(_ name: String) throws(StoreError) {
        try writing { db in
            guard try BaselineRecord.deleteOne(db, key: name) else { throw StoreError.baselineNotFound(name) }
        }
    }

    static func now() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    public func finishRun(_ id: Int64, status: String, at: Int64) throws(StoreError) {
        try writing { db in
            try db.execute(sql: "UPDATE run SET status = ?, finishedAtUnixNanoseconds = ? WHERE id = ?", arguments: [status, at, id])
        }
    }

    public func runs() throws(StoreError) -> [RunSummary] {
        try reading { db in
            try RunRecord.order(RunRecord.Columns.id.desc).fetchAll(db).map { try Self.summarize($0, db) }
        }
    }

    public func summary(_ id: Int64) throws(StoreError) -> RunSummary {
        try reading { db in
            guard let run = try RunRecord.fetchOne(db, key: id) else { throw StoreError.runNotFound(id) }
            return try Self.summarize(run, db)
        }
    }

    private static func summarize(_ run: RunRecord, _ db: Database) throws -> RunSummary {
        let devices = try String.fetchAll(db, sql: "SELECT device FROM runDevice WHERE runId = ? ORDER BY device", arguments: [run.id])
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM result WHERE runId = ?", arguments: [run.id]) ?? 0
        let failed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM result WHERE runId = ? AND status != 'ok'", arguments: [run.id]) ?? 0
        return RunSummary(run: run, devices: devices, resultCount: total, failedCount: failed)
    }

    public func run(_ id: Int64) throws(StoreError) -> RunDetail {
        try reading { db in
            guard let run = try RunRecord.fetchOne(db, key: id) else { throw StoreError.runNotFound(id) }
            let devices = try RunDeviceRecord.fetchAll(db, sql: "SELECT * FROM runDevice WHERE runId = ? ORDER BY device", arguments: [id])
            let records = try ResultRecord.fetchAll(db, sql: "SELECT * FROM result WHERE runId = ? ORDER BY id", arguments: [id])
            let results = try records.map { record in
                var latencies: [Int64] = [], offsets: [Int64] = []
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT latencyNanoseconds, offsetNanoseconds FROM sample WHERE resultId = ? ORDER BY seq", arguments: [record.id])
                while let row = try rows.next() {
                    latencies.append(row[0])
                    offsets.append(row[1])
                }
                return StoredResult(record: record, samplesNanoseconds: latencies, offsetsNanoseconds: offsets)
            }
            let items = try RunItemRecord.fetchAll(db, sql: "SELECT * FROM runItem WHERE runId = ? ORDER BY device, position", arguments: [id])
            return RunDetail(run: run, devices: devices, results: results, items: items)
        }
    }
}
