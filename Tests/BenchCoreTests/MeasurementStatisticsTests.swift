import BenchCore
import Foundation
import Testing

@Suite struct MeasurementStatisticsTests {
    @Test func medianIntervalBracketsTheMedianAndIsReproducible() throws {
        // A skewed but tight distribution: 100 samples 1000...1099 ns.
        let samples = (0..<100).map { Double(1000 + ($0 * 37) % 100) }
        let s = try #require(Statistics(samples))
        #expect(s.medianLow95 <= s.median && s.median <= s.medianHigh95)
        #expect(s.medianLow95 >= 1_040 && s.medianHigh95 <= 1_060)
        #expect(s.medianHigh95 > s.medianLow95)
        #expect(try #require(Statistics(samples.reversed())) == s)
        // One sample: the interval is the sample.
        let one = try #require(Statistics([5]))
        #expect(one.medianLow95 == 5 && one.medianHigh95 == 5)
    }

    @Test func outliersAreFlaggedByModifiedZScore() {
        // 1% spread around 1000 with two far samples: only those two are outliers.
        var samples = (0..<50).map { 995 + Double($0 % 11) }
        samples[7] = 1_500
        samples[31] = 3_000
        #expect(Statistics.outlierIndices(samples) == [7, 31])
        // More than half identical (MAD 0): the mean absolute deviation stands in.
        #expect(Statistics.outlierIndices([10, 10, 10, 10, 10, 11, 10, 10, 10, 40]) == [9])
        #expect(Statistics.outlierIndices([7, 7, 7, 7]) == [])
    }

    @Test func verdictNamesEveryReason() throws {
        let tight = try #require(Statistics((0..<60).map { 1000 + Double($0 % 5) }))
        #expect(StabilityVerdict.assess(tight) == StabilityVerdict(stable: true, summary: "stable", reasons: []))

        let noisy = try #require(Statistics((0..<60).map { $0 % 2 == 0 ? 900.0 : 1100.0 }))
        let v = StabilityVerdict.assess(noisy, conditions: ["governor ondemand, not performance"])
        #expect(!v.stable)
        // Sample standard deviation 100·√(60/59) over a mean of 1000.
        #expect(v.summary == "noisy: CV 10.1%")
        #expect(v.reasons.last == "governor ondemand, not performance")

        let conditionOnly = StabilityVerdict.assess(tight, conditions: ["throttling seen: under-voltage"])
        #expect(conditionOnly.summary == "noisy: throttling seen: under-voltage" && !conditionOnly.stable)

        let few = try #require(Statistics([1000, 1000, 1000]))
        #expect(StabilityVerdict.assess(few).reasons == ["only 3 samples"])
    }

    @Test func settingsDecodeOldDocumentsWithDefaults() throws {
        let old = try JSONDecoder().decode(MeasurementSettings.self, from: Data(#"{"warmupRuns":2,"iterations":9,"threads":3}"#.utf8))
        #expect(old == MeasurementSettings(warmupRuns: 2, iterations: 9, threads: 3))
        #expect(old.minSampleMilliseconds == MeasurementSettings.default.minSampleMilliseconds)
        let full = MeasurementSettings(cooldownBelowCelsius: 55, cores: "0-1,3", counters: ["perf::CYCLES"], energy: false)
        #expect(try JSONDecoder().decode(MeasurementSettings.self, from: JSONEncoder().encode(full)) == full)
    }

    @Test func settingsProblemsNameTheField() {
        #expect(MeasurementSettings(minMeasureSeconds: 5, maxMeasureSeconds: 1).problem()?.contains("minMeasureSeconds") == true)
        #expect(MeasurementSettings(warmupSeconds: -1).problem()?.hasPrefix("warmupSeconds") == true)
        #expect(MeasurementSettings(minSampleMilliseconds: .nan).problem()?.hasPrefix("minSampleMilliseconds") == true)
        #expect(MeasurementSettings(cores: "2-1").problem() == #"cores: "2-1" is not "all", "big" or a core list such as "0-3,6""#)
        #expect(MeasurementSettings(cooldownBelowCelsius: 400).problem()?.hasPrefix("cooldownBelowCelsius") == true)
        #expect(MeasurementSettings(counters: ["perf::CYCLES", ""]).problem() == "counters[1] is empty")
    }

    @Test func coreListsParse() throws {
        #expect(try CPUList.parse("0-3,6") == [0, 1, 2, 3, 6])
        #expect(try CPUList.parse("5,1,1") == [1, 5])
        #expect(CoreSpec.problem("all") == nil && CoreSpec.problem("big") == nil && CoreSpec.problem("0-3,6") == nil)
        for bad in ["", "a", "1-", "-1", "3-2", "1,,2", "99999"] { #expect(CoreSpec.problem(bad) != nil, "\(bad)") }
    }

    /// Found by the profile fuzz target: "0-111111111111111" was expanded CPU by CPU (a hang,
    /// then out of memory) before the bound on core numbers was checked.
    @Test func aRangePastTheLargestCPUIsRefusedBeforeItIsExpanded() throws {
        #expect(throws: CPUList.ParseError.self) { try CPUList.parse("0-111111111111111,3") }
        #expect(throws: CPUList.ParseError.self) { try CPUList.parse("9223372036854775807") }
        #expect(try CPUList.parse("8190-8191") == [8190, 8191])
        #expect(CoreSpec.problem("0-111111111111111") != nil)
    }
}
