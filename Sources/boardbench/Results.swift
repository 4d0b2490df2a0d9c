import ArgumentParser
import Controller
import Foundation
import Store

struct Results: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect, export and delete stored runs.", subcommands: [List.self, Show.self, Export.self, Delete.self])
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

extension Results {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a run: CSV (one row per result), csv-samples (one row per sample) or JSON (every sample).")

        enum ExportFormat: String, ExpressibleByArgument, CaseIterable {
            case csv, json
            case csvSamples = "csv-samples"
        }

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Run id (see `results list`).") var runId: Int64
        @Option(help: "csv, csv-samples or json (the document `results show --json` prints).") var format: ExportFormat
        @Option(name: .shortAndLong, help: "Write to this file (atomically) instead of stdout.") var output: String?

        func run() throws {
            let store = try global.openStore()
            let detail = try boardbench.run { () throws(StoreError) in try store.run(runId) }
            let document =
                switch format {
                case .csv: ResultsExport.resultsCSV(detail)
                case .csvSamples: ResultsExport.samplesCSV(detail)
                case .json: try Views.encode(Views.document(detail, includeSamples: true)) + "\n"
                }
            if let output {
                try boardbench.run { () throws(ControllerError) in try OutputFile.write(document, to: output) }
                if !global.quiet { printError("boardbench: wrote \(output)") }
            } else {
                printRaw(document)
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a run with its results and samples (refused while a baseline names it).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Run id (see `results list`).") var runId: Int64

        func run() throws {
            let store = try global.openStore()
            try boardbench.run { () throws(StoreError) in try store.deleteRun(runId) }
            printOut("deleted run \(runId)")
        }
    }
}

/// Writes `text` to stdout as it is: exports carry their own line ends (CRLF for CSV).
private func printRaw(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}
