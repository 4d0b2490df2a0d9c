import BenchCore
import Foundation
import Store

/// `results export`: a run as CSV (one row per result, or one per sample) for spreadsheets and
/// pandas. RFC 4180: CRLF line ends, a header row, fields quoted when they hold a comma, a
/// quote, CR or LF, quotes doubled. docs/formats.md ("Exports") lists the columns.
public enum ResultsExport {
    /// Columns of the per-result CSV. Durations are nanoseconds; empty fields are unknown.
    public static let resultColumns = [
        "runId", "device", "benchmark", "model", "status", "samples", "repeatsPerSample", "medianNanoseconds", "p25Nanoseconds",
        "p75Nanoseconds", "p90Nanoseconds", "p99Nanoseconds", "meanNanoseconds", "standardDeviationNanoseconds", "coefficientOfVariation",
        "medianLow95Nanoseconds", "medianHigh95Nanoseconds", "verdict", "energyPerInferenceJoules", "runtimeVersion", "planHash", "error",
    ]

    /// Columns of the per-sample CSV (`csv-samples`).
    public static let sampleColumns = ["runId", "device", "benchmark", "seq", "latencyNanoseconds", "offsetNanoseconds"]

    public static func resultsCSV(_ d: RunDetail) -> String {
        var lines = [row(resultColumns)]
        for r in d.results {
            let rec = r.record
            var fields = ["\(rec.runId)", rec.device, rec.benchmark, rec.model, rec.status, "\(r.samplesNanoseconds.count)", "\(rec.repeatsPerSample)"]
            if let s = r.statistics {
                fields += [s.median, s.p25, s.p75, s.p90, s.p99, s.mean, s.standardDeviation, s.coefficientOfVariation, s.medianLow95, s.medianHigh95]
                    .map(number)
                fields.append(StabilityVerdict.assess(s, conditions: r.outcome?.conditions ?? []).summary)
            } else {
                fields += Array(repeating: "", count: 11)
            }
            fields += [rec.energyPerInferenceJoules.map(number) ?? "", rec.runtimeVersion, rec.planHash, rec.error ?? ""]
            lines.append(row(fields))
        }
        return lines.joined()
    }

    public static func samplesCSV(_ d: RunDetail) -> String {
        var lines = [row(sampleColumns)]
        for r in d.results {
            for (i, latency) in r.samplesNanoseconds.enumerated() {
                let offset = i < r.offsetsNanoseconds.count ? "\(r.offsetsNanoseconds[i])" : ""
                lines.append(row(["\(r.record.runId)", r.record.device, r.record.benchmark, "\(i)", "\(latency)", offset]))
            }
        }
        return lines.joined()
    }

    /// One CSV record with its CRLF.
    static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// A field as RFC 4180 wants it: quoted when it holds a comma, quote, CR or LF.
    public static func field(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Integral values without a fraction ("1500"), others in Swift's shortest round-trip form.
    static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }
}

/// Where a command's document goes: stdout, or a file written atomically (a temporary file in
/// the same directory renamed into place), so a reader never sees half a file.
public enum OutputFile {
    public static func write(_ text: String, to path: String) throws(ControllerError) {
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw .output(path: path, reason: error.localizedDescription)
        }
    }
}
