import ArgumentParser
import Controller
import Foundation
import Store

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enrol this machine, run the quick profile on it and write the report.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Agent executable (default: next to boardbench).") var agent: String?

    func run() throws {
        let ws = global.resolved
        let logger = global.logger()
        if !FileManager.default.fileExists(atPath: ws.deviceFile("local").path) {
            var o = EnrolOptions(name: "local")
            o.local = true
            o.agentPath = agent
            _ = try boardbench.run { () throws(ControllerError) in try Enrolment.enrol(o, workspace: ws, logger: logger) }
        }
        let store = try global.openStore()
        let coordinator = RunCoordinator(workspace: ws, store: store, logger: logger)
        let outcome = try boardbench.run { () throws(ControllerError) in
            var options = RunOptions(profile: "quick", devices: ["local"], agentPath: agent)
            let progress = RunProgress(quiet: false)
            options.onEvent = { progress.handle($0) }
            return try coordinator.run(options)
        }
        let detail = try boardbench.run { () throws(StoreError) in try store.run(outcome.runId) }
        printOut(ResultsTable.render(detail))
        _ = try Report.write(store: store, workspace: ws, to: ws.reportsDirectory)
        let page = ws.reportsDirectory.appendingPathComponent("run-\(outcome.runId).html").path
        printOut("run \(outcome.runId): \(outcome.status); report: \(page)")
        if let e = outcome.devices.compactMap(\.error).first { throw fail(e) }
    }
}
