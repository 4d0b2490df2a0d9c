#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `llama-bench -o jsonl` (one record per line) or `-o json` (an array of them). Records are
/// read by key and unknown keys ignored: the field set changes between llama.cpp builds. Each
/// record is a test named as llama-bench's own table names it (`pp512`, `tg128`,
/// `pp512+tg128`, `... @ d512`); its samples are the nanoseconds of each repetition, which
/// processes `n_prompt + n_gen` tokens.
enum LlamaBench {
    /// A record by llama-bench's key names (`n_prompt`...), mapped to Swift names.
    struct Record: Decodable {
        var prompt: Int
        var generated: Int
        var depth: Int?
        var threads: Int?
        var meanNanoseconds: Double
        var meanTokensPerSecond: Double
        var stddevTokensPerSecond: Double?
        var samplesNanoseconds: [Int64]?

        enum CodingKeys: String, CodingKey {
            case prompt = "n_prompt", generated = "n_gen", depth = "n_depth", threads = "n_threads", meanNanoseconds = "avg_ns"
            case meanTokensPerSecond = "avg_ts", stddevTokensPerSecond = "stddev_ts", samplesNanoseconds = "samples_ns"
        }
    }

    static func parse(_ text: String) throws(RunnerParseError) -> RunnerReport {
        let trimmed = text.drop { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" }
        let records: [Record]
        do {
            if trimmed.hasPrefix("[") {
                records = try JSONDecoder().decode([Record].self, from: Data(trimmed.utf8))
            } else {
                records = try trimmed.split(separator: "\n").filter { $0.hasPrefix("{") }.map {
                    try JSONDecoder().decode(Record.self, from: Data($0.utf8))
                }
            }
        } catch {
            throw RunnerParseError("llama-bench: not `-o json` or `-o jsonl` output: \(error)")
        }
        return RunnerReport(
            tests: try records.map { r throws(RunnerParseError) in
                guard (0..<(1 << 31)).contains(r.prompt), (0..<(1 << 31)).contains(r.generated), r.prompt + r.generated > 0 else {
                    throw RunnerParseError("llama-bench: a test with n_prompt \(r.prompt) and n_gen \(r.generated)")
                }
                let samples = r.samplesNanoseconds ?? []
                guard samples.allSatisfy({ $0 > 0 }) else { throw RunnerParseError("llama-bench: a sample of \(name(r)) is not positive") }
                var metrics: [RunnerReport.Metric] = [.init("tokens/s", r.meanTokensPerSecond, "tokens/s")]
                if let s = r.stddevTokensPerSecond { metrics.append(.init("tokens/s stddev", s, "tokens/s")) }
                metrics.append(.init("tokens", Double(r.prompt + r.generated), "tokens"))
                if let t = r.threads { metrics.append(.init("threads", Double(t), "threads")) }
                if samples.isEmpty { metrics.append(.init("mean", r.meanNanoseconds, "ns")) }
                return RunnerReport.Test(name: name(r), samplesNanoseconds: samples, metrics: metrics)
            })
    }

    /// llama-bench's test label.
    static func name(_ r: Record) -> String {
        let base = r.generated == 0 ? "pp\(r.prompt)" : r.prompt == 0 ? "tg\(r.generated)" : "pp\(r.prompt)+tg\(r.generated)"
        return (r.depth ?? 0) > 0 ? "\(base) @ d\(r.depth ?? 0)" : base
    }
}
