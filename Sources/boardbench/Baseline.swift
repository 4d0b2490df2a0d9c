import ArgumentParser
import BenchCore
import Controller
import Foundation
import Store

struct Baseline: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Name runs as baselines for `compare --baseline NAME`.", subcommands: [Save.self, List.self, Delete.self])
}

extension Baseline {
    struct Save: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Point the baseline NAME at a run (creating or moving it).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Baseline name ([A-Za-z0-9][A-Za-z0-9._-]{0,63}).") var name: String
        @Argument(help: "Run id (see `results list`).") var runId: Int64

        func run() throws {
            try boardbench.run { () throws(NameError) in try EntityName.validate(name, kind: "baseline") }
            let store = try global.openStore()
            let previous = try boardbench.run { () throws(StoreError) in try store.baselines().first { $0.name == name } }
            let now = Int64(Date().timeIntervalSince1970 * 1e9)
            try boardbench.run { () throws(StoreError) in try store.saveBaseline(name, runId: runId, at: now) }
            if let previous, previous.runId != runId {
                printOut("baseline \(name) moved from run \(previous.runId) to run \(runId)")
            } else {
                printOut("baseline \(name) is run \(runId)")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List baselines by name.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        struct Entry: Codable {
            var name: String
            var runId: Int64
            var savedAt: String
            var profile: String?
        }

        func run() throws {
            let store = try global.openStore()
            let (baselines, runs) = try boardbench.run { () throws(StoreError) in (try store.baselines(), try store.runs()) }
            let profiles = Dictionary(runs.compactMap { r in r.run.id.map { ($0, r.run.profileName) } }, uniquingKeysWith: { a, _ in a })
            let entries = baselines.map {
                Entry(name: $0.name, runId: $0.runId, savedAt: Views.iso($0.createdAtUnixNanoseconds), profile: profiles[$0.runId])
            }
            if json {
                printOut(try Views.encode(["baselines": entries]))
                return
            }
            for e in entries { printOut("\(e.name)\trun \(e.runId)\t\(e.profile ?? "")\tsaved \(e.savedAt)") }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a baseline (its run stays).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Baseline name.") var name: String

        func run() throws {
            let store = try global.openStore()
            let runId = try boardbench.run { () throws(StoreError) in
                let b = try store.baseline(name)
                try store.deleteBaseline(name)
                return b.runId
            }
            printOut("deleted baseline \(name) (was run \(runId))")
        }
    }
}
