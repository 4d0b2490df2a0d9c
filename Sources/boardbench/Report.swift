import ArgumentParser
import Controller
import Foundation
import Reports
import Store

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write self-contained HTML reports.")
    @OptionGroup var global: GlobalOptions
    @Option(name: .customLong("run"), help: "Only this run's page (default: every run).") var runId: Int64?
    @Option(name: .shortAndLong, help: "Output directory (default Reports/ in the workspace).") var output: String?

    func run() throws {
        let store = try global.openStore()
        let dir = output.map { URL(fileURLWithPath: $0) } ?? global.resolved.reportsDirectory
        let written = try boardbench.run { () throws(ControllerError) in try ReportWriter.write(store: store, run: runId, to: dir) }
        for path in written { printOut(path) }
    }
}

enum ReportWriter {
    /// Writes index.html and the run pages; returns the paths written (the run page first when one was asked for).
    static func write(store: SQLiteStore, run: Int64?, to dir: URL) throws(ControllerError) -> [String] {
        do {
            let runs = try store.runs()
            let ids = run.map { [$0] } ?? runs.compactMap(\.run.id)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            var written: [String] = []
            for id in ids {
                let url = dir.appendingPathComponent("run-\(id).html")
                try Data(ReportPages.runPage(try store.run(id)).utf8).write(to: url, options: .atomic)
                written.append(url.path)
            }
            let index = dir.appendingPathComponent("index.html")
            try Data(ReportPages.index(runs).utf8).write(to: index, options: .atomic)
            written.append(index.path)
            return written
        } catch let e as StoreError {
            throw ControllerError.output(path: dir.path, reason: e.description)
        } catch {
            throw ControllerError.output(path: dir.path, reason: error.localizedDescription)
        }
    }
}
