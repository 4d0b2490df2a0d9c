import BenchCore
import Foundation
import Probes
import Testing

/// Snapshots read from fixture trees that mimic boards, with exact numbers.
@Suite struct EnvironmentSnapshotTests {
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    @Test func aThrottledPi5() throws {
        let probe = EnvironmentProbe(
            root: SysfsRoot(Self.fixture("pi5-throttled")), throttleCommand: [Self.fixture("pi5-throttled") + "/bin/vcgencmd", "get_throttled"])
        let s = probe.snapshot()
        #expect(s.unknown == [])
        #expect(s.cores.count == 4)
        #expect(
            s.cores[2]
                == CoreFrequencyState(
                    cpu: 2, governor: "performance", currentFrequencyKHz: 1_500_000, policyMaxFrequencyKHz: 2_400_000,
                    hardwareMaxFrequencyKHz: 2_400_000))
        #expect(s.thermalZones == [ThermalZoneReading(zone: "thermal_zone0", type: "cpu-thermal", celsius: 85.35)])
        #expect(s.hottestCelsius == 85.35)
        let flags = try #require(s.throttle)
        #expect(flags.raw == 0x50005)
        #expect(flags.now == [.underVoltage, .throttled])
        #expect(flags.sinceBoot == [.underVoltage, .throttled])
        #expect(s.loadAverage == LoadAverage(oneMinute: 0.52, fiveMinutes: 0.58, fifteenMinutes: 0.59))
        #expect(s.onlineCPUs == 4)
    }

    @Test func aJetsonOrinHasNoThrottleFlagsAndAnUnusedSensor() {
        let s = EnvironmentProbe(root: SysfsRoot(Self.fixture("jetson-orin-env"))).snapshot()
        #expect(s.cores.map(\.cpu) == [0, 1, 2, 3, 4, 5])
        #expect(s.cores.allSatisfy { $0.governor == "schedutil" && $0.currentFrequencyKHz == 729_600 && $0.hardwareMaxFrequencyKHz == 1_510_400 })
        #expect(s.thermalZones.map(\.type) == ["cpu-thermal", "gpu-thermal", "cv0-thermal", "soc0-thermal", "tj-thermal"])
        #expect(s.thermalZones.map(\.celsius) == [47.218, 45.937, nil, 46.375, 47.218])
        #expect(s.hottestCelsius == 47.218)
        #expect(s.throttle == nil)
        #expect(
            s.unknown == [
                "thermal: thermal_zone2 (cv0-thermal) reads -256.0 °C, an unused sensor",
                "throttling: no throttle command for this board (vcgencmd get_throttled exists on Raspberry Pi only)",
            ])
        #expect(s.loadAverage?.oneMinute == 3.41 && s.onlineCPUs == 6)
    }

    @Test func missingSourcesAreUnknownWithReasons() {
        let s = EnvironmentProbe(root: SysfsRoot("/nonexistent-root"), throttleCommand: ["/nonexistent/vcgencmd", "get_throttled"]).snapshot()
        #expect(s.cores.isEmpty && s.thermalZones.isEmpty && s.throttle == nil && s.loadAverage == nil && s.onlineCPUs == nil)
        #expect(s.hottestCelsius == nil)
        #expect(s.unknown.count == 5)
        #expect(s.unknown.contains { $0.hasPrefix("cpufreq: ") })
        #expect(s.unknown.contains("thermal: no /sys/class/thermal/thermal_zone*"))
        #expect(s.unknown.contains { $0.hasPrefix("throttling: cannot run /nonexistent/vcgencmd") })
    }

    @Test func aThrottleCommandPrintingSomethingElseIsUnknown() {
        let s = EnvironmentProbe(root: SysfsRoot("/nonexistent-root"), throttleCommand: ["/bin/echo", "error=1"]).snapshot()
        #expect(s.throttle == nil)
        #expect(s.unknown.contains("throttling: /bin/echo error=1 printed \"error=1\", not throttled=0x..."))
    }

    /// This machine: whatever it lacks (a VM has no cpufreq) is unknown, and nothing fails.
    @Test func thisMachineNeverFails() throws {
        let s = EnvironmentProbe().snapshot()
        #expect(s.loadAverage != nil)
        if s.cores.isEmpty { #expect(s.unknown.contains { $0.hasPrefix("cpufreq: ") }) }
        let decoded = try JSONDecoder().decode(EnvironmentSnapshot.self, from: try JSONEncoder().encode(s))
        #expect(decoded == s)
    }

    @Test func throttleBitsDecode() {
        let flags = ThrottleFlags(raw: 0xF_000A)
        #expect(flags.now == [.armFrequencyCapped, .softTemperatureLimit])
        #expect(flags.sinceBoot == ThrottleCondition.allCases)
        #expect(ThrottleFlags(raw: 0).now.isEmpty && ThrottleFlags(raw: 0).sinceBoot.isEmpty)
    }
}
