import BenchCore
import Foundation
import Testing

@testable import Probes

/// Grouping, multiplex scaling and result shapes, on synthetic data.
@Suite struct CounterAggregateTests {
    @Test func multiplexedCountsAreScaledByEnabledOverRunning() {
        // Two threads; the group had the PMU for half of its enabled time overall.
        let samples = [CounterSample(value: 1_000, enabled: 400, running: 200), CounterSample(value: 3_000, enabled: 600, running: 300)]
        let r = CounterAggregate.reading(event: "perf::CYCLES", unit: .count, group: "hardware-0", privilege: .user, samples: samples)
        #expect(r.rawValue == 4_000 && r.value == 8_000)
        #expect(r.timeEnabledNanoseconds == 1_000 && r.timeRunningNanoseconds == 500)
        #expect(r.scalingFactor == 2 && r.multiplexed)
        #expect(r.perIteration(iterations: 4) == 2_000)
    }

    @Test func countsThatRanThroughoutAreNotScaled() {
        let r = CounterAggregate.reading(
            event: "e", unit: .nanoseconds, group: "software", privilege: .userAndKernel, samples: [CounterSample(value: 7, enabled: 9, running: 9)])
        #expect(r.value == 7 && r.scalingFactor == 1 && !r.multiplexed)
    }

    @Test func anEventThatNeverRanIsUnavailableNotZero() {
        let r = CounterAggregate.reading(
            event: "perf::CYCLES", unit: .count, group: "hardware-1", privilege: .user, samples: [CounterSample(value: 0, enabled: 500, running: 0)])
        #expect(r.value == nil && r.rawValue == nil && !r.isAvailable)
        #expect(r.unavailableReason?.hasPrefix("never counted: running 0 of 500 ns enabled") == true)
        #expect(r.perIteration(iterations: 10) == nil)
    }

    @Test func softwareEventsShareOneGroupAndHardwareEventsAreChunkedPerPMU() {
        let events = [
            EncodedEvent(name: "cycles", type: 0, config: 0), EncodedEvent(name: "task-clock", type: 1, config: 1),
            EncodedEvent(name: "instructions", type: 0, config: 1), EncodedEvent(name: "l1d", type: 3, config: 0),
            EncodedEvent(name: "raw", type: 4, config: 0x11), EncodedEvent(name: "faults", type: 1, config: 2),
            EncodedEvent(name: "a76-cycles", type: 9, config: 0x11),
        ]
        let groups = CounterPlan.group(events, maxHardwareGroupSize: 3)
        #expect(groups.map(\.name) == ["hardware-0", "hardware-1", "software", "pmu9-0"])
        #expect(groups.map { $0.events.map(\.name) } == [["cycles", "instructions", "l1d"], ["raw"], ["task-clock", "faults"], ["a76-cycles"]])
        #expect(events[1].unit == .nanoseconds && events[5].unit == .count)
        #expect(EncodedEvent(name: "cs", type: 1, config: 3).countsOnlyInKernel)
    }

    @Test func resultsRoundTripAndGivePerIterationValuesForCountedEventsOnly() throws {
        let results = CounterResults(
            readings: [
                CounterAggregate.reading(
                    event: "perf::PERF_COUNT_SW_TASK_CLOCK", unit: .nanoseconds, group: "software", privilege: .userAndKernel,
                    samples: [CounterSample(value: 5_000, enabled: 5_000, running: 5_000)]),
                .unavailable("perf::CYCLES", unit: .count, reason: "unsupported on this CPU (no hardware PMU exposes it)"),
            ], threadsCounted: 3, threadsExitedBeforeOpen: 0, inheritsNewThreads: true, groupReads: true, windowNanoseconds: 9_000)
        #expect(results.perIteration(iterations: 10) == ["perf::PERF_COUNT_SW_TASK_CLOCK": 500])
        let decoded = try JSONDecoder().decode(CounterResults.self, from: try JSONEncoder().encode(results))
        #expect(decoded == results)
    }
}
