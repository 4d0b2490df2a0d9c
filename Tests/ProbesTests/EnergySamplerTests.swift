import BenchCore
import Foundation
import Probes
import Testing

/// The sampler against fixture trees whose files change while it runs. Expected joules come
/// from the simulated power and the window the sampler measured, never from how long the test
/// took.
@Suite struct EnergySamplerTests {
    static func sleep(milliseconds: Double) { MonotonicClock.sleep(seconds: milliseconds / 1000) }

    @Test func constantFiveWattsGivesFiveWattsTimesLatencyPerInference() throws {
        let dir = try EnergyFixture.copy("jetson-orin-l4t36")
        defer { try? FileManager.default.removeItem(at: dir) }
        let rail = dir.appendingPathComponent("sys/bus/i2c/drivers/ina3221/1-0040/hwmon/hwmon3")
        try EnergyFixture.write("5000", to: rail.appendingPathComponent("in1_input"))
        try EnergyFixture.write("1000", to: rail.appendingPathComponent("curr1_input"))
        let meter = EnergyMeter(config: EnergyConfig(provider: .ina3221Hwmon, rail: "VDD_IN", sampleRateHertz: 200), root: SysfsRoot(dir.path))
        #expect(meter.unavailableReason == nil)

        let inferences = 20
        let outerBegin = MonotonicClock.nanoseconds()
        meter.start()
        let begin = MonotonicClock.nanoseconds()
        for _ in 0..<inferences { Self.sleep(milliseconds: 10) }  // one simulated inference each
        let end = MonotonicClock.nanoseconds()
        let m = meter.stop(inferences: inferences)
        let outerEnd = MonotonicClock.nanoseconds()

        // The sampler's window lies between the test's inner bracket (inside start() ... stop())
        // and its outer one (around them), so the latency is bracketed too, whatever the scheduler did.
        let latency = Double(end - begin) / 1e9 / Double(inferences)
        let outerLatency = Double(outerEnd - outerBegin) / 1e9 / Double(inferences)
        let perInference = try #require(m.joulesPerInference)
        #expect(perInference >= 0.99 * 5 * latency && perInference <= 1.01 * 5 * outerLatency, "\(perInference) J vs \(5 * latency) J")
        #expect(abs((m.averageWatts ?? 0) - 5) < 1e-9)
        #expect(m.status == .measured && m.sampleCount >= 2)
    }

    @Test func aStepFromThreeToSixWattsIntegratesToItsJoules() throws {
        let dir = try EnergyFixture.copy("jetson-nano-l4t32")
        defer { try? FileManager.default.removeItem(at: dir) }
        let power = dir.appendingPathComponent("sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0/in_power0_input")
        try EnergyFixture.write("3000", to: power)
        let source = try EnergySources.open(EnergyConfig(provider: .ina3221IIO, rail: "POM_5V_IN"), root: SysfsRoot(dir.path)).get()
        let sampler = EnergySampler(source: source, sampleRateHertz: 200)

        sampler.start()
        Self.sleep(milliseconds: 100)
        let switchAfter = MonotonicClock.nanoseconds()
        try EnergyFixture.write("6000", to: power)
        let switchBefore = MonotonicClock.nanoseconds()
        Self.sleep(milliseconds: 100)
        let window = try #require(sampler.stop())
        let m = EnergyMeasurement.from(
            window: window, source: source, precision: EnergyPrecision(sampleRateHertz: 200, sensorUpdateIntervalSeconds: nil, minimumSamples: 10),
            inferences: 1)

        // The step happened somewhere in [switchAfter, switchBefore].
        func joules(switchingAt t: UInt64) -> Double {
            3 * Double(t - window.startNanoseconds) / 1e9 + 6 * Double(window.endNanoseconds - t) / 1e9
        }
        // Tolerance: the trapezoid smears a step of dP over the sample interval holding it, an
        // error of at most dP x interval / 2 (7.5 mJ at 200 Hz, ~0.8% of the ~0.9 J); the
        // window's edges beyond the first and last sample are filled with the average power.
        let gap = try #require(m.maxSampleIntervalSeconds)
        let uncovered = window.seconds - Double(window.samples.last!.timeNanoseconds - window.samples.first!.timeNanoseconds) / 1e9
        let tolerance = 3 * gap / 2 + 6 * uncovered + 1e-9
        let total = try #require(m.totalJoules)
        #expect(
            total >= joules(switchingAt: switchBefore) - tolerance && total <= joules(switchingAt: switchAfter) + tolerance,
            "\(total) J, expected \(joules(switchingAt: switchBefore))...\(joules(switchingAt: switchAfter)) +- \(tolerance)")
        #expect(window.samples.first?.value == 3 && window.samples.last?.value == 6)
    }

    @Test func aRAPLCounterThatWrapsMidRunGivesTheRightDelta() throws {
        let dir = try EnergyFixture.copy("rapl-x86")
        defer { try? FileManager.default.removeItem(at: dir) }
        let counter = dir.appendingPathComponent("sys/class/powercap/intel-rapl:0/energy_uj")
        let range: Int64 = 262_143_328_850
        var value: Int64 = 262_143_000_000  // 0.33 J below the wrap
        try EnergyFixture.write(String(value), to: counter)
        let meter = EnergyMeter(config: EnergyConfig(provider: .rapl, rail: "package-0", sampleRateHertz: 500), root: SysfsRoot(dir.path))
        #expect(meter.unavailableReason == nil)

        meter.start()
        for _ in 0..<20 {  // 0.1 J every 5 ms: 2 J, wrapping at the fourth step
            Self.sleep(milliseconds: 5)
            value = (value + 100_000) % range
            try EnergyFixture.write(String(value), to: counter)
        }
        Self.sleep(milliseconds: 5)
        let m = meter.stop(inferences: 4)

        #expect(m.counterWraps == 1)
        let total = try #require(m.totalJoules)
        // start() and stop() read the counter themselves and the window runs from one read to
        // the other, so the energy is exactly the 2 J written.
        #expect(abs(total - 2) < 1e-6, "\(total) J")
        #expect(abs((m.joulesPerInference ?? 0) - 0.5) < 1e-6)
        #expect(m.quantity == .energyCounter)
    }

    @Test func anIdleBaselineIsSubtracted() throws {
        let dir = try EnergyFixture.copy("jetson-nano-l4t32")
        defer { try? FileManager.default.removeItem(at: dir) }
        let power = dir.appendingPathComponent("sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0/in_power0_input")
        try EnergyFixture.write("2000", to: power)
        let meter = EnergyMeter(config: EnergyConfig(provider: .ina3221IIO, sampleRateHertz: 200), root: SysfsRoot(dir.path))
        let idle = meter.measureIdle(seconds: 0.05)
        #expect(idle.idleWatts == nil && abs((idle.averageWatts ?? 0) - 2) < 1e-9)
        try EnergyFixture.write("5000", to: power)
        meter.start()
        Self.sleep(milliseconds: 50)
        let m = meter.stop(inferences: 10, idle: idle)
        let window = try #require(m.windowSeconds)
        #expect(abs((m.idleWatts ?? 0) - 2) < 1e-9)
        #expect(abs((m.joulesPerInferenceAboveIdle ?? 0) - 3 * window / 10) < 1e-9)
    }

    @Test func aShortWindowIsFlaggedImpreciseWithTheWindowNeeded() {
        let meter = EnergyMeter(
            config: EnergyConfig(provider: .ina3221IIO, rail: "POM_5V_IN", sampleRateHertz: 1), root: SysfsRoot(EnergyFixture.path("jetson-nano-l4t32")))
        meter.start()
        let m = meter.stop(inferences: 1)
        #expect(m.status == .measured && m.precision == .imprecise)
        #expect(m.imprecisionReasons.contains { $0.contains("lengthen the window to at least 9000.0 ms") })
        #expect(meter.minimumWindowSeconds == 9)
        #expect(meter.inferencesNeeded(secondsPerInference: 0.02) == 450)
    }

    @Test func aMissingRailGivesUnavailableResultsNeverZero() {
        let meter = EnergyMeter(config: EnergyConfig(provider: .rapl, rail: "package-1"), root: SysfsRoot(EnergyFixture.path("rapl-x86")))
        let idle = meter.measureIdle(seconds: 0.01)
        meter.start()
        let m = meter.stop(inferences: 3, idle: idle)
        #expect(idle.status == .unavailable && m.status == .unavailable)
        #expect(m.totalJoules == nil && m.averageWatts == nil && m.joulesPerInference == nil && m.inferences == 3)
        #expect(m.reason?.contains("no zone named package-1; zones here: package-0 (intel-rapl:0), core (intel-rapl:0:0)") == true)
    }
}
