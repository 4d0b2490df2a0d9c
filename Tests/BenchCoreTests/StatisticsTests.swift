import BenchCore
import Testing

@Suite struct StatisticsTests {
    @Test func percentilesInterpolateLikeNumPy() throws {
        let s = try #require(Statistics([4, 1, 3, 2]))
        #expect(s.count == 4)
        #expect(s.min == 1 && s.max == 4)
        #expect(s.median == 2.5)
        #expect(s.p25 == 1.75)
        #expect(s.p75 == 3.25)
        #expect(abs(s.p90 - 3.7) < 1e-12)
        #expect(s.mean == 2.5)
        // Sample standard deviation of 1...4 is sqrt(5/3).
        #expect(abs(s.standardDeviation - (5.0 / 3.0).squareRoot()) < 1e-12)
    }

    @Test func singleSampleHasZeroDeviation() throws {
        let s = try #require(Statistics(nanoseconds: [1_000]))
        #expect(s.median == 1_000 && s.p99 == 1_000 && s.standardDeviation == 0 && s.coefficientOfVariation == 0)
    }

    @Test func emptySamplesGiveNoStatistics() {
        #expect(Statistics([]) == nil)
    }

    @Test func orderOfSamplesDoesNotMatter() throws {
        let a = try #require(Statistics([5, 9, 1, 7, 3]))
        let b = try #require(Statistics([1, 3, 5, 7, 9]))
        #expect(a == b)
        #expect(a.median == 5)
    }
}

@Suite struct NameTests {
    @Test(arguments: ["pi4", "orin-nano_2", "A", "x.y", String(repeating: "a", count: 64)])
    func acceptsSafeNames(_ name: String) { #expect(EntityName.isValid(name)) }

    @Test(arguments: ["", "-pi", ".hidden", "a b", "pi/4", "$(x)", "a\nb", "é", String(repeating: "a", count: 65)])
    func refusesEverythingElse(_ name: String) throws {
        #expect(!EntityName.isValid(name))
        let error = #expect(throws: NameError.self) { try EntityName.validate(name, kind: "device") }
        #expect(error?.description.contains(EntityName.rule) == true)
    }
}

@Suite struct ProfileTests {
    @Test func benchmarkSettingsOverrideProfileThenDefaults() {
        let p = Profile(
            name: "p", settings: SettingsOverride(iterations: 20, threads: 2),
            benchmarks: [BenchmarkSpec(name: "a", model: "builtin:mlp", settings: SettingsOverride(threads: 4))])
        let s = p.effectiveSettings(for: p.benchmarks[0])
        #expect(s == MeasurementSettings(iterations: 20, threads: 4))
    }

    @Test func settingsProblemsAreNamed() {
        #expect(MeasurementSettings(warmupRuns: 0, iterations: 0, threads: 1).problem()?.contains("iterations") == true)
        #expect(MeasurementSettings(warmupRuns: 0, iterations: 1, threads: 0).problem()?.contains("threads") == true)
        #expect(MeasurementSettings.default.problem() == nil)
    }

    @Test func exitStatusesAreDistinct() {
        let values = ExitStatus.allCases.map(\.rawValue)
        #expect(Set(values).count == values.count)
    }
}
