import BenchCore
import CLibPFM

#if canImport(Glibc)
    import Glibc
#endif

/// Counts performance events over one window for every thread of this process
/// (docs/sections/counters-environment.md).
///
/// `init` encodes each event with libpfm4 and tries it once on the calling thread, so events
/// that cannot be counted are known, with their reason, before anything runs. `start()` opens
/// one set of groups per thread listed in /proc/self/task (the runtime's and OpenBLAS's
/// threads exist by then), with `inherit` so threads created later are counted too, and
/// enables them. `stop()` disables, reads, scales and sums.
///
///     let session = try CounterSession(events: PerfEventProbe.defaultEvents)
///     try session.start()
///     runIterations()
///     let results = try session.stop()
///     let perIteration = results.perIteration(iterations: n)
public final class CounterSession {
    public struct Options: Sendable {
        /// Count threads created after `start()` through perf's `inherit`.
        public var inheritNewThreads: Bool
        /// Read groups with PERF_FORMAT_GROUP; falls back to per-event reads by itself when the
        /// kernel refuses `inherit` together with group reads.
        public var groupReads: Bool
        /// Hardware events per group: a group only counts when all its members fit on the PMU
        /// at once (Arm cores have 6 counters, x86 4-8 with one often taken by the NMI watchdog).
        public var maxHardwareGroupSize: Int

        public init(inheritNewThreads: Bool = true, groupReads: Bool = true, maxHardwareGroupSize: Int = 4) {
            self.inheritNewThreads = inheritNewThreads
            self.groupReads = groupReads
            self.maxHardwareGroupSize = max(1, maxHardwareGroupSize)
        }
    }

    public let events: [String]
    public let options: Options
    let plan: CounterPlan
    private var groupReads: Bool
    private var opened: [(groupIndex: Int, group: PerfEventGroup)] = []
    private var countedThreads: Set<pid_t> = []
    private var threadsGone = 0
    /// Events that failed to open on some thread during start(): they are reported unavailable
    /// rather than as a partial sum.
    private var openFailures: [String: String] = [:]
    private var startNanoseconds: UInt64?
    private var stopped = false

    /// - Parameter root: where perf_event_paranoid is read (for reasons); threads always come
    ///   from the real /proc/self/task.
    /// The process whose threads are counted: nil, this one; otherwise a program the agent
    /// started (an external runtime), which must be running when `start()` lists its threads.
    public let process: pid_t?

    public init(
        events: [String] = PerfEventProbe.defaultEvents, options: Options = Options(), root: SysfsRoot = SysfsRoot(), process: pid_t? = nil
    ) throws {
        self.process = process
        guard !events.isEmpty else { throw CounterError.noEvents }
        var seen = Set<String>()
        for event in events where !seen.insert(event).inserted { throw CounterError.duplicateEvent(event) }
        self.events = events
        self.options = options
        self.groupReads = options.groupReads
        let paranoid = root.value("/proc/sys/kernel/perf_event_paranoid") ?? "unknown"
        self.plan = CounterPlan(events: events, maxHardwareGroupSize: options.maxHardwareGroupSize, paranoid: paranoid)
    }

    /// Events that will not be counted, with the reason, as known before `start()`.
    public var unavailableEvents: [String: String] { plan.unavailable }

    public func start() throws {
        guard startNanoseconds == nil else { throw CounterError.alreadyStarted }
        // Threads created while we open counters are caught by listing again until nothing new
        // appears; after that, new threads are children of counted ones and inherit.
        for _ in 0..<16 {
            let fresh = CPUAffinity.threadIDs(process: process).filter { !countedThreads.contains($0) }
            if fresh.isEmpty { break }
            for tid in fresh { open(on: tid) }
        }
        startNanoseconds = MonotonicClock.nanoseconds()
        for entry in opened { entry.group.enable() }
    }

    public func stop() throws -> CounterResults {
        guard let startNanoseconds else { throw CounterError.notStarted }
        guard !stopped else { throw CounterError.alreadyStarted }
        for entry in opened { entry.group.disable() }
        let window = MonotonicClock.nanoseconds() - startNanoseconds
        stopped = true
        var samples: [String: [CounterSample]] = [:]
        var readFailures: [String: Int] = [:]
        for entry in opened {
            let members = plan.groups[entry.groupIndex].events
            for (member, sample) in zip(members, entry.group.read()) {
                if let sample { samples[member.name, default: []].append(sample) } else { readFailures[member.name, default: 0] += 1 }
            }
        }
        let allGroupReads = opened.allSatisfy { $0.group.groupReads }
        opened = []
        let readings = events.map { name -> CounterReading in
            if let reading = plan.unavailableReading(name) { return reading }
            let (group, event) = plan.placement(of: name)
            if let reason = openFailures[name] { return .unavailable(name, unit: event.unit, group: group, reason: reason) }
            if let failed = readFailures[name] {
                return .unavailable(name, unit: event.unit, group: group, reason: "reading the counter failed on \(failed) thread(s)")
            }
            return CounterAggregate.reading(
                event: name, unit: event.unit, group: group, privilege: plan.privilege[name] ?? .userAndKernel, samples: samples[name] ?? [])
        }
        return CounterResults(
            readings: readings, threadsCounted: countedThreads.count, threadsExitedBeforeOpen: threadsGone,
            inheritsNewThreads: options.inheritNewThreads, groupReads: allGroupReads, windowNanoseconds: window)
    }

    private func open(on tid: pid_t) {
        countedThreads.insert(tid)
        var groups: [(Int, PerfEventGroup)] = []
        for (index, planned) in plan.groups.enumerated() {
            do throws(PerfEventGroup.OpenFailure) {
                groups.append((index, try openGroup(planned, tid: tid)))
            } catch {
                switch error {
                case .threadGone:
                    threadsGone += 1
                    countedThreads.remove(tid)
                    return
                case .leader(let err):
                    for event in planned.events { recordFailure(event.name, errno: err, tid: tid) }
                    continue
                }
            }
            if let group = groups.last?.1 {
                for (member, err) in group.memberErrors { recordFailure(planned.events[member].name, errno: err, tid: tid) }
            }
        }
        opened += groups.map { (groupIndex: $0.0, group: $0.1) }
    }

    private func openGroup(_ planned: CounterPlan.Group, tid: pid_t) throws(PerfEventGroup.OpenFailure) -> PerfEventGroup {
        let inherit = options.inheritNewThreads
        let first = Result { () throws(PerfEventGroup.OpenFailure) in
            try PerfEventGroup(events: planned.events, tid: tid, inherit: inherit, groupReads: groupReads)
        }
        // Older kernels refuse PERF_FORMAT_GROUP together with inherit: read events one by one.
        if case .failure(.leader(let err)) = first, err == EINVAL, groupReads, inherit {
            groupReads = false
            return try PerfEventGroup(events: planned.events, tid: tid, inherit: true, groupReads: false)
        }
        return try first.get()
    }

    private func recordFailure(_ event: String, errno err: Int32, tid: pid_t) {
        guard openFailures[event] == nil else { return }
        let why = err == EMFILE ? "too many open files (one fd per event and thread)" : PerfEventProbe.reason(errno: err, paranoid: plan.paranoid)
        openFailures[event] = "could not be opened on thread \(tid): \(why)"
    }

}
