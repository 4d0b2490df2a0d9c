import BenchCore

/// Compares the snapshots around a benchmark and says what may have disturbed it. Pure: the
/// rules are in docs/sections/counters-environment.md, "Throttling rules".
public enum EnvironmentAssessment {
    /// - Parameters:
    ///   - cpus: the CPUs the benchmark ran on (per-core rules look at these only); nil for all.
    ///   - maxLoadPerCPU: 1-minute load before the run above this times the online CPU count is
    ///     high load. Only the before snapshot is judged: the after one includes the benchmark.
    ///   - frequencyTolerance: a core under `performance` more than this fraction below its
    ///     hardware maximum counts as below maximum.
    public static func issues(
        before: EnvironmentSnapshot, after: EnvironmentSnapshot, cpus: [Int]? = nil, maxLoadPerCPU: Double = 0.5,
        frequencyTolerance: Double = 0.02
    ) -> [EnvironmentIssue] {
        var issues: [EnvironmentIssue] = []
        let active = [("before", before), ("after", after)].compactMap { label, snapshot -> String? in
            guard let flags = snapshot.throttle, !flags.now.isEmpty else { return nil }
            return "\(label): \(flags.now.map(\.rawValue).joined(separator: ", ")) (throttled=\(hex(flags.raw)))"
        }
        if !active.isEmpty { issues.append(EnvironmentIssue(kind: .throttlingActive, detail: active.joined(separator: "; "))) }
        if let b = before.throttle, let a = after.throttle {
            let started = a.sinceBoot.filter { !b.sinceBoot.contains($0) }
            if !started.isEmpty {
                let detail = "\(started.map(\.rawValue).joined(separator: ", ")) occurred (throttled=\(hex(b.raw)) before, \(hex(a.raw)) after)"
                issues.append(EnvironmentIssue(kind: .throttlingDuringRun, detail: detail))
            }
        }
        func considered(_ cores: [CoreFrequencyState]) -> [CoreFrequencyState] {
            guard let cpus else { return cores }
            return cores.filter { cpus.contains($0.cpu) }
        }
        var slow: [String] = []
        for (label, snapshot) in [("before", before), ("after", after)] {
            for core in considered(snapshot.cores) where core.governor == "performance" {
                guard let current = core.currentFrequencyKHz, let max = core.hardwareMaxFrequencyKHz,
                    Double(current) < Double(max) * (1 - frequencyTolerance)
                else { continue }
                let policy = core.policyMaxFrequencyKHz.map { $0 < max ? ", policy max \($0) kHz" : "" } ?? ""
                slow.append("\(label): cpu\(core.cpu) at \(current) of \(max) kHz\(policy)")
            }
        }
        if !slow.isEmpty { issues.append(EnvironmentIssue(kind: .frequencyBelowMaximum, detail: slow.joined(separator: "; "))) }
        var byGovernor: [String: Set<Int>] = [:]
        for core in considered(before.cores) + considered(after.cores) {
            if let governor = core.governor, governor != "performance" { byGovernor[governor, default: []].insert(core.cpu) }
        }
        if !byGovernor.isEmpty {
            let detail = byGovernor.sorted { $0.key < $1.key }.map { "cpu \(CPUList.format(Array($0.value))): \($0.key)" }
            issues.append(EnvironmentIssue(kind: .governorNotPerformance, detail: detail.joined(separator: "; ")))
        }
        if let load = before.loadAverage, let online = before.onlineCPUs, online > 0 {
            let threshold = maxLoadPerCPU * Double(online)
            if load.oneMinute > threshold {
                let detail = "1-minute load \(load.oneMinute) before the run on \(online) CPUs (threshold \(threshold))"
                issues.append(EnvironmentIssue(kind: .highLoad, detail: detail))
            }
        }
        return issues
    }

    private static func hex(_ value: UInt32) -> String { "0x" + String(value, radix: 16) }
}
