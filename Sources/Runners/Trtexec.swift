#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// TensorRT `trtexec`. Its log's performance summary gives aggregates only; per-iteration
/// times come from `--exportTimes=FILE`, whose entries (timed iterations only, no warm-up)
/// carry `latencyMs` (host latency: H2D + compute + D2H) and `computeMs` (GPU compute).
enum Trtexec {
    /// The summary lines after `=== Performance summary ===`, each `[date] [I] ` prefixed:
    /// `Throughput: X qps`, and `NAME: min = x ms, max = ..., mean = ..., median = ...,
    /// percentile(P%) = x ms` for Latency, Enqueue Time, H2D Latency, GPU Compute Time and
    /// D2H Latency. A run that printed `&&&& FAILED` is an error.
    static func parseLog(_ text: String) throws(RunnerParseError) -> RunnerReport {
        var metrics: [RunnerReport.Metric] = []
        var inSummary = false
        for raw in text.split(separator: "\n") {
            let line = message(raw.hasSuffix("\r") ? raw.dropLast() : raw)
            if line.hasPrefix("&&&& FAILED") { throw RunnerParseError("trtexec: the run failed (\(String(line.prefix(160))))") }
            if line == "=== Performance summary ===" {
                inSummary = true
                continue
            }
            guard inSummary else { continue }
            if line.hasPrefix("===") { break }
            if line.hasPrefix("Throughput:") {
                let value = line.dropFirst("Throughput:".count).split(separator: " ").first.flatMap { RunnerOutput.number($0) }
                guard let value else { throw RunnerParseError("trtexec: unreadable \(String(line).debugDescription)") }
                metrics.append(.init("throughput", value, "qps"))
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            for item in line[line.index(after: colon)...].split(separator: ",") {
                let parts = item.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let key = parts[0].split(separator: " ").joined(separator: " ")
                let words = parts[1].split(separator: " ")
                guard words.count == 2, let value = RunnerOutput.number(words[0]) else {
                    throw RunnerParseError("trtexec: unreadable \(String(item).debugDescription) in \(String(line.prefix(80)).debugDescription)")
                }
                let statistic = key.hasPrefix("percentile(") ? "p" + key.dropFirst("percentile(".count).prefix { $0 != "%" } : key
                metrics.append(.init("\(name) \(statistic)", value, String(words[1])))
            }
        }
        guard inSummary else { throw RunnerParseError("trtexec: no `=== Performance summary ===` in the output") }
        return RunnerReport(tests: [RunnerReport.Test(name: "", metrics: metrics)])
    }

    /// The message after `[MM/DD/YYYY-HH:MM:SS] [I] `, or the line as it is.
    static func message(_ line: Substring) -> Substring {
        guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return line }
        var rest = line[line.index(after: close)...].drop { $0 == " " }
        if rest.hasPrefix("["), let level = rest.firstIndex(of: "]") { rest = rest[rest.index(after: level)...] }
        return rest.drop { $0 == " " }
    }

    struct Iteration: Decodable {
        var latencyMs: Double
        var computeMs: Double?
    }

    static func parseTimes(_ text: String) throws(RunnerParseError) -> RunnerReport {
        let iterations: [Iteration]
        do { iterations = try JSONDecoder().decode([Iteration].self, from: Data(text.utf8)) } catch {
            throw RunnerParseError("trtexec-times: not a `--exportTimes` file: \(error)")
        }
        var samples: [Int64] = []
        for (i, it) in iterations.enumerated() {
            guard it.latencyMs.isFinite, it.latencyMs > 0, it.latencyMs < 1e9 else {
                throw RunnerParseError("trtexec-times: iteration \(i) has latencyMs \(it.latencyMs)")
            }
            samples.append(Int64((it.latencyMs * 1e6).rounded()))
        }
        let compute = iterations.compactMap(\.computeMs)
        let metrics =
            compute.count == iterations.count && !compute.isEmpty
            ? [RunnerReport.Metric("gpu compute mean", compute.reduce(0, +) / Double(compute.count), "ms")] : []
        return RunnerReport(tests: [RunnerReport.Test(name: "", samplesNanoseconds: samples, metrics: metrics)])
    }
}
