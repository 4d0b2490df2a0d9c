import GRDB

/// Schema history. A shipped migration is never edited: changes come as new migrations.
/// Migrations use raw SQL, not app types, so they keep meaning the same thing forever.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1: runs, devices, results, samples") { db in
            try db.execute(
                sql: """
                    CREATE TABLE run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        createdAtUnixNanoseconds INTEGER NOT NULL,
                        finishedAtUnixNanoseconds INTEGER,
                        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'partial', 'failed')),
                        profileName TEXT NOT NULL,
                        profileHash TEXT NOT NULL,
                        profileText TEXT NOT NULL,
                        hostVersion TEXT NOT NULL,
                        hostName TEXT NOT NULL
                    );
                    CREATE TABLE runDevice (
                        runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                        device TEXT NOT NULL,
                        factsJSON TEXT NOT NULL,
                        factsHash TEXT NOT NULL,
                        agentVersion TEXT NOT NULL,
                        PRIMARY KEY (runId, device)
                    );
                    CREATE TABLE result (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                        device TEXT NOT NULL,
                        benchmark TEXT NOT NULL,
                        model TEXT NOT NULL,
                        planHash TEXT NOT NULL,
                        status TEXT NOT NULL,
                        error TEXT,
                        runtime TEXT NOT NULL,
                        runtimeVersion TEXT NOT NULL,
                        settingsJSON TEXT NOT NULL,
                        startedAtUnixNanoseconds INTEGER NOT NULL,
                        loadNanoseconds INTEGER NOT NULL,
                        coldStartNanoseconds INTEGER NOT NULL,
                        peakResidentKiB INTEGER,
                        arenaBytes INTEGER NOT NULL,
                        weightBytes INTEGER NOT NULL,
                        UNIQUE (runId, device, benchmark)
                    );
                    CREATE INDEX result_by_device ON result(device, benchmark);
                    CREATE TABLE sample (
                        resultId INTEGER NOT NULL REFERENCES result(id) ON DELETE CASCADE,
                        seq INTEGER NOT NULL,
                        latencyNanoseconds INTEGER NOT NULL,
                        offsetNanoseconds INTEGER NOT NULL,
                        PRIMARY KEY (resultId, seq)
                    ) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("v2: measurement engine") { db in
            try db.execute(
                sql: """
                    ALTER TABLE result ADD COLUMN repeatsPerSample INTEGER NOT NULL DEFAULT 1;
                    ALTER TABLE result ADD COLUMN verdict TEXT;
                    ALTER TABLE result ADD COLUMN energyPerInferenceJoules REAL;
                    ALTER TABLE result ADD COLUMN detailJSON TEXT;
                    """)
        }
        m.registerMigration("v3: run plans, provenance, baselines") { db in
            try db.execute(
                sql: """
                    ALTER TABLE run ADD COLUMN runKey TEXT;
                    ALTER TABLE run ADD COLUMN planHash TEXT;
                    ALTER TABLE run ADD COLUMN optionsJSON TEXT;
                    CREATE TABLE runItem (
                        runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                        device TEXT NOT NULL,
                        benchmark TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        model TEXT NOT NULL,
                        requestJSON TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        error TEXT,
                        updatedAtUnixNanoseconds INTEGER NOT NULL,
                        PRIMARY KEY (runId, device, benchmark)
                    ) WITHOUT ROWID;
                    ALTER TABLE result ADD COLUMN hostVersion TEXT;
                    ALTER TABLE result ADD COLUMN agentVersion TEXT;
                    ALTER TABLE result ADD COLUMN factsHash TEXT;
                    ALTER TABLE result ADD COLUMN profileHash TEXT;
                    ALTER TABLE result ADD COLUMN runPlanHash TEXT;
                    CREATE TABLE baseline (
                        name TEXT PRIMARY KEY,
                        runId INTEGER NOT NULL REFERENCES run(id) ON DELETE RESTRICT,
                        createdAtUnixNanoseconds INTEGER NOT NULL
                    );
                    """)
        }
        m.registerMigration("v4: latency tables, validations, searches") { db in
            try db.execute(
                sql: """
                    CREATE TABLE latencyTable (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        device TEXT NOT NULL,
                        space TEXT NOT NULL,
                        spaceHash TEXT NOT NULL,
                        runtime TEXT NOT NULL,
                        runtimeVersion TEXT NOT NULL,
                        settingsJSON TEXT NOT NULL,
                        settingsHash TEXT NOT NULL,
                        createdAtUnixNanoseconds INTEGER NOT NULL,
                        UNIQUE (device, space, spaceHash, runtime, runtimeVersion, settingsHash)
                    );
                    CREATE TABLE tableEntry (
                        tableId INTEGER NOT NULL REFERENCES latencyTable(id) ON DELETE CASCADE,
                        blockKey TEXT NOT NULL,
                        layerJSON TEXT NOT NULL,
                        resultId INTEGER NOT NULL REFERENCES result(id) ON DELETE CASCADE,
                        count INTEGER NOT NULL,
                        meanNanoseconds REAL NOT NULL,
                        varianceNanoseconds2 REAL NOT NULL,
                        p0Nanoseconds REAL NOT NULL,
                        p10Nanoseconds REAL NOT NULL,
                        p50Nanoseconds REAL NOT NULL,
                        p90Nanoseconds REAL NOT NULL,
                        p100Nanoseconds REAL NOT NULL,
                        PRIMARY KEY (tableId, blockKey)
                    ) WITHOUT ROWID;
                    CREATE INDEX tableEntry_by_result ON tableEntry(resultId);
                    CREATE TABLE tableRun (
                        tableId INTEGER NOT NULL REFERENCES latencyTable(id) ON DELETE CASCADE,
                        runId INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                        purpose TEXT NOT NULL CHECK (purpose IN ('build', 'validate', 'search')),
                        PRIMARY KEY (tableId, runId)
                    ) WITHOUT ROWID;
                    CREATE TABLE tableReport (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        tableId INTEGER NOT NULL REFERENCES latencyTable(id) ON DELETE CASCADE,
                        kind TEXT NOT NULL CHECK (kind IN ('validation', 'correction')),
                        createdAtUnixNanoseconds INTEGER NOT NULL,
                        runId INTEGER REFERENCES run(id) ON DELETE SET NULL,
                        reportJSON TEXT NOT NULL
                    );
                    CREATE TABLE search (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        tableId INTEGER NOT NULL REFERENCES latencyTable(id) ON DELETE CASCADE,
                        createdAtUnixNanoseconds INTEGER NOT NULL,
                        configJSON TEXT NOT NULL,
                        objective TEXT NOT NULL,
                        latencyBudgetNanoseconds REAL NOT NULL,
                        winner TEXT NOT NULL,
                        objectiveValue REAL NOT NULL,
                        predictedNanoseconds REAL NOT NULL,
                        measuredNanoseconds REAL,
                        measuredResultId INTEGER REFERENCES result(id) ON DELETE SET NULL,
                        detailJSON TEXT NOT NULL
                    );
                    """)
        }
        m.registerMigration("v5: board journals dropped by the next session") { db in
            // kept: the board may hold results the host has not stored; droppable: every result
            // is stored, the next session on the board removes the journal; dropped: it did.
            try db.execute(
                sql: """
                    ALTER TABLE runDevice ADD COLUMN journal TEXT NOT NULL DEFAULT 'kept' CHECK (journal IN ('kept', 'droppable', 'dropped'));
                    """)
        }
        return m
    }
}
