import BenchCore
import Probes
import Testing

/// The arithmetic on synthetic samples: no files, no threads.
@Suite struct EnergyIntegrationTests {
    static func samples(_ points: [(seconds: Double, value: Double)]) -> [EnergySample] {
        points.map { EnergySample(timeNanoseconds: UInt64($0.seconds * 1e9), value: $0.value) }
    }

    /// A synthetic source: the integration only uses its properties.
    struct Synthetic: EnergySource {
        var quantity: EnergyQuantity
        var counterRangeJoules: Double?
        var caveat: String?
        var description: String { "synthetic" }
        func read() -> Result<Double, EnergyUnavailable> { .failure(EnergyUnavailable("not read")) }
    }

    @Test func trapezoidIsExactForLinearPower() {
        // 2 W rising linearly to 4 W over 2 s: 6 J.
        let ramp = Self.samples((0...20).map { (Double($0) / 10, 2 + Double($0) / 10) })
        #expect(abs(EnergyIntegration.trapezoidJoules(ramp) - 6) < 1e-9)
        #expect(EnergyIntegration.trapezoidJoules(Self.samples([(0, 5)])) == 0)
    }

    @Test func counterDeltaHandlesOneWrapPerInterval() {
        #expect(EnergyIntegration.wrappedDelta(from: 90, to: 5, range: 100) == 15)
        #expect(EnergyIntegration.wrappedDelta(from: 5, to: 90, range: 100) == 85)
        // A 100 J counter wrapping three times over the window, once per interval: 20 J/s for 15 s.
        let values = (0...15).map { (Double($0), (50 + 20 * Double($0)).truncatingRemainder(dividingBy: 100)) }
        let delta = EnergyIntegration.counterDelta(Self.samples(values), rangeJoules: 100)
        #expect(abs(delta.joules - 300) < 1e-9)
        #expect(delta.wraps == 3)
        #expect(delta.ambiguousIntervals == 0)
    }

    @Test func possibleExtraWrapsAreFlagged() {
        // 20 W for 1 s intervals, then a 10 s gap: at 20 W a whole 100 J range fits in 10 s.
        let delta = EnergyIntegration.counterDelta(Self.samples([(0, 0), (1, 20), (2, 40), (12, 60)]), rangeJoules: 100)
        #expect(delta.ambiguousIntervals == 1)
        // No range known: a decrease is a reset, counted as 0 J, never a negative energy.
        let reset = EnergyIntegration.counterDelta(Self.samples([(0, 50), (1, 60), (2, 5), (3, 15)]), rangeJoules: nil)
        #expect(reset.joules == 20 && reset.resets == 1)
    }

    @Test func precisionRuleUsesTheSlowerOfSamplingAndSensor() {
        let fast = EnergyPrecision(sampleRateHertz: 100, sensorUpdateIntervalSeconds: nil, minimumSamples: 10)
        #expect(abs(fast.minimumWindowSeconds - 0.09) < 1e-12)
        let slowSensor = EnergyPrecision(sampleRateHertz: 100, sensorUpdateIntervalSeconds: 0.14, minimumSamples: 10)
        #expect(abs(slowSensor.minimumWindowSeconds - 1.26) < 1e-12)
        #expect(slowSensor.distinctSamples(count: 50, coveredSeconds: 0.5) == 4)
        #expect(slowSensor.inferencesNeeded(secondsPerInference: 0.01) == 126)
    }

    @Test func measurementSubtractsIdleAndDividesByInferences() {
        let power = Synthetic(quantity: .power, caveat: "misses conversion loss")
        let window = EnergyWindow(
            startNanoseconds: 0, endNanoseconds: 2_000_000_000, samples: Self.samples((0...20).map { (Double($0) / 10, 6) }), failedReads: 0)
        let rule = EnergyPrecision(sampleRateHertz: 10, sensorUpdateIntervalSeconds: nil, minimumSamples: 10)
        let idleWindow = EnergyWindow(
            startNanoseconds: 0, endNanoseconds: 1_000_000_000, samples: Self.samples((0...10).map { (Double($0) / 10, 2) }), failedReads: 0)
        let idle = EnergyMeasurement.from(window: idleWindow, source: power, precision: rule, inferences: 0)
        let m = EnergyMeasurement.from(window: window, source: power, precision: rule, inferences: 40, idle: idle)
        #expect(m.status == .measured && m.precision == .precise)
        #expect(abs((m.totalJoules ?? 0) - 12) < 1e-9)
        #expect(abs((m.averageWatts ?? 0) - 6) < 1e-9)
        #expect(abs((m.joulesPerInference ?? 0) - 0.3) < 1e-9)
        #expect(abs((m.idleWatts ?? 0) - 2) < 1e-9)
        #expect(abs((m.joulesPerInferenceAboveIdle ?? 0) - 0.2) < 1e-9)
        #expect(m.sampleCount == 21 && abs((m.achievedRateHertz ?? 0) - 10) < 1e-9)
        #expect(m.notes == ["misses conversion loss"])
    }

    @Test func tooFewSamplesIsImpreciseAndSaysHowLongToRun() {
        let rule = EnergyPrecision(sampleRateHertz: 20, sensorUpdateIntervalSeconds: nil, minimumSamples: 10)
        let window = EnergyWindow(
            startNanoseconds: 0, endNanoseconds: 100_000_000, samples: Self.samples([(0, 5), (0.05, 5), (0.1, 5)]), failedReads: 0)
        let m = EnergyMeasurement.from(window: window, source: Synthetic(quantity: .power), precision: rule, inferences: 1)
        #expect(m.status == .measured && m.precision == .imprecise)
        #expect(m.imprecisionReasons.first?.contains("lengthen the window to at least 450.0 ms") == true)
        #expect(m.minimumWindowSeconds == rule.minimumWindowSeconds)
    }

    @Test func noReadingsIsUnavailableNotZero() {
        let window = EnergyWindow(startNanoseconds: 0, endNanoseconds: 1_000_000_000, samples: [], failedReads: 3, firstFailure: "cannot read x")
        let m = EnergyMeasurement.from(
            window: window, source: Synthetic(quantity: .power), precision: .init(sampleRateHertz: 10, sensorUpdateIntervalSeconds: nil, minimumSamples: 10),
            inferences: 5)
        #expect(m.status == .unavailable && m.totalJoules == nil && m.joulesPerInference == nil)
        #expect(m.reason?.contains("cannot read x") == true)
    }
}
