import ArgumentParser

@main
struct BoardBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "boardbench",
        abstract: "Benchmark ML models on Linux edge boards over SSH.",
        discussion: "Exit statuses are listed in docs/formats.md.",
        version: "0.1.0",
        subcommands: [
            Device.self, Run.self, Results.self, Compare.self, Baseline.self, Report.self, Compile.self, Infer.self, Table.self, Predict.self,
            Search.self, Demo.self,
        ])
}
