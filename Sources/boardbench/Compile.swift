import ArgumentParser
import Controller
import Foundation

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compile a model to a plan and print its cost.")
    @Argument(help: "builtin:NAME or a .plan file.") var model: String
    @Option(name: .shortAndLong, help: "Write the plan here.") var output: String?
    @Flag(help: "Print JSON.") var json = false

    struct Summary: Codable {
        var model, hash: String
        var planBytes: Int
        var macs, parameters, weightBytes: Int64
        var opCounts: [String: Int]
    }

    func run() throws {
        let compiled = try boardbench.run { () throws(ControllerError) in try ModelCompiler.compile(model, relativeTo: nil) }
        if let output {
            do { try Data(compiled.plan).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                throw fail(ControllerError.output(path: output, reason: error.localizedDescription))
            }
        }
        let c = compiled.cost
        let s = Summary(
            model: model, hash: compiled.hash, planBytes: compiled.plan.count, macs: c.macs, parameters: c.parameters,
            weightBytes: c.weightBytes, opCounts: c.opCounts)
        if json {
            printOut(try Views.encode(s))
        } else {
            printOut("\(model): plan \(compiled.hash.prefix(16))… \(compiled.plan.count) bytes, \(c.macs) MACs, \(c.parameters) parameters")
            printOut("ops: " + c.opCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
    }
}
