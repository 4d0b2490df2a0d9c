import Controller

extension TableExporter {
    /// Columns of the `csv` export; times in milliseconds, the variance in square milliseconds.
    public static let csvColumns = [
        "key", "kind", "input", "output", "kernel", "stride", "middle", "count", "mean_ms", "var_ms2", "p0_ms", "p10_ms", "p50_ms", "p90_ms", "p100_ms",
    ]

    /// RFC 4180 (CRLF, fields holding a comma, quote, CR or LF quoted), as `results export`.
    static func csv(_ table: LatencyTable) -> ExportedFile {
        func row(_ fields: [String]) -> String { fields.map(ResultsExport.field).joined(separator: ",") + "\r\n" }
        // Shapes as the JSON export's `layer.input`: [C,H,W], [T,D] or [F].
        func shape(_ dims: [Int]) -> String { "[" + dims.map(String.init).joined(separator: ",") + "]" }
        var text = row(csvColumns)
        let entries = table.sortedEntries
        for e in entries {
            let l = e.layer
            let times = [milliseconds(e.mean), milliseconds2(e.variance)] + [e.p0, e.p10, e.p50, e.p90, e.p100].map(milliseconds)
            text += row(
                [e.key, l.kind, shape(l.input), shape(l.output), "\(l.kernel)", "\(l.stride)", "\(l.middle)", "\(e.count)"] + times.map { "\($0)" })
        }
        return ExportedFile(name: "\(fileStem(table))-latency-table.csv", contents: text, entryCount: entries.count)
    }
}
