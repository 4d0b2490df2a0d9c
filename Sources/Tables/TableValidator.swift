import BenchCore
import Controller
import Foundation
import ModelPlan
import Spaces
import Store

/// How well a table predicts: RMSE, RMSPE, the share within ±5% and ±10%, and Spearman's rank
/// correlation (nn-Meter's figures, plus ranking, which is what search depends on).
public struct PredictionMetrics: Codable, Sendable, Equatable {
    public var count: Int
    public var rmseNanoseconds: Double
    /// Root mean square of (predicted − measured) / measured, as a fraction.
    public var rmspe: Double
    public var within5: Double
    public var within10: Double
    public var spearman: Double
    /// Mean of (predicted − measured) / measured: the systematic part of the error.
    public var meanRelativeError: Double
    public var maxAbsoluteRelativeError: Double

    public static func of(predicted: [Double], measured: [Double]) -> PredictionMetrics? {
        guard predicted.count == measured.count, !predicted.isEmpty, measured.allSatisfy({ $0 > 0 }) else { return nil }
        let n = Double(predicted.count)
        let rel = zip(predicted, measured).map { ($0 - $1) / $1 }
        let mse = zip(predicted, measured).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / n
        return PredictionMetrics(
            count: predicted.count, rmseNanoseconds: mse.squareRoot(), rmspe: (rel.map { $0 * $0 }.reduce(0, +) / n).squareRoot(),
            within5: Double(rel.filter { abs($0) <= 0.05 }.count) / n, within10: Double(rel.filter { abs($0) <= 0.10 }.count) / n,
            spearman: spearmanRank(predicted, measured), meanRelativeError: rel.reduce(0, +) / n, maxAbsoluteRelativeError: rel.map(abs).max() ?? 0)
    }

    /// Pearson correlation of the ranks (ties share their average rank).
    public static func spearmanRank(_ a: [Double], _ b: [Double]) -> Double {
        func ranks(_ v: [Double]) -> [Double] {
            let order = v.indices.sorted { v[$0] < v[$1] }
            var r = [Double](repeating: 0, count: v.count)
            var i = 0
            while i < order.count {
                var j = i
                while j + 1 < order.count && v[order[j + 1]] == v[order[i]] { j += 1 }
                for k in i...j { r[order[k]] = Double(i + j) / 2 + 1 }
                i = j + 1
            }
            return r
        }
        let (ra, rb) = (ranks(a), ranks(b))
        let n = Double(a.count)
        let (ma, mb) = (ra.reduce(0, +) / n, rb.reduce(0, +) / n)
        var (sab, saa, sbb) = (0.0, 0.0, 0.0)
        for i in ra.indices {
            sab += (ra[i] - ma) * (rb[i] - mb)
            saa += (ra[i] - ma) * (ra[i] - ma)
            sbb += (rb[i] - mb) * (rb[i] - mb)
        }
        return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
    }
}

public struct ValidationRequest: Sendable {
    /// Validation architectures (each measured twice).
    public var samples: Int
    /// Calibration architectures the correction is fitted on (0: no correction), drawn apart.
    public var calibration: Int
    public var seed: UInt64
    /// Samples per network measurement.
    public var iterations: Int
    /// What predictions sum and measurements are compared by.
    public var statistic: TableStatistic = .median

    public init(samples: Int, calibration: Int = 50, seed: UInt64 = 1, iterations: Int = 50) {
        self.samples = samples
        self.calibration = calibration
        self.seed = seed
        self.iterations = iterations
    }
}

/// `table validate`'s findings, stored with the table (`tableReport`, kind validation).
public struct ValidationReport: Codable, Sendable {
    public struct Network: Codable, Sendable {
        /// validation | calibration
        public var set: String
        public var arch: String
        public var layers: Int
        public var parameters: Int64
        public var predictedNanoseconds: Double
        public var correctedNanoseconds: Double?
        /// The statistic of the two end-to-end measurements (nil when one failed).
        public var measuredNanoseconds: [Double?]
        public var measuredMeanNanoseconds: Double?
    }

    public var tableId: Int64
    public var runId: Int64
    public var device: String
    public var space: String
    public var runtimeVersion: String
    public var seed: UInt64
    public var resolutions: [Int]
    public var statistic: TableStatistic
    /// The raw table (sum of the blocks' statistic) on the validation set.
    public var raw: PredictionMetrics?
    /// With the correction fitted on the calibration set.
    public var corrected: PredictionMetrics?
    /// The device against itself: the second measurement of each validation network taken as
    /// a "prediction" of the first. A predictor cannot be judged more precisely than this.
    public var repeatability: PredictionMetrics?
    public var correction: Correction?
    public var networks: [Network]
    public var failed: [String: String]
}

public struct TableValidator: Sendable {
    public let context: TableContext

    public init(context: TableContext) { self.context = context }

    /// The newest correction fitted for `statistic`, if any.
    public func latestCorrection(_ table: LatencyTable, statistic: TableStatistic = .median) throws(TableError) -> Correction? {
        let store = context.store
        let reports = try context.workspace.tables { () throws(StoreError) in try store.reports(tableId: table.id, kind: "correction") }
        for r in reports {
            guard let c = try? JSONDecoder().decode(Correction.self, from: Data(r.reportJSON.utf8)) else {
                throw .corrupt("correction \(r.id ?? 0) of table \(table.id)")
            }
            if c.statistic == statistic { return c }
        }
        return nil
    }

    /// Input sizes the table has every fixed first layer for.
    public static func resolutions(of table: LatencyTable, space: SearchSpace) -> [Int] {
        guard let first = space.stem.first?.name ?? space.stages.first.map({ "\($0.name).block1" }) else { return [] }
        let sizes = table.entries.values.filter { $0.layer.name == first && $0.layer.input.count == 3 }.map { $0.layer.input[1] }
        return Array(Set(sizes)).sorted()
    }

    /// Draws `count` distinct architectures at the table's resolutions that the table covers.
    static func draw(
        _ count: Int, seed: UInt64, space: SearchSpace, table: LatencyTable, resolutions: [Int], excluding: Set<String> = []
    ) throws(TableError) -> [Architecture] {
        var rng = SeededRandom(seed: seed)
        var out: [Architecture] = []
        var seen = excluding
        var attempts = 0
        while out.count < count {
            attempts += 1
            guard attempts <= count * 50 + 1000 else {
                throw .failed("could draw only \(out.count) of \(count) distinct architectures the table covers; build it at more resolutions")
            }
            var arch = space.randomArchitecture(using: &rng)
            arch.resolution = resolutions.randomElement(using: &rng)!
            guard let p = try? table.predict(arch, in: space), p.missing.isEmpty, seen.insert(p.arch).inserted else { continue }
            out.append(arch)
        }
        return out
    }

    public func validate(_ request: ValidationRequest, space: SearchSpace, table: LatencyTable) throws(TableError) -> ValidationReport {
        guard request.samples >= 1 else { throw .invalidArgument("--samples must be at least 1") }
        let resolutions = Self.resolutions(of: table, space: space)
        guard !resolutions.isEmpty else { throw .failed("table \(table.id) has no first-layer entries; build it first") }
        let validation = try Self.draw(request.samples, seed: request.seed, space: space, table: table, resolutions: resolutions)
        // Calibration networks come from another seed and never repeat a validation network.
        let calibration = try Self.draw(
            request.calibration, seed: request.seed ^ 0xC0FF_EE00_CA11_B8A7, space: space, table: table, resolutions: resolutions,
            excluding: Set(validation.map { (try? space.check($0).canonical) ?? "" }))
        let networks = calibration.map { ("cal", $0) } + validation.map { ("val", $0) }

        guard var settings = try? JSONDecoder().decode(MeasurementSettings.self, from: Data(table.record.settingsJSON.utf8)) else {
            throw .corrupt("table \(table.id) settings")
        }
        settings.iterations = request.iterations
        var models: [CompiledModel] = []
        for (_, arch) in networks {
            let graph: Graph
            do { graph = try SpaceCompiler.graph(for: arch, in: space, generatedWeights: true) } catch {
                throw .space(path: space.name, reason: error.description)
            }
            do { models.append(try CompiledModel(reference: "arch:" + graph.metadata["arch", default: ""], graph: graph, keepWeights: false)) } catch {
                throw .controller(error)
            }
        }
        // Two passes, the second after all of the first: repeats far apart in time, as a user's
        // later measurement would be.
        var benchmarks: [Workload.Benchmark] = []
        for pass in ["a", "b"] {
            for (i, (set, _)) in networks.enumerated() {
                benchmarks.append(.init(name: Self.name(set, i, pass), model: models[i], settings: settings))
            }
        }
        let description = try TableContext.json(["table": "\(table.id)", "purpose": "validate", "seed": "\(request.seed)"])
        let run = try context.measure(
            Workload(name: "validate:\(space.name)", text: description, benchmarks: benchmarks), table: table.record, purpose: "validate")
        let store = context.store
        let results = try context.workspace.tables { () throws(StoreError) in try store.okResults(runId: run.runId) }
        var medians: [String: Double] = [:]
        for r in results { if let v = request.statistic.of(samples: r.samplesNanoseconds) { medians[r.record.benchmark] = v } }
        var failed: [String: String] = [:]
        for d in run.devices {
            for r in d.results where r.status != .ok { failed[r.benchmark] = r.error ?? r.status.rawValue }
            // A device lost part-way leaves the figures without most networks: no report.
            if let e = d.error { throw .controller(e) }
        }

        var rows: [ValidationReport.Network] = []
        for (i, (set, arch)) in networks.enumerated() {
            let p = try table.predictComplete(arch, in: space, statistic: request.statistic)
            let m = [medians[Self.name(set, i, "a")], medians[Self.name(set, i, "b")]]
            let present = m.compactMap { $0 }
            rows.append(
                .init(
                    set: set == "cal" ? "calibration" : "validation", arch: p.arch, layers: p.layers.count, parameters: p.parameters,
                    predictedNanoseconds: p.nanoseconds,
                    correctedNanoseconds: nil, measuredNanoseconds: m,
                    measuredMeanNanoseconds: present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)))
        }
        let calibrationRows = rows.filter { $0.set == "calibration" && $0.measuredMeanNanoseconds != nil }
        var correction = Self.fit(calibrationRows, count: request.calibration, seed: request.seed)
        correction?.statistic = request.statistic
        if let c = correction {
            for i in rows.indices {
                rows[i].correctedNanoseconds = c.apply(raw: rows[i].predictedNanoseconds, layers: rows[i].layers, parameters: rows[i].parameters)
            }
        }
        let measuredValidation = rows.filter { $0.set == "validation" && $0.measuredMeanNanoseconds != nil }
        let measured = measuredValidation.map { $0.measuredMeanNanoseconds! }
        let repeated = measuredValidation.filter { $0.measuredNanoseconds.allSatisfy { $0 != nil } }
        let report = ValidationReport(
            tableId: table.id, runId: run.runId, device: table.record.device, space: space.name, runtimeVersion: table.record.runtimeVersion,
            seed: request.seed, resolutions: resolutions, statistic: request.statistic,
            raw: .of(predicted: measuredValidation.map(\.predictedNanoseconds), measured: measured),
            corrected: correction == nil ? nil : .of(predicted: measuredValidation.map { $0.correctedNanoseconds! }, measured: measured),
            repeatability: .of(predicted: repeated.map { $0.measuredNanoseconds[1]! }, measured: repeated.map { $0.measuredNanoseconds[0]! }),
            correction: correction, networks: rows, failed: failed)
        let now = TableContext.now()
        let reportJSON = try TableContext.json(report)
        let correctionJSON = try correction.map { c throws(TableError) in try TableContext.json(c) }
        try context.workspace.tables { () throws(StoreError) in
            if let correctionJSON {
                try store.saveReport(
                    TableReportRecord(tableId: table.id, kind: "correction", createdAtUnixNanoseconds: now, runId: run.runId, reportJSON: correctionJSON))
            }
            try store.saveReport(
                TableReportRecord(tableId: table.id, kind: "validation", createdAtUnixNanoseconds: now, runId: run.runId, reportJSON: reportJSON))
        }
        return report
    }

    static func name(_ set: String, _ index: Int, _ pass: String) -> String { "\(set)-\(String(format: "%04d", index))-\(pass)" }

    /// Least squares of measured on (1, raw sum, layers, parameters) over the calibration
    /// networks; nil with fewer than 6 networks or when they do not determine the terms.
    static func fit(_ rows: [ValidationReport.Network], count: Int, seed: UInt64) -> Correction? {
        guard rows.count >= 6 else { return nil }
        let n = 4
        var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var b = [Double](repeating: 0, count: n)
        // Milliseconds, tens of layers and millions of weights keep the normal equations well conditioned.
        for r in rows {
            let x = [1, r.predictedNanoseconds / 1e6, Double(r.layers) / 10, Double(r.parameters) / 1e6]
            let y = r.measuredMeanNanoseconds! / 1e6
            for i in 0..<n {
                for j in 0..<n { a[i][j] += x[i] * x[j] }
                b[i] += x[i] * y
            }
        }
        guard let c = solve(a, b) else { return nil }
        return Correction(
            interceptNanoseconds: c[0] * 1e6, slope: c[1], perLayerNanoseconds: c[2] * 1e6 / 10, perParameterNanoseconds: c[3], calibrationCount: rows.count,
            calibrationSeed: seed)
    }

    /// Gaussian elimination with partial pivoting; nil when (nearly) singular.
    static func solve(_ m: [[Double]], _ v: [Double]) -> [Double]? {
        var a = m
        var b = v
        let n = v.count
        let scale = m.flatMap { $0 }.map(abs).max() ?? 0
        for col in 0..<n {
            let pivot = (col..<n).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            guard abs(a[pivot][col]) > 1e-10 * max(scale, 1e-300) else { return nil }
            a.swapAt(col, pivot)
            b.swapAt(col, pivot)
            for row in (col + 1)..<n {
                let f = a[row][col] / a[col][col]
                for k in col..<n { a[row][k] -= f * a[col][k] }
                b[row] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var s = b[row]
            for k in (row + 1)..<n { s -= a[row][k] * x[k] }
            x[row] = s / a[row][row]
        }
        return x
    }
}
