import BenchCore
import Foundation
import ModelPlan
import Store

/// `boardbench compare --runners RUN`: one model measured by several runtimes in one run, side
/// by side. Results are grouped by device, model file and thread count; a group is shown when
/// more than one runtime measured it. Each row is one result; `relative` is its median over the
/// builtin runtime's in the group (>1: slower than BoardBench's runtime).
public struct RunnerComparison: Codable, Sendable, Equatable {
    public struct Row: Codable, Sendable, Equatable {
        public var benchmark: String
        public var runtime: String
        public var runtimeVersion: String
        public var status: String
        public var error: String?
        public var samples: Int
        public var medianNanoseconds: Double?
        public var medianLow95Nanoseconds: Double?
        public var medianHigh95Nanoseconds: Double?
        public var p90Nanoseconds: Double?
        public var peakResidentKiB: Int64?
        public var energyPerInferenceJoules: Double?
        public var verdict: String?
        /// Median over the builtin runtime's median in the same group; nil without one.
        public var relative: Double?
        /// True when this row's and the builtin row's 95% intervals of the median overlap: the
        /// two are not told apart by this many samples.
        public var overlapsBuiltin: Bool?
    }

    public struct Group: Codable, Sendable, Equatable {
        public var device: String
        public var model: String
        public var threads: Int
        public var rows: [Row]
    }

    public var runId: Int64
    public var groups: [Group]
    /// Set by `compare --runners --check-outputs`: whether the runtimes compute the same outputs.
    public var agreement: [OutputAgreement]?

    public init(_ detail: RunDetail) {
        runId = detail.run.id ?? 0
        var order: [String] = []
        var byKey: [String: (device: String, model: String, threads: Int, results: [StoredResult])] = [:]
        for r in detail.results {
            let threads = (try? JSONDecoder().decode(MeasurementSettings.self, from: Data(r.record.settingsJSON.utf8)))?.threads ?? 1
            let key = "\(r.record.device)\u{1F}\(r.record.model)\u{1F}\(threads)"
            if byKey[key] == nil {
                order.append(key)
                byKey[key] = (r.record.device, r.record.model, threads, [])
            }
            byKey[key]?.results.append(r)
        }
        groups = order.compactMap { key in
            guard let g = byKey[key], Set(g.results.map(\.record.runtime)).count > 1 else { return nil }
            let builtin = g.results.first { $0.record.runtime == "builtin" && $0.record.status == "ok" }.flatMap(\.statistics)
            let rows = g.results.map { r -> Row in
                let s = r.record.status == "ok" ? r.statistics : nil
                return Row(
                    benchmark: r.record.benchmark, runtime: r.record.runtime, runtimeVersion: r.record.runtimeVersion, status: r.record.status,
                    error: r.record.error, samples: r.samplesNanoseconds.count, medianNanoseconds: s?.median, medianLow95Nanoseconds: s?.medianLow95,
                    medianHigh95Nanoseconds: s?.medianHigh95, p90Nanoseconds: s?.p90, peakResidentKiB: r.record.peakResidentKiB,
                    energyPerInferenceJoules: r.record.energyPerInferenceJoules, verdict: r.record.verdict,
                    relative: s.flatMap { s in builtin.map { s.median / $0.median } },
                    overlapsBuiltin: s.flatMap { s in builtin.map { s.medianLow95 <= $0.medianHigh95 && $0.medianLow95 <= s.medianHigh95 } })
            }
            return Group(device: g.device, model: g.model, threads: g.threads, rows: rows)
        }
    }

    public func text() -> String {
        guard !groups.isEmpty else {
            return "run \(runId) has no model measured by more than one runtime (give benchmarks of one model different `runner:` values)"
        }
        var out: [String] = []
        for g in groups {
            if !out.isEmpty { out.append("") }
            out.append("\(g.device) · \(g.model) · \(g.threads) thread\(g.threads == 1 ? "" : "s")")
            var rows = [["benchmark", "runtime", "samples", "median", "95% CI", "p90", "peak memory", "vs builtin"]]
            for r in g.rows {
                guard let median = r.medianNanoseconds, let low = r.medianLow95Nanoseconds, let high = r.medianHigh95Nanoseconds else {
                    rows.append([r.benchmark, r.runtimeVersion, "0", r.status, r.error ?? "", "", "", ""])
                    continue
                }
                let vs = r.relative.map { String(format: "%.2f×", $0) + (r.overlapsBuiltin == true && r.runtime != "builtin" ? " (overlaps)" : "") } ?? ""
                rows.append([
                    r.benchmark, r.runtimeVersion, "\(r.samples)", Format.duration(median), "\(Format.duration(low))–\(Format.duration(high))",
                    r.p90Nanoseconds.map(Format.duration) ?? "", r.peakResidentKiB.map { Format.bytes($0 * 1024) } ?? "", vs,
                ])
            }
            out.append(RunComparison.table(rows, leftAligned: [0, 1]))
        }
        out.append("")
        if let agreement {
            out.append("outputs, builtin against onnxruntime on the board (one seeded input):")
            for a in agreement {
                if let worst = a.worstRelativeDifference {
                    out.append(
                        "  \(a.device) · \(a.model): largest difference \(String(format: "%.3g", worst)) of the largest builtin magnitude: "
                            + (a.agree ? "agree" : "DIFFER") + " (tolerance \(a.tolerance))")
                } else {
                    out.append("  \(a.device) · \(a.model): not checked: \(a.problem ?? "unknown")")
                }
            }
            if agreement.isEmpty { out.append("  no model was measured by both builtin and onnxruntime") }
        } else {
            out.append("whether the runtimes' outputs agree: add --check-outputs (runs both on the board)")
        }
        return out.joined(separator: "\n")
    }
}

/// Whether the builtin runtime and ONNX Runtime compute the same outputs for a group of
/// `RunnerComparison` (`compare --runners RUN --check-outputs`): both run the model once on
/// the group's board, on one seeded random input, and the largest difference of each output
/// is taken relative to the largest magnitude of the builtin output.
public struct OutputAgreement: Codable, Sendable, Equatable {
    public var device: String
    public var model: String
    /// The largest |builtin − onnxruntime| over every output, relative to that output's largest
    /// builtin magnitude; nil when the check could not run (`problem`).
    public var worstRelativeDifference: Double?
    public var tolerance: Double
    public var agree: Bool
    public var problem: String?
    /// The exit status of `problem` (69 board unreachable, 66 model file gone...).
    public var problemExitStatus: Int32?

    /// Checks every group measured by both the builtin runtime and ONNX Runtime, once per
    /// (device, model): the thread count does not change what is computed.
    public static func check(
        _ comparison: RunnerComparison, detail: RunDetail, workspace: Workspace, agentPath: String?, tolerance: Double = 1e-4
    ) -> [OutputAgreement] {
        let directory = detail.run.optionsJSON
            .flatMap { try? JSONDecoder().decode(StoredRunOptions.self, from: Data($0.utf8)) }?.profileDirectory
            .map { URL(fileURLWithPath: $0, isDirectory: true) }
        var seen = Set<String>()
        var out: [OutputAgreement] = []
        for g in comparison.groups where Set(g.rows.map(\.runtime)).isSuperset(of: ["builtin", "onnxruntime"]) {
            guard seen.insert("\(g.device)\u{1F}\(g.model)").inserted else { continue }
            var a = OutputAgreement(
                device: g.device, model: g.model, worstRelativeDifference: nil, tolerance: tolerance, agree: false, problem: nil, problemExitStatus: nil)
            do {
                a.worstRelativeDifference = try worst(g, detail: detail, directory: directory, workspace: workspace, agentPath: agentPath)
                a.agree = (a.worstRelativeDifference ?? .infinity) <= tolerance
            } catch {
                (a.problem, a.problemExitStatus) = (error.description, error.exitStatus.rawValue)
            }
            out.append(a)
        }
        return out
    }

    private static func worst(
        _ g: RunnerComparison.Group, detail: RunDetail, directory: URL?, workspace: Workspace, agentPath: String?
    ) throws(ControllerError) -> Double {
        guard !g.model.hasPrefix(RunnerModels.boardPrefix) else {
            throw .invalidArgument("\(g.model) is on the board only; BoardBench compiles models from the host")
        }
        // The ONNX Runtime request names the input shapes the run used (a sweep's resolution).
        let ortBenchmark = g.rows.first { $0.runtime == "onnxruntime" }?.benchmark
        let shapes =
            detail.items.first { $0.device == g.device && $0.benchmark == ortBenchmark }
            .flatMap { try? JSONDecoder().decode(BenchmarkRequest.self, from: Data($0.requestJSON.utf8)) }?.runner?.inputShapes ?? []
        let compiled = try ModelCompiler.compile(g.model, relativeTo: directory, inputShapes: shapes)
        let file = try ModelCompiler.file(g.model, relativeTo: directory)
        var random = SeededRandom(seed: 0x5EED)
        let inputs = compiled.graph.inputs.map { i in
            let t = compiled.graph.tensors[i]
            return NPYArray(shape: t.shape, values: (0..<t.elementCount).map { _ in random.nextFloat(bound: 1) })
        }
        let builtin = try Inference.remote(compiled, inputs: inputs, device: g.device, workspace: workspace, agentPath: agentPath)
        let ort = try Inference.remote(
            compiled, inputs: inputs, device: g.device, workspace: workspace, agentPath: agentPath, onnxRuntime: file, inputShapes: shapes)
        var worst = 0.0
        for (b, o) in zip(builtin, ort) {
            guard b.array.shape == o.array.shape else {
                throw .agentProtocol(device: g.device, reason: "output \(b.name) has shape \(b.array.shape) on builtin, \(o.array.shape) on onnxruntime")
            }
            let scale = Double(b.array.values.map { abs($0) }.max() ?? 0)
            let diff = Double(zip(b.array.values, o.array.values).map { abs($0 - $1) }.max() ?? 0)
            worst = max(worst, scale > 0 ? diff / scale : diff)
        }
        return worst
    }
}
