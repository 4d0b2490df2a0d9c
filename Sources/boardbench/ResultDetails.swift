import BenchCore
import Controller
import Foundation
import Store

/// `results show`'s text after the table: per result, how it was measured and what else the
/// agent saw (memory, energy, counters, environment, reasons behind the verdict).
enum ResultDetails {
    static func render(_ d: RunDetail) -> String {
        d.results.compactMap { r -> String? in
            guard let o = r.outcome, let s = r.statistics else { return nil }
            var lines = ["\(r.record.device) \(r.record.benchmark) (\(r.record.runtime) \(r.record.runtimeVersion))"]
            let repeats = o.repeatsPerSample > 1 ? " of \(o.repeatsPerSample) executions each" : ""
            lines.append(
                "  samples: \(s.count)\(repeats) over \(Format.duration(Double(o.measuredNanoseconds))), after \(o.warmupRuns) warmups "
                    + "(\(Format.duration(Double(o.warmupNanoseconds))))"
                    + (o.calibrationNanoseconds.map { $0 > 0 ? " and calibration (\(Format.duration(Double($0))))" : "" } ?? "")
                    + "; cold start \(Format.duration(Double(o.coldStartNanoseconds)))")
            lines.append(
                "  latency: min \(Format.duration(s.min)), median \(Format.duration(s.median)) "
                    + "[95% CI \(Format.duration(s.medianLow95))–\(Format.duration(s.medianHigh95))], p99 \(Format.duration(s.p99)), "
                    + "max \(Format.duration(s.max)), \(s.outliers) outlier\(s.outliers == 1 ? "" : "s")")
            var memory = "  memory: load \(Format.duration(Double(o.loadNanoseconds)))"
            if let k = o.loadResidentKiB { memory += ", +\(Format.bytes(k * 1024)) resident" }
            if let k = o.peakResidentKiB { memory += ", peak \(Format.bytes(k * 1024)) while measuring" }
            memory += "; arena \(Format.bytes(o.arenaBytes)), weights \(Format.bytes(o.weightBytes))"
            lines.append(memory)
            if let cores = o.pinnedCores { lines.append("  pinned to cores \(cores.map(String.init).joined(separator: ",")) (\(o.pinningBasis ?? "listed"))") }
            if let cpu = o.processCPUNanoseconds, o.measuredNanoseconds > 0 {
                lines.append(String(format: "  CPU: %.2f cores busy on average", Double(cpu) / Double(o.measuredNanoseconds)))
            }
            if let e = o.energy { lines.append("  energy: " + describe(e)) }
            if let c = o.counters {
                let values = c.readings.map { reading -> String in
                    if let v = reading.perIteration(iterations: o.samplesNanoseconds.count * o.repeatsPerSample) {
                        let value = reading.unit == .nanoseconds ? Format.duration(v) : compact(v)
                        return "\(reading.event) \(value)/inference\(reading.multiplexed ? " (multiplexed)" : "")"
                    }
                    return "\(reading.event) unavailable: \(reading.unavailableReason ?? "unknown")"
                }
                lines.append("  counters (\(c.threadsCounted) threads): " + values.joined(separator: "; "))
            }
            if let env = o.environmentBefore {
                let hottest = env.hottestCelsius.map { String(format: "%.1f °C", $0) } ?? "unknown"
                let governors = Set(env.cores.compactMap(\.governor)).sorted().joined(separator: ",")
                let load = env.loadAverage.map { String(format: "%.2f", $0.oneMinute) } ?? "unknown"
                lines.append("  environment: hottest zone \(hottest), governor \(governors.isEmpty ? "unknown" : governors), load \(load)")
            }
            let verdict = StabilityVerdict.assess(s, conditions: o.conditions)
            lines.append("  verdict: \(verdict.summary)" + (verdict.reasons.count > 1 ? " (\(verdict.reasons.joined(separator: "; ")))" : ""))
            return lines.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    static func describe(_ e: EnergyMeasurement) -> String {
        guard e.status == .measured, let perInference = e.joulesPerInference, let watts = e.averageWatts else {
            return "unavailable: \(e.reason ?? "unknown")"
        }
        var text = "\(compact(perInference)) J/inference at \(String(format: "%.2f", watts)) W"
        if let idle = e.idleWatts, let above = e.joulesPerInferenceAboveIdle {
            text += String(format: " (idle %.2f W; %@ J/inference above idle)", idle, compact(above))
        }
        text += ", \(e.sampleCount) readings"
        if e.precision == .imprecise { text += "; imprecise: " + e.imprecisionReasons.joined(separator: "; ") }
        return text
    }

    static func compact(_ v: Double) -> String {
        let a = abs(v)
        if a == 0 { return "0" }
        if a >= 1e9 || a < 1e-3 { return String(format: "%.3g", v) }
        if a >= 100 { return String(format: "%.0f", v) }
        return String(format: "%.4g", v)
    }
}
