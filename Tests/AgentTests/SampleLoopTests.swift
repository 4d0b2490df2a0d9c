import Agent
import BenchCore
import Testing

/// The sample loop driven by a synthetic clock: each execution advances it by a known amount,
/// so warmup counts, calibrated repeats and per-execution samples are exact arithmetic.
@Suite struct SampleLoopTests {
    final class FakeClock: @unchecked Sendable {
        var now: Int64 = 1_000_000
        var executions = 0
    }

    func loop(_ settings: MeasurementSettings, step: Int64) -> (SampleLoop, FakeClock) {
        let clock = FakeClock()
        let loop = SampleLoop(settings: settings, clock: { clock.now }) {
            clock.now += step
            clock.executions += 1
        }
        return (loop, clock)
    }

    @Test func shortWorkIsTimedInCalibratedBatches() {
        // 3 µs per execution, 2 ms minimum sample: 667 executions per sample.
        let (l, _) = loop(MeasurementSettings(warmupRuns: 5, warmupSeconds: 0, iterations: 20, minSampleMilliseconds: 2), step: 3_000)
        let r = l.run()
        #expect(r.warmupRuns == 5)
        #expect(r.repeatsPerSample == 667)
        // One trial batch of 667 confirmed the estimate: device time the table build counts.
        #expect(r.calibrationNanoseconds == 667 * 3_000)
        #expect(r.samples == Array(repeating: 3_000, count: 20))
        #expect(r.offsets == (0..<20).map { Int64($0) * 667 * 3_000 })
        #expect(r.measuredNanoseconds == 20 * 667 * 3_000)
        #expect(r.cutShort == nil)
    }

    @Test func longWorkIsTimedOneExecutionPerSample() {
        let (l, clock) = loop(MeasurementSettings(warmupRuns: 2, warmupSeconds: 0, iterations: 10, minSampleMilliseconds: 2), step: 5_000_000)
        let r = l.run()
        #expect(r.repeatsPerSample == 1)
        #expect(r.calibrationNanoseconds == 0)
        #expect(r.samples == Array(repeating: 5_000_000, count: 10))
        #expect(clock.executions == 12)
    }

    @Test func warmupLastsAtLeastItsMinimumTime() {
        // 1 ms executions, 2 runs but 10 ms of warmup: 10 warmups.
        let (l, _) = loop(MeasurementSettings(warmupRuns: 2, warmupSeconds: 0.01, iterations: 3, minSampleMilliseconds: 0), step: 1_000_000)
        let r = l.run()
        #expect(r.warmupRuns == 10 && r.warmupNanoseconds == 10_000_000)
    }

    @Test func samplingRunsUntilTheMinimumTimeAndStopsAtTheMaximum() {
        // 10 ms executions: 3 iterations but 100 ms minimum gives 10 samples...
        let atLeast = MeasurementSettings(warmupRuns: 0, warmupSeconds: 0, iterations: 3, minMeasureSeconds: 0.1, minSampleMilliseconds: 0)
        let (a, _) = loop(atLeast, step: 10_000_000)
        #expect(a.run().samples.count == 10)
        // ...and 1000 iterations with a 50 ms maximum stop after 5, flagged.
        let atMost = MeasurementSettings(warmupRuns: 0, warmupSeconds: 0, iterations: 1000, maxMeasureSeconds: 0.05, minSampleMilliseconds: 0)
        let (b, _) = loop(atMost, step: 10_000_000)
        let r = b.run()
        #expect(r.samples.count == 5)
        #expect(r.cutShort == "sampling stopped at maxMeasureSeconds (0.05 s) after 5 of 1000 samples")
    }

    @Test func samplingHookRunsOnceBeforeTheFirstSample() {
        let (l, clock) = loop(MeasurementSettings(warmupRuns: 3, warmupSeconds: 0, iterations: 4, minSampleMilliseconds: 0), step: 1_000)
        var executionsAtHook = -1
        let r = l.run { executionsAtHook = clock.executions }
        #expect(executionsAtHook == 3)
        #expect(r.samples.count == 4)
    }
}
