import BenchCore
import Foundation
import Spaces
import Store

/// A layer as a table stores it (`tableEntry.layerJSON`): `ResolvedLayer` in a stable,
/// documented JSON form, so exporters can spell keys without recompiling anything.
public struct TableLayer: Codable, Sendable, Equatable {
    /// Name of the first layer that had this block (`stage2.block1`).
    public var name: String
    public var kind: String
    /// [C, H, W] for images, [T, D] for tokens, [F] for features (one sample).
    public var input: [Int]
    public var output: [Int]
    public var kernel: Int
    public var stride: Int
    public var middle: Int
    public var expandRatio: Double
    public var seChannels: Int
    public var heads: Int
    public var activation: String
    public var identitySkip: Bool
    public var bias: Bool

    public init(_ layer: ResolvedLayer) {
        name = layer.name
        kind = layer.kind.rawValue
        input = layer.input
        output = layer.output
        kernel = layer.kernel
        stride = layer.stride
        middle = layer.middle
        expandRatio = layer.expandRatio
        seChannels = layer.seChannels
        heads = layer.heads
        activation = layer.activation.rawValue
        identitySkip = layer.identitySkip
        bias = layer.bias
    }
}

/// A latency table in memory: its identity and its entries by block key.
public struct LatencyTable: Sendable {
    /// One measured block; times per execution, in nanoseconds.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var layer: TableLayer
        public var resultId: Int64
        public var count: Int
        public var mean: Double
        public var variance: Double
        public var p0: Double
        public var p10: Double
        public var p50: Double
        public var p90: Double
        public var p100: Double
    }

    public var record: LatencyTableRecord
    public var entries: [String: Entry]

    public var id: Int64 { record.id ?? 0 }

    public init(record: LatencyTableRecord, entries: [TableEntryRecord]) throws(TableError) {
        self.record = record
        var byKey: [String: Entry] = [:]
        for e in entries {
            guard let layer = try? JSONDecoder().decode(TableLayer.self, from: Data(e.layerJSON.utf8)) else {
                throw .corrupt("table \(record.id ?? 0) entry \(e.blockKey) has an unreadable layer description")
            }
            byKey[e.blockKey] = Entry(
                key: e.blockKey, layer: layer, resultId: e.resultId, count: e.count, mean: e.meanNanoseconds, variance: e.varianceNanoseconds2,
                p0: e.p0Nanoseconds, p10: e.p10Nanoseconds, p50: e.p50Nanoseconds, p90: e.p90Nanoseconds, p100: e.p100Nanoseconds)
        }
        self.entries = byKey
    }

    /// Entries in a stable order (by key).
    public var sortedEntries: [Entry] { entries.keys.sorted().map { entries[$0]! } }

    /// The entry's statistics from a result's per-execution samples.
    static func entry(tableId: Int64, layer: TableLayer, key: String, resultId: Int64, samples: [Int64]) throws(TableError) -> TableEntryRecord? {
        guard !samples.isEmpty else { return nil }
        let values = samples.map(Double.init).sorted()
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.count > 1 ? values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1) : 0
        func p(_ q: Double) -> Double { Statistics.percentile(values, q) }
        let json = try TableContext.json(layer)
        return TableEntryRecord(
            tableId: tableId, blockKey: key, layerJSON: json, resultId: resultId, count: values.count, meanNanoseconds: mean,
            varianceNanoseconds2: variance, p0Nanoseconds: values.first!, p10Nanoseconds: p(10), p50Nanoseconds: p(50), p90Nanoseconds: p(90),
            p100Nanoseconds: values.last!)
    }
}
