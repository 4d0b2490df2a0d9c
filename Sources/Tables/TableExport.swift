import Foundation
import Spaces

/// What `table export` writes. docs/formats.md ("Latency table exports") documents each.
public enum TableExportFormat: String, CaseIterable, Sendable {
    /// BoardBench's own document (`TableExportDocument`), milliseconds.
    case json
    /// One row per entry, RFC 4180.
    case csv
    /// Once-for-All / ProxylessNAS lookup tables, one `<R>_lookup_table.yaml` per resolution.
    case ofaYAML = "ofa-yaml"
    /// FBNet's runtime LUT records (mobile-vision `runtime_lut`), one JSON object per line.
    case fbnetJSONL = "fbnet-jsonl"

    /// Whether the export is a directory of files (one per resolution) rather than one file.
    public var writesDirectory: Bool { self == .ofaYAML }
}

/// One file of an export.
public struct ExportedFile: Sendable, Equatable {
    /// ofa-yaml: the name OFA's `LatencyTable` loads (`224_lookup_table.yaml`), relative to the
    /// output directory. Single-file formats: a suggested name; `table export -o` writes them
    /// to the path given.
    public var name: String
    public var contents: String
    /// Entries (keys, rows, lines) written.
    public var entryCount: Int
    /// ofa-yaml: the input resolution the file is for; nil for whole-table files.
    public var resolution: Int?
    /// ofa-yaml: table keys of blocks an architecture at this resolution can use that the
    /// table lacks; their OFA keys are left out of the file.
    public var missing: [String]

    public init(name: String, contents: String, entryCount: Int, resolution: Int? = nil, missing: [String] = []) {
        self.name = name
        self.contents = contents
        self.entryCount = entryCount
        self.resolution = resolution
        self.missing = missing
    }
}

public enum TableExporter {
    /// `table` in `format`. `space` must be the table's space: the OFA export enumerates its
    /// blocks per resolution (`SpaceCompiler.uniqueLayers`).
    public static func export(_ table: LatencyTable, space: SearchSpace, format: TableExportFormat) throws(TableError) -> [ExportedFile] {
        guard table.record.space == space.name else {
            throw .invalidArgument("table \(table.id) is a table of space \(table.record.space), not \(space.name)")
        }
        for e in table.entries.values {
            let values = [e.mean, e.variance, e.p0, e.p10, e.p50, e.p90, e.p100]
            guard values.allSatisfy(\.isFinite) else { throw .corrupt("table \(table.id) entry \(e.key) has a statistic that is not a finite number") }
        }
        switch format {
        case .json: return [try json(table)]
        case .csv: return [csv(table)]
        case .ofaYAML: return try ofaYAML(table, space: space)
        case .fbnetJSONL: return [fbnetJSONL(table)]
        }
    }

    /// The milliseconds of a duration in nanoseconds.
    static func milliseconds(_ nanoseconds: Double) -> Double { nanoseconds / 1e6 }
    /// The square milliseconds of a variance in square nanoseconds.
    static func milliseconds2(_ nanoseconds2: Double) -> Double { nanoseconds2 / 1e12 }
}
