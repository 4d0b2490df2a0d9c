import BenchCore
import Foundation
import Probes
import Synchronization
import Testing

@Suite struct EnvironmentCoresTests {
    @Test func bigCoresOfABigLittleBoardComeFromCPUCapacity() throws {
        let probe = EnvironmentProbe(root: SysfsRoot(EnvironmentSnapshotTests.fixture("rk3588")))
        #expect(try probe.resolveCores(spec: "big") == ResolvedCores(cpus: [4, 5, 6, 7], basis: "highest cpu_capacity, 1024"))
        #expect(try probe.resolveCores(spec: "all").cpus == Array(0...7))
        #expect(try probe.resolveCores(spec: " 0-1, 6 ") == ResolvedCores(cpus: [0, 1, 6], basis: "listed"))
        #expect(throws: CoreSelectionError.self) { try probe.resolveCores(spec: "4-9") }
        #expect(throws: CoreSelectionError.self) { try probe.resolveCores(spec: "little") }
        #expect(throws: CoreSelectionError.self) { try probe.resolveCores(spec: "3-1") }
    }

    @Test func withoutCPUCapacityTheHighestMaximumFrequencyDecides() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-cores-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for (cpu, khz) in [(0, 1_800_000), (1, 1_800_000), (2, 2_256_000), (3, 2_256_000)] {
            let cpufreq = dir.appendingPathComponent("sys/devices/system/cpu/cpu\(cpu)/cpufreq")
            try FileManager.default.createDirectory(at: cpufreq, withIntermediateDirectories: true)
            try "\(khz)\n".write(to: cpufreq.appendingPathComponent("cpuinfo_max_freq"), atomically: false, encoding: .utf8)
        }
        let probe = EnvironmentProbe(root: SysfsRoot(dir.path))
        #expect(try probe.resolveCores(spec: "big") == ResolvedCores(cpus: [2, 3], basis: "highest cpuinfo_max_freq, 2256000 kHz"))
    }

    @Test func identicalCoresAreAllBig() throws {
        let orin = EnvironmentProbe(root: SysfsRoot(EnvironmentSnapshotTests.fixture("jetson-orin-env")))
        #expect(try orin.resolveCores(spec: "big") == ResolvedCores(cpus: Array(0...5), basis: "cpuinfo_max_freq 1510400 kHz on every CPU: all cores are big"))
        let pi = EnvironmentProbe(root: SysfsRoot(EnvironmentSnapshotTests.fixture("pi5-throttled")))
        #expect(try pi.resolveCores(spec: "big").cpus == [0, 1, 2, 3])
        let vm = EnvironmentProbe(root: SysfsRoot("/nonexistent-root"))
        #expect(throws: CoreSelectionError.self) { try vm.resolveCores(spec: "big") }
    }

    @Test func cpuListsParseAndFormat() throws {
        #expect(try CPUList.parse("0-3,6") == [0, 1, 2, 3, 6])
        #expect(try CPUList.parse("6,0-1,1") == [0, 1, 6])
        #expect(CPUList.format([6, 0, 1, 2, 3]) == "0-3,6")
        #expect(throws: CPUList.ParseError.self) { try CPUList.parse("a-b") }
        #expect(throws: CPUList.ParseError.self) { try CPUList.parse("") }
    }
}

/// Cooldown with an injected clock whose sleep advances time and cools a fixture zone.
@Suite struct EnvironmentCooldownTests {
    final class FakeClock: Sendable {
        let seconds = Mutex<Double>(0)
        let sleeps = Mutex<[Double]>([])
        let onSleep: @Sendable (Double) -> Void

        init(onSleep: @escaping @Sendable (Double) -> Void = { _ in }) { self.onSleep = onSleep }

        var clock: CooldownClock {
            CooldownClock(
                now: { self.seconds.withLock { $0 } },
                sleep: { s in
                    self.sleeps.withLock { $0.append(s) }
                    let now = self.seconds.withLock { value -> Double in
                        value += s
                        return value
                    }
                    self.onSleep(now)
                })
        }
    }

    static func zoneTree(celsius: Double) throws -> (URL, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bb-cool-\(UUID().uuidString)")
        let zone = dir.appendingPathComponent("sys/class/thermal/thermal_zone0")
        try FileManager.default.createDirectory(at: zone, withIntermediateDirectories: true)
        try "cpu-thermal\n".write(to: zone.appendingPathComponent("type"), atomically: false, encoding: .utf8)
        let temp = zone.appendingPathComponent("temp")
        try "\(Int(celsius * 1000))\n".write(to: temp, atomically: false, encoding: .utf8)
        return (dir, temp)
    }

    @Test func waitsUntilTheHottestZoneIsBelowTheThreshold() throws {
        let (dir, temp) = try Self.zoneTree(celsius: 71.5)
        defer { try? FileManager.default.removeItem(at: dir) }
        // The zone cools to 48 °C once 6 s have passed.
        let fake = FakeClock { now in
            if now >= 6 { try? "48000\n".write(to: temp, atomically: false, encoding: .utf8) }
        }
        let outcome = EnvironmentProbe(root: SysfsRoot(dir.path)).coolDown(belowCelsius: 50, pollSeconds: 2, timeoutSeconds: 60, clock: fake.clock)
        #expect(outcome == CooldownOutcome(status: .reached, targetCelsius: 50, lastCelsius: 48, waitedSeconds: 6))
        #expect(fake.sleeps.withLock { $0 } == [2, 2, 2])
    }

    @Test func timesOutWithTheLastTemperature() throws {
        let (dir, _) = try Self.zoneTree(celsius: 80)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = FakeClock()
        let outcome = EnvironmentProbe(root: SysfsRoot(dir.path)).coolDown(belowCelsius: 50, pollSeconds: 4, timeoutSeconds: 10, clock: fake.clock)
        #expect(outcome == CooldownOutcome(status: .timedOut, targetCelsius: 50, lastCelsius: 80, waitedSeconds: 10))
        #expect(fake.sleeps.withLock { $0 } == [4, 4, 2])
    }

    @Test func aBoardWithoutThermalZonesDoesNotWait() {
        let fake = FakeClock()
        let outcome = EnvironmentProbe(root: SysfsRoot("/nonexistent-root")).coolDown(belowCelsius: 50, clock: fake.clock)
        #expect(outcome.status == .noThermalZones && outcome.lastCelsius == nil && outcome.waitedSeconds == 0)
        #expect(fake.sleeps.withLock { $0 }.isEmpty)
    }

    @Test func theSystemClockReallySleeps() throws {
        let (dir, _) = try Self.zoneTree(celsius: 80)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outcome = EnvironmentProbe(root: SysfsRoot(dir.path)).coolDown(belowCelsius: 50, pollSeconds: 0.02, timeoutSeconds: 0.05)
        #expect(outcome.status == .timedOut && outcome.waitedSeconds >= 0.05)
    }
}
