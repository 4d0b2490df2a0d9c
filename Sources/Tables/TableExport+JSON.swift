import BenchCore
import Foundation

/// The `json` export: a latency table with its identity, times in milliseconds. Field by field
/// in docs/formats.md ("Latency table exports").
public struct TableExportDocument: Codable, Sendable, Equatable {
    public static let formatName = "boardbench-latency-table"
    public static let currentVersion = 1

    /// Which table: device, space (and the SHA-256 of its file), runtime and settings.
    public struct Identity: Codable, Sendable, Equatable {
        public var id: Int64
        public var device: String
        public var space: String
        public var spaceHash: String
        public var runtime: String
        public var runtimeVersion: String
        public var settings: MeasurementSettings
    }

    /// One measured block, per execution.
    public struct Entry: Codable, Sendable, Equatable {
        /// `ResolvedLayer.tableKey`, as `predict --json` prints in `layers[].key`.
        public var key: String
        public var layer: TableLayer
        /// Samples the statistics come from.
        public var count: Int
        public var mean: Double
        /// Sample variance (n - 1), square milliseconds.
        public var variance: Double
        public var p0: Double
        public var p10: Double
        public var p50: Double
        public var p90: Double
        public var p100: Double

        enum CodingKeys: String, CodingKey {
            case key, layer, count, mean, p0, p10, p50, p90, p100
            case variance = "var"
        }
    }

    /// `boardbench-latency-table`.
    public var format: String
    public var version: Int
    public var table: Identity
    /// `ms`: every time below is milliseconds (variances square milliseconds).
    public var unit: String
    /// Sorted by key.
    public var entries: [Entry]
}

extension TableExporter {
    public static func document(_ table: LatencyTable) throws(TableError) -> TableExportDocument {
        let r = table.record
        guard let settings = try? JSONDecoder().decode(MeasurementSettings.self, from: Data(r.settingsJSON.utf8)) else {
            throw .corrupt("table \(table.id) has unreadable measurement settings")
        }
        let entries = table.sortedEntries.map { e in
            TableExportDocument.Entry(
                key: e.key, layer: e.layer, count: e.count, mean: milliseconds(e.mean), variance: milliseconds2(e.variance), p0: milliseconds(e.p0),
                p10: milliseconds(e.p10), p50: milliseconds(e.p50), p90: milliseconds(e.p90), p100: milliseconds(e.p100))
        }
        return TableExportDocument(
            format: TableExportDocument.formatName, version: TableExportDocument.currentVersion,
            table: .init(
                id: table.id, device: r.device, space: r.space, spaceHash: r.spaceHash, runtime: r.runtime, runtimeVersion: r.runtimeVersion,
                settings: settings),
            unit: "ms", entries: entries)
    }

    static func json(_ table: LatencyTable) throws(TableError) -> ExportedFile {
        let doc = try document(table)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do { data = try encoder.encode(doc) } catch { throw .corrupt("table \(table.id) cannot be written as JSON: \(error)") }
        return ExportedFile(
            name: "\(fileStem(table))-latency-table.json", contents: String(decoding: data, as: UTF8.self) + "\n", entryCount: doc.entries.count)
    }

    /// `DEVICE-SPACE`, the stem of suggested file names.
    static func fileStem(_ table: LatencyTable) -> String { "\(table.record.device)-\(table.record.space)" }
}
