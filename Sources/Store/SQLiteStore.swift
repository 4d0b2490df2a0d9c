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

    public func beginRun(_ run: RunRecord) throws(StoreError) -> Int64 {
        try writing { db in
            var r = run
            try r.insert(db)
            return r.id!
        }
    }

    public func recordDevice(_ device: RunDeviceRecord) throws(StoreError) {
        try writing { db in try device.upsert(db) }
    }

    @discardableResult
    public func recordResult(_ result: ResultRecord, samples: [Int64], offsets: [Int64]) throws(StoreError) -> Int64 {
        try writing { db in
            var r = result
            try r.insert(db)
            let id = r.id!
            let statement = try db.makeStatement(sql: "INSERT INTO sample (resultId, seq, latencyNanoseconds, offsetNanoseconds) VALUES (?, ?, ?, ?)")
            for (i, latency) in samples.enumerated() {
                try statement.execute(arguments: [id, i, latency, i < offsets.count ? offsets[i] : 0])
            }
            return id
        }
    }

    public func finishRun(_ id: Int64, status: String, at: Int64) throws(StoreError) {
        try writing { db in
            try db.execute(sql: "UPDATE run SET status = ?, finishedAtUnixNanoseconds = ? WHERE id = ?", arguments: [status, at, id])
        }
    }

    public func runs() throws(StoreError) -> [RunSummary] {
        try reading { db in
            let runs = try RunRecord.order(RunRecord.Columns.id.desc).fetchAll(db)
            return try runs.map { run in
                let devices = try String.fetchAll(db, sql: "SELECT device FROM runDevice WHERE runId = ? ORDER BY device", arguments: [run.id])
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM result WHERE runId = ?", arguments: [run.id]) ?? 0
                let failed = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM result WHERE runId = ? AND status != 'ok'", arguments: [run.id]) ?? 0
                return RunSummary(run: run, devices: devices, resultCount: total, failedCount: failed)
            }
        }
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
            return RunDetail(run: run, devices: devices, results: results)
        }
    }
}
