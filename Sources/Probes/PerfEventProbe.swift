import BenchCore
import CLibPFM

#if canImport(Glibc)
    import Glibc
#endif

/// Which performance-counter events can be opened here, and why not where they can't.
/// Events are encoded by libpfm4 (generic `perf::` names work on every PMU) and opened with
/// perf_event_open on the calling thread, then closed at once. Counting them over a window is
/// `CounterSession`.
public enum PerfEventProbe {
    public static let defaultEvents = [
        "perf::CYCLES", "perf::INSTRUCTIONS", "perf::CACHE-MISSES", "perf::BRANCH-MISSES",
        "perf::PERF_COUNT_SW_TASK_CLOCK", "perf::CONTEXT-SWITCHES", "perf::PAGE-FAULTS",
    ]

    /// Encodes and opens each event the way a `CounterSession` would (user and kernel mode when
    /// permitted, else user mode), so facts and sessions agree on what can be counted.
    public static func availability(of events: [String] = defaultEvents, root: SysfsRoot = SysfsRoot()) -> [PerfEventAvailability] {
        let paranoid = root.value("/proc/sys/kernel/perf_event_paranoid") ?? "unknown"
        return events.map { name in
            switch PerfEventEncoding.encode(name) {
            case .failure(let failure):
                return PerfEventAvailability(event: name, available: false, reason: failure.description)
            case .success(var event):
                switch CounterPlan.tryOpen(&event, paranoid: paranoid) {
                case .success: return PerfEventAvailability(event: name, available: true, reason: nil)
                case .failure(let refusal): return PerfEventAvailability(event: name, available: false, reason: refusal.description)
                }
            }
        }
    }

    /// ENOENT/EOPNOTSUPP/ENODEV mean the PMU lacks the event; EACCES/EPERM mean policy.
    public static func reason(errno err: Int32, paranoid: String) -> String {
        switch err {
        case ENOENT, EOPNOTSUPP, ENODEV: "unsupported on this CPU (no hardware PMU exposes it)"
        case EACCES, EPERM: "not permitted: perf_event_paranoid=\(paranoid); run as root or grant CAP_PERFMON"
        default: "perf_event_open failed: \(String(cString: strerror(err)))"
        }
    }
}
