import BenchCore
import CLibPFM
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An event name turned into a perf_event_attr by libpfm4.
struct EncodedEvent {
    let name: String
    var attr: perf_event_attr

    init(name: String, attr: perf_event_attr) {
        self.name = name
        self.attr = attr
    }

    /// A synthetic event (grouping tests).
    init(name: String, type: UInt32, config: UInt64) {
        var attr = perf_event_attr()
        attr.type = type
        attr.config = config
        self.init(name: name, attr: attr)
    }

    /// Software events never compete for PMU counters; hardware events do and are grouped
    /// per PMU type (generic hardware, cache and raw events all live on the core PMU).
    var groupKind: String {
        switch attr.type {
        case PERF_TYPE_SOFTWARE.rawValue: "software"
        case PERF_TYPE_HARDWARE.rawValue, PERF_TYPE_HW_CACHE.rawValue, PERF_TYPE_RAW.rawValue: "hardware"
        default: "pmu\(attr.type)"
        }
    }

    var unit: CounterUnit {
        let isClock = attr.config == UInt64(PERF_COUNT_SW_TASK_CLOCK.rawValue) || attr.config == UInt64(PERF_COUNT_SW_CPU_CLOCK.rawValue)
        return attr.type == PERF_TYPE_SOFTWARE.rawValue && isClock ? .nanoseconds : .count
    }

    /// Context switches and migrations happen in the kernel only: counted user-only they read a
    /// false zero.
    var countsOnlyInKernel: Bool {
        attr.type == PERF_TYPE_SOFTWARE.rawValue
            && (attr.config == UInt64(PERF_COUNT_SW_CONTEXT_SWITCHES.rawValue) || attr.config == UInt64(PERF_COUNT_SW_CPU_MIGRATIONS.rawValue))
    }
}

/// libpfm4 keeps global tables; initialise once and encode under one lock, because tests and
/// the agent may create sessions from several threads.
enum PerfEventEncoding {
    private static let lock = Mutex<Bool>(false)

    /// The attr for `name` counting user and kernel mode (an explicit `:u`/`:k` modifier in the
    /// name wins), or the reason libpfm4 cannot encode it.
    static func encode(_ name: String) -> Result<EncodedEvent, EncodingFailure> {
        lock.withLock { initialised -> Result<EncodedEvent, EncodingFailure> in
            if !initialised {
                let rc = pfm_initialize()
                guard rc == PFM_SUCCESS else {
                    return .failure(EncodingFailure(description: "libpfm4 failed to initialise: \(String(cString: pfm_strerror(rc)))"))
                }
                initialised = true
            }
            var attr = perf_event_attr()
            var arg = pfm_perf_encode_arg_t()
            arg.size = MemoryLayout<pfm_perf_encode_arg_t>.size
            let rc = withUnsafeMutablePointer(to: &attr) { attrPtr -> Int32 in
                arg.attr = attrPtr
                return withUnsafeMutablePointer(to: &arg) { argPtr in
                    pfm_get_os_event_encoding(name, Int32(PFM_PLM0 | PFM_PLM3), PFM_OS_PERF_EVENT_EXT, argPtr)
                }
            }
            guard rc == PFM_SUCCESS else {
                return .failure(EncodingFailure(description: "libpfm4 cannot encode it: \(String(cString: pfm_strerror(rc)))"))
            }
            attr.size = UInt32(MemoryLayout<perf_event_attr>.size)
            return .success(EncodedEvent(name: name, attr: attr))
        }
    }

    struct EncodingFailure: Error {
        var description: String
    }
}
