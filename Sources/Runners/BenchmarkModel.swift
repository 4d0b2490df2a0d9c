/// TensorFlow Lite / LiteRT `benchmark_model`'s log. The tool prints no per-iteration times,
/// only its statistics: the `count=...` line after the second "Running benchmark for at least"
/// (the first is the warm-up), in microseconds, `Inference timings in us: ...` and the memory
/// footprint. Numbers are C `%g` (`1.24027e+06` past a million). An `INFO: ` prefix (newer
/// builds) is optional.
enum BenchmarkModel {
    static func parse(_ text: String) throws(RunnerParseError) -> RunnerReport {
        var runs = 0
        var metrics: [RunnerReport.Metric] = []
        var sawStatistics = false
        for raw in text.split(separator: "\n") {
            var line = Substring(raw.hasSuffix("\r") ? raw.dropLast() : raw)
            if line.hasPrefix("INFO: ") { line = line.dropFirst(6) }
            if line.hasPrefix("Running benchmark for at least") {
                runs += 1
            } else if line.hasPrefix("count="), runs == 2, !sawStatistics {
                sawStatistics = true
                metrics += try statistics(line)
            } else if line.hasPrefix("Inference timings in us:") {
                for (key, value) in pairs(line.dropFirst("Inference timings in us:".count), separator: ",", assign: ":") {
                    guard let v = RunnerOutput.number(value) else { throw RunnerParseError("benchmark_model: \(key) is \(value.debugDescription)") }
                    metrics.append(.init(key, v, "us"))
                }
            } else if line.hasPrefix("Memory footprint delta from the start of the tool (MB):") {
                for (key, value) in pairs(line.dropFirst("Memory footprint delta from the start of the tool (MB):".count), separator: " ", assign: "=") {
                    guard let v = RunnerOutput.number(value) else { throw RunnerParseError("benchmark_model: memory \(key) is \(value.debugDescription)") }
                    metrics.append(.init("memory delta \(key)", v, "MB"))
                }
            }
        }
        guard sawStatistics else {
            throw RunnerParseError("benchmark_model: no statistics of the measured runs (the second `count=` line); did the benchmark fail?")
        }
        return RunnerReport(tests: [RunnerReport.Test(name: "", metrics: metrics)])
    }

    /// `count=N first=F curr=C min=... max=... avg=... std=... [p5=... median=... p95=...]`, or
    /// when every run took the same time, `count=N curr=C` (with `(all same)` glued on).
    static func statistics(_ line: Substring) throws(RunnerParseError) -> [RunnerReport.Metric] {
        let allSame = line.hasSuffix("(all same)")
        let body = allSame ? line.dropLast("(all same)".count) : line
        var found: [String: Double] = [:]
        for (key, value) in pairs(body, separator: " ", assign: "=") {
            guard let v = RunnerOutput.number(value) else { throw RunnerParseError("benchmark_model: \(key)=\(value) is not a number") }
            found[key] = v
        }
        guard let count = found["count"], count >= 1 else { throw RunnerParseError("benchmark_model: no run count in \(String(line).debugDescription)") }
        if found["avg"] == nil, let curr = found["curr"] {
            for key in ["min", "max", "avg", "median"] { found[key] = curr }
            found["std"] = 0
        }
        guard found["avg"] != nil else { throw RunnerParseError("benchmark_model: no average in \(String(line).debugDescription)") }
        let order = ["count", "first", "min", "max", "avg", "std", "p5", "median", "p95"]
        return order.compactMap { key in found[key].map { .init(key, $0, key == "count" ? "runs" : "us") } }
    }

    /// `key<assign>value` items separated by `separator`, trimmed.
    static func pairs(_ text: Substring, separator: Character, assign: Character) -> [(String, String)] {
        text.split(separator: separator).compactMap { item in
            let parts = item.split(separator: assign, maxSplits: 1)
            guard parts.count == 2 else { return nil }
            return (parts[0].trimmingCharacters(in: " "), parts[1].trimmingCharacters(in: " "))
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
