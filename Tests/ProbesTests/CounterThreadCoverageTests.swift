import BenchCore
import Foundation
import Synchronization
import Testing

@testable import Probes

/// Proves every thread is counted: threads spinning before the session starts (as OpenBLAS's
/// and the runtime's do) and one started inside the window. Summed task-clock is compared with
/// the process's own CPU time over the same window; both cover the whole process (including
/// other tests running in parallel), so they must agree. An accuracy comparison, not a timing one.
@Suite(.serialized) struct CounterThreadCoverageTests {
    final class Spinner: Sendable {
        let stop = Atomic<Bool>(false)
        let threadCPUNanoseconds = Atomic<UInt64>(0)

        let finished = Atomic<Bool>(false)

        /// Spins until told to stop or, when `cpuBudgetNanoseconds` is given, until it has used
        /// that much CPU itself (so a loaded machine cannot starve the comparison).
        func start(cpuBudgetNanoseconds: UInt64 = .max) -> Thread {
            let thread = Thread { [self] in
                var sink = 0.0
                var i = 0.0
                while !stop.load(ordering: .relaxed) {
                    sink += i.squareRoot()
                    i += 1
                    if UInt64(i) % 4096 == 0 && Self.cpuNanoseconds(CLOCK_THREAD_CPUTIME_ID) >= cpuBudgetNanoseconds { break }
                }
                threadCPUNanoseconds.store(Self.cpuNanoseconds(CLOCK_THREAD_CPUTIME_ID), ordering: .relaxed)
                finished.store(true, ordering: .releasing)
                if sink < 0 { print(sink) }
            }
            thread.start()
            return thread
        }

        static func cpuNanoseconds(_ clock: clockid_t) -> UInt64 {
            var ts = timespec()
            clock_gettime(clock, &ts)
            return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
        }
    }

    /// Spins two threads from before `start()` and one from inside the window, waits, stops.
    /// Returns the session's task-clock total, the process CPU time over the window, and the
    /// late thread's own CPU time.
    static func measure(options: CounterSession.Options) throws -> (taskClock: Double, processCPU: Double, late: Double, results: CounterResults) {
        let early = Spinner()
        let late = Spinner()
        _ = early.start()
        _ = early.start()
        usleep(50_000)  // the early threads exist and run before counting starts
        let session = try CounterSession(events: ["perf::PERF_COUNT_SW_TASK_CLOCK"], options: options)
        let cpuBefore = Spinner.cpuNanoseconds(CLOCK_PROCESS_CPUTIME_ID)
        try session.start()
        usleep(100_000)
        _ = late.start(cpuBudgetNanoseconds: 80_000_000)
        usleep(200_000)
        // The late thread finishes (and exits) inside the window: its counts fold into its parent's.
        for _ in 0..<300 where !late.finished.load(ordering: .acquiring) { usleep(10_000) }
        late.stop.store(true, ordering: .relaxed)
        usleep(20_000)
        let results = try session.stop()
        let cpuAfter = Spinner.cpuNanoseconds(CLOCK_PROCESS_CPUTIME_ID)
        early.stop.store(true, ordering: .relaxed)
        let taskClock = results.reading("perf::PERF_COUNT_SW_TASK_CLOCK")?.value ?? -1
        return (taskClock, Double(cpuAfter - cpuBefore), Double(late.threadCPUNanoseconds.load(ordering: .relaxed)), results)
    }

    @Test func taskClockOverAllThreadsMatchesProcessCPUTime() throws {
        guard CounterSessionTests.privileged else {
            print("CounterThreadCoverageTests: not root and perf_event_paranoid > 1: task-clock may be refused; skipped")
            return
        }
        let m = try Self.measure(options: .init())
        let ratio = m.taskClock / m.processCPU
        print(
            "CounterThreadCoverageTests: inherit+group: task-clock \(m.taskClock / 1e6) ms, process CPU \(m.processCPU / 1e6) ms, "
                + "ratio \(ratio), late thread \(m.late / 1e6) ms, threads \(m.results.threadsCounted)")
        #expect(m.results.threadsCounted >= 3)
        #expect(m.results.groupReads && m.results.inheritsNewThreads)
        #expect(m.late > 60e6, "the late thread must have run for the comparison to mean anything")
        #expect(ratio > 0.9 && ratio < 1.1)
    }

    @Test func perEventReadsCountTheSame() throws {
        guard CounterSessionTests.privileged else { return }
        let m = try Self.measure(options: .init(groupReads: false))
        let ratio = m.taskClock / m.processCPU
        print("CounterThreadCoverageTests: inherit, per-event reads: ratio \(ratio)")
        #expect(!m.results.groupReads)
        #expect(ratio > 0.9 && ratio < 1.1)
    }

    /// Without inherit the thread started inside the window is missed: the comparison above is
    /// able to see a missing thread.
    @Test func withoutInheritALateThreadIsMissed() throws {
        guard CounterSessionTests.privileged else { return }
        let m = try Self.measure(options: .init(inheritNewThreads: false))
        print(
            "CounterThreadCoverageTests: no inherit: task-clock \(m.taskClock / 1e6) ms, process CPU \(m.processCPU / 1e6) ms, "
                + "late thread \(m.late / 1e6) ms")
        #expect(!m.results.inheritsNewThreads)
        #expect(m.taskClock < m.processCPU - 0.5 * m.late)
    }
}
