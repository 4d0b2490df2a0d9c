import BenchCore
import Controller
import Foundation
import Store
import Tables

/// A pair of runs `report --compare` asked for (`baseline` names the base when it was given by name).
public struct ComparisonRequest: Sendable, Equatable {
    public var base: Int64
    public var new: Int64
    public var baseline: String?
    public init(base: Int64, new: Int64, baseline: String? = nil) { (self.base, self.new, self.baseline) = (base, new, baseline) }
}

extension ReportSite {
    /// Reads everything the pages show. Details of ordinary runs are returned too (the matrix
    /// and trends need their samples, and the run pages reuse them); latency-table runs, which
    /// can hold a thousand results, are left for the writer to read one at a time.
    public static func load(
        store: SQLiteStore, workspace: Workspace, compare requests: [ComparisonRequest] = []
    ) throws(StoreError) -> (site: ReportSite, details: [Int64: RunDetail]) {
        let runs = try store.runs()
        var purposes: [Int64: String] = [:]
        var tables: [TableReport] = []
        for t in try store.latencyTables(device: nil, space: nil) {
            let id = t.id ?? 0
            let links = try store.tableRuns(tableId: id)
            for l in links { purposes[l.runId] = l.purpose }
            let entries = try store.entries(tableId: id).map { e in
                TableReport.Entry(record: e, layer: try? JSONDecoder().decode(TableLayer.self, from: Data(e.layerJSON.utf8)))
            }
            var validation: ValidationReport?
            var validationError: String?
            if let stored = try store.reports(tableId: id, kind: "validation").first {
                do {
                    validation = try JSONDecoder().decode(ValidationReport.self, from: Data(stored.reportJSON.utf8))
                } catch {
                    validationError = "report \(stored.id ?? 0): \(error)"
                }
            }
            tables.append(
                TableReport(
                    record: t, entries: entries, validation: validation, validationError: validationError, searches: try store.searches(tableId: id),
                    runs: links))
        }
        var details: [Int64: RunDetail] = [:]
        for s in runs {
            guard let id = s.run.id, purposes[id] == nil else { continue }
            details[id] = try store.run(id)
        }
        let ordinary = details.values.sorted { ($0.run.id ?? 0) < ($1.run.id ?? 0) }
        var comparisons: [RunComparison] = []
        for b in try store.baselines() {
            guard let base = details[b.runId] else { continue }
            let keys = Set(base.results.map { BenchmarkKey(device: $0.record.device, benchmark: $0.record.benchmark) })
            // The newest later run that finished (a running one is still filling in).
            if let newer = ordinary.last(where: {
                ($0.run.id ?? 0) > b.runId && $0.run.status != "running"
                    && $0.results.contains { keys.contains(BenchmarkKey(device: $0.record.device, benchmark: $0.record.benchmark)) }
            }) {
                comparisons.append(RunComparison(base: base, new: newer, baseline: b.name))
            }
        }
        for r in requests {
            let base: RunDetail, new: RunDetail
            if let d = details[r.base] { base = d } else { base = try store.run(r.base) }
            if let d = details[r.new] { new = d } else { new = try store.run(r.new) }
            comparisons.append(RunComparison(base: base, new: new, baseline: r.baseline))
        }
        // One bootstrap per result, shared by the matrix and the trends.
        var statistics: [Int64: Statistics] = [:]
        for d in ordinary {
            for r in d.results where r.record.status == "ok" { statistics[r.record.id ?? 0] = r.statistics }
        }
        let site = ReportSite(
            runs: runs, tableRunPurposes: purposes,
            devices: devices(runs: runs, details: ordinary, statistics: statistics, workspace: workspace), tables: tables,
            comparison: matrix(ordinary, statistics: statistics, comparisons: comparisons), statistics: statistics)
        return (site, details)
    }

    static func matrix(_ details: [RunDetail], statistics: [Int64: Statistics], comparisons: [RunComparison]) -> ComparisonReport {
        var cells: [String: [String: ComparisonReport.Cell]] = [:]
        var devices = Set<String>()
        for d in details {
            for r in d.results where r.record.status == "ok" {
                guard let s = statistics[r.record.id ?? 0] else { continue }
                devices.insert(r.record.device)
                cells[r.record.benchmark, default: [:]][r.record.device] = ComparisonReport.Cell(
                    runId: d.run.id ?? 0, model: r.record.model, runtime: r.record.runtime, statistics: s,
                    energyPerInferenceJoules: r.record.energyPerInferenceJoules)
            }
        }
        return ComparisonReport(benchmarks: cells.keys.sorted(), devices: devices.sorted(), cells: cells, comparisons: comparisons)
    }

    static func devices(
        runs: [RunSummary], details: [RunDetail], statistics: [Int64: Statistics], workspace: Workspace
    ) -> [DeviceReport] {
        var names = Set(workspace.enrolledDevices())
        for r in runs { names.formUnion(r.devices) }
        return names.sorted().map { name in
            var report = DeviceReport(name: name)
            do throws(ControllerError) {
                report.config = try DeviceFile.load(name, in: workspace)
            } catch {
                report.configError = FileManager.default.fileExists(atPath: workspace.deviceFile(name).path) ? error.description : nil
            }
            report.runs = runs.filter { $0.devices.contains(name) }
            let snapshots = details.reversed().lazy.compactMap { $0.devices.first { $0.device == name } }
            report.facts = report.config?.facts ?? snapshots.lazy.compactMap { ReportPages.decodeFacts($0.factsJSON) }.first
            if let board = report.config?.board ?? BoardDescriptor.guess(from: report.facts) {
                do throws(ControllerError) {
                    report.board = try BoardDescriptor.load(board, in: workspace)
                } catch { report.boardError = error.description }
            }
            var points: [String: [Charts.TrendPoint]] = [:]
            for d in details {
                for r in d.results where r.record.device == name && r.record.status == "ok" {
                    guard let s = statistics[r.record.id ?? 0] else { continue }
                    points[r.record.benchmark, default: []].append(
                        .init(label: "#\(d.run.id ?? 0)", median: s.median, low: s.medianLow95, high: s.medianHigh95))
                }
            }
            report.trends = points.keys.sorted().map { DeviceReport.Trend(benchmark: $0, points: points[$0]!) }
            return report
        }
    }
}

/// A page that could not be written, with the system's reason (`No space left on device`).
public struct ReportOutputError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}

/// Writes the site: index, comparison, one page per device, table and run. Each file is
/// written whole (a temporary file renamed over the page), so a reader never sees half a page
/// and a full disk leaves the previous page in place.
public enum ReportWriter {
    /// Returns the paths written: the run page first when `only` names a run, else the index first.
    public static func write(
        store: SQLiteStore, workspace: Workspace, to dir: URL, only run: Int64? = nil, compare: [ComparisonRequest] = []
    ) throws -> [String] {
        let (site, details) = try ReportSite.load(store: store, workspace: workspace, compare: compare)
        try makeDirectory(dir.path)
        var written: [String] = []
        func put(_ name: String, _ html: String) throws(ReportOutputError) {
            let path = dir.appendingPathComponent(name).path
            try writeWhole(html, to: path)
            written.append(path)
        }
        if let run {
            let detail = try details[run] ?? store.run(run)
            try put(Page.runFile(run), ReportPages.runPage(detail, purpose: site.tableRunPurposes[run], statistics: site.statistics))
            try put(Page.indexFile, ReportPages.index(site))
            return written
        }
        try put(Page.indexFile, ReportPages.index(site))
        try put(Page.comparisonFile, ReportPages.comparisonPage(site.comparison))
        for d in site.devices { try put(Page.deviceFile(d.name), ReportPages.devicePage(d)) }
        for t in site.tables { try put(Page.tableFile(t.record.id ?? 0), ReportPages.tablePage(t)) }
        for s in site.runs {
            guard let id = s.run.id else { continue }
            let detail = try details[id] ?? store.run(id)
            try put(Page.runFile(id), ReportPages.runPage(detail, purpose: site.tableRunPurposes[id], statistics: site.statistics))
        }
        return written
    }

    /// `mkdir -p`, with the failing component and errno's text on failure.
    static func makeDirectory(_ path: String) throws(ReportOutputError) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0 && errno != EEXIST {
                throw ReportOutputError(path: current, reason: String(cString: strerror(errno)))
            }
        }
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ReportOutputError(path: path, reason: "not a directory")
        }
    }

    /// Replaces the page at `path` whole (`AtomicFile`), readable by everyone like any web page.
    static func writeWhole(_ text: String, to path: String) throws(ReportOutputError) {
        do { try AtomicFile.write(text.utf8, to: path, mode: 0o644) } catch { throw ReportOutputError(path: path, reason: error.reason) }
    }
}
