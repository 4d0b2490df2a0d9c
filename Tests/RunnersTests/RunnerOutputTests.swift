import Foundation
import Testing

@testable import Runners

/// The output parsers against samples of each tool's output, reproduced from the tools' source
/// (Fixtures/PROVENANCE.md: the formats are the tools', the numbers are made up), and against
/// the ways output goes wrong.
@Suite struct RunnerOutputTests {
    func fixture(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }

    @Test func llamaBenchJSONLAndJSONGiveEveryTestWithItsRepetitions() throws {
        for file in ["llama-bench.jsonl", "llama-bench.json"] {
            let report = try RunnerOutput.parse(try fixture(file), as: .llamaBench)
            #expect(report.tests.map(\.name) == ["pp512", "tg128", "pp512+tg128", "pp512 @ d512", "tg128 @ d512", "pp512+tg128 @ d512"], "\(file)")
            let pp = report.tests[0]
            #expect(pp.samplesNanoseconds.count == 5 && pp.samplesNanoseconds.first == 10_461_022_756)
            // The samples are what the tool averaged: their mean is its avg_ns (an integer mean).
            #expect(pp.samplesNanoseconds.reduce(0, +) / 5 == 10_533_573_814)
            #expect(pp.metric("tokens/s") == 48.607163 && pp.metric("tokens") == 512 && pp.metric("threads") == 4)
            #expect(report.tests[1].metric("tokens/s") == 11.862322 && report.tests[1].metric("tokens") == 128)
        }
    }

    @Test func llamaBenchWithoutSamplesKeepsItsMeanAndRefusesNonsense() throws {
        let old = #"{"n_prompt": 0, "n_gen": 64, "avg_ns": 5000000000, "avg_ts": 12.8, "some_future_key": [1, 2]}"#
        let report = try RunnerOutput.parse(old, as: .llamaBench)
        #expect(report.tests.map(\.name) == ["tg64"] && report.tests[0].samplesNanoseconds.isEmpty)
        #expect(report.tests[0].metric("mean") == 5e9)
        #expect(throws: RunnerParseError.self) { try RunnerOutput.parse(#"{"n_prompt": 0, "n_gen": 0, "avg_ns": 1, "avg_ts": 1}"#, as: .llamaBench) }
        // Token counts that would overflow their sum are refused, not trapped on.
        let huge = #"{"n_prompt": 9223372036854775807, "n_gen": 1, "avg_ns": 1, "avg_ts": 1}"#
        #expect(throws: RunnerParseError.self) { try RunnerOutput.parse(huge, as: .llamaBench) }
        #expect(throws: RunnerParseError.self) {
            try RunnerOutput.parse(#"{"n_prompt": 1, "n_gen": 0, "avg_ns": 1, "avg_ts": 1, "samples_ns": [5, -1]}"#, as: .llamaBench)
        }
        // The markdown table carries no samples: it is refused, not half-read.
        #expect(throws: RunnerParseError.self) { try RunnerOutput.parse(try fixture("llama-bench.md.txt"), as: .llamaBench) }
        #expect(throws: RunnerParseError.self) { try RunnerOutput.parse("", as: .llamaBench) }
    }

    @Test func benchmarkModelGivesTheMeasuredRunsNotTheWarmUp() throws {
        let test = try #require(try RunnerOutput.parse(try fixture("benchmark_model.txt"), as: .benchmarkModel).tests.first)
        #expect(test.samplesNanoseconds.isEmpty)
        #expect(test.metric("count") == 90 && test.metric("avg") == 11227.6 && test.metric("median") == 11177 && test.metric("p95") == 11588)
        #expect(test.metric("Inference (avg)") == 11227.6 && test.metric("Init") == 38417)
        #expect(test.metric("memory delta overall") == 43.8828)
        // Past a million microseconds %g switches to exponent form; identical runs print short.
        let slow = """
            Running benchmark for at least 1 iterations and at least 0.5 seconds but terminate if exceeding 150 seconds.
            count=1 curr=1.30011e+06
            Running benchmark for at least 3 iterations and at least 1 seconds but terminate if exceeding 150 seconds.
            count=3 curr=1.24027e+06(all same)
            """
        let same = try #require(try RunnerOutput.parse(slow, as: .benchmarkModel).tests.first)
        #expect(same.metric("count") == 3 && same.metric("avg") == 1_240_270 && same.metric("std") == 0)
        // A run that failed before measuring has no statistics for the measured runs.
        let failed =
            "INFO: Running benchmark for at least 1 iterations and at least 0.5 seconds but terminate if exceeding 150 seconds.\nERROR: failed to invoke"
        #expect(throws: RunnerParseError.self) { try RunnerOutput.parse(failed, as: .benchmarkModel) }
    }

    @Test func trtexecSummaryAndExportedTimes() throws {
        let summary = try #require(try RunnerOutput.parse(try fixture("trtexec.txt"), as: .trtexec).tests.first)
        #expect(summary.metric("throughput") == 398.415)
        #expect(summary.metric("latency median") == 2.48859 && summary.metric("latency p99") == 2.49573)
        #expect(summary.metric("gpu compute time mean") == 1.91982)
        #expect(summary.metrics.first { $0.name == "latency mean" }?.unit == "ms")

        let times = try #require(try RunnerOutput.parse(try fixture("trtexec-times.json"), as: .trtexecTimes).tests.first)
        #expect(times.samplesNanoseconds.count == 10 && times.samplesNanoseconds.first == 2_488_340)
        #expect(abs((times.metric("gpu compute mean") ?? 0) - 1.919824) < 1e-9)

        let failed =
            "&&&& RUNNING TensorRT.trtexec [TensorRT v100300] # trtexec\n[10/12/2026-09:31:06] [E] Error\n&&&& FAILED TensorRT.trtexec [TensorRT v100300] # trtexec"
        #expect(throws: RunnerParseError.self) { try RunnerOutput.parse(failed, as: .trtexec) }
        #expect(throws: RunnerParseError.self) { try RunnerOutput.parse(#"[{"latencyMs": -1}]"#, as: .trtexecTimes) }
        #expect(throws: RunnerParseError.self) { try RunnerOutput.parse("[]", as: .trtexecTimes) }
    }

    @Test func theLineFormatKeepsTestsApartAndRefusesTypos() throws {
        let text = """
            loading model...
            BB test prefill
            BB sample 1200
            BB sample 1100
            BB metric tokens/s 51.5 tokens/s
            BB test decode
            BB sample 900
            """
        let report = try RunnerOutput.parse(text, as: .lines)
        #expect(report.tests.map(\.name) == ["prefill", "decode"])
        #expect(report.tests[0].samplesNanoseconds == [1200, 1100] && report.tests[0].metric("tokens/s") == 51.5)
        #expect(report.tests[1].samplesNanoseconds == [900])
        #expect(try RunnerOutput.parse("BB sample 7\n", as: .lines).tests == [.init(name: "", samplesNanoseconds: [7])])
        for bad in ["BB sample 1.5", "BB sample -3", "BB smaple 10", "BB metric x nan ms", "BB metric x 1"] {
            let error = #expect(throws: RunnerParseError.self) { try RunnerOutput.parse("BB sample 5\n\(bad)\n", as: .lines) }
            #expect(error?.description.hasPrefix("line 2:") == true, "\(bad): \(String(describing: error))")
        }
        #expect(throws: RunnerParseError.self) { try RunnerOutput.parse("no BB lines at all\n", as: .lines) }
    }
}
