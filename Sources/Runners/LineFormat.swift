/// BoardBench's line format for programs that time their own iterations. Lines that do not
/// start with `BB ` are the program's own and ignored; a `BB ` line that does not parse is an
/// error with its line number, so a typo never drops samples silently.
///
///     BB test <name>                    the samples and metrics after it belong to <name>
///     BB sample <nanoseconds>           one iteration, a positive integer
///     BB metric <name> <value> <unit>   a figure the program computed
enum LineFormat {
    static func parse(_ text: String) throws(RunnerParseError) -> RunnerReport {
        var tests: [RunnerReport.Test] = []
        var current = RunnerReport.Test(name: "")
        var started = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            guard line.hasPrefix("BB ") else { continue }
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            func failure(_ why: String) -> RunnerParseError { RunnerParseError("line \(index + 1): \(why): \(String(line.prefix(120)).debugDescription)") }
            switch (words.count > 1 ? words[1] : "", words.count) {
            case ("test", 3):
                if started || !current.samplesNanoseconds.isEmpty || !current.metrics.isEmpty { tests.append(current) }
                current = RunnerReport.Test(name: String(words[2]))
                started = true
            case ("sample", 3):
                guard let ns = Int64(words[2]), ns > 0 else { throw failure("a sample is a positive whole number of nanoseconds") }
                current.samplesNanoseconds.append(ns)
            case ("metric", 5):
                guard let value = RunnerOutput.number(words[3]) else { throw failure("a metric's value is a finite number") }
                current.metrics.append(.init(String(words[2]), value, String(words[4])))
            default:
                throw failure("expected `BB test NAME`, `BB sample NS` or `BB metric NAME VALUE UNIT`")
            }
        }
        if started || !current.samplesNanoseconds.isEmpty || !current.metrics.isEmpty { tests.append(current) }
        return RunnerReport(tests: tests)
    }
}
