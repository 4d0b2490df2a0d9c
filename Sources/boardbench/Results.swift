import ArgumentParser
import Controller
import Store

struct Results: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Inspect stored runs.", subcommands: [List.self, Show.self])
}

extension Results {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() throws {
            let store = try global.openStore()
            let runs = try boardbench.run { () throws(StoreError) in try store.runs() }
            if json {
                printOut(try Views.encode(Views.list(runs)))
                return
            }
            for r in runs {
                printOut(
                    "\(r.run.id ?? 0)\t\(Views.iso(r.run.createdAtUnixNanoseconds))\t\(r.run.profileName)\t\(r.devices.joined(separator: ","))\t\(r.run.status)\t\(r.resultCount) results, \(r.failedCount) failed"
                )
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a run's results (with every sample in JSON).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Run id (see `results list`).") var runId: Int64
        @Flag(help: "Print JSON, including every sample.") var json = false

        func run() throws {
            let store = try global.openStore()
            let detail = try boardbench.run { () throws(StoreError) in try store.run(runId) }
            if json {
                printOut(try Views.encode(Views.document(detail, includeSamples: true)))
            } else {
                printOut("run \(runId): profile \(detail.run.profileName), \(detail.run.status)")
                printOut(ResultsTable.render(detail))
                let details = ResultDetails.render(detail)
                if !details.isEmpty { printOut("\n" + details) }
            }
        }
    }
}
