import Foundation
import ModelPlan
import Spaces
import Store
import Testing

@testable import Tables

/// The predictor, its statistics and the correction fit, on tables built in memory.
@Suite struct PredictorTests {
    /// A table of `space` at `resolutions` whose every block takes (MACs / 1000 + 10 000) ns
    /// with samples spread ±10% around that, so sums are known exactly.
    static func table(_ space: SearchSpace, resolutions: [Int], drop: Set<String> = []) throws -> LatencyTable {
        let layers = try SpaceCompiler.uniqueLayers(of: space, resolutions: resolutions)
        var entries: [TableEntryRecord] = []
        for (i, layer) in layers.enumerated() where !drop.contains(layer.tableKey) {
            let center = Double(ArchitectureCost.of(layer).macs) / 1000 + 10_000
            let samples = [0.9, 1.0, 1.1].map { Int64(center * $0) }
            entries.append(
                try #require(try LatencyTable.entry(tableId: 1, layer: TableLayer(layer), key: layer.tableKey, resultId: Int64(i + 1), samples: samples)))
        }
        let record = LatencyTableRecord(
            id: 1, device: "pi", space: space.name, spaceHash: "h", runtime: "builtin", runtimeVersion: "builtin-4", settingsJSON: "{}",
            settingsHash: "s", createdAtUnixNanoseconds: 0)
        return try LatencyTable(record: record, entries: entries)
    }

    @Test func predictionIsTheSumOfBlockMediansWithVariances() throws {
        let space = try ShippedSpaces.space("ofa-mbv3")
        let table = try Self.table(space, resolutions: [160])
        let arch = space.extremeArchitecture(.largest, resolution: 160)
        let layers = try SpaceCompiler.layers(for: arch, in: space)
        let p = try table.predict(arch, in: space)
        let expected = layers.map { Double(Int64(Double(ArchitectureCost.of($0).macs) / 1000 + 10_000)) }.reduce(0, +)
        #expect(p.missing.isEmpty && p.layers.count == layers.count)
        #expect(abs(p.nanoseconds - expected) <= 1e-9 * expected)
        // Each block's samples are 0.9c, c, 1.1c: variance (0.1c)^2, so the spread is sqrt(sum).
        let variance = layers.map { l -> Double in
            let c = Double(ArchitectureCost.of(l).macs) / 1000 + 10_000
            let s = [0.9, 1.0, 1.1].map { Double(Int64(c * $0)) }
            let m = s.reduce(0, +) / 3
            return s.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 2
        }.reduce(0, +)
        #expect(abs(p.uncertaintyNanoseconds - variance.squareRoot()) <= 1e-6 * variance.squareRoot())
        #expect(p.correctedNanoseconds == nil)
        let c = Correction(
            interceptNanoseconds: 1000, slope: 1.1, perLayerNanoseconds: 50, perParameterNanoseconds: 0.002, calibrationCount: 9, calibrationSeed: 1)
        let corrected = try table.predict(arch, in: space, correction: c)
        let parameters = ArchitectureCost(layers: layers).parameters
        #expect(p.parameters == parameters)
        #expect(corrected.correctedNanoseconds == 1000 + 1.1 * p.nanoseconds + 50 * Double(layers.count) + 0.002 * Double(parameters))
    }

    @Test func missingBlocksAreNamedAndRefusedWhenCompletenessIsRequired() throws {
        let space = try ShippedSpaces.space("proxylessnas-mbv2")
        let arch = space.extremeArchitecture(.smallest, resolution: 128)
        let layers = try SpaceCompiler.layers(for: arch, in: space)
        let dropped = layers[3].tableKey
        let table = try Self.table(space, resolutions: [128], drop: [dropped])
        let p = try table.predict(arch, in: space)
        #expect(p.missing == [dropped])
        #expect(p.layers[3].nanoseconds == nil)
        do {
            _ = try table.predictComplete(arch, in: space)
            Issue.record("a prediction with a missing block must fail")
        } catch {
            #expect(error.description.contains(dropped) && error.exitStatus.rawValue == 65)
        }
        // Another resolution is not in the table at all.
        let elsewhere = try table.predict(space.extremeArchitecture(.smallest, resolution: 224), in: space)
        #expect(elsewhere.missing.count == layers.count - 1)  // only the classifier (after pooling) is shared
    }

    @Test func entryStatisticsComeFromTheSamples() throws {
        let layer = try SpaceCompiler.uniqueLayers(of: try ShippedSpaces.space("ofa-mbv3"), resolutions: [224])[0]
        let samples: [Int64] = [100, 300, 200, 400, 1000]
        let e = try #require(try LatencyTable.entry(tableId: 3, layer: TableLayer(layer), key: layer.tableKey, resultId: 9, samples: samples))
        #expect(e.count == 5 && e.meanNanoseconds == 400 && e.p0Nanoseconds == 100 && e.p100Nanoseconds == 1000 && e.p50Nanoseconds == 300)
        #expect(e.varianceNanoseconds2 == 125_000)  // sample variance: (9+1+4+0+36)e4 / 4
        #expect(e.p10Nanoseconds == 140 && e.p90Nanoseconds == 760)
        #expect(try LatencyTable.entry(tableId: 3, layer: TableLayer(layer), key: "k", resultId: 9, samples: []) == nil)
        let decoded = try JSONDecoder().decode(TableLayer.self, from: Data(e.layerJSON.utf8))
        #expect(decoded == TableLayer(layer))
    }

    @Test func metricsMatchHandComputedValues() throws {
        let measured = [100.0, 200, 300, 400]
        let predicted = [104.0, 180, 300, 440]
        let m = try #require(PredictionMetrics.of(predicted: predicted, measured: measured))
        #expect(m.count == 4)
        #expect(m.within5 == 0.5 && m.within10 == 1.0)
        #expect(abs(m.rmseNanoseconds - 504.0.squareRoot()) < 1e-9)  // (16 + 400 + 0 + 1600) / 4 = 504
        #expect(abs(m.rmspe - ((0.0016 + 0.01 + 0 + 0.01) / 4).squareRoot()) < 1e-12)
        #expect(m.spearman == 1)
        #expect(abs(m.meanRelativeError - (0.04 - 0.1 + 0 + 0.1) / 4) < 1e-12)
        #expect(PredictionMetrics.spearmanRank([1, 2, 3, 4], [4, 3, 2, 1]) == -1)
        #expect(abs(PredictionMetrics.spearmanRank([1, 2, 2, 3], [1, 2, 3, 4]) - 0.9486832980505138) < 1e-12)
        #expect(PredictionMetrics.of(predicted: [1], measured: [0]) == nil)
    }

    /// The correction recovers a known linear relation from calibration networks.
    @Test func correctionFitRecoversAKnownModel() throws {
        var rows: [ValidationReport.Network] = []
        var rng = SeededRandom(seed: 5)
        for i in 0..<30 {
            let raw = Double(5_000_000 + Int(rng.next() % 20_000_000))
            let layers = 20 + i % 9
            let parameters = Int64(2_000_000 + Int(rng.next() % 5_000_000))
            let measured = 300_000 + 1.07 * raw + 12_000 * Double(layers) + 0.05 * Double(parameters)
            rows.append(
                .init(
                    set: "calibration", arch: "a\(i)", layers: layers, parameters: parameters, predictedNanoseconds: raw, correctedNanoseconds: nil,
                    measuredNanoseconds: [measured, measured], measuredMeanNanoseconds: measured))
        }
        let c = try #require(TableValidator.fit(rows, count: 30, seed: 4))
        #expect(abs(c.interceptNanoseconds - 300_000) < 1)
        #expect(abs(c.slope - 1.07) < 1e-9)
        #expect(abs(c.perLayerNanoseconds - 12_000) < 1e-3)
        #expect(abs(c.perParameterNanoseconds - 0.05) < 1e-9)
        #expect(c.calibrationCount == 30 && c.calibrationSeed == 4)
        #expect(TableValidator.fit(Array(rows.prefix(5)), count: 5, seed: 4) == nil)
    }
}
