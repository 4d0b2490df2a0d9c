import BenchCore
import Foundation
import Spaces

/// Which per-execution statistic a prediction sums and a measurement is compared by. The
/// median is the default. On boards whose speed jumps between levels (a shared host's SMT
/// sibling, thermal states) a short window's median is whichever level the window saw; the
/// minimum (or p10) is the board's uncontended speed and repeats far better there.
/// docs/methodology.md, "Latency tables", has the figures.
public enum TableStatistic: String, Codable, Sendable, CaseIterable {
    case median
    case p10
    case min
    case mean

    public func of(_ e: LatencyTable.Entry) -> Double {
        switch self {
        case .median: e.p50
        case .p10: e.p10
        case .min: e.p0
        case .mean: e.mean
        }
    }

    /// The statistic of a measurement's per-execution samples (nil when there are none).
    public func of(samples: [Int64]) -> Double? {
        guard !samples.isEmpty else { return nil }
        let v = samples.map(Double.init).sorted()
        switch self {
        case .median: return Statistics.percentile(v, 50)
        case .p10: return Statistics.percentile(v, 10)
        case .min: return v[0]
        case .mean: return v.reduce(0, +) / Double(v.count)
        }
    }
}

/// A per-device correction from the sum of a network's blocks to its measured latency, fitted
/// on calibration networks kept apart from validation ones and stored apart from the raw
/// table (a `tableReport` of kind `correction`). The model is linear in the raw sum, the number
/// of layers and the number of weights: `measured ≈ intercept + slope × sum + perLayer × layers
/// + perParameter × parameters`. What each term stands for (fixed start-up per inference, work
/// that runs slower or faster inside a network, per-layer hand-over, weights that a block
/// measured alone keeps in cache but a network streams from memory) is in docs/methodology.md.
public struct Correction: Codable, Sendable, Equatable {
    public var interceptNanoseconds: Double
    public var slope: Double
    public var perLayerNanoseconds: Double
    public var perParameterNanoseconds: Double
    /// Calibration networks it was fitted on, and the seed that drew them.
    public var calibrationCount: Int
    public var calibrationSeed: UInt64
    /// The statistic it was fitted for; it only corrects predictions of that statistic.
    public var statistic: TableStatistic

    public init(
        interceptNanoseconds: Double, slope: Double, perLayerNanoseconds: Double, perParameterNanoseconds: Double, calibrationCount: Int,
        calibrationSeed: UInt64, statistic: TableStatistic = .median
    ) {
        self.statistic = statistic
        self.interceptNanoseconds = interceptNanoseconds
        self.slope = slope
        self.perLayerNanoseconds = perLayerNanoseconds
        self.perParameterNanoseconds = perParameterNanoseconds
        self.calibrationCount = calibrationCount
        self.calibrationSeed = calibrationSeed
    }

    public func apply(raw: Double, layers: Int, parameters: Int64) -> Double {
        interceptNanoseconds + slope * raw + perLayerNanoseconds * Double(layers) + perParameterNanoseconds * Double(parameters)
    }
}

/// A table's prediction for one architecture.
public struct Prediction: Codable, Sendable {
    public struct Layer: Codable, Sendable {
        public var name: String
        public var key: String
        /// The entry's statistic per execution; nil when the table lacks the block.
        public var nanoseconds: Double?
    }

    /// Canonical architecture JSON.
    public var arch: String
    /// What was summed (median unless asked otherwise).
    public var statistic: TableStatistic
    /// Sum of the blocks' statistic (the raw table prediction).
    public var nanoseconds: Double
    /// Sum of the blocks' means (what OFA's tables sum).
    public var meanNanoseconds: Double
    /// sqrt of the sum of the blocks' variances: the spread of one inference if blocks varied
    /// independently.
    public var uncertaintyNanoseconds: Double
    /// With the device's correction, when one was fitted.
    public var correctedNanoseconds: Double?
    public var layers: [Layer]
    /// Keys of blocks the table lacks; the sums above then leave them out.
    public var missing: [String]
    /// Weights of the whole network (a term of the correction).
    public var parameters: Int64
}

extension LatencyTable {
    /// The sum of the blocks' `statistic`; `correction` applies only when fitted for that statistic.
    public func predict(
        _ arch: Architecture, in space: SearchSpace, correction: Correction? = nil, statistic: TableStatistic = .median
    ) throws(TableError) -> Prediction {
        let resolved: [ResolvedLayer]
        let canonical: String
        do {
            let checked = try space.check(arch)
            canonical = checked.canonical
            resolved = try SpaceCompiler.layers(for: checked, in: space)
        } catch {
            throw .invalidArgument("architecture: \(error.description)")
        }
        var total = 0.0, mean = 0.0, variance = 0.0
        var layers: [Prediction.Layer] = []
        var missing: [String] = []
        for layer in resolved {
            let key = layer.tableKey
            if let e = entries[key] {
                total += statistic.of(e)
                mean += e.mean
                variance += e.variance
                layers.append(.init(name: layer.name, key: key, nanoseconds: statistic.of(e)))
            } else {
                missing.append(key)
                layers.append(.init(name: layer.name, key: key, nanoseconds: nil))
            }
        }
        let parameters = ArchitectureCost(layers: resolved).parameters
        let correction = correction?.statistic == statistic ? correction : nil
        return Prediction(
            arch: canonical, statistic: statistic, nanoseconds: total, meanNanoseconds: mean, uncertaintyNanoseconds: variance.squareRoot(),
            correctedNanoseconds: missing.isEmpty ? correction.map { $0.apply(raw: total, layers: resolved.count, parameters: parameters) } : nil,
            layers: layers, missing: missing, parameters: parameters)
    }

    /// The prediction, refusing architectures with blocks the table lacks.
    public func predictComplete(
        _ arch: Architecture, in space: SearchSpace, correction: Correction? = nil, statistic: TableStatistic = .median
    ) throws(TableError) -> Prediction {
        let p = try predict(arch, in: space, correction: correction, statistic: statistic)
        guard p.missing.isEmpty else { throw .missingBlocks(arch: p.arch, keys: p.missing) }
        return p
    }
}
