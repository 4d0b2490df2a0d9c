/// `compare --format junit`: JUnit XML so CI systems show regressions as failed tests. One
/// `testsuite` per device, one `testcase` per benchmark; a regression is a `failure` whose
/// message holds the figures, a benchmark with nothing to compare is `skipped`.
extension RunComparison {
    public func junit() -> String {
        var cases: [String: [TestCase]] = [:]
        var devices: [String] = []
        func add(_ device: String, _ c: TestCase) {
            if cases[device] == nil { devices.append(device) }
            cases[device, default: []].append(c)
        }
        for p in pairs {
            let figures = p.metrics.map(Self.describe).joined(separator: "\n") + (p.planChanged ? "\nthe plan changed between the runs" : "")
            if p.classification == .regression {
                let message = p.metrics.filter { $0.classification == .regression }.map(Self.describe).joined(separator: "; ")
                add(p.device, TestCase(name: p.benchmark, outcome: .failure(type: "regression", message: message, body: figures)))
            } else {
                add(p.device, TestCase(name: p.benchmark, outcome: .passed(output: "\(p.classification.rawValue)\n" + figures)))
            }
        }
        for f in failed {
            let errors = [f.baseError.map { "run \(base.runId): \($0)" }, f.newError.map { "run \(new.runId): \($0)" }].compactMap(\.self)
            let message = "\(f.baseStatus) in run \(base.runId), \(f.newStatus) in run \(new.runId): " + errors.joined(separator: "; ")
            add(f.device, TestCase(name: f.benchmark, outcome: f.regression ? .failure(type: "failed", message: message, body: message) : .skipped(message)))
        }
        for k in onlyInBase { add(k.device, TestCase(name: k.benchmark, outcome: .skipped("only in run \(base.runId), not in run \(new.runId)"))) }
        for k in onlyInNew { add(k.device, TestCase(name: k.benchmark, outcome: .skipped("only in run \(new.runId), not in run \(base.runId)"))) }

        let all = devices.flatMap { cases[$0]! }
        var xml = [#"<?xml version="1.0" encoding="UTF-8"?>"#]
        xml.append(
            "<testsuites name=\"\(Self.xml("boardbench compare run \(base.runId) → run \(new.runId)"))\" \(TestCase.counts(all))>")
        for device in devices {
            let suite = cases[device]!
            xml.append("  <testsuite name=\"\(Self.xml(device))\" \(TestCase.counts(suite))>")
            for c in suite { xml.append(c.xml(classname: "boardbench.compare.\(device)")) }
            xml.append("  </testsuite>")
        }
        xml.append("</testsuites>")
        return xml.joined(separator: "\n")
    }

    /// "median 1.000 ms → 1.200 ms (+20.0%, threshold 5%; 95% intervals 0.990–1.010 ms and 1.190–1.210 ms do not overlap)".
    static func describe(_ m: MetricComparison) -> String {
        var text = "\(m.metric.label) \(Format.duration(m.baseNanoseconds)) → \(Format.duration(m.newNanoseconds)) "
        text += "(\(change(m.changePercent)), threshold \(number(m.thresholdPercent))%"
        if let bl = m.baseLow95Nanoseconds, let bh = m.baseHigh95Nanoseconds, let nl = m.newLow95Nanoseconds, let nh = m.newHigh95Nanoseconds {
            text += "; 95% intervals \(Format.duration(bl))–\(Format.duration(bh)) and \(Format.duration(nl))–\(Format.duration(nh))"
            text += m.intervalsOverlap == true ? " overlap" : " do not overlap"
        }
        text += "): \(m.classification.rawValue)" + (m.withinNoise ? " (within noise)" : "")
        return text
    }

    /// Escapes text for XML 1.0 content and attribute values. Characters XML 1.0 cannot carry at
    /// all (most C0 controls, lone surrogates, U+FFFE/U+FFFF) become U+FFFD; tabs, line feeds
    /// and carriage returns become character references so attributes keep them.
    public static func xml(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default:
                let v = scalar.value
                let allowed = (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
                out.unicodeScalars.append(allowed ? scalar : "\u{FFFD}")
            }
        }
        return out
    }
}

/// A JUnit testcase before it is written.
private struct TestCase {
    enum Outcome {
        case passed(output: String)
        case failure(type: String, message: String, body: String)
        case skipped(String)
    }

    var name: String
    var outcome: Outcome

    func xml(classname: String) -> String {
        let open = "    <testcase classname=\"\(RunComparison.xml(classname))\" name=\"\(RunComparison.xml(name))\">"
        let inner: String
        switch outcome {
        case .passed(let output): inner = "<system-out>\(RunComparison.xml(output))</system-out>"
        case .failure(let type, let message, let body):
            inner = "<failure type=\"\(RunComparison.xml(type))\" message=\"\(RunComparison.xml(message))\">\(RunComparison.xml(body))</failure>"
        case .skipped(let message): inner = "<skipped message=\"\(RunComparison.xml(message))\"/>"
        }
        return open + "\n      " + inner + "\n    </testcase>"
    }

    static func counts(_ cases: [TestCase]) -> String {
        var failures = 0, skipped = 0
        for c in cases {
            switch c.outcome {
            case .failure: failures += 1
            case .skipped: skipped += 1
            case .passed: break
            }
        }
        return "tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"0\" skipped=\"\(skipped)\""
    }
}
