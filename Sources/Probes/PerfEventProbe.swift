import BenchCore
import CLibPFM

#if canImport(Glibc)
    import Glibc
#endif

/// Which performance-counter events can be opened here, and why not where they can't.
/// Events are encoded by libpfm4 (generic `perf::` names work on every PMU) and opened with
/// perf_event_open on the calling thread, then closed at once.
public enum PerfEventProbe {
    public static let defaultEvents = [
        "perf::CYCLES", "perf::INSTRUCTIONS", "perf::CACHE-MISSES", "perf::BRANCH-MISSES",
        "perf::PERF_COUNT_SW_TASK_CLOCK", "perf::CONTEXT-SWITCHES", "perf::PAGE-FAULTS",
    ]

    public static func availability(of events: [String] = defaultEvents, root: SysfsRoot = SysfsRoot()) -> [PerfEventAvailability] {
        let rc = pfm_initialize()
        guard rc == PFM_SUCCESS else {
            let reason = "libpfm4 failed to initialise: \(String(cString: pfm_strerror(rc)))"
            return events.map { PerfEventAvailability(event: $0, available: false, reason: reason) }
        }
        let paranoid = root.value("/proc/sys/kernel/perf_event_paranoid") ?? "unknown"
        return events.map { probe($0, paranoid: paranoid) }
    }

    private static func probe(_ event: String, paranoid: String) -> PerfEventAvailability {
        var attr = perf_event_attr()
        var arg = pfm_perf_encode_arg_t()
        arg.size = MemoryLayout<pfm_perf_encode_arg_t>.size
        let rc = withUnsafeMutablePointer(to: &attr) { attrPtr -> Int32 in
            arg.attr = attrPtr
            return withUnsafeMutablePointer(to: &arg) { argPtr in
                pfm_get_os_event_encoding(event, Int32(PFM_PLM3), PFM_OS_PERF_EVENT_EXT, argPtr)
            }
        }
        guard rc == PFM_SUCCESS else {
            return PerfEventAvailability(event: event, available: false, reason: "libpfm4 cannot encode it: \(String(cString: pfm_strerror(rc)))")
        }
        attr.size = UInt32(MemoryLayout<perf_event_attr>.size)
        attr.disabled = 1
        let fd = CLibPFM_perf_event_open(&attr, 0, -1, -1, 0)
        guard fd >= 0 else {
            let err = CLibPFM_errno()
            return PerfEventAvailability(event: event, available: false, reason: reason(errno: err, paranoid: paranoid))
        }
        close(fd)
        return PerfEventAvailability(event: event, available: true, reason: nil)
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
