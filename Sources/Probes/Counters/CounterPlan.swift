import BenchCore
import CLibPFM

#if canImport(Glibc)
    import Glibc
#endif

/// Which requested events can be counted, how, and in which groups: decided once, by
/// encoding each event and opening it on the calling thread.
struct CounterPlan {
    struct Group {
        let name: String
        let events: [EncodedEvent]
    }

    let groups: [Group]
    /// Reasons for events that will not be counted.
    let unavailable: [String: String]
    let privilege: [String: CounterPrivilege]
    let paranoid: String
    private let units: [String: CounterUnit]

    init(events: [String], maxHardwareGroupSize: Int, paranoid: String) {
        self.paranoid = paranoid
        var usable: [EncodedEvent] = []
        var unavailable: [String: String] = [:]
        var privilege: [String: CounterPrivilege] = [:]
        var units: [String: CounterUnit] = [:]
        for name in events {
            switch PerfEventEncoding.encode(name) {
            case .failure(let failure):
                unavailable[name] = failure.description
            case .success(var event):
                units[name] = event.unit
                switch Self.tryOpen(&event, paranoid: paranoid) {
                case .success(let level):
                    usable.append(event)
                    privilege[name] = level
                case .failure(let reason):
                    unavailable[name] = reason.description
                }
            }
        }
        self.groups = Self.group(usable, maxHardwareGroupSize: maxHardwareGroupSize)
        self.unavailable = unavailable
        self.privilege = privilege
        self.units = units
    }

    /// Splits events into groups: all software events together (they never multiplex), other
    /// events by PMU in chunks of at most `maxHardwareGroupSize`, in request order.
    static func group(_ events: [EncodedEvent], maxHardwareGroupSize: Int) -> [Group] {
        var kinds: [String] = []
        var byKind: [String: [EncodedEvent]] = [:]
        for event in events {
            if byKind[event.groupKind] == nil { kinds.append(event.groupKind) }
            byKind[event.groupKind, default: []].append(event)
        }
        var groups: [Group] = []
        for kind in kinds {
            let members = byKind[kind] ?? []
            if kind == "software" {
                groups.append(Group(name: kind, events: members))
                continue
            }
            for (n, start) in stride(from: 0, to: members.count, by: maxHardwareGroupSize).enumerated() {
                groups.append(Group(name: "\(kind)-\(n)", events: Array(members[start..<min(start + maxHardwareGroupSize, members.count)])))
            }
        }
        return groups
    }

    func placement(of name: String) -> (group: String, event: EncodedEvent) {
        for group in groups {
            if let event = group.events.first(where: { $0.name == name }) { return (group.name, event) }
        }
        preconditionFailure("\(name) is neither planned nor unavailable")
    }

    /// The reading for an event known to be unavailable before start, else nil.
    func unavailableReading(_ name: String) -> CounterReading? {
        guard let reason = unavailable[name] else { return nil }
        return .unavailable(name, unit: units[name] ?? .count, reason: reason)
    }

    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// Opens the event alone on the calling thread and closes it. Counts user and kernel mode
    /// when allowed; when perf_event_paranoid forbids kernel mode, falls back to user mode,
    /// except for events that only ever happen in the kernel (they would read a false zero).
    static func tryOpen(_ event: inout EncodedEvent, paranoid: String) -> Result<CounterPrivilege, Refusal> {
        var err = openAndClose(event.attr)
        if err == 0 { return .success(event.attr.exclude_kernel == 0 ? .userAndKernel : .user) }
        if (err == EACCES || err == EPERM) && event.attr.exclude_kernel == 0 {
            if event.countsOnlyInKernel {
                return .failure(
                    Refusal(
                        description: "not permitted: perf_event_paranoid=\(paranoid) allows user-space counting only and this event "
                            + "happens only in the kernel (it would read 0); run as root or grant CAP_PERFMON"))
            }
            var userOnly = event.attr
            userOnly.exclude_kernel = 1
            userOnly.exclude_hv = 1
            err = openAndClose(userOnly)
            if err == 0 {
                event.attr = userOnly
                return .success(.user)
            }
        }
        return .failure(Refusal(description: PerfEventProbe.reason(errno: err, paranoid: paranoid)))
    }

    /// 0 when the event opens on the calling thread, else errno.
    private static func openAndClose(_ attr: perf_event_attr) -> Int32 {
        var attr = attr
        attr.disabled = 1
        let fd = CLibPFM_perf_event_open_cloexec(&attr, 0, -1, -1)
        guard fd >= 0 else { return CLibPFM_errno() }
        close(fd)
        return 0
    }
}
