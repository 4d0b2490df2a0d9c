import ArgumentParser
import Controller
import Foundation
import Reports
import Store

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write self-contained HTML reports.",
        discussion: """
            Writes index.html, compare.html and one page per device, latency table and run into Reports/ (or -o DIR). \
            Every page is one HTML file with inline SVG charts and no external resource: it can be mailed around and opened offline.
            """)
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("run"), help: "Only this run's page and the index (default: every page).") var runId: Int64?
    @Option(
        name: .customLong("compare"),
        help: ArgumentHelp("Also compare two runs on the comparison page (repeatable); BASE may be a baseline name.", valueName: "BASE:NEW"))
    var comparisons: [String] = []
    @Option(name: .shortAndLong, help: "Output directory (default Reports/ in the workspace).") var output: String?

    func run() throws {
        let store = try global.openStore()
        let ws = global.resolved
        let dir = output.map { URL(fileURLWithPath: $0) } ?? ws.reportsDirectory
        if runId != nil && !comparisons.isEmpty {
            throw ValidationError("--compare adds to the comparison page, which --run does not write: drop one of them")
        }
        var requests: [ComparisonRequest] = []
        for spec in comparisons {
            let parts = spec.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, let new = Int64(parts[1]) else {
                throw ValidationError("--compare takes BASE:NEW (run ids, or a baseline name and a run id), got \(spec.debugDescription)")
            }
            if let base = Int64(parts[0]) {
                requests.append(ComparisonRequest(base: base, new: new))
            } else {
                let b = try boardbench.run { () throws(StoreError) in try store.baseline(parts[0]) }
                requests.append(ComparisonRequest(base: b.runId, new: new, baseline: parts[0]))
            }
        }
        for path in try Self.write(store: store, workspace: ws, to: dir, only: runId, compare: requests) { printOut(path) }
    }

    /// Writes the pages. A store error keeps its own message and exit status; a file that cannot be
    /// written is an output error naming the directory.
    static func write(
        store: SQLiteStore, workspace: Workspace, to dir: URL, only run: Int64? = nil, compare: [ComparisonRequest] = []
    ) throws -> [String] {
        do {
            return try ReportWriter.write(store: store, workspace: workspace, to: dir, only: run, compare: compare)
        } catch let e as StoreError {
            throw fail(e)
        } catch let e as ReportOutputError {
            throw fail(ControllerError.output(path: e.path, reason: e.reason))
        } catch {
            throw fail(ControllerError.output(path: dir.path, reason: error.localizedDescription))
        }
    }
}
