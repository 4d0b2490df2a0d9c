import BenchCore
import Foundation
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
        out.append("whether the runtimes' outputs agree: boardbench infer MODEL --input X.npy --device DEVICE --compare-runners")
        return out.joined(separator: "\n")
    }
}
