import ArgumentParser
import Controller
import Foundation
import Runtime

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Compile a model to a plan and print its cost.")
    @Argument(help: "builtin:NAME, a .plan file, an .onnx model or an architecture spec (.yaml/.json).") var model: String
    @Option(name: .customLong("input-shape"), help: "Fix a dynamic input: 1x3x224x224 (first input) or NAME:1x3x224x224.") var inputShapes: [String] = []
    @Option(name: .shortAndLong, help: "Write the plan here.") var output: String?
    @Flag(help: "Print JSON.") var json = false

    struct Summary: Codable {
        var model, hash: String
        var planBytes: Int
        var macs, parameters, weightBytes: Int64
        /// Activation arena after lifetime sharing, and the largest im2col/col2im scratch.
        var arenaBytes, scratchBytes: Int
        var opCounts: [String: Int]
        var inputs, outputs: [TensorSummary]
    }

    struct TensorSummary: Codable {
        var name: String
        var shape: [Int]
    }

    func run() throws {
        let compiled = try boardbench.run { () throws(ControllerError) in try ModelCompiler.compile(model, relativeTo: nil, inputShapes: inputShapes) }
        if let output {
            do { try Data(compiled.plan).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                throw fail(ControllerError.output(path: output, reason: error.localizedDescription))
            }
        }
        let c = compiled.cost
        // The most any board needs: boards without the packed kernels lower convolutions to
        // im2col columns in scratch.
        let memory = Executor.memoryPlan(for: compiled.graph, gemm: .openBLAS)
        let g = compiled.graph
        let s = Summary(
            model: model, hash: compiled.hash, planBytes: compiled.plan.count, macs: c.macs, parameters: c.parameters,
            weightBytes: c.weightBytes, arenaBytes: memory.arenaBytes, scratchBytes: memory.scratchBytes, opCounts: c.opCounts,
            inputs: g.inputs.map { TensorSummary(name: g.tensors[$0].name, shape: g.tensors[$0].shape) },
            outputs: g.outputs.map { TensorSummary(name: g.tensors[$0].name, shape: g.tensors[$0].shape) })
        if json {
            printOut(try Views.encode(s))
        } else {
            printOut("\(model): plan \(compiled.hash.prefix(16))… \(Format.bytes(Int64(compiled.plan.count)))")
            printOut("  MACs \(c.macs), parameters \(c.parameters), weights \(Format.bytes(c.weightBytes))")
            printOut("  arena \(Format.bytes(Int64(memory.arenaBytes))), scratch \(Format.bytes(Int64(memory.scratchBytes)))")
            for t in s.inputs { printOut("  input  \(t.name) \(t.shape)") }
            for t in s.outputs { printOut("  output \(t.name) \(t.shape)") }
            printOut("  ops: " + c.opCounts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
    }
}
