import ArgumentParser
import BenchCore
import Controller
import Foundation

struct Infer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model once on NumPy .npy inputs and write its outputs as .npy files.",
        discussion: """
            Inputs and outputs are float32 .npy arrays, so results can be compared with any framework. \
            With --device the plan runs on that board through its agent, so the board's numerics are checked too.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "builtin:NAME, a .plan file, an .onnx model or an architecture spec.") var model: String
    @Option(name: .customLong("input"), help: "An input .npy file, one per graph input in order.") var inputs: [String] = []
    @Option(name: .customLong("input-shape"), help: "Fix a dynamic input: 1x3x224x224 (first input) or NAME:1x3x224x224.") var inputShapes: [String] = []
    @Option(name: .shortAndLong, help: "Output .npy file (models with one output).") var output: String?
    @Option(name: .customLong("output-dir"), help: "Directory for <output name>.npy, one per graph output.") var outputDir: String?
    @Option(help: "Run on this enrolled device instead of this machine.") var device: String?
    @Option(help: "Agent executable to deploy if the device lacks this version.") var agent: String?
    @Option(help: "Threads for the runtime (OpenBLAS and its own loops).") var threads: Int = 1
    @Option(help: "builtin (BoardBench's runtime) or onnxruntime (ONNX Runtime on the board, with --device and an .onnx model).")
    var runner: String = "builtin"

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one --input FILE.npy") }
        if (output == nil) == (outputDir == nil) { throw ValidationError("give exactly one of -o FILE.npy and --output-dir DIR") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        guard runner == "builtin" || runner == "onnxruntime" else { throw ValidationError("--runner must be builtin or onnxruntime") }
        if runner == "onnxruntime" {
            if device == nil { throw ValidationError("--runner onnxruntime runs on a board: give --device NAME") }
            if !model.lowercased().hasSuffix(".onnx") { throw ValidationError("--runner onnxruntime needs an .onnx model") }
        }
    }

    func run() throws {
        let arrays = try boardbench.run { () throws(ControllerError) in try inputs.map { path throws(ControllerError) in try Self.read(path) } }
        let compiled = try boardbench.run { () throws(ControllerError) in try ModelCompiler.compile(model, relativeTo: nil, inputShapes: inputShapes) }
        let outputs = try boardbench.run { () throws(ControllerError) in
            if let device {
                try Inference.remote(
                    compiled, inputs: arrays, device: device, workspace: global.resolved, agentPath: agent, threads: threads,
                    onnxRuntime: runner == "onnxruntime" ? try ModelCompiler.file(model) : nil, inputShapes: inputShapes)
            } else {
                try Inference.local(compiled, inputs: arrays, threads: threads)
            }
        }
        try boardbench.run { () throws(ControllerError) in
            if let output {
                guard outputs.count == 1 else {
                    throw .invalidArgument("the model has \(outputs.count) outputs (\(outputs.map(\.name).joined(separator: ", "))); use --output-dir")
                }
                try Self.write(outputs[0].array, to: output)
            } else if let outputDir {
                do { try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true) } catch {
                    throw .output(path: outputDir, reason: error.localizedDescription)
                }
                for o in outputs { try Self.write(o.array, to: URL(fileURLWithPath: outputDir).appendingPathComponent(Self.fileName(o.name)).path) }
            }
        }
        if !global.quiet {
            for o in outputs { printError("\(o.name): \(o.array.shape)") }
        }
    }

    /// A graph output name made safe as a file name.
    static func fileName(_ name: String) -> String {
        let safe = name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" }
        return String(safe) + ".npy"
    }

    static func read(_ path: String) throws(ControllerError) -> NPYArray {
        guard let data = FileManager.default.contents(atPath: path) else { throw .fileNotFound(path: path, what: "input") }
        do { return try NPY.decode([UInt8](data)) } catch { throw .invalidArgument("\(path): \(error.description)") }
    }

    static func write(_ a: NPYArray, to path: String) throws(ControllerError) {
        do { try Data(NPY.encode(a)).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw .output(path: path, reason: error.localizedDescription)
        }
    }
}
