import BenchCore
import Controller
import Foundation
import Store
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `compare`'s rule on synthetic runs, its JUnit output, and the CSV export's quoting.
@Suite struct ComparisonTests {
    struct Spec {
        var device = "pi4"
        var benchmark: String
        var samples: [Int64]
        var status = "ok"
        var error: String?
        var planHash = "plan-a"
    }

    static func detail(_ id: Int64, _ specs: [Spec]) -> RunDetail {
        let run = RunRecord(
            id: id, createdAtUnixNanoseconds: 1_700_000_000_000_000_000 + id, status: "completed", profileName: "quick", profileHash: "h",
            profileText: "", hostVersion: "0.1.0", hostName: "host")
        let results = specs.map { s in
            StoredResult(
                record: ResultRecord(
                    runId: id, device: s.device, benchmark: s.benchmark, model: "builtin:mlp", planHash: s.planHash, status: s.status,
                    error: s.error, runtime: "builtin", runtimeVersion: "builtin-1", settingsJSON: "{}", startedAtUnixNanoseconds: 0,
                    loadNanoseconds: 1, coldStartNanoseconds: 1, peakResidentKiB: nil, arenaBytes: 0, weightBytes: 0),
                samplesNanoseconds: s.samples, offsetsNanoseconds: s.samples.indices.map { Int64($0) * 10 })
        }
        return RunDetail(run: run, devices: [], results: results)
    }

    /// 33 samples within ±0.5% of `center`, whose median is `center`: a narrow median interval.
    static func tight(_ center: Int64) -> [Int64] { (0..<33).map { center + Int64($0 % 11 - 5) * center / 1000 } }

    /// 20 samples spread over ±50% of `center`: a wide median interval.
    static func wide(_ center: Int64) -> [Int64] { (0..<20).map { center / 2 + Int64($0) * center / 20 } }

    static func compare(_ base: [Spec], _ new: [Spec], _ thresholds: [String] = []) throws -> RunComparison {
        RunComparison(base: detail(1, base), new: detail(2, new), thresholds: try ComparisonThresholds.parse(thresholds))
    }

    @Test func slowerBeyondThresholdWithDisjointIntervalsIsARegression() throws {
        let c = try Self.compare([Spec(benchmark: "mlp", samples: Self.tight(1_000_000))], [Spec(benchmark: "mlp", samples: Self.tight(1_200_000))])
        let pair = try #require(c.pairs.first)
        #expect(pair.classification == .regression && !pair.withinNoise)
        #expect(pair.median.intervalsOverlap == false)
        #expect(abs((pair.median.changePercent ?? 0) - 20) < 0.01)
        #expect(pair.median.baseNanoseconds == 1_000_000 && pair.median.newNanoseconds == 1_200_000)
        #expect(c.regression && c.summary.regressions == 1 && c.summary.unchanged == 0)
        #expect(pair.metrics.map(\.metric) == [.p50])
    }

    @Test func fasterBeyondThresholdWithDisjointIntervalsIsAnImprovement() throws {
        let c = try Self.compare([Spec(benchmark: "mlp", samples: Self.tight(1_000_000))], [Spec(benchmark: "mlp", samples: Self.tight(800_000))])
        #expect(c.pairs.first?.classification == .improvement)
        #expect(!c.regression && c.summary.improvements == 1)
    }

    @Test func aChangeBeyondThresholdWithOverlappingIntervalsIsWithinNoise() throws {
        let c = try Self.compare([Spec(benchmark: "mlp", samples: Self.wide(1_000_000))], [Spec(benchmark: "mlp", samples: Self.wide(1_100_000))])
        let pair = try #require(c.pairs.first)
        #expect((pair.median.changePercent ?? 0) > 5)
        #expect(pair.median.intervalsOverlap == true)
        #expect(pair.classification == .unchanged && pair.withinNoise && pair.median.withinNoise)
        #expect(!c.regression && c.summary.withinNoise == 1)
        #expect(c.text().contains("unchanged (within noise)"))
    }

    @Test func aSmallChangeIsUnchangedAndAHigherThresholdAbsorbsARegression() throws {
        let small = try Self.compare([Spec(benchmark: "mlp", samples: Self.tight(1_000_000))], [Spec(benchmark: "mlp", samples: Self.tight(1_030_000))])
        #expect(small.pairs.first?.classification == .unchanged && small.pairs.first?.withinNoise == false)
        #expect(small.pairs.first?.median.intervalsOverlap == false)
        let lenient = try Self.compare(
            [Spec(benchmark: "mlp", samples: Self.tight(1_000_000))], [Spec(benchmark: "mlp", samples: Self.tight(1_200_000))], ["25"])
        #expect(lenient.pairs.first?.classification == .unchanged && !lenient.regression)
        #expect(lenient.thresholds.percents == [.p50: 25])
    }

    @Test func percentileThresholdsHaveNoIntervalAndRegressOnTheChangeAlone() throws {
        // Same median, a heavier tail: p90 and the mean 1010 → 1200 ns (+18.8%).
        let base = [Int64](repeating: 1000, count: 18) + [1100, 1100]
        let new = [Int64](repeating: 1000, count: 18) + [3000, 3000]
        let medianOnly = try Self.compare([Spec(benchmark: "b", samples: base)], [Spec(benchmark: "b", samples: new)])
        #expect(medianOnly.pairs.first?.classification == .unchanged)
        #expect(medianOnly.pairs.first?.metrics.count == 1)

        let c = try Self.compare([Spec(benchmark: "b", samples: base)], [Spec(benchmark: "b", samples: new)], ["p90=10", "mean=20"])
        let pair = try #require(c.pairs.first)
        #expect(pair.metrics.map(\.metric) == [.p50, .p90, .mean])
        let p90 = pair.metrics[1]
        #expect(abs(p90.baseNanoseconds - 1010) < 1e-9 && abs(p90.newNanoseconds - 1200) < 1e-9)
        #expect(p90.classification == .regression && p90.intervalsOverlap == nil && p90.baseLow95Nanoseconds == nil)
        #expect(pair.metrics[2].classification == .unchanged)
        #expect(pair.median.classification == .unchanged)
        #expect(pair.classification == .regression && c.regression)

        let lenient = try Self.compare([Spec(benchmark: "b", samples: base)], [Spec(benchmark: "b", samples: new)], ["p90=20"])
        #expect(lenient.pairs.first?.classification == .unchanged)
    }

    @Test func thresholdsParse() throws {
        #expect(try ComparisonThresholds.parse([]) == .default)
        #expect(ComparisonThresholds.default.percents == [.p50: 5])
        #expect(try ComparisonThresholds.parse(["7"]).percents == [.p50: 7])
        #expect(try ComparisonThresholds.parse(["p90=10", "p99=20%", "mean=2.5"]).percents == [.p50: 5, .p90: 10, .p99: 20, .mean: 2.5])
        #expect(try ComparisonThresholds.parse(["p50=3", "p90=10"]).metrics == [.p50, .p90])
        for bad in [["p95=3"], ["p50=-1"], ["abc"], ["p90="], ["5", "p50=6"], ["inf"]] {
            #expect(throws: ControllerError.self, "\(bad)") { try ComparisonThresholds.parse(bad) }
        }
        let error = #expect(throws: ControllerError.self) { try ComparisonThresholds.parse(["p95=3"]) }
        #expect(error?.exitStatus == .usage && error?.description.contains("p90=PERCENT") == true)
    }

    @Test func benchmarksAreMatchedByDeviceAndName() throws {
        let base = [
            Spec(device: "pi4", benchmark: "mlp", samples: Self.tight(1_000_000)), Spec(device: "orin", benchmark: "mlp", samples: Self.tight(500_000)),
        ]
        let new = [
            Spec(device: "orin", benchmark: "mlp", samples: Self.tight(700_000)), Spec(device: "pi4", benchmark: "mlp", samples: Self.tight(1_000_000)),
        ]
        let c = try Self.compare(base, new)
        #expect(c.pairs.map(\.device) == ["pi4", "orin"])
        #expect(c.pairs.map(\.classification) == [.unchanged, .regression])
        #expect(c.pairs.allSatisfy { !$0.planChanged })
    }

    @Test func unmatchedAndFailedBenchmarksAreListed() throws {
        let ok = Self.tight(1_000_000)
        let base = [
            Spec(benchmark: "gone", samples: ok), Spec(benchmark: "breaks", samples: ok),
            Spec(benchmark: "fixed", samples: [], status: "failed", error: "plan-invalid"), Spec(benchmark: "still-broken", samples: [], status: "failed"),
            Spec(benchmark: "empty", samples: ok),
        ]
        let new = [
            Spec(benchmark: "breaks", samples: [], status: "failed", error: "agent crashed"), Spec(benchmark: "fixed", samples: ok),
            Spec(benchmark: "still-broken", samples: [], status: "failed"), Spec(benchmark: "empty", samples: []), Spec(benchmark: "added", samples: ok),
        ]
        let c = try Self.compare(base, new)
        #expect(c.pairs.isEmpty)
        #expect(c.onlyInBase == [BenchmarkKey(device: "pi4", benchmark: "gone")])
        #expect(c.onlyInNew == [BenchmarkKey(device: "pi4", benchmark: "added")])
        #expect(c.failed.map(\.benchmark) == ["breaks", "fixed", "still-broken", "empty"])
        #expect(c.failed.map(\.regression) == [true, false, false, true])
        #expect(c.failed[0].newError == "agent crashed" && c.failed[0].baseError == nil)
        #expect(c.failed[3].newStatus == "failed" && c.failed[3].newError == "no samples")
        #expect(c.regression && c.summary.regressions == 2 && c.summary.failed == 4)
        #expect(c.summary.onlyInBase == 1 && c.summary.onlyInNew == 1)
    }

    @Test func aChangedPlanIsFlagged() throws {
        let c = try Self.compare(
            [Spec(benchmark: "mlp", samples: Self.tight(1_000), planHash: "a")], [Spec(benchmark: "mlp", samples: Self.tight(1_000), planHash: "b")])
        #expect(c.pairs.first?.planChanged == true)
        #expect(c.text().contains("plan changed"))
    }

    @Test func aZeroBaseHasNoPercentButStillRegresses() throws {
        let c = try Self.compare([Spec(benchmark: "z", samples: [0, 0, 0])], [Spec(benchmark: "z", samples: [5, 5, 5])])
        #expect(c.pairs.first?.median.changePercent == nil)
        #expect(c.pairs.first?.classification == .regression)
        // JSON cannot carry infinity: the change is left out, the classification says it all.
        let json = try Views.encode(c)
        #expect(!json.contains("changePercent") && json.contains("\"classification\" : \"regression\""))
    }

    @Test func junitIsWellFormedEscapedAndFailsRegressions() throws {
        let nasty = "a<b>&\"c'"
        let base = [
            Spec(device: "pi4", benchmark: nasty, samples: Self.tight(1_000_000)), Spec(device: "pi4", benchmark: "steady", samples: Self.tight(1_000_000)),
            Spec(device: "orin", benchmark: "breaks", samples: Self.tight(1_000_000)), Spec(device: "orin", benchmark: "gone", samples: Self.tight(1)),
        ]
        let new = [
            Spec(device: "pi4", benchmark: nasty, samples: Self.tight(1_200_000)), Spec(device: "pi4", benchmark: "steady", samples: Self.tight(1_000_000)),
            Spec(device: "orin", benchmark: "breaks", samples: [], status: "failed", error: "killed <signal 9> & \"core\"\u{1}\n]]>"),
        ]
        let xml = try Self.compare(base, new).junit()
        #expect(xml.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?>"#))
        #expect(!xml.contains("\u{1}"))
        let doc = try JUnitDocument(xml)
        #expect(doc.root?.attributes["tests"] == "4" && doc.root?.attributes["failures"] == "2" && doc.root?.attributes["skipped"] == "1")
        let suites = doc.elements.filter { $0.name == "testsuite" }
        #expect(suites.map { $0.attributes["name"] } == ["pi4", "orin"])
        #expect(suites.map { $0.attributes["tests"] } == ["2", "2"])
        #expect(suites.map { $0.attributes["failures"] } == ["1", "1"])
        let cases = doc.elements.filter { $0.name == "testcase" }
        #expect(cases.map { $0.attributes["name"] } == [nasty, "steady", "breaks", "gone"])
        #expect(cases.first?.attributes["classname"] == "boardbench.compare.pi4")
        let failures = doc.elements.filter { $0.name == "failure" }
        #expect(failures.count == 2)
        let regression = try #require(failures.first?.attributes["message"])
        #expect(regression.contains("median 1.000 ms → 1.200 ms") && regression.contains("+20.0%") && regression.contains("threshold 5%"))
        #expect(regression.contains("do not overlap"))
        let broken = try #require(failures.last?.attributes["message"])
        #expect(broken.contains("killed <signal 9> & \"core\"\u{FFFD}\n]]>"))
        #expect(failures.last?.attributes["type"] == "failed")
        #expect(doc.elements.filter { $0.name == "skipped" }.first?.attributes["message"]?.contains("only in run 1") == true)
    }

    @Test func xmlEscapingCoversMarkupQuotesAndIllegalCharacters() {
        #expect(RunComparison.xml("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;")
        #expect(RunComparison.xml("a\u{0}b\u{1F}c\u{FFFE}") == "a\u{FFFD}b\u{FFFD}c\u{FFFD}")
        #expect(RunComparison.xml("tab\tline\ncr\r") == "tab&#9;line&#10;cr&#13;")
        #expect(RunComparison.xml("µs → 😀") == "µs → 😀")
    }

    @Test func csvFieldsFollowRFC4180() {
        #expect(ResultsExport.field("plain") == "plain")
        #expect(ResultsExport.field("a,b") == "\"a,b\"")
        #expect(ResultsExport.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(ResultsExport.field("two\nlines") == "\"two\nlines\"")
        #expect(ResultsExport.field("cr\r") == "\"cr\r\"")
        #expect(ResultsExport.field("") == "")
    }

    @Test func resultsCSVHasAHeaderAndOneRowPerResult() throws {
        let d = Self.detail(
            7,
            [
                Spec(benchmark: "mlp", samples: [100, 200, 300, 400]),
                Spec(benchmark: "cnn", samples: [], status: "failed", error: "agent said \"no\", then left\nfor good"),
            ])
        let csv = ResultsExport.resultsCSV(d)
        #expect(csv.hasSuffix("\r\n"))
        let rows = try CSV.parse(csv)
        #expect(rows.count == 3)
        #expect(rows[0] == ResultsExport.resultColumns)
        #expect(rows.allSatisfy { $0.count == ResultsExport.resultColumns.count })
        let ok = Dictionary(uniqueKeysWithValues: zip(rows[0], rows[1]))
        #expect(ok["runId"] == "7" && ok["benchmark"] == "mlp" && ok["samples"] == "4" && ok["repeatsPerSample"] == "1")
        #expect(ok["medianNanoseconds"] == "250" && ok["p25Nanoseconds"] == "175" && ok["meanNanoseconds"] == "250")
        #expect(ok["verdict"] == "noisy: CV 51.6%" && ok["error"] == "" && ok["planHash"] == "plan-a")
        let failed = Dictionary(uniqueKeysWithValues: zip(rows[0], rows[2]))
        #expect(failed["status"] == "failed" && failed["medianNanoseconds"] == "" && failed["samples"] == "0")
        #expect(failed["error"] == "agent said \"no\", then left\nfor good")

        let samples = try CSV.parse(ResultsExport.samplesCSV(d))
        #expect(samples.count == 5 && samples[0] == ResultsExport.sampleColumns)
        #expect(samples[4] == ["7", "pi4", "mlp", "3", "400", "30"])
    }
}

/// An RFC 4180 reader, enough to check what the exporter writes.
enum CSV {
    struct Malformed: Error {}

    static func parse(_ text: String) throws -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var chars = Array(text)[...]
        var quoted = false
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        field.append("\"")
                        chars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                guard field.isEmpty else { throw Malformed() }
                quoted = true
            } else if c == "," {
                row.append(field)
                field = ""
            } else if c == "\r\n" {
                row.append(field)
                rows.append(row)
                (row, field) = ([], "")
            } else {
                guard c != "\n" && c != "\r" else { throw Malformed() }
                field.append(c)
            }
        }
        guard !quoted, row.isEmpty, field.isEmpty else { throw Malformed() }
        return rows
    }
}

/// The elements of an XML document in document order, through Foundation's parser: a
/// document it refuses is not well-formed.
final class JUnitDocument: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
    }

    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    var elements: [Element] = []
    var root: Element? { elements.first }

    init(_ xml: String) throws {
        super.init()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = self
        guard parser.parse() else { throw Malformed(description: "\(parser.parserError.map { "\($0)" } ?? "parse failed"): \(xml)") }
    }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName qName: String?,
        attributes attributeDict: [String: String] = [:]
    ) {
        elements.append(Element(name: elementName, attributes: attributeDict))
    }
}
