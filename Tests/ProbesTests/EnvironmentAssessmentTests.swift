import BenchCore
import Foundation
import Probes
import Testing

/// The before/after rules on synthetic snapshots, and the fixtures' verdict inputs.
@Suite struct EnvironmentAssessmentTests {
    static func snapshot(
        cores: [CoreFrequencyState] = [], throttle: UInt32? = nil, load: Double? = nil, online: Int? = 4
    ) -> EnvironmentSnapshot {
        EnvironmentSnapshot(
            cores: cores, thermalZones: [], throttle: throttle.map(ThrottleFlags.init(raw:)),
            loadAverage: load.map { LoadAverage(oneMinute: $0, fiveMinutes: $0, fifteenMinutes: $0) }, onlineCPUs: online, unknown: [])
    }

    static func core(_ cpu: Int, _ governor: String, current: Int, max: Int = 2_400_000, policyMax: Int? = nil) -> CoreFrequencyState {
        CoreFrequencyState(
            cpu: cpu, governor: governor, currentFrequencyKHz: current, policyMaxFrequencyKHz: policyMax ?? max, hardwareMaxFrequencyKHz: max)
    }

    @Test func aQuietBoardHasNoIssues() {
        let quiet = Self.snapshot(cores: (0..<4).map { Self.core($0, "performance", current: 2_400_000) }, throttle: 0, load: 0.1)
        #expect(EnvironmentAssessment.issues(before: quiet, after: quiet).isEmpty)
    }

    @Test func occurredBitsThatAppearDuringTheRunAreThrottling() {
        let issues = EnvironmentAssessment.issues(before: Self.snapshot(throttle: 0x10000), after: Self.snapshot(throttle: 0x50000))
        #expect(issues.map(\.reason) == ["throttling-during-run: throttled occurred (throttled=0x10000 before, 0x50000 after)"])
    }

    @Test func activeBitsAreReportedWithTheSnapshot() {
        let issues = EnvironmentAssessment.issues(before: Self.snapshot(throttle: 0), after: Self.snapshot(throttle: 0x8_0008))
        #expect(issues.map(\.kind) == [.throttlingActive, .throttlingDuringRun])
        #expect(issues[0].reason == "throttling-active: after: soft-temperature-limit (throttled=0x80008)")
    }

    @Test func aCoreBelowItsMaximumUnderPerformanceIsFlaggedOnlyOnTheCoresUsed() {
        let after = Self.snapshot(cores: [
            Self.core(0, "performance", current: 2_400_000), Self.core(1, "performance", current: 1_500_000, policyMax: 1_500_000),
        ])
        let before = Self.snapshot(cores: [Self.core(0, "performance", current: 2_400_000), Self.core(1, "performance", current: 2_390_000)])
        let issues = EnvironmentAssessment.issues(before: before, after: after)
        #expect(issues.map(\.reason) == ["frequency-below-maximum: after: cpu1 at 1500000 of 2400000 kHz, policy max 1500000 kHz"])
        #expect(EnvironmentAssessment.issues(before: before, after: after, cpus: [0]).isEmpty)
    }

    @Test func governorsOtherThanPerformanceAreListed() {
        let s = Self.snapshot(cores: [
            Self.core(0, "ondemand", current: 600_000), Self.core(1, "ondemand", current: 600_000), Self.core(2, "schedutil", current: 600_000),
            Self.core(3, "performance", current: 2_400_000),
        ])
        let issues = EnvironmentAssessment.issues(before: s, after: s)
        #expect(issues.map(\.reason) == ["governor-not-performance: cpu 0-1: ondemand; cpu 2: schedutil"])
    }

    @Test func loadIsJudgedBeforeTheRunAgainstTheCPUCount() {
        let busy = Self.snapshot(load: 2.5, online: 4)
        let issues = EnvironmentAssessment.issues(before: busy, after: Self.snapshot(load: 9))
        #expect(issues.map(\.reason) == ["high-load: 1-minute load 2.5 before the run on 4 CPUs (threshold 2.0)"])
        #expect(EnvironmentAssessment.issues(before: Self.snapshot(load: 1.9), after: Self.snapshot(load: 9)).isEmpty)
        #expect(EnvironmentAssessment.issues(before: busy, after: busy, maxLoadPerCPU: 1).isEmpty)
    }

    @Test func theFixtureBoards() {
        let pi = EnvironmentProbe(
            root: SysfsRoot(EnvironmentSnapshotTests.fixture("pi5-throttled")),
            throttleCommand: [EnvironmentSnapshotTests.fixture("pi5-throttled") + "/bin/vcgencmd", "get_throttled"]
        ).snapshot()
        #expect(EnvironmentAssessment.issues(before: pi, after: pi).map(\.kind) == [.throttlingActive, .frequencyBelowMaximum])
        let orin = EnvironmentProbe(root: SysfsRoot(EnvironmentSnapshotTests.fixture("jetson-orin-env"))).snapshot()
        #expect(
            EnvironmentAssessment.issues(before: orin, after: orin).map(\.reason) == [
                "governor-not-performance: cpu 0-5: schedutil", "high-load: 1-minute load 3.41 before the run on 6 CPUs (threshold 3.0)",
            ])
        let rk = EnvironmentProbe(root: SysfsRoot(EnvironmentSnapshotTests.fixture("rk3588"))).snapshot()
        #expect(EnvironmentAssessment.issues(before: rk, after: rk).map(\.reason) == ["governor-not-performance: cpu 0: ondemand"])
        #expect(EnvironmentAssessment.issues(before: rk, after: rk, cpus: [4, 5, 6, 7]).isEmpty)
    }
}
