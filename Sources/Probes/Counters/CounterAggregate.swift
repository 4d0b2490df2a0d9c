import BenchCore

/// Sums one event's per-thread samples and scales for multiplexing. Pure, so it is tested on
/// synthetic samples.
enum CounterAggregate {
    /// value = Σraw × Σenabled / Σrunning. The kernel folds inherited children into their
    /// parent's value and times the same way, so summing threads likewise keeps one rule. An
    /// event that never ran (Σrunning == 0) has no value: it is unavailable, not zero.
    static func reading(event: String, unit: CounterUnit, group: String, privilege: CounterPrivilege, samples: [CounterSample]) -> CounterReading {
        let raw = samples.reduce(UInt64(0)) { $0 &+ $1.value }
        let enabled = samples.reduce(UInt64(0)) { $0 &+ $1.enabled }
        let running = samples.reduce(UInt64(0)) { $0 &+ $1.running }
        guard running > 0 else {
            let reason =
                enabled > 0
                ? "never counted: running 0 of \(enabled) ns enabled (its group never got the PMU: other users of the counters, "
                    + "the NMI watchdog, or more events in the group than the PMU has counters)"
                : "never counted: no counted thread ran during the window"
            return .unavailable(event, unit: unit, group: group, reason: reason)
        }
        let factor = Double(enabled) / Double(running)
        return CounterReading(
            event: event, unit: unit, group: group, privilege: privilege, rawValue: raw, value: Double(raw) * factor,
            timeEnabledNanoseconds: enabled, timeRunningNanoseconds: running, scalingFactor: factor, multiplexed: running < enabled,
            unavailableReason: nil)
    }
}
