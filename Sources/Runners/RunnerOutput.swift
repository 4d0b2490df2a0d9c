import BenchCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What an external benchmark program reported about its own iterations (issue "10."): the
/// `command` runner's parsed mode. The agent keeps its own method (warm-up, statistics,
/// memory, energy, counters, environment); a program's output adds per-iteration times where
/// it prints them, and the figures it computes itself (tokens per second...), kept by name.
public struct RunnerReport: Sendable, Equatable {
    /// One entry per test the program ran: llama-bench runs several (`pp512`, `tg128`...);
    /// the other formats have one, named "" unless the output names it.
    public var tests: [Test]

    public struct Test: Sendable, Equatable {
        public var name: String
        /// Per-iteration times, in order; empty when the program prints only aggregates
        /// (`benchmark_model`, trtexec's summary), which the result then says.
        public var samplesNanoseconds: [Int64]
        public var metrics: [Metric]

        public init(name: String, samplesNanoseconds: [Int64] = [], metrics: [Metric] = []) {
            self.name = name
            self.samplesNanoseconds = samplesNanoseconds
            self.metrics = metrics
        }

        public func metric(_ name: String) -> Double? { metrics.first { $0.name == name }?.value }
    }

    /// A figure as the program computed it, with its unit as the program meant it.
    public struct Metric: Sendable, Equatable, Codable {
        public var name: String
        public var value: Double
        public var unit: String

        public init(_ name: String, _ value: Double, _ unit: String) {
            self.name = name
            self.value = value
            self.unit = unit
        }
    }

    public init(tests: [Test]) { self.tests = tests }
}

/// The output formats the `command` runner parses.
public enum RunnerFormat: String, Sendable, Codable, CaseIterable {
    /// BoardBench's own line format (docs/formats.md, "Runner line format").
    case lines
    /// llama.cpp's `llama-bench -o jsonl` (or `-o json`).
    case llamaBench = "llama-bench"
    /// TensorFlow Lite / LiteRT `benchmark_model`'s log.
    case benchmarkModel = "benchmark_model"
    /// TensorRT `trtexec`'s log (the performance summary).
    case trtexec
    /// The JSON `trtexec --exportTimes=FILE` writes: one entry per timed iteration.
    case trtexecTimes = "trtexec-times"
}

/// Why a program's output could not be read: names the format and, where there is one, the line.
public struct RunnerParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum RunnerOutput {
    /// Parses `text` as `format`. Never returns an empty report: output with nothing to
    /// measure in it is an error, so a program that failed quietly is not taken for a result.
    public static func parse(_ text: String, as format: RunnerFormat) throws(RunnerParseError) -> RunnerReport {
        let report: RunnerReport
        switch format {
        case .lines: report = try LineFormat.parse(text)
        case .llamaBench: report = try LlamaBench.parse(text)
        case .benchmarkModel: report = try BenchmarkModel.parse(text)
        case .trtexec: report = try Trtexec.parseLog(text)
        case .trtexecTimes: report = try Trtexec.parseTimes(text)
        }
        guard !report.tests.isEmpty, report.tests.allSatisfy({ !$0.samplesNanoseconds.isEmpty || !$0.metrics.isEmpty }) else {
            throw RunnerParseError("\(format.rawValue): the output holds no timings")
        }
        return report
    }

    /// A decimal number as C's printf writes it (`%g` included: `1.24027e+06`); nil for
    /// anything else, NaN and infinities included.
    static func number<S: StringProtocol>(_ text: S) -> Double? {
        guard let v = Double(String(text)), v.isFinite else { return nil }
        return v
    }
}
